"""Assemble a whole sandbox from a scenario: clock, token registry, QBO, Intuit OAuth, Suprata, its sync
engine, and the admin endpoints, behind one app.

    sandbox = build_sandbox("demo")
    client = httpx.Client(transport=SandboxTransport(sandbox.app), base_url=IN_PROCESS_BASE)
    settings = sandbox.profile(IN_PROCESS_BASE)
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from qbsync.clock import VirtualClock
from qbsync.sandbox import IN_PROCESS_BASE
from qbsync.sandbox.http import Mount

# The running sandbox and its fixed credentials live in ``instance``; named here too, as callers know them.
from qbsync.sandbox.instance import (
    QBSYNC_CLIENT_ID,
    QBSYNC_CLIENT_SECRET,
    QBSYNC_REDIRECT_URIS,
    SUPRATA_CLIENT_ID,
    SUPRATA_CLIENT_SECRET,
    SUPRATA_RECONNECT_URL,
    Sandbox,
)
from qbsync.sandbox.oauth import IntuitOAuthService
from qbsync.sandbox.scenario import Scenario
from qbsync.sandbox.server import SandboxServer
from qbsync.sandbox.suprata.api import SuprataService
from qbsync.sandbox.suprata.connection import SuprataConnection
from qbsync.sandbox.suprata.engine import SyncEngine
from qbsync.sandbox.suprata.store import AccountInfo, SuprataStore
from qbsync.sandbox.tokens import AccessTokenRegistry


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
    from qbsync.sandbox.qbo.service import QboSandbox
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
