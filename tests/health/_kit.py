"""Sandboxes for the health tests: built-in scenarios, and the pre-flight state the scenario format cannot hold."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from qbsync.health.check import history_path
from qbsync.health.history import CheckHistory
from qbsync.sandbox import scenario as sc
from qbsync.sandbox.app import build_sandbox
from qbsync.services import services_for_sandbox

PENDING_INVOICE = "INV-1003"
CLOSE_DATE = date(2026, 10, 31)


def preflight_sandbox() -> Any:
    """preflight-risks.json plus what the format cannot express: qbsync's own grant issued 95 days ago, and an
    invoice dated the day after the close date, created in Suprata but not pushed yet (no engine tick)."""
    sandbox = build_sandbox("preflight-risks")
    now = sandbox.clock.now()
    sandbox.issue_qbsync_grant(issued_at=now - timedelta(days=95))
    sandbox.player.apply(
        sc.InvoiceCreated(
            at=now,
            number=PENDING_INVOICE,
            customer="C-1003",
            txn_date=CLOSE_DATE + timedelta(days=1),
            tax_category="8",
            lines=[sc.LineSpec(sku="SVC-DRAIN")],
        )
    )
    return sandbox


def services_for(sandbox: Any, data_dir: Path, profile: str = "demo") -> Any:
    return services_for_sandbox(sandbox, data_dir, profile=profile)


def history_for(data_dir: Path) -> CheckHistory:
    return CheckHistory(history_path(data_dir))
