"""Access tokens shared by the emulated Intuit OAuth server (which issues them) and the emulated QBO API
(which checks them). Lifetimes follow Intuit: access tokens 3600 s."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from qbsync.clock import Clock

ACCESS_TOKEN_SECONDS = 3600
ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"

TokenVerdict = Literal["ok", "missing", "unknown", "expired", "revoked", "wrong_realm", "insufficient_scope"]


@dataclass
class AccessToken:
    value: str
    realm_id: str
    client_id: str
    scopes: frozenset[str]
    expires_at: datetime
    revoked: bool = False
    grant_id: str = ""  # the refresh-token family it came from; revoking the grant revokes its tokens


@dataclass
class AccessTokenRegistry:
    clock: Clock
    _tokens: dict[str, AccessToken] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(
        self,
        realm_id: str,
        client_id: str,
        scopes: frozenset[str] | set[str],
        grant_id: str = "",
        lifetime: int = ACCESS_TOKEN_SECONDS,
    ) -> AccessToken:
        token = AccessToken(
            value="eyJ" + secrets.token_urlsafe(48),  # looks like a JWT prefix, as Intuit's do
            realm_id=realm_id,
            client_id=client_id,
            scopes=frozenset(scopes),
            expires_at=self.clock.now() + timedelta(seconds=lifetime),
            grant_id=grant_id,
        )
        with self._lock:
            self._tokens[token.value] = token
        return token

    def revoke_grant(self, grant_id: str) -> None:
        with self._lock:
            for token in self._tokens.values():
                if token.grant_id == grant_id:
                    token.revoked = True

    def revoke(self, value: str) -> bool:
        with self._lock:
            token = self._tokens.get(value)
            if token:
                token.revoked = True
            return token is not None

    def expire_all(self, realm_id: str | None = None) -> None:
        """Scenario hook: every access token (of a realm) expires now."""
        with self._lock:
            for token in self._tokens.values():
                if realm_id is None or token.realm_id == realm_id:
                    token.expires_at = self.clock.now() - timedelta(seconds=1)

    def check(self, bearer: str | None, realm_id: str) -> TokenVerdict:
        if not bearer:
            return "missing"
        with self._lock:
            token = self._tokens.get(bearer)
        if token is None:
            return "unknown"
        if token.revoked:
            return "revoked"
        if self.clock.now() >= token.expires_at:
            return "expired"
        if token.realm_id != realm_id:
            return "wrong_realm"
        if ACCOUNTING_SCOPE not in token.scopes:
            return "insufficient_scope"
        return "ok"

    def lookup(self, bearer: str) -> AccessToken | None:
        with self._lock:
            return self._tokens.get(bearer)
