"""Suprata's own OAuth connection to QuickBooks (separate from qbsync's).

Suprata holds a token pair from the OAuth emulator and refreshes it through ``/oauth/token`` when the access
token has expired, exactly as a real integration does. A refresh token left unused past its 100-day expiry,
or a revoked grant, therefore produces Intuit's ``invalid_grant`` body from state, which the engine records
verbatim as a ``kind="oauth"`` failure.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from qbsync.clock import Clock
from qbsync.sandbox.suprata.store import ConnectionState

REFRESH_SKEW = timedelta(seconds=60)  # refresh a minute early, as SDKs do


@dataclass(frozen=True)
class TokenFailure:
    """Intuit's token endpoint refused (or could not be reached); kept verbatim for the attempt log."""

    http_status: int | None
    content_type: str | None
    body: str | None
    intuit_tid: str | None
    kind: str = "oauth"  # oauth | connection | timeout


class SuprataConnection:
    def __init__(
        self,
        state: ConnectionState,
        clock: Clock,
        http: httpx.Client,
        token_url: str,
        client_id: str,
        client_secret: str,
    ) -> None:
        self.state = state
        self.clock = clock
        self.http = http
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret

    def connect(
        self,
        access_token: str,
        refresh_token: str,
        expires_in: int,
        refresh_expires_in: int,
        realm_id: str,
        company_name: str | None,
        when: datetime | None = None,
    ) -> None:
        now = when or self.clock.now()
        s = self.state
        s.status = "connected"
        s.realm_id, s.company_name = realm_id, company_name
        s.connected_at = s.last_refresh_at = now
        self._store(access_token, refresh_token, expires_in, refresh_expires_in, now)
        s.last_error = None

    def mark_revoked(self) -> None:
        """Intuit told Suprata the company disconnected it (the disconnect notification)."""
        self.state.status = "revoked"

    def bearer(self, force_refresh: bool = False) -> str | TokenFailure:
        """A usable access token, refreshing when needed; a ``TokenFailure`` when Intuit refuses."""
        s = self.state
        if s.status in ("revoked", "disconnected") and not s.refresh_token:
            return TokenFailure(None, None, None, None, kind="oauth")
        now = self.clock.now()
        fresh = s.access_token and s.access_token_expires_at and now + REFRESH_SKEW < s.access_token_expires_at
        if fresh and not force_refresh:
            return s.access_token or ""
        return self._refresh(now)

    def _refresh(self, now: datetime) -> str | TokenFailure:
        s = self.state
        secret = base64.b64encode(f"{self.client_id}:{self._client_secret}".encode()).decode()
        try:
            resp = self.http.post(
                self.token_url,
                data={"grant_type": "refresh_token", "refresh_token": s.refresh_token or ""},
                headers={"Authorization": f"Basic {secret}", "Accept": "application/json"},
            )
        except httpx.TimeoutException:
            return TokenFailure(None, None, None, None, kind="timeout")
        except httpx.TransportError:
            return TokenFailure(None, None, None, None, kind="connection")
        if resp.status_code != 200:
            failure = TokenFailure(
                resp.status_code, resp.headers.get("content-type"), resp.text, resp.headers.get("intuit_tid")
            )
            s.last_error = resp.text
            if resp.status_code == 400 and '"invalid_grant"' in resp.text and s.status == "connected":
                s.status = "expired"
            return failure
        body = resp.json()
        self._store(
            body["access_token"], body["refresh_token"], body["expires_in"], body["x_refresh_token_expires_in"], now
        )
        s.last_refresh_at = now
        s.last_error = None
        return s.access_token or ""

    def _store(self, access: str, refresh: str, expires_in: int, refresh_expires_in: int, now: datetime) -> None:
        s = self.state
        s.access_token, s.refresh_token = access, refresh
        s.access_token_expires_at = now + timedelta(seconds=expires_in)
        s.refresh_token_expires_at = now + timedelta(seconds=refresh_expires_in)
