"""``QboSandbox``: the emulated QBO v3 service. It plays Intuit's gateway (auth, limits, injected network
trouble, requestid replay, ``intuit_tid``) in front of each company's resource endpoints."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
from datetime import UTC, date
from typing import Any

from qbsync.clock import Clock
from qbsync.sandbox.http import SandboxRequest, SandboxResponse, SimulatedNetworkFault
from qbsync.sandbox.qbo import faults, handlers
from qbsync.sandbox.qbo.company import QboCompany
from qbsync.sandbox.qbo.injection import Faults
from qbsync.sandbox.qbo.limits import RealmLimiter
from qbsync.sandbox.qbo.stats import Stats
from qbsync.sandbox.qbo.timefmt import envelope_time, epoch_millis
from qbsync.sandbox.qbo.xmlwire import intuit_response, wants_xml
from qbsync.sandbox.tokens import AccessTokenRegistry

TOKEN_ECHO_CHARS = 20  # QBO echoes the start of a rejected token in the 3200 Detail
_STATIC_HEADERS = {
    "QBO-Version": "1944.190",
    "Cache-Control": "max-age=0, no-cache, no-store, must-revalidate, private",
    "Expires": "0",
}
_PRE_COMMIT_ERRORS = {"500", "503", "504"}


class QboSandbox:
    def __init__(self, clock: Clock, tokens: AccessTokenRegistry, *, latency_ms: float = 0) -> None:
        self.clock = clock
        self.tokens = tokens
        self.latency_ms = latency_ms
        self.faults = Faults()
        self._stats = Stats()
        self.limiter = RealmLimiter(clock, on_in_flight=self._stats.observe_in_flight)
        self._companies: dict[str, QboCompany] = {}
        self._lock = threading.Lock()
        self._tid_counter = itertools.count(1)

    # --- companies --------------------------------------------------------------------------------

    def add_company(
        self,
        realm_id: str,
        company_name: str,
        *,
        country: str = "US",
        timezone: str = "America/Denver",
        book_close_date: date | None = None,
        using_sales_tax: bool = True,
        partner_tax_enabled: bool = False,
        duplicate_doc_number_check: bool = True,
    ) -> QboCompany:
        co = QboCompany(
            realm_id,
            company_name,
            self.clock,
            country=country,
            timezone=timezone,
            book_close_date=book_close_date,
            using_sales_tax=using_sales_tax,
            partner_tax_enabled=partner_tax_enabled,
            duplicate_doc_number_check=duplicate_doc_number_check,
        )
        with self._lock:
            self._companies[realm_id] = co
        return co

    def company(self, realm_id: str) -> QboCompany:
        with self._lock:
            return self._companies[realm_id]

    # --- stats ------------------------------------------------------------------------------------

    def stats(self, realm_id: str | None = None) -> dict[str, Any]:
        return self._stats.snapshot(realm_id)

    def reset_stats(self) -> None:
        self._stats.reset()

    # --- the service ------------------------------------------------------------------------------

    def __call__(self, req: SandboxRequest) -> SandboxResponse:
        parts = [p for p in req.path.split("/") if p]
        if len(parts) < 3 or parts[0] != "v3" or parts[1].lower() != "company":
            return SandboxResponse.json({"error": "not_found", "path": req.path}, status=404)
        realm, rest = parts[2], parts[3:]
        endpoint = f"{req.method} {rest[0].lower() if rest else ''}".strip()
        with self._lock:
            co = self._companies.get(realm)
        resp = self._serve(req, realm, co, rest, endpoint)
        if wants_xml(req.headers.get("accept", "")):
            resp = _as_xml(resp)
        resp.headers["intuit_tid"] = self._tid(realm)
        for name, value in _STATIC_HEADERS.items():
            resp.headers.setdefault(name, value)
        self._stats.record(realm, endpoint, req.method, req.path, resp.status, self._time_text(co))
        return resp

    def _serve(
        self, req: SandboxRequest, realm: str, co: QboCompany | None, rest: list[str], endpoint: str
    ) -> SandboxResponse:
        outage = self.faults.outage_status(self.clock.now(), realm)
        if outage == 503:
            return SandboxResponse.text(faults.SERVICE_UNAVAILABLE_HTML, 503, "text/html; charset=iso-8859-1")
        if outage == 504:
            return SandboxResponse.text(faults.GATEWAY_TIMEOUT_HTML, 504, "text/html")
        denied = self._authenticate(req, realm, co)
        if denied is not None:
            return denied
        assert co is not None
        if self.faults.take_throttle(realm) or not self._admit(realm):
            return self._throttled(co)
        try:
            delay = self.latency_ms / 1000.0 + self.faults.latency_seconds(endpoint)
            if delay > 0:
                time.sleep(delay)  # real wall time: benchmarks measure it
            injected = self.faults.roll_error(endpoint)
            if injected == "read_timeout":
                raise SimulatedNetworkFault("read_timeout")
            if injected == "connect_error":
                raise SimulatedNetworkFault("connect_error")
            if injected in _PRE_COMMIT_ERRORS:
                return self._injected_error(co, injected)
            resp = self._replay_or_handle(req, co, rest)
            mode = self.faults.take_corruption(endpoint)
            if mode == "truncate":
                resp = SandboxResponse(resp.status, resp.body[: max(1, len(resp.body) // 2)], dict(resp.headers))
            elif mode == "non_json":
                resp = SandboxResponse.text(
                    faults.SERVICE_UNAVAILABLE_HTML, resp.status, "application/json;charset=utf-8"
                )
            return resp
        finally:
            self.limiter.leave(realm)

    def _admit(self, realm: str) -> bool:
        return self.limiter.enter(realm)

    def _replay_or_handle(self, req: SandboxRequest, co: QboCompany, rest: list[str]) -> SandboxResponse:
        request_id = req.arg("requestid") if req.method == "POST" else None
        if request_id:
            with co.lock:
                stored = co.replays.get(request_id)
                if stored is not None:
                    return SandboxResponse(stored.status, stored.body, dict(stored.headers))
                outcome = handlers.handle(co, req, rest)
                co.replays[request_id] = SandboxResponse(
                    outcome.response.status, outcome.response.body, dict(outcome.response.headers)
                )
        else:
            outcome = handlers.handle(co, req, rest)
        if (
            outcome.written
            and outcome.response.status == 200
            and self.faults.take_timeout_after_commit(outcome.written)
        ):
            raise SimulatedNetworkFault("read_timeout", "the write committed but the response was lost")
        return outcome.response

    # --- gateway responses --------------------------------------------------------------------------

    def _authenticate(self, req: SandboxRequest, realm: str, co: QboCompany | None) -> SandboxResponse | None:
        header = req.headers.get("authorization", "")
        bearer = header[7:].strip() if header[:7].lower() == "bearer " else None
        verdict = self.tokens.check(bearer, realm)
        millis = epoch_millis(self.clock.now())
        if verdict in ("missing", "unknown", "expired", "revoked"):
            if verdict == "missing":
                detail = "Malformed bearer token: too short or too long"  # which detail QBO gives here is unconfirmed
            else:
                detail = f"Token expired: {(bearer or '')[:TOKEN_ECHO_CHARS]}"
            body = faults.gateway_fault(
                "3200",
                "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                detail,
                "AUTHENTICATION",
                millis,
            )
            return SandboxResponse.json(
                body, status=401, headers={"Www-Authenticate": 'Bearer realm="Intuit", error="invalid_token"'}
            )
        if verdict == "insufficient_scope":
            body = faults.gateway_fault(
                "3100",
                "message=AuthorizationFailed; errorCode=003100; statusCode=403",
                "The access token does not have sufficient scope",
                "SERVICE",
                millis,
            )
            return SandboxResponse.json(body, status=403)
        if verdict == "wrong_realm" or co is None:
            body = faults.gateway_fault(
                "3100",
                "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
                None,
                "SERVICE",
                millis,
            )
            return SandboxResponse.json(body, status=403)
        return None

    def _throttled(self, co: QboCompany) -> SandboxResponse:
        # XML even when JSON was requested; no Retry-After (Intuit only says "wait 60 seconds").
        return SandboxResponse.text(faults.throttle_xml(co.envelope_time()), 429, "application/xml;charset=UTF-8")

    def _injected_error(self, co: QboCompany, kind: str) -> SandboxResponse:
        if kind == "503":
            return SandboxResponse.text(faults.SERVICE_UNAVAILABLE_HTML, 503, "text/html; charset=iso-8859-1")
        if kind == "504":
            return SandboxResponse.text(faults.GATEWAY_TIMEOUT_HTML, 504, "text/html")
        return handlers.fault_response(co, faults.system_failure())

    def _tid(self, realm: str) -> str:
        n = next(self._tid_counter)
        seconds = int(self.clock.now().timestamp())
        digest = hashlib.sha256(f"{realm}:{n}".encode()).hexdigest()[:24]
        return f"1-{seconds:08x}-{digest}"

    def _time_text(self, co: QboCompany | None) -> str:
        now = self.clock.now()
        return co.envelope_time() if co is not None else envelope_time(now, UTC)  # type: ignore[arg-type]


def _as_xml(resp: SandboxResponse) -> SandboxResponse:
    """A resource answer (entity, query, batch, CDC, Fault) in XML; gateway bodies (the lower-case ``fault``
    envelope of 401/403) and non-JSON pages stay as they are."""
    if not resp.headers.get("Content-Type", "").startswith("application/json"):
        return resp
    try:
        payload = json.loads(resp.body)
    except ValueError:
        return resp
    if not isinstance(payload, dict) or "fault" in payload:
        return resp
    headers = {**resp.headers, "Content-Type": "application/xml;charset=UTF-8"}
    return SandboxResponse(resp.status, intuit_response(payload).encode(), headers)
