"""The local retry history: append-only JSONL under a lock, folded by idempotency key."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from qbsync.retrying.history import RetryHistory

T = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)
A = ("http", 429, "3001", "Invoice")
B = ("http", 503, None, "Invoice")


def _send(h: RetryHistory, key: str, sig, rid: str = "inv_1") -> None:
    h.record_sent(
        key=key, record_type="invoice", record_id=rid, number="INV-1", cause_pattern="P7", cause_signature=sig, at=T
    )


def test_counts_follow_the_current_cause_and_reset_on_success(tmp_path: Path) -> None:
    h = RetryHistory(tmp_path, "acme")
    assert h.counts() == {}
    _send(h, "k1", A)
    h.record_update("k1", "queued", T, retry_id="r1")
    assert h.open_retries()[0].retry_id == "r1"
    assert h.counts() == {("invoice", "inv_1"): 1}  # sent for A, result not known yet
    h.record_update("k1", "failed", T, outcome_signature=A)
    assert h.counts() == {("invoice", "inv_1"): 1}
    assert len(h.same_cause("invoice", "inv_1", A)) == 1
    _send(h, "k2", A)
    h.record_update("k2", "failed", T, retry_id="r2", outcome_signature=B)
    assert h.counts() == {}  # the current cause is B now, never retried by qbsync
    assert len(h.same_cause("invoice", "inv_1", A)) == 2 and h.same_cause("invoice", "inv_1", B) == []
    _send(h, "k3", B)
    h.record_update("k3", "succeeded", T, retry_id="r3", qbo_id="9")
    assert h.counts() == {} and h.same_cause("invoice", "inv_1", A) == []
    # A new instance (a new run) reads the same history.
    again = RetryHistory(tmp_path, "acme")
    assert [r.status for r in again.retries()] == ["failed", "failed", "succeeded"]
    assert RetryHistory(tmp_path, "other").retries() == []


def test_unconfirmed_send_reuses_its_key_and_damaged_lines_are_skipped(tmp_path: Path) -> None:
    h = RetryHistory(tmp_path, "acme")
    _send(h, "k1", A)
    h.record_update("k1", "send_unknown", T)
    assert h.reusable_key("invoice", "inv_1", A) == "k1"
    assert h.reusable_key("invoice", "inv_1", B) is None
    with h.path.open("a") as fh:
        fh.write('{"event": "sent", "key": \n')  # a torn line
        fh.write("not json\n")
    _send(h, "k2", B, rid="inv_2")
    assert [r.key for r in h.retries()] == ["k1", "k2"]
    assert oct(h.path.stat().st_mode & 0o777) == "0o600"


def test_services_retry_counts_reads_the_history(tmp_path: Path) -> None:
    from qbsync.sandbox.app import build_sandbox
    from qbsync.services import services_for_sandbox

    services = services_for_sandbox(build_sandbox("healthy"), tmp_path)
    h = RetryHistory(tmp_path, services.profile)
    _send(h, "k1", A)
    h.record_update("k1", "failed", T, retry_id="r1", outcome_signature=A)
    assert services.retry_counts() == {("invoice", "inv_1"): 1}
