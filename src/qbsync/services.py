"""The clients one run needs, for a real company (from the profile) or the in-process sandbox (``--demo``).

Both paths are the same code below the transport: the same HTTP layer, the same QBO and Suprata clients,
the same token store and refresh through intuitlib. Only the transport and the base URLs differ.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from qbsync.clock import Clock
from qbsync.deadline import SERVICE_PATIENCE_SECONDS, Deadline
from qbsync.errors import ConfigError

if TYPE_CHECKING:
    from qbsync.auth.tokens import TokenStore
    from qbsync.clients.oauth import OAuthApp
    from qbsync.clients.qbo import QboClient
    from qbsync.clients.suprata import SupraClient
    from qbsync.config import Settings
    from qbsync.diagnosis.report import ConnectionView
    from qbsync.paths import Paths
    from qbsync.sandbox.app import Sandbox


class CountingTransport(httpx.BaseTransport):
    """Counts requests that reach the wire (retries included): benchmarks and tests read it."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.count = 0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.count += 1
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@dataclass
class Services:
    clock: Clock
    suprata: SupraClient
    qbo: QboClient
    realm_id: str
    profile: str
    token_store: TokenStore | None
    data_dir: Path
    qbo_transport: CountingTransport
    oauth_app: OAuthApp  # qbsync's own Intuit app
    deadline: Deadline | None = None
    sandbox: Sandbox | None = None  # the in-process sandbox under --demo
    _extras: dict[str, Any] = field(default_factory=dict)

    def qbo_request_count(self) -> int:
        return self.qbo_transport.count

    def company_timezone(self) -> str:
        """The business's IANA zone (Suprata's account): times for people are shown in it; JSON stays UTC."""
        if "timezone" not in self._extras:
            from qbsync.errors import QbsyncError

            try:
                self._extras["timezone"] = self.suprata.account().timezone or "UTC"
            except (QbsyncError, httpx.HTTPError):  # an unreadable account must not stop a diagnosis
                self._extras["timezone"] = "UTC"
        return self._extras["timezone"]

    def retry_counts(self) -> dict[tuple[str, str], int]:
        """Retries qbsync itself sent per record for its current cause (the local retry history)."""
        from qbsync.retrying.history import RetryHistory

        return RetryHistory(self.data_dir, self.profile).counts()

    def own_connection(self) -> ConnectionView:
        from qbsync.diagnosis.report import ConnectionView

        if self.token_store is None:
            return ConnectionView("qbsync", "not_configured", self.realm_id, note="run 'qbsync reconnect'")
        try:
            facts = self.token_store.describe(self.clock)
        except Exception as exc:  # an unreadable token file is a finding here, not a crash
            return ConnectionView("qbsync", "unknown", self.realm_id, note=getattr(exc, "message", str(exc)))
        if facts is None:
            return ConnectionView(
                "qbsync",
                "not_configured",
                self.realm_id,
                reconnect="qbsync reconnect",
                note="qbsync has no QuickBooks connection of its own yet",
            )
        return ConnectionView(
            "qbsync",
            "expired" if facts.needs_reconnect else "connected",
            facts.realm_id,
            None,
            facts.last_refresh_at,
            facts.refresh_expires_at,
            facts.refresh_days_left,
            "qbsync reconnect" if facts.needs_reconnect else None,
        )

    def auth_client(self) -> Any:
        """intuitlib's client for qbsync's own app; its constructor fetches discovery, so only on demand."""
        if "auth_client" not in self._extras:
            from qbsync.clients.oauth import open_auth_client

            adapter = self.sandbox_requests_adapter()
            self._extras["auth_client"] = open_auth_client(self.oauth_app, sandbox_adapter=adapter)
        return self._extras["auth_client"]

    def sandbox_requests_adapter(self) -> Any:
        """Under --demo, a requests adapter to the in-process sandbox (for intuitlib); None otherwise. This
        module is the one place the product imports the sandbox: it wires --demo."""
        if self.sandbox is None:
            return None
        from qbsync.sandbox.transport import requests_adapter

        return requests_adapter(self.sandbox.app)

    def bearer(self, *, rejected: str | None = None) -> str:
        """A valid access token for qbsync's own connection, refreshed (rotation-safe) when due, or when
        QuickBooks refused ``rejected`` and nobody has replaced it yet."""
        from qbsync.auth.errors import NotConnected
        from qbsync.clients.oauth import refresh_tokens

        if self.token_store is None:
            raise NotConnected(self.data_dir)
        return self.token_store.get_valid_access_token(
            lambda refresh_token: refresh_tokens(self.auth_client(), refresh_token, self.clock),
            self.clock,
            rejected=rejected,
        )


class OwnQboToken:
    """qbsync's own QuickBooks token for the HTTP layer. After a 401 (the access token was revoked or
    superseded before its expiry) it refreshes once; an expired connection then raises P5 with its fix.

    Parallel lookups that all meet the same 401 refresh once between them: each thread remembers the token
    it sent, and only a token still stored after it was refused is refreshed.
    """

    def __init__(self, services: dict[str, Services]) -> None:
        self._holder = services
        self._sent = threading.local()
        self._lock = threading.Lock()

    def __call__(self) -> str:
        token = self._holder["services"].bearer()
        self._sent.token = token
        return token

    def refresh(self) -> bool:
        rejected = getattr(self._sent, "token", None)
        with self._lock:  # threads of this process queue here; the token store's file lock covers processes
            self._sent.token = self._holder["services"].bearer(rejected=rejected or self._holder["services"].bearer())
        return True


class RunEnv(Protocol):
    """What building the services needs of a run's ``Env`` (a protocol: context.py imports this module, so
    this module does not import context.py)."""

    settings: Settings
    paths: Paths
    clock: Clock
    deadline_seconds: float | None


def build_services(env: RunEnv) -> Services:
    if env.settings.demo:
        return _demo_services(env)
    return _profile_services(env)


def _profile_services(env: RunEnv) -> Services:
    from qbsync.auth.tokens import TokenStore

    s = env.settings
    missing = [name for name in ("suprata_base_url", "qbo_realm_id") if not getattr(s, name)]
    api_key = s.secret("suprata_api_key")
    if not api_key:
        missing.append(f"suprata_api_key (or the variable {s.suprata_api_key_env})")
    if missing:
        raise ConfigError(
            f"profile {s.profile!r} is not configured: missing {', '.join(missing)}",
            hint=f"set them with 'qbsync --profile {s.profile} config set NAME VALUE', or try 'qbsync diagnose --demo'",
        )
    qbo_base, oauth_app = qbo_connection_settings(s)
    try:
        tokens = TokenStore(env.paths.tokens_dir, s.profile)
    except ValueError as exc:  # a profile name that cannot be a file name
        raise ConfigError(str(exc), hint="use a profile name of letters, digits, '-', '_' and '.'") from None
    return _assemble(
        env.clock,
        None,
        httpx.HTTPTransport(retries=1),
        s.suprata_base_url,
        api_key or "",  # not empty: checked with the other missing settings above
        qbo_base,
        str(s.qbo_realm_id),
        s.profile,
        tokens,
        env.paths.data_dir,
        oauth_app,
        Deadline(env.clock, env.deadline_seconds),
    )


def qbo_connection_settings(s: Any) -> tuple[str, Any]:
    """The QuickBooks API base URL and qbsync's Intuit app (OAuthApp) for a profile's settings."""
    from qbsync.clients.oauth import OAuthApp

    if s.qbo_environment == "custom":
        if not s.qbo_base_url:
            raise ConfigError("qbo_environment is custom but qbo_base_url is not set", hint="set qbo_base_url")
        qbo_base = str(s.qbo_base_url)
    else:
        from qbsync.clients.qbo import QBO_PRODUCTION_BASE, QBO_SANDBOX_BASE

        qbo_base = QBO_SANDBOX_BASE if s.qbo_environment == "sandbox" else QBO_PRODUCTION_BASE
    discovery = s.oauth_discovery_url or ("sandbox" if s.qbo_environment == "sandbox" else "production")
    secret = s.secret("intuit_client_secret") or ""
    return qbo_base, OAuthApp(s.intuit_client_id or "", secret, s.redirect_uri, discovery)


def _demo_services(env: RunEnv) -> Services:
    from qbsync.sandbox.app import build_sandbox

    try:
        sandbox = build_sandbox(_scenario_source(env.settings.scenario))
    except KeyError as exc:  # the catalogue's "no such scenario"
        raise ConfigError(str(exc.args[0]), hint="run 'qbsync sandbox scenarios' to list them") from None
    # The demo keeps its tokens and history in a throwaway folder: it must never touch a real profile.
    demo_dir = Path(tempfile.mkdtemp(prefix="qbsync-demo-"))
    atexit.register(shutil.rmtree, demo_dir, True)
    return services_for_sandbox(sandbox, demo_dir, deadline_seconds=env.deadline_seconds)


def services_for_sandbox(
    sandbox: Any, data_dir: Path, profile: str = "demo", *, deadline_seconds: float | None = None
) -> Services:
    """Services wired in-process to ``sandbox``, qbsync's own tokens kept under ``data_dir``.

    Tests hold the sandbox and build services from it, so state carries across commands. The deadline runs
    on the sandbox's clock, like every wait of the run.
    """
    from qbsync.auth.tokens import TokenGrant, TokenStore
    from qbsync.clients.oauth import OAuthApp
    from qbsync.sandbox.transport import SandboxTransport

    profile_settings = sandbox.profile()
    tokens = TokenStore(data_dir / "tokens", profile)
    if sandbox.qbsync_tokens is not None and tokens.load() is None:
        issued = sandbox.qbsync_tokens
        obtained = sandbox.clock.now()
        if sandbox.scenario.connections.qbsync.state == "expired":
            from datetime import timedelta

            obtained -= timedelta(days=102)
        grant = TokenGrant.from_token_response(issued.as_token_json(include_hard_expiry=True), obtained)
        tokens.save_connection(grant, realm_id=sandbox.realm_id, environment="sandbox")
    oauth_app = OAuthApp(
        profile_settings["intuit_client_id"],
        profile_settings["intuit_client_secret"],
        profile_settings["redirect_uri"],
        profile_settings["oauth_discovery_url"],
    )
    return _assemble(
        sandbox.clock,
        sandbox,
        SandboxTransport(sandbox.app),
        profile_settings["suprata_base_url"],
        profile_settings["suprata_api_key"],
        profile_settings["qbo_base_url"],
        sandbox.realm_id,
        profile,
        tokens,
        data_dir,
        oauth_app,
        Deadline(sandbox.clock, deadline_seconds),
    )


def _scenario_source(name: str) -> Any:
    """A built-in scenario's name, or the scenario read (and validated) from a file: one line when it is bad."""
    path = Path(name).expanduser()
    if path.suffix == ".json" or path.exists():
        if not path.exists():
            raise ConfigError(f"scenario file {path} does not exist", hint="see 'qbsync sandbox scenarios'")
        if not path.is_file():  # a FIFO would block the read forever
            raise ConfigError(f"scenario file {path} is not a regular file", hint="give a JSON file or a name")
        return _read_scenario_file(path)
    return name


def _read_scenario_file(path: Path) -> Any:
    from pydantic import ValidationError

    from qbsync.sandbox.scenario import load_scenario

    hint = "see docs/sandbox.md and docs/scenario.schema.json for the format"
    try:
        return load_scenario(path)
    except OSError as exc:
        raise ConfigError(f"cannot read scenario file {path}: {exc.strerror or exc}", hint=hint) from None
    except UnicodeDecodeError:
        raise ConfigError(f"scenario file {path} is not UTF-8 text", hint=hint) from None
    except RecursionError:
        raise ConfigError(f"scenario file {path} is nested too deeply to be a scenario", hint=hint) from None
    except ValidationError as exc:
        first: dict[str, Any] = dict(exc.errors()[0]) if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())) or "the file"
        what = "it is empty" if not path.stat().st_size else f"{where}: {first.get('msg', 'invalid')}"
        raise ConfigError(f"scenario file {path} is not a valid scenario ({what})", hint=hint) from None


def _assemble(
    clock: Clock,
    sandbox: Any,
    transport: httpx.BaseTransport,
    suprata_base: str,
    api_key: str,
    qbo_base: str,
    realm_id: str,
    profile: str,
    tokens: TokenStore | None,
    data_dir: Path,
    oauth_app: Any,
    deadline: Deadline,
) -> Services:
    from qbsync.clients.http import HttpClient, RetryPolicy
    from qbsync.clients.qbo import QboClient
    from qbsync.clients.suprata import SupraClient

    counting = CountingTransport(transport)
    holder: dict[str, Services] = {}
    # Both services get the run's deadline, and the run stops asking one that has refused or stayed silent
    # for SERVICE_PATIENCE_SECONDS in a row (docs/cli.md, "Deadlines").
    retry = RetryPolicy(patience=SERVICE_PATIENCE_SECONDS)
    qbo_http = HttpClient(
        transport=counting, clock=clock, token=OwnQboToken(holder), retry=retry, deadline=deadline, service="QuickBooks"
    )
    suprata_http = HttpClient(transport=transport, clock=clock, retry=retry, deadline=deadline, service="Suprata")
    services = Services(
        clock=clock,
        suprata=SupraClient(suprata_http, api_key, base_url=suprata_base),
        qbo=QboClient(qbo_http, realm_id, base_url=qbo_base),
        realm_id=realm_id,
        profile=profile,
        token_store=tokens,
        data_dir=data_dir,
        qbo_transport=counting,
        deadline=deadline,
        sandbox=sandbox,
        oauth_app=oauth_app,
    )
    holder["services"] = services
    return services
