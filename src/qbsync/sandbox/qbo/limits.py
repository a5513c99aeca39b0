"""Per-realm request limits: 500 requests in a sliding minute (clock.monotonic, so a VirtualClock can move
the window) and at most 10 requests in flight at once (a real, lock-protected count)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from qbsync.clock import Clock

PER_MINUTE = 500
MAX_IN_FLIGHT = 10
WINDOW_SECONDS = 60.0


class ServedTime:
    """The limiter's time while the sandbox is served: virtual seconds (admin clock moves) plus real seconds.

    The scenario's VirtualClock stands still between requests on loopback, so a window measured on it alone
    would never slide: after 500 requests every later one would be throttled for as long as the server runs.
    """

    def __init__(self, clock: Clock, wall: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._wall = wall
        self._start = wall()

    def monotonic(self) -> float:
        return self._clock.monotonic() + (self._wall() - self._start)


class RealmLimiter:
    def __init__(self, clock: Clock | ServedTime, on_in_flight: Callable[[str, int], None] | None = None) -> None:
        self.clock = clock
        self.per_minute = PER_MINUTE
        self.max_in_flight = MAX_IN_FLIGHT
        self._on_in_flight = on_in_flight
        self._lock = threading.Lock()
        self._window: dict[str, deque[float]] = {}
        self._in_flight: dict[str, int] = {}

    def enter(self, realm: str) -> bool:
        """Admit a request (True) or refuse it as throttled (False); a refused request uses no quota."""
        with self._lock:
            now = self.clock.monotonic()
            window = self._window.setdefault(realm, deque())
            while window and window[0] <= now - WINDOW_SECONDS:
                window.popleft()
            current = self._in_flight.get(realm, 0)
            if current >= self.max_in_flight or len(window) >= self.per_minute:
                return False
            window.append(now)
            self._in_flight[realm] = current + 1
            if self._on_in_flight:
                self._on_in_flight(realm, current + 1)
            return True

    def leave(self, realm: str) -> None:
        with self._lock:
            self._in_flight[realm] = max(0, self._in_flight.get(realm, 0) - 1)

    def in_flight(self, realm: str) -> int:
        with self._lock:
            return self._in_flight.get(realm, 0)

    def reset(self) -> None:
        with self._lock:
            self._window.clear()
