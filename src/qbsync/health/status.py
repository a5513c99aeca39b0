"""``qbsync status`` core: both connections, recent failures by pattern, the backlog, the close date, throttling.

A handful of requests: Suprata's connection, its failed attempts (the current red marks; the last day's
counted by Suprata, with the log's last success, in one summary), the unsynced invoices and payments (one
paged list per type), and QuickBooks' preferences, change feed and old voids side by side (its company info
only when Suprata's connection does not name the company). Where diagnose asks the same questions, status
asks them as diagnose does, so one ``check`` run asks them once (``health/read_once.py``). No QuickBooks
evidence per failure: patterns of the red marks come from what QuickBooks said alone (``qbsync diagnose``
confirms them). What was done directly in QuickBooks (a void, a deletion, a payment entered or saved twice
there) is found from the same two change-feed reads diagnose makes and counted as diagnose's blocker model
counts it (``blockers.direct_changes``), so the two agree about it even when no push failed.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, cast

from qbsync.diagnosis.blockers import DirectChange
from qbsync.diagnosis.report import ConnectionView
from qbsync.exit_codes import ExitCode
from qbsync.wording import plural

if TYPE_CHECKING:
    from qbsync.clients.http import HttpClient
    from qbsync.services import Services

UNSYNCED_STATES = ("failed", "pending", "not_synced")
BACKLOG_TYPES = ("invoice", "payment")
# Windows before the last week looked in for the last success (1, 2, 4 ... 32 weeks: about 15 months in all)
OLDER_SUCCESS_WINDOWS = 6
SYNCED_MARGIN = timedelta(hours=1)  # a record's last success and its push's logged time may differ a little


@dataclass
class Thresholds:
    """When a finding becomes a warning. Per profile (config file) or per run (check options)."""

    token_warn_days: int = 14
    transient_max_hours: int = 24
    close_window_days: int = 7

    @classmethod
    def from_settings(cls, settings: Any, **overrides: int | None) -> Thresholds:
        t = cls(
            token_warn_days=int(getattr(settings, "token_warn_days", 14) or 14),
            transient_max_hours=int(getattr(settings, "transient_max_hours", 24) or 24),
            close_window_days=int(getattr(settings, "close_window_days", 7) or 0),
        )
        for name, value in overrides.items():
            if value is not None:
                setattr(t, name, int(value))
        return t


@dataclass
class UnsyncedRecord:
    record_type: str  # invoice | payment
    record_id: str
    number: str
    customer_id: str | None
    txn_date: date | None
    created_at: datetime | None
    state: str  # failed | pending | not_synced
    attempts: int
    applies_to: list[str] = field(default_factory=list)  # a payment's invoices (Suprata ids)
    amount: Decimal | None = None  # a payment's amount and reference: what tells a copy its push saved
    reference: str | None = None


@dataclass
class Backlog:
    count: int
    by_type: dict[str, int]
    by_state: dict[str, int]
    oldest_created_at: datetime | None
    oldest_age_days: int | None
    oldest_record: str | None
    records: list[UnsyncedRecord] = field(default_factory=list, repr=False)


@dataclass
class RedMark:
    """One record whose latest push failed, and the pattern QuickBooks' answer alone gives it."""

    record_type: str
    record_id: str
    pattern: str


@dataclass
class FailureCounts:
    """Records whose latest push failed (the red marks), by pattern, by when they last failed."""

    current: dict[str, int]
    last_24h: dict[str, int]
    last_7d: dict[str, int]
    total: int
    needs_action: int  # failing records whose pattern is not plain transient
    transient: int
    oldest_transient_since: datetime | None = None
    marks: list[RedMark] = field(default_factory=list, repr=False)


@dataclass
class Throttling:
    throttled_24h: int  # pushes QuickBooks answered 429 in the last 24 hours
    unavailable_24h: int  # 5xx, timeouts, unreachable
    last_throttled_at: datetime | None


@dataclass
class StatusReport:
    generated_at: datetime
    profile: str
    company: str | None
    realm_id: str | None
    connections: list[ConnectionView]
    suprata_reachable: bool
    suprata_error: str | None
    last_success_at: datetime | None
    failures: FailureCounts
    backlog: Backlog
    books_closed_through: date | None
    throttling: Throttling
    warnings: list[str] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    exit_code: int = 0
    # QuickBooks down or throttling in this run ("QuickBooks unreachable (HTTP 503 since 09:12 UTC)"): the
    # counts come from Suprata alone and the close date is unknown.
    quickbooks_unavailable: str | None = None
    timezone: str = "UTC"  # the company's IANA zone: times for people are shown in it (JSON stays UTC)
    # Records out of step because of something done directly in QuickBooks (voided or deleted there, a
    # payment entered or saved twice there), whether or not a push failed: diagnose's P6 entries for them.
    changed_in_quickbooks: list[DirectChange] = field(default_factory=list)


# --- counting Suprata requests ------------------------------------------------------------------------------


class _CountingHttp:
    """Counts calls through a client's HTTP layer (Suprata's requests are not counted by Services)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.count = 0
        self._lock = threading.Lock()

    def request(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.count += 1
        return self._inner.request(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def counted(services: Services) -> tuple[Services, _CountingHttp]:
    """A view of ``services`` whose Suprata client counts its requests; the original is not touched."""
    client = copy.copy(services.suprata)
    counter = _CountingHttp(services.suprata.http)
    client.http = cast("HttpClient", counter)  # the same request() in front of the same client
    return dataclasses.replace(services, suprata=client), counter


# --- the core ------------------------------------------------------------------------------------------------


def read_status(services: Services, thresholds: Thresholds | None = None, phase: Any = None) -> StatusReport:
    """Everything ``qbsync status`` shows. Raises the clients' errors when QuickBooks cannot be read.

    ``phase(what, count)``, when given, hears each step (the progress line on stderr for a slow company)."""
    thresholds = thresholds or Thresholds()
    phase = phase or (lambda _what, _count=None: None)
    services, suprata_counter = counted(services)
    qbo_before = services.qbo_request_count()
    now = services.clock.now()
    suprata, qbo = services.suprata, services.qbo

    suprata_conn, suprata_error = None, None
    phase("Checking Suprata's QuickBooks connection", None)
    try:
        suprata_conn = suprata.connection()
    except Exception as exc:  # reachability is a finding here; the rest of Suprata is then skipped
        suprata_error = getattr(exc, "message", None) or type(exc).__name__

    phase("Reading QuickBooks' company settings", None)
    from qbsync.diagnosis.diagnose import company_named_by_suprata

    named = company_named_by_suprata(suprata_conn, qbo)  # as diagnose names it: no company-info request
    prefs, company, feed, down = _quickbooks_settings(qbo, now, ask_company=named is None)
    close_date = close_date_of(prefs)
    company_name = named or getattr(company, "company_name", None)

    if suprata_conn is not None:
        phase("Reading Suprata's failed records", None)
        # the same read as diagnose's (so check asks once): per-type streams side by side, compact rows
        failing = suprata.latest_attempts_by_type(outcome="failed")
        phase("Reading the last day's failures and the last success", _count(failing))
        # asked by status alone: the last day's failed pushes, counted by Suprata (one request that also
        # names the log's last success); a Suprata that predates the summary has them streamed and counted
        day = now - timedelta(hours=24)
        summary = suprata.attempt_summary(outcome="failed", since=day)
        if summary is not None:
            throttling = _throttling_counted(summary.groups)
        else:
            throttling = _throttling(suprata.iter_attempts(outcome="failed", since=day))
        phase("Reading the backlog", _count(failing))
        backlog, newest_synced = _read_backlog(suprata, now)
        last_success = _last_success(suprata, now, failing, newest_synced, summary)
    else:
        failing, throttling, last_success = [], _throttling([]), None
        backlog = Backlog(0, {}, {}, None, None, None)

    connections = [suprata_view(suprata_conn, now)] if suprata_conn is not None else []
    connections.append(services.own_connection())
    report = StatusReport(
        generated_at=now,
        profile=services.profile,
        company=company_name or (suprata_conn.company_name if suprata_conn else None),
        realm_id=services.realm_id,
        connections=connections,
        suprata_reachable=suprata_conn is not None,
        suprata_error=suprata_error,
        last_success_at=last_success,
        failures=count_failures(failing, now, close_date, suprata_conn, thresholds.transient_max_hours),
        backlog=backlog,
        books_closed_through=close_date,
        throttling=throttling,
    )
    if suprata_conn is not None and hasattr(services, "company_timezone"):
        report.timezone = services.company_timezone()
    if suprata_conn is not None and feed is not None:
        report.changed_in_quickbooks = _changed_in_quickbooks(suprata, now, feed, report.failures, backlog)
    report.warnings = connection_warnings(report.connections, thresholds)
    if down is not None:
        down = replace(down, timezone=report.timezone)  # its time in the company's zone, once that is known
        report.quickbooks_unavailable = down.reason
        report.warnings.insert(0, f"{down.reason}: counts from Suprata's log alone; the close date is unknown")
    report.requests = {
        "suprata": suprata_counter.count,
        "quickbooks": max(0, (services.qbo_request_count() or 0) - (qbo_before or 0)),
    }
    report.exit_code = int(status_exit_code(report, thresholds))
    return report


def _count(items: Any) -> int | None:
    try:
        return len(items)
    except TypeError:  # a stream: its size is not known before it is read
        return None


def _quickbooks_settings(qbo: Any, now: datetime, *, ask_company: bool = True) -> tuple[Any, Any, Any, Any]:
    """Preferences, company info (when ``ask_company``) and the change-feed reads (diagnose's, with the same
    arguments), or (None, None, None, why) when QuickBooks is down or throttling."""
    from qbsync.diagnosis.evidence import change_feed_calls, change_feed_since
    from qbsync.diagnosis.outage import quickbooks_down

    feed = change_feed_calls(qbo, change_feed_since(now))
    company_info = qbo.company_info if ask_company else (lambda: None)
    try:
        prefs, company, changes, old_voids = qbo.parallel([qbo.preferences, company_info, *feed.values()])
    except Exception as exc:
        down = quickbooks_down(exc, now)
        if down is None:
            raise
        return None, None, None, down
    return prefs, company, (changes, old_voids), None


def _changed_in_quickbooks(
    suprata: Any, now: datetime, feed: tuple[Any, Any], failures: FailureCounts, backlog: Backlog
) -> list[DirectChange]:
    """What diagnose finds done directly in QuickBooks, by the blocker model's own rule: a record that is
    failing is told by its own failure, an invoice a failing payment pays was deleted is told by the
    payment's cause; the rest are counted here."""
    from qbsync.diagnosis.blockers import deleted_invoices_paid_by, direct_changes
    from qbsync.diagnosis.evidence import Evidence, read_change_feed, unlinked_payments

    ev = Evidence(now=now)
    failing = {(m.record_type, m.record_id) for m in failures.marks}
    pushed = [r for r in backlog.records if r.record_type == "payment" and ("payment", r.record_id) in failing]
    read_change_feed(suprata, ev, *feed, unlinked_payments(pushed))
    paid = [
        invoice_id
        for r in backlog.records
        if r.record_type == "payment" and ("payment", r.record_id) in failing
        for invoice_id in r.applies_to
    ]
    return direct_changes(ev, failing, deleted_invoices_paid_by(ev.removed, paid))


def status_exit_code(report: StatusReport, thresholds: Thresholds) -> ExitCode:
    """As for diagnose: 2 when something needs action, 1 for transient trouble or risks ahead, 3 when Suprata
    could not be read."""
    if any(c.status in ("expired", "revoked", "disconnected") for c in report.connections):
        return ExitCode.CRITICAL
    if report.failures.needs_action or report.changed_in_quickbooks:
        return ExitCode.CRITICAL
    if not report.suprata_reachable:
        return ExitCode.UNKNOWN
    if report.failures.transient or report.warnings:
        return ExitCode.WARNING
    return ExitCode.OK


def close_date_of(prefs: Any) -> date | None:
    info = getattr(prefs, "accounting_info_prefs", None)
    value = getattr(info, "book_close_date", None) if info is not None else None
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def suprata_view(conn: Any, now: datetime) -> ConnectionView:
    expires = conn.refresh_token_expires_at
    days = max(0, int((expires - now).total_seconds() // 86400)) if expires else None
    return ConnectionView(
        "suprata",
        conn.status,
        conn.realm_id,
        conn.company_name,
        conn.last_refresh_at,
        expires,
        days,
        conn.reconnect_url if conn.status != "connected" else None,
        conn.last_error if conn.status != "connected" else None,
    )


def connection_warnings(connections: list[ConnectionView], thresholds: Thresholds) -> list[str]:
    out = []
    for c in connections:
        who = "Suprata's QuickBooks connection" if c.who == "suprata" else "qbsync's own QuickBooks connection"
        if c.status == "connected" and c.days_left is not None and c.days_left <= thresholds.token_warn_days:
            out.append(f"{who}: refresh token expires in {plural(c.days_left, 'day')}")
        elif c.status in ("expired", "revoked", "disconnected"):
            out.append(f"{who} is {c.status}: reconnect it")
    return out


def count_failures(
    failing: list[Any], now: datetime, close_date: date | None, conn: Any, transient_max_hours: int = 24
) -> FailureCounts:
    """Pattern per red mark from QuickBooks' answer alone (plus the close date and the connection state).

    A transient failure whose last push is older than ``transient_max_hours`` is no longer waiting for a
    retry (Suprata gave up): it needs action, as diagnose escalates it."""
    from qbsync.diagnosis.classifier import Facts, classify, signal_from_attempt

    connection_state: Literal["ok", "expired", "revoked"] | None = None
    if conn is not None:
        connection_state = "expired" if conn.status == "expired" else "revoked" if conn.status == "revoked" else "ok"
    current: Counter[str] = Counter()
    last_24h: Counter[str] = Counter()
    last_7d: Counter[str] = Counter()
    needs_action = transient = 0
    oldest_transient: datetime | None = None
    marks: list[RedMark] = []
    for attempt in failing:
        facts = Facts(book_close_date=close_date, now=now, connection_state=connection_state)
        cls = classify(signal_from_attempt(attempt), facts)
        pattern = cls.pattern
        marks.append(RedMark(attempt.record_type, attempt.record_id, pattern))
        current[pattern] += 1
        if attempt.attempted_at >= now - timedelta(hours=24):
            last_24h[pattern] += 1
        if attempt.attempted_at >= now - timedelta(days=7):
            last_7d[pattern] += 1
        stale = attempt.attempted_at < now - timedelta(hours=transient_max_hours)
        if pattern == "P7" and not stale:
            transient += 1
            if oldest_transient is None or attempt.attempted_at < oldest_transient:
                oldest_transient = attempt.attempted_at
        else:
            needs_action += 1
    return FailureCounts(
        current=dict(sorted(current.items())),
        last_24h=dict(sorted(last_24h.items())),
        last_7d=dict(sorted(last_7d.items())),
        total=sum(current.values()),
        needs_action=needs_action,
        transient=transient,
        oldest_transient_since=oldest_transient,
        marks=marks,
    )


def read_backlog(suprata: Any, now: datetime) -> Backlog:
    """Invoices and payments not in QuickBooks: one paged list per type."""
    return _read_backlog(suprata, now)[0]


def _read_backlog(suprata: Any, now: datetime) -> tuple[Backlog, datetime | None]:
    """The backlog (one paged list per type: what is not in QuickBooks), and the newest last success among its
    records (one pushed once, failing since)."""
    from qbsync.clients.compact import Compactor

    records: list[UnsyncedRecord] = []
    newest_synced: datetime | None = None
    for rtype in BACKLOG_TYPES:
        unsynced = suprata.not_in_quickbooks(rtype, convert=Compactor())  # compact: 50k records, not models
        for state in UNSYNCED_STATES:  # grouped by state, as the lists per state were
            for r in (r for r in unsynced if r.qbo.state == state):
                synced = r.qbo.synced_at
                if synced is not None and (newest_synced is None or synced > newest_synced):
                    newest_synced = synced
                records.append(
                    UnsyncedRecord(
                        rtype,
                        r.id,
                        r.number,
                        getattr(r, "customer_id", None),
                        getattr(r, "txn_date", None),
                        getattr(r, "created_at", None),
                        r.qbo.state,
                        r.qbo.attempts,
                        [a.invoice_id for a in getattr(r, "applied", [])],
                        getattr(r, "amount", None) if rtype == "payment" else None,
                        getattr(r, "reference", None),
                    )
                )
    with_time = [r for r in records if r.created_at is not None]
    oldest = min(with_time, key=lambda r: r.created_at) if with_time else None  # type: ignore[arg-type,return-value]
    backlog = Backlog(
        count=len(records),
        by_type=dict(Counter(r.record_type for r in records)),
        by_state=dict(Counter(r.state for r in records)),
        oldest_created_at=oldest.created_at if oldest else None,
        oldest_age_days=int((now - oldest.created_at).total_seconds() // 86400)
        if oldest and oldest.created_at
        else None,
        oldest_record=f"{oldest.record_type} {oldest.number}" if oldest else None,
        records=records,
    )
    return backlog, newest_synced


def _last_success(
    suprata: Any, now: datetime, failing: list[Any], newest_synced: datetime | None = None, summary: Any = None
) -> datetime | None:
    """The last successful push: the log's, as Suprata's summary names it (``summary``, the one status read
    for its throttling figure; one ``check`` run tells diagnose from it too). A Suprata that predates the
    summary is read without reading the whole log when nothing succeeded lately. Successes since any moment,
    when there are some, end with the newest there is; so each step below reads one window and stops at the
    first that holds a success.

    First the week before the last failure: diagnose's question for "every push failed since", so a check run
    asks it once. Then, back to the newest last-success a record read here carries (``newest_synced``, from the
    backlog: a record pushed once and failing since), which bounds the answer from below. Then earlier windows,
    newest first, each twice as long as the one after it; past them, everything older."""
    from qbsync.diagnosis.diagnose import SUCCESS_LOOKBACK_DAYS, last_success_since, logged_last_success

    known, logged = logged_last_success(suprata, summary)
    if known:
        return logged
    last_failure = max((a.attempted_at for a in failing), default=now)
    until = min(now, last_failure) - timedelta(days=SUCCESS_LOOKBACK_DAYS)
    found = last_success_since(suprata, until)
    if found is None and newest_synced is not None and newest_synced - SYNCED_MARGIN < until:
        since = newest_synced - SYNCED_MARGIN
        found, until = _newest_success(suprata, since, until), since
    span = timedelta(days=SUCCESS_LOOKBACK_DAYS)
    for _ in range(OLDER_SUCCESS_WINDOWS):
        if found is not None:
            return found
        since = until - span
        found = _newest_success(suprata, since, until)
        until, span = since, span * 2
    return found if found is not None else _newest_success(suprata, None, until)


def _newest_success(suprata: Any, since: datetime | None, until: datetime) -> datetime | None:
    rows = suprata.iter_attempts(outcome="succeeded", since=since, until=until)  # streamed, never held
    newest: datetime | None = max((a.attempted_at for a in rows), default=None)
    return newest


def _throttling_counted(groups: Iterable[Any]) -> Throttling:
    """``_throttling`` from Suprata's counts of the same pushes (by error kind and HTTP status)."""
    throttled = unavailable = 0
    last_throttled_at: datetime | None = None
    for g in groups:
        if g.outcome != "failed" or g.error_kind is None:  # no error logged: neither figure counts it
            continue
        if g.http_status == 429:
            throttled += g.count
            if last_throttled_at is None or g.newest_attempted_at > last_throttled_at:
                last_throttled_at = g.newest_attempted_at
        if g.error_kind in ("timeout", "connection") or (g.http_status or 0) >= 500:
            unavailable += g.count
    return Throttling(throttled_24h=throttled, unavailable_24h=unavailable, last_throttled_at=last_throttled_at)


def _throttling(recent_failed: Iterable[Any]) -> Throttling:
    """The last day's failed pushes QuickBooks throttled (429) or could not answer (5xx, timeouts, unreachable)."""
    throttled = unavailable = 0
    last_throttled_at: datetime | None = None
    for a in recent_failed:
        if a.error is None:
            continue
        if a.error.http_status == 429:
            throttled += 1
            if last_throttled_at is None or a.attempted_at > last_throttled_at:
                last_throttled_at = a.attempted_at
        if a.error.kind in ("timeout", "connection") or (a.error.http_status or 0) >= 500:
            unavailable += 1
    return Throttling(throttled_24h=throttled, unavailable_24h=unavailable, last_throttled_at=last_throttled_at)
