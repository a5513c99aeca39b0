"""Scenario control of QuickBooks' infrastructure trouble, through the QBO emulator's own fault injector.

The injector throttles by count ("the next N requests"); scenarios describe bursts as clock windows. The
``ThrottleWindows`` gate in front of the QBO service arms one injected 429 per request inside a window, so
every throttled answer is still built (and counted) by the emulator itself.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from qbsync.clock import Clock
from qbsync.sandbox.http import SandboxRequest, SandboxResponse


class ThrottleWindows:
    """Wraps the QBO service: requests inside a burst window get QBO's own 429."""

    def __init__(self, qbo: Any, clock: Clock) -> None:
        self.qbo = qbo
        self.clock = clock
        self._windows: list[tuple[datetime, datetime, str | None, str | None]] = []
        self._lock = threading.Lock()

    def add(self, start: datetime, end: datetime, realm_id: str | None = None, client_id: str | None = None) -> None:
        """``client_id``: only that app's requests are throttled. Intuit's limits are "per realm ID and app"
        (limits-and-throttles page), so one app can be throttled while another reads the same company."""
        with self._lock:
            self._windows.append((start, end, realm_id, client_id))

    def _client_of(self, req: SandboxRequest) -> str | None:
        header = req.headers.get("authorization", "")
        token = self.qbo.tokens.lookup(header[7:].strip()) if header[:7].lower() == "bearer " else None
        return token.client_id if token is not None else None

    def _realm_in_window(self, req: SandboxRequest) -> str | None:
        parts = [p for p in req.path.split("/") if p]
        if len(parts) < 3 or parts[0] != "v3":
            return None
        realm, now = parts[2], self.clock.now()
        with self._lock:
            active = [c for start, end, r, c in self._windows if start <= now < end and r in (None, realm)]
        if not active:
            return None
        if None in active:
            return realm
        return realm if self._client_of(req) in active else None

    def __call__(self, req: SandboxRequest) -> SandboxResponse:
        realm = self._realm_in_window(req)
        if realm is None:
            return self.qbo(req)
        self.qbo.faults.throttle_burst(1, realm)
        resp: SandboxResponse | None = None
        try:
            resp = self.qbo(req)
            return resp
        finally:
            if resp is None or resp.status != 429:
                self.qbo.faults.take_throttle(realm)  # not consumed (refused earlier): disarm it


class QboFaultControl:
    def __init__(self, qbo: Any, realm_id: str, windows: ThrottleWindows) -> None:
        self.qbo = qbo
        self.realm_id = realm_id
        self.windows = windows

    def throttle_burst(self, start: datetime, end: datetime, client_id: str | None = None) -> None:
        self.windows.add(start, end, self.realm_id, client_id)

    def outage(self, start: datetime, end: datetime, status: int = 503) -> None:
        self.qbo.faults.add_outage(start, end, status, self.realm_id)

    def timeout_after_commit(self, entity: str, count: int = 1) -> None:
        self.qbo.faults.timeout_after_commit(entity, count)
