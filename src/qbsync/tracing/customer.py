"""Trace one customer's balance: what each side says the customer owes, and the documents that explain the
difference. The explained amounts add up to the difference, or the result says what remains unexplained.

Accounting identity used (both sides): balance = invoice totals (voided ones count 0) - payments received.
So each document contributes (Suprata's amount - QuickBooks' amount) for invoices and the opposite for
payments; a document on one side only contributes its whole amount.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qbsync.clients import suprata_models as m
from qbsync.diagnosis.patterns import get_pattern
from qbsync.tracing.compare import compare_invoice, compare_payment, usd
from qbsync.tracing.model import BalanceItem, CustomerTrace, QboInvoice, QboPayment, Verdict
from qbsync.tracing.sides import (
    QboReads,
    attempt_view,
    cents,
    qbo_invoice,
    qbo_payment,
    read_qbo,
    sup_invoice,
    sup_payment,
)
from qbsync.tracing.verdict import BOOKKEEPER, Words, blocker_fix, blocker_says
from qbsync.wording import plural

if TYPE_CHECKING:
    from qbsync.services import Services

ZERO = Decimal("0.00")


def trace_customer(services: Services, cust: m.Customer, asked: str) -> CustomerTrace:
    sup, qbo, now = services.suprata, services.qbo, services.clock.now()
    account = sup.account()
    words = Words(account.timezone, now)
    invoices = sup.invoices(customer_id=cust.id)
    payments = sup.payments(customer_id=cust.id)
    red = {(a.record_type, a.record_id): a for a in sup.attempts(latest=True, outcome="failed")}
    notes: list[str] = []

    qbo_cust = cust.qbo.qbo_id
    if not qbo_cust:
        holders = qbo.by_display_names([cust.display_name]).get(cust.display_name, [])
        match = next((h for h in holders if type(h).__name__ == "Customer"), None)
        if match is not None:
            qbo_cust = match.id
            notes.append(
                f"Suprata has no QuickBooks link for {cust.display_name}; QuickBooks customer {match.id} has that "
                "name and is used here. Link them in Suprata if they are the same customer."
            )
        else:
            notes.append(f"{cust.display_name} is not in QuickBooks: Suprata has never synced this customer.")

    reads = read_qbo(
        qbo,
        now,
        customer_ids=[qbo_cust] if qbo_cust else [],
        customer_invoices=qbo_cust,
        customer_payments=qbo_cust,
        customer_credits=qbo_cust,
    )
    _read_stragglers(qbo, reads, invoices, payments)
    notes.extend(reads.notes)
    qcust = reads.customers.get(qbo_cust or "")

    by_qbo_id = {i.qbo.qbo_id: i for i in invoices if i.qbo.qbo_id}
    numbers = {i.qbo.qbo_id: i.number for i in invoices if i.qbo.qbo_id}
    for row in reads.invoices.values():
        numbers.setdefault(row.id, row.doc_number or f"invoice {row.id}")
    sup_by_id = {i.id: i for i in invoices}
    items: list[BalanceItem] = []
    used_qbo: set[str] = set()
    blockers = _blockers(services, invoices, payments)

    # invoices Suprata has
    for inv in invoices:
        s_total = ZERO if inv.status == "void" else cents(inv.total)
        row = reads.invoices.get(inv.qbo.qbo_id or "")
        if inv.qbo.qbo_id and row is not None and _mine(row, qbo_cust):
            used_qbo.add(row.id)
            q = qbo_invoice(row, linked=True)
            items.extend(_invoice_pair(inv, s_total, q))
        elif inv.qbo.qbo_id:
            used_qbo.add(inv.qbo.qbo_id)
            if row is not None:  # linked, but QuickBooks has it under another customer
                q = qbo_invoice(row, linked=True)
                items.append(
                    BalanceItem(
                        "customer",
                        inv.number,
                        f"{inv.number} is QuickBooks invoice {row.id}, but under {q.customer or 'another customer'}",
                        s_total,
                        s_total,
                        None,
                        "move it to the right customer in QuickBooks (bookkeeper)",
                    )
                )
                continue
            deleted = ("Invoice", inv.qbo.qbo_id) in reads.deleted
            when = reads.deleted.get(("Invoice", inv.qbo.qbo_id))
            says = (
                f"QuickBooks invoice {inv.qbo.qbo_id} was deleted directly in QuickBooks on {words.day(when)}"
                if deleted
                else f"linked QuickBooks invoice {inv.qbo.qbo_id} is not in QuickBooks"
            )
            items.append(
                BalanceItem(
                    "deleted_in_qbo" if deleted else "missing_in_qbo",
                    inv.number,
                    says,
                    s_total,
                    s_total,
                    None,
                    f"re-create it by hand in QuickBooks and link it (qbsync trace {inv.number})",
                )
            )
        else:
            copies = [
                r
                for r in reads.by_doc.get(inv.number, [])
                if r.id not in used_qbo and r.id not in by_qbo_id and _mine(r, qbo_cust) and not r.voided
            ]
            if copies:
                used_qbo.update(r.id for r in copies)
                q = qbo_invoice(copies[0], found_by="DocNumber")
                amount = s_total - (q.total or ZERO)
                items.append(
                    BalanceItem(
                        "unlinked_copy",
                        inv.number,
                        f"not linked in Suprata, but QuickBooks holds it as invoice {q.id} ({usd(q.total)})",
                        amount,
                        s_total,
                        q.total,
                        f"link {inv.number} to QuickBooks invoice {q.id} in Suprata; do not retry it",
                    )
                )
                for extra in copies[1:]:
                    items.append(_duplicate_item(inv.number, qbo_invoice(extra, found_by="DocNumber")))
            else:
                blocker = blockers.get(("invoice", inv.id))
                if blocker is not None:
                    items.append(_blocked_item(blocker, inv.number, s_total, s_total))
                else:
                    items.append(_missing_invoice(inv, s_total, red.get(("invoice", inv.id)), words))

    # QuickBooks invoices nobody in Suprata links: duplicates of a Suprata number, or entered in QuickBooks
    sup_numbers = {i.number for i in invoices}
    for row in sorted(reads.invoices.values(), key=lambda r: int(r.id) if str(r.id).isdigit() else 0):
        if row.id in used_qbo or not _mine(row, qbo_cust):
            continue
        q = qbo_invoice(row, found_by="customer")
        if q.status == "voided":
            continue
        if row.doc_number in sup_numbers:
            items.append(_duplicate_item(row.doc_number, q))
        else:
            items.append(
                BalanceItem(
                    "invoice_only_in_qbo",
                    f"QuickBooks invoice {q.id}",
                    f"invoice {q.doc_number or q.id} ({usd(q.total)}, {words.day(q.txn_date)}) exists only in "
                    "QuickBooks",
                    -(q.total or ZERO),
                    None,
                    q.total,
                    "ask your bookkeeper whether it is real; if it is, enter it in Suprata and link it; if not, void it",
                )
            )

    # payments
    known = {p.qbo.qbo_id for p in payments if p.qbo.qbo_id}
    unknown_q = {
        pid: qbo_payment(row, numbers, None)
        for pid, row in reads.payments.items()
        if pid not in known and _mine(row, qbo_cust)
    }
    for pay in payments:
        sp = sup_payment(pay, sup_by_id)
        if pay.qbo.qbo_id:
            row = reads.payments.get(pay.qbo.qbo_id)
            if row is None:
                deleted = ("Payment", pay.qbo.qbo_id) in reads.deleted
                items.append(
                    BalanceItem(
                        "payment_deleted_in_qbo" if deleted else "payment_missing_in_qbo",
                        pay.number,
                        f"QuickBooks payment {pay.qbo.qbo_id} was "
                        + ("deleted directly in QuickBooks" if deleted else "not found in QuickBooks"),
                        -sp.amount,
                        sp.amount,
                        None,
                        f"re-enter it by hand in QuickBooks and link it (qbsync trace {pay.number})",
                    )
                )
                continue
            qp = qbo_payment(row, numbers, pay.number)
            items.extend(_payment_pair(sp, qp, qbo_cust))
            continue
        twin = next(
            (
                q
                for q in unknown_q.values()
                if q.status == "ok"
                and q.total == sp.amount
                and q.txn_date
                and abs((q.txn_date - sp.txn_date).days) <= 7
            ),
            None,
        )
        if twin is not None:
            unknown_q.pop(twin.id)
            items.append(
                BalanceItem(
                    "unlinked_copy",
                    pay.number,
                    f"not linked in Suprata; QuickBooks payment {twin.id} has the same amount and date",
                    ZERO,
                    sp.amount,
                    twin.total,
                    f"link {pay.number} to QuickBooks payment {twin.id} in Suprata; do not create it again",
                )
            )
            continue
        blocker = blockers.get(("payment", pay.id))
        if blocker is not None:
            items.append(_blocked_item(blocker, pay.number, -sp.amount, sp.amount))
            continue
        failure = red.get(("payment", pay.id))
        why = ""
        gone = [
            sup_by_id[a.invoice_id]
            for a in pay.applied
            if a.invoice_id in sup_by_id
            and sup_by_id[a.invoice_id].qbo.qbo_id
            and sup_by_id[a.invoice_id].qbo.qbo_id not in reads.invoices
        ]
        if gone:
            why = f": the invoice it pays, {gone[0].number}, is gone from QuickBooks"
        elif failure is not None:
            view = attempt_view(failure)
            why = f": its push failed ({view.error_code or view.error_kind}: {view.error})"
        items.append(
            BalanceItem(
                "payment_missing_in_qbo",
                pay.number,
                f"payment of {usd(sp.amount)} on {words.day(sp.txn_date)} is in Suprata but not in QuickBooks{why}",
                -sp.amount,
                sp.amount,
                None,
                f"create it by hand in QuickBooks against the right invoice, mark it synced; qbsync trace {pay.number}",
            )
        )
    for only_qbo in unknown_q.values():
        if only_qbo.status != "ok" or not only_qbo.total:
            continue
        ref = f", ref {only_qbo.reference}" if only_qbo.reference else ""
        applied = ", ".join(a.invoice_number or f"invoice {a.qbo_invoice_id}" for a in only_qbo.applied) or "nothing"
        items.append(
            BalanceItem(
                "payment_only_in_qbo",
                f"QuickBooks payment {only_qbo.id}",
                f"payment of {usd(only_qbo.total)} on {words.day(only_qbo.txn_date)}{ref} (applied to {applied}) was entered "
                "directly in QuickBooks; Suprata does not know it",
                only_qbo.total,
                None,
                only_qbo.total,
                "record it in Suprata and mark it synced, linked to this QuickBooks payment",
            )
        )

    items.extend(_credits_in_qbo(reads, qbo_cust, words))
    merged_into = _merged_into(qcust, invoices, reads)
    if merged_into and qcust is not None:
        notes.append(
            f"QuickBooks customer {qcust.id} ({qcust.display_name}) was merged into {merged_into} in QuickBooks: "
            f"its transactions now sit under {merged_into} and it is inactive. Suprata still links "
            f"{cust.display_name} to the merged-away customer, so its new records are refused; link it to "
            f"{merged_into}'s QuickBooks customer in Suprata."
        )
        still_open = {i.number: cents(i.balance) for i in invoices if i.status != "void"}
        items = [_as_merged(i, merged_into, still_open) for i in items]

    s_balance = sum((cents(i.balance) for i in invoices if i.status != "void"), ZERO)
    q_balance = _qbo_balance(qcust, reads, qbo_cust)
    difference = s_balance - q_balance
    explained = sum((i.amount for i in items), ZERO)
    unexplained = difference - explained
    if unexplained:
        notes.append(
            f"{usd(unexplained)} of the difference remains unexplained: QuickBooks may hold sales receipts or "
            "journal entries for this customer (trace reads invoices, payments, credit memos and refunds), or "
            "a payment applied to another customer's invoice."
        )
    verdict = _verdict(cust, s_balance, q_balance, difference, items, unexplained)
    return CustomerTrace(
        kind="customer",
        asked=asked,
        customer_id=cust.id,
        number=cust.number,
        name=cust.display_name,
        qbo_customer_id=qbo_cust,
        qbo_customer=getattr(qcust, "display_name", None),
        suprata_balance=s_balance,
        qbo_balance=q_balance,
        difference=difference,
        explained=explained,
        unexplained=unexplained,
        items=items,
        verdict=verdict,
        counts={
            "suprata_invoices": len(invoices),
            "suprata_payments": len(payments),
            "qbo_invoices": sum(1 for r in reads.invoices.values() if _mine(r, qbo_cust)),
            "qbo_payments": sum(1 for r in reads.payments.values() if _mine(r, qbo_cust)),
        },
        notes=notes,
        company=account.name,
        timezone=account.timezone,
        generated_at=now,
        cdc_since=reads.cdc_since,
        qbo_requests=services.qbo_request_count(),
    )


def _mine(row: Any, qbo_cust: str | None) -> bool:
    ref = getattr(row, "customer_ref", None)
    return qbo_cust is not None and ref is not None and ref.value == qbo_cust


def _read_stragglers(qbo: Any, reads: QboReads, invoices: list[m.Invoice], payments: list[m.Payment]) -> None:
    """Linked objects the customer queries did not return (filed under another QuickBooks customer): one ``IN``
    query per entity, only when there are any."""
    inv_ids = sorted({i.qbo.qbo_id for i in invoices if i.qbo.qbo_id and i.qbo.qbo_id not in reads.invoices})
    inv_ids = [i for i in inv_ids if ("Invoice", i) not in reads.deleted]
    pay_ids = sorted({p.qbo.qbo_id for p in payments if p.qbo.qbo_id and p.qbo.qbo_id not in reads.payments})
    pay_ids = [i for i in pay_ids if ("Payment", i) not in reads.deleted]
    calls = []
    if inv_ids:
        calls.append(lambda: ("inv", qbo.by_ids("Invoice", inv_ids)))
    if pay_ids:
        calls.append(lambda: ("pay", qbo.by_ids("Payment", pay_ids)))
    for kind, rows in qbo.parallel(calls) if calls else []:
        (reads.invoices if kind == "inv" else reads.payments).update(rows)


def _invoice_pair(inv: m.Invoice, s_total: Decimal, q: QboInvoice) -> list[BalanceItem]:
    s = sup_invoice(inv, None, {})
    q_total = q.total or ZERO
    amount = s_total - q_total
    if q.status == "voided" and inv.status != "void":
        return [
            BalanceItem(
                "voided_in_qbo_only",
                inv.number,
                f"voided in QuickBooks (invoice {q.id}) but {inv.status} in Suprata",
                amount,
                s_total,
                ZERO,
                f"void it in Suprata too, or re-create it in QuickBooks; qbsync trace {inv.number}",
            )
        ]
    if inv.status == "void" and q.status != "voided":
        return [
            BalanceItem(
                "voided_in_suprata_only",
                inv.number,
                f"void in Suprata but not in QuickBooks (invoice {q.id}, {usd(q_total)})",
                amount,
                ZERO,
                q_total,
                f"void QuickBooks invoice {q.id} (never delete it)",
            )
        ]
    diffs = [d for d in compare_invoice(s, q, lines=False) if d.field not in ("balance", "subtotal", "tax")]
    if not diffs and not amount:
        return []
    return [
        BalanceItem(
            "amount" if amount else "differs",
            inv.number,
            "; ".join(d.says for d in diffs) or f"total: Suprata {usd(s_total)}, QuickBooks {usd(q_total)}",
            amount,
            s_total,
            q_total,
            f"decide with your bookkeeper which is right; qbsync trace {inv.number}",
        )
    ]


def _duplicate_item(number: str | None, q: QboInvoice) -> BalanceItem:
    return BalanceItem(
        "duplicate",
        f"QuickBooks invoice {q.id}",
        f"a second QuickBooks invoice numbered {number} ({usd(q.total)}) that Suprata does not link",
        -(q.total or ZERO),
        None,
        q.total,
        f"void QuickBooks invoice {q.id} (never delete it); qbsync trace {number}",
    )


def _blockers(services: Any, invoices: list[m.Invoice], payments: list[m.Payment]) -> dict[tuple[str, str], Any]:
    """The diagnosis's own answer for each of the customer's records Suprata could not push."""
    from qbsync.diagnosis.diagnose import record_blockers

    keys = [("invoice", i.id) for i in invoices if not i.qbo.qbo_id and i.qbo.state != "synced"]
    keys += [("payment", p.id) for p in payments if not p.qbo.qbo_id and p.qbo.state != "synced"]
    return record_blockers(services, keys) if keys else {}


def _blocked_item(blocker: Any, number: str, amount: Decimal, s_side: Decimal) -> BalanceItem:
    return BalanceItem(
        "missing_in_qbo" if blocker.key[0] == "invoice" else "payment_missing_in_qbo",
        number,
        f"not in QuickBooks: {blocker_says(blocker)} ({blocker.pattern})",
        amount,
        s_side,
        None,
        " ".join(blocker_fix(blocker)),
    )


def _missing_invoice(inv: m.Invoice, s_total: Decimal, failure: m.SyncAttempt | None, words: Words) -> BalanceItem:
    if failure is not None:
        view = attempt_view(failure)
        p = get_pattern(view.pattern or "unknown")
        says = f"not in QuickBooks: its push failed ({view.error_code or view.error_kind}, {p.id} {p.name})"
        fix = f"fix the cause, then retry it: qbsync diagnose (or qbsync explain {p.id})"
    elif inv.qbo.state in ("pending", "not_synced"):
        says = f"not in QuickBooks yet (Suprata shows it {inv.qbo.state})"
        fix = "wait for Suprata to push it"
    else:
        says = "in Suprata but not in QuickBooks"
        fix = f"create it by hand in QuickBooks and link it; qbsync trace {inv.number}"
    return BalanceItem("missing_in_qbo", inv.number, says, s_total, s_total, None, fix)


def _payment_pair(sp: Any, qp: QboPayment, qbo_cust: str | None) -> list[BalanceItem]:
    if qp.status == "voided":
        return [
            BalanceItem(
                "payment_voided_in_qbo_only",
                sp.number,
                f"QuickBooks payment {qp.id} is voided; Suprata still counts {usd(sp.amount)}",
                -sp.amount,
                sp.amount,
                ZERO,
                f"reverse it in Suprata if it bounced, or re-enter it in QuickBooks; qbsync trace {sp.number}",
            )
        ]
    diffs = compare_payment(sp, qp, qbo_cust)
    amount = -(sp.amount - (qp.total or ZERO))
    if not diffs:
        return []
    return [
        BalanceItem(
            "payment_differs",
            sp.number,
            "; ".join(d.says for d in diffs),
            amount,
            sp.amount,
            qp.total,
            f"decide with your bookkeeper which is right; qbsync trace {sp.number}",
        )
    ]


def _qbo_balance(qcust: Any, reads: QboReads, qbo_cust: str | None) -> Decimal:
    balance = getattr(qcust, "balance", None)
    if balance is not None:
        return cents(balance)
    owed = sum((cents(r.balance) for r in reads.invoices.values() if _mine(r, qbo_cust)), ZERO)
    unapplied = sum((cents(r.unapplied_amt) for r in reads.payments.values() if _mine(r, qbo_cust)), ZERO)
    return owed - unapplied


def _verdict(
    cust: m.Customer,
    s_balance: Decimal,
    q_balance: Decimal,
    difference: Decimal,
    items: list[BalanceItem],
    unexplained: Decimal,
) -> Verdict:
    name = cust.display_name
    if not items and not difference:
        return Verdict(True, f"Both sides agree: {name} owes {usd(s_balance)} in Suprata and in QuickBooks.")
    if difference:
        head = (
            f"{name} owes {usd(s_balance)} in Suprata but {usd(q_balance)} in QuickBooks: a difference of "
            f"{usd(difference)}"
        )
        head += (
            f", fully explained by {plural(len(items), 'document')}."
            if not unexplained
            else f"; {plural(len(items), 'document')} explain{'s' if len(items) == 1 else ''} {usd(difference - unexplained)}, {usd(unexplained)} "
            "remains unexplained."
        )
    else:
        head = (
            f"{name} owes {usd(s_balance)} on both sides, but {plural(len(items), 'document')} differ and cancel out: "
            "the balances agree by accident."
        )
    fixes = [f"{i.record}: {i.fix}" for i in items if i.fix]
    fixes.append(f"Then re-run: qbsync trace --customer {cust.number}")
    return Verdict(False, head, fixes, [BOOKKEEPER])


def _credits_in_qbo(reads: QboReads, qbo_cust: str | None, words: Words) -> list[BalanceItem]:
    """Credit memos (their unused credit lowers what QuickBooks says is owed) and refunds (money paid back,
    which moves no balance), both entered in QuickBooks; Suprata knows neither."""
    out: list[BalanceItem] = []
    for memo in sorted(reads.credit_memos.values(), key=lambda r: int(r.id) if str(r.id).isdigit() else 0):
        if not _mine(memo, qbo_cust):
            continue
        remaining = cents(memo.remaining_credit if memo.remaining_credit is not None else memo.total_amt)
        if not remaining:
            continue
        why = f" ({memo.private_note})" if memo.private_note else ""
        out.append(
            BalanceItem(
                "credit_memo_in_qbo",
                f"QuickBooks credit memo {memo.doc_number or memo.id}",
                f"credit memo {memo.doc_number or memo.id} of {usd(memo.total_amt)} on {words.day(memo.txn_date)}"
                f"{why} was entered in QuickBooks; {usd(remaining)} of it is unused credit, which lowers what "
                "QuickBooks says the customer owes",
                remaining,
                None,
                remaining,
                "record the credit in Suprata too (or apply it in QuickBooks to the invoice it was meant for)",
            )
        )
    for refund in sorted(reads.refunds.values(), key=lambda r: int(r.id) if str(r.id).isdigit() else 0):
        if not _mine(refund, qbo_cust) or not refund.total_amt:
            continue
        paid_from = f" from {refund.deposit_to_account_ref.name}" if refund.deposit_to_account_ref else ""
        out.append(
            BalanceItem(
                "refund_in_qbo",
                f"QuickBooks refund {refund.doc_number or refund.id}",
                f"refund of {usd(refund.total_amt)} paid{paid_from} on {words.day(refund.txn_date)} was issued in "
                "QuickBooks; it moves money, not the balance",
                ZERO,
                None,
                cents(refund.total_amt),
                "record the refund in Suprata so both sides show it",
            )
        )
    return out


def _merged_into(qcust: Any, invoices: list[m.Invoice], reads: QboReads) -> str | None:
    """The customer a merge in QuickBooks left this one's transactions under: the linked QuickBooks customer is
    inactive and every linked invoice QuickBooks still has names one other customer."""
    if qcust is None or getattr(qcust, "active", True) is not False:
        return None
    owners = {
        getattr(row.customer_ref, "name", None) or getattr(row.customer_ref, "value", None)
        for inv in invoices
        if inv.qbo.qbo_id
        and (row := reads.invoices.get(inv.qbo.qbo_id)) is not None
        and row.customer_ref
        and row.customer_ref.value != qcust.id
    }
    return owners.pop() if len(owners) == 1 else None


def _as_merged(item: BalanceItem, merged_into: str, still_open: dict[str, Decimal]) -> BalanceItem:
    """A merge moves an invoice together with the payments applied to it: what leaves this customer's
    QuickBooks balance is the invoice's open amount, not its total."""
    if item.kind != "customer":
        return item
    return BalanceItem(
        "merged_in_qbo",
        item.record,
        f"{item.record} moved to {merged_into} when the customers were merged in QuickBooks",
        still_open.get(item.record, item.amount),
        item.suprata,
        item.quickbooks,
        f"link the customer to {merged_into} in Suprata; the invoice itself is fine",
    )
