"""The pattern table: complete, consistent, and docs/patterns.md generated from it is current."""

from __future__ import annotations

import re
from pathlib import Path

from qbsync.diagnosis.patterns import PATTERNS, RULES
from qbsync.diagnosis.patterns_doc import render_patterns_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "patterns.md"
LABELLED = Path(__file__).resolve().parents[1] / "data" / "qbo_errors_labelled.jsonl"


def test_every_pattern_is_complete():
    assert list(PATTERNS) == ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "unknown"]
    orders = [p.plan_order for p in PATTERNS.values()]
    assert sorted(orders) == list(range(1, 9))
    for p in PATTERNS.values():
        assert p.name and p.looks_like and p.why and p.steps
        assert p.fix_by in ("self", "bookkeeper", "support")
        assert p.retry in ("safe", "unsafe", "useless_until_fixed")
        assert re.fullmatch(r"docs/patterns\.md#[a-z0-9-]+", p.docs)
    assert PATTERNS["P1"].docs == "docs/patterns.md#p1-customer-not-synced"
    assert PATTERNS["P5"].plan_order == 1 and PATTERNS["P7"].retry == "safe" and PATTERNS["P6"].retry == "unsafe"


def test_steps_never_tell_anyone_to_delete():
    for p in PATTERNS.values():
        for step in p.steps:
            assert not re.search(r"\bdelete\b", step, re.IGNORECASE) or "never delete" in step.lower(), step


def test_every_rule_is_well_formed():
    for r in RULES:
        assert r.id.split(".")[0] == r.pattern
        assert 0 < r.confidence <= 1 and r.says
        assert r.codes or r.statuses or r.kinds or r.text or r.entities or r.terms, r.id
        for rx in (r.text_re, r.field_re):
            assert rx is None or rx.pattern
        assert all(c in PATTERNS for c in r.candidates)


def test_docs_patterns_md_is_current():
    assert DOC.read_text(encoding="utf-8") == render_patterns_markdown(LABELLED), (
        "docs/patterns.md is stale: run .venv/bin/python scripts/gen_patterns_doc.py"
    )


def test_docs_have_every_anchor_and_rule():
    text = render_patterns_markdown(LABELLED)
    for p in PATTERNS.values():
        assert f"## {p.id} {p.name}" in text
    for r in RULES:
        assert f"`{r.id}`" in text
    assert "## Accuracy on the labelled set" in text
