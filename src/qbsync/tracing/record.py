"""Trace one invoice or one payment across Suprata and QuickBooks: both sides, the differences, a merged
timeline and a verdict with the fix. Read-only."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qbsync.clients import suprata_models as m
from qbsync.diagnosis.patterns import CAUSE_KINDS, fill, get_pattern
from qbsync.tracing.compare import compare_invoice, compare_payment, usd
from qbsync.tracing.model import (
    AttemptView,
    Difference,
    Finding,
    QboInvoice,
    QboPayment,
    RecordTrace,
    SupInvoice,
    SupPayment,
    TimelineEvent,
)
from qbsync.tracing.sides import (
    QboReads,
    cents,
    more_payments,
    qbo_invoice,
    qbo_payment,
    read_qbo,
    sup_invoice,
    sup_payment,
)
from qbsync.tracing.verdict import (
    BOOKKEEPER,
    NEVER_DELETE,
    Words,
    blocker_fix,
    blocker_says,
    build_verdict,
    closed_period_warning,
)
from qbsync.wording import plural

if TYPE_CHECKING:
    from qbsync.diagnosis.blockers import Blocker

if TYPE_CHECKING:
    from qbsync.services import Services

SAME_MOMENT = timedelta(minutes=2)  # a QuickBooks create time this close to a push attempt is that attempt's


# --- invoice ------------------------------------------------------------------------------------------------


def trace_invoice(services: Services, inv: m.Invoice, asked: str) -> RecordTrace:
    sup, qbo, now = services.suprata, services.qbo, services.clock.now()
    account = sup.account()
    words = Words(account.timezone, now)
    customer = next(iter(sup.customers(ids=[inv.customer_id])), None)
    cust_payments = sup.payments(customer_id=inv.customer_id)
    mine = [p for p in cust_payments if any(a.invoice_id == inv.id for a in p.applied)]
    other_ids = sorted({a.invoice_id for p in mine for a in p.applied} - {inv.id})
    invoices: dict[str, m.Invoice] = {inv.id: inv}
    if other_ids:
        invoices.update({i.id: i for i in sup.invoices(ids=other_ids)})
    items = {i.id: i for i in sup.items(ids=sorted({line.item_id for line in inv.lines}))}
    attempts = sup.attempts(record_type="invoice", record_id=inv.id)
    pay_attempts = {p.id: sup.attempts(record_type="payment", record_id=p.id) for p in mine}
    cust_qbo = customer.qbo.qbo_id if customer else None

    reads = read_qbo(
        qbo,
        now,
        invoice_ids=[i.qbo.qbo_id for i in invoices.values() if i.qbo.qbo_id],
        doc_numbers=[inv.number],
        payment_ids=[] if cust_qbo else [p.qbo.qbo_id for p in mine if p.qbo.qbo_id],
        customer_payments=cust_qbo,
    )
    linked_id = inv.qbo.qbo_id
    copies_rows = [r for r in reads.by_doc.get(inv.number, []) if r.id != linked_id]
    linked_row = reads.invoices.get(linked_id) if linked_id else None
    # payments filed under another QuickBooks customer, if any: one more IN query
    wanted = [pid for r in [linked_row, *copies_rows] if r is not None for pid in _payment_ids(r)]
    wanted += [p.qbo.qbo_id for p in mine if p.qbo.qbo_id and ("Payment", p.qbo.qbo_id) not in reads.deleted]
    more_payments(qbo, reads, wanted)

    s_inv = sup_invoice(inv, customer, items, attempts)
    numbers = _qbo_numbers(invoices, reads)
    known = {p.qbo.qbo_id: p.number for p in cust_payments if p.qbo.qbo_id}
    s_pays = [sup_payment(p, invoices, pay_attempts.get(p.id, ())) for p in mine]

    q_linked = _linked_view(linked_id, linked_row, reads)
    copies = [qbo_invoice(r, found_by="DocNumber") for r in copies_rows]
    q_invoices = ([q_linked] if q_linked else []) + copies

    q_pays: dict[str, QboPayment] = {}
    for v in q_invoices:
        for pid in v.payment_ids:
            if pid in reads.payments:
                q_pays[pid] = qbo_payment(reads.payments[pid], numbers, known.get(pid))
    for sp in s_pays:
        if sp.qbo_id and sp.qbo_id not in q_pays:
            q_pays[sp.qbo_id] = _payment_view(sp.qbo_id, reads, numbers, sp.number)

    findings: list[Finding] = []
    differences: list[Difference] = []
    notes = list(reads.notes)
    same_customer = [c for c in copies if c.status != "voided" and (not cust_qbo or c.customer_id == cust_qbo)]
    for c in copies:
        if c.customer_id and cust_qbo and c.customer_id != cust_qbo and c.status != "voided":
            notes.append(
                f"QuickBooks invoice {c.id} also carries the number {inv.number} but belongs to "
                f"{c.customer or 'another customer'} ({usd(c.total)}): not this invoice."
            )
        elif c.status == "voided":
            notes.append(f"QuickBooks invoice {c.id}, also numbered {inv.number}, is voided (already handled).")

    failing = inv.qbo.state in ("failed", "pending", "not_synced")
    blocker = _blocker(services, "invoice", inv.id) if failing and not same_customer else None
    if blocker is not None:
        what = (
            f"{inv.number} ({usd(s_inv.total)}) is not in QuickBooks"
            if not linked_id
            else f"Suprata's last change to {inv.number} did not reach QuickBooks invoice {linked_id}"
        )
        amount, kind = (s_inv.balance, "missing_in_qbo") if not linked_id else (Decimal("0.00"), "change_failed")
        findings.append(_blocked_finding(blocker, what, amount, kind=kind))
    if blocker is not None and not linked_id:
        pass  # the blocker is the whole story of an invoice QuickBooks never got
    elif not linked_id:
        findings.extend(_not_linked(s_inv, same_customer, words))
    elif q_linked is not None and q_linked.status in ("deleted", "missing"):
        findings.append(_invoice_gone(s_inv, q_linked, s_pays, same_customer, words))
    elif q_linked is not None:
        diffs = compare_invoice(s_inv, q_linked)
        differences.extend(diffs)
        findings.extend(_invoice_changes(s_inv, q_linked, diffs, words))
        if same_customer:
            findings.append(_duplicates(s_inv, q_linked, same_customer, q_pays, words))
        for f in _payment_findings(s_inv, q_linked, s_pays, q_pays, reads, words):
            if f.kind == "payment_differs" and not f.amount and "applied to" in f.says and f.says.count(":") == 2:
                notes.append(f"{f.says[:-1]} (its part for {inv.number} matches; trace the payment for the rest).")
            else:
                findings.append(f)

    others = [
        qp
        for pid, row in reads.payments.items()
        if pid not in known and pid not in q_pays and (qp := qbo_payment(row, numbers, None))
    ]
    if others:
        total = sum((p.total or Decimal(0) for p in others), Decimal(0))
        notes.append(
            f"QuickBooks holds {plural(len(others), 'other payment')} from this customer ({usd(total)}) that Suprata does "
            f"not know; see: qbsync trace --customer {customer.number if customer else inv.customer_id}"
        )

    rerun = f"qbsync trace {inv.number}"
    agree = (
        f"Both sides agree: {inv.number} is QuickBooks invoice {linked_id} with the same customer, dates, lines, "
        f"tax and total ({usd(s_inv.total)}); balance {usd(s_inv.balance)}"
        + (f", {plural(len(s_pays), 'payment')} matching." if s_pays else ".")
    )
    verdict = build_verdict(inv.number, findings, _unexplained(differences, findings), agree, rerun)
    warning = closed_period_warning(inv.txn_date, reads.book_close_date)
    if warning and not verdict.agree:
        verdict.warnings.append(warning)
    return RecordTrace(
        kind="invoice",
        asked=asked,
        number=inv.number,
        verdict=verdict,
        findings=findings,
        differences=differences,
        invoice=s_inv,
        payments=s_pays,
        qbo_invoices=q_invoices,
        qbo_payments=list(q_pays.values()),
        timeline=_timeline([s_inv], s_pays, q_invoices, list(q_pays.values())),
        notes=notes,
        company=account.name,
        timezone=account.timezone,
        generated_at=now,
        cdc_since=reads.cdc_since,
        qbo_requests=services.qbo_request_count(),
    )


def _blocker(services: Any, rtype: str, rid: str) -> Blocker | None:
    from qbsync.diagnosis.diagnose import record_blockers

    return record_blockers(services, [(rtype, rid)]).get((rtype, rid))


def _blocked_finding(blocker: Blocker, what: str, amount: Decimal, kind: str = "missing_in_qbo") -> Finding:
    """A record Suprata could not push: the diagnosis's own answer for it, in the same words."""
    p = get_pattern(blocker.pattern)
    return Finding(
        kind=kind,
        says=f"{what}: {blocker_says(blocker)}.",
        fix=blocker_fix(blocker),
        pattern=p.id,
        records=[blocker.number or blocker.key[1], *([blocker.first.via_number] if blocker.first.via_number else [])],
        amount=amount,
        warning=p.warning,
        fix_by=p.fix_by,
    )


def _saved_twice(pay: m.Payment, reads: QboReads, known: dict[str, str]) -> Finding | None:
    """A second QuickBooks payment identical to the linked one (customer, amount, date, reference) that
    Suprata does not know: a retry after a timeout saved it again. The fix is the diagnosis's."""
    from qbsync.diagnosis.blockers import Cause
    from qbsync.diagnosis.evidence import same_payment

    linked = reads.payments.get(pay.qbo.qbo_id or "")
    if linked is None or linked.voided:
        return None
    extra = next(
        (r for pid, r in reads.payments.items() if pid not in known and not r.voided and same_payment(r, linked)),
        None,
    )
    if extra is None:
        return None
    cause = Cause(
        "duplicate_payment", {"number": pay.number, "copies": "2", "void_ids": str(extra.id)}, ("record", pay.id)
    )
    return Finding(
        kind="duplicate",
        says=f"{cause.title}: QuickBooks payments {linked.id} and {extra.id} are both ${linked.total_amt} on "
        f"{linked.txn_date}" + (f", reference {linked.payment_ref_num}" if linked.payment_ref_num else "") + ".",
        fix=cause.steps,
        records=[pay.number, f"QuickBooks payment {extra.id}"],
        amount=-cents(extra.total_amt),
        warning=BOOKKEEPER,
    )


def _payment_ids(row: Any) -> list[str]:
    return [lt.txn_id for lt in getattr(row, "linked_txn", []) if (lt.txn_type or "").lower() == "payment"]


def _qbo_numbers(invoices: dict[str, m.Invoice], reads: QboReads) -> dict[str, str]:
    numbers = {i.qbo.qbo_id: i.number for i in invoices.values() if i.qbo.qbo_id}
    for row in reads.invoices.values():
        numbers.setdefault(row.id, row.doc_number or f"invoice {row.id}")
    return numbers


def _linked_view(linked_id: str | None, row: Any, reads: QboReads) -> QboInvoice | None:
    if not linked_id:
        return None
    if row is not None:
        return qbo_invoice(row, linked=True)
    key = ("Invoice", linked_id)
    status = "deleted" if key in reads.deleted else "missing"
    return QboInvoice(id=linked_id, doc_number=None, status=status, linked=True, deleted_at=reads.deleted.get(key))


def _payment_view(pid: str, reads: QboReads, numbers: dict[str, str], suprata_number: str | None) -> QboPayment:
    row = reads.payments.get(pid)
    if row is not None:
        return qbo_payment(row, numbers, suprata_number)
    key = ("Payment", pid)
    status = "deleted" if key in reads.deleted else "missing"
    return QboPayment(id=pid, status=status, suprata_number=suprata_number, deleted_at=reads.deleted.get(key))


def _last_failure(attempts: list[AttemptView]) -> AttemptView | None:
    last = attempts[-1] if attempts else None
    return last if last is not None and last.outcome == "failed" else None


def _created_by(view: QboInvoice, attempts: list[AttemptView]) -> AttemptView | None:
    """The push attempt that created this QuickBooks invoice: the one that got its id, else the one at that
    moment (a timed-out attempt QuickBooks saved anyway)."""
    by_id = next((a for a in attempts if a.qbo_id == view.id), None)
    created = view.created_at
    if by_id is not None or created is None:
        return by_id
    near = [a for a in attempts if abs(a.at - created) <= SAME_MOMENT]
    return min(near, key=lambda a: abs(a.at - created)) if near else None


def _origin(view: QboInvoice, attempts: list[AttemptView], words: Words) -> str:
    a = _created_by(view, attempts)
    if a is None:
        return f"{view.id} was created on {words.when(view.created_at)}, not by any push Suprata logged"
    if a.outcome == "failed" and a.error_kind == "timeout":
        return (
            f"{view.id} was saved by attempt {a.attempt} on {words.when(a.at)}, which timed out "
            "(QuickBooks saved it but never answered)"
        )
    return f"{view.id} was created by attempt {a.attempt} ({_trigger(a.trigger)}) on {words.when(a.at)}"


def _trigger(trigger: str) -> str:
    return {
        "auto": "the first push",
        "scheduled_retry": "Suprata's automatic retry",
        "manual_retry": "a retry pressed in Suprata",
        "api_retry": "a retry requested through the API",
    }.get(trigger, trigger)


def _not_linked(s: SupInvoice, copies: list[QboInvoice], words: Words) -> list[Finding]:
    if len(copies) == 1:
        c = copies[0]
        return [
            Finding(
                kind="unlinked_copy",
                says=(
                    f"QuickBooks already holds {s.number} as invoice {c.id} ({usd(c.total)}), but Suprata has no "
                    f"link to it and shows it {s.sync_state}: {_origin(c, s.attempts, words)}."
                ),
                fix=[
                    f"Do not retry {s.number}: another push would make a second copy or fail with 6140.",
                    f"Check that QuickBooks invoice {c.id} matches Suprata's {s.number} ({usd(s.total)}); "
                    f"then mark {s.number} synced in Suprata, linked to QuickBooks invoice {c.id}.",
                ],
                records=[s.number, f"QuickBooks invoice {c.id}"],
                warning=BOOKKEEPER,
            )
        ]
    if len(copies) > 1:
        ids = " and ".join(c.id for c in copies)
        keep = copies[0]
        return [
            Finding(
                kind="duplicate",
                says=(
                    f"QuickBooks holds {len(copies)} invoices numbered {s.number} (ids {ids}) and Suprata links "
                    "none of them."
                ),
                fix=[
                    f"Keep one (say {keep.id}) and void the others in QuickBooks (do not delete: voiding keeps "
                    "the history).",
                    f"Mark {s.number} synced in Suprata, linked to the one you kept. Do not retry it.",
                ],
                records=[s.number, *[f"QuickBooks invoice {c.id}" for c in copies]],
                warning=BOOKKEEPER,
            )
        ]
    failure = _last_failure(s.attempts)
    if failure is not None and failure.pattern is not None and failure.pattern != "P6":
        p = get_pattern(failure.pattern)
        return [
            Finding(
                kind="missing_in_qbo",
                says=(
                    f"{s.number} ({usd(s.total)}) is not in QuickBooks: its last push on {words.when(failure.at)} "
                    f"failed ({failure.error_code or failure.error_kind}: {failure.error}). That is "
                    f"{p.id} {p.name}."
                ),
                fix=[*p.steps, f"Details: qbsync diagnose --record-type invoice   (or qbsync explain {p.id})"],
                pattern=p.id,
                records=[s.number],
                amount=s.balance,
                warning=p.warning,
                fix_by=p.fix_by,
            )
        ]
    if s.sync_state in ("pending", "not_synced") and failure is None:
        return [
            Finding(
                kind="missing_in_qbo",
                says=f"{s.number} ({usd(s.total)}) is not in QuickBooks yet: Suprata shows it {s.sync_state}.",
                fix=["Wait for Suprata to push it (it syncs on change); if it stays pending, run qbsync diagnose."],
                pattern="P7",
                records=[s.number],
                amount=s.balance,
                fix_by="self",
            )
        ]
    return [
        Finding(
            kind="missing_in_qbo",
            says=f"{s.number} ({usd(s.total)}) is in Suprata but not in QuickBooks.",
            fix=[
                f"The bookkeeper creates {s.number} by hand in QuickBooks (same number, date, lines and tax), then "
                "it is marked synced in Suprata, linked to the new QuickBooks invoice.",
            ],
            records=[s.number],
            amount=s.balance,
            warning=BOOKKEEPER,
        )
    ]


def _invoice_gone(
    s: SupInvoice, q: QboInvoice, pays: list[SupPayment], copies: list[QboInvoice], words: Words
) -> Finding:
    if q.status == "deleted":
        says = (
            f"QuickBooks invoice {q.id}, which Suprata links to {s.number} ({usd(s.total)}), was deleted directly "
            f"in QuickBooks on {words.day(q.deleted_at)}; Suprata still shows it {s.sync_state}."
        )
    else:
        says = (
            f"QuickBooks invoice {q.id}, which Suprata links to {s.number} ({usd(s.total)}), is not in QuickBooks "
            "(deleted more than 30 days ago, or never there); Suprata still shows it synced."
        )
    stuck = [p for p in pays if not p.qbo_id or p.sync_state == "failed"]
    if stuck:
        says += " " + " ".join(
            f"Its payment {p.number} ({usd(p.amount)} on {words.day(p.txn_date)}) could not follow"
            + (f": {_quote(p.attempts)}." if _last_failure(p.attempts) else ".")
            for p in stuck
        )
    fix = []
    if copies:
        c = copies[0]
        fix.append(
            f"QuickBooks has another invoice numbered {s.number} (id {c.id}, {usd(c.total)}): if the bookkeeper "
            f"re-created it by hand, mark {s.number} in Suprata as linked to {c.id} instead of creating it again."
        )
    else:
        fix.append(
            f"The bookkeeper re-creates {s.number} by hand in QuickBooks (same number, date, lines and tax: "
            f"{usd(s.total)}) and it is marked synced in Suprata, linked to the new QuickBooks invoice id."
        )
    for p in stuck:
        fix.append(
            f"Then create the payment {p.number} ({usd(p.amount)}, {p.txn_date.isoformat()}) by hand in QuickBooks "
            f"against that new invoice, and mark it synced in Suprata. Do not remove the Suprata payment."
        )
    fix.append("Do not retry from Suprata until then: QuickBooks answers 610 for the deleted invoice.")
    return Finding(
        kind="deleted_in_qbo" if q.status == "deleted" else "missing_in_qbo",
        says=says,
        fix=fix,
        records=[s.number, f"QuickBooks invoice {q.id}", *[p.number for p in stuck]],
        amount=s.total,
        warning=BOOKKEEPER,
    )


def _quote(attempts: list[AttemptView]) -> str:
    f = _last_failure(attempts)
    if f is None:
        return ""
    code = f" {f.error_code}" if f.error_code else ""
    return f'QuickBooks answered{code} "{(f.error or "").rstrip(".")}"'


def _invoice_changes(s: SupInvoice, q: QboInvoice, diffs: list[Difference], words: Words) -> list[Finding]:
    if q.status == "voided" and s.status != "void":
        return [
            Finding(
                kind="voided_in_qbo_only",
                says=(
                    f"QuickBooks invoice {q.id} ({s.number}) was voided in QuickBooks on or before "
                    f"{words.day(q.updated_at)}; Suprata still shows it {s.status} ({usd(s.total)})."
                ),
                fix=[
                    "Ask whether the work was cancelled.",
                    f"If it was: void {s.number} in Suprata too, so both sides agree.",
                    f"If the void was a mistake: the bookkeeper re-creates {s.number} by hand in QuickBooks and it "
                    "is marked synced in Suprata, linked to the new invoice (a voided invoice cannot be un-voided).",
                ],
                records=[s.number, f"QuickBooks invoice {q.id}"],
                amount=s.total,
                warning=BOOKKEEPER,
            )
        ]
    if s.status == "void" and q.status != "voided":
        return [
            Finding(
                kind="voided_in_suprata_only",
                says=f"{s.number} is void in Suprata but QuickBooks invoice {q.id} is not ({usd(q.total)}).",
                fix=[f"Void QuickBooks invoice {q.id} (do not delete it: voiding keeps the history)."],
                records=[s.number, f"QuickBooks invoice {q.id}"],
                amount=-(q.total or Decimal(0)),
                warning=BOOKKEEPER,
            )
        ]
    content = [d for d in diffs if d.field not in ("balance", "status")]
    if not content:
        return []
    why = []
    if q.updated_at and s.synced_at and q.updated_at > s.synced_at + SAME_MOMENT and not q.payment_ids:
        why.append(f"QuickBooks invoice {q.id} was changed on {words.when(q.updated_at)}, after Suprata's last sync")
    elif q.updated_at and s.synced_at and q.updated_at > s.synced_at + SAME_MOMENT:
        why.append(f"QuickBooks invoice {q.id} was last changed on {words.when(q.updated_at)}")
    if s.synced_at and s.updated_at > s.synced_at + SAME_MOMENT:
        failure = _last_failure(s.attempts)
        tail = f", and pushing that change failed ({failure.error_code}: {failure.error})" if failure else ""
        why.append(f"Suprata's {s.number} was changed on {words.when(s.updated_at)}{tail}")
    named = "; ".join(d.says for d in content)
    return [
        Finding(
            kind="differs",
            says=f"{s.number} differs between the two sides: {named}." + (f" {'; '.join(why)}." if why else ""),
            fix=[
                "Decide with your bookkeeper which version is right.",
                f"If Suprata's is right: the bookkeeper edits QuickBooks invoice {q.id} by hand to match (a retry "
                "from Suprata fails while QuickBooks holds a newer edit).",
                f"If QuickBooks' is right: change {s.number} in Suprata to match.",
            ],
            pattern="P6",
            records=[s.number, f"QuickBooks invoice {q.id}"],
            amount=s.total - (q.total or Decimal(0)),
            warning=BOOKKEEPER,
        )
    ]


def _duplicates(
    s: SupInvoice, q: QboInvoice, copies: list[QboInvoice], pays: dict[str, QboPayment], words: Words
) -> Finding:
    every = sorted([q, *copies], key=lambda v: (len(v.id), v.id))
    ids = " and ".join(v.id for v in every)
    amounts = {v.total for v in every}
    each = f"both {usd(q.total)}" if len(amounts) == 1 and len(every) == 2 else ", ".join(usd(v.total) for v in every)
    origins = "; ".join(_origin(c, s.attempts, words) for c in copies)
    void_ids = ", ".join(c.id for c in copies)
    fix = [
        f"Void invoice {void_ids} in QuickBooks (do not delete: voiding keeps the history), then re-run: "
        f"qbsync trace {s.number}",
    ]
    warning = BOOKKEEPER
    paid = [c for c in copies if c.payment_ids]
    if paid:
        moved = ", ".join(f"{pid} on {c.id}" for c in paid for pid in c.payment_ids)
        fix.insert(0, f"First move the payments applied to the copy ({moved}) onto invoice {q.id}.")
        warning = f"{BOOKKEEPER} A copy has payments applied: voiding it leaves that money unapplied."
    return Finding(
        kind="duplicate",
        says=(
            f"QuickBooks holds {len(every)} invoices numbered {s.number} (ids {ids}, {each}); Suprata links {q.id}. "
            f"{origins[0].upper()}{origins[1:]}."
        ),
        fix=fix,
        records=[s.number, *[f"QuickBooks invoice {c.id}" for c in copies]],
        amount=-sum((c.total or Decimal(0) for c in copies), Decimal(0)),
        warning=warning,
    )


def _payment_findings(
    s: SupInvoice,
    q: QboInvoice,
    s_pays: list[SupPayment],
    q_pays: dict[str, QboPayment],
    reads: QboReads,
    words: Words,
) -> list[Finding]:
    out: list[Finding] = []
    for sp in s_pays:
        here = sum((a.amount for a in sp.applied if a.invoice_id == s.id), Decimal(0))
        out.extend(_one_payment(sp, here, q_pays.get(sp.qbo_id or ""), {s.id: q}, words, s.number))
    for qp in q_pays.values():
        if qp.suprata_number is not None or qp.status != "ok":
            continue
        applied = sum((a.amount for a in qp.applied if a.qbo_invoice_id == q.id), Decimal(0))
        if not applied:
            continue
        out.append(_direct_payment(qp, applied, q, s.number, words))
    return out


def _direct_payment(qp: QboPayment, applied: Decimal, q: QboInvoice, number: str, words: Words) -> Finding:
    ref = f", ref {qp.reference}" if qp.reference else ""
    return Finding(
        kind="payment_only_in_qbo",
        says=(
            f"A payment of {usd(qp.total)} on {words.day(qp.txn_date)} (QuickBooks payment {qp.id}{ref}), "
            f"{usd(applied)} of it applied to {number}, was entered directly in QuickBooks; Suprata does not know it"
            f", so Suprata still shows {number} as owed."
        ),
        fix=[
            f"Record the payment in Suprata against {number} ({usd(applied)}, {words.day(qp.txn_date)}{ref}) and "
            f"mark it synced, linked to QuickBooks payment {qp.id}, so Suprata never pushes a second copy.",
            f"Do not delete QuickBooks payment {qp.id}.",
        ],
        records=[number, f"QuickBooks payment {qp.id}"],
        amount=applied,
        warning=BOOKKEEPER,
    )


def _one_payment(
    sp: SupPayment,
    applied_here: Decimal,
    qp: QboPayment | None,
    invoices: dict[str, QboInvoice],
    words: Words,
    number: str,
) -> list[Finding]:
    targets = [a for a in sp.applied if a.invoice_id in invoices]
    target = invoices.get(targets[0].invoice_id) if targets and targets[0].invoice_id else None
    against = (
        f"invoice {target.id}" if target is not None and target.status not in ("deleted", "missing") else "the invoice"
    )
    if not sp.qbo_id:
        failure = _last_failure(sp.attempts)
        if failure is not None and failure.pattern is not None and failure.pattern != "P6":
            p = get_pattern(failure.pattern)
            return [
                Finding(
                    kind="payment_missing_in_qbo",
                    says=(
                        f"The payment {sp.number} of {usd(sp.amount)} on {words.day(sp.txn_date)} is not in "
                        f"QuickBooks: its last push failed ({failure.error_code or failure.error_kind}), "
                        f"{p.id} {p.name}."
                    ),
                    fix=[*p.steps],
                    pattern=p.id,
                    records=[sp.number],
                    amount=-applied_here,
                    warning=p.warning,
                    fix_by=p.fix_by,
                )
            ]
        if failure is None and sp.sync_state in ("pending", "not_synced"):
            return [
                Finding(
                    kind="payment_missing_in_qbo",
                    says=f"The payment {sp.number} ({usd(sp.amount)}) is not in QuickBooks yet: Suprata shows it "
                    f"{sp.sync_state}.",
                    fix=["Wait for Suprata to push it; if it stays pending, run qbsync diagnose --payments."],
                    pattern="P7",
                    records=[sp.number],
                    amount=-applied_here,
                    fix_by="self",
                )
            ]
        why = f" ({_quote(sp.attempts)})" if failure else ""
        return [
            Finding(
                kind="payment_missing_in_qbo",
                says=(
                    f"The payment {sp.number} of {usd(sp.amount)} on {words.day(sp.txn_date)} is in Suprata but not "
                    f"in QuickBooks{why}."
                ),
                fix=[
                    f"Create it by hand in QuickBooks against {against} ({usd(applied_here)} on "
                    f"{sp.txn_date.isoformat()}), then mark {sp.number} synced in Suprata; do not remove the "
                    "Suprata one.",
                ],
                records=[sp.number],
                amount=-applied_here,
                warning=BOOKKEEPER,
            )
        ]
    if qp is None or qp.status in ("deleted", "missing"):
        when = f" on {words.day(qp.deleted_at)}" if qp is not None and qp.deleted_at else ""
        gone = "was deleted directly in QuickBooks" + when if qp and qp.status == "deleted" else "is not in QuickBooks"
        return [
            Finding(
                kind="payment_deleted_in_qbo",
                says=(
                    f"QuickBooks payment {sp.qbo_id}, which Suprata links to {sp.number} ({usd(sp.amount)} on "
                    f"{words.day(sp.txn_date)}), {gone}."
                ),
                fix=[
                    f"The bookkeeper re-enters it by hand in QuickBooks against {against} ({usd(applied_here)}), "
                    f"and {sp.number} is linked to the new payment in Suprata; do not remove the Suprata one.",
                ],
                records=[sp.number, f"QuickBooks payment {sp.qbo_id}"],
                amount=-applied_here,
                warning=BOOKKEEPER,
            )
        ]
    if qp.status == "voided":
        return [
            Finding(
                kind="payment_voided_in_qbo_only",
                says=f"QuickBooks payment {qp.id} ({sp.number}, {usd(sp.amount)}) was voided in QuickBooks only.",
                fix=[
                    "Ask whether the payment bounced or was refunded.",
                    f"If it did: reverse {sp.number} in Suprata too. If the void was a mistake: the bookkeeper "
                    f"re-enters it in QuickBooks and {sp.number} is linked to the new payment.",
                ],
                records=[sp.number, f"QuickBooks payment {qp.id}"],
                amount=-applied_here,
                warning=BOOKKEEPER,
            )
        ]
    diffs = compare_payment(sp, qp, None)
    if not diffs:
        return []
    have_here = sum((a.amount for a in qp.applied if target is not None and a.qbo_invoice_id == target.id), Decimal(0))
    return [
        Finding(
            kind="payment_differs",
            says=f"{sp.number} and QuickBooks payment {qp.id} differ: " + "; ".join(d.says for d in diffs) + ".",
            fix=[
                "Decide with your bookkeeper which side is right, then correct the other by hand (in QuickBooks: "
                f"edit payment {qp.id}; never delete it).",
            ],
            records=[sp.number, f"QuickBooks payment {qp.id}"],
            amount=-(applied_here - have_here),
            warning=BOOKKEEPER,
        )
    ]


def _unexplained(differences: list[Difference], findings: list[Finding]) -> list[Difference]:
    return [] if findings else differences


# --- payment ------------------------------------------------------------------------------------------------


def trace_payment(services: Services, pay: m.Payment, asked: str) -> RecordTrace:
    sup, qbo, now = services.suprata, services.qbo, services.clock.now()
    account = sup.account()
    words = Words(account.timezone, now)
    customer = next(iter(sup.customers(ids=[pay.customer_id])), None)
    inv_ids = sorted({a.invoice_id for a in pay.applied})
    invoices = {i.id: i for i in sup.invoices(ids=inv_ids)} if inv_ids else {}
    attempts = sup.attempts(record_type="payment", record_id=pay.id)
    cust_payments = sup.payments(customer_id=pay.customer_id)
    cust_qbo = customer.qbo.qbo_id if customer else None
    reads = read_qbo(
        qbo,
        now,
        invoice_ids=[i.qbo.qbo_id for i in invoices.values() if i.qbo.qbo_id],
        payment_ids=[pay.qbo.qbo_id] if pay.qbo.qbo_id else [],
        customer_payments=cust_qbo,
    )
    numbers = _qbo_numbers(invoices, reads)
    known = {p.qbo.qbo_id: p.number for p in cust_payments if p.qbo.qbo_id}
    sp = sup_payment(pay, invoices, attempts)
    q_invoices: dict[str, QboInvoice] = {}
    for inv in invoices.values():
        view = _linked_view(inv.qbo.qbo_id, reads.invoices.get(inv.qbo.qbo_id or ""), reads)
        if view is not None:
            q_invoices[inv.id] = view
    qp = _payment_view(pay.qbo.qbo_id, reads, numbers, pay.number) if pay.qbo.qbo_id else None

    findings: list[Finding] = []
    differences: list[Difference] = []
    notes = list(reads.notes)
    gone = [(invoices[i], v) for i, v in q_invoices.items() if v.status in ("deleted", "missing")]
    unsynced = [inv for inv in invoices.values() if not inv.qbo.qbo_id]
    blocker = None
    if not pay.qbo.qbo_id and _lookalike(sp, reads, known, numbers) is None:
        blocker = _blocker(services, "payment", pay.id)
    if blocker is not None:
        what = f"The payment {sp.number} of {usd(sp.amount)} on {words.day(sp.txn_date)} is not in QuickBooks"
        findings.append(_blocked_finding(blocker, what, -sp.amount, kind="payment_missing_in_qbo"))
    elif not pay.qbo.qbo_id and gone:
        findings.append(_payment_blocked_by_gone_invoice(sp, gone, words))
    elif not pay.qbo.qbo_id and unsynced:
        names = ", ".join(i.number for i in unsynced)
        findings.append(
            Finding(
                kind="payment_missing_in_qbo",
                says=f"The payment {sp.number} ({usd(sp.amount)}) is not in QuickBooks: it waits for {names}, which "
                "is not in QuickBooks either (Suprata pushes an invoice before its payments).",
                fix=[f"Trace the invoice first: qbsync trace {unsynced[0].number}"],
                pattern="P6",
                records=[sp.number, *[i.number for i in unsynced]],
                amount=-sp.amount,
                fix_by="self",
            )
        )
    else:
        lookalike = None
        if not pay.qbo.qbo_id:
            lookalike = _lookalike(sp, reads, known, numbers)
        if lookalike is not None:
            findings.append(
                Finding(
                    kind="unlinked_copy",
                    says=(
                        f"The payment {sp.number} ({usd(sp.amount)} on {words.day(sp.txn_date)}) is not linked to "
                        f"QuickBooks, but QuickBooks holds payment {lookalike.id} of the same amount on "
                        f"{words.day(lookalike.txn_date)} that Suprata does not know: probably the same money."
                    ),
                    # the diagnosis's words for the same cause (a saved copy Suprata lost the link to)
                    fix=[
                        fill(step, {"number": sp.number, "entity": "payment", "qbo_id": str(lookalike.id)})
                        for step in CAUSE_KINDS["unlinked_copy"].steps
                    ],
                    records=[sp.number, f"QuickBooks payment {lookalike.id}"],
                    warning=BOOKKEEPER,
                )
            )
        else:
            by_inv = {a.invoice_id: q_invoices.get(a.invoice_id or "") for a in sp.applied}
            targets = {k: v for k, v in by_inv.items() if k and v is not None}
            found = _one_payment(sp, sp.amount, qp, targets, words, sp.number)
            if qp is not None and qp.status == "ok":
                differences.extend(compare_payment(sp, qp, cust_qbo))
            findings.extend(found)
            copy = _saved_twice(pay, reads, known)
            if copy is not None:
                findings.append(copy)
        for inv, view in gone:
            if pay.qbo.qbo_id:
                findings.append(_invoice_gone(sup_invoice(inv, customer, {}), view, [], [], words))
    if len(sp.applied) > 1:
        notes.append(
            f"{sp.number} pays {len(sp.applied)} invoices: "
            + ", ".join(f"{a.invoice_number or a.invoice_id} {usd(a.amount)}" for a in sp.applied)
        )
    q_pays = [qp] if qp is not None else []
    rerun = f"qbsync trace {pay.number}"
    agree = (
        f"Both sides agree: {pay.number} is QuickBooks payment {pay.qbo.qbo_id}, {usd(sp.amount)} on "
        f"{sp.txn_date.isoformat()}, applied the same way"
        + (f" to {len(sp.applied)} invoices." if len(sp.applied) > 1 else ".")
    )
    verdict = build_verdict(pay.number, findings, _unexplained(differences, findings), agree, rerun)
    for inv, _view in gone:
        warning = closed_period_warning(inv.txn_date, reads.book_close_date)
        if warning and warning not in verdict.warnings:
            verdict.warnings.append(f"{inv.number}: {warning}")
    s_invs = [sup_invoice(i, customer, {}) for i in invoices.values()]
    return RecordTrace(
        kind="payment",
        asked=asked,
        number=pay.number,
        verdict=verdict,
        findings=findings,
        differences=differences,
        invoice=None,
        payments=[sp],
        qbo_invoices=list(q_invoices.values()),
        qbo_payments=q_pays,
        timeline=_timeline(s_invs, [sp], list(q_invoices.values()), q_pays, invoice_attempts=False),
        notes=notes,
        company=account.name,
        timezone=account.timezone,
        generated_at=now,
        cdc_since=reads.cdc_since,
        qbo_requests=services.qbo_request_count(),
    )


def _payment_blocked_by_gone_invoice(sp: SupPayment, gone: list[tuple[m.Invoice, QboInvoice]], words: Words) -> Finding:
    inv, view = gone[0]
    how = f"deleted directly in QuickBooks on {words.day(view.deleted_at)}" if view.status == "deleted" else "missing"
    failure = _quote(sp.attempts)
    return Finding(
        kind="payment_missing_in_qbo",
        says=(
            f"The payment {sp.number} of {usd(sp.amount)} on {words.day(sp.txn_date)} is in Suprata but not in "
            f"QuickBooks: the invoice it pays, {inv.number} (QuickBooks invoice {view.id}), was {how}"
            + (f", so {failure}." if failure else ".")
        ),
        fix=[
            f"The bookkeeper re-creates {inv.number} by hand in QuickBooks ({usd(cents(inv.total))}) and it is "
            "marked synced in Suprata, linked to the new invoice id.",
            f"Then create {sp.number} by hand in QuickBooks against that new invoice ({usd(sp.amount)}, "
            f"{sp.txn_date.isoformat()}) and mark it synced in Suprata; do not remove the Suprata one.",
            "Do not retry the payment until then: it fails with 610 while the invoice is gone.",
        ],
        records=[sp.number, inv.number, f"QuickBooks invoice {view.id}"],
        amount=-sp.amount,
        warning=BOOKKEEPER,
    )


def _lookalike(sp: SupPayment, reads: QboReads, known: dict[str, str], numbers: dict[str, str]) -> QboPayment | None:
    for pid, row in reads.payments.items():
        if pid in known:
            continue
        view = qbo_payment(row, numbers, None)
        if view.status != "ok" or view.total != sp.amount or view.txn_date is None:
            continue
        if abs((view.txn_date - sp.txn_date).days) <= 7:
            return view
    return None


# --- timeline -------------------------------------------------------------------------------------------------


def _timeline(
    s_invs: list[SupInvoice],
    s_pays: list[SupPayment],
    q_invs: list[QboInvoice],
    q_pays: list[QboPayment],
    *,
    invoice_attempts: bool = True,
) -> list[TimelineEvent]:
    events: list[TimelineEvent] = []
    for s in s_invs:
        events.append(
            TimelineEvent(s.created_at, "suprata", f"{s.number} created in Suprata ({usd(s.total)})", s.number)
        )
        if s.updated_at > s.created_at + SAME_MOMENT:
            events.append(TimelineEvent(s.updated_at, "suprata", f"{s.number} changed in Suprata", s.number))
        if invoice_attempts:
            events.extend(_attempt_events(s.number, "invoice", s.attempts))
    for p in s_pays:
        where = ", ".join(a.invoice_number or a.invoice_id or "?" for a in p.applied)
        events.append(
            TimelineEvent(
                p.created_at, "suprata", f"{p.number} received in Suprata ({usd(p.amount)} → {where})", p.number
            )
        )
        events.extend(_attempt_events(p.number, "payment", p.attempts))
    for q in q_invs:
        label = f"QuickBooks invoice {q.id}"
        if q.created_at:
            events.append(
                TimelineEvent(
                    q.created_at,
                    "quickbooks",
                    f"{label} created ({q.doc_number or 'no number'}, {usd(q.total)})",
                    label,
                )
            )
        if q.updated_at and q.created_at and q.updated_at > q.created_at + SAME_MOMENT:
            what = "voided (last change)" if q.status == "voided" else "last changed (edit or payment applied)"
            events.append(TimelineEvent(q.updated_at, "quickbooks", f"{label} {what}", label))
        if q.status == "deleted" and q.deleted_at:
            events.append(TimelineEvent(q.deleted_at, "quickbooks", f"{label} deleted in QuickBooks", label))
    for qp in q_pays:
        label = f"QuickBooks payment {qp.id}"
        if qp.created_at:
            who = f" for {qp.suprata_number}" if qp.suprata_number else ", entered directly in QuickBooks"
            ref = f", ref {qp.reference}" if qp.reference else ""
            events.append(
                TimelineEvent(qp.created_at, "quickbooks", f"{label} created ({usd(qp.total)}{ref}){who}", label)
            )
        if qp.status == "voided" and qp.updated_at:
            events.append(TimelineEvent(qp.updated_at, "quickbooks", f"{label} voided", label))
        if qp.status == "deleted" and qp.deleted_at:
            events.append(TimelineEvent(qp.deleted_at, "quickbooks", f"{label} deleted in QuickBooks", label))
    events.sort(key=lambda e: (e.at, 0 if e.side == "suprata" else 1))
    return events


def _attempt_events(number: str, kind: str, attempts: list[AttemptView]) -> list[TimelineEvent]:
    out = []
    for a in attempts:
        head = f"{number} push attempt {a.attempt} ({_trigger(a.trigger)})"
        if a.outcome == "succeeded":
            what = f"{head}: synced → QuickBooks {kind} {a.qbo_id}"
        elif a.error_kind == "timeout":
            what = f"{head}: timed out (QuickBooks may have saved it)"
        else:
            code = f"{a.error_code} " if a.error_code else ""
            what = f"{head}: failed, {code}{a.error or a.error_kind}"
        if a.request_id:
            what += f" [request id {a.request_id[:12]}]"
        out.append(TimelineEvent(a.at, "suprata", what, number))
    return out


__all__ = ["NEVER_DELETE", "trace_invoice", "trace_payment"]
