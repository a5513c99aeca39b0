"""The classifier on real QuickBooks error texts collected from public sources."""

from __future__ import annotations

import json
from pathlib import Path

from qbsync.diagnosis.explain import evaluate_labelled
from qbsync.diagnosis.patterns import PATTERNS

LABELLED = Path(__file__).resolve().parents[1] / "data" / "qbo_errors_labelled.jsonl"
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


def test_labelled_set_is_well_formed():
    records = [json.loads(line) for line in _lines()]
    assert len(records) >= 60
    for r in records:
        assert r["source"] and r["pattern"] in PATTERNS and "entity" in r
        assert INPUT_FIELDS & {k for k, v in r.items() if v is not None}, r
    assert {r["pattern"] for r in records} == set(PATTERNS)


def test_accuracy_and_never_confidently_wrong():
    report = evaluate_labelled(_lines())
    assert report.confidently_wrong == 0, report.misses
    assert report.accuracy >= 0.9, report.misses
    for pattern, tally in report.per_pattern.items():
        assert tally.accuracy >= 0.75, (pattern, report.misses)
