"""The terminal view of ``qbsync trace``. By default one screen (render/trace_brief.py); ``--details`` the
verdict and every fix step, both sides side by side, lines, sync attempts and a timeline, paged on a terminal.

Times are shown in the business's time zone (Suprata's account setting).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from qbsync.render.explain_view import numbered
from qbsync.render.layout import FitTable, rows
from qbsync.render.words import sync_state, trigger
from qbsync.tracing.model import BalanceItem, CustomerTrace, Finding, QboInvoice, RecordTrace, SupInvoice, Verdict

MAX_TIMELINE = 40
MAX_ITEMS = 60


def render_trace(console: Console, result: RecordTrace | CustomerTrace, *, details: bool = False) -> None:
    from qbsync.render import layout

    if not details:
        from qbsync.render.trace_brief import brief_customer, brief_record

        brief = brief_customer(console, result) if isinstance(result, CustomerTrace) else brief_record(console, result)
        layout.show(console, brief, page=False)
        return
    full = _customer_details(result) if isinstance(result, CustomerTrace) else _record_details(result)
    layout.show(console, full, page=True)  # through the pager on a terminal when taller than the screen


# --- shared -------------------------------------------------------------------------------------------------


def _usd(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return f"-${abs(value):,.2f}" if value < 0 else f"${value:,.2f}"


def _tz(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception:
        return ZoneInfo("UTC")


def _when(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else "-"


def _day(value: date | None) -> str:
    return value.isoformat() if value else "-"


def _verdict_panel(verdict: Verdict, subject: str) -> Panel:
    if verdict.agree:
        return Panel(
            Text(verdict.headline),
            title=f"{escape(subject)} · both sides agree",
            border_style="green",
            title_align="left",
        )
    parts: list[Any] = [Text(verdict.headline)]
    if verdict.fix:
        parts += [Text(""), Text.from_markup("[bold]What to do[/]"), numbered(escape(step) for step in verdict.fix)]
    for warning in verdict.warnings:  # wrapped lines stay under the warning, not under the "!"
        parts.append(rows([("!", escape(warning))], label_style="yellow", indent=2))
    return Panel(
        Group(*parts), title=f"{escape(subject)} · the two sides differ", border_style="red", title_align="left"
    )


def _findings(findings: list[Finding]) -> Table:
    table = FitTable(title="Findings", title_justify="left", title_style="bold", header_style="bold", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("what", overflow="fold", max_width=90)
    table.add_column("pattern")
    table.add_column("who")
    for n, f in enumerate(findings, 1):
        table.add_row(str(n), escape(f.says), f.pattern, f.fix_by)
    return table


def _notes(notes: list[str]) -> list[Any]:
    return [Text.from_markup(f"[dim]note: {escape(note)}[/]") for note in notes]


# --- one record ---------------------------------------------------------------------------------------------


def _record_details(r: RecordTrace) -> list[Any]:
    out: list[Any] = []
    tz = _tz(r.timezone)
    company = f"{escape(r.company)} · " if r.company else ""
    out.append(f"[bold]{company}trace {escape(r.number)}[/] [dim]({r.kind}, read-only, times in {r.timezone})[/]")
    out.append(_verdict_panel(r.verdict, r.number))
    if len(r.findings) > 1:
        out.append(_findings(r.findings))
    if r.invoice is not None:
        out.append(_invoice_table(r.invoice, r.qbo_invoices, tz))
        if r.invoice.lines or any(q.lines for q in r.qbo_invoices):
            out.append(_lines_table(r.invoice, _first_live(r.qbo_invoices)))
    elif r.qbo_invoices:
        out.append(_invoices_brief(r.qbo_invoices))
    if r.payments or r.qbo_payments:
        out.append(_payments_table(r))
    if r.invoice is not None and r.invoice.attempts:
        out.append(_attempts_table(r.invoice.attempts, tz, f"Sync attempts for {r.invoice.number}"))
    for p in r.payments:
        if p.attempts and r.kind == "payment":
            out.append(_attempts_table(p.attempts, tz, f"Sync attempts for {p.number}"))
    out.append(_timeline_table(r, tz))
    out += _notes(r.notes)
    return out


def _first_live(qbos: list[QboInvoice]) -> QboInvoice | None:
    return next((q for q in qbos if q.linked and q.status not in ("deleted", "missing")), None) or next(
        (q for q in qbos if q.status not in ("deleted", "missing")), None
    )


def _invoice_table(s: SupInvoice, qbos: list[QboInvoice], tz: ZoneInfo) -> Table:
    table = FitTable(title="Side by side", title_justify="left", title_style="bold", header_style="bold")
    table.add_column("")
    table.add_column(f"Suprata {escape(s.number)}", overflow="fold")
    for q in qbos:
        role = "linked" if q.linked else "same number"
        table.add_column(f"QuickBooks {q.id} ({role})", overflow="fold")
    rows: list[tuple[str, str, list[str]]] = [
        ("status", f"{s.status}, {sync_state(s.sync_state)}", [q.status for q in qbos]),
        ("customer", s.customer or s.customer_id, [q.customer or (q.customer_id or "-") for q in qbos]),
        ("date", _day(s.txn_date), [_day(q.txn_date) for q in qbos]),
        ("due", _day(s.due_date), [_day(q.due_date) for q in qbos]),
        ("lines", str(len(s.lines)), [str(len(q.lines)) if q.created_at else "-" for q in qbos]),
        ("subtotal", _usd(s.subtotal), [_usd(q.subtotal) for q in qbos]),
        ("tax", _usd(s.tax_total), [_usd(q.tax_total) for q in qbos]),
        ("total", _usd(s.total), [_usd(q.total) for q in qbos]),
        ("balance", _usd(s.balance), [_usd(q.balance) for q in qbos]),
        ("created", _when(s.created_at, tz), [_when(q.created_at, tz) for q in qbos]),
        ("changed", _when(s.updated_at, tz), [_when(q.deleted_at or q.updated_at, tz) for q in qbos]),
    ]
    for label, left, rights in rows:
        differs = any(rv not in ("-", left) for rv in rights) and label not in ("created", "changed", "status")
        style = "bold red" if differs else ""
        table.add_row(label, escape(left), *[escape(v) for v in rights], style=style)
    return table


def _lines_table(s: SupInvoice, q: QboInvoice | None) -> Table:
    table = FitTable(title="Lines", title_justify="left", title_style="bold", header_style="bold")
    table.add_column("#", justify="right")
    table.add_column("Suprata item", overflow="fold")
    table.add_column("qty × price", justify="right")
    table.add_column("amount", justify="right")
    table.add_column(f"QuickBooks {q.id} item" if q else "QuickBooks", overflow="fold")
    table.add_column("qty × price", justify="right")
    table.add_column("amount", justify="right")
    qlines = q.lines if q else []
    for i in range(max(len(s.lines), len(qlines))):
        a = s.lines[i] if i < len(s.lines) else None
        b = qlines[i] if i < len(qlines) else None
        left = [escape(a.item or ""), _qp(a.quantity, a.unit_price), _usd(a.amount)] if a else ["", "", ""]
        right = (
            [escape(b.item or b.item_qbo_id or ""), _qp(b.quantity, b.unit_price), _usd(b.amount)]
            if b
            else ["", "", ""]
        )
        differs = a is None or b is None or a.amount != b.amount
        table.add_row(str(i + 1), *left, *right, style="bold red" if differs else "")
    return table


def _qp(qty: Decimal | None, price: Decimal | None) -> str:
    if qty is None and price is None:
        return ""
    q = "" if qty is None else f"{Decimal(qty).normalize():f}"
    return f"{q} × {_usd(price)}"


def _invoices_brief(qbos: list[QboInvoice]) -> Table:
    table = FitTable(title="QuickBooks invoices it pays", title_justify="left", title_style="bold", header_style="bold")
    for name in ("QuickBooks id", "number", "status", "total", "balance", "payments"):
        table.add_column(name)
    for q in qbos:
        table.add_row(q.id, q.doc_number or "-", q.status, _usd(q.total), _usd(q.balance), ", ".join(q.payment_ids))
    return table


def _payments_table(r: RecordTrace) -> Table:
    table = FitTable(title="Payments", title_justify="left", title_style="bold", header_style="bold")
    for name in ("side", "payment", "date", "amount", "applied", "state"):
        table.add_column(name, overflow="fold")
    linked = {p.qbo_id for p in r.payments if p.qbo_id}
    for p in r.payments:
        applied = ", ".join(f"{a.invoice_number or a.invoice_id} {_usd(a.amount)}" for a in p.applied)
        state = sync_state(p.sync_state) + (f" as {p.qbo_id}" if p.qbo_id else "")
        table.add_row("Suprata", p.number, _day(p.txn_date), _usd(p.amount), escape(applied), state)
    for q in r.qbo_payments:
        applied = ", ".join(f"{a.invoice_number or a.qbo_invoice_id} {_usd(a.amount)}" for a in q.applied) or "-"
        if q.unapplied:
            applied += f" (unapplied {_usd(q.unapplied)})"
        who = f"for {q.suprata_number}" if q.suprata_number else "not known to Suprata"
        ref = f" ref {q.reference}" if q.reference else ""
        style = "bold red" if q.status != "ok" or (q.suprata_number is None and q.id not in linked) else ""
        table.add_row(
            "QuickBooks",
            f"{q.id}{escape(ref)}",
            _day(q.txn_date),
            _usd(q.total),
            escape(applied),
            f"{q.status}, {who}",
            style=style,
        )
    return table


def _attempts_table(attempts: list[Any], tz: ZoneInfo, title: str) -> Table:
    table = FitTable(title=title, title_justify="left", title_style="bold", header_style="bold")
    for name in ("#", "when", "pushed by", "outcome", "QuickBooks id", "request id", "error"):
        whole = name in ("#", "when", "outcome", "QuickBooks id", "request id")  # codes and times never wrap
        table.add_column(name, no_wrap=whole, max_width=70 if name == "error" else None)
    for a in attempts:
        err = ""
        if a.outcome == "failed":
            code = f"[{a.error_code}] " if a.error_code else ""
            err = f"{code}{a.error or a.error_kind}" + (f" ({a.pattern})" if a.pattern else "")
        table.add_row(
            str(a.attempt),
            _when(a.at, tz),
            trigger(a.trigger),
            a.outcome,
            a.qbo_id or "-",
            a.request_id or "-",  # whole: support searches for it
            escape(err),
            style="red" if a.outcome == "failed" else "",
        )
    return table


def _timeline_table(r: RecordTrace, tz: ZoneInfo) -> Table:
    table = FitTable(title="Timeline", title_justify="left", title_style="bold", header_style="bold")
    table.add_column("when")
    table.add_column("where")
    table.add_column("what", overflow="fold")
    events = r.timeline
    if len(events) > MAX_TIMELINE:
        events = events[-MAX_TIMELINE:]
        table.caption = f"last {MAX_TIMELINE} of {len(r.timeline)} events (--format json lists all)"
    for e in events:
        where = "Suprata" if e.side == "suprata" else "QuickBooks"
        table.add_row(_when(e.at, tz), where, escape(e.what), style="cyan" if e.side == "quickbooks" else "")
    return table


# --- one customer -------------------------------------------------------------------------------------------


def _customer_details(c: CustomerTrace) -> list[Any]:
    from qbsync.render.trace_brief import item_groups

    out: list[Any] = []
    company = f"{escape(c.company)} · " if c.company else ""
    out.append(f"[bold]{company}trace customer {escape(c.name)} ({escape(c.number)})[/] [dim](read-only)[/]")
    groups = item_groups(c.items)
    if c.verdict.agree or not groups:
        out.append(_verdict_panel(c.verdict, c.name))
    else:
        out.append(_customer_panel(c, groups))
    balances = FitTable(title="Balance", title_justify="left", title_style="bold", header_style="bold")
    qbo = f"QuickBooks customer {c.qbo_customer_id}" if c.qbo_customer_id else "QuickBooks (not there)"
    for name in ("", "Suprata", qbo, "difference"):
        balances.add_column(name, justify="right")
    balances.add_row("owed", _usd(c.suprata_balance), _usd(c.qbo_balance), _usd(c.difference))
    balances.add_row("invoices", str(c.counts.get("suprata_invoices", 0)), str(c.counts.get("qbo_invoices", 0)), "")
    balances.add_row("payments", str(c.counts.get("suprata_payments", 0)), str(c.counts.get("qbo_payments", 0)), "")
    out.append(balances)
    if c.items:
        # Amounts per document; the reason and its fix are said once per group in the panel above.
        reason = {id(m): n for n, members in enumerate(groups, 1) for m in members}
        table = FitTable(
            title="What explains the difference (Suprata minus QuickBooks)",
            title_justify="left",
            title_style="bold",
            header_style="bold",
        )
        names = ("record", "Suprata", "QuickBooks", "effect", *(("reason",) if len(groups) > 1 else ()))
        for name in names:
            table.add_column(name, justify="left" if name == "record" else "right", no_wrap=name != "record")
        pad = [""] * (len(names) - 4)
        for item in c.items[:MAX_ITEMS]:
            cells = [escape(item.record), _usd(item.suprata), _usd(item.quickbooks), _usd(item.amount)]
            table.add_row(*cells, *([str(reason[id(item)])] if pad else []))
        if len(c.items) > MAX_ITEMS:
            table.add_row(f"{len(c.items) - MAX_ITEMS} more (--format json lists all)", "", "", "", *pad)
        table.add_section()
        table.add_row("explained", "", "", _usd(c.explained), *pad)
        if c.unexplained:
            table.add_row("[bold red]unexplained[/]", "", "", _usd(c.unexplained), *pad)
        out.append(table)
    elif c.unexplained:
        out.append(f"[bold red]{_usd(c.unexplained)} unexplained[/]")
    out += _notes(c.notes)
    return out


def _customer_panel(c: CustomerTrace, groups: list[list[BalanceItem]]) -> Panel:
    """The verdict with each reason once: the records it covers, what it is, and its fix (not once per record)."""
    from qbsync.render import layout

    parts: list[Any] = [Text(c.verdict.headline)]
    for n, members in enumerate(groups, 1):
        records = layout.short_lists(", ".join(m.record for m in members))
        effect = _usd(sum((m.amount for m in members), Decimal(0)))
        parts += [
            Text(""),
            layout.hanging(f"{n}.", f"[bold]{escape(records)}[/] ({effect}): {escape(members[0].says)}"),
        ]
        fixes = list(dict.fromkeys(m.fix for m in members if m.fix))
        for fix in fixes:
            parts.append(layout.rows([("fix:", escape(fix))], label_style="dim", indent=3))
    per_record = {f"{m.record}: {m.fix}" for m in c.items if m.fix}
    rest = [step for step in c.verdict.fix if step not in per_record]
    if rest:
        parts += [Text(""), *layout.steps_with_commands(rest)]
    for warning in c.verdict.warnings:
        parts.append(layout.rows([("!", escape(warning))], label_style="yellow"))
    return Panel(
        Group(*parts), title=f"{escape(c.name)} · the two sides differ", border_style="red", title_align="left"
    )
