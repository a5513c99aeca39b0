"""Core of ``qbsync explain``: classify a pasted error, or a JSON-lines stream of them, and say what to do.

Rendering lives in ``render/``; this module only returns data. Bad input lines become error objects in
the output stream, in order, so a pipeline never loses its place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from qbsync.diagnosis.classifier import (
    Classification,
    Facts,
    FailureSignal,
    classify,
    classify_each,
    signal_from_fields,
    signal_from_text,
)
from qbsync.diagnosis.patterns import FixBy, RetrySafety, get_pattern


@dataclass(frozen=True)
class ErrorExplained:
    """One Error of a Fault that carries several, and the pattern it belongs to."""

    code: str | None
    message: str | None
    classification: Classification


@dataclass(frozen=True)
class Explanation:
    classification: Classification
    why: str
    steps: tuple[str, ...]
    fix_by: FixBy
    retry: RetrySafety
    docs: str
    warning: str | None = None
    errors: tuple[ErrorExplained, ...] = ()  # every Error, when the Fault carries more than one


def explain_text(
    text: str,
    code: str | int | None = None,
    status: int | None = None,
    entity: str | None = None,
    facts: Facts | None = None,
) -> Explanation:
    """Classify one error as a person pasted it, with the pattern's why and fix steps.

    When the Fault carries several Errors each is classified; the explanation leads with the one to fix first.
    """
    signal = signal_from_text(text, code=code, status=status, entity=entity)
    return _explanation(classify(signal, facts), each_error(signal, facts))


def each_error(signal: FailureSignal, facts: Facts | None = None) -> tuple[ErrorExplained, ...]:
    """Every Error of a multi-error Fault with its own pattern; empty for a single error."""
    subs = signal.each_error()
    if len(subs) < 2:
        return ()
    found = classify_each(signal, facts)
    return tuple(
        ErrorExplained(s.fault.code if s.fault else None, s.fault.message if s.fault else None, c)
        for s, c in zip(subs, found, strict=False)
    )


def explain_pattern(pattern_id: str) -> Explanation:
    """``qbsync explain P1``: the pattern itself, as the pattern table states it (the link that works after pip)."""
    p = get_pattern(pattern_id)
    return _explanation(
        Classification(p.id, p.name, 1.0, f"{p.id} is the pattern: {p.looks_like}", rule_id="pattern", confirmed=True)
    )


def _explanation(c: Classification, errors: tuple[ErrorExplained, ...] = ()) -> Explanation:
    p = get_pattern(c.pattern)
    return Explanation(c, p.why, p.steps, p.fix_by, p.retry, p.docs, p.warning, errors)


def classification_dict(c: Classification) -> dict[str, Any]:
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


def explain_jsonl(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
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
        except RecursionError:
            yield _bad_line(n, "not usable JSON: nested too deeply")
            continue
        if not isinstance(record, dict):
            yield _bad_line(n, "expected a JSON object")
            continue
        try:
            signal = signal_from_fields(record)
            c = classify(signal)
            errors = each_error(signal)
        except Exception as exc:  # never stop the stream for one record
            yield _bad_line(n, f"could not classify: {type(exc).__name__}")
            continue
        out = {"line": n, **classification_dict(c)}
        if errors:
            out["errors"] = [
                {"code": e.code, "message": e.message, **classification_dict(e.classification)} for e in errors
            ]
        yield out


def _bad_line(n: int, message: str) -> dict[str, Any]:
    return {"line": n, "error": {"code": "bad_line", "message": message[:200]}}


# --- the labelled set: measured in ``evaluation`` (kept importable from here) ----------------------------------

from qbsync.diagnosis.evaluation import LabelledReport, Tally, evaluate_labelled  # noqa: E402

__all__ = [
    "ErrorExplained",
    "Explanation",
    "LabelledReport",
    "Tally",
    "classification_dict",
    "evaluate_labelled",
    "explain_jsonl",
    "explain_text",
]
