"""qbsync's own OAuth 2.0 connection to QuickBooks, over intuitlib (intuit-oauth 1.2.6 or 1.2.7).

intuitlib has no timeouts, makes a discovery GET inside its constructor, generates ``state`` with a
non-cryptographic RNG and puts whole response bodies into ``AuthClientError``'s text (libraries.md §1).
``QbsyncAuthClient`` adds a timeout to every request (it *is* the requests.Session, so the discovery GET is
covered too) and can route a base URL to the in-process sandbox; the functions below use ``secrets`` for
state, ask only for the accounting scope, and turn every failure into a typed error with no secret in it.

intuitlib drags in requests, jwt and cryptography, so it is imported only when a client is built.
"""

from __future__ import annotations

import functools
import hmac
import json
import logging
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from qbsync.auth.errors import (
    AuthorizationFailed,
    ConnectionExpired,
    OAuthClientRejected,
    OAuthRequestFailed,
    OAuthUnavailable,
)
from qbsync.auth.tokens import Refresher, TokenGrant
from qbsync.clients.redact import remember_secret
from qbsync.clock import Clock

DEFAULT_TIMEOUT = 30.0
IN_PROCESS_BASE = "http://sandbox.invalid"  # same value as qbsync.sandbox.IN_PROCESS_BASE, without importing it
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
HARD_EXPIRY_HEADER = "x-include-refresh-token-hard-expires-in"
_SAFE_TOKEN = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")  # how an error code or intuit_tid must look to be echoed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OAuthApp:
    """qbsync's registration with Intuit."""

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    environment: str  # "production", "sandbox", or a discovery-document URL (the emulator's)

    def __post_init__(self) -> None:
        remember_secret(self.client_secret)


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str = field(repr=False)  # carries the state
    state: str = field(repr=False)


@dataclass(frozen=True)
class AuthorizationResult:
    code: str = field(repr=False)
    realm_id: str


def __getattr__(name: str) -> Any:
    # ``QbsyncAuthClient`` is built on first use so importing this module does not import intuitlib.
    if name == "QbsyncAuthClient":
        return _auth_client_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _auth_client_class() -> type:
    import requests
    from intuitlib.client import AuthClient

    class QbsyncAuthClient(AuthClient):  # type: ignore[misc]  # intuitlib publishes no types
        """intuitlib's AuthClient with a timeout on every request and optional sandbox routing.

        With ``sandbox_adapter`` (a requests adapter to the in-process sandbox, from ``services``), URLs under
        ``sandbox_base`` go to it and any other URL is refused, so a misconfigured environment can never reach
        a real host.
        """

        def __init__(
            self,
            client_id: str,
            client_secret: str,
            redirect_uri: str,
            environment: str,
            *,
            timeout: float = DEFAULT_TIMEOUT,
            sandbox_adapter: Any = None,
            sandbox_base: str = IN_PROCESS_BASE,
            **kwargs: Any,
        ) -> None:
            # Set before super().__init__, which already sends the discovery GET through request/get_adapter.
            self.qbsync_timeout = timeout
            self._sandbox_prefix = sandbox_base.rstrip("/").lower() + "/"
            self._sandbox_adapter = sandbox_adapter
            super().__init__(client_id, client_secret, redirect_uri, environment, **kwargs)

        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = self.qbsync_timeout
            if method.upper() == "POST" and url == getattr(self, "token_endpoint", None):
                # Ask for the 5-year hard expiry ourselves: intuit-oauth 1.2.7 has a flag for this header,
                # 1.2.6 (which python-quickbooks 0.9.12 pins, so the test extra gets it) does not.
                headers = dict(kwargs.get("headers") or {})
                headers[HARD_EXPIRY_HEADER] = "true"
                kwargs["headers"] = headers
            if urlsplit(url).hostname in LOOPBACK_HOSTS:
                kwargs.setdefault("proxies", {"http": None, "https": None})  # never via an HTTP(S)_PROXY
            return super().request(method, url, *args, **kwargs)

        def get_adapter(self, url: str) -> Any:
            if self._sandbox_adapter is None:
                return super().get_adapter(url)
            if url.lower().startswith(self._sandbox_prefix):
                return self._sandbox_adapter
            raise requests.exceptions.ConnectionError("refusing a URL outside the sandbox")

    return QbsyncAuthClient


def open_auth_client(
    app: OAuthApp,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    sandbox_adapter: Any = None,
    sandbox_base: str = IN_PROCESS_BASE,
) -> Any:
    """A ``QbsyncAuthClient``; its constructor fetches the discovery document (within ``timeout``)."""
    client_class = _auth_client_class()
    with _oauth_call(app.environment, "discovery"):
        return client_class(
            app.client_id,
            app.client_secret,
            app.redirect_uri,
            app.environment,
            timeout=timeout,
            sandbox_adapter=sandbox_adapter,
            sandbox_base=sandbox_base,
        )


def build_authorization_request(client: Any) -> AuthorizationRequest:
    """The URL to open in the browser, asking only for the accounting scope, with a CSPRNG ``state``."""
    from intuitlib.enums import Scopes

    state = secrets.token_urlsafe(32)
    return AuthorizationRequest(client.get_authorization_url([Scopes.ACCOUNTING], state_token=state), state)


def parse_callback(callback_url: str, expected_state: str) -> AuthorizationResult:
    """Check the redirect Intuit sent the browser to; refuse it unless ``state`` matches."""
    query = parse_qs(urlsplit(callback_url).query)

    def first(name: str) -> str:
        return (query.get(name) or [""])[0]

    if not hmac.compare_digest(first("state").encode(), expected_state.encode()):
        raise AuthorizationFailed(
            "state_mismatch", "The browser's answer does not belong to this connection attempt (state mismatch)."
        )
    error = first("error")
    if error == "access_denied":
        raise AuthorizationFailed("access_denied", "The connection was not approved in the browser.")
    if error:
        raise AuthorizationFailed("error", f"Intuit refused the connection request ({_safe(error) or 'error'}).")
    if not first("code") or not first("realmId"):
        raise AuthorizationFailed("missing_code", "The browser's answer has no authorization code or company id.")
    return AuthorizationResult(first("code"), first("realmId"))


def exchange_code(client: Any, code: str, realm_id: str, clock: Clock) -> TokenGrant:
    """Trade a one-time authorization code for the first tokens of a connection."""
    obtained_at = clock.now()
    _clear_token_fields(client)
    try:
        with _oauth_call(client.token_endpoint, "authorization_code"):
            client.get_bearer_token(code, realm_id=realm_id)
    except ConnectionExpired:
        # invalid_grant here is about the code, not a stored connection: not P5.
        raise AuthorizationFailed(
            "code_rejected", "Intuit refused the authorization code (already used, expired or for another app)."
        ) from None
    return _grant_from(client, obtained_at)


def refresh_tokens(client: Any, refresh_token: str, clock: Clock) -> TokenGrant:
    """A new access token and the rotated refresh token; persist the latter before using the former."""
    obtained_at = clock.now()
    _clear_token_fields(client)
    with _oauth_call(client.token_endpoint, "refresh_token"):
        client.refresh(refresh_token=refresh_token)
    return _grant_from(client, obtained_at)


def revoke(client: Any, token: str) -> None:
    """Disconnect: Intuit revokes the whole grant, refresh and access tokens alike."""
    with _oauth_call(client.revoke_endpoint, "revoke"):
        client.revoke(token=token)


def make_refresher(client: Any, clock: Clock) -> Refresher:
    """The ``refresher`` that ``TokenStore.get_valid_access_token`` calls under its lock."""
    return functools.partial(refresh_tokens, client, clock=clock)


@contextmanager
def _oauth_call(url: str, what: str) -> Iterator[None]:
    """Map intuitlib and requests failures to typed errors; ``from None`` drops their texts (bodies, tokens)."""
    import requests
    from intuitlib.exceptions import AuthClientError

    endpoint = _origin(url)
    log.debug("oauth %s via %s", what, endpoint)
    try:
        yield
    except AuthClientError as exc:
        error = _error_code(exc.content)
        log.debug("oauth %s refused: HTTP %s %s", what, exc.status_code, error)
        raise _typed_error(endpoint, exc.status_code, error, _safe(exc.intuit_tid)) from None
    except requests.Timeout:
        raise OAuthUnavailable(endpoint, "timeout") from None
    except requests.ConnectionError:
        raise OAuthUnavailable(endpoint, "unreachable") from None
    except requests.exceptions.InvalidJSONError:
        raise OAuthUnavailable(endpoint, "bad_response") from None
    except requests.RequestException:
        raise OAuthUnavailable(endpoint, "request_failed") from None
    except (KeyError, TypeError, ValueError):  # a discovery or token document without the expected keys
        raise OAuthUnavailable(endpoint, "bad_response") from None
    log.debug("oauth %s ok", what)


def _typed_error(endpoint: str, status: int, error: str | None, tid: str | None) -> Exception:
    if error == "invalid_grant":
        return ConnectionExpired("Intuit answered invalid_grant.", reason="invalid_grant", intuit_tid=tid)
    if error == "invalid_client" or status == 401:
        return OAuthClientRejected(status, tid)
    if status >= 500 or status == 429:
        return OAuthUnavailable(endpoint, f"http_{status}", status, tid)
    return OAuthRequestFailed(status, error, tid)


def _error_code(content: bytes | None) -> str | None:
    try:
        body = json.loads(content or b"{}")
    except (ValueError, RecursionError):
        return None
    return _safe(body.get("error")) if isinstance(body, dict) else None


def _safe(value: Any) -> str | None:
    """Echo a server-supplied word only if it looks like a code, never free text that could hold a secret."""
    return value if isinstance(value, str) and _SAFE_TOKEN.match(value) else None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url.split("?")[0][:40]


def _clear_token_fields(client: Any) -> None:
    # intuitlib only sets the keys present in the response: clear them so a stale value cannot pass as new.
    for name in ("access_token", "refresh_token", "expires_in", "x_refresh_token_expires_in"):
        setattr(client, name, None)
    client.x_refresh_token_hard_expires_in = None


def _grant_from(client: Any, obtained_at: Any) -> TokenGrant:
    body = {
        "access_token": client.access_token,
        "refresh_token": client.refresh_token,
        "expires_in": client.expires_in,
        "x_refresh_token_expires_in": client.x_refresh_token_expires_in,
        "x_refresh_token_hard_expires_in": client.x_refresh_token_hard_expires_in,
    }
    if not all(body[k] for k in ("access_token", "refresh_token")) or None in (
        body["expires_in"],
        body["x_refresh_token_expires_in"],
    ):
        raise OAuthUnavailable(_origin(client.token_endpoint), "bad_response")
    try:
        return TokenGrant.from_token_response(body, obtained_at)
    except (TypeError, ValueError):
        raise OAuthUnavailable(_origin(client.token_endpoint), "bad_response") from None
