"""A lean stand-in for the engine's httpx client, used only to build generated scenarios at scale.

It sends the same requests through the same sandbox app (gateway, limits, faults, requestid replay and the
QBO handlers), so every body and every state change is the emulator's own; it only skips httpx's client
machinery, which costs ~10x the emulator's own work per in-process request. Network faults still surface as
``httpx`` exceptions, so the engine cannot tell the difference.
"""

from __future__ import annotations

import json as jsonlib
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

import httpx

from qbsync.sandbox.http import Handler, SandboxRequest, SimulatedNetworkFault


class DirectClient:
    def __init__(self, app: Handler) -> None:
        self.app = app

    def post(
        self,
        url: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        hdrs = dict(headers or {})
        if json is not None:
            body = jsonlib.dumps(json).encode()
            hdrs.setdefault("Content-Type", "application/json")
        elif data is not None:
            body = urlencode(data).encode()
            hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
        else:
            body = b""
        parts = urlsplit(url)
        query = "&".join(q for q in (parts.query, urlencode(params or {})) if q)
        req = SandboxRequest.build("POST", unquote(parts.path), query, hdrs, body)
        try:
            resp = self.app(req)
        except SimulatedNetworkFault as fault:
            if fault.kind == "connect_error":
                raise httpx.ConnectError(str(fault)) from None
            raise httpx.ReadTimeout(str(fault)) from None
        return httpx.Response(resp.status, headers=resp.headers, content=resp.body)
