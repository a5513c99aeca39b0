"""Views for ``qbsync sandbox``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from qbsync.render.layout import FitTable

if TYPE_CHECKING:
    from qbsync.context import Env
    from qbsync.sandbox_service import ServingInfo


def render_scenarios(console: Console, data: Any) -> None:
    table = FitTable(header_style="bold", show_edge=False)
    for name in ("scenario", "patterns", "what it holds"):
        table.add_column(name, overflow="fold")
    for s in data["scenarios"]:
        table.add_row(s.name, " ".join(s.patterns) or "-", escape(f"{s.title}: {s.description}"))
    console.print(table)
    console.print(
        "\nUse one: [bold]qbsync diagnose --demo --scenario p3-closed-period[/]   "
        "or serve it: [bold]qbsync sandbox serve --scenario demo[/]"
    )


def render_serving(env: Env, info: ServingInfo) -> None:
    """The URLs and a ready-made profile, on stdout (JSON with --format json), then wait for Ctrl-C."""
    env_lines = {f"QBSYNC_{k.upper()}": v for k, v in info.profile.items()}
    env_lines["QBSYNC_NOW"] = info.now  # the scenario's own "now", so ages read as they do in-process
    if env.json_output:
        from qbsync.exit_codes import ExitCode
        from qbsync.render.output import emit
        from qbsync.result import Outcome

        data = {
            "scenario": info.scenario,
            "base_url": info.base_url,
            "qbo_base_url": info.qbo_base_url,
            "suprata_base_url": info.suprata_base_url,
            "discovery_url": info.discovery_url,
            "environment": env_lines,
        }
        emit(env, Outcome("sandbox", ExitCode.OK, data))
        return
    out = env.out
    out.print(f"Sandbox scenario [bold]{escape(info.scenario)}[/] on {info.base_url} (127.0.0.1 only)")
    out.print(f"  QuickBooks API   {info.qbo_base_url}/v3/company/{info.profile['qbo_realm_id']}/...")
    out.print(f"  Suprata API      {info.suprata_base_url}/api/v1/...")
    out.print(f"  Intuit sign-in   {info.discovery_url}")
    out.print("\nPoint qbsync at it from another terminal (sandbox credentials, not secrets):")
    for name, value in env_lines.items():
        out.print(f"  export {name}={value}", soft_wrap=True, highlight=False, markup=False)
    out.print("  qbsync reconnect --no-browser && qbsync diagnose")
    out.print(
        f"\nTry: curl -s -H 'Authorization: Bearer {info.profile['suprata_api_key']}' "
        f"{info.suprata_base_url}/api/v1/quickbooks/connection",
        soft_wrap=True,
        markup=False,
    )
    out.print("\nCtrl-C stops it.")
    out.file.flush()
