"""Core of ``qbsync explain``: classify a pasted error, or a JSON-lines stream of them, and say what to do.

Rendering lives in ``render/``; this module only returns data. Bad input lines become error objects in
the output stream, in order, so a pipeline never loses its place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from qbsync.diagnosis.classifier import (
    CONFIDENT,
    Classification,
    Facts,
    classify,
    signal_from_fields,
    signal_from_text,
)
from qbsync.diagnosis.patterns import FixBy, RetrySafety, get_pattern


@dataclass(frozen=True)
class Explanation:
    classification: Classification
    why: str
    steps: tuple[str, ...]
    fix_by: FixBy
    retry: RetrySafety
    docs: str
    warning: str | None = None


def explain_text(
    text: str,
    code: str | int | None = None,
    status: int | None = None,
    entity: str | None = None,
    facts: Facts | None = None,
) -> Explanation:
    """Classify one error as a person pasted it, with the pattern's why and fix steps."""
    return _explanation(classify(signal_from_text(text, code=code, status=status, entity=entity), facts))


def _explanation(c: Classification) -> Explanation:
    p = get_pattern(c.pattern)
    return Explanation(c, p.why, p.steps, p.fix_by, p.retry, p.docs, p.warning)


def classification_dict(c: Classification) -> dict:
    return {
        "pattern": c.pattern,
        "name": c.name,
        "confidence": c.confidence,
        "reason": c.reason,
        "rule": c.rule_id,
        "confirmed": c.confirmed,
        "candidates": list(c.candidates),
        "needs": list(c.needs),
        "escalate": c.escalate,
        "docs": c.docs,
    }


def explain_jsonl(lines: Iterable[str]) -> Iterator[dict]:
    """One JSON object in per line -> one result object out per line, same order; bad lines become errors.

    Input fields (all optional): ``message``, ``detail``, ``code``, ``http_status``, ``fault_type``,
    ``entity``, ``raw``; also ``element``, ``record_type``, ``kind``, ``operation``.
    """
    for n, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except (ValueError, TypeError) as exc:
            yield _bad_line(n, f"not JSON: {exc}")
            continue
        if not isinstance(record, dict):
            yield _bad_line(n, "expected a JSON object")
            continue
        try:
            c = classify(signal_from_fields(record))
        except Exception as exc:  # never stop the stream for one record
            yield _bad_line(n, f"could not classify: {type(exc).__name__}")
            continue
        yield {"line": n, **classification_dict(c)}


def _bad_line(n: int, message: str) -> dict:
    return {"line": n, "error": {"code": "bad_line", "message": message[:200]}}


# --- the labelled set -------------------------------------------------------------------------------------------


@dataclass
class Tally:
    total: int = 0
    correct: int = 0
    confidently_wrong: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass
class LabelledReport:
    total: int = 0
    correct: int = 0
    confidently_wrong: int = 0
    per_pattern: dict[str, Tally] = field(default_factory=dict)
    misses: list[dict] = field(default_factory=list)  # {"line", "expected", "got", "confidence", "reason"}

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def evaluate_labelled(lines: Iterable[str]) -> LabelledReport:
    """Classify every labelled line (without facts unless the line carries them) and tally the outcome."""
    report = LabelledReport()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        record = json.loads(line)
        expected = record["pattern"]
        got = classify(signal_from_fields(record), _facts(record.get("facts")))
        tally = report.per_pattern.setdefault(expected, Tally())
        right = got.pattern == expected
        wrong_and_sure = not right and got.confidence >= CONFIDENT
        for t in (tally, report):
            t.total += 1
            t.correct += right
            t.confidently_wrong += wrong_and_sure
        if not right:
            report.misses.append(
                {
                    "line": n,
                    "expected": expected,
                    "got": got.pattern,
                    "confidence": got.confidence,
                    "reason": got.reason,
                }
            )
    return report


def _facts(data: dict | None) -> Facts | None:
    if not data:
        return None
    values = dict(data)
    for key in ("book_close_date", "record_txn_date"):
        if isinstance(values.get(key), str):
            values[key] = date.fromisoformat(values[key])
    for key in ("failing_since", "now"):
        if isinstance(values.get(key), str):
            values[key] = datetime.fromisoformat(values[key])
    return Facts(**values)


__all__ = [
    "Explanation",
    "LabelledReport",
    "classification_dict",
    "evaluate_labelled",
    "explain_jsonl",
    "explain_text",
]
