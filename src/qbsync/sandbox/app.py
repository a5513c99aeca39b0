"""Assemble a whole sandbox from a scenario: clock, token registry, QBO, Intuit OAuth, Suprata, its sync
engine, and the admin endpoints, behind one app.

    sandbox = build_sandbox("demo")
    client = httpx.Client(transport=SandboxTransport(sandbox.app), base_url=IN_PROCESS_BASE)
    settings = sandbox.profile(IN_PROCESS_BASE)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import httpx

from qbsync.clock import VirtualClock, format_iso
from qbsync.sandbox import IN_PROCESS_BASE
from qbsync.sandbox.http import Mount
from qbsync.sandbox.oauth import IntuitOAuthService, IssuedTokens
from qbsync.sandbox.scenario import Scenario
from qbsync.sandbox.server import SandboxServer
from qbsync.sandbox.suprata.api import SuprataService
from qbsync.sandbox.suprata.connection import SuprataConnection
from qbsync.sandbox.suprata.engine import SyncEngine
from qbsync.sandbox.suprata.store import AccountInfo, SuprataStore
from qbsync.sandbox.tokens import AccessTokenRegistry

# Sandbox-only credentials: fixed so a printed profile works across restarts. Never valid anywhere else.
SUPRATA_CLIENT_ID = "ABsuprataSandboxApp00000000000000000000000000"
SUPRATA_CLIENT_SECRET = "sandbox-suprata-client-secret"
QBSYNC_CLIENT_ID = "ABqbsyncSandboxApp000000000000000000000000000"
QBSYNC_CLIENT_SECRET = "sandbox-qbsync-client-secret"
QBSYNC_REDIRECT_URIS = (
    "http://127.0.0.1:8765/callback",
    "http://localhost:8765/callback",
    "https://qbsync.invalid/callback",
)
SUPRATA_RECONNECT_URL = "https://app.suprata.example/settings/integrations/quickbooks"


@dataclass
class Sandbox:
    """One running sandbox. ``app`` serves every service; the rest is its state, for tests and the CLI."""

    scenario: Scenario
    clock: VirtualClock
    tokens: AccessTokenRegistry
    qbo: Any  # QboSandbox
    oauth: IntuitOAuthService
    suprata_store: SuprataStore
    suprata: SuprataService
    connection: SuprataConnection
    engine: SyncEngine
    app: Mount
    qbo_gate: Any = None  # ThrottleWindows in front of the QBO service
    qbsync_tokens: IssuedTokens | None = field(default=None, repr=False)
    player: Any = None  # ScenarioPlayer

    @property
    def realm_id(self) -> str:
        return self.scenario.company.realm_id

    @property
    def qbo_company(self) -> Any:
        return self.qbo.company(self.realm_id)

    @property
    def qbo_faults(self) -> Any:
        from qbsync.sandbox.qbo_faults import QboFaultControl

        return QboFaultControl(self.qbo, self.realm_id, self.qbo_gate)

    # --- what qbsync needs to talk to it ---------------------------------------------------------

    def profile(self, base_url: str = IN_PROCESS_BASE) -> dict[str, str]:
        """Ready-made qbsync profile settings (the keys of ``qbsync.config.PROFILE_SPECS``)."""
        base = base_url.rstrip("/")
        return {
            "suprata_base_url": f"{base}/suprata",
            "suprata_api_key": self.scenario.suprata.api_key,
            "qbo_realm_id": self.realm_id,
            "qbo_environment": "custom",
            "qbo_base_url": f"{base}/qbo",
            "oauth_discovery_url": f"{base}/oauth/.well-known/openid_configuration",
            "intuit_client_id": QBSYNC_CLIENT_ID,
            "intuit_client_secret": QBSYNC_CLIENT_SECRET,
            "redirect_uri": QBSYNC_REDIRECT_URIS[0],
        }

    def issue_qbsync_grant(self, issued_at: datetime | None = None) -> IssuedTokens:
        """A fresh grant for qbsync's own connection (as if its user had just approved), without a browser."""
        self.qbsync_tokens = self.oauth.issue_grant(self.realm_id, QBSYNC_CLIENT_ID, issued_at=issued_at)
        return self.qbsync_tokens

    # --- Suprata's own connection ----------------------------------------------------------------

    def connect_suprata(self) -> None:
        issued = self.oauth.issue_grant(self.realm_id, SUPRATA_CLIENT_ID)
        self.connection.connect(
            issued.access_token,
            issued.refresh_token,
            issued.expires_in,
            issued.x_refresh_token_expires_in,
            self.realm_id,
            self.scenario.company.company_name,
        )

    def lapse_suprata_connection(self) -> None:
        """Suprata's refresh token passed its 100-day expiry unused (so its access token is long gone too)."""
        state, now = self.connection.state, self.clock.now()
        if state.refresh_token:
            self.oauth.expire_refresh_token(state.refresh_token)
            state.refresh_token_expires_at = now - timedelta(seconds=1)
        if state.access_token:
            token = self.tokens.lookup(state.access_token)
            if token is not None:
                token.expires_at = now - timedelta(seconds=1)
            state.access_token_expires_at = now - timedelta(seconds=1)

    def revoke_suprata_connection(self) -> None:
        """The company disconnected Suprata in QuickBooks; Intuit tells Suprata, which shows it revoked."""
        if self.connection.state.refresh_token:
            self.oauth.revoke_grant(refresh_token=self.connection.state.refresh_token)
        self.connection.mark_revoked()

    # --- acting on the sandbox (tests and the admin API) -----------------------------------------

    def qbo_find(self, entity: str, key: str) -> dict[str, Any]:
        """A QBO record by DocNumber (invoices: the one Suprata linked), PaymentRefNum, or name."""
        co = self.qbo_company
        if entity in ("Invoice", "Payment"):
            record = self.suprata_store.by_number(entity.lower(), key)
            if record is not None and record.sync.qbo_id:
                found = co.read(entity, record.sync.qbo_id)
                if found is not None:
                    return found
            field_name = "DocNumber" if entity == "Invoice" else "PaymentRefNum"
            matches = [r for r in co.all(entity) if r.get(field_name) == key]
            if matches:
                return matches[-1]
        else:
            found = co.find_by_name(entity, key)
            if found is not None:
                return found
        raise KeyError(f"no QuickBooks {entity} {key!r}")

    def apply_event(self, event: Any) -> None:
        """Apply one timeline event now (a dict in the scenario format, ``at`` optional, or an event model)."""
        from pydantic import TypeAdapter

        from qbsync.sandbox.scenario import SUPRATA_EVENTS, Event

        if isinstance(event, dict):
            event = TypeAdapter(cast(Any, Event)).validate_python({"at": self.clock.now().isoformat(), **event})
        self.player.apply(event)
        if event.type in SUPRATA_EVENTS:
            self.engine.tick()

    def advance(self, seconds: float) -> None:
        """Move time on, running automatic retries as they fall due."""
        self.player.advance_to(self.clock.now() + timedelta(seconds=seconds))

    def tick(self, count: int = 1) -> int:
        return sum(self.engine.tick() for _ in range(count))

    def stats(self) -> dict[str, Any]:
        return {
            "now": format_iso(self.clock.now()),
            "qbo": self.qbo.stats(),
            "suprata": {
                "api_requests": self.suprata.requests,
                "engine_requests": self.engine.requests_sent,
                "attempts": len(self.suprata_store.attempts),
            },
        }


def build_sandbox(
    scenario: str | Path | Scenario | dict[str, Any] = "demo",
    seed: int | None = None,
    latency_ms: float = 0,
    wire: str = "auto",
) -> Sandbox:
    """Build a sandbox and play the scenario up to its ``now``. ``seed`` overrides the scenario's.

    ``wire``: how Suprata's engine reaches the app. ``httpx`` (an httpx client on ``SandboxTransport``) or
    ``direct`` (same app, same bodies, no httpx client overhead); ``auto`` uses ``direct`` only for
    generated ``scale-*`` scenarios, where httpx would dominate the build time.
    """
    from qbsync.sandbox.admin import AdminService
    from qbsync.sandbox.catalog import resolve_scenario
    from qbsync.sandbox.player import ScenarioPlayer
    from qbsync.sandbox.qbo import QboSandbox
    from qbsync.sandbox.qbo_faults import ThrottleWindows

    spec = resolve_scenario(scenario)
    if seed is not None:
        spec = spec.model_copy(update={"seed": seed})
    clock = VirtualClock(spec.clock.start)
    tokens = AccessTokenRegistry(clock)
    qbo = QboSandbox(clock, tokens, latency_ms=0)  # latency is real wall time: add it after the build
    company = spec.company
    qbo.add_company(
        company.realm_id,
        company.company_name,
        country=company.country,
        timezone=company.timezone,
        book_close_date=company.book_close_date,
    )
    qbo.company(company.realm_id).set_duplicate_doc_number_check(company.duplicate_doc_number_check)
    qbo.company(company.realm_id).close_password_required = company.book_close_password
    oauth = IntuitOAuthService(clock, tokens)
    oauth.register_app(SUPRATA_CLIENT_ID, SUPRATA_CLIENT_SECRET, ["https://app.suprata.example/oauth/callback"])
    oauth.register_app(QBSYNC_CLIENT_ID, QBSYNC_CLIENT_SECRET, QBSYNC_REDIRECT_URIS, name="qbsync")
    oauth.register_company(company.realm_id, company.company_name)

    account = spec.suprata.account
    store = SuprataStore(
        AccountInfo(account.id, account.name, account.timezone, account.home_state, account.email_invoices)
    )
    store.connection.reconnect_url = SUPRATA_RECONNECT_URL
    app = Mount()
    http: Any
    if wire == "direct" or (wire == "auto" and spec.name.startswith("scale-")):
        from qbsync.sandbox.suprata.wire import DirectClient

        http = DirectClient(app)
    else:
        http = httpx.Client(transport=_transport(app), base_url=IN_PROCESS_BASE, timeout=30.0)
    connection = SuprataConnection(
        store.connection, clock, http, f"{IN_PROCESS_BASE}/oauth/token", SUPRATA_CLIENT_ID, SUPRATA_CLIENT_SECRET
    )
    engine = SyncEngine(
        store,
        clock,
        http,
        connection,
        f"{IN_PROCESS_BASE}/qbo",
        company.realm_id,
        seed=spec.seed,
        message_only=spec.suprata.log == "message_only",
    )
    engine.enabled = spec.suprata.sync_enabled
    suprata = SuprataService(store, clock, spec.suprata.api_key, engine)
    gate = ThrottleWindows(qbo, clock)
    sandbox = Sandbox(spec, clock, tokens, qbo, oauth, store, suprata, connection, engine, app, qbo_gate=gate)
    app.mount("/qbo", gate)
    app.mount("/oauth", oauth)
    app.mount("/suprata", suprata)
    app.mount("/_sandbox", AdminService(sandbox))

    player = sandbox.player = ScenarioPlayer(sandbox, spec)
    player.seed()
    connected_at = spec.connections.suprata_connected_at or spec.clock.start
    clock.set(connected_at)
    sandbox.connect_suprata()
    player.play()
    _seed_qbsync_connection(sandbox)
    if latency_ms:
        qbo.latency_ms = latency_ms
    return sandbox


def _transport(app: Mount) -> httpx.BaseTransport:
    from qbsync.sandbox.transport import SandboxTransport

    return SandboxTransport(app)


def _seed_qbsync_connection(sandbox: Sandbox) -> None:
    state = sandbox.scenario.connections.qbsync.state
    now = sandbox.clock.now()
    if state == "none":
        return
    if state == "expired":
        sandbox.issue_qbsync_grant(issued_at=now - timedelta(days=102))
        return
    sandbox.issue_qbsync_grant()
    if state == "revoked" and sandbox.qbsync_tokens is not None:
        sandbox.oauth.revoke_grant(refresh_token=sandbox.qbsync_tokens.refresh_token)


class ScenarioServer(SandboxServer):
    """A ``SandboxServer`` that also holds the sandbox it serves."""

    def __init__(self, sandbox: Sandbox, port: int = 0) -> None:
        from qbsync.sandbox.qbo.limits import ServedTime

        super().__init__(sandbox.app, port=port)
        self.sandbox = sandbox
        sandbox.qbo.limiter.clock = ServedTime(sandbox.clock)  # the 500-a-minute window slides in real time
        sandbox.oauth.base_url = self.base_url  # discovery must point at the loopback address

    def profile(self) -> dict[str, str]:
        return self.sandbox.profile(self.base_url)

    def start(self) -> ScenarioServer:
        if self._thread is None:  # serve() starts it; a later ``with`` must not start it twice
            super().start()
        return self


def serve(scenario: str | Path | Scenario = "demo", port: int = 0, latency_ms: float = 0) -> ScenarioServer:
    """Build the scenario and serve it on 127.0.0.1 (started; call ``stop()`` or use it as a context manager)."""
    return ScenarioServer(build_sandbox(scenario, latency_ms=latency_ms), port=port).start()
