"""The text of ``qbsync check`` for cron mail and monitoring: plain lines, never colour, never markup.

The first line is a Nagios plugin line: ``QBSYNC <STATUS> - <summary> | <perfdata>``. Then why, the
connections, the plan in order (one line a step), the risks ahead and the trend. ``--format json`` has it all.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.text import Text

from qbsync.health.check import VERDICT, AllProfilesReport, CheckReport
from qbsync.health.history import RunFigures
from qbsync.health.report import connection_text
from qbsync.render.diagnose_view import plan_lines
from qbsync.render.layout import hanging
from qbsync.render.words import Clockface, plainly, plural, who

PERF_FIGURES = ("failures", "root_causes", "blocked", "backlog", "oldest_backlog_days", "risks")


def _out(console: Console, text: str = "") -> None:
    """The Nagios status line: one line whatever the width (monitoring reads the first line, perfdata after |)."""
    console.print(text, markup=False, highlight=False, emoji=False, soft_wrap=True)


def _wrapped(console: Console, text: str = "") -> None:
    """Every other line wraps between words, under its own indent, so no word, date or code is split."""
    indent = len(text) - len(text.lstrip(" "))
    body = text.lstrip(" ")
    if not body:
        console.print()
        return
    if indent:
        console.print(hanging(" " * (indent - 1), Text(body), label_style=""))
    else:
        console.print(Text(body), highlight=False, emoji=False)


def render_check(console: Console, report: CheckReport | AllProfilesReport) -> None:
    if isinstance(report, AllProfilesReport):
        render_all(console, report)
        return
    lines = check_lines(report)
    clock = Clockface(report.diagnosis.timezone)
    _out(console, lines[0])
    for line in lines[1:]:
        _wrapped(console, plainly(line, clock))


def check_lines(r: CheckReport) -> list[str]:
    company = r.company or r.profile
    lines = [f"QBSYNC {r.verdict} - {company}: {r.headline} | {_perfdata(r)}"]
    if r.reasons:
        lines.append("Why: " + "; ".join(r.reasons))
    lines.append("Connections: " + "; ".join(connection_text(c) for c in r.status.connections))
    if r.status.books_closed_through:
        lines.append(f"Books closed through {r.status.books_closed_through}.")
    for note in r.notes:
        lines.append(f"Note: {note}")
    if r.diagnosis.root_causes:
        lines += ["", "Plan (fix in this order):"]
        for line in plan_lines(r.diagnosis.root_causes):
            lines.append(f"  {line.steps} {line.what} ({plural(line.records, 'record')}; {who(line.first.fix_by)})")
            if line.next != "wait":
                lines.append(f"      {line.next}")
    if r.risks:
        lines += ["", "Risks ahead:"]
        for risk in r.risks:
            lines.append(f"  - {risk.severity.upper()}: {risk.title}")
            lines += [f"      {rec}" for rec in risk.records]
            if risk.count > len(risk.records) and risk.records:
                lines.append(f"      ... {risk.count - len(risk.records)} more (--format json lists them)")
            lines.append(f"    fix: {risk.fix}")
    trend = _trend_line(r)
    if trend:
        lines += ["", trend]
    lines += ["", "Details: qbsync diagnose   Trend: qbsync check --history   Everything: qbsync check --format json"]
    return lines


def _perfdata(r: CheckReport) -> str:
    d = r.diagnosis.summary
    values = {
        "failures": d.failures,
        "root_causes": d.root_causes,
        "blocked": d.blocked_records,
        "backlog": r.status.backlog.count,
        "oldest_backlog_days": r.status.backlog.oldest_age_days or 0,
        "risks": len(r.risks),
    }
    return " ".join(f"{k}={values[k]}" for k in PERF_FIGURES)


def _trend_line(r: CheckReport) -> str:
    t = r.trend
    if t is None:
        return ""
    if t.previous is None:
        return "Trend: first recorded run; the next one shows the change."
    changes = ", ".join(
        f"{c.figure.replace('_', ' ')} {c.now} ({c.delta:+d})"
        for c in t.since_last
        if c.figure in ("failures", "backlog", "risks") and c.delta is not None
    )
    weeks = " -> ".join("-" if p.run is None else str(p.run.backlog) for p in t.weeks)
    return (
        f"Trend since {Clockface(r.diagnosis.timezone).when(t.previous.ran_at)}: {changes}. "
        f"Backlog, last 4 weeks -> now: {weeks}"
    )


def render_all(console: Console, report: AllProfilesReport) -> None:
    counts = Counter(r.verdict for r in report.rows)
    tally = ", ".join(f"{n} {v}" for v, n in sorted(counts.items(), key=lambda kv: kv[0]))
    _out(console, f"QBSYNC {report.verdict} - {len(report.rows)} companies: {tally}")
    width = max([len(r.profile) for r in report.rows] + [7])
    cwidth = max([len(r.company or "-") for r in report.rows] + [7])
    _out(console, f"{'profile':<{width}}  {'status':<8}  {'company':<{cwidth}}  summary")
    for r in report.rows:
        summary = r.headline + (f" (hint: {r.hint})" if r.hint else "")
        _out(console, f"{r.profile:<{width}}  {r.verdict:<8}  {(r.company or '-'):<{cwidth}}  {summary}")
    for one in report.reports:
        if one.exit_code != 0:
            _out(console)
            for line in check_lines(one)[:-1]:
                _wrapped(console, line)


def render_history(console: Console, data: Any) -> None:
    """``qbsync check --history``: each profile's recorded runs, oldest first."""
    runs_by_profile: dict[str, list[RunFigures]] = data["runs"]
    if not runs_by_profile or not any(runs_by_profile.values()):
        _out(console, f"No check runs recorded yet in {data['file']}.")
        if data.get("note"):
            _out(console, data["note"])
        return
    header = f"{'ran at (UTC)':<17}  {'status':<8}  {'failures':>8}  {'causes':>6}  {'backlog':>7}  {'oldest d':>8}  {'risks':>5}"
    for profile, runs in runs_by_profile.items():
        company = next((r.company for r in reversed(runs) if r.company), None)
        _out(console, f"{profile}" + (f" ({company})" if company else "") + f": {plural(len(runs), 'run')}")
        _out(console, header)
        previous: RunFigures | None = None
        for run in runs:
            delta = ""
            if previous is not None and run.backlog != previous.backlog:
                delta = f" ({run.backlog - previous.backlog:+d})"
            oldest = "-" if run.oldest_backlog_days is None else str(run.oldest_backlog_days)
            verdict = VERDICT.get(run.exit_code, "UNKNOWN")
            _out(
                console,
                f"{run.ran_at.strftime('%Y-%m-%d %H:%M'):<17}  {verdict:<8}  {run.failures:>8}  {run.root_causes:>6}  "
                f"{run.backlog:>7}  {oldest:>8}  {run.risks:>5}{delta}",
            )
            previous = run
        _out(console)
    _out(console, f"History file: {data['file']}")
