"""The terminal view of ``qbsync diagnose``: a summary line, the plan in order, then each cause's records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from qbsync.diagnosis.report import ConnectionView, DiagnosisReport, RootCause
from qbsync.render.explain_view import numbered

MAX_RECORDS = 12
WIDE = 100  # below this a table of seven columns is unreadable: the plan becomes a list
FIX_BY = {"self": "you", "bookkeeper": "bookkeeper", "support": "support"}


def render_diagnosis(console: Console, report: DiagnosisReport) -> None:
    console.print(_headline(report))
    for line in _context_lines(report):
        console.print(line)
    if not report.root_causes:
        console.print("\n[green]Nothing to fix: every record Suprata pushed is in QuickBooks.[/]")
        return
    console.print()
    if console.width >= WIDE:
        console.print(_plan_table(report.root_causes))
    else:
        _plan_list(console, report.root_causes)
    for cause in report.root_causes:
        console.print()
        console.print(_cause_panel(cause))
    if report.edited_in_quickbooks:
        console.print()
        console.print(_edited_table(report))
    console.print()
    console.print(
        "[dim]Never delete in QuickBooks to clear a failure: void instead, so the history stays. "
        "Run one retry after a fix, not many.[/]"
    )


def _headline(report: DiagnosisReport) -> Text:
    s = report.summary
    company = report.company or "your QuickBooks company"
    if not s.failures and not report.root_causes:
        return Text.from_markup(f"[bold]{escape(company)}[/]: no failed syncs.")
    since = f", oldest {_day(s.first_failure_at)}" if s.first_failure_at else ""
    return Text.from_markup(
        f"[bold]{escape(company)}[/]: {s.failures} failed record(s), {s.blocked_records} blocked in all, "
        f"{s.root_causes} root cause(s){since}."
    )


def _context_lines(report: DiagnosisReport) -> list[str]:
    lines = []
    if report.summary.all_failing_since:
        lines.append(
            f"[bold red]Every push since {_when(report.summary.all_failing_since)} has failed[/]: "
            "a connection or service problem, not your data."
        )
    lines.append("Connections: " + "  ·  ".join(_connection(c) for c in report.connections))
    if report.books_closed_through:
        lines.append(f"Books closed through {report.books_closed_through}.")
    lines += [f"[yellow]Note: {escape(note)}[/]" for note in report.notes]
    if report.filters:
        lines.append("[dim]Filters: " + ", ".join(f"{k}={v}" for k, v in report.filters.items()) + "[/]")
    return lines


def _connection(c: ConnectionView) -> str:
    who = "Suprata→QuickBooks" if c.who == "suprata" else "qbsync→QuickBooks"
    if c.status == "connected":
        days = f" (refresh token {c.days_left} days left)" if c.days_left is not None else ""
        return f"{who} [green]connected[/]{days}"
    if c.status == "not_configured":
        return f"{who} [yellow]not set up[/] ({escape(c.note or 'qbsync reconnect')})"
    return f"{who} [bold red]{c.status}[/]" + (f" → {escape(c.reconnect)}" if c.reconnect else "")


def _plan_table(causes: list[RootCause]) -> Table:
    table = Table(
        title="Fix in this order",
        title_justify="left",
        title_style="bold",
        header_style="bold",
        show_lines=False,
        expand=True,
    )
    table.add_column("step", justify="right", no_wrap=True)
    table.add_column("pattern", no_wrap=True)
    table.add_column("what", overflow="fold", ratio=3)
    table.add_column("evidence", overflow="fold", ratio=3)
    table.add_column("blocks", no_wrap=True)
    table.add_column("who", no_wrap=True)
    table.add_column("next", overflow="fold", ratio=2)
    for c in causes:
        table.add_row(
            str(c.step),
            c.pattern,
            escape(c.title),
            escape(_first_evidence(c)),
            _blocks(c.blocks).replace(", ", "\n"),
            FIX_BY.get(c.fix_by, c.fix_by),
            escape(_next(c)),
        )
    return table


def _plan_list(console: Console, causes: list[RootCause]) -> None:
    console.print("[bold]Fix in this order[/]")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(overflow="fold")
    for c in causes:
        grid.add_row(f"[bold]{c.step}.[/]", f"[bold]{c.pattern} {escape(c.title)}[/]")
        grid.add_row("", f"[dim]evidence:[/] {escape(_first_evidence(c))}")
        grid.add_row(
            "",
            f"[dim]blocks:[/] {_blocks(c.blocks)}; [dim]who:[/] {FIX_BY.get(c.fix_by, c.fix_by)}; "
            f"[dim]next:[/] {escape(_next(c))}",
        )
    console.print(grid)


def _first_evidence(c: RootCause) -> str:
    if c.evidence:
        return c.evidence[0].summary
    return "confirmed" if c.confirmed else "not confirmed"


def _next(c: RootCause) -> str:
    if c.next_command:
        return c.next_command
    return "wait: Suprata retries on its own" if c.pattern == "P7" else "-"


def _blocks(blocks: dict[str, int]) -> str:
    order = ("customer", "item", "invoice", "payment")
    parts = [f"{blocks[k]} {k}{'s' if blocks[k] != 1 else ''}" for k in order if blocks.get(k)]
    return ", ".join(parts) or "-"


def _cause_panel(c: RootCause) -> Panel:
    parts: list[Any] = []
    confidence = "confirmed from QuickBooks" if c.confirmed else f"not confirmed (confidence {c.confidence:.0%})"
    if c.unconfirmed:
        confidence = c.unconfirmed  # QuickBooks could not be read in this run
    timing = ""
    if c.first_seen:
        timing = f"; first failed {_when(c.first_seen)}"
        if c.last_seen and c.last_seen != c.first_seen:
            timing += f", last {_when(c.last_seen)}"
    parts.append(Text.from_markup(f"[dim]{escape(confidence)}{escape(timing)}. Retry: {_retry_words(c.retry)}.[/]"))
    for item in c.evidence:
        mark = "✓" if item.supports else "✗"
        parts.append(Text.from_markup(f"  {mark} [dim]{item.source}:[/] {escape(item.summary)}"))
    parts.append(Text.from_markup("[bold]Fix[/]"))
    parts.append(numbered(escape(step) for step in c.steps))
    for warning in c.warnings:
        parts.append(Text.from_markup(f"[yellow]  ! {escape(warning)}[/]"))
    if c.records:
        parts.append(_records_table(c))
    title = f"Step {c.step} · {c.pattern} · {escape(c.title)}"
    return Panel(Group(*parts), title=title, title_align="left", border_style="red" if c.pattern != "P7" else "yellow")


def _retry_words(retry: str) -> str:
    return {"safe": "safe", "unsafe": "unsafe (could duplicate)", "useless_until_fixed": "useless until fixed"}.get(
        retry, retry
    )


def _records_table(c: RootCause) -> Table:
    table = Table(header_style="bold", show_edge=False, pad_edge=False)
    for name in ("record", "customer", "date", "amount", "state", "tries", "QuickBooks said"):
        table.add_column(name, overflow="fold", max_width=60 if name == "QuickBooks said" else None)
    for r in c.records[:MAX_RECORDS]:
        said = r.error or ""
        if r.error_code:
            said = f"[{r.error_code}] {said}"
        table.add_row(
            f"{r.record_type} {r.number or r.record_id}",
            escape(r.customer or ""),
            str(r.txn_date or ""),
            f"${r.amount:,.2f}" if r.amount is not None else "",
            r.state,
            str(r.attempts) if r.attempts else "",
            escape(said),
        )
    if len(c.records) > MAX_RECORDS:
        table.add_row(f"… {len(c.records) - MAX_RECORDS} more", "", "", "", "", "", "(--format json lists all)")
    return table


def _edited_table(report: DiagnosisReport) -> Table:
    table = Table(
        title="Changed directly in QuickBooks after Suprata synced them",
        title_justify="left",
        title_style="bold",
        header_style="bold",
    )
    for name in ("record", "QuickBooks id", "change", "when", "Suprata synced"):
        table.add_column(name)
    for e in report.edited_in_quickbooks:
        table.add_row(
            f"{e.record_type} {e.number or ''}", e.qbo_id, e.change, _when(e.changed_at), _when(e.suprata_synced_at)
        )
    return table


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "?"


def _day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "?"
