"""``qbsync diagnose`` core: failures from Suprata, evidence from QuickBooks, root causes in plan order."""

from __future__ import annotations

import gc
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from qbsync.allocator import keep_large_buffers_unmapped
from qbsync.clock import format_iso
from qbsync.diagnosis.blockers import Blocker, build_blockers
from qbsync.diagnosis.evidence import Evidence, Wanted, gather
from qbsync.diagnosis.failures import FailureSet, load_failures
from qbsync.diagnosis.outage import mark_unconfirmed, quickbooks_down
from qbsync.diagnosis.outage import note as outage_note
from qbsync.diagnosis.planner import build_root_causes, classify_all
from qbsync.diagnosis.report import ConnectionView, DiagnosisReport, EditedInQuickBooks, RootCause, Summary
from qbsync.errors import UsageError
from qbsync.exit_codes import ExitCode
from qbsync.wording import company_timezone

if TYPE_CHECKING:
    from qbsync.services import Services

PATTERN_IDS = ("P1", "P2", "P3", "P4", "P5", "P6", "P7", "unknown")
RECORD_TYPES = ("customer", "item", "invoice", "payment")
ALL_AT_ONCE_MIN = 5  # a short throttle burst is not "everything fails"
SUCCESS_LOOKBACK_DAYS = 7  # "every push failed since": the last success is looked for this far before the last failure


@dataclass
class Filters:
    since: datetime | None = None
    record_type: str | None = None
    customer: str | None = None
    pattern: str | None = None
    payments: bool = False

    def describe(self) -> dict[str, str]:
        out = {k: str(v) for k, v in vars(self).items() if v not in (None, False)}
        if self.since:
            out["since"] = format_iso(self.since)
        return out


def parse_filters(
    since: str | None, record_type: str | None, customer: str | None, pattern: str | None, payments: bool, now: datetime
) -> Filters:
    if record_type is not None and record_type.lower() not in RECORD_TYPES:
        raise UsageError(f"--record-type must be one of {', '.join(RECORD_TYPES)}", hint="e.g. --record-type invoice")
    if pattern is not None:
        canon = pattern.upper() if pattern.lower() != "unknown" else "unknown"
        if canon not in PATTERN_IDS:
            raise UsageError(
                f"--pattern must be P1 to P7 or unknown, not {pattern!r}", hint="see 'qbsync explain --help'"
            )
        pattern = canon
    return Filters(
        parse_since(since, now) if since else None,
        record_type.lower() if record_type else None,
        customer,
        pattern,
        payments,
    )


def parse_since(text: str, now: datetime) -> datetime:
    m = re.fullmatch(r"\s*(\d{1,12})\s*([hdw])\s*", text.lower())
    if m:
        hours = int(m.group(1)) * {"h": 1, "d": 24, "w": 168}[m.group(2)]
        try:
            return now - timedelta(hours=hours)
        except OverflowError:  # before year 1: every failure Suprata has is "since then"
            return datetime.min.replace(tzinfo=UTC)
    try:
        return datetime.combine(date.fromisoformat(text.strip()), datetime.min.time(), UTC)
    except ValueError:
        raise UsageError(
            f"--since {text!r} is not a duration or a date", hint="e.g. --since 24h, 7d or 2026-11-01"
        ) from None


def diagnose(services: Services, filters: Filters, phase: Any = None) -> DiagnosisReport:
    """``phase(what, count)``, when given, hears each step of a long run (the progress line on stderr)."""
    return diagnose_with_evidence(services, filters, phase)[0]


def diagnose_with_evidence(
    services: Services, filters: Filters, phase: Any = None, *, also: Wanted | None = None
) -> tuple[DiagnosisReport, Evidence]:
    """``diagnose``, and the evidence it was judged on. ``also`` joins the evidence's one QuickBooks round
    (``gather(also=...)``): check's look-ahead asks its names there instead of in a round of its own, and
    reads QuickBooks' answer for them in ``Evidence.side``."""
    with fewer_collections():
        return _diagnose(services, filters, phase, also)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """The run builds its working set (hundreds of thousands of rows) and keeps it to the end, so every pass
    of Python's cycle collector scans it again for garbage it does not hold: at 50,000 failures, 0.4 s of a
    5 s run, with 30 objects in cycles left for it to find (measured with ``gc.DEBUG_SAVEALL``). The run frees
    what it drops by reference counting alone, so the collector is paused for the run and resumed after it."""
    keep_large_buffers_unmapped()  # the page buffers read meanwhile are returned, not pinned by the rows
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _diagnose(
    services: Services, filters: Filters, phase: Any, also: Wanted | None
) -> tuple[DiagnosisReport, Evidence]:
    phase = phase or (lambda _what, _count=None: None)
    now = services.clock.now()
    suprata, qbo = services.suprata, services.qbo
    before = services.qbo_request_count()
    phase("Reading Suprata's sync log", None)
    fs = load_failures(suprata, since=filters.since)
    _apply_record_filters(fs, filters)
    phase("Reading QuickBooks to confirm each cause", _failure_count(fs))
    ev, down = _gather_despite_quickbooks(qbo, suprata, fs, now, company_timezone(services), also)
    phase("Grouping failures into root causes", _failure_count(fs))
    causes = build_root_causes(classify_all(fs, ev), fs, ev, services.retry_counts())
    if down is not None:
        causes = mark_unconfirmed(causes, down)
    if filters.pattern:
        causes = [c for c in causes if c.pattern == filters.pattern]
    if filters.payments:
        causes = _payments_view(causes)
    for i, cause in enumerate(causes, 1):
        cause.step = i
    report = DiagnosisReport(
        generated_at=now,
        company=ev.company_name,
        realm_id=services.realm_id,
        filters=filters.describe(),
        summary=_summary(fs, causes, _all_failing_since(suprata, fs, causes)),
        connections=connection_views(ev, services),
        root_causes=causes,
        edited_in_quickbooks=_edited_in_quickbooks(fs, ev),
        books_closed_through=ev.book_close_date,
        timezone=ev.timezone,
    )
    if down is not None:
        report.quickbooks_unavailable = down.reason
        report.notes.append(outage_note(down))
    if ev.cdc_truncated:
        report.notes.append(
            "QuickBooks returned its maximum of 1,000 changes for the last 30 days: edits, deletions and "
            "payments entered directly in QuickBooks may be incomplete; narrow with --since."
        )
    after = services.qbo_request_count()
    report.qbo_requests = after - before if after is not None and before is not None else None
    return report, ev


def _gather_despite_quickbooks(
    qbo: Any, suprata: Any, fs: FailureSet, now: datetime, timezone: str, also: Wanted | None = None
) -> tuple[Evidence, Any]:
    """QuickBooks' evidence, or, when QuickBooks is down or throttling, Suprata's alone and why."""
    try:
        return gather(qbo, suprata, fs, now, also, timezone=timezone), None
    except Exception as exc:
        down = quickbooks_down(exc, now, timezone)
        if down is None:
            raise
    conn = suprata.connection()
    # Suprata's connection names the company it pushes to, so the screen still says whose books these are.
    name = company_named_by_suprata(conn, qbo)
    return Evidence(now=now, timezone=timezone, suprata_connection=conn, company_name=name), down


def company_named_by_suprata(conn: Any, qbo: Any) -> str | None:
    """The company's name as Suprata's connection holds it, when that connection is to this same company:
    what diagnose and status call the company without asking QuickBooks' company info."""
    if conn is None or not conn.company_name or conn.realm_id not in (None, getattr(qbo, "realm_id", None)):
        return None
    name: str = conn.company_name
    return name


def _failure_count(fs: Any) -> int:
    return len(fs.failures)


def exit_code_for(report: DiagnosisReport) -> ExitCode:
    if any(c.status in ("expired", "revoked") for c in report.connections if c.who == "suprata"):
        return ExitCode.CRITICAL
    if not report.root_causes:
        return ExitCode.OK
    if all(_waits(c) for c in report.root_causes):
        return ExitCode.WARNING
    return ExitCode.CRITICAL


def _waits(cause: RootCause) -> bool:
    """A transient cause Suprata's own retries clear: nothing for anyone to do yet."""
    return cause.pattern == "P7" and not cause.escalate


def _apply_record_filters(fs: FailureSet, filters: Filters) -> None:
    if filters.record_type:
        fs.failures = [f for f in fs.failures if f.record_type == filters.record_type]
        if filters.record_type != "payment":
            fs.waiting_payments = []
    if filters.customer:
        wanted = filters.customer.strip().lower()
        ids = {
            c.id
            for c in fs.customers.values()
            if wanted in (c.id.lower(), c.number.lower()) or wanted in c.display_name.lower()
        }
        if not ids:
            known = sorted(c.display_name for c in fs.customers.values())[:5]
            raise UsageError(
                f"no failing customer matches {filters.customer!r}",
                hint=f"customers with failures: {', '.join(known)}" if known else "there are no failures",
            )
        fs.failures = [
            f for f in fs.failures if (f.customer_id in ids) or (f.record_type == "customer" and f.record_id in ids)
        ]
        fs.waiting_payments = [p for p in fs.waiting_payments if p.customer_id in ids]


def _payments_view(causes: list[RootCause]) -> list[RootCause]:
    """Suprata's separate payments screen: the causes that block payments, listing only the payments."""
    out = []
    for cause in causes:
        payments = [r for r in cause.records if r.record_type == "payment"]
        if payments:
            cause.records = payments
            cause.blocks = {"payment": len(payments)}
            out.append(cause)
    return out


def _summary(fs: FailureSet, causes: list[RootCause], all_since: datetime | None) -> Summary:
    records = {(r.record_type, r.record_id) for c in causes for r in c.records}
    by_type = Counter(rt for rt, _ in records)
    firsts = [f.first_failed_at for f in fs.failures]
    lasts = [f.last_failed_at for f in fs.failures]
    return Summary(
        failures=len(fs.failures),
        root_causes=len(causes),
        blocked_records=len(records),
        first_failure_at=min(firsts) if firsts else None,
        last_failure_at=max(lasts) if lasts else None,
        by_type=dict(sorted(by_type.items())),
        by_pattern=dict(Counter(c.pattern for c in causes)),
        all_failing_since=all_since,
        needs_action=not all(_waits(c) for c in causes),
        only_transient=bool(causes) and all(_waits(c) for c in causes),
    )


def _all_failing_since(suprata: Any, fs: FailureSet, causes: list[RootCause]) -> datetime | None:
    """When every push since one moment has failed for a system-side reason (connection, outage), not data."""
    if len(fs.failures) < ALL_AT_ONCE_MIN:
        return None
    last_failure = max(f.last_failed_at for f in fs.failures)
    last_success = last_success_since(suprata, last_failure - timedelta(days=SUCCESS_LOOKBACK_DAYS))
    after = [f for f in fs.failures if last_success is None or f.first_failed_at > last_success]
    if len(after) < ALL_AT_ONCE_MIN:
        return None
    pattern_of = {(r.record_type, r.record_id): c.pattern for c in causes for r in c.records}
    system_side = sum(1 for f in after if pattern_of.get(f.key) in ("P5", "P7"))
    if system_side < 0.9 * len(after):
        return None
    return min(f.first_failed_at for f in after)


def last_success_since(suprata: Any, since: datetime | None) -> datetime | None:
    """The newest successful push at or after ``since`` (any time when None): the log's last success when it
    is that recent (Suprata's summary, one request; none in a ``check`` run, where status has read it), else
    streamed from a Suprata that predates the summary, so a week's log is never held. In one ``check`` run
    status asks it with diagnose's ``since``, and the reader answers the second asking from the first
    (``health/read_once.py``: it remembers the answer, not the rows)."""

    def newest() -> datetime | None:
        known, last = logged_last_success(suprata)
        if known:
            # the stream's ``since`` goes on the wire to the second, so a success in that second counted too
            floor = since.replace(microsecond=0) if since is not None else None
            return last if last is not None and (floor is None or last >= floor) else None
        successes = suprata.iter_attempts(outcome="succeeded", since=since)
        return max((a.attempted_at for a in successes), default=None)

    remembered = getattr(suprata, "remembered", None)
    if remembered is not None:
        answer: datetime | None = remembered(("last_success_since", since), newest)
        return answer
    return newest()


def logged_last_success(suprata: Any, summary: Any = None) -> tuple[bool, datetime | None]:
    """The newest successful push in Suprata's whole log, from its summary of the log: ``(True, when)``, when
    being None if nothing ever succeeded, or ``(False, None)`` when this Suprata predates the summary.
    ``summary``, one status has read already (any filters: the last success is the log's), answers it
    without a request; one ``check`` run works it out once (``remembered``), whichever part asks first."""

    def ask() -> tuple[bool, datetime | None]:
        read = summary if summary is not None else suprata.attempt_summary(outcome="succeeded")
        return (read is not None, read.last_succeeded_at if read is not None else None)

    remembered = getattr(suprata, "remembered", None)
    if remembered is not None:
        answer: tuple[bool, datetime | None] = remembered(("logged_last_success",), ask)
        return answer
    return ask()


def connection_views(ev: Evidence, services: Services) -> list[ConnectionView]:
    """Both connections as a person reads them (Suprata's, then qbsync's own); preflight shows the same."""
    views = []
    conn = ev.suprata_connection
    if conn is not None:
        days = (conn.refresh_token_expires_at - ev.now).days if conn.refresh_token_expires_at else None
        views.append(
            ConnectionView(
                "suprata",
                conn.status,
                conn.realm_id,
                conn.company_name,
                conn.last_refresh_at,
                conn.refresh_token_expires_at,
                days,
                conn.reconnect_url,
                conn.last_error,
            )
        )
    views.append(services.own_connection())
    return views


def _edited_in_quickbooks(fs: FailureSet, ev: Evidence) -> list[EditedInQuickBooks]:
    """Linked records changed in QuickBooks after Suprata last pushed them: a frequent source of confusion."""
    out: list[EditedInQuickBooks] = []
    failing = {f.key for f in fs.failures}
    tables = (
        ("Invoice", "invoice", fs.invoices),
        ("Payment", "payment", fs.payments),
        ("Customer", "customer", fs.customers),
    )
    for entity, rtype, table in tables:
        by_qbo_id = {r.qbo.qbo_id: r for r in table.values() if r.qbo.qbo_id}
        for row in ev.changed(entity):
            record = by_qbo_id.get(str(getattr(row, "id", "") or ""))
            if record is None:
                continue
            changed_at = getattr(getattr(row, "meta_data", None), "last_updated_time", None)
            synced = record.qbo.synced_at
            if getattr(row, "status", None) == "Deleted":
                change = "deleted"
            elif getattr(row, "active", None) is False:
                change = "made inactive"
            elif getattr(row, "voided", False):  # Invoice.voided / Payment.voided
                change = "voided"
            else:
                change = "updated"
            if changed_at is not None and synced is not None and changed_at <= synced + timedelta(seconds=5):
                continue
            # QuickBooks touches customers and invoices whenever a balance moves (payments): a plain update
            # only matters on a record that is failing now.
            if change == "updated" and (rtype, record.id) not in failing:
                continue
            out.append(EditedInQuickBooks(rtype, getattr(record, "number", None), row.id, change, changed_at, synced))
    return out


def record_blockers(services: Any, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Blocker]:
    """Some records' blockers, exactly as ``diagnose`` finds them: the same failures, evidence and rules, read
    for the records and what they depend on (customers, items, and the invoices a payment pays)."""
    now = services.clock.now()
    suprata, qbo = services.suprata, services.qbo
    fs = load_failures(suprata)
    waiting = {p.id: p for p in fs.waiting_payments}
    wanted = set(keys)
    for rtype, rid in keys:
        tables: dict[str, dict[str, Any]] = {"invoice": fs.invoices, "payment": {**waiting, **fs.payments}}
        record = tables.get(rtype, {}).get(rid)
        if record is None:
            continue
        wanted.add(("customer", record.customer_id))
        for line in getattr(record, "lines", []):
            wanted.add(("item", line.item_id))
        for a in getattr(record, "applied", []):
            wanted.add(("invoice", a.invoice_id))
            inv = fs.invoices.get(a.invoice_id)
            wanted.update(("item", line.item_id) for line in (inv.lines if inv is not None else []))
    fs.failures = [f for f in fs.failures if f.key in wanted]
    fs.waiting_payments = [p for p in fs.waiting_payments if ("payment", p.id) in wanted]
    if not fs.failures and not fs.waiting_payments:
        return {}
    ev = gather(qbo, suprata, fs, now, timezone=company_timezone(services))
    found = build_blockers(classify_all(fs, ev), fs, ev)
    return {k: b for k, b in found.items() if k in set(keys)}
