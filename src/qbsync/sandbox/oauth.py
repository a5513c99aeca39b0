"""Emulated Intuit OAuth 2.0: discovery, an approve page, the token endpoint and revocation.

Mounted at ``/oauth``. Behaviour follows qbo-api.md §9 and §7.5: access tokens live 3600 s and are issued
through the shared ``AccessTokenRegistry`` (so the QBO emulator accepts them); every refresh returns a new
refresh token with a fresh 100-day rolling expiry, and the previous values stay usable for 24 hours; a grant
never outlives its 5-year hard expiry. Errors carry Intuit's exact bodies and an ``intuit_tid`` header.

The event log records what happened (grant type, outcome, reason) but never a token, code or secret.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import html
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from qbsync.clock import Clock
from qbsync.sandbox import IN_PROCESS_BASE
from qbsync.sandbox.http import Router, SandboxRequest, SandboxResponse
from qbsync.sandbox.tokens import ACCESS_TOKEN_SECONDS, ACCOUNTING_SCOPE, AccessTokenRegistry

PAYMENT_SCOPE = "com.intuit.quickbooks.payment"
GRANTABLE_SCOPES = frozenset({ACCOUNTING_SCOPE, PAYMENT_SCOPE})
# OpenID scopes are accepted but not granted: granting them would add an id_token, which intuitlib validates
# with an un-timed JWKS fetch of its own (libraries.md §1).
IGNORED_SCOPES = frozenset({"openid", "profile", "email", "phone", "address", "intuit_name"})

REFRESH_TOKEN_SECONDS = 8_726_400  # 101 days, the value Intuit sends; "valid for 100 days", rolling
REFRESH_GRACE = timedelta(hours=24)  # "previous refresh tokens expire 24 hours after you receive a new one"
HARD_EXPIRY = timedelta(days=5 * 365)  # "a maximum validity period of five years"
CODE_SECONDS = 300  # authorization codes are short-lived and single-use

TOKEN_INVALID = {"error_description": "Token invalid", "error": "invalid_grant"}  # OJS test mock, 7.5
# What real captures show for a refresh token Intuit no longer knows (superseded past its grace, never issued,
# or killed by a reused code) and for a bad code: a 25-byte body with no description (oauth-jsclient#77,
# #128 "content-length: 25", #173).
INVALID_GRANT = {"error": "invalid_grant"}
_BARE_REASONS = frozenset({"unknown", "superseded", "unknown code", "code already used", "code expired"})


@dataclass
class RegisteredApp:
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uris: tuple[str, ...]
    name: str


@dataclass
class Company:
    realm_id: str
    name: str


@dataclass
class _AuthorizationCode:
    client_id: str
    redirect_uri: str
    realm_id: str
    scopes: frozenset[str]
    expires_at: datetime
    used: bool = False
    grant_id: str | None = None  # the grant this code was exchanged for


@dataclass
class _RefreshToken:
    value: str = field(repr=False)
    issued_at: datetime
    expires_at: datetime
    superseded_at: datetime | None = None  # when a newer token of the same grant was issued


@dataclass
class _Grant:
    """One consent: a company connected to an app. Its refresh tokens form one rotating family."""

    grant_id: str
    client_id: str
    realm_id: str
    scopes: frozenset[str]
    issued_at: datetime
    hard_expires_at: datetime
    refresh_tokens: list[_RefreshToken] = field(default_factory=list)
    access_tokens: list[str] = field(default_factory=list, repr=False)
    revoked: bool = False


@dataclass(frozen=True)
class IssuedTokens:
    """What the token endpoint would return, for scenarios that seed a connection without the browser."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int
    x_refresh_token_expires_in: int
    x_refresh_token_hard_expires_in: int
    realm_id: str
    grant_id: str

    def as_token_json(self, include_hard_expiry: bool = False) -> dict[str, object]:
        body: dict[str, object] = {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "x_refresh_token_expires_in": self.x_refresh_token_expires_in,
        }
        if include_hard_expiry:
            body["x_refresh_token_hard_expires_in"] = self.x_refresh_token_hard_expires_in
        return body


@dataclass(frozen=True)
class OAuthEvent:
    """One request to the service, without secrets. ``reason`` says why a request was refused."""

    at: datetime
    endpoint: str  # authorize | approve | token | revoke | discovery
    grant_type: str | None
    client_id: str | None
    realm_id: str | None
    outcome: str  # ok | invalid_grant | invalid_client | invalid_request | ...
    reason: str = ""


class _Refused(Exception):
    def __init__(self, error: str, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.error = error
        self.reason = reason
        self.status = status


class IntuitOAuthService:
    """``SandboxRequest -> SandboxResponse`` callable for the ``/oauth`` mount.

    ``base_url`` is where clients reach the sandbox (``http://sandbox.invalid`` in-process, the loopback
    server's ``base_url`` otherwise); it may be reassigned once a server has picked its port.
    """

    def __init__(
        self,
        clock: Clock,
        registry: AccessTokenRegistry,
        base_url: str = IN_PROCESS_BASE,
        mount_path: str = "/oauth",
    ) -> None:
        self.clock = clock
        self.registry = registry
        self.base_url = base_url
        self.mount_path = mount_path.rstrip("/")
        self._apps: dict[str, RegisteredApp] = {}
        self._companies: dict[str, Company] = {}
        self._codes: dict[str, _AuthorizationCode] = {}
        self._grants: dict[str, _Grant] = {}
        self._refresh_index: dict[str, tuple[_Grant, _RefreshToken]] = {}
        self._events: list[OAuthEvent] = []
        self._lock = threading.RLock()
        self._router = Router()
        self._router.add("GET", "/.well-known/openid_configuration", self._discovery)
        self._router.add("GET", "/authorize", self._authorize_page)
        self._router.add("POST", "/authorize", self._authorize_decision)
        self._router.add("POST", "/token", self._token)
        self._router.add("POST", "/revoke", self._revoke_endpoint)
        self._router.add("GET", "/jwks", lambda req: SandboxResponse.json({"keys": []}))
        self._router.add("GET", "/userinfo", self._userinfo)

    # --- registration (Python API) ---------------------------------------------------------------

    def register_app(
        self, client_id: str, client_secret: str, redirect_uris: Iterable[str], name: str = "Suprata"
    ) -> RegisteredApp:
        app = RegisteredApp(client_id, client_secret, tuple(redirect_uris), name)
        with self._lock:
            self._apps[client_id] = app
        return app

    def register_company(self, realm_id: str, name: str) -> Company:
        company = Company(realm_id, name)
        with self._lock:
            self._companies[realm_id] = company
        return company

    @property
    def endpoints(self) -> dict[str, str]:
        root = f"{self.base_url.rstrip('/')}{self.mount_path}"
        return {
            "issuer": root,
            "authorization_endpoint": f"{root}/authorize",
            "token_endpoint": f"{root}/token",
            "revocation_endpoint": f"{root}/revoke",
            "userinfo_endpoint": f"{root}/userinfo",
            "jwks_uri": f"{root}/jwks",
        }

    @property
    def discovery_url(self) -> str:
        """The URL to pass to intuitlib's ``AuthClient`` as ``environment``."""
        return f"{self.base_url.rstrip('/')}{self.mount_path}/.well-known/openid_configuration"

    # --- scenario hooks --------------------------------------------------------------------------

    def issue_grant(
        self,
        realm_id: str,
        client_id: str,
        issued_at: datetime | None = None,
        scopes: Iterable[str] = (ACCOUNTING_SCOPE,),
    ) -> IssuedTokens:
        """Connect a company to an app without the browser dance, as if consent was given at ``issued_at``."""
        with self._lock:
            if client_id not in self._apps or realm_id not in self._companies:
                raise KeyError("register the app and the company first")
            when = issued_at or self.clock.now()
            grant = self._new_grant(client_id, realm_id, frozenset(scopes), when)
            return self._mint(grant, when)

    def expire_refresh_token(self, refresh_token: str | None = None, *, realm_id: str | None = None) -> int:
        """Make refresh tokens expire now: one value, a realm's grants, or (no argument) every grant."""
        now = self.clock.now()
        count = 0
        with self._lock:
            for grant in self._select(refresh_token, realm_id):
                for token in grant.refresh_tokens:
                    if refresh_token is None or token.value == refresh_token:
                        token.expires_at = min(token.expires_at, now - timedelta(seconds=1))
                        count += 1
        return count

    def revoke_grant(
        self, realm_id: str | None = None, *, refresh_token: str | None = None, client_id: str | None = None
    ) -> int:
        """The company disconnected the app (or Intuit revoked it): every token of the grant stops working."""
        with self._lock:
            grants = [g for g in self._select(refresh_token, realm_id) if client_id in (None, g.client_id)]
            for grant in grants:
                self._revoke_grant_tokens(grant)
        return len(grants)

    def age_grant(self, days: float, realm_id: str | None = None) -> int:
        """Move grants into the past by ``days``: issue, expiry, supersession and access-token times."""
        delta = timedelta(days=days)
        with self._lock:
            grants = self._select(None, realm_id)
            for grant in grants:
                grant.issued_at -= delta
                grant.hard_expires_at -= delta
                for token in grant.refresh_tokens:
                    token.issued_at -= delta
                    token.expires_at -= delta
                    if token.superseded_at is not None:
                        token.superseded_at -= delta
                for value in grant.access_tokens:
                    access = self.registry.lookup(value)
                    if access is not None:
                        access.expires_at -= delta
        return len(grants)

    # --- inspection ------------------------------------------------------------------------------

    @property
    def events(self) -> list[OAuthEvent]:
        with self._lock:
            return list(self._events)

    def count_events(
        self, endpoint: str | None = None, grant_type: str | None = None, outcome: str | None = None
    ) -> int:
        return sum(
            1
            for e in self.events
            if endpoint in (None, e.endpoint) and grant_type in (None, e.grant_type) and outcome in (None, e.outcome)
        )

    def refresh_token_state(self, refresh_token: str) -> str:
        """``valid``, ``in_grace``, ``superseded``, ``expired``, ``revoked`` or ``unknown``: for test assertions."""
        with self._lock:
            try:
                self._check_refresh_token(refresh_token, None)
            except _Refused as refused:
                return refused.reason
            _, token = self._refresh_index[refresh_token]
            return "valid" if token.superseded_at is None else "in_grace"

    # --- HTTP ------------------------------------------------------------------------------------

    def __call__(self, req: SandboxRequest) -> SandboxResponse:
        return self._router.dispatch(req) or SandboxResponse.json({"error": "not_found"}, status=404)

    def _discovery(self, req: SandboxRequest) -> SandboxResponse:
        doc = {
            **self.endpoints,
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": sorted(GRANTABLE_SCOPES | IGNORED_SCOPES),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
        }
        return SandboxResponse.json(doc)

    def _authorize_page(self, req: SandboxRequest) -> SandboxResponse:
        params = {k: v[0] for k, v in req.query.items() if v}
        if params.get("approve") in ("1", "true"):
            return self._authorize_decision(req, params)
        try:
            app = self._validate_authorize(params)
        except _Refused as refused:
            return self._authorize_error(params, refused)
        self._log("authorize", None, app.client_id, None, "ok")
        return SandboxResponse.text(self._approve_html(app, params), content_type="text/html;charset=utf-8")

    def _authorize_decision(self, req: SandboxRequest, params: dict[str, str] | None = None) -> SandboxResponse:
        if params is None:
            params = {k: v[0] for k, v in parse_qs(req.text, keep_blank_values=True).items() if v}
        try:
            app = self._validate_authorize(params)
        except _Refused as refused:
            return self._authorize_error(params, refused)
        redirect_uri, state = params["redirect_uri"], params.get("state", "")
        if params.get("decision") == "cancel":
            self._log("approve", None, app.client_id, None, "access_denied")
            return self._redirect(redirect_uri, {"error": "access_denied", "state": state})
        with self._lock:
            realm_id = params.get("realmId") or next(iter(self._companies), None)
            if realm_id not in self._companies:
                self._log("approve", None, app.client_id, realm_id, "invalid_request", "unknown company")
                return self._error_page("Unknown company.", 400)
            code = "AB" + secrets.token_urlsafe(32)
            self._codes[code] = _AuthorizationCode(
                client_id=app.client_id,
                redirect_uri=redirect_uri,
                realm_id=realm_id,
                scopes=self._grantable(params["scope"]),
                expires_at=self.clock.now() + timedelta(seconds=CODE_SECONDS),
            )
        self._log("approve", None, app.client_id, realm_id, "ok")
        return self._redirect(redirect_uri, {"code": code, "state": state, "realmId": realm_id})

    def _token(self, req: SandboxRequest) -> SandboxResponse:
        form = {k: v[0] for k, v in parse_qs(req.text, keep_blank_values=True).items() if v}
        grant_type = form.get("grant_type")
        app = self._authenticate(req, form)
        if app is None:
            self._log("token", grant_type, None, None, "invalid_client")
            return self._error({"error": "invalid_client"}, 401, {"WWW-Authenticate": 'Basic realm="intuit"'})
        include_hard = req.headers.get("x-include-refresh-token-hard-expires-in", "").strip().lower() == "true"
        try:
            with self._lock:
                if grant_type == "authorization_code":
                    grant, now = self._redeem_code(app, form), self.clock.now()
                elif grant_type == "refresh_token":
                    grant, now = self._check_refresh_token(form.get("refresh_token"), app.client_id), self.clock.now()
                else:
                    raise _Refused("unsupported_grant_type", f"grant_type {grant_type!r}")
                issued = self._mint(grant, now)
        except _Refused as refused:
            self._log("token", grant_type, app.client_id, None, refused.error, refused.reason)
            if refused.error == "invalid_grant":
                body = INVALID_GRANT if refused.reason in _BARE_REASONS else TOKEN_INVALID
            else:
                body = {"error": refused.error}
            return self._error(body, refused.status)
        self._log("token", grant_type, app.client_id, issued.realm_id, "ok")
        return SandboxResponse.json(
            issued.as_token_json(include_hard),
            headers={"intuit_tid": self._tid(), "Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    def _revoke_endpoint(self, req: SandboxRequest) -> SandboxResponse:
        app = self._authenticate(req)
        if app is None:
            self._log("revoke", None, None, None, "invalid_client")
            return self._error({"error": "invalid_client"}, 401)
        try:
            token = req.json().get("token")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            self._log("revoke", None, app.client_id, None, "invalid_request", "no token")
            return self._error({"error": "invalid_request"}, 400)
        with self._lock:
            grant = self._grant_for_token(token)
            if grant is not None and grant.client_id != app.client_id:
                self._log("revoke", None, app.client_id, None, "unauthorized_client", "token of another app")
                return self._error({"error": "unauthorized_client"}, 400)
            if grant is not None:
                self._revoke_grant_tokens(grant)
        # RFC 7009: an unknown or already revoked token is not an error.
        self._log("revoke", None, app.client_id, grant.realm_id if grant else None, "ok", "" if grant else "unknown")
        return SandboxResponse(200, b"", {"intuit_tid": self._tid()})

    def _userinfo(self, req: SandboxRequest) -> SandboxResponse:
        # OpenID scopes are never granted, so no token can read user info.
        return self._error({"error": "insufficient_scope"}, 403)

    # --- token logic (callers hold the lock) ------------------------------------------------------

    def _authenticate(self, req: SandboxRequest, form: dict[str, str] | None = None) -> RegisteredApp | None:
        """HTTP Basic, or (token endpoint) ``client_id``/``client_secret`` in the form: discovery lists both."""
        header = req.headers.get("authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                client_id, _, secret = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None
        elif not header and form and form.get("client_id") and "client_secret" in form:
            client_id, secret = form["client_id"], form["client_secret"]
        else:
            return None
        with self._lock:
            app = self._apps.get(client_id)
        if app is None or not hmac.compare_digest(app.client_secret.encode(), secret.encode()):
            return None
        return app

    def _redeem_code(self, app: RegisteredApp, form: dict[str, str]) -> _Grant:
        code = self._codes.get(form.get("code", ""))
        if code is None:
            raise _Refused("invalid_grant", "unknown code")
        if code.used:
            # RFC 6749 4.1.2: a code used twice SHOULD revoke what it gave. Intuit does (oauth-jsclient#173:
            # "this would invalidate the token for that auth code on our side").
            first = self._grants.get(code.grant_id or "")
            if first is not None and not first.revoked:
                self._revoke_grant_tokens(first)
            raise _Refused("invalid_grant", "code already used")
        if code.client_id != app.client_id:
            raise _Refused("invalid_grant", "code issued to another app")
        if code.redirect_uri != form.get("redirect_uri"):
            raise _Refused("invalid_grant", "redirect_uri differs from the authorize request")
        if self.clock.now() >= code.expires_at:
            raise _Refused("invalid_grant", "code expired")
        code.used = True
        grant = self._new_grant(app.client_id, code.realm_id, code.scopes, self.clock.now())
        code.grant_id = grant.grant_id
        return grant

    def _check_refresh_token(self, value: str | None, client_id: str | None) -> _Grant:
        found = self._refresh_index.get(value or "")
        if found is None:
            raise _Refused("invalid_grant", "unknown")
        grant, token = found
        now = self.clock.now()
        if client_id is not None and grant.client_id != client_id:
            raise _Refused("invalid_grant", "unknown")  # another app's token: do not confirm it exists
        if grant.revoked:
            raise _Refused("invalid_grant", "revoked")
        if now >= token.expires_at or now >= grant.hard_expires_at:
            raise _Refused("invalid_grant", "expired")
        if token.superseded_at is not None and now >= token.superseded_at + REFRESH_GRACE:
            raise _Refused("invalid_grant", "superseded")
        return grant

    def _new_grant(self, client_id: str, realm_id: str, scopes: frozenset[str], issued_at: datetime) -> _Grant:
        grant = _Grant(
            grant_id="g-" + secrets.token_hex(8),
            client_id=client_id,
            realm_id=realm_id,
            scopes=scopes,
            issued_at=issued_at,
            hard_expires_at=issued_at + HARD_EXPIRY,
        )
        self._grants[grant.grant_id] = grant
        return grant

    def _mint(self, grant: _Grant, issued_at: datetime) -> IssuedTokens:
        """A new access token and a new refresh token; earlier refresh tokens start their 24-hour grace."""
        now = self.clock.now()
        # Each mint supersedes the one before, so only the newest token can still be current.
        if grant.refresh_tokens and grant.refresh_tokens[-1].superseded_at is None:
            grant.refresh_tokens[-1].superseded_at = issued_at
        refresh = _RefreshToken(
            value="RT1-" + secrets.token_urlsafe(40),
            issued_at=issued_at,
            expires_at=min(issued_at + timedelta(seconds=REFRESH_TOKEN_SECONDS), grant.hard_expires_at),
        )
        grant.refresh_tokens.append(refresh)
        self._refresh_index[refresh.value] = (grant, refresh)
        access_lifetime = ACCESS_TOKEN_SECONDS - int((now - issued_at).total_seconds())
        access = self.registry.issue(grant.realm_id, grant.client_id, grant.scopes, grant.grant_id, access_lifetime)
        grant.access_tokens.append(access.value)
        return IssuedTokens(
            access_token=access.value,
            refresh_token=refresh.value,
            expires_in=max(0, access_lifetime),
            x_refresh_token_expires_in=max(0, int((refresh.expires_at - now).total_seconds())),
            x_refresh_token_hard_expires_in=max(0, int((grant.hard_expires_at - now).total_seconds())),
            realm_id=grant.realm_id,
            grant_id=grant.grant_id,
        )

    def _revoke_grant_tokens(self, grant: _Grant) -> None:
        grant.revoked = True
        self.registry.revoke_grant(grant.grant_id)

    def _grant_for_token(self, token: str) -> _Grant | None:
        found = self._refresh_index.get(token)
        if found is not None:
            return found[0]
        access = self.registry.lookup(token)
        return self._grants.get(access.grant_id) if access is not None else None

    def _select(self, refresh_token: str | None, realm_id: str | None) -> list[_Grant]:
        if refresh_token is not None:
            found = self._refresh_index.get(refresh_token)
            return [found[0]] if found else []
        return [g for g in self._grants.values() if realm_id in (None, g.realm_id)]

    # --- authorize helpers ----------------------------------------------------------------------

    def _validate_authorize(self, params: dict[str, str]) -> RegisteredApp:
        with self._lock:
            app = self._apps.get(params.get("client_id", ""))
        if app is None:
            raise _Refused("invalid_client", "unknown client_id", 400)
        if params.get("redirect_uri") not in app.redirect_uris:
            raise _Refused("invalid_request", "redirect_uri not registered", 400)
        if params.get("response_type") != "code":
            raise _Refused("unsupported_response_type", "response_type must be code")
        scopes = set(params.get("scope", "").split())
        if ACCOUNTING_SCOPE not in scopes:
            raise _Refused("invalid_scope", f"scope must include {ACCOUNTING_SCOPE}")
        if scopes - GRANTABLE_SCOPES - IGNORED_SCOPES:
            raise _Refused("invalid_scope", "unknown scope")
        return app

    def _authorize_error(self, params: dict[str, str], refused: _Refused) -> SandboxResponse:
        self._log("authorize", None, params.get("client_id"), None, refused.error, refused.reason)
        if refused.error in ("invalid_client", "invalid_request"):
            # Never redirect to an unverified redirect_uri (RFC 6749 §4.1.2.1): show the error instead.
            return self._error_page(f"This connection request is not valid: {refused.reason}.", 400)
        return self._redirect(params["redirect_uri"], {"error": refused.error, "state": params.get("state", "")})

    @staticmethod
    def _grantable(scope: str) -> frozenset[str]:
        return frozenset(scope.split()) & GRANTABLE_SCOPES

    def _approve_html(self, app: RegisteredApp, params: dict[str, str]) -> str:
        esc = html.escape
        with self._lock:
            companies = list(self._companies.values())
        options = "".join(
            f'<option value="{esc(c.realm_id)}">{esc(c.name)} (company {esc(c.realm_id)})</option>' for c in companies
        )
        hidden = "".join(
            f'<input type="hidden" name="{esc(name)}" value="{esc(params.get(name, ""))}">'
            for name in ("client_id", "redirect_uri", "response_type", "scope", "state")
        )
        scopes = "".join(f"<li>{esc(s)}</li>" for s in sorted(self._grantable(params.get("scope", ""))))
        action = esc(self.endpoints["authorization_endpoint"])
        return (
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Connect to QuickBooks</title></head>"
            f"<body><h1>{esc(app.name)} wants to connect to QuickBooks</h1>"
            f"<p>{esc(app.name)} will be able to read and write your company's accounting data:</p><ul>{scopes}</ul>"
            f'<form method="post" action="{action}">{hidden}'
            f'<label for="realmId">Company</label> <select id="realmId" name="realmId">{options}</select>'
            '<p><button type="submit" name="decision" value="approve">Approve</button> '
            '<button type="submit" name="decision" value="cancel">Cancel</button></p>'
            "</form></body></html>"
        )

    @staticmethod
    def _error_page(message: str, status: int) -> SandboxResponse:
        page = f"<!doctype html><html lang=en><body><h1>Something went wrong</h1><p>{html.escape(message)}</p></body></html>"
        return SandboxResponse.text(page, status=status, content_type="text/html;charset=utf-8")

    @staticmethod
    def _redirect(redirect_uri: str, params: dict[str, str]) -> SandboxResponse:
        joiner = "&" if urlsplit(redirect_uri).query else "?"
        return SandboxResponse(302, b"", {"Location": redirect_uri + joiner + urlencode(params)})

    def _error(self, body: dict[str, str], status: int, headers: dict[str, str] | None = None) -> SandboxResponse:
        return SandboxResponse.json(body, status=status, headers={"intuit_tid": self._tid(), **(headers or {})})

    def _tid(self) -> str:
        # Intuit's shape: "1-" + the epoch seconds in hex + "-" + 24 hex (oauth-jsclient#128, rubyclient#14).
        return f"1-{int(self.clock.now().timestamp()):08x}-{secrets.token_hex(12)}"

    def _log(
        self,
        endpoint: str,
        grant_type: str | None,
        client_id: str | None,
        realm_id: str | None,
        outcome: str,
        reason: str = "",
    ) -> None:
        event = OAuthEvent(self.clock.now(), endpoint, grant_type, client_id, realm_id, outcome, reason)
        with self._lock:
            self._events.append(event)
