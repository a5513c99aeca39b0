"""The classifier on real QuickBooks error texts collected from public sources, measured honestly.

Whole source families are held out for validation (``qbsync.diagnosis.evaluation``); the figures in
docs/patterns.md are the validation ones, and this test fails when validation accuracy drops below them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from qbsync.diagnosis.evaluation import evaluate_labelled, is_validation, source_family
from qbsync.diagnosis.patterns import PATTERNS

LABELLED = Path(__file__).resolve().parents[1] / "data" / "qbo_errors_labelled.jsonl"
DOC = Path(__file__).resolve().parents[2] / "docs" / "patterns.md"
INPUT_FIELDS = {
    "message",
    "detail",
    "code",
    "http_status",
    "fault_type",
    "entity",
    "raw",
    "element",
    "record_type",
    "kind",
}


def _lines() -> list[str]:
    return LABELLED.read_text(encoding="utf-8").splitlines()


def _documented_validation_accuracy() -> float:
    m = re.search(r"\*\*Validation accuracy: ([\d.]+)%\*\*", DOC.read_text(encoding="utf-8"))
    assert m, "docs/patterns.md gives no validation accuracy"
    return float(m.group(1)) / 100


def test_labelled_set_is_well_formed():
    records = [json.loads(line) for line in _lines()]
    assert len(records) >= 250
    for r in records:
        assert r["source"] and r["pattern"] in PATTERNS and "entity" in r
        assert INPUT_FIELDS & {k for k, v in r.items() if v is not None}, r
    assert {r["pattern"] for r in records} == set(PATTERNS)
    texts = [r.get("raw") or (r.get("code"), r.get("message"), r.get("detail")) for r in records]
    assert len({json.dumps(t) for t in texts}) == len(texts), "a text is in the corpus twice"


def test_split_is_by_source_family():
    records = [json.loads(line) for line in _lines()]
    by_family: dict[str, set[bool]] = {}
    for r in records:
        by_family.setdefault(source_family(r["source"]), set()).add(is_validation(r["source"]))
    assert all(len(sides) == 1 for sides in by_family.values())  # a family is never on both sides
    held = [r for r in records if is_validation(r["source"])]
    assert 0.15 * len(records) <= len(held) <= 0.45 * len(records)
    assert source_family("https://github.com/intuit/QuickBooks-V3-PHP-SDK/issues/54") == "intuit/quickbooks-v3-php-sdk"
    assert source_family("ruckus/quickbooks-ruby:spec/fixtures/fault.xml") == "ruckus/quickbooks-ruby"
    assert source_family("https://paymakerhelp.bill.com/hc/en-us/articles/1") == "bill.com"
    assert source_family("https://servicefusion.zendesk.com/hc/x") == "servicefusion.zendesk.com"


def test_validation_accuracy_holds_the_documented_figure():
    report = evaluate_labelled(_lines(), "validation")
    assert report.accuracy >= _documented_validation_accuracy() - 0.0005, report.misses  # the doc rounds
    assert report.accuracy >= 0.95, report.misses
    for pattern, tally in report.per_pattern.items():
        if tally.total:
            assert tally.recall >= 0.85, (pattern, report.misses)
    assert report.confidently_wrong <= max(1, report.total // 30), report.misses


def test_in_sample_accuracy():
    report = evaluate_labelled(_lines(), "train")
    assert report.accuracy >= 0.9, report.misses
    for pattern, tally in report.per_pattern.items():
        assert tally.recall >= 0.8, (pattern, report.misses)


def test_unknown_is_never_the_answer_when_the_text_names_the_record():
    from qbsync.diagnosis.classifier import classify, named_subject, signal_from_fields

    record_of = {"P1": "customer", "P2": "item", "P4": "tax"}
    checked = 0
    for line in _lines():
        r = json.loads(line)
        if r["pattern"] not in record_of:
            continue
        signal = signal_from_fields(r)
        if named_subject(signal) != record_of[r["pattern"]]:
            continue
        checked += 1
        assert classify(signal).pattern != "unknown", r
    assert checked >= 30
