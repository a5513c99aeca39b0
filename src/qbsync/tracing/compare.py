"""Side-by-side comparison of one invoice or payment: each difference named in plain words."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from qbsync.tracing.model import Difference, LineView, QboInvoice, QboPayment, SupInvoice, SupPayment
from qbsync.wording import plural


def usd(amount: Decimal | None) -> str:
    if amount is None:
        return "-"
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def _d(value: date | None) -> str | None:
    return value.isoformat() if value else None


def compare_invoice(sup: SupInvoice, qbo: QboInvoice, *, lines: bool = True) -> list[Difference]:
    """Amounts, dates, customer, lines and tax; the balance is named last (payments explain it)."""
    out: list[Difference] = []
    if qbo.status in ("deleted", "missing"):
        return out
    if qbo.status == "voided":
        if sup.status != "void":
            out.append(Difference("status", sup.status, "voided", f"voided in QuickBooks, {sup.status} in Suprata"))
        return out
    if sup.status == "void":
        out.append(Difference("status", "void", qbo.status, "void in Suprata, not voided in QuickBooks"))
    if sup.customer_qbo_id and qbo.customer_id and sup.customer_qbo_id != qbo.customer_id:
        out.append(
            Difference(
                "customer",
                f"{sup.customer} (QuickBooks customer {sup.customer_qbo_id})",
                f"{qbo.customer or '?'} (customer {qbo.customer_id})",
                f"customer: Suprata {sup.customer}, QuickBooks {qbo.customer or 'customer ' + str(qbo.customer_id)}",
            )
        )
    for name, a, b in (("txn_date", sup.txn_date, qbo.txn_date), ("due_date", sup.due_date, qbo.due_date)):
        if a and b and a != b:
            label = "date" if name == "txn_date" else "due date"
            out.append(Difference(name, _d(a), _d(b), f"{label}: Suprata {_d(a)}, QuickBooks {_d(b)}"))
    if lines:
        out.extend(_compare_lines(sup.lines, qbo.lines))
    for name, label, ours, theirs in (
        ("subtotal", "subtotal", sup.subtotal, qbo.subtotal),
        ("tax", "tax", sup.tax_total, qbo.tax_total),
        ("total", "total", sup.total, qbo.total),
        ("balance", "balance due", sup.balance, qbo.balance),
    ):
        if ours is not None and theirs is not None and ours != theirs:
            out.append(
                Difference(name, usd(ours), usd(theirs), f"{label}: Suprata {usd(ours)}, QuickBooks {usd(theirs)}")
            )
    return out


def _line_key(line: LineView) -> tuple[str | None, Decimal | None, Decimal | None, Decimal]:
    return (line.item_qbo_id, _n(line.quantity), _n(line.unit_price), line.amount)


def _n(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).normalize()


def _describe(line: LineView) -> str:
    qty = f" ×{_n(line.quantity)}" if line.quantity is not None and line.quantity != 1 else ""
    return f"{line.item or line.description or 'line ' + str(line.line_no)}{qty} ({usd(line.amount)})"


def _compare_lines(sup: list[LineView], qbo: list[LineView]) -> list[Difference]:
    remaining = list(qbo)
    only_sup: list[LineView] = []
    for line in sup:
        match = next((q for q in remaining if _line_key(q) == _line_key(line)), None)
        if match is None and line.item_qbo_id is None:  # an item Suprata never linked: compare by amount
            match = next((q for q in remaining if (_n(q.quantity), q.amount) == (_n(line.quantity), line.amount)), None)
        if match is not None:
            remaining.remove(match)
        else:
            only_sup.append(line)
    if not only_sup and not remaining:
        return []
    parts = []
    if only_sup:
        parts.append("only in Suprata: " + "; ".join(_describe(ln) for ln in only_sup))
    if remaining:
        parts.append("only in QuickBooks: " + "; ".join(_describe(ln) for ln in remaining))
    return [
        Difference(
            "lines",
            plural(len(sup), "line"),
            plural(len(qbo), "line"),
            f"lines: Suprata has {len(sup)}, QuickBooks {len(qbo)}; " + ", ".join(parts),
        )
    ]


def compare_payment(sup: SupPayment, qbo: QboPayment, customer_qbo_id: str | None) -> list[Difference]:
    out: list[Difference] = []
    if qbo.status in ("deleted", "missing"):
        return out
    if qbo.status == "voided":
        return [Difference("status", "received", "voided", f"{sup.number} is voided in QuickBooks only")]
    if qbo.total is not None and qbo.total != sup.amount:
        out.append(
            Difference(
                "amount",
                usd(sup.amount),
                usd(qbo.total),
                f"amount: Suprata {usd(sup.amount)}, QuickBooks {usd(qbo.total)}",
            )
        )
    if qbo.txn_date and qbo.txn_date != sup.txn_date:
        out.append(
            Difference(
                "txn_date",
                _d(sup.txn_date),
                _d(qbo.txn_date),
                f"date: Suprata {_d(sup.txn_date)}, QuickBooks {_d(qbo.txn_date)}",
            )
        )
    if customer_qbo_id and qbo.customer_id and qbo.customer_id != customer_qbo_id:
        out.append(
            Difference(
                "customer",
                f"QuickBooks customer {customer_qbo_id}",
                f"{qbo.customer or ''} (customer {qbo.customer_id})",
                f"customer: QuickBooks has {qbo.customer or qbo.customer_id}",
            )
        )
    want = {a.qbo_invoice_id: a.amount for a in sup.applied}
    have = {a.qbo_invoice_id: a.amount for a in qbo.applied}
    if want != have:
        names = {a.qbo_invoice_id: a.invoice_number for a in [*sup.applied, *qbo.applied]}

        def spell(apps: dict[str | None, Decimal]) -> str:
            return ", ".join(f"{names.get(k) or 'invoice ' + str(k)} {usd(v)}" for k, v in apps.items()) or "nothing"

        out.append(
            Difference(
                "applied",
                spell(want),
                spell(have),
                f"applied to: Suprata {spell(want)}; QuickBooks {spell(have)}"
                + (f" (unapplied {usd(qbo.unapplied)})" if qbo.unapplied else ""),
            )
        )
    return out
