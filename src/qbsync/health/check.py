"""``qbsync check`` core: status + diagnosis + pre-flight risks + history, and the Nagios-style verdict.

Order matters for qbsync's own connection: its token facts are read first, then a refresh (when due) keeps the
connection alive; a token that this run renewed is a note, not a risk. A token qbsync cannot renew (Suprata's)
is a risk when it expires within the warning window.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from qbsync.clock import OneMoment
from qbsync.diagnosis.report import ConnectionView, DiagnosisReport
from qbsync.exit_codes import ExitCode
from qbsync.health.history import CheckHistory, RunFigures, Trend
from qbsync.health.preflight import (
    AheadLists,
    Risk,
    backlog_risk,
    close_date_risks,
    lookahead_risks_from,
    read_ahead_lists,
    stale_transient_risks,
    token_risks,
)
from qbsync.health.read_once import ReadOnce
from qbsync.health.status import StatusReport, Thresholds, counted, read_status
from qbsync.wording import plural

if TYPE_CHECKING:
    from qbsync.diagnosis.evidence import Evidence
    from qbsync.services import Services

VERDICT = {0: "OK", 1: "WARNING", 2: "CRITICAL", 3: "UNKNOWN"}
# Worst first when several companies are checked: CRITICAL > UNKNOWN > WARNING > OK.
SEVERITY_RANK = {0: 0, 1: 1, 3: 2, 2: 3}


@dataclass
class CheckReport:
    profile: str
    generated_at: datetime
    company: str | None
    realm_id: str | None
    exit_code: int
    verdict: str  # OK | WARNING | CRITICAL | UNKNOWN
    headline: str
    reasons: list[str]  # why the verdict, one line each
    status: StatusReport
    diagnosis: DiagnosisReport
    risks: list[Risk]
    trend: Trend | None
    notes: list[str] = field(default_factory=list)
    thresholds: Thresholds = field(default_factory=Thresholds)
    requests: dict[str, int] = field(default_factory=dict)
    history_file: str | None = None


@dataclass
class ProfileRow:
    profile: str
    company: str | None
    realm_id: str | None
    exit_code: int
    verdict: str
    headline: str
    error: str | None = None
    hint: str | None = None


@dataclass
class AllProfilesReport:
    generated_at: datetime
    exit_code: int
    verdict: str
    rows: list[ProfileRow]
    reports: list[CheckReport] = field(default_factory=list)


def history_path(data_dir: Path) -> Path:
    """Same file as ``Paths.check_history_db`` for a profile; the demo keeps its own in its throwaway folder."""
    return Path(data_dir) / "history" / "checks.sqlite3"


def run_check(
    services: Services,
    thresholds: Thresholds | None = None,
    *,
    history: CheckHistory | None = None,
    record: bool = True,
) -> CheckReport:
    from qbsync.diagnosis.diagnose import Filters, diagnose_with_evidence, exit_code_for

    thresholds = thresholds or Thresholds()
    own_before = services.own_connection()
    view, suprata_counter = counted(services)
    # status, diagnose and the look-ahead share one read of each question they have in common
    # ReadOnce answers every read the wrapped client does, so it stands in for the client's type
    view = dataclasses.replace(
        view,
        suprata=cast(Any, ReadOnce(view.suprata)),
        qbo=cast(Any, ReadOnce(view.qbo)),
        clock=OneMoment(view.clock),  # as of one moment: the change feed's window is the same for every part
    )
    qbo_before = services.qbo_request_count() or 0

    status = read_status(view, thresholds)
    # the look-ahead's names join diagnose's one QuickBooks round; Suprata's records read by status and the
    # look-ahead answer diagnose's reads of the same records by id
    ahead = read_ahead_lists(view.suprata)
    diagnosis, evidence = diagnose_with_evidence(view, Filters(), also=ahead.wanted())
    now = status.generated_at
    in_plan = {(r.record_type, r.record_id) for c in diagnosis.root_causes for r in c.records}
    connections = [c for c in status.connections if c.who != "qbsync"] + [services.own_connection()]
    status.connections = connections

    risks = token_risks(connections, thresholds)
    risks += close_date_risks(status, in_plan, status.books_closed_through, thresholds)
    risks += _lookahead_unless_quickbooks_is_down(view, ahead, in_plan, evidence, diagnosis, now)
    risks += stale_transient_risks(diagnosis, now, thresholds)

    notes = _keep_alive_notes(own_before, connections, thresholds)
    figures = RunFigures(
        profile=services.profile,
        ran_at=now,
        exit_code=0,
        company=diagnosis.company or status.company,
        failures=diagnosis.summary.failures,
        root_causes=diagnosis.summary.root_causes,
        blocked=diagnosis.summary.blocked_records,
        backlog=status.backlog.count,
        oldest_backlog_days=status.backlog.oldest_age_days,
        risks=0,
        needs_action=int(diagnosis.summary.needs_action),
    )
    trend = history.trend(figures) if history is not None else None
    if trend is not None:
        risks += backlog_risk(trend, status.backlog.count)
    figures.risks = len(risks)

    code, reasons = verdict_for(exit_code_for(diagnosis), status, risks)
    if diagnosis.quickbooks_unavailable:
        reasons.append(f"{diagnosis.quickbooks_unavailable}: the plan is from Suprata's log, not confirmed")
    figures.exit_code = int(code)
    if trend is not None:
        trend.weeks[-1].run = figures
        for change in trend.since_last:
            if change.figure == "risks":
                change.now = figures.risks
    if history is not None and record:
        history.record(figures)
    report = CheckReport(
        profile=services.profile,
        generated_at=now,
        company=figures.company,
        realm_id=services.realm_id,
        exit_code=int(code),
        verdict=VERDICT[int(code)],
        headline=_headline(figures, diagnosis, status, risks, trend),
        reasons=reasons,
        status=status,
        diagnosis=diagnosis,
        risks=risks,
        trend=trend,
        notes=notes,
        thresholds=thresholds,
        requests={
            "suprata": suprata_counter.count,
            "quickbooks": max(0, (services.qbo_request_count() or 0) - qbo_before),
        },
        history_file=str(history.path) if history is not None else None,
    )
    return report


def _lookahead_unless_quickbooks_is_down(
    view: Any,
    ahead: AheadLists,
    in_plan: set[tuple[str, str]],
    evidence: Evidence,
    diagnosis: DiagnosisReport,
    now: datetime,
) -> list[Risk]:
    """The look-ahead risks need QuickBooks' lists; when it is down they are skipped, not a reason to fail."""
    from qbsync.diagnosis.outage import quickbooks_down

    if diagnosis.quickbooks_unavailable:  # diagnose's round, which read the look-ahead's names, did not happen
        return []
    try:
        return lookahead_risks_from(view.qbo, ahead, in_plan, evidence.side)
    except Exception as exc:
        if quickbooks_down(exc, now) is None:
            raise
        return []


def verdict_for(diagnose_code: ExitCode, status: StatusReport, risks: list[Risk]) -> tuple[ExitCode, list[str]]:
    """0 OK, 1 WARNING (transient failures, tokens expiring, pre-flight risks), 2 CRITICAL (a connection
    expired, failures needing action, balance mismatches)."""
    reasons: list[str] = []
    code = ExitCode.OK
    expired = [c for c in status.connections if c.status in ("expired", "revoked", "disconnected")]
    if expired:
        code = ExitCode.CRITICAL
        reasons += [f"{_who(c)} is {c.status}" for c in expired]
    if diagnose_code == ExitCode.CRITICAL:
        code = ExitCode.CRITICAL
        reasons.append("failures need action (see the plan)")
    elif diagnose_code == ExitCode.WARNING:
        code = max(code, ExitCode.WARNING)
        reasons.append("transient failures: Suprata retries them on its own")
    for risk in risks:
        if risk.kind == "connection_expired":
            continue  # already counted above
        code = max(code, ExitCode.CRITICAL if risk.severity == "critical" else ExitCode.WARNING)
        reasons.append(risk.title)
    return ExitCode(code), reasons


def worst(codes: list[int]) -> int:
    return max(codes, key=lambda c: SEVERITY_RANK.get(c, 2)) if codes else 0


def check_all(
    profiles: list[str],
    run_one: Callable[[str], CheckReport],
    error_of: Callable[[BaseException], tuple[int, str, str | None]],
    now: Callable[[], datetime],
) -> AllProfilesReport:
    """Every profile at once, a thread each (each client keeps its own realm's limits); one row per company."""
    rows: dict[str, ProfileRow] = {}
    reports: dict[str, CheckReport] = {}
    lock = threading.Lock()

    def one(name: str) -> None:
        try:
            report = run_one(name)
        except BaseException as exc:  # one company's trouble never stops the others
            if isinstance(exc, KeyboardInterrupt):
                raise
            code, message, hint = error_of(exc)
            row = ProfileRow(name, None, None, code, VERDICT.get(code, "UNKNOWN"), message, message, hint)
            with lock:
                rows[name] = row
            return
        with lock:
            reports[name] = report
            rows[name] = ProfileRow(
                name, report.company, report.realm_id, report.exit_code, report.verdict, report.headline
            )

    with ThreadPoolExecutor(max_workers=max(1, len(profiles)), thread_name_prefix="qbsync-check") as pool:
        list(pool.map(one, profiles))
    ordered = [rows[p] for p in profiles]
    code = worst([r.exit_code for r in ordered])
    return AllProfilesReport(
        now(), code, VERDICT.get(code, "UNKNOWN"), ordered, [reports[p] for p in profiles if p in reports]
    )


def _keep_alive_notes(before: ConnectionView, connections: list[ConnectionView], thresholds: Thresholds) -> list[str]:
    after = next((c for c in connections if c.who == "qbsync"), None)
    if after is None or before.days_left is None or after.days_left is None:
        return []
    if after.days_left > before.days_left and before.days_left <= thresholds.token_warn_days:
        return [
            f"qbsync's own refresh token had {plural(before.days_left, 'day')} left; this run renewed it "
            f"({plural(after.days_left, 'day')} now). Running 'qbsync check' at least weekly keeps it alive."
        ]
    return []


def _who(c: ConnectionView) -> str:
    return "Suprata's QuickBooks connection" if c.who == "suprata" else "qbsync's own QuickBooks connection"


def _headline(
    figures: RunFigures, diagnosis: DiagnosisReport, status: StatusReport, risks: list[Risk], trend: Trend | None
) -> str:
    s = diagnosis.summary
    parts = []
    if s.failures or diagnosis.root_causes:
        parts.append(f"{plural(s.failures, 'failed record')}, {plural(s.root_causes, 'root cause')}")
    else:
        parts.append("no failed syncs")
    parts.append(f"backlog {status.backlog.count}" + _delta(trend, "backlog"))
    if risks:
        parts.append(f"{plural(len(risks), 'risk')} ahead")
    return ", ".join(parts)


def _delta(trend: Trend | None, figure: str) -> str:
    if trend is None or trend.previous is None:
        return ""
    change = next((c for c in trend.since_last if c.figure == figure), None)
    if change is None or change.delta is None:
        return ""
    return f" ({change.delta:+d} since last run)" if change.delta else " (unchanged since last run)"
