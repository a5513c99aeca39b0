"""The one-screen view of ``qbsync status``."""

from __future__ import annotations

from datetime import datetime

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from qbsync.diagnosis.report import ConnectionView
from qbsync.health.status import StatusReport
from qbsync.render.layout import command
from qbsync.render.words import Clockface, plainly, plural

VERDICT = {0: "[green]OK[/]", 1: "[yellow]WARNING[/]", 2: "[bold red]CRITICAL[/]", 3: "[bold]UNKNOWN[/]"}


def render_status(console: Console, r: StatusReport) -> None:
    clock = Clockface(getattr(r, "timezone", None))
    company = escape(r.company or "your QuickBooks company")
    console.print(f"[bold]{company}[/] (realm {escape(r.realm_id or '?')}): {VERDICT.get(r.exit_code, '?')}")
    lines = [
        ("Suprata → QuickBooks" if c.who == "suprata" else "qbsync → QuickBooks", _connection(c, clock))
        for c in r.connections
    ]
    if r.suprata_reachable:
        lines.append(("Suprata", "[green]reachable[/]"))
    else:
        lines.append(("Suprata", f"[bold red]not reachable[/]: {escape(r.suprata_error or '?')}"))
    if r.quickbooks_unavailable:
        lines.append(("QuickBooks", f"[yellow]{escape(r.quickbooks_unavailable)}[/]"))
    lines.append(("Last successful sync", _ago(r.last_success_at, r.generated_at, clock)))
    f = r.failures
    if f.total:
        lines.append(("Failing now", f"{plural(f.total, 'record')}: {_patterns(f.current)}"))
        lines.append(("  failed in last 24 h", _patterns(f.last_24h) or "none"))
        lines.append(("  failed in last 7 days", _patterns(f.last_7d) or "none"))
    else:
        lines.append(("Failing now", "[green]none[/]"))
    if r.changed_in_quickbooks:
        lines.append(("Changed in QuickBooks only", _changed(r)))
    b = r.backlog
    if b.count:
        states = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(b.by_state.items()))
        oldest = (
            f"; oldest {escape(b.oldest_record or '?')}, {plural(b.oldest_age_days or 0, 'day')} old"
            if b.oldest_record
            else ""
        )
        lines.append(("Backlog (not in QuickBooks)", f"{b.count} ({states}){oldest}"))
    else:
        lines.append(("Backlog (not in QuickBooks)", "[green]none[/]"))
    closed = str(r.books_closed_through) if r.books_closed_through else "not closed"
    lines.append(("Books closed through", "unknown (QuickBooks not read)" if r.quickbooks_unavailable else closed))
    t = r.throttling
    if t.throttled_24h or t.unavailable_24h:
        last = f", last {clock.when(t.last_throttled_at)}" if t.last_throttled_at else ""
        lines.append(
            (
                "Throttling (24 h)",
                f"[yellow]{plural(t.throttled_24h, 'push', 'pushes')} answered 429 (too many requests)[/]{last}; "
                f"{t.unavailable_24h} unavailable or timed out",
            )
        )
    else:
        lines.append(("Throttling (24 h)", "none"))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for label, value in lines:
        grid.add_row(label, value)
    console.print(grid)
    for warning in r.warnings:
        console.print(f"[yellow]! {escape(plainly(warning, clock))}[/]")
    if r.failures.total or r.changed_in_quickbooks:
        console.print("Next, the plan, confirmed from QuickBooks:")
        console.print(command("qbsync diagnose"))
    console.print(
        f"[dim]Times in {clock.name}. {r.requests.get('suprata', 0)} Suprata and "
        f"{plural(r.requests.get('quickbooks', 0), 'QuickBooks request')}.[/]"
    )


def _changed(r: StatusReport) -> str:
    """``INV-1001 voided, INV-1004 deleted`` (at most six named): open in Suprata, changed in QuickBooks."""
    changes = r.changed_in_quickbooks
    named = ", ".join(f"{escape(c.number)} {escape(c.change)}" for c in changes[:6])
    more = f" and {len(changes) - 6} more" if len(changes) > 6 else ""
    return f"[bold red]{plural(len(changes), 'record')}[/]: {named}{more}"


def _connection(c: ConnectionView, clock: Clockface) -> str:
    parts = [_state(c)]
    if c.realm_id:
        parts.append(f"realm {escape(c.realm_id)}")
    if c.last_refresh_at:
        parts.append(f"last refresh {clock.when(c.last_refresh_at)}")
    parts.append(_expiry(c))
    if c.reconnect:
        parts.append(f"reconnect: {escape(c.reconnect)}")
    return " · ".join(parts)


def _state(c: ConnectionView) -> str:
    if c.status == "connected":
        return "[green]connected[/]"
    if c.status == "not_configured":
        return "[yellow]not set up[/]"
    return f"[bold red]{escape(c.status)}[/]"


def _expiry(c: ConnectionView) -> str:
    if c.days_left is None:
        return escape(c.note or "-")
    text = f"refresh token {plural(c.days_left, 'day')} left"
    return f"[yellow]{text}[/]" if c.days_left <= 14 else text


def _patterns(counts: dict[str, int]) -> str:
    return ", ".join(f"{p} {n}" for p, n in counts.items())


def _ago(when: datetime | None, now: datetime, clock: Clockface) -> str:
    if when is None:
        return "[yellow]never[/]"
    hours = (now - when).total_seconds() / 3600
    ago = f"{hours:.0f} h ago" if hours < 48 else f"{hours / 24:.0f} days ago"
    return f"{clock.when(when)} ({ago})"
