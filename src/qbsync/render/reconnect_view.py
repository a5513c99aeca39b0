"""The terminal side of ``qbsync reconnect``: the prompts during the flow, and the result.

Two connections reach QuickBooks and this view never mixes them up: "qbsync's connection" (the one this
command changes) and "Suprata's connection" (Suprata's own, fixed only from Suprata's settings).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from qbsync.auth.reconnect import QbsyncConnectionResult, ReconnectReport, SuprataConnectionResult

if TYPE_CHECKING:
    from qbsync.context import Env

QBSYNC = "qbsync's own QuickBooks connection"
SUPRATA = "Suprata's own QuickBooks connection"


class TerminalUi:
    """What the flow shows while it runs: on stderr, so stdout keeps only the result (or the JSON envelope)."""

    def __init__(self, env: Env) -> None:
        self.env = env

    def _say(self, text: str, *, always: bool = False) -> None:
        if self.env.settings.quiet and not always:
            return
        self.env.err.print(text, soft_wrap=True, highlight=False)

    def show_authorize_url(self, url: str, *, mode: str, redirect_uri: str) -> None:
        link = escape(url)
        if mode == "demo":
            self._say("[dim]demo: the simulated browser opens the sandbox's consent page and presses Approve[/]")
            return
        if mode == "paste":
            # Shown even with -q: without it there is nothing to do.
            self._say("Open this address in a browser (on any computer) and approve qbsync:", always=True)
            self._say(f"\n  {link}\n", always=True)
            self._say(
                f"Your browser then goes to {escape(redirect_uri)}?code=... and may show an error page: that is "
                "expected. Copy the whole address from its address bar.",
                always=True,
            )
            return
        self._say("Sign in with Intuit in your browser and approve qbsync. If no browser opens, visit:")
        self._say(f"\n  {link}\n")

    def browser_not_opened(self, url: str) -> None:
        self._say(
            "[yellow]Could not open a browser here.[/] Open the address above on this computer, or press Ctrl-C "
            "and run [bold]qbsync reconnect --no-browser[/] (for SSH: or forward the port with ssh -L).",
            always=True,
        )
        if self.env.settings.quiet:
            self._say(f"  {escape(url)}", always=True)

    def waiting(self, timeout: float) -> None:
        self._say(f"[dim]Waiting up to {timeout:g} s for the browser (Ctrl-C to stop)...[/]")

    def read_pasted(self) -> str | None:
        stdin = self.env.stdin
        if self.env.stdin_isatty:
            self.env.err.print("Paste the address (or code=... realmId=...): ", end="", soft_wrap=True)
        try:
            line = stdin.readline()
        except (OSError, ValueError):
            return None
        return line.strip() or None


def render_reconnect(console: Console, report: ReconnectReport) -> None:
    q = report.qbsync_connection
    if report.action == "disconnect":
        _disconnected(console, q)
        if report.suprata_connection is None:
            console.print(f"[dim]{SUPRATA} is not affected.[/]")
    else:
        _connected(console, q)
    if report.suprata_connection is not None:
        _suprata(console, report.suprata_connection, report.action)
    for note in report.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)


def _connected(console: Console, q: QbsyncConnectionResult) -> None:
    company = f'"{escape(q.company_name)}"' if q.company_name else "the company"
    if q.status == "connected":
        console.print(
            f"[green]Connected.[/] {QBSYNC} now reaches QuickBooks company {company} (company id {escape(q.realm_id or '?')}).",
            soft_wrap=True,
        )
        _token_lines(console, q)
    elif q.status == "unconfirmed":
        console.print(
            f"[yellow]Connected, not confirmed.[/] {QBSYNC} is stored for company id {escape(q.realm_id or '?')}, "
            "but reading the company back failed.",
            soft_wrap=True,
        )
        _token_lines(console, q)
    else:
        console.print(f"[red]Not connected.[/] {QBSYNC} was not changed.", soft_wrap=True)


def _token_lines(console: Console, q: QbsyncConnectionResult) -> None:
    console.print(f"  tokens: {escape(q.token_file)} (readable only by you)", soft_wrap=True)
    if q.refresh_expires_at:
        console.print(
            f"  stays connected while qbsync runs at least once every 100 days (refresh token good until "
            f"{_day(q.refresh_expires_at)}, renewed on every use)",
            soft_wrap=True,
        )
    if q.hard_expires_at:
        console.print(
            f"  Intuit ends every connection after 5 years: this one by {_day(q.hard_expires_at)}", soft_wrap=True
        )


def _disconnected(console: Console, q: QbsyncConnectionResult) -> None:
    where = f" to company id {escape(q.realm_id)}" if q.realm_id else ""
    if q.status == "disconnected":
        console.print(
            f"[green]Disconnected.[/] {QBSYNC}{where} was revoked at Intuit and its local tokens were deleted.",
            soft_wrap=True,
        )
        console.print("  run [bold]qbsync reconnect[/] to connect again", soft_wrap=True)
    elif q.status == "not_connected":
        console.print(f"Nothing to disconnect: {QBSYNC} is not set up for profile {escape(q.profile)}.", soft_wrap=True)
    else:
        console.print(
            f"[red]Not disconnected.[/] {QBSYNC}{where} is still stored in {escape(q.token_file)}.",
            soft_wrap=True,
        )


def _suprata(console: Console, s: SuprataConnectionResult, action: str) -> None:
    company = f' to "{escape(s.company_name)}"' if s.company_name else ""
    if s.status == "connected":
        left = ""
        if s.refresh_token_expires_at:
            left = f", refresh token good until {_day(s.refresh_token_expires_at)}"
        console.print(f"{SUPRATA}{company}: [green]connected[/]{left}.", soft_wrap=True)
        if action == "disconnect":
            console.print("  (not affected: it is Suprata's, not qbsync's)", soft_wrap=True)
        return
    if s.needs_reconnect:
        console.print(
            f"[bold red]{SUPRATA}{company} is {s.status.upper()}.[/] It is SUPRATA that must be reconnected: "
            f"qbsync reconnect does not fix Suprata's connection, and until Suprata reconnects, nothing reaches "
            f"QuickBooks.",
            soft_wrap=True,
        )
        if s.reconnect_url:
            console.print(f"  reconnect Suprata here: {escape(s.reconnect_url)}", soft_wrap=True)
        else:
            console.print("  reconnect it in Suprata: Settings > Integrations > QuickBooks > Reconnect", soft_wrap=True)
        return
    console.print(f"{SUPRATA}: unknown ({escape(s.note or s.status)})", soft_wrap=True)


def _day(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d") if when else "?"
