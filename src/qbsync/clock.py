"""Time as a dependency.

Everything that reads the time or waits takes a Clock, so the sandbox and the tests can run a whole
week of sync history, a 60-second throttle wait or a 100-day token expiry in microseconds.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC datetime."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class VirtualClock:
    """A clock that only moves when told to; sleeping advances it instantly.

    Thread-safe, because the HTTP layer sleeps from worker threads.
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("VirtualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._mono = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._mono += seconds

    def set(self, when: datetime) -> None:
        with self._lock:
            when = when.astimezone(UTC)
            if when > self._now:
                self._mono += (when - self._now).total_seconds()
                self._now = when


class OneMoment:
    """A clock whose ``now()`` is one moment, the one it was made at; waiting still waits on the clock it
    wraps. One ``check`` run reads as of one moment: its parts ask QuickBooks' change feed for the same
    window, so they share one read of it (``health/read_once.py``)."""

    def __init__(self, inner: Clock) -> None:
        self._inner = inner
        self._at = inner.now()

    def now(self) -> datetime:
        return self._at

    def monotonic(self) -> float:
        return self._inner.monotonic()

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def parse_iso(value: str) -> datetime:
    """Parse an ISO-8601 timestamp (``Z`` allowed) into an aware UTC datetime."""
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def format_iso(value: datetime) -> str:
    """ISO-8601 with UTC written as ``Z`` (the form qbsync's JSON, token file and sandbox use)."""
    return value.isoformat().replace("+00:00", "Z")


class OffsetClock(SystemClock):
    """The system clock shifted to start at a chosen moment (``QBSYNC_NOW``), still moving in real time.

    A served sandbox scenario lives at its own "now"; a qbsync run against it uses this so ages (a throttle
    burst 40 minutes ago, a token 95 days old) read the same as in-process.
    """

    def __init__(self, start: datetime) -> None:
        self.offset = start.astimezone(UTC) - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset
