"""``/_sandbox``: the admin endpoints tests and benchmarks use to look at and change the sandbox.

State edits go through the same code as scenario events (``POST /_sandbox/events`` takes events in the
scenario format, ``at`` optional), so "rename the QBO vendor to resolve the collision" is one request.
The scenario's ``expected`` section is deliberately not exposed: diagnosis must never see it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from qbsync.clock import format_iso
from qbsync.sandbox.http import Router, SandboxRequest, SandboxResponse

if TYPE_CHECKING:
    from qbsync.sandbox.instance import Sandbox


class AdminService:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sb = sandbox
        r = self._router = Router()
        r.add("GET", "/stats", lambda req: SandboxResponse.json(self.sb.stats()))
        r.add("GET", "/clock", lambda req: SandboxResponse.json({"now": self._now()}))
        r.add("POST", "/clock/advance", self._advance)
        r.add("POST", "/engine/tick", self._tick)
        r.add("POST", "/events", self._events)
        r.add("GET", "/scenario", self._scenario)

    def __call__(self, req: SandboxRequest) -> SandboxResponse:
        try:
            return self._router.dispatch(req) or SandboxResponse.json({"error": "not_found"}, status=404)
        except (ValueError, KeyError, ValidationError) as exc:
            return SandboxResponse.json({"error": "invalid_request", "message": str(exc)[:500]}, status=400)

    def _now(self) -> str:
        return format_iso(self.sb.clock.now())

    def _body(self, req: SandboxRequest) -> Any:
        return req.json() if req.body else {}

    def _advance(self, req: SandboxRequest) -> SandboxResponse:
        seconds = float(self._body(req).get("seconds", 0))
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        self.sb.advance(seconds)
        return SandboxResponse.json({"now": self._now()})

    def _tick(self, req: SandboxRequest) -> SandboxResponse:
        count = int(self._body(req).get("count", 1))
        return SandboxResponse.json({"attempts": self.sb.tick(count), "now": self._now()})

    def _events(self, req: SandboxRequest) -> SandboxResponse:
        body = self._body(req)
        events = body if isinstance(body, list) else [body]
        for event in events:
            self.sb.apply_event(event)
        return SandboxResponse.json({"applied": len(events), "now": self._now()})

    def _scenario(self, req: SandboxRequest) -> SandboxResponse:
        s = self.sb.scenario
        return SandboxResponse.json({"name": s.name, "title": s.title, "seed": s.seed, "realm_id": s.company.realm_id})
