"""Helpers for the client tests (a uniquely named module: tests/ directories are not packages)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qbsync.sandbox.http import SandboxRequest, SandboxResponse

REPO = Path(__file__).resolve().parents[2]
CASSETTES = REPO / "cassettes"
START = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


class Scripted:
    """A sandbox-style service answering from a script, then (optionally) delegating to a real service.

    Each script entry is a ``SandboxResponse`` or a callable raising ``SimulatedNetworkFault``. Every
    request is kept, so tests can look at what was sent on each attempt.
    """

    def __init__(self, *script: SandboxResponse | Callable[[SandboxRequest], SandboxResponse], then: Any = None):
        self.script = list(script)
        self.then = then
        self.requests: list[SandboxRequest] = []

    def __call__(self, req: SandboxRequest) -> SandboxResponse:
        self.requests.append(req)
        if self.script:
            step = self.script.pop(0)
            return step(req) if callable(step) else step
        if self.then is not None:
            return self.then(req)
        return SandboxResponse.json({"ok": True})


def json_response(payload: Any, status: int = 200, **headers: str) -> SandboxResponse:
    return SandboxResponse.json(payload, status=status, headers={k.replace("_", "-"): v for k, v in headers.items()})


def load_cassette(name: str) -> dict[str, Any]:
    return json.loads((CASSETTES / name).read_text(encoding="utf-8"))


# --- the QBO emulator --------------------------------------------------------------------------------------

REALM = "9130350000000001"


class QboEnv:
    """An emulated QBO company plus a way to build clients against it (in-process or any base URL)."""

    def __init__(self, clock: Any, latency_ms: float = 0) -> None:
        from qbsync.sandbox.http import Mount
        from qbsync.sandbox.qbo.service import QboSandbox
        from qbsync.sandbox.tokens import ACCOUNTING_SCOPE, AccessTokenRegistry

        self.clock = clock
        self.tokens = AccessTokenRegistry(clock)
        self.sandbox = QboSandbox(clock, self.tokens, latency_ms=latency_ms)
        self.company = self.sandbox.add_company(REALM, "Peak Plumbing")
        self.scope = ACCOUNTING_SCOPE
        self.token = self.tokens.issue(REALM, "client-id", {ACCOUNTING_SCOPE}).value
        self.app = Mount()
        self.app.mount("/qbo", self.sandbox)

    def stats(self) -> dict[str, Any]:
        return self.sandbox.stats(REALM)

    def client(self, app: Any = None, *, base: str | None = None, token: Any = None, **http_kw: Any):
        from qbsync.clients.http import HttpClient, StaticToken
        from qbsync.clients.qbo import QboClient, emulator_base
        from qbsync.sandbox import IN_PROCESS_BASE
        from qbsync.sandbox.transport import SandboxTransport

        transport = None if base else SandboxTransport(app or self.app)
        http_kw.setdefault("clock", self.clock)
        http_kw.setdefault("rng", random.Random(0))  # jitter is part of recorded timestamps: keep it fixed
        http = HttpClient(transport=transport, token=token or StaticToken(self.token), **http_kw)
        return QboClient(http, REALM, base_url=emulator_base(base or IN_PROCESS_BASE))
