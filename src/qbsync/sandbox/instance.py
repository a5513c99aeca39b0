"""One running sandbox: its services, the state tests and the CLI read, and the controls the scenario player
and the admin API drive. Apart from ``app`` (which builds it, and imports the player and the admin API to do
so) so that they can name its type without importing what builds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from qbsync.clock import VirtualClock, format_iso
from qbsync.sandbox import IN_PROCESS_BASE
from qbsync.sandbox.http import Mount
from qbsync.sandbox.oauth import IntuitOAuthService, IssuedTokens
from qbsync.sandbox.scenario import Scenario
from qbsync.sandbox.suprata.api import SuprataService
from qbsync.sandbox.suprata.connection import SuprataConnection
from qbsync.sandbox.suprata.engine import SyncEngine
from qbsync.sandbox.suprata.store import SuprataStore
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
