"""The ``qbsync check --report PATH`` file: Markdown, or a self-contained HTML page when PATH ends in .html.

Summary, trend, plan, risks, connections: what a person would rather read than the log. Every value that
comes from Suprata or QuickBooks is escaped (names are user data: ``<script>`` in a customer name stays
text). The HTML page has no external resources: inline CSS, no scripts, no images.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from qbsync.diagnosis.report import ConnectionView, RootCause
from qbsync.errors import ConfigError
from qbsync.fileio import write_text_atomically
from qbsync.health.check import AllProfilesReport, CheckReport
from qbsync.health.history import Trend

FIX_BY = {"self": "you", "bookkeeper": "bookkeeper", "support": "support"}
PLAN_COLUMNS = ("step", "pattern", "what", "evidence", "blocks", "who", "next")
TREND_FIGURES = (
    ("failures", "failed records"),
    ("root_causes", "root causes"),
    ("backlog", "backlog"),
    ("oldest_backlog_days", "oldest unsynced (days)"),
    ("risks", "risks ahead"),
)


def write_report(path: str | Path, report: CheckReport | AllProfilesReport) -> Path:
    """Write atomically (a cron run never leaves half a report); the format follows the file name."""
    target = Path(path).expanduser()
    text = render_html(report) if target.suffix.lower() in (".html", ".htm") else render_markdown(report)
    try:
        write_text_atomically(target, text)
    except OSError as exc:
        raise ConfigError(
            f"cannot write the report {target}: {exc.strerror or exc}", hint="choose a writable path for --report"
        ) from None
    return target


# --- plain rows shared by both formats -------------------------------------------------------------------


def plan_rows(causes: list[RootCause]) -> list[tuple[str, ...]]:
    """The diagnose plan table (same columns as ``qbsync diagnose``), as plain text cells."""
    rows = []
    for c in causes:
        evidence = c.evidence[0].summary if c.evidence else ("confirmed" if c.confirmed else "not confirmed")
        wait = "wait: Suprata retries on its own" if c.pattern == "P7" else "-"
        rows.append(
            (
                str(c.step),
                f"{c.pattern} {c.pattern_name}",
                c.title,
                evidence,
                _blocks(c.blocks),
                FIX_BY.get(c.fix_by, c.fix_by),
                c.next_command or wait,
            )
        )
    return rows


def trend_rows(trend: Trend | None) -> list[tuple[str, ...]]:
    """One row per figure: the last four weeks (last run of each), this run, and the change since the last run."""
    if trend is None:
        return []
    rows = []
    for figure, label in TREND_FIGURES:
        cells = [label]
        for point in trend.weeks:
            value = getattr(point.run, figure) if point.run is not None else None
            cells.append("-" if value is None else str(value))
        change = next((c for c in trend.since_last if c.figure == figure), None)
        delta = change.delta if change is not None else None
        cells.append("-" if delta is None else f"{delta:+d}")
        rows.append(tuple(cells))
    return rows


def trend_header(trend: Trend) -> tuple[str, ...]:
    weeks = [f"week of {p.week_start.strftime('%m-%d')}" for p in trend.weeks[:-1]]
    return ("figure", *weeks, "now", "since last run")


def connection_text(c: ConnectionView) -> str:
    who = "Suprata → QuickBooks" if c.who == "suprata" else "qbsync → QuickBooks"
    if c.status == "connected":
        days = f", refresh token {c.days_left} day(s) left" if c.days_left is not None else ""
        return f"{who}: connected{days}"
    return f"{who}: {c.status.replace('_', ' ')}" + (f" ({c.note})" if c.note else "")


# --- Markdown ---------------------------------------------------------------------------------------------


def render_markdown(report: CheckReport | AllProfilesReport) -> str:
    if isinstance(report, AllProfilesReport):
        lines = [f"# qbsync check: {report.verdict}", "", f"_{_when(report.generated_at)}_", ""]
        lines += _md_table(
            ("profile", "company", "status", "summary"),
            [(r.profile, r.company or "", r.verdict, r.error or r.headline) for r in report.rows],
        )
        for one in report.reports:
            lines += ["", "---", ""]
            lines += _markdown_one(one, level=2)
        return "\n".join(lines) + "\n"
    return "\n".join(_markdown_one(report, level=1)) + "\n"


def _markdown_one(r: CheckReport, level: int) -> list[str]:
    h = "#" * level
    company = r.company or r.profile
    out = [f"{h} {_md(company)}: {r.verdict}", "", f"_qbsync check, {_when(r.generated_at)}, profile {_md(r.profile)}_"]
    out += ["", f"{h}# Summary", "", f"**{_md(r.headline)}**", ""]
    out += [f"- {_md(reason)}" for reason in r.reasons] or ["- nothing to do"]
    out += [f"- {_md(c)}" for c in (connection_text(c) for c in r.status.connections)]
    if r.status.books_closed_through:
        out.append(f"- books closed through {r.status.books_closed_through}")
    for note in r.notes:
        out.append(f"- note: {_md(note)}")
    if r.trend is not None:
        out += ["", f"{h}# Trend", ""]
        if r.trend.first_run:
            out.append("First recorded run: the trend starts with the next one.")
            out.append("")
        out += _md_table(trend_header(r.trend), trend_rows(r.trend))
    out += ["", f"{h}# Plan", ""]
    if r.diagnosis.root_causes:
        out += _md_table(PLAN_COLUMNS, plan_rows(r.diagnosis.root_causes))
        for c in r.diagnosis.root_causes:
            out += ["", f"**Step {c.step}: {_md(c.title)}**", ""]
            out += [f"{i}. {_md(step)}" for i, step in enumerate(c.steps, 1)]
    else:
        out.append("Nothing to fix: every record Suprata pushed is in QuickBooks.")
    out += ["", f"{h}# Risks ahead", ""]
    if r.risks:
        for risk in r.risks:
            out.append(f"- **{risk.severity.upper()}** {_md(risk.title)}. Fix: {_md(risk.fix)}")
            out += [f"  - {_md(rec)}" for rec in risk.records]
    else:
        out.append("None found.")
    out += ["", f"_Requests: Suprata {r.requests.get('suprata', 0)}, QuickBooks {r.requests.get('quickbooks', 0)}._"]
    return out


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~&])")


def _md(text: Any) -> str:
    """Escape what Markdown would act on (emphasis, links, tables, inline HTML, entities): user data stays text.
    Parentheses are safe once brackets are escaped, so "day(s)" stays readable."""
    flat = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", flat)


def _md_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(_md(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows]
    return lines


# --- HTML -------------------------------------------------------------------------------------------------

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:70rem;
padding:0 1rem;color:#1d1d1f}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0;width:100%}th,td{border:1px solid #ddd;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#f5f5f7}
.verdict{display:inline-block;padding:.1rem .6rem;border-radius:.3rem;color:#fff;font-weight:600}
.OK{background:#2e7d32}.WARNING{background:#b26a00}.CRITICAL{background:#c62828}.UNKNOWN{background:#555}
.muted{color:#666}li{margin:.2rem 0}
"""


def render_html(report: CheckReport | AllProfilesReport) -> str:
    if isinstance(report, AllProfilesReport):
        title = f"qbsync check: {report.verdict}"
        body = [f"<h1>{_e(title)}</h1>", f"<p class='muted'>{_e(_when(report.generated_at))}</p>"]
        rows = [(r.profile, r.company or "", r.verdict, r.error or r.headline) for r in report.rows]
        body.append(_html_table(("profile", "company", "status", "summary"), rows))
        for one in report.reports:
            body.append("<hr>")
            body += _html_one(one, "h2", "h3")
    else:
        title = f"{report.company or report.profile}: {report.verdict}"
        body = _html_one(report, "h1", "h2")
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _html_one(r: CheckReport, h1: str, h2: str) -> list[str]:
    company = r.company or r.profile
    out = [
        f"<{h1}>{_e(company)} <span class='verdict {_e(r.verdict)}'>{_e(r.verdict)}</span></{h1}>",
        f"<p class='muted'>qbsync check, {_e(_when(r.generated_at))}, profile {_e(r.profile)}</p>",
        f"<{h2}>Summary</{h2}>",
        f"<p><strong>{_e(r.headline)}</strong></p>",
        "<ul>",
    ]
    out += [f"<li>{_e(reason)}</li>" for reason in r.reasons] or ["<li>nothing to do</li>"]
    out += [f"<li>{_e(connection_text(c))}</li>" for c in r.status.connections]
    if r.status.books_closed_through:
        out.append(f"<li>books closed through {_e(r.status.books_closed_through)}</li>")
    out += [f"<li>note: {_e(note)}</li>" for note in r.notes]
    out.append("</ul>")
    if r.trend is not None:
        out.append(f"<{h2}>Trend</{h2}>")
        if r.trend.first_run:
            out.append("<p>First recorded run: the trend starts with the next one.</p>")
        out.append(_html_table(trend_header(r.trend), trend_rows(r.trend)))
    out.append(f"<{h2}>Plan</{h2}>")
    if r.diagnosis.root_causes:
        out.append(_html_table(PLAN_COLUMNS, plan_rows(r.diagnosis.root_causes)))
        for c in r.diagnosis.root_causes:
            out.append(f"<p><strong>Step {c.step}: {_e(c.title)}</strong></p><ol>")
            out += [f"<li>{_e(step)}</li>" for step in c.steps]
            out.append("</ol>")
    else:
        out.append("<p>Nothing to fix: every record Suprata pushed is in QuickBooks.</p>")
    out.append(f"<{h2}>Risks ahead</{h2}>")
    if r.risks:
        out.append("<ul>")
        for risk in r.risks:
            records = "".join(f"<li>{_e(rec)}</li>" for rec in risk.records)
            out.append(
                f"<li><strong>{_e(risk.severity.upper())}</strong> {_e(risk.title)}. Fix: {_e(risk.fix)}"
                + (f"<ul>{records}</ul>" if records else "")
                + "</li>"
            )
        out.append("</ul>")
    else:
        out.append("<p>None found.</p>")
    out.append(
        f"<p class='muted'>Requests: Suprata {r.requests.get('suprata', 0)}, "
        f"QuickBooks {r.requests.get('quickbooks', 0)}.</p>"
    )
    return out


def _html_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _blocks(blocks: dict[str, int]) -> str:
    order = ("customer", "item", "invoice", "payment")
    parts = [f"{blocks[k]} {k}{'s' if blocks[k] != 1 else ''}" for k in order if blocks.get(k)]
    return ", ".join(parts) or "-"


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")
