"""The local retry history: every retry qbsync asked Suprata for, so "retried N times for the same cause"
survives between runs (``diagnose``, ``status`` and ``check`` read ``counts()``).

One JSON line per event, appended under a file lock (``<data_dir>/history/<profile>.retries.jsonl``). A
logical retry is identified by its idempotency key: a ``sent`` event opens it, later ``update`` events carry
what became of it. Readers fold the events; a damaged line is skipped, never fatal.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from qbsync.clock import format_iso

LOCK_TIMEOUT = 10.0
FILE_MODE = 0o600
# A logical retry whose result is not known yet (the request may be queued or running in Suprata).
OPEN_STATUSES = frozenset({"sending", "queued", "running"})
# Its send failed in a way that leaves Suprata's side unknown: the key is reused, never a new one.
UNKNOWN_SEND = "send_unknown"
Signature = tuple[Any, ...]


def signature_of(value: Iterable[Any] | None) -> Signature | None:
    return tuple(value) if value is not None else None


@dataclass
class LoggedRetry:
    """One logical retry (one idempotency key), folded from its events."""

    key: str
    record_type: str
    record_id: str
    number: str | None
    cause_pattern: str | None
    cause_signature: Signature | None
    sent_at: str
    status: str = "sending"  # sending | queued | running | succeeded | failed | uncertain | send_unknown | rejected
    retry_id: str | None = None
    outcome_signature: Signature | None = None
    outcome_pattern: str | None = None
    qbo_id: str | None = None
    forced: bool = False
    updated_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def record(self) -> tuple[str, str]:
        return (self.record_type, self.record_id)

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES


class RetryHistory:
    def __init__(self, data_dir: Path | str, profile: str = "default") -> None:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", profile or "default")
        self.dir = Path(data_dir) / "history"
        self.path = self.dir / f"{safe}.retries.jsonl"
        self.lock_path = self.dir / f"{safe}.retries.lock"

    # --- writing ----------------------------------------------------------------------------------

    def record_sent(
        self,
        *,
        key: str,
        record_type: str,
        record_id: str,
        number: str | None,
        cause_pattern: str | None,
        cause_signature: Signature | None,
        at: datetime,
        forced: bool = False,
    ) -> None:
        """Written BEFORE the request leaves: a crash mid-send still leaves the key to reuse."""
        self._append(
            {
                "event": "sent",
                "key": key,
                "record_type": record_type,
                "record_id": record_id,
                "number": number,
                "cause_pattern": cause_pattern,
                "cause_signature": list(cause_signature) if cause_signature is not None else None,
                "at": _iso(at),
                "forced": forced,
            }
        )

    def record_update(
        self,
        key: str,
        status: str,
        at: datetime,
        *,
        retry_id: str | None = None,
        outcome_signature: Signature | None = None,
        outcome_pattern: str | None = None,
        qbo_id: str | None = None,
    ) -> None:
        event: dict[str, Any] = {"event": "update", "key": key, "status": status, "at": _iso(at)}
        if retry_id:
            event["retry_id"] = retry_id
        if outcome_signature is not None:
            event["outcome_signature"] = list(outcome_signature)
        if outcome_pattern:
            event["outcome_pattern"] = outcome_pattern
        if qbo_id:
            event["qbo_id"] = qbo_id
        self._append(event)

    def _append(self, event: dict[str, Any]) -> None:
        from filelock import FileLock  # imported here: keeps `qbsync --help` light

        self.dir.mkdir(parents=True, exist_ok=True)
        line = json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n"
        with FileLock(str(self.lock_path), timeout=LOCK_TIMEOUT, mode=FILE_MODE):
            # O_NONBLOCK: a FIFO put in place of the history must fail at once, never block the run
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK, FILE_MODE)
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    raise OSError(errno.EINVAL, "not a regular file", str(self.path))
                os.write(fd, line.encode("utf-8"))  # one write of one line: never interleaved under the lock
                os.fsync(fd)
            finally:
                os.close(fd)

    # --- reading ----------------------------------------------------------------------------------

    def retries(self) -> list[LoggedRetry]:
        """Every logical retry, oldest first."""
        if not self.path.exists():
            return []
        if not self.path.is_file():  # a FIFO would block the read; a folder cannot be read: never guess
            raise OSError(errno.EINVAL, "the retry history is not a regular file", str(self.path))
        folded: dict[str, LoggedRetry] = {}
        with self.path.open(encoding="utf-8", errors="replace") as fh:
            for raw in fh:
                try:
                    event = json.loads(raw)
                    _fold(folded, event)
                except (ValueError, KeyError, TypeError):
                    continue  # a torn or hand-edited line must not stop a cron run
        return list(folded.values())

    def for_record(self, record_type: str, record_id: str) -> list[LoggedRetry]:
        return [r for r in self.retries() if r.record == (record_type, record_id)]

    def open_retries(self) -> list[LoggedRetry]:
        return [r for r in self.retries() if r.open and r.retry_id]

    def same_cause(self, record_type: str, record_id: str, signature: Signature | None) -> list[LoggedRetry]:
        """Retries qbsync sent for this record and this exact cause since the record last succeeded."""
        out: list[LoggedRetry] = []
        for r in self.for_record(record_type, record_id):
            if r.status == "succeeded":
                out = []
            elif signature is not None and r.cause_signature == signature and r.status != "rejected":
                out.append(r)
        return out

    def reusable_key(self, record_type: str, record_id: str, signature: Signature | None) -> str | None:
        """The key of a retry whose send was never confirmed, for the same cause: reuse it, never mint anew."""
        for r in reversed(self.for_record(record_type, record_id)):
            if r.status in (UNKNOWN_SEND, "sending") and not r.retry_id and r.cause_signature == signature:
                return r.key
            if r.retry_id or r.status == "succeeded":
                return None
        return None

    def counts(self) -> dict[tuple[str, str], int]:
        """Retries qbsync sent per record for the record's current cause (as far as the history knows it).

        The current cause is the error the latest retry met (or the one it was sent for while its result is
        unknown); a success resets the count.
        """
        state: dict[tuple[str, str], tuple[Signature | None, int]] = {}
        for r in self.retries():
            if r.status == "rejected":
                continue
            current, count = state.get(r.record, (None, 0))
            if r.cause_signature != current:
                count = 0
            count += 1
            current = r.cause_signature
            if r.status == "succeeded":
                current, count = None, 0
            elif (
                r.status in ("failed", "uncertain")
                and r.outcome_signature is not None
                and r.outcome_signature != r.cause_signature
            ):
                current, count = r.outcome_signature, 0
            state[r.record] = (current, count)
        return {key: count for key, (_, count) in state.items() if count > 0}


def _fold(folded: dict[str, LoggedRetry], event: dict[str, Any]) -> None:
    key = str(event["key"])
    if event.get("event") == "sent":
        folded[key] = LoggedRetry(
            key=key,
            record_type=str(event["record_type"]),
            record_id=str(event["record_id"]),
            number=event.get("number"),
            cause_pattern=event.get("cause_pattern"),
            cause_signature=signature_of(event.get("cause_signature")),
            sent_at=str(event.get("at") or ""),
            forced=bool(event.get("forced")),
        )
        return
    r = folded.get(key)
    if r is None:
        return
    r.status = str(event.get("status") or r.status)
    r.updated_at = event.get("at")
    r.retry_id = event.get("retry_id") or r.retry_id
    if "outcome_signature" in event:
        r.outcome_signature = signature_of(event["outcome_signature"])
    r.outcome_pattern = event.get("outcome_pattern") or r.outcome_pattern
    r.qbo_id = event.get("qbo_id") or r.qbo_id


def _iso(value: datetime) -> str:
    return format_iso(value)
