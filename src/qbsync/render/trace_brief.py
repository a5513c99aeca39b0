"""The one-screen view of ``qbsync trace``: the verdict, the chain of what blocks the record, the one next step
(its command on its own line), and each side's key facts in a line. ``--details`` shows everything else
(side by side, lines, sync attempts, timeline; every document of a customer) from the same result.

Times are in the business's time zone; the JSON keeps UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from rich.console import Console, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from qbsync.render import layout
from qbsync.render.words import Clockface, plainly, plural, sync_state, who
from qbsync.tracing.model import BalanceItem, CustomerTrace, QboInvoice, RecordTrace, Verdict

MAX_CHAIN = 4  # findings listed; the rest are counted (--details lists all)
MAX_FACT_ROWS = 3  # QuickBooks documents named in the facts; the rest are counted


def usd(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return f"-${abs(value):,.2f}" if value < 0 else f"${value:,.2f}"


def rerun_args(result: RecordTrace | CustomerTrace) -> str:
    if isinstance(result, CustomerTrace):
        return f"--customer {result.number}"
    return result.number


def heading(result: RecordTrace | CustomerTrace) -> Text:
    company = f"{result.company} · " if result.company else ""
    if isinstance(result, CustomerTrace):
        subject = f"trace customer {result.name} ({result.number})"
    else:
        subject = f"trace {result.number} ({result.kind})"
    text = Text(company + subject, style="bold")
    text.append(f" · {result.timezone} time", style="dim")
    return text


def _verdict_line(verdict: Verdict) -> Text:
    if verdict.agree:
        return Text("Both sides agree.", style="bold green")
    return Text("The two sides differ.", style="bold red")


def _next_step(verdict: Verdict, steps: list[str], clock: Clockface, fix_by: str | None) -> list[RenderableType]:
    """The first step in words, its command (if it names one) on its own line, and how many follow."""
    if not steps:
        return []
    words, cmd = layout.split_command(plainly(steps[0], clock))
    words = words[:1].upper() + words[1:]  # a fix written as a fragment ("re-create it ...") starts a sentence here
    label = f"Next step, for {who(fix_by)}:" if fix_by else "Next step:"
    out: list[RenderableType] = [Text(label, style="bold"), Padding(Text(layout.short_lists(words)), (0, 0, 0, 2))]
    if cmd:
        out.append(layout.command(cmd))
    out += [
        layout.rows([("!", escape(layout.short_lists(plainly(w, clock))))], label_style="yellow")
        for w in verdict.warnings
    ]
    return out


def _facts(items: list[tuple[str, str]]) -> Table:
    """Each side's key facts in a line or two: the label column is whole and left-aligned."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column()
    for label, text in items:
        grid.add_row(label, text)
    return grid


def _more(said: str, rerun: str) -> list[RenderableType]:
    return [Text(said, style="dim"), layout.command(f"qbsync trace {rerun} --details")]


# --- one record ---------------------------------------------------------------------------------------------


def brief_record(console: Console, r: RecordTrace) -> list[RenderableType]:
    clock = Clockface(r.timezone)
    out: list[RenderableType] = [heading(r)]
    if r.verdict.agree:  # its headline says so, with what was compared
        out.append(Text(plainly(r.verdict.headline, clock), style="green"))
    elif r.findings:
        # The chain: what is wrong with this record and, through the blocker model, what it waits on.
        chain = [
            (
                f"{n}." if len(r.findings) > 1 else "·",
                f"{escape(plainly(f.says, clock).rstrip('.'))} [dim]({f.pattern})[/]",
            )
            for n, f in enumerate(r.findings[:MAX_CHAIN], 1)
        ]
        out += [_verdict_line(r.verdict), layout.rows(chain, indent=2)]
        if len(r.findings) > MAX_CHAIN:
            out.append(Text(f"  and {plural(len(r.findings) - MAX_CHAIN, 'more finding')} (--details)", style="dim"))
    else:
        out += [_verdict_line(r.verdict), layout.rows([("·", escape(plainly(r.verdict.headline, clock)))], indent=2)]
    fix_by = r.findings[0].fix_by if r.findings else ("bookkeeper" if r.verdict.fix else None)
    out += _next_step(r.verdict, r.verdict.fix, clock, fix_by)
    out.append(_facts(_record_facts(r, clock)))
    later = len(r.verdict.fix) - 1
    said = "both sides in full, sync attempts and timeline:"
    out += _more(f"The other {plural(later, 'step')}, {said}" if later > 0 else said.capitalize(), rerun_args(r))
    return out


def _record_facts(r: RecordTrace, clock: Clockface) -> list[tuple[str, str]]:
    facts: list[tuple[str, str]] = []
    s = r.invoice
    if s is not None:
        facts.append(
            (
                "Suprata",
                escape(
                    f"{s.number} · {s.status}, {sync_state(s.sync_state)} · {s.customer or s.customer_id} · "
                    f"{clock.day(s.txn_date)} · {usd(s.total)}, balance {usd(s.balance)}"
                ),
            )
        )
    for p in r.payments if r.kind == "payment" else []:
        applied = ", ".join(a.invoice_number or a.invoice_id or "?" for a in p.applied)
        facts.append(
            (
                "Suprata",
                escape(
                    f"{p.number} · {sync_state(p.sync_state)} · {clock.day(p.txn_date)} · {usd(p.amount)}"
                    + (f" for {applied}" if applied else "")
                ),
            )
        )
    facts += _qbo_invoice_facts(r.qbo_invoices)
    if s is not None and not r.qbo_invoices:
        facts.append(("QuickBooks", "no invoice"))
    if r.kind == "payment" or r.payments or r.qbo_payments:
        facts += _payment_facts(r)
    for d in r.differences[:2]:
        facts.append(("Differs", escape(d.says)))
    return facts


def _qbo_invoice_facts(qbos: list[QboInvoice]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for i, q in enumerate(qbos[:MAX_FACT_ROWS]):
        role = "linked" if q.linked else ("same number" if q.found_by == "DocNumber" else q.found_by)
        what = f"invoice {q.id} ({role}) · {q.status.replace('_', ' ')}"
        if q.total is not None:
            what += f" · {usd(q.total)}, balance {usd(q.balance)}"
        out.append(("QuickBooks" if i == 0 else "", escape(what)))
    if len(qbos) > MAX_FACT_ROWS:
        out.append(("", f"and {plural(len(qbos) - MAX_FACT_ROWS, 'more invoice')}"))
    return out


def _payment_facts(r: RecordTrace) -> list[tuple[str, str]]:
    parts: list[str] = []
    if r.kind != "payment":
        for p in r.payments:
            where = f"QuickBooks {p.qbo_id}" if p.qbo_id else sync_state(p.sync_state)
            parts.append(f"{p.number} {usd(p.amount)} → {where}")
    known = {p.qbo_id for p in r.payments if p.qbo_id}
    for q in r.qbo_payments:
        if q.id in known:
            continue
        whose = f"for {q.suprata_number}" if q.suprata_number else "not in Suprata"
        parts.append(f"QuickBooks payment {q.id} {usd(q.total)} ({q.status}, {whose})")
    if not parts:
        return [] if r.kind == "payment" else [("Payments", "none")]
    return [
        (
            "Payments",
            escape(
                "; ".join(parts[:MAX_FACT_ROWS])
                + (f"; and {len(parts) - MAX_FACT_ROWS} more" if len(parts) > MAX_FACT_ROWS else "")
            ),
        )
    ]


# --- one customer -------------------------------------------------------------------------------------------


def item_groups(items: Iterable[BalanceItem]) -> list[list[BalanceItem]]:
    """Documents that differ for the same reason, together: four records waiting on one customer are one line."""
    groups: dict[str, list[BalanceItem]] = {}
    for item in items:
        groups.setdefault(item.says, []).append(item)
    return list(groups.values())


def brief_customer(console: Console, c: CustomerTrace) -> list[RenderableType]:
    clock = Clockface(c.timezone)
    out: list[RenderableType] = [heading(c), _verdict_line(c.verdict), Text(plainly(c.verdict.headline, clock))]
    groups = item_groups(c.items)
    if groups:
        chain = []
        for members in groups[:MAX_CHAIN]:
            records = layout.short_lists(", ".join(m.record for m in members))
            effect = usd(sum((m.amount for m in members), Decimal(0)))
            chain.append(("·", f"[bold]{escape(records)}[/] ({effect}): {escape(plainly(members[0].says, clock))}"))
        out.append(layout.rows(chain, indent=2))
        if len(groups) > MAX_CHAIN:
            out.append(Text(f"  and {plural(len(groups) - MAX_CHAIN, 'more reason')} (--details)", style="dim"))
    first_fix = next((m.fix for members in groups for m in members if m.fix), None)
    steps = [first_fix] if first_fix else c.verdict.fix
    out += _next_step(c.verdict, steps, clock, None)
    out.append(_facts(_customer_facts(c)))
    out += _more("Every document, each fix and the balance in full:", rerun_args(c))
    return out


def _customer_facts(c: CustomerTrace) -> list[tuple[str, str]]:
    n = c.counts
    sup = (
        f"owes {usd(c.suprata_balance)} · {plural(n.get('suprata_invoices', 0), 'invoice')} · "
        f"{plural(n.get('suprata_payments', 0), 'payment')}"
    )
    if c.qbo_customer_id is None:
        qbo = "no such customer (never synced)"
    else:
        qbo = (
            f"customer {c.qbo_customer_id} · owes {usd(c.qbo_balance)} · "
            f"{plural(n.get('qbo_invoices', 0), 'invoice')} · {plural(n.get('qbo_payments', 0), 'payment')}"
        )
    facts = [("Suprata", escape(sup)), ("QuickBooks", escape(qbo))]
    if c.difference:
        explained = "fully explained" if not c.unexplained else f"{usd(c.unexplained)} unexplained"
        facts.append(("Difference", f"{usd(c.difference)} ({explained})"))
    return facts
