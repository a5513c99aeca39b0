"""``qbsync preflight`` core: the shared blocker model applied to records Suprata has not pushed yet.

Each record of the batch gets the blocker ``diagnose`` would give it after its push failed, from what
Suprata and QuickBooks hold now (``blockers.predicted_blockers``); blockers are grouped into causes as
``diagnose`` groups failures, with the same ids, steps and order. Read-only, and only through the two APIs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from qbsync.diagnosis.blockers import Blocker, Cause, RecordKey, predicted_blockers
from qbsync.diagnosis.diagnose import connection_views
from qbsync.diagnosis.patterns import fill, get_pattern
from qbsync.diagnosis.planner import plan_steps, record_amount
from qbsync.diagnosis.report import ConnectionView, EvidenceItem
from qbsync.exit_codes import ExitCode
from qbsync.predicting.evidence import gather_ahead
from qbsync.predicting.model import PredictedCause, PredictedRecord, PreflightReport, PreflightSummary
from qbsync.predicting.selection import Batch, Selection, read_batch
from qbsync.wording import plural

if TYPE_CHECKING:
    from qbsync.services import Services

TYPE_ORDER = {"customer": 0, "item": 1, "invoice": 2, "payment": 3}
TOKEN_WARN_DAYS = 14  # as check: a connection that lapses this soon is a risk ahead


def preflight(services: Services, selection: Selection, phase: Any = None) -> PreflightReport:
    """``phase(what, count)``, when given, hears each step of a long run (the progress line on stderr)."""
    phase = phase or (lambda _what, _count=None: None)
    now = services.clock.now()
    before = services.qbo_request_count()
    phase("Reading the records from Suprata", None)
    batch = read_batch(services.suprata, selection)
    phase("Reading QuickBooks for what the pushes will meet", len(batch.keys))
    ev = gather_ahead(services.qbo, services.suprata, batch.records, batch.keys, now)
    phase("Predicting each push", len(batch.keys))
    blockers = predicted_blockers(batch.records, ev, batch.keys, now)
    causes = group_causes(blockers, batch)
    step_of = {number: c.step for c in causes for number in c.records}
    records = [_predicted(key, batch, blockers.get(key), step_of) for key in batch.keys]
    records += [_in_quickbooks(r, batch) for r in batch.in_quickbooks]
    connections = connection_views(ev, services)
    summary = _summary(records, causes)
    report = PreflightReport(
        generated_at=now,
        company=ev.company_name,
        realm_id=services.realm_id,
        selection=selection.describe(),
        summary=summary,
        connections=connections,
        causes=causes,
        records=records,
        books_closed_through=ev.book_close_date,
        notes=_notes(batch, connections),
        timezone=services.company_timezone(),
    )
    report.exit_code = int(exit_code_for(report))
    after = services.qbo_request_count()
    report.qbo_requests = after - before if after is not None and before is not None else None
    return report


def exit_code_for(report: PreflightReport) -> ExitCode:
    """As ``check``: 2 when a record will fail, 1 when a risk is ahead (a connection lapsing soon), else 0."""
    if report.summary.will_fail:
        return ExitCode.CRITICAL
    if any(_lapses_soon(c) for c in report.connections):
        return ExitCode.WARNING
    return ExitCode.OK


def _lapses_soon(c: ConnectionView) -> bool:
    return c.who == "suprata" and c.status == "connected" and c.days_left is not None and c.days_left <= TOKEN_WARN_DAYS


# --- causes, as diagnose groups them -------------------------------------------------------------------------


def group_causes(blockers: dict[RecordKey, Blocker], batch: Batch) -> list[PredictedCause]:
    """One entry per first cause (pattern and subject, diagnose's root-cause id), in the plan's order."""
    groups: dict[tuple[str, tuple[str, str]], list[Blocker]] = defaultdict(list)
    for key in batch.keys:
        blocker = blockers.get(key)
        if blocker is not None:
            groups[(blocker.first.pattern, blocker.first.subject)].append(blocker)
    causes = [_cause(members, batch) for members in groups.values()]
    causes.sort(key=lambda c: (get_pattern(c.pattern).plan_order, -len(c.records), c.title))
    for i, cause in enumerate(causes, 1):
        cause.step = i
    return causes


def _cause(members: list[Blocker], batch: Batch) -> PredictedCause:
    members.sort(key=lambda b: (TYPE_ORDER.get(b.key[0], 9), b.number or ""))
    primary = members[0].first
    pattern = get_pattern(primary.pattern)
    blocks = dict(Counter(b.key[0] for b in members))
    # Nothing was pushed yet: the plan is the fix, not a retry (Suprata pushes the records once released).
    steps = [s for s in plan_steps(primary, members) if s != primary.retry_step]
    return PredictedCause(
        id=f"{primary.pattern}:{primary.subject[0]}:{primary.subject[1]}",
        step=0,
        pattern=primary.pattern,
        pattern_name=pattern.name,
        kind=primary.kind,
        title=ahead_words(primary, len(members), blocks),
        subject_type=primary.subject[0],
        subject=primary.subject[1],
        name=_name(primary),
        evidence=_evidence(primary, members, batch),
        steps=steps,
        fix_by=pattern.fix_by,
        next_command=primary.command,
        blocks=blocks,
        records=[b.number or b.key[1] for b in members],
    )


def _name(cause: Cause) -> str:
    p = cause.params
    for key in ("customer", "item", "number"):
        if p.get(key):
            return p[key]
    if "state" in p:
        return f"{p['state']} ({p.get('category', '?')})"
    if "close_date" in p:
        return f"through {p['close_date']}"
    return "Suprata's connection" if cause.pattern == "P5" else cause.subject[1]


def ahead_words(cause: Cause, count: int, blocks: dict[str, int]) -> str:
    """The cause's words for records not pushed yet (``CauseKind.ahead``), or its title."""
    kinds = [t for t in ("invoice", "payment") if blocks.get(t)]
    one = kinds[0] if len(kinds) == 1 else "record"
    params = {**cause.params, "count": f"{count:,}", "records": one if count == 1 else one + "s"}
    try:
        return fill(cause.spec.ahead or cause.spec.title, params)
    except KeyError:  # a title that speaks of pushes made (since, count of failures): its words for one record
        return f"{count:,} {params['records']}: {cause.says}"


def _evidence(primary: Cause, members: list[Blocker], batch: Batch) -> list[EvidenceItem]:
    items = list(primary.evidence)
    if primary.pattern == "P3":
        dates = sorted(d for b in members if (d := getattr(_record(batch, b.key), "txn_date", None)) is not None)
        if dates:
            items.append(EvidenceItem("suprata", f"the records are dated {dates[0]} to {dates[-1]}"))
    return items


# --- records --------------------------------------------------------------------------------------------------


def _record(batch: Batch, key: RecordKey) -> Any:
    fs = batch.records
    return (fs.invoices if key[0] == "invoice" else fs.payments).get(key[1])


def _customer(batch: Batch, record: Any) -> str | None:
    customer = batch.records.customers.get(record.customer_id)
    return customer.display_name if customer is not None else None


def _predicted(key: RecordKey, batch: Batch, blocker: Blocker | None, step_of: dict[str, int]) -> PredictedRecord:
    out = _row(key[0], _record(batch, key), batch, "will_sync")
    if blocker is None:
        return out
    first = blocker.first
    out.outcome = "will_fail"
    out.pattern, out.cause = first.pattern, first.kind
    out.cause_id = f"{first.pattern}:{first.subject[0]}:{first.subject[1]}"
    out.says, out.first_step = first.says, first.first_step
    out.waits_on = first.via_number if first.via is not None else None
    out.also = [c.kind for c in blocker.causes[1:]]
    out.step = step_of.get(out.number)
    return out


def _in_quickbooks(record: Any, batch: Batch) -> PredictedRecord:
    return _row("payment" if hasattr(record, "applied") else "invoice", record, batch, "in_quickbooks")


def _row(record_type: str, record: Any, batch: Batch, outcome: str) -> PredictedRecord:
    """One record's row before its prediction is filled in (the columns every outcome shares)."""
    return PredictedRecord(
        record_type=record_type,
        record_id=record.id,
        number=record.number,
        customer=_customer(batch, record),
        txn_date=record.txn_date,
        amount=record_amount(record),
        state=record.qbo.state,
        outcome=outcome,
    )


def _summary(records: list[PredictedRecord], causes: list[PredictedCause]) -> PreflightSummary:
    batch = [r for r in records if r.outcome != "in_quickbooks"]
    by_type = dict(sorted(Counter(r.record_type for r in batch).items()))
    will_sync = sum(1 for r in batch if r.outcome == "will_sync")
    will_fail = len(batch) - will_sync
    in_qbo = len(records) - len(batch)
    return PreflightSummary(
        records=len(batch),
        by_type=by_type,
        will_sync=will_sync,
        will_fail=will_fail,
        in_quickbooks=in_qbo,
        causes=len(causes),
        headline=headline(by_type, will_sync, causes, in_qbo),
    )


def headline(by_type: dict[str, int], will_sync: int, causes: list[PredictedCause], in_qbo: int) -> str:
    """ "Of 52 invoices, 30 will sync; 8 invoices in the closed period (...); 5 WY invoices with the tax gap"."""
    total = sum(by_type.values())
    already = f" ({plural(in_qbo, 'other record')} already in QuickBooks)" if in_qbo else ""
    if not total:
        return f"Nothing to push: no record of the selection is waiting for QuickBooks{already}."
    what = " and ".join(plural(n, t) for t, n in by_type.items())
    if will_sync == total:
        return f"Of {what}, all {total:,} will sync{already}."
    return f"Of {what}, {will_sync:,} will sync; " + "; ".join(c.title for c in causes) + f"{already}."


def _notes(batch: Batch, connections: list[ConnectionView]) -> list[str]:
    notes = []
    keys = set(batch.keys)
    for key in batch.keys:
        if key[0] != "payment":
            continue
        payment = batch.records.payments[key[1]]
        outside = [
            inv.number
            for a in payment.applied
            if (inv := batch.records.invoices.get(a.invoice_id)) is not None
            and not inv.qbo.qbo_id
            and ("invoice", inv.id) not in keys
        ]
        if outside:
            notes.append(
                f"{payment.number} waits for {', '.join(outside)}, which is not in QuickBooks and not in this "
                "selection: Suprata pushes the payment only after the invoice"
            )
    for c in connections:
        if _lapses_soon(c) and c.refresh_token_expires_at is not None:
            notes.append(
                f"Suprata's QuickBooks connection lapses on {c.refresh_token_expires_at:%Y-%m-%d} unless Suprata "
                "syncs something before then: push the records before that day"
            )
    return notes
