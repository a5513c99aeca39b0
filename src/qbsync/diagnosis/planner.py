"""From classified failures to root causes, and from root causes to one ordered plan.

One customer's collision explains all its failed invoices and the payments waiting on them; a payment that
failed because its invoice never synced is a consequence, not a cause. The plan follows the triage order of
the pattern table: connection, customers, items, tax setup, closed period, balance mismatches, transient,
unknown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from qbsync.clients.faults import parse_fault
from qbsync.clients.redact import redact_text
from qbsync.diagnosis.classifier import Classification, Facts, classify, classify_each, distinct_causes, unknown
from qbsync.diagnosis.evidence import Evidence, customer_state, deleted_invoices, facts_for, live_copies, tax_state
from qbsync.diagnosis.failures import Failure, FailureSet
from qbsync.diagnosis.patterns import get_pattern
from qbsync.diagnosis.report import BlockedRecord, EvidenceItem, RootCause

PATTERN_EXAMPLE_NUMBER = "INV-1042"  # the pattern table's steps name an example record; say the real one
RETRY_LOOP_THRESHOLD = 2  # same-cause retries after which the output calls it a loop
TYPE_ORDER = {"customer": 0, "item": 1, "invoice": 2, "payment": 3}


@dataclass
class Classified:
    failure: Failure
    cls: Classification
    facts: Facts = field(default_factory=Facts)  # what the classification was judged on


def classify_all(fs: FailureSet, ev: Evidence) -> list[Classified]:
    """One entry per failure and distinct cause: a Fault with a tax-code and an inactive-item error gives two."""
    return [c for f in fs.failures for c in _classify_one(f, fs, ev)]


def _classify_one(f: Failure, fs: FailureSet, ev: Evidence) -> list[Classified]:
    malformed = getattr(f.latest, "malformed", None)
    if malformed or f.record_type not in TYPE_ORDER:
        reason = (
            f"Suprata's sync-log entry could not be read ({malformed})"
            if malformed
            else f"Suprata logged a record type qbsync does not know ({f.record_type!r})"
        )
        return [Classified(f, unknown(reason, "unknown.malformed-entry"))]
    try:
        facts = facts_for(f, fs, ev)
        causes = distinct_causes(classify_each(f.signal, facts))
        primary = classify(f.signal, facts)
        return [Classified(f, primary, facts)] + [
            Classified(f, c, facts) for c in causes if c.pattern != primary.pattern
        ]
    except Exception as exc:  # one odd record must never sink the whole diagnosis
        error = unknown(f"qbsync could not classify this failure ({type(exc).__name__})", "unknown.error")
        return [Classified(f, error)]


def build_root_causes(
    classified: list[Classified], fs: FailureSet, ev: Evidence, retry_counts: dict[tuple[str, str], int] | None = None
) -> list[RootCause]:
    groups: dict[tuple[str, str, str], list[Classified]] = defaultdict(list)
    for c in classified:
        groups[_group_key(c, fs, ev)].append(c)
    causes = [_root_cause(key, members, fs, ev, retry_counts or {}) for key, members in groups.items()]
    causes += _reconciliation_findings(fs, ev)
    causes += _qbo_only_payment_findings(fs, ev)
    return order_plan(causes)


def order_plan(causes: list[RootCause]) -> list[RootCause]:
    def rank(cause: RootCause) -> tuple[Any, ...]:
        escalated = 1 if cause.escalate else 0  # an escalated outage is support's; plain transient waits
        return (get_pattern(cause.pattern).plan_order, -escalated, -sum(cause.blocks.values()), cause.title)

    ordered = sorted(causes, key=rank)
    for i, cause in enumerate(ordered, 1):
        cause.step = i
    return ordered


# --- grouping -------------------------------------------------------------------------------------------


def _group_key(c: Classified, fs: FailureSet, ev: Evidence) -> tuple[str, str, str]:
    f, p = c.failure, c.cls.pattern
    if p == "P5":
        return (p, "connection", "suprata")
    if p == "P1":
        return (p, "customer", f.record_id if f.record_type == "customer" else (f.customer_id or "?"))
    if p == "P2":
        return (p, "item", _colliding_item(f, fs) or _inactive_item(f, fs, ev) or f.record_id)
    if p == "P3":
        return (p, "books", str(ev.book_close_date or "closed period"))
    if p == "P4":
        invoice = f.record if f.record_type == "invoice" else None
        if invoice is not None:
            return (p, "tax", f"{invoice.tax_category_id or '-'}:{invoice.service_state or '-'}")
        return (p, "tax", "setup")
    if p == "P6":
        return (p, "record", f"{f.record_type}:{f.record_id}")
    if p == "P7":
        status = f.signal.http_status
        kind = "throttling" if status == 429 or f.signal.code == "3001" else "outage"
        return (p, "service", f"{kind}{':escalated' if c.cls.escalate else ''}")
    code = f.signal.code or f.signal.kind or "error"
    return ("unknown", "error", f"{code}:{(f.signal.qbo_entity or f.record_type).lower()}")


def _inactive_item(f: Failure, fs: FailureSet, ev: Evidence) -> str | None:
    """The linked item of an invoice that QuickBooks holds as inactive (the other way an item blocks a line)."""
    if f.record_type == "invoice" and f.record is not None:
        for line in f.record.lines:
            item = fs.items.get(line.item_id)
            qbo_item = ev.items_by_id.get(item.qbo.qbo_id or "") if item is not None else None
            if qbo_item is not None and qbo_item.active is False:
                return item.id
    return None


def _colliding_item(f: Failure, fs: FailureSet) -> str | None:
    if f.record_type == "item":
        return f.record_id
    if f.record_type == "invoice" and f.record is not None:
        for line in f.record.lines:
            item = fs.items.get(line.item_id)
            if item is not None and not item.qbo.qbo_id:
                return item.id
    return None


# --- one root cause -------------------------------------------------------------------------------------


def _root_cause(
    key: tuple[str, str, str],
    members: list[Classified],
    fs: FailureSet,
    ev: Evidence,
    retry_counts: dict[tuple[str, str], int],
) -> RootCause:
    pattern_id, subject_type, subject_id = key
    pattern = get_pattern(pattern_id)
    members.sort(key=lambda c: (TYPE_ORDER.get(c.failure.record_type, 9), c.failure.number or ""))
    records = [_blocked(c.failure, fs, retry_counts) for c in members]
    if pattern_id == "unknown" or any(c.cls.escalate for c in members):
        _attach_raw(records, members)
    failing_invoices = {c.failure.record_id for c in members if c.failure.record_type == "invoice"}
    if pattern_id == "P1":
        failing_invoices |= fs.unsynced_invoices_by_customer.get(subject_id, set())
    records += [
        _waiting(p, fs) for p in fs.waiting_payments if any(a.invoice_id in failing_invoices for a in p.applied)
    ]
    confirmed = all(c.cls.confirmed for c in members)
    confidence = min(c.cls.confidence for c in members)
    title, evidence, first_step, next_command = _specifics(pattern_id, subject_id, members, fs, ev)
    example = members[0].failure.number or members[0].failure.record_id
    warnings = []
    if pattern.warning:
        warnings.append(pattern.warning)
    loops = [r for r in records if r.same_cause_retries >= RETRY_LOOP_THRESHOLD]
    if loops and pattern.retry != "safe":
        names = ", ".join(r.number or r.record_id for r in loops[:5])
        warnings.append(
            f"{names} {'was' if len(loops) == 1 else 'were'} already retried for this same cause "
            f"({max(r.same_cause_retries for r in loops)}x): retrying will not help until the cause "
            "is fixed."
        )
    times = [c.failure.first_failed_at for c in members]
    lasts = [c.failure.last_failed_at for c in members]
    steps = [first_step, pattern.steps[-1]] if first_step else list(pattern.steps)
    steps = [step.replace(PATTERN_EXAMPLE_NUMBER, example) for step in steps]
    retry = pattern.retry
    if pattern_id == "P5" and _reconnected_since(ev, max(lasts)):
        # The lapse is over: Suprata reconnected after these failed, which confirms the cause and makes
        # one retry of each record safe (Suprata never re-pushes records that failed on a dead connection).
        confirmed, confidence, retry = True, 0.9, "safe"
        steps = [first_step or "", pattern.steps[-1]]
    if retry == "safe":
        warnings += _latent_blockers(members)
    blocks: dict[str, int] = defaultdict(int)
    for r in records:
        blocks[r.record_type] += 1
    return RootCause(
        id=f"{pattern_id}:{subject_type}:{subject_id}",
        pattern=pattern_id,
        pattern_name=pattern.name,
        title=title,
        subject_type=subject_type,
        subject=subject_id,
        confirmed=confirmed,
        confidence=round(confidence, 2),
        reason=members[0].cls.reason,
        evidence=evidence,
        steps=steps,
        fix_by=pattern.fix_by,
        retry=retry,
        next_command=next_command,
        warnings=warnings,
        blocks=dict(blocks),
        records=records,
        first_seen=min(times) if times else None,
        last_seen=max(lasts) if lasts else None,
        escalate=any(c.cls.escalate for c in members),
    )


def _attach_raw(records: list[BlockedRecord], members: list[Classified]) -> None:
    """Support needs QuickBooks' own words: keep the raw body (redacted) and intuit_tid."""
    for record, c in zip(records, members, strict=True):
        error = c.failure.latest.error
        if error is not None:
            record.raw_error = redact_text(error.body or error.message or "")[:4000] or None
            record.intuit_tid = error.intuit_tid


def _latent_blockers(members: list[Classified]) -> list[str]:
    """Records a retry would still not clear: a second cause hides behind the first (a closed period, a tax gap).
    Read from the facts each record was classified on."""
    closed, untaxed = [], []
    for c in members:
        number = c.failure.number or c.failure.record_id
        if c.facts.in_closed_period:
            closed.append(number)
        elif c.facts.tax_code_state not in (None, "ok"):  # only set for an invoice whose tax setup was read
            untaxed.append(f"{number} ({c.failure.record.service_state})")
    out = []
    if closed:
        out.append(
            f"{', '.join(closed)} {'is' if len(closed) == 1 else 'are'} dated in the closed period: a retry "
            "will meet 6210 (see the closed-period step)."
        )
    if untaxed:
        out.append(f"{', '.join(untaxed)} will meet the tax mapping gap next: fix the tax step first.")
    return out


def _reconnected_since(ev: Evidence, last_failure: datetime) -> bool:
    conn = ev.suprata_connection
    since = conn.connected_at if conn is not None else None
    return conn is not None and conn.status == "connected" and since is not None and since > last_failure


def _blocked(f: Failure, fs: FailureSet, retry_counts: dict[tuple[str, str], int]) -> BlockedRecord:
    record = f.record
    customer = fs.customers.get(f.customer_id or "") if f.customer_id else None
    if f.record_type == "customer" and record is not None:
        customer = record
    fault = f.signal.fault
    message = None
    if fault is not None:
        message = " - ".join(p for p in (fault.message, fault.detail) if p)
    elif f.latest.error is not None:
        message = {"timeout": "no answer from QuickBooks in time", "connection": "QuickBooks could not be reached"}.get(
            f.latest.error.kind, f.latest.error.kind
        )
    own = f.record_type.capitalize()
    direct = (f.signal.qbo_entity or own).lower() == f.record_type or f.latest.error is None
    if not direct:
        dependency = (f.signal.qbo_entity or "record").lower()
        message = f"waits for its {dependency}: QuickBooks refused the {dependency}" + (
            f" ({fault.code})" if fault is not None and fault.code else ""
        )
    return BlockedRecord(
        record_type=f.record_type,
        record_id=f.record_id,
        number=f.number,
        customer=customer.display_name if customer is not None else None,
        txn_date=getattr(record, "txn_date", None),
        amount=record_amount(record),
        state=getattr(getattr(record, "qbo", None), "state", None) or "failed",
        first_failed_at=f.first_failed_at,
        last_failed_at=f.last_failed_at,
        attempts=len(f.streak),
        # Suprata's log already holds the attempts qbsync asked for; the local history covers retries
        # Suprata has not logged yet, so take the larger rather than the sum.
        same_cause_retries=max(f.same_cause_retries, retry_counts.get(f.key, 0)),
        error_code=fault.code if fault else None,
        error=_shorten(message),
        direct=direct,
    )


def _waiting(payment: Any, fs: FailureSet) -> BlockedRecord:
    customer = fs.customers.get(payment.customer_id)
    return BlockedRecord(
        record_type="payment",
        record_id=payment.id,
        number=payment.number,
        customer=customer.display_name if customer else None,
        txn_date=payment.txn_date,
        amount=payment.amount,
        state="waiting",
        first_failed_at=None,
        last_failed_at=None,
        attempts=0,
        same_cause_retries=0,
        error_code=None,
        error="waits for its invoice to reach QuickBooks",
        direct=False,
    )


def record_amount(record: Any) -> Decimal | None:
    """An invoice's total or a payment's amount."""
    for name in ("total", "amount"):
        value = getattr(record, name, None)
        if value is not None:
            return value
    return None


def _shorten(text: str | None, limit: int = 160) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- what to say about each root cause ------------------------------------------------------------------


def _specifics(
    pattern_id: str, subject_id: str, members: list[Classified], fs: FailureSet, ev: Evidence
) -> tuple[str, list[EvidenceItem], str | None, str | None]:
    first = members[0].failure
    count = len(members)
    if pattern_id == "P5":
        conn = ev.suprata_connection
        # Lead with what happened and when; the connection's state now comes second.
        first, last = members[0].failure, max((c.failure for c in members), key=lambda f: f.last_failed_at)
        error = first.latest.error
        body = (error.body or error.message) if error is not None else None
        refused = f": {_oauth_words(body)}" if body else ""
        items = [
            EvidenceItem(
                "suprata",
                f"{count} push(es) from {_when(min(c.failure.first_failed_at for c in members))}"
                f" to {_when(last.last_failed_at)} were refused by Intuit{refused}",
            )
        ]
        if conn is not None and conn.status != "connected":
            said = f" (Intuit said: {_oauth_words(conn.last_error)})" if conn.last_error else ""
            items.append(EvidenceItem("suprata", f"Suprata's QuickBooks connection is {conn.status}{said}"))
        if conn is not None and conn.status == "connected":
            since = conn.connected_at or conn.last_refresh_at
            items.append(
                EvidenceItem(
                    "suprata",
                    f"reconnected {_when(since)}; the records that failed while it was down were never pushed again",
                )
            )
            return (
                f"Suprata's QuickBooks connection had lapsed: {count} record(s) failed while it was down",
                items,
                "Suprata is connected again: retry the records that failed while it was down.",
                "qbsync retry --pattern P5",
            )
        link = conn.reconnect_url if conn else None
        return (
            "Suprata's QuickBooks connection has expired: every push fails until Suprata is reconnected",
            items,
            f"Reconnect Suprata to QuickBooks{f' at {link}' if link else ''} (this is Suprata's "
            "connection, not qbsync's).",
            "reconnect in Suprata, then: qbsync retry --pattern P5",
        )
    if pattern_id == "P1":
        customer = fs.customers.get(subject_id)
        name = customer.display_name if customer else subject_id
        items = []
        title = f"Customer '{name}' is not in QuickBooks"
        step = f"Fix customer '{name}' first, then retry it; its invoices and payments follow."
        if customer is not None and customer_state(customer, ev) in ("deleted", "inactive"):
            qbo_customer = ev.customers_by_id.get(customer.qbo.qbo_id or "")
            when = getattr(getattr(qbo_customer, "meta_data", None), "last_updated_time", None)
            items.append(
                EvidenceItem(
                    "quickbooks",
                    f"QuickBooks customer {customer.qbo.qbo_id} '{name}' was made "
                    f"inactive{f' on {_when(when)}' if when else ''} (edited directly in QuickBooks)",
                )
            )
            title = f"Customer '{name}' was made inactive in QuickBooks"
            step = f"Make customer '{name}' active again in QuickBooks (Customers > filter Inactive > Make active)."
        for holder in ev.name_holders(name):
            kind = type(holder).__name__
            status = "active" if getattr(holder, "active", True) is not False else "inactive"
            items.append(
                EvidenceItem(
                    "quickbooks",
                    f"QuickBooks {kind} {holder.id} '{holder.display_name}' ({status}) already uses this name",
                )
            )
            if kind != "Customer":
                title = f"Customer '{name}' cannot be created: a QuickBooks {kind.lower()} already uses the name"
                step = (
                    f"Rename the QuickBooks {kind.lower()} '{holder.display_name}' (e.g. add ' (Vendor)') or give the "
                    "Suprata customer a distinct display name."
                )
            else:
                title = f"Customer '{name}' already exists in QuickBooks but is not linked to Suprata"
                step = f"Link Suprata's customer to QuickBooks customer {holder.id}, or rename one of them."
        return (title, items, step, f"qbsync retry {customer.number if customer else subject_id}")
    if pattern_id == "P2":
        item = fs.items.get(subject_id)
        name = item.name if item else subject_id
        linked = ev.items_by_id.get(item.qbo.qbo_id or "") if item is not None else None
        if linked is not None and linked.active is False:
            return (
                f"Item '{name}' is inactive in QuickBooks",
                [EvidenceItem("quickbooks", f"QuickBooks item {linked.id} '{linked.name}' is inactive")],
                f"Make QuickBooks item '{linked.name}' active again (Products and services, include inactive).",
                f"qbsync retry {first.number or first.record_id}",
            )
        qbo_item = ev.items_by_name.get(name.strip().lower()) if item else None
        items = []
        if qbo_item is not None:
            created = getattr(getattr(qbo_item, "meta_data", None), "create_time", None)
            items.append(
                EvidenceItem(
                    "quickbooks",
                    f"QuickBooks item {qbo_item.id} '{qbo_item.name}' exists"
                    f"{f' (created {_when(created)})' if created else ''} and is not linked to "
                    f"Suprata's item {item.sku if item else ''}",
                )
            )
        return (
            f"Item '{name}' already exists in QuickBooks but was never linked",
            items,
            f"Link Suprata's item '{name}' to QuickBooks item {qbo_item.id if qbo_item else '?'}, or rename one.",
            f"qbsync retry {item.sku if item else subject_id}",
        )
    if pattern_id == "P3":
        close = ev.book_close_date
        dates = sorted(d for d in (getattr(c.failure.record, "txn_date", None) for c in members) if d)
        items = [EvidenceItem("quickbooks", f"QuickBooks books are closed through {close}")] if close else []
        if dates:
            items.append(EvidenceItem("suprata", f"the failed records are dated {dates[0]} to {dates[-1]}"))
        return (
            f"{count} record(s) dated on or before the books close date" + (f" ({close})" if close else ""),
            items,
            None,
            f"qbsync trace {first.number or first.record_id}",
        )
    if pattern_id == "P4":
        invoice = first.record if first.record_type == "invoice" else None
        items = []
        title = "Tax setup: a Suprata tax category has no matching QuickBooks tax code"
        step = None
        if invoice is not None and ev.tax_categories:
            state, category, mapping = tax_state(invoice, ev)
            cat = category.name if category else invoice.tax_category_id
            where = invoice.service_state or "?"
            mapped_states = sorted(mp.state for mp in (category.mappings if category else []) if mp.qbo_tax_code_id)
            if state == "unmapped":
                items.append(
                    EvidenceItem(
                        "suprata",
                        f"tax category '{cat}' is mapped for {', '.join(mapped_states) or 'no state'}"
                        f" but not for {where}",
                    )
                )
                title = f"Tax category '{cat}' has no QuickBooks tax code for {where}"
                step = (
                    f"In Suprata's QuickBooks settings, map tax category '{cat}' for {where} to a QuickBooks tax code."
                )
            elif state in ("inactive", "missing") and mapping is not None:
                items.append(
                    EvidenceItem(
                        "quickbooks",
                        f"QuickBooks tax code {mapping.qbo_tax_code_id} mapped for '{cat}' in {where} is {state}",
                    )
                )
                title = f"Tax category '{cat}' in {where} maps to a QuickBooks tax code that is {state}"
                step = f"Point the '{cat}' mapping for {where} at an active QuickBooks tax code."
        return (title, items, step, "qbsync retry --pattern P4")
    if pattern_id == "P6":
        return _p6_specifics(first, fs, ev)
    if pattern_id == "P7":
        kind = subject_id.split(":")[0]
        items = [
            EvidenceItem(
                "quickbooks",
                f"HTTP {first.signal.http_status or '-'} {first.signal.code or ''}".strip(),
            )
        ]
        escalated = subject_id.endswith(":escalated")
        if escalated:
            return (
                f"QuickBooks {kind} has persisted for over a day ({count} record(s))",
                items,
                "This has lasted over a day: contact support with the report from 'qbsync diagnose --report'.",
                "qbsync diagnose --report support.md",
            )
        return (f"QuickBooks {kind}: {count} record(s) waiting for Suprata's automatic retry", items, None, None)
    code = first.signal.code
    msg = first.signal.fault.message if first.signal.fault else first.signal.kind
    return (
        f"Not a known pattern: {msg or 'unrecognised error'}{f' (code {code})' if code else ''}",
        [EvidenceItem("qbsync", members[0].cls.reason)],
        None,
        "qbsync diagnose --report support.md",
    )


def _p6_specifics(f: Failure, fs: FailureSet, ev: Evidence) -> tuple[str, list[EvidenceItem], str | None, str | None]:
    number = f.number or f.record_id
    items: list[EvidenceItem] = []
    deleted = deleted_invoices(f.record, fs, ev) if f.record_type == "payment" and f.record is not None else []
    if deleted:
        inv = deleted[0]
        items.append(
            EvidenceItem(
                "quickbooks",
                f"invoice {inv.number} (QuickBooks id {inv.qbo.qbo_id}) was deleted directly in QuickBooks",
            )
        )
        return (
            f"Payment {number} cannot sync: its invoice {inv.number} was deleted in QuickBooks",
            items,
            f"With your bookkeeper: re-create invoice {inv.number} in QuickBooks, then record payment "
            f"{number} against it by hand; do not remove either from Suprata.",
            f"qbsync trace {number}",
        )
    return (f"Balance mismatch on {number}", items, None, f"qbsync trace {number}")


def _reconciliation_findings(fs: FailureSet, ev: Evidence) -> list[RootCause]:
    """Balance mismatches that are not failures at all: duplicates created by retries after a timeout."""
    out = []
    for number, invoice in sorted(ev.duplicate_candidates.items()):
        copies = live_copies(ev.invoices_by_doc.get(number, []))
        if len(copies) < 2:
            continue
        linked = invoice.qbo.qbo_id
        void_ids = ", ".join(c.id for c in copies if c.id != linked)
        amounts = ", ".join(f"${c.total_amt}" for c in copies)
        out.append(
            _balance_finding(
                fs,
                key=f"duplicate:{invoice.id}",
                title=f"Duplicate invoice {number} in QuickBooks (created by a retry)",
                reason="two live QuickBooks invoices share the DocNumber and only one is linked to Suprata",
                evidence=[
                    EvidenceItem(
                        "quickbooks",
                        f"QuickBooks holds {len(copies)} invoices numbered {number} "
                        f"(ids {', '.join(c.id for c in copies)}; {amounts})",
                    ),
                    EvidenceItem(
                        "suprata",
                        f"Suprata links {number} to QuickBooks invoice {linked}; an earlier push "
                        "timed out after QuickBooks had saved it, and the retry created another",
                    ),
                ],
                first_step=f"Void QuickBooks invoice {void_ids} (the copy Suprata does not link to); do not delete it: "
                "voiding keeps the history.",
                invoices=[invoice],
                says=f"{len(copies)} copies in QuickBooks",
                when=None,
            )
        )
    return out


def _qbo_only_payment_findings(fs: FailureSet, ev: Evidence) -> list[RootCause]:
    out = []
    for payment, invoices in ev.qbo_only_payments:
        numbers = ", ".join(i.number for i in invoices)
        created = getattr(getattr(payment, "meta_data", None), "create_time", None)
        amount = getattr(payment, "total_amt", None)
        out.append(
            _balance_finding(
                fs,
                key=f"qbo-only-payment:{payment.id}",
                title=f"Payment for {numbers} was entered directly in QuickBooks and is not in Suprata",
                reason="a QuickBooks payment applies to a Suprata invoice, but no Suprata payment links to it",
                evidence=[
                    EvidenceItem(
                        "quickbooks",
                        f"QuickBooks payment {payment.id} of ${amount} dated {payment.txn_date} "
                        f"(entered {_when(created)}) is applied to {numbers}",
                    ),
                    EvidenceItem(
                        "suprata",
                        f"no Suprata payment is linked to QuickBooks payment {payment.id}; Suprata "
                        f"still shows {numbers} with a balance of ${invoices[0].balance}",
                    ),
                ],
                first_step=f"With your bookkeeper: record the same payment in Suprata and link it to QuickBooks payment "
                f"{payment.id} (mark it synced) so Suprata never pushes a second copy. If it was entered in QuickBooks "
                "by mistake, void it there (never delete) and let Suprata sync its own record.",
                invoices=invoices,
                says=f"QuickBooks holds payment {payment.id} Suprata does not know",
                when=created,
            )
        )
    return out


def _balance_finding(
    fs: FailureSet,
    *,
    key: str,
    title: str,
    reason: str,
    evidence: list[EvidenceItem],
    first_step: str,
    invoices: list[Any],
    says: str,
    when: datetime | None,
) -> RootCause:
    """A P6 root cause found by comparing the two sides rather than from a failed push."""
    pattern = get_pattern("P6")
    number = invoices[0].number
    records = [
        BlockedRecord(
            "invoice",
            i.id,
            i.number,
            fs.customers[i.customer_id].display_name if i.customer_id in fs.customers else None,
            i.txn_date,
            i.total,
            i.qbo.state,
            None,
            None,
            0,
            0,
            None,
            says,
            True,
        )
        for i in invoices
    ]
    return RootCause(
        id=f"P6:{key}",
        pattern="P6",
        pattern_name=pattern.name,
        title=title,
        subject_type="record",
        subject=key,
        confirmed=True,
        confidence=0.9,
        reason=reason,
        evidence=evidence,
        steps=[first_step, *(step.replace(PATTERN_EXAMPLE_NUMBER, number) for step in pattern.steps[1:])],
        fix_by=pattern.fix_by,
        retry="unsafe",
        next_command=f"qbsync trace {number}",
        warnings=[w for w in (pattern.warning,) if w],
        blocks={"invoice": len(invoices)},
        records=records,
        first_seen=when,
        last_seen=when,
    )


def _oauth_words(last_error: str) -> str:
    """Intuit's token-endpoint body, in words: ``invalid_grant (Token invalid)``."""
    fault = parse_fault(400, last_error)
    if fault is not None and fault.code:
        return f"{fault.code} ({fault.message})" if fault.message and fault.message != fault.code else fault.code
    return " ".join(last_error.split())[:80]


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if isinstance(value, datetime) else str(value or "?")
