"""The diagnosis's compact attempt rows carry everything the classifier reads (mypy found the gap)."""

from __future__ import annotations

from datetime import UTC, datetime

from qbsync.clients.attempt_rows import Attempt, AttemptError
from qbsync.diagnosis.classifier import signal_from_attempt
from qbsync.diagnosis.failures import error_signature


def attempt(error: AttemptError) -> Attempt:
    at = datetime(2026, 11, 1, tzinfo=UTC)
    return Attempt("a1", "invoice", "inv_1", at, 1, "auto", "failed", "INV-1", None, None, None, error)


def test_an_attempt_without_a_body_is_read_not_crashed_on():
    timeout = attempt(AttemptError("timeout", None, None, None, "Invoice", "create", None))
    assert error_signature(timeout) == ("timeout", None, None, "Invoice")
    assert signal_from_attempt(timeout).kind == "timeout"  # type: ignore[arg-type]


def test_a_message_only_log_keeps_its_words():
    words = "Duplicate Document Number Error: You must specify a different number. This number has already been used."
    row = attempt(AttemptError("http", 400, None, None, "Invoice", "create", None, message=words))
    assert error_signature(row)[2] == words
    assert signal_from_attempt(row).code == "6140"  # type: ignore[arg-type]
