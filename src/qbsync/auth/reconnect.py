"""``qbsync reconnect``: connect qbsync's OWN QuickBooks connection (authorization-code flow), or revoke it.

The flow: build the authorize URL with a CSPRNG ``state``; open the browser; receive the redirect on a one-shot
server on 127.0.0.1 (or take the pasted redirect with ``--no-browser``); check ``state``; exchange the code;
store the tokens and realm id; read CompanyInfo with the new access token. Suprata's own QuickBooks
connection is read from the Suprata API and reported separately: qbsync cannot fix that one.

Under ``--demo`` everything runs against the in-process sandbox, and the "browser" is ``SimulatedBrowser``:
it opens the sandbox's consent page in-process and presses Approve, as the sandbox company's owner would.

What this module may raise is "could not start" (usage, configuration, Intuit's discovery unreachable, the
port taken): exit 3. Anything that goes wrong after the user was sent to the browser is returned as the
``failure`` of a ``ReconnectOutcome`` (exit 1). No token, code or secret is ever put into a result, a
message or a log line.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit, urlunsplit

from qbsync.auth.callback_server import CallbackPage, CallbackReceiver, LoopbackCallbackServer
from qbsync.auth.errors import AuthorizationFailed, ConnectionExpired, TokenFileUnreadable
from qbsync.clock import Clock
from qbsync.errors import ConfigError, QbsyncError, UsageError
from qbsync.exit_codes import ExitCode

log = logging.getLogger(__name__)

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost"})
SUPRATA_NEEDS_RECONNECT = frozenset({"expired", "revoked", "disconnected"})
DISCONNECT_IN_QUICKBOOKS = (
    "in QuickBooks: Settings (gear) > Manage your apps (or Apps > My apps), then disconnect qbsync"
)

BrowserOpener = Callable[[str], bool]


# --- results --------------------------------------------------------------------------------------------


@dataclass
class QbsyncConnectionResult:
    """qbsync's OWN connection to QuickBooks (the one this command changes). No token values."""

    status: str  # connected | unconfirmed | not_changed | disconnected | not_connected | kept
    profile: str
    environment: str
    token_file: str
    realm_id: str | None = None
    company_name: str | None = None
    mode: str | None = None  # browser | paste | demo (connect only)
    access_expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None  # rolling: moves 100 days ahead on every refresh
    hard_expires_at: datetime | None = None
    revoked_at_intuit: bool | None = None  # disconnect only
    tokens_deleted: bool | None = None  # disconnect only


@dataclass
class SuprataConnectionResult:
    """Suprata's OWN connection to QuickBooks, as the Suprata API reports it. Only Suprata can fix it."""

    status: str  # connected | expired | revoked | disconnected | unknown | not_configured
    needs_reconnect: bool = False
    realm_id: str | None = None
    company_name: str | None = None
    refresh_token_expires_at: datetime | None = None
    reconnect_url: str | None = None
    note: str | None = None


@dataclass
class ReconnectReport:
    action: str  # connect | disconnect
    qbsync_connection: QbsyncConnectionResult
    suprata_connection: SuprataConnectionResult | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class ReconnectOutcome:
    report: ReconnectReport
    failure: QbsyncError | None = None

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.SUCCESS if self.failure is None else ExitCode.FAILURE

    @property
    def status(self) -> str:
        if self.failure is None:
            return "ok"
        return "partial" if self.report.qbsync_connection.status == "unconfirmed" else "error"


# --- what the flow talks to ------------------------------------------------------------------------------


class ReconnectUi(Protocol):
    """The terminal side of the flow (implemented in ``qbsync.render.reconnect_view``)."""

    def show_authorize_url(self, url: str, *, mode: str, redirect_uri: str) -> None: ...

    def browser_not_opened(self, url: str) -> None: ...

    def waiting(self, timeout: float) -> None: ...

    def read_pasted(self) -> str | None: ...


@dataclass
class ReconnectDeps:
    """Everything reconnect needs; built from the profile's Intuit settings alone (Suprata is optional)."""

    clock: Clock
    profile: str
    oauth_app: Any  # OAuthApp
    environment: str  # stored with the tokens: production | sandbox | custom
    qbo_base: str
    configured_realm: str | None
    token_store: Any  # TokenStore
    transport: Any  # httpx.BaseTransport for QBO (and Suprata)
    suprata: Any = None  # SupraClient, or None when Suprata is not configured
    sandbox: Any = None  # the in-process Sandbox under --demo
    timeout: float = 30.0
    sandbox_adapter: Any = None  # requests adapter to the in-process sandbox (intuitlib), under --demo

    @property
    def demo(self) -> bool:
        return self.sandbox is not None

    def open_client(self, redirect_uri: str) -> Any:
        from dataclasses import replace

        from qbsync.clients.oauth import open_auth_client

        app = replace(self.oauth_app, redirect_uri=redirect_uri)
        return open_auth_client(app, timeout=self.timeout, sandbox_adapter=self.sandbox_adapter)

    def qbo_with(self, access_token: str, realm_id: str) -> Any:
        """A QBO client that uses exactly this (new) access token, for the confirmation read."""
        from qbsync.clients.http import HttpClient
        from qbsync.clients.qbo import QboClient

        http = HttpClient(transport=self.transport, clock=self.clock, token=lambda: access_token)
        return QboClient(http, realm_id, base_url=self.qbo_base)


def deps_from_env(env: Any) -> ReconnectDeps:
    """For ``--demo`` the in-process sandbox; otherwise the profile's Intuit app settings (Suprata optional)."""
    if env.settings.demo:
        return _demo_deps(env)
    return _profile_deps(env)


def _profile_deps(env: Any) -> ReconnectDeps:
    import httpx

    from qbsync.auth.tokens import TokenStore
    from qbsync.services import qbo_connection_settings

    s = env.settings
    missing = []
    if not s.intuit_client_id:
        missing.append("intuit_client_id")
    secret = s.secret("intuit_client_secret")
    if not secret:
        missing.append(f"intuit_client_secret (or the variable {s.intuit_client_secret_env})")
    if not s.redirect_uri:
        missing.append("redirect_uri")
    if s.qbo_environment == "custom" and not s.qbo_base_url:
        missing.append("qbo_base_url (qbo_environment is custom)")
    if missing:
        raise ConfigError(
            f"profile {s.profile!r} cannot connect to QuickBooks: missing {', '.join(missing)}",
            hint=f"set them with 'qbsync --profile {s.profile} config set NAME VALUE' "
            "(the client id and secret come from your app at developer.intuit.com), or try 'qbsync reconnect --demo'",
        )
    qbo_base, oauth_app = qbo_connection_settings(s)
    try:
        store = TokenStore(env.paths.tokens_dir, s.profile)
    except ValueError as exc:
        raise ConfigError(str(exc), hint="use a profile name of letters, digits, '-', '_' and '.'") from None
    transport = httpx.HTTPTransport(retries=1)
    suprata = None
    api_key = s.secret("suprata_api_key")
    if s.suprata_base_url and api_key:
        from qbsync.clients.http import HttpClient
        from qbsync.clients.suprata import SupraClient

        suprata = SupraClient(HttpClient(transport=transport, clock=env.clock), api_key, base_url=s.suprata_base_url)
    return ReconnectDeps(
        clock=env.clock,
        profile=s.profile,
        oauth_app=oauth_app,
        environment=s.qbo_environment,
        qbo_base=str(qbo_base),
        configured_realm=str(s.qbo_realm_id) if s.qbo_realm_id else None,
        token_store=store,
        transport=transport,
        suprata=suprata,
    )


def _demo_deps(env: Any) -> ReconnectDeps:
    services = env.services()
    sandbox = services.sandbox
    return ReconnectDeps(
        clock=services.clock,
        profile=services.profile,
        oauth_app=services.oauth_app,
        environment="sandbox",
        qbo_base=sandbox.profile()["qbo_base_url"],
        configured_realm=services.realm_id,
        token_store=services.token_store,
        transport=services.qbo_transport.inner,  # the in-process wire to the sandbox
        suprata=services.suprata,
        sandbox=sandbox,
        sandbox_adapter=services.sandbox_requests_adapter(),
    )


# --- the browser ------------------------------------------------------------------------------------------


def open_system_browser(url: str) -> bool:
    """``webbrowser.open``, except on a Unix without a display, where it would start a text browser in this
    terminal (lynx, w3m) and block: there it returns False and the URL is shown instead."""
    import webbrowser

    headless = (
        sys.platform not in ("darwin", "win32", "cygwin")
        and not os.environ.get("BROWSER")
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    )
    if headless:
        return False
    try:
        return bool(webbrowser.open(url, new=2))
    except webbrowser.Error:
        return False


class _ConsentForm(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = a.get("action", "")
        elif tag == "input" and a.get("type") == "hidden":
            self.fields[a.get("name", "")] = a.get("value", "")
        elif tag == "option" and "realmId" not in self.fields:
            self.fields["realmId"] = a.get("value", "")  # the first company, as its owner would leave it


class SimulatedBrowser:
    """The demo's browser: opens the sandbox's consent page in-process, presses Approve, and returns where
    Intuit redirected it. It never leaves the process (the sandbox answers at ``http://sandbox.invalid``)."""

    def __init__(self, transport: Any) -> None:
        self.transport = transport  # the in-process wire to the sandbox (httpx)
        self.pages_seen: list[str] = []

    def approve(self, authorize_url: str) -> str:
        import httpx

        with httpx.Client(transport=self.transport, follow_redirects=False) as browser:
            page = browser.get(authorize_url)
            form = _ConsentForm()
            form.feed(page.text)
            if page.status_code != 200 or not form.action:
                raise AuthorizationFailed("error", "The sandbox's consent page could not be shown.")
            self.pages_seen.append("consent")
            answer = browser.post(form.action, data={**form.fields, "decision": "approve"})
            location = answer.headers.get("location")
            if answer.status_code != 302 or not location:
                raise AuthorizationFailed("error", "The sandbox's consent page did not redirect back to qbsync.")
            return location


# --- connect ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectOptions:
    no_browser: bool = False
    port: int | None = None
    timeout: float = 300.0


def effective_redirect_uri(redirect_uri: str, port: int | None) -> str:
    """The configured redirect URI, with ``--port`` replacing its port (that URI must be registered too)."""
    if port is None:
        return redirect_uri
    parts = urlsplit(redirect_uri)
    if not parts.hostname:
        raise ConfigError(f"redirect_uri {redirect_uri!r} is not a URL", hint="e.g. http://127.0.0.1:8765/callback")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return urlunsplit((parts.scheme, f"{host}:{port}", parts.path, parts.query, ""))


def loopback_target(redirect_uri: str) -> tuple[int, str]:
    """(port, path) for the local server; a ConfigError when the browser could never reach it."""
    parts = urlsplit(redirect_uri)
    if parts.scheme != "http" or (parts.hostname or "").lower() not in LOOPBACK_NAMES:
        raise ConfigError(
            f"redirect_uri {redirect_uri} is not a local http address, so qbsync cannot receive the browser's answer",
            hint="use 'qbsync reconnect --no-browser' and paste the address the browser ends on, or set redirect_uri "
            "to http://127.0.0.1:8765/callback (registered with your Intuit app)",
        )
    try:
        port = parts.port or 80
    except ValueError:
        raise ConfigError(f"redirect_uri {redirect_uri} has an invalid port", hint="fix redirect_uri") from None
    return port, parts.path or "/"


def connect(
    deps: ReconnectDeps, options: ConnectOptions, ui: ReconnectUi, opener: BrowserOpener | None = None
) -> ReconnectOutcome:
    """Run the authorization-code flow for qbsync's own connection; see the module docstring for exit codes."""
    from qbsync.clients.oauth import build_authorization_request

    mode = "demo" if deps.demo else ("paste" if options.no_browser else "browser")
    redirect_uri = effective_redirect_uri(deps.oauth_app.redirect_uri, options.port)
    port, path = loopback_target(redirect_uri) if mode == "browser" else (0, "/")
    suprata = suprata_connection(deps)  # first: when Suprata's connection is the broken one, say so
    report = ReconnectReport(
        "connect",
        QbsyncConnectionResult("not_changed", deps.profile, deps.environment, str(deps.token_store.path), mode=mode),
        suprata,
    )
    client = deps.open_client(redirect_uri)  # discovery: OAuthUnavailable here means "could not start"
    server: LoopbackCallbackServer | None = None
    receiver = CallbackReceiver(path)
    browser_thread: threading.Thread | None = None
    try:
        if mode == "browser":
            server = _bind(receiver, port, redirect_uri).start()
        request = build_authorization_request(client)
        ui.show_authorize_url(request.url, mode=mode, redirect_uri=redirect_uri)
        try:
            if mode == "browser":
                target = _wait_for_browser(request.url, receiver, options.timeout, ui, opener or open_system_browser)
            elif mode == "demo":
                target, browser_thread = _demo_browser(deps, request.url, receiver, options)
            else:
                target = _read_pasted(ui, redirect_uri)
            answer = _parse_answer(target, request.state, deps.configured_realm)
            not_confirmed = _connect_with(deps, client, answer, report)
        except QbsyncError as exc:
            receiver.respond(_failure_page(exc))
            if isinstance(exc, UsageError):
                raise
            return ReconnectOutcome(report, _as_failure(exc))
        company = report.qbsync_connection.company_name or f"company {report.qbsync_connection.realm_id}"
        if report.qbsync_connection.status == "connected":
            receiver.respond(CallbackPage(True, f"qbsync is connected to {company}"))
            _cross_check(report)
            return ReconnectOutcome(report)
        receiver.respond(CallbackPage(True, "qbsync is connected", "but it could not read the company yet."))
        return ReconnectOutcome(report, not_confirmed)
    finally:
        receiver.respond(CallbackPage(False, "qbsync stopped", "The terminal says why."))
        if server is not None:
            server.stop()
        if browser_thread is not None:
            browser_thread.join(10)
        client.close()


def _bind(receiver: CallbackReceiver, port: int, redirect_uri: str) -> LoopbackCallbackServer:
    try:
        return LoopbackCallbackServer(receiver, port)
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on 127.0.0.1:{port} for the browser's answer ({exc.strerror or 'in use'})",
            hint="stop whatever uses that port, or pass --port N (http://127.0.0.1:N/... must be registered "
            "with your Intuit app too), or use --no-browser",
        ) from None


def _wait_for_browser(
    url: str, receiver: CallbackReceiver, timeout: float, ui: ReconnectUi, opener: BrowserOpener
) -> str:
    try:
        opened = bool(opener(url))
    except Exception:  # a broken browser launcher must not end the flow: the URL is on screen
        opened = False
    if not opened:
        ui.browser_not_opened(url)
    ui.waiting(timeout)
    target = receiver.wait(timeout)
    if target is None:
        raise AuthorizationFailed("timeout", f"No answer from the browser within {timeout:g} s; nothing was changed.")
    log.debug("browser answer received on %s", receiver.path)
    return target


def _demo_browser(
    deps: ReconnectDeps, url: str, receiver: CallbackReceiver, options: ConnectOptions
) -> tuple[str, threading.Thread | None]:
    browser = SimulatedBrowser(deps.transport)
    if options.no_browser:  # the simulated person approves, then pastes the address the browser ended on
        return browser.approve(url), None
    failures: list[BaseException] = []

    def run() -> None:
        try:
            receiver.deliver(browser.approve(url))
        except BaseException as exc:  # reported through the receiver timing out below
            failures.append(exc)
            receiver.respond(CallbackPage(False, "qbsync stopped"))

    thread = threading.Thread(target=run, name="qbsync-demo-browser", daemon=True)
    thread.start()
    target = receiver.wait(options.timeout)
    if target is None:
        thread.join(1)
        if failures and isinstance(failures[0], QbsyncError):
            raise failures[0]
        raise AuthorizationFailed("error", "The demo's simulated browser did not come back.")
    return target, thread


def _read_pasted(ui: ReconnectUi, redirect_uri: str) -> str:
    text = ui.read_pasted()
    if not text:
        raise UsageError(
            "--no-browser needs the address your browser ended on (or code=... realmId=...) on stdin, "
            "and stdin gave nothing",
            hint="run it in a terminal and paste when asked, or pipe it in: "
            "printf 'code=...&realmId=...' | qbsync reconnect --no-browser",
        )
    return text


@dataclass(frozen=True)
class _Answer:
    code: str = field(repr=False)
    realm_id: str

    def __post_init__(self) -> None:
        from qbsync.clients.redact import remember_secret

        remember_secret(self.code)  # an error page or log line that echoes the code must not show it


def _parse_answer(text: str, expected_state: str, configured_realm: str | None) -> _Answer:
    """The browser's redirect (from the local server, the simulated browser or a paste), state checked.

    Accepted pastes: the whole redirect URL; its query string; ``code=... realmId=...`` (spaces, '&' or new
    lines between). A pasted answer without ``state`` is accepted (the person copied the code by hand); one
    with a different ``state`` is refused.
    """
    from qbsync.clients.oauth import parse_callback

    text = text.strip()
    query = urlsplit(text).query if "?" in text else text.lstrip("?")
    query = "&".join(query.split())  # "code=X realmId=Y" and line-separated pastes
    fields = parse_qs(query, keep_blank_values=True)
    if "state" not in fields and "error" not in fields:
        code = (fields.get("code") or [""])[0]
        realm = (fields.get("realmId") or fields.get("realm_id") or [configured_realm or ""])[0]
        if not code or not realm:
            raise AuthorizationFailed(
                "missing_code", "The pasted text has no authorization code and company id (code=... realmId=...)."
            )
        return _Answer(code, realm)
    result = parse_callback("http://callback/?" + query, expected_state)
    return _Answer(result.code, result.realm_id)


def _connect_with(deps: ReconnectDeps, client: Any, answer: _Answer, report: ReconnectReport) -> QbsyncError | None:
    """Exchange, store, confirm. Returns the confirmation failure (tokens stored, CompanyInfo unreadable)."""
    from qbsync.clients.oauth import exchange_code

    conn = report.qbsync_connection
    if deps.configured_realm and answer.realm_id != deps.configured_realm:
        raise AuthorizationFailed(
            "wrong_company",
            f"You approved QuickBooks company {answer.realm_id}, but profile {deps.profile!r} is for company "
            f"{deps.configured_realm}; nothing was stored.",
        )
    grant = exchange_code(client, answer.code, answer.realm_id, deps.clock)
    deps.token_store.save_connection(grant, realm_id=answer.realm_id, environment=deps.environment)
    log.debug("qbsync's connection stored for company %s", answer.realm_id)
    conn.realm_id = answer.realm_id
    conn.access_expires_at = grant.access_expires_at
    conn.refresh_expires_at = grant.refresh_expires_at
    conn.hard_expires_at = grant.hard_expires_at
    if not deps.configured_realm:
        report.notes.append(
            f"qbo_realm_id is not set for profile {deps.profile!r}: set it with "
            f"'qbsync config set qbo_realm_id {answer.realm_id}' so the other commands read this company"
        )
    try:
        info = deps.qbo_with(grant.access_token, answer.realm_id).company_info()
    except Exception as exc:
        conn.status = "unconfirmed"
        return _confirm_failure(exc)
    conn.status = "connected"
    conn.company_name = info.company_name or info.legal_name
    return None


def _confirm_failure(exc: BaseException) -> QbsyncError:
    from qbsync.errors import as_qbsync_error

    mapped = as_qbsync_error(exc)
    detail = mapped.message if mapped is not None else type(exc).__name__
    return QbsyncError(
        f"qbsync's new connection is stored, but reading the company from QuickBooks failed: {detail}",
        hint="run 'qbsync status' in a minute; if it persists, run 'qbsync reconnect' again",
        code="not_confirmed",
        exit_code=ExitCode.FAILURE,
    )


def _cross_check(report: ReconnectReport) -> None:
    s, q = report.suprata_connection, report.qbsync_connection
    if s is not None and s.realm_id and q.realm_id and s.realm_id != q.realm_id:
        report.notes.append(
            f"Suprata syncs to QuickBooks company {s.realm_id} but qbsync is now connected to company {q.realm_id}: "
            "qbsync's checks read the wrong company"
        )


def _failure_page(exc: BaseException) -> CallbackPage:
    reason = getattr(exc, "reason", "")
    headline = {
        "state_mismatch": "This answer does not belong to qbsync's sign-in",
        "access_denied": "The connection was not approved",
        "wrong_company": "That is not the company this qbsync profile is for",
    }.get(reason, "qbsync could not connect to QuickBooks")
    return CallbackPage(False, headline, getattr(exc, "message", ""))


def _as_failure(exc: BaseException) -> QbsyncError:
    """The error as the action's failure: exit 1 whatever it would mean for a check."""
    assert isinstance(exc, QbsyncError)
    exc.exit_code = ExitCode.FAILURE
    return exc


# --- disconnect ------------------------------------------------------------------------------------------


def disconnect(deps: ReconnectDeps) -> ReconnectOutcome:
    """Revoke qbsync's grant at Intuit, then delete the local tokens. Suprata's connection is not touched."""
    from qbsync.clients.oauth import revoke

    result = QbsyncConnectionResult("not_connected", deps.profile, deps.environment, str(deps.token_store.path))
    report = ReconnectReport("disconnect", result)
    try:
        stored = deps.token_store.load()
    except TokenFileUnreadable as exc:  # nothing to revoke with; the file is left as it is
        result.status = "kept"
        result.tokens_deleted = False
        exc.hint = (
            "the file was kept (it may hold the only copy of the grant): fix it, or run `qbsync reconnect` (which "
            f"replaces it), then --revoke again; or end the connection from Intuit's side: disconnect "
            f"{DISCONNECT_IN_QUICKBOOKS}"
        )
        return ReconnectOutcome(report, _as_failure(exc))
    if stored is None:
        result.revoked_at_intuit = False
        result.tokens_deleted = False
        return ReconnectOutcome(report)
    result.realm_id = stored.realm_id
    client = deps.open_client(deps.oauth_app.redirect_uri)  # discovery: OAuthUnavailable = could not start
    try:
        revoke(client, stored.refresh_token)  # Intuit revokes the whole grant, access token included
        result.revoked_at_intuit = True
    except ConnectionExpired:
        result.revoked_at_intuit = True  # Intuit no longer knows the grant: already disconnected there
        report.notes.append("Intuit had already ended this connection")
    except QbsyncError as exc:
        result.status = "kept"
        result.revoked_at_intuit = False
        result.tokens_deleted = False
        exc.hint = f"the local tokens were kept so you can try again; or disconnect {DISCONNECT_IN_QUICKBOOKS}"
        return ReconnectOutcome(report, _as_failure(exc))
    finally:
        client.close()
    result.tokens_deleted = deps.token_store.delete()
    result.status = "disconnected"
    return ReconnectOutcome(report)


# --- Suprata's own connection ------------------------------------------------------------------------------


def suprata_connection(deps: ReconnectDeps) -> SuprataConnectionResult | None:
    """Suprata's own QuickBooks connection from the Suprata API; None when Suprata is not configured."""
    if deps.suprata is None:
        return None
    try:
        conn = deps.suprata.connection()
    except Exception as exc:
        from qbsync.errors import as_qbsync_error

        mapped = as_qbsync_error(exc)
        note = mapped.message if mapped is not None else type(exc).__name__
        return SuprataConnectionResult("unknown", note=f"could not read it from the Suprata API: {note}")
    return SuprataConnectionResult(
        status=conn.status,
        needs_reconnect=conn.status in SUPRATA_NEEDS_RECONNECT,
        realm_id=conn.realm_id,
        company_name=conn.company_name,
        refresh_token_expires_at=conn.refresh_token_expires_at,
        reconnect_url=conn.reconnect_url,
    )
