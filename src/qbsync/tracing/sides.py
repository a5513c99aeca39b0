"""Both sides as trace shows them: Suprata's records and QuickBooks' objects turned into the views of
``model.py``, and the batched QuickBooks reads they need (ids and DocNumbers in one ``IN`` query each,
a customer's transactions by ``CustomerRef`` in paged queries, one CDC call for deletions)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from qbsync.clients import query as q
from qbsync.clients import suprata_models as m
from qbsync.clients.qbo import parallel_named
from qbsync.tracing.model import (
    Application,
    AttemptView,
    LineView,
    QboInvoice,
    QboPayment,
    SupInvoice,
    SupPayment,
)

ZERO = Decimal("0.00")


def cents(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None and value.tzinfo is not None else value


# --- Suprata ------------------------------------------------------------------------------------------------


def attempt_view(a: m.SyncAttempt) -> AttemptView:
    view = AttemptView(
        at=a.attempted_at,
        attempt=a.attempt,
        trigger=a.trigger,
        outcome=a.outcome,
        qbo_id=a.qbo_id,
        request_id=a.qbo_request_id,
    )
    if a.error is None:
        return view
    from qbsync.diagnosis.classifier import classify, signal_from_attempt

    signal = signal_from_attempt(a)
    view.error_kind = a.error.kind
    fault = signal.fault
    if fault is not None:
        view.error_code = fault.code
        message, detail = fault.message, fault.detail
        if message and detail and detail.startswith(message):
            message = None  # QuickBooks often repeats the message at the start of the detail
        words = " : ".join(dict.fromkeys(p for p in (message, detail) if p))
        view.error = (words or fault.raw or "")[:240] or None
    if a.error.kind == "timeout":
        view.error = view.error or "QuickBooks did not answer in time (it may still have saved the record)"
    elif a.error.kind == "connection":
        view.error = view.error or "QuickBooks could not be reached"
    elif view.error is None:
        view.error = (a.error.body or a.error.message or f"HTTP {a.error.http_status}")[:240]
    view.pattern = classify(signal).pattern
    return view


def sup_invoice(
    inv: m.Invoice,
    customer: m.Customer | None,
    items: dict[str, m.Item],
    attempts: Iterable[m.SyncAttempt] = (),
) -> SupInvoice:
    lines = []
    for line in inv.lines:
        item = items.get(line.item_id)
        lines.append(
            LineView(
                line_no=line.line_no,
                item=(item.name if item else line.item_id),
                item_qbo_id=item.qbo.qbo_id if item else None,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=cents(line.amount),
                tax="taxable" if line.taxable else "exempt",
            )
        )
    return SupInvoice(
        id=inv.id,
        number=inv.number,
        customer_id=inv.customer_id,
        customer=customer.display_name if customer else None,
        customer_qbo_id=customer.qbo.qbo_id if customer else None,
        txn_date=inv.txn_date,
        due_date=inv.due_date,
        lines=lines,
        subtotal=cents(inv.subtotal),
        tax_total=cents(inv.tax_total),
        total=cents(inv.total),
        balance=cents(inv.balance),
        status=inv.status,
        sync_state=inv.qbo.state,
        qbo_id=inv.qbo.qbo_id,
        synced_at=inv.qbo.synced_at,
        created_at=inv.created_at,
        updated_at=inv.updated_at,
        attempts=[attempt_view(a) for a in attempts],
    )


def sup_payment(pay: m.Payment, invoices: dict[str, m.Invoice], attempts: Iterable[m.SyncAttempt] = ()) -> SupPayment:
    applied = []
    for app in pay.applied:
        inv = invoices.get(app.invoice_id)
        applied.append(
            Application(
                amount=cents(app.amount),
                invoice_id=app.invoice_id,
                invoice_number=inv.number if inv else None,
                qbo_invoice_id=inv.qbo.qbo_id if inv else None,
            )
        )
    return SupPayment(
        id=pay.id,
        number=pay.number,
        customer_id=pay.customer_id,
        txn_date=pay.txn_date,
        amount=cents(pay.amount),
        method=pay.method,
        reference=pay.reference,
        applied=applied,
        sync_state=pay.qbo.state,
        qbo_id=pay.qbo.qbo_id,
        synced_at=pay.qbo.synced_at,
        created_at=pay.created_at,
        attempts=[attempt_view(a) for a in attempts],
    )


# --- QuickBooks -----------------------------------------------------------------------------------------------


def _meta(row: Any) -> tuple[datetime | None, datetime | None]:
    meta = getattr(row, "meta_data", None)
    if meta is None:
        return None, None
    return utc(meta.create_time), utc(meta.last_updated_time)


def qbo_invoice(row: Any, *, linked: bool = False, found_by: str = "linked id") -> QboInvoice:
    created, updated = _meta(row)
    total = cents(row.total_amt)
    balance = cents(row.balance)
    if row.voided:
        status = "voided"
    elif balance == 0 and total > 0:
        status = "paid"
    elif 0 < balance < total:
        status = "partly_paid"
    else:
        status = "open"
    lines = []
    n = 0
    for line in row.line:
        detail = line.sales_item_line_detail
        if detail is None and line.detail_type != "SalesItemLineDetail":
            continue  # SubTotal, discount and description-only lines
        n += 1
        item_ref = detail.item_ref if detail else None
        lines.append(
            LineView(
                line_no=line.line_num or n,
                item=item_ref.name if item_ref else None,
                item_qbo_id=item_ref.value if item_ref else None,
                description=line.description,
                quantity=detail.qty if detail else None,
                unit_price=detail.unit_price if detail else None,
                amount=cents(line.amount),
                tax=detail.tax_code_ref.value if detail and detail.tax_code_ref else None,
            )
        )
    subtotal = cents(sum((ln.amount for ln in lines), Decimal(0)))
    tax = row.txn_tax_detail.total_tax if row.txn_tax_detail and row.txn_tax_detail.total_tax is not None else None
    return QboInvoice(
        id=str(row.id),
        doc_number=row.doc_number,
        status=status,
        customer_id=row.customer_ref.value if row.customer_ref else None,
        customer=row.customer_ref.name if row.customer_ref else None,
        txn_date=row.txn_date,
        due_date=row.due_date,
        lines=lines,
        subtotal=subtotal,
        tax_total=cents(tax) if tax is not None else cents(total - subtotal),
        total=total,
        balance=balance,
        payment_ids=[lt.txn_id for lt in row.linked_txn if (lt.txn_type or "").lower() == "payment"],
        linked=linked,
        found_by=found_by,
        created_at=created,
        updated_at=updated,
    )


def qbo_payment(row: Any, invoice_numbers: dict[str, str], suprata_number: str | None) -> QboPayment:
    created, updated = _meta(row)
    applied = [
        Application(amount=cents(amount), qbo_invoice_id=inv_id, invoice_number=invoice_numbers.get(inv_id))
        for inv_id, amount in row.applied_to("Invoice").items()
    ]
    return QboPayment(
        id=str(row.id),
        status="voided" if row.voided else "ok",
        customer_id=row.customer_ref.value if row.customer_ref else None,
        customer=row.customer_ref.name if row.customer_ref else None,
        txn_date=row.txn_date,
        total=cents(row.total_amt),
        unapplied=cents(row.unapplied_amt),
        reference=row.payment_ref_num,
        applied=applied,
        suprata_number=suprata_number,
        created_at=created,
        updated_at=updated,
    )


@dataclass
class QboReads:
    """What one trace read from QuickBooks."""

    invoices: dict[str, Any] = field(default_factory=dict)  # id -> Invoice
    by_doc: dict[str, list[Any]] = field(default_factory=dict)  # DocNumber -> [Invoice]
    payments: dict[str, Any] = field(default_factory=dict)  # id -> Payment
    customers: dict[str, Any] = field(default_factory=dict)  # id -> Customer
    credit_memos: dict[str, Any] = field(default_factory=dict)  # id -> CreditMemo (customer traces)
    refunds: dict[str, Any] = field(default_factory=dict)  # id -> RefundReceipt (customer traces)
    deleted: dict[tuple[str, str], datetime | None] = field(default_factory=dict)  # (entity, id) -> when
    cdc_since: datetime | None = None
    book_close_date: date | None = None
    notes: list[str] = field(default_factory=list)


def read_qbo(
    qbo: Any,
    now: datetime,
    *,
    invoice_ids: Iterable[str] = (),
    doc_numbers: Iterable[str] = (),
    payment_ids: Iterable[str] = (),
    customer_ids: Iterable[str] = (),
    customer_invoices: str | None = None,
    customer_payments: str | None = None,
    customer_credits: str | None = None,
) -> QboReads:
    """Every read in one parallel round: ids and DocNumbers by ``IN`` (1,000 keys a query), the customer's
    invoices and payments by ``CustomerRef`` (paged), and one CDC call for what was deleted. The change feed
    and the preferences are asked exactly as the evidence gatherer asks them (``evidence.change_feed_calls``),
    so within one trace (``tracing.one_read_each``) a blocker's evidence is answered from these."""
    from qbsync.diagnosis.evidence import change_feed_calls, change_feed_since

    since = change_feed_since(now)
    reads = QboReads(cdc_since=since)
    calls: dict[str, Callable[[], Any]] = {"cdc": change_feed_calls(qbo, since)["cdc"]}
    inv_ids = sorted({i for i in invoice_ids if i})
    pay_ids = sorted({i for i in payment_ids if i})
    docs = sorted({d for d in doc_numbers if d})
    cust_ids = sorted({c for c in customer_ids if c})
    if inv_ids:
        calls["invoices"] = lambda: qbo.by_ids("Invoice", inv_ids)
    if docs:
        calls["by_doc"] = lambda: qbo.invoices_by_doc_numbers(docs)
    if pay_ids:
        calls["payments"] = lambda: qbo.by_ids("Payment", pay_ids)
    if cust_ids:
        calls["customers"] = lambda: qbo.by_ids("Customer", cust_ids)
    if customer_invoices:
        calls["cust_invoices"] = lambda: qbo.query(q.select("Invoice").eq("CustomerRef", customer_invoices))
    if customer_payments:
        calls["cust_payments"] = lambda: qbo.query(q.select("Payment").eq("CustomerRef", customer_payments))
    if customer_credits:  # credit memos and refunds entered in QuickBooks explain balance differences
        calls["cust_memos"] = lambda: qbo.query(q.select("CreditMemo").eq("CustomerRef", customer_credits))
        calls["cust_refunds"] = lambda: qbo.query(q.select("RefundReceipt").eq("CustomerRef", customer_credits))
    calls["preferences"] = qbo.preferences
    results = parallel_named(qbo, calls)
    reads.invoices.update(results.get("invoices", {}))
    reads.payments.update(results.get("payments", {}))
    reads.customers.update(results.get("customers", {}))
    for number, rows in results.get("by_doc", {}).items():
        reads.by_doc[number] = list(rows)
        reads.invoices.update({r.id: r for r in rows if r.id})
    for row in results.get("cust_invoices", []):
        if getattr(row, "id", None):
            reads.invoices[row.id] = row
            reads.by_doc.setdefault(row.doc_number or "", [])
            if all(r.id != row.id for r in reads.by_doc[row.doc_number or ""]):
                reads.by_doc[row.doc_number or ""].append(row)
    for row in results.get("cust_payments", []):
        if getattr(row, "id", None):
            reads.payments[row.id] = row
    reads.credit_memos.update({r.id: r for r in results.get("cust_memos", []) if getattr(r, "id", None)})
    reads.refunds.update({r.id: r for r in results.get("cust_refunds", []) if getattr(r, "id", None)})
    prefs = results.get("preferences")
    info = getattr(prefs, "accounting_info_prefs", None)
    reads.book_close_date = getattr(info, "book_close_date", None)
    cdc_rows = results["cdc"]
    total = 0
    for entity, rows in cdc_rows.items():
        if entity not in ("Invoice", "Payment"):
            continue  # asked with the gatherer's entities; a trace follows transactions
        total += len(rows)
        for row in rows:
            if getattr(row, "status", None) == "Deleted":
                _, updated = _meta(row)
                reads.deleted[(entity, row.id)] = updated
    if total >= 1000:
        reads.notes.append(
            "QuickBooks' change log returned its maximum of 1,000 changes; older deletions may not show."
        )
    return reads


def more_payments(qbo: Any, reads: QboReads, ids: Iterable[str]) -> None:
    """Payments referenced but not yet read (one ``IN`` query)."""
    wanted = sorted({i for i in ids if i and i not in reads.payments})
    if wanted:
        reads.payments.update(qbo.by_ids("Payment", wanted))
