"""Per-company request limiter: QuickBooks allows 500 requests per minute and 10 in flight per realm.

Going over either limit earns a 429 and a 60-second penalty, so callers wait here instead. Thread-safe:
parallel lookups run in a thread pool and share one limiter.

QuickBooks counts per realm, not per profile or per client: ``process_limiter`` hands every client of the
process one limiter per clock, so twenty profiles of one company (``check --all-profiles``) share its 500 a
minute and 10 in flight.
"""

from __future__ import annotations

import threading
import weakref
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from qbsync.clock import Clock, SystemClock, VirtualClock

QBO_REQUESTS_PER_MINUTE = 500
QBO_MAX_CONCURRENT = 10
WINDOW_SECONDS = 60.0


@dataclass
class _KeyState:
    in_flight: int = 0
    started: deque[float] = field(default_factory=deque)  # monotonic start times inside the window
    peak_in_flight: int = 0
    total: int = 0


class RealmLimiter:
    """Sliding-window rate limit plus a concurrency cap, per key (the realm id)."""

    def __init__(
        self,
        clock: Clock | None = None,
        per_minute: int = QBO_REQUESTS_PER_MINUTE,
        max_concurrent: int = QBO_MAX_CONCURRENT,
        window: float = WINDOW_SECONDS,
    ) -> None:
        if per_minute < 1 or max_concurrent < 1:
            raise ValueError("limits must be positive")
        self.clock = clock or SystemClock()
        self.per_minute = per_minute
        self.max_concurrent = max_concurrent
        self.window = window
        self._cond = threading.Condition()
        self._keys: dict[str, _KeyState] = {}

    @contextmanager
    def slot(self, key: str) -> Iterator[None]:
        """Hold one request slot for ``key``; blocks until both limits allow it."""
        self.acquire(key)
        try:
            yield
        finally:
            self.release(key)

    def acquire(self, key: str) -> None:
        with self._cond:
            state = self._keys.setdefault(key, _KeyState())
            while True:
                if state.in_flight >= self.max_concurrent:
                    self._cond.wait()  # woken by release()
                    continue
                wait = self._window_wait(state)
                if wait <= 0:
                    break
                # Sleep outside the lock (the clock may be virtual and other threads must keep releasing).
                self._cond.release()
                try:
                    self.clock.sleep(wait)
                finally:
                    self._cond.acquire()
            state.in_flight += 1
            state.total += 1
            state.peak_in_flight = max(state.peak_in_flight, state.in_flight)
            state.started.append(self.clock.monotonic())

    def release(self, key: str) -> None:
        with self._cond:
            state = self._keys[key]
            state.in_flight -= 1
            self._cond.notify_all()

    def _window_wait(self, state: _KeyState) -> float:
        now = self.clock.monotonic()
        while state.started and state.started[0] <= now - self.window:
            state.started.popleft()
        if len(state.started) < self.per_minute:
            return 0.0
        return state.started[0] + self.window - now

    def stats(self, key: str) -> dict[str, int]:
        """Requests started, peak and current in flight for ``key`` (tests and the debug log use it)."""
        with self._cond:
            state = self._keys.get(key, _KeyState())
            return {"total": state.total, "peak_in_flight": state.peak_in_flight, "in_flight": state.in_flight}


_shared_lock = threading.Lock()
_real_time: RealmLimiter | None = None
_per_clock: weakref.WeakKeyDictionary[Clock, RealmLimiter] = weakref.WeakKeyDictionary()


def process_limiter(clock: Clock) -> RealmLimiter:
    """The one limiter of this process for ``clock``: real clocks (system, offset) share one; each virtual
    clock (a sandbox, a test) has its own, since its time is its own."""
    global _real_time
    with _shared_lock:
        if not isinstance(clock, VirtualClock) and isinstance(clock, SystemClock):
            if _real_time is None:
                _real_time = RealmLimiter(SystemClock())
            return _real_time
        try:
            limiter = _per_clock.get(clock)
            if limiter is None:
                limiter = _per_clock[clock] = RealmLimiter(clock)
        except TypeError:  # a clock that cannot be weakly referenced: a limiter of its own
            return RealmLimiter(clock)
        return limiter
