"""From classified failures to root causes, and from root causes to one ordered plan.

One customer's collision explains all its failed invoices and the payments waiting on them; a payment that
failed because its invoice never synced is a consequence, not a cause. The plan follows the triage order of
the pattern table: connection, customers, items, tax setup, closed period, balance mismatches, transient,
unknown.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from qbsync.clients.faults import parse_fault
from qbsync.clients.redact import redact_text
from qbsync.diagnosis.blockers import (
    PASSING_KINDS,
    Blocker,
    Cause,
    Classified,
    RecordKey,
    build_blockers,
    removals_on_their_own,
    waited_on,
)
from qbsync.diagnosis.classifier import (
    Classification,
    Facts,
    FailureSignal,
    classification_key,
    classify_each,
    distinct_causes,
    first_to_fix,
    unknown,
)
from qbsync.diagnosis.evidence import Evidence, facts_for, live_copies
from qbsync.diagnosis.failures import Failure, FailureSet
from qbsync.diagnosis.patterns import fill, get_pattern
from qbsync.diagnosis.report import BlockedRecord, EvidenceItem, RootCause
from qbsync.wording import local_time, plural

__all__ = ["Analysis", "Classified", "analyse", "build_root_causes", "classify_all", "order_plan", "record_amount"]

RETRY_LOOP_THRESHOLD = 2  # same-cause retries after which the output calls it a loop
TYPE_ORDER = {"customer": 0, "item": 1, "invoice": 2, "payment": 3}


# classify_each's answer, distinct causes and cause to fix first, for one classification_key; and the signal
# judged, which keeps the parse the key names by identity alive
Judged = tuple[tuple[Classification, ...], Classification, FailureSignal]


def classify_all(fs: FailureSet, ev: Evidence) -> list[Classified]:
    """One entry per failure and distinct cause: a Fault with a tax-code and an inactive-item error gives two.
    Failures of one cause with the same facts are judged once (``classification_key``): 50,000 failures hold a
    few hundred distinct judgements."""
    memo: dict[tuple[Any, ...], Judged] = {}
    return [c for f in fs.failures for c in _classify_one(f, fs, ev, memo)]


def _judge(f: Failure, facts: Facts, memo: dict[tuple[Any, ...], Judged]) -> Judged:
    key = classification_key(f.signal, facts)
    found = memo.get(key) if key is not None else None
    if found is None:
        each = classify_each(f.signal, facts)
        found = (distinct_causes(each), first_to_fix(each), f.signal)  # classify() is first_to_fix(classify_each())
        if key is not None:
            memo[key] = found
    return found


def _classify_one(f: Failure, fs: FailureSet, ev: Evidence, memo: dict[tuple[Any, ...], Judged]) -> list[Classified]:
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
        causes, primary, _ = _judge(f, facts, memo)
        return [Classified(f, primary, facts)] + [
            Classified(f, c, facts) for c in causes if c.pattern != primary.pattern
        ]
    except Exception as exc:  # one odd record must never sink the whole diagnosis
        error = unknown(f"qbsync could not classify this failure ({type(exc).__name__})", "unknown.error")
        return [Classified(f, error)]


@dataclass
class Analysis:
    """Every record's blocker, and the root causes they group into, in plan order."""

    blockers: dict[RecordKey, Blocker]
    causes: list[RootCause]


def analyse(
    classified: list[Classified], fs: FailureSet, ev: Evidence, retry_counts: dict[tuple[str, str], int] | None = None
) -> Analysis:
    blockers = build_blockers(classified, fs, ev)
    by_key: dict[RecordKey, list[Classified]] = defaultdict(list)
    for c in classified:
        by_key[c.failure.key].append(c)
    groups: dict[tuple[str, tuple[str, str]], list[tuple[Blocker, Cause]]] = defaultdict(list)
    for blocker in blockers.values():
        for cause in blocker.classified:  # a record whose one Fault carries two causes is in both plan entries
            groups[(cause.pattern, cause.subject)].append((blocker, cause))
    verdicts: _Verdicts = {}
    causes = [_root_cause(members, by_key, fs, ev, retry_counts or {}, verdicts) for members in groups.values()]
    causes += _reconciliation_findings(fs, ev)
    causes += _qbo_only_payment_findings(fs, ev)
    causes += _duplicate_payment_findings(fs, ev)
    causes += _removed_findings(fs, ev, blockers)
    return Analysis(blockers, order_plan(causes))


def build_root_causes(
    classified: list[Classified], fs: FailureSet, ev: Evidence, retry_counts: dict[tuple[str, str], int] | None = None
) -> list[RootCause]:
    return analyse(classified, fs, ev, retry_counts).causes


def order_plan(causes: list[RootCause]) -> list[RootCause]:
    def rank(cause: RootCause) -> tuple[Any, ...]:
        escalated = 1 if cause.escalate else 0  # an escalated outage is support's; plain transient waits
        return (get_pattern(cause.pattern).plan_order, -escalated, -sum(cause.blocks.values()), cause.title)

    ordered = sorted(causes, key=rank)
    for i, cause in enumerate(ordered, 1):
        cause.step = i
    return ordered


# --- one root cause -------------------------------------------------------------------------------------


def plan_steps(primary: Cause, members: list[Blocker]) -> list[str]:
    """The primary cause's steps; what else blocks some of its records, each once, in triage order (before
    the primary's when the primary passes by itself); then how to retry. De-duplicated."""
    latent: dict[tuple[str, tuple[str, str]], tuple[Cause, list[str]]] = {}
    for blocker in members:
        for cause in blocker.causes:
            if (cause.kind, cause.subject) == (primary.kind, primary.subject):
                continue
            entry = latent.setdefault((cause.kind, cause.subject), (cause, []))
            entry[1].append(blocker.number or blocker.key[1])
    also = [
        f"{also_for(numbers)}{cause.first_step}"
        for cause, numbers in sorted(latent.values(), key=lambda e: e[0].rank())
    ]
    own = primary.steps
    steps = [*also, *own] if primary.kind in PASSING_KINDS else [*own, *also]
    if primary.retry_step:
        steps.append(primary.retry_step)
    return list(dict.fromkeys(steps))


def also_for(numbers: list[str]) -> str:
    """The prefix of a step that applies to some of a root cause's records only."""
    shown = ", ".join(numbers[:6]) + (f" and {len(numbers) - 6} more" if len(numbers) > 6 else "")
    return f"Also for {shown}: "


def _root_cause(
    pairs: list[tuple[Blocker, Cause]],
    by_key: dict[RecordKey, list[Classified]],
    fs: FailureSet,
    ev: Evidence,
    retry_counts: dict[tuple[str, str], int],
    verdicts: _Verdicts,
) -> RootCause:
    pairs.sort(key=lambda e: (TYPE_ORDER.get(e[0].key[0], 9), e[0].number or ""))
    members = [b for b, _ in pairs]
    primary = pairs[0][1]
    pattern_id = primary.pattern
    pattern = get_pattern(pattern_id)
    as_classified = [_classified_as(by_key[b.key], cause) if b.key in by_key else None for b, cause in pairs]
    failed = [c for c in as_classified if c is not None]
    records = [
        _blocked(c.failure, fs, retry_counts, b, verdicts) if c is not None else _waiting(b, fs, verdicts)
        for (b, _), c in zip(pairs, as_classified, strict=True)
    ]
    if pattern_id == "unknown" or any(c.cls.escalate for c in failed):
        _attach_raw([r for r, b in zip(records, members, strict=True) if b.key in by_key], failed)
    confirmed = bool(failed) and all(c.cls.confirmed for c in failed)
    confidence = min((c.cls.confidence for c in failed), default=0.9)
    times = [c.failure.first_failed_at for c in failed]
    lasts = [c.failure.last_failed_at for c in failed]
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
    retry = pattern.retry
    if primary.kind == "connection_lapsed" and lasts and _reconnected_since(ev, max(lasts)):
        # The lapse is over: Suprata reconnected after these failed, which confirms the cause and makes
        # one retry of each record safe (Suprata never re-pushes records that failed on a dead connection).
        confirmed, confidence, retry = True, 0.9, "safe"
    blocks: dict[str, int] = defaultdict(int)
    for r in records:
        blocks[r.record_type] += 1
    count = len(failed) or len(members)
    params = {**primary.params, "count": str(count), "records": plural(count, "record")}
    params.setdefault("since", _when(min(times), ev) if times else "?")
    return RootCause(
        id=f"{pattern_id}:{primary.subject[0]}:{primary.subject[1]}",
        pattern=pattern_id,
        pattern_name=pattern.name,
        title=fill(primary.spec.title, params),
        subject_type=primary.subject[0],
        subject=primary.subject[1],
        confirmed=confirmed,
        confidence=round(confidence, 2),
        reason=failed[0].cls.reason if failed else "it waits for a record that is not in QuickBooks",
        evidence=_evidence(primary, failed, ev),
        steps=plan_steps(primary, members),
        fix_by=pattern.fix_by,
        retry=retry,
        next_command=primary.command,
        warnings=warnings,
        blocks=dict(blocks),
        records=records,
        first_seen=min(times) if times else None,
        last_seen=max(lasts) if lasts else None,
        escalate=any(c.cls.escalate for c in failed),
        kind=primary.kind,
    )


def _classified_as(candidates: list[Classified], cause: Cause) -> Classified:
    """The classification of a failure that stands for ``cause`` (the first when none matches its pattern)."""
    if len(candidates) == 1:
        return candidates[0]  # nearly every record: one failure, one classification
    return next((c for c in candidates if c.cls.pattern == cause.pattern), candidates[0])


def _evidence(primary: Cause, failed: list[Classified], ev: Evidence) -> list[EvidenceItem]:
    if primary.pattern == "P5":
        return _p5_evidence(failed, ev)
    items = list(primary.evidence)
    if primary.pattern == "P3":
        dates = sorted(d for d in (getattr(c.failure.record, "txn_date", None) for c in failed) if d)
        if dates:
            items.append(EvidenceItem("suprata", f"the failed records are dated {dates[0]} to {dates[-1]}"))
    if primary.pattern == "P7" and failed:
        first = failed[0].failure
        said = f"HTTP {first.signal.http_status or '-'} {first.signal.code or ''}".strip()
        items.append(EvidenceItem("quickbooks", said))
    return items


def _p5_evidence(failed: list[Classified], ev: Evidence) -> list[EvidenceItem]:
    """Lead with what happened and when; the connection's state now comes second."""
    if not failed:
        return []
    conn = ev.suprata_connection
    first = failed[0].failure
    last = max((c.failure for c in failed), key=lambda f: f.last_failed_at)
    error = first.latest.error
    body = (error.body or error.message) if error is not None else None
    refused = f": {_oauth_words(body)}" if body else ""
    items = [
        EvidenceItem(
            "suprata",
            f"{plural(len(failed), 'push', 'pushes')} from {_when(min(c.failure.first_failed_at for c in failed), ev)}"
            f" to {_when(last.last_failed_at, ev)} {'was' if len(failed) == 1 else 'were'} refused by Intuit{refused}",
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
                f"reconnected {_when(since, ev)}; the records that failed while it was down were never pushed again",
            )
        )
    return items


def _attach_raw(records: list[BlockedRecord], members: list[Classified]) -> None:
    """Support needs QuickBooks' own words: keep the raw body (redacted) and intuit_tid."""
    for record, c in zip(records, members, strict=True):
        error = c.failure.latest.error
        if error is not None:
            record.raw_error = redact_text(error.body or error.message or "")[:4000] or None
            record.intuit_tid = error.intuit_tid


def _reconnected_since(ev: Evidence, last_failure: datetime) -> bool:
    conn = ev.suprata_connection
    since = conn.connected_at if conn is not None else None
    return conn is not None and conn.status == "connected" and since is not None and since > last_failure


def _blocked(
    f: Failure, fs: FailureSet, retry_counts: dict[tuple[str, str], int], b: Blocker, verdicts: _Verdicts
) -> BlockedRecord:
    record = f.record
    customer = fs.customers.get(f.customer_id or "") if f.customer_id else None
    if f.record_type == "customer" and record is not None:
        customer = record
    fault, error = f.signal.fault, f.latest.error
    first = fault.primary if fault is not None else None
    words = (first.code, first.message, first.detail) if first is not None else (None, None, None)
    code, message, direct = _error_line(
        f.record_type, f.signal.qbo_entity, error.kind if error is not None else None, fault is not None, *words
    )
    v = _verdict(b, verdicts)
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
        error_code=code,
        error=message,
        direct=direct,
        pattern=v.pattern,
        cause=v.cause,
        first_step=v.first_step,
        waits_on=v.waits_on,
        also=list(v.also),  # each record its own list
    )


@lru_cache(maxsize=4096)
def _error_line(
    record_type: str,
    qbo_entity: str | None,
    kind: str | None,
    has_fault: bool,
    code: str | None,
    message: str | None,
    detail: str | None,
) -> tuple[str | None, str | None, bool]:
    """(code, one line of QuickBooks' words, whether the record failed itself): the same few for thousands of
    records, so worked out once each."""
    said = None
    if has_fault:
        said = " - ".join(p for p in (message, detail) if p)
    elif kind is not None:
        said = {"timeout": "no answer from QuickBooks in time", "connection": "QuickBooks could not be reached"}.get(
            kind, kind
        )
    direct = (qbo_entity or record_type.capitalize()).lower() == record_type or kind is None
    if not direct:
        dependency = (qbo_entity or "record").lower()
        said = f"waits for its {dependency}: QuickBooks refused the {dependency}" + (f" ({code})" if code else "")
    return code, _shorten(said), direct


class _Verdict(NamedTuple):
    """The record's own answer, the same one trace and retry give: its first cause and that cause's first step."""

    pattern: str
    cause: str
    first_step: str
    waits_on: str | None
    also: tuple[str, ...]  # the kinds of the other causes, in order


# A blocker's verdict by the identity of its causes, which live as long as the blockers do: at 50,000
# records a few hundred distinct cause lists, each filled once.
_Verdicts = dict[tuple[int, ...], _Verdict]


def _verdict(b: Blocker, verdicts: _Verdicts) -> _Verdict:
    key = tuple(map(id, b.causes))
    known = verdicts.get(key)
    if known is None:
        waits = b.first.via_number if b.first.via is not None else None
        known = verdicts[key] = _Verdict(
            b.pattern, b.first.kind, b.first_step, waits, tuple(c.kind for c in b.causes[1:])
        )
    return known


def _waiting(b: Blocker, fs: FailureSet, verdicts: _Verdicts) -> BlockedRecord:
    payment = fs.payments.get(b.key[1]) or fs.waiting_payments_by_id[b.key[1]]
    customer = fs.customers.get(payment.customer_id)
    v = _verdict(b, verdicts)
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
        pattern=v.pattern,
        cause=v.cause,
        first_step=v.first_step,
        waits_on=v.waits_on,
        also=list(v.also),
    )


def record_amount(record: Any) -> Decimal | None:
    """An invoice's total or a payment's amount."""
    for name in ("total", "amount"):
        value: Decimal | None = getattr(record, name, None)
        if value is not None:
            return value
    return None


def _shorten(text: str | None, limit: int = 160) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
                cause=Cause("duplicate_invoice", {"number": number, "void_ids": void_ids}, ("record", number)),
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
                cause=Cause(
                    "qbo_only_payment",
                    {"numbers": numbers, "qbo_id": str(payment.id), "first_invoice": invoices[0].number},
                    ("record", f"qbo-payment:{payment.id}"),
                ),
                reason="a QuickBooks payment applies to a Suprata invoice, but no Suprata payment links to it",
                evidence=[
                    EvidenceItem(
                        "quickbooks",
                        f"QuickBooks payment {payment.id} of ${amount} dated {payment.txn_date} "
                        f"(entered {_when(created, ev)}) is applied to {numbers}",
                    ),
                    EvidenceItem(
                        "suprata",
                        f"no Suprata payment is linked to QuickBooks payment {payment.id}; Suprata "
                        f"still shows {numbers} with a balance of ${invoices[0].balance}",
                    ),
                ],
                invoices=invoices,
                says=f"QuickBooks holds payment {payment.id} Suprata does not know",
                when=created,
            )
        )
    return out


def _removed_findings(fs: FailureSet, ev: Evidence, blockers: dict[RecordKey, Blocker]) -> list[RootCause]:
    """Invoices and payments open in Suprata but voided or deleted directly in QuickBooks, whether or not a
    push failed on them (a failing record, or one a failing payment waits on, is already in the plan)."""
    out = []
    for gone in removals_on_their_own(ev.removed, blockers, waited_on(blockers)):
        number = gone.record.number
        what = gone.record_type.capitalize()
        undo = f"void {number}" if gone.record_type == "invoice" else f"reverse {number}"
        on = f" on {_when(gone.when, ev)}" if gone.when else ""
        cause = Cause(
            "removed_in_qbo",
            {
                "what": what,
                "number": number,
                "change": gone.change,
                "when": on,
                "entity": gone.record_type,
                "qbo_id": gone.qbo_id,
                "undo_suprata": undo,
            },
            ("record", f"{gone.record_type}:{gone.record.id}"),
        )
        evidence = [
            EvidenceItem("quickbooks", f"QuickBooks {gone.record_type} {gone.qbo_id} was {gone.change}{on}"),
            EvidenceItem("suprata", f"Suprata still shows {number} as {_open_words(gone.record)}"),
        ]
        out.append(
            _balance_finding(
                fs,
                key=f"removed:{gone.record_type}:{gone.record.id}",
                cause=cause,
                reason=f"the QuickBooks copy of an open Suprata {gone.record_type} was {gone.change} in QuickBooks",
                evidence=evidence,
                invoices=[gone.record],
                says=f"{gone.change} in QuickBooks only",
                when=gone.when,
            )
        )
    return out


def _open_words(record: Any) -> str:
    if isinstance(getattr(record, "status", None), str):
        return f"{record.status}, ${record.balance} due" if record.status == "open" else record.status
    return f"${record.amount} received on {record.txn_date}"


def _duplicate_payment_findings(fs: FailureSet, ev: Evidence) -> list[RootCause]:
    out = []
    for extra, twin, payment, invoices in ev.duplicate_payments:
        numbers = ", ".join(i.number for i in invoices)
        # QuickBooks links a payment for at most what is open on an invoice (620 beyond it), so the copy shows
        # as less left to pay there than in Suprata, not as a balance below zero.
        balances = ", ".join(
            f"{i.number} ${b.balance} in QuickBooks, ${i.balance} in Suprata"
            for i in invoices
            for b in ev.changed("Invoice")
            if b.id == i.qbo.qbo_id and b.balance is not None and Decimal(str(b.balance)) != i.balance
        )
        ref = f", reference {twin.payment_ref_num}" if twin.payment_ref_num else ""
        cause = Cause(
            "duplicate_payment",
            {"number": payment.number, "copies": "2", "void_ids": str(extra.id)},
            ("record", f"payment:{payment.id}"),
        )
        evidence = [
            EvidenceItem(
                "quickbooks",
                f"QuickBooks holds payments {twin.id} and {extra.id}: both ${twin.total_amt} on {twin.txn_date}{ref}, "
                f"from the same customer, applied to {numbers}",
            ),
            EvidenceItem("suprata", f"Suprata links {payment.number} to QuickBooks payment {twin.id} only"),
        ]
        if balances:
            evidence.append(EvidenceItem("quickbooks", f"so QuickBooks has less left to pay than Suprata: {balances}"))
        if ("payment", payment.id) in fs.timeout_records:
            evidence.append(EvidenceItem("suprata", f"a push of {payment.number} timed out before the copy was made"))
        out.append(
            _balance_finding(
                fs,
                key=f"duplicate-payment:{payment.id}",
                cause=cause,
                reason="two live QuickBooks payments match in customer, amount, date and reference, and Suprata "
                "links only one",
                evidence=evidence,
                invoices=invoices,
                says=f"paid twice in QuickBooks ({payment.number})",
                when=getattr(getattr(extra, "meta_data", None), "create_time", None),
            )
        )
    return out


def _balance_finding(
    fs: FailureSet,
    *,
    key: str,
    cause: Cause,
    reason: str,
    evidence: list[EvidenceItem],
    invoices: list[Any],
    says: str,
    when: datetime | None,
) -> RootCause:
    """A P6 root cause found by comparing the two sides rather than from a failed push."""
    pattern = get_pattern("P6")
    records = [
        BlockedRecord(
            "payment" if hasattr(i, "applied") else "invoice",  # compact copies are not the pydantic classes
            i.id,
            i.number,
            fs.customers[i.customer_id].display_name if i.customer_id in fs.customers else None,
            i.txn_date,
            record_amount(i),
            i.qbo.state,
            None,
            None,
            0,
            0,
            None,
            says,
            True,
            pattern="P6",
            cause=cause.kind,
            first_step=cause.first_step,
        )
        for i in invoices
    ]
    return RootCause(
        id=f"P6:{key}",
        pattern="P6",
        pattern_name=pattern.name,
        title=cause.title,
        subject_type="record",
        subject=key,
        confirmed=True,
        confidence=0.9,
        reason=reason,
        evidence=evidence,
        steps=cause.steps,
        fix_by=pattern.fix_by,
        retry="unsafe",
        next_command=cause.command,
        warnings=[w for w in (pattern.warning,) if w],
        blocks=dict(Counter(r.record_type for r in records)),
        records=records,
        first_seen=when,
        last_seen=when,
        kind=cause.kind,
    )


def _oauth_words(last_error: str) -> str:
    """Intuit's token-endpoint body, in words: ``invalid_grant (Token invalid)``."""
    fault = parse_fault(400, last_error)
    if fault is not None and fault.code:
        return f"{fault.code} ({fault.message})" if fault.message and fault.message != fault.code else fault.code
    return " ".join(last_error.split())[:80]


def _when(value: datetime | None, ev: Evidence) -> str:
    return local_time(value, ev.timezone) if isinstance(value, datetime) else str(value or "?")
