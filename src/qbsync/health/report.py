"""The ``qbsync check --report PATH`` file: Markdown, or a self-contained HTML page when PATH ends in .html.

Summary, trend, plan, risks, connections: what a person would rather read than the log. Every value that
comes from Suprata or QuickBooks is escaped (names are user data: ``<script>`` in a customer name stays
text). The HTML page has no external resources and no <style> block (mail clients strip it): inline styles, an
inline SVG chart, no scripts, no images. Times are in the company's zone.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from qbsync.diagnosis.report import ConnectionView, RootCause
from qbsync.errors import ConfigError
from qbsync.fileio import write_report_file
from qbsync.health.check import AllProfilesReport, CheckReport
from qbsync.health.history import Trend
from qbsync.render.layout import split_command
from qbsync.render.words import Clockface, pattern_label, plainly, plural, who

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
        target = write_report_file(target, text)
    except OSError as exc:
        raise ConfigError(
            f"cannot write the report {target}: {exc.strerror or exc}", hint="choose a writable path for --report"
        ) from None
    return target


# --- plain rows shared by both formats -------------------------------------------------------------------


def plan_rows(causes: list[RootCause], clock: Clockface | None = None) -> list[tuple[str, ...]]:
    """The diagnose plan table (same columns as ``qbsync diagnose``), as plain text cells."""
    rows: list[tuple[str, ...]] = []
    for c in causes:
        evidence = c.evidence[0].summary if c.evidence else ("confirmed" if c.confirmed else "not confirmed")
        wait = "wait: Suprata retries on its own" if c.pattern == "P7" else "-"
        rows.append(
            (
                str(c.step),
                f"{c.pattern} {pattern_label(c)}",
                c.title,
                evidence,
                _blocks(c.blocks),
                FIX_BY.get(c.fix_by, c.fix_by),
                c.next_command or wait,
            )
        )
    return [tuple(plainly(cell, clock) for cell in row) for row in rows]


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
        days = f", refresh token {plural(c.days_left, 'day')} left" if c.days_left is not None else ""
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
    clock = Clockface(r.diagnosis.timezone)
    company = r.company or r.profile
    out = [
        f"{h} {_md(company)}: {r.verdict}",
        "",
        f"_Weekly check, {_when(r.generated_at, clock)} ({_md(clock.name)}), profile {_md(r.profile)}_",
    ]
    out += ["", f"{h}# Summary", "", f"**{_md(r.headline)}**", ""]
    out += [f"- {_md(plainly(reason, clock))}" for reason in r.reasons] or ["- Nothing to do."]
    out += [f"- {_md(c)}" for c in (connection_text(c) for c in r.status.connections)]
    if r.status.books_closed_through:
        out.append(f"- Books closed through {r.status.books_closed_through}.")
    for note in r.notes:
        out.append(f"- Note: {_md(note)}")
    if r.trend is not None:
        out += ["", f"{h}# Trend", ""]
        if r.trend.first_run:
            out.append("First recorded run: the trend starts with the next one.")
            out.append("")
        out += _md_table(trend_header(r.trend), trend_rows(r.trend))
    out += ["", f"{h}# Plan", ""]
    if r.diagnosis.root_causes:
        out += _md_table(PLAN_COLUMNS, plan_rows(r.diagnosis.root_causes, clock))
        for c in r.diagnosis.root_causes:
            out += ["", f"{h}## Step {c.step}: {_md(plainly(c.title, clock))}", ""]
            out.append(
                f"_{_md(c.pattern)} {_md(c.pattern_name)}; who: {_md(who(c.fix_by))}; holds up {_blocks(c.blocks)}_"
            )
            out.append("")
            for i, step in enumerate(c.steps, 1):
                words, cmd = split_command(plainly(step, clock))
                out.append(f"{i}. {_md(words)}" + (f"  \n   `{cmd}`" if cmd else ""))
            if c.next_command and not any(c.next_command in s for s in c.steps):
                out += ["", f"Then run: `{c.next_command}`"]
            if c.records:
                out.append("")
                rows = [
                    (rec.number or rec.record_id, rec.customer or "", str(rec.txn_date or ""), _money(rec.amount))
                    for rec in c.records[:RECORDS_SHOWN]
                ]
                out += _md_table(("record", "customer", "date", "amount"), rows)
                if len(c.records) > RECORDS_SHOWN:
                    out += ["", f"and {len(c.records) - RECORDS_SHOWN:,} more: `qbsync diagnose --export records.csv`"]
    else:
        out.append("Nothing to fix: every record Suprata pushed is in QuickBooks.")
    out += ["", f"{h}# Risks ahead", ""]
    if r.risks:
        for risk in r.risks:
            out.append(f"- **{risk.severity.upper()}** {_md(plainly(risk.title, clock))}. Fix: {_md(risk.fix)}")
            out += [f"  - {_md(rec)}" for rec in risk.records]
    else:
        out.append("None found.")
    out += [
        "",
        f"_Requests: Suprata {r.requests.get('suprata', 0)}, QuickBooks {r.requests.get('quickbooks', 0)}. "
        "Explain a pattern: `qbsync explain P1`._",
    ]
    return out


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~]|&(?=#?\w+;))")


def _md(text: Any) -> str:
    """Escape what Markdown would act on (emphasis, links, tables, inline HTML, entities): user data stays text.
    Parentheses are safe once brackets are escaped, so "day(s)" stays readable; a lone "&" is plain text in
    Markdown (only an entity such as "&amp;" is acted on), so "Plumbing & Heating" is written as it is."""
    flat = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", flat)


def _md_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(_md(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows]
    return lines


# --- HTML ---------------------------------------------------------------------------------------------
# Inline styles only: several mail clients drop <style> in <head>. One column that reflows (no wide plan
# table), records in a four-column table that fits a 420 px phone, and an inline SVG chart (no script).

_FONT = 'font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif'
S_BODY = f"margin:0;padding:0;background:#f5f5f7;color:#1d1d1f;{_FONT};font-size:15px;line-height:1.45"
S_PAGE = "max-width:960px;margin:0 auto;padding:16px;background:#ffffff"
S_H1 = "font-size:22px;line-height:1.25;margin:0 0 4px 0"
S_H2 = "font-size:18px;margin:28px 0 8px 0;padding-bottom:4px;border-bottom:1px solid #dddddd"
S_H3 = "font-size:16px;margin:0 0 6px 0"
S_MUTED = "color:#666666;font-size:13px;margin:0 0 8px 0"
S_CARD = "border:1px solid #dddddd;border-radius:6px;padding:12px;margin:12px 0;background:#ffffff"
S_TABLE = "border-collapse:collapse;width:100%;font-size:14px;margin:8px 0"
S_TH = "text-align:left;padding:4px 6px;border-bottom:2px solid #dddddd;background:#f5f5f7;font-weight:600"
S_TD = "text-align:left;padding:4px 6px;border-bottom:1px solid #eeeeee;vertical-align:top"
S_NUM = "text-align:right;padding:4px 6px;border-bottom:1px solid #eeeeee;white-space:nowrap;vertical-align:top"
S_CODE = "font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;background:#f5f5f7;padding:1px 4px"
VERDICT_COLOUR = {"OK": "#2e7d32", "WARNING": "#b26a00", "CRITICAL": "#c62828", "UNKNOWN": "#555555"}
RECORDS_SHOWN = 10


def _badge(verdict: str) -> str:
    colour = VERDICT_COLOUR.get(verdict, "#555555")
    return (
        f"<span style='display:inline-block;padding:1px 8px;border-radius:4px;color:#ffffff;"
        f"background:{colour};font-size:14px;font-weight:600;vertical-align:middle'>{_e(verdict)}</span>"
    )


def render_html(report: CheckReport | AllProfilesReport) -> str:
    if isinstance(report, AllProfilesReport):
        title = f"qbsync check: {report.verdict}"
        clock = Clockface(report.reports[0].diagnosis.timezone if report.reports else None)
        body = [
            f"<h1 style='{S_H1}'>{_e(title)}</h1>",
            f"<p style='{S_MUTED}'>{_e(_when(report.generated_at, clock))}</p>",
        ]
        rows = [(r.profile, r.company or "", r.verdict, r.error or r.headline) for r in report.rows]
        body.append(_html_table(("profile", "company", "status", "summary"), rows))
        for one in report.reports:
            body.append("<hr style='border:0;border-top:1px solid #dddddd;margin:24px 0'>")
            body += _html_one(one, 2)
    else:
        title = f"{report.company or report.profile}: {report.verdict}"
        body = _html_one(report, 1)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{_e(title)}</title></head><body style='{S_BODY}'>\n<div style='{S_PAGE}'>\n"
        + "\n".join(body)
        + "\n</div>\n</body></html>\n"
    )


def _html_one(r: CheckReport, level: int) -> list[str]:
    clock = Clockface(r.diagnosis.timezone)
    h1, h2 = (f"h{level}", f"h{level + 1}")
    company = r.company or r.profile
    out = [
        f"<{h1} style='{S_H1}'>{_e(company)} {_badge(r.verdict)}</{h1}>",
        f"<p style='{S_MUTED}'>Weekly check, {_e(_when(r.generated_at, clock))} ({_e(clock.name)}), "
        f"profile {_e(r.profile)}</p>",
        f"<p style='margin:8px 0'><strong>{_e(r.headline)}</strong></p>",
        "<ul style='margin:4px 0 0 0;padding-left:20px'>",
    ]
    out += [f"<li>{_e(plainly(reason, clock))}</li>" for reason in r.reasons] or ["<li>Nothing to do.</li>"]
    out += [f"<li>{_e(connection_text(c))}</li>" for c in r.status.connections]
    if r.status.books_closed_through:
        out.append(f"<li>Books closed through {_e(r.status.books_closed_through)}.</li>")
    out += [f"<li>Note: {_e(note)}</li>" for note in r.notes]
    out.append("</ul>")
    out.append(f"<{h2} style='{S_H2}'>Failed records and backlog, week by week</{h2}>")
    out.append(trend_svg(r.trend))
    out.append(f"<{h2} style='{S_H2}'>What to fix, in this order</{h2}>")
    if r.diagnosis.root_causes:
        for c in r.diagnosis.root_causes:
            out += _html_step(c, clock)
    else:
        out.append("<p>Nothing to fix: every record Suprata pushed is in QuickBooks.</p>")
    out.append(f"<{h2} style='{S_H2}'>Risks ahead</{h2}>")
    if r.risks:
        out.append("<ul style='padding-left:20px'>")
        for risk in r.risks:
            records = "".join(f"<li>{_e(rec)}</li>" for rec in risk.records)
            out.append(
                f"<li><strong>{_e(risk.severity.upper())}</strong> {_e(plainly(risk.title, clock))}. "
                f"Fix: {_e(risk.fix)}" + (f"<ul style='padding-left:20px'>{records}</ul>" if records else "") + "</li>"
            )
        out.append("</ul>")
    else:
        out.append("<p>None found.</p>")
    out.append(
        f"<p style='{S_MUTED}'>Requests: Suprata {r.requests.get('suprata', 0)}, "
        f"QuickBooks {r.requests.get('quickbooks', 0)}. Explain a pattern: "
        f"<span style='{S_CODE}'>qbsync explain P1</span></p>"
    )
    return out


def _html_step(c: RootCause, clock: Clockface) -> list[str]:
    out = [
        f"<div style='{S_CARD}'>",
        f"<h3 style='{S_H3}'>Step {c.step}. {_e(plainly(c.title, clock))}</h3>",
        f"<p style='{S_MUTED}'>{_e(c.pattern)} {_e(pattern_label(c))} · who: {_e(who(c.fix_by))} · "
        f"holds up {_e(_blocks(c.blocks))}</p>",
        "<ol style='margin:4px 0;padding-left:22px'>",
    ]
    for step in c.steps:
        words, cmd = split_command(plainly(step, clock))
        out.append(f"<li>{_e(words)}" + (f"<br><span style='{S_CODE}'>{_e(cmd)}</span>" if cmd else "") + "</li>")
    out.append("</ol>")
    if c.next_command and not any(c.next_command in s for s in c.steps):
        out.append(f"<p style='margin:4px 0'>Then run: <span style='{S_CODE}'>{_e(c.next_command)}</span></p>")
    if c.records:
        rows = []
        for rec in c.records[:RECORDS_SHOWN]:
            rows.append(
                "<tr>"
                f"<td style='{S_TD};white-space:nowrap'>{_e(rec.number or rec.record_id)}</td>"
                f"<td style='{S_TD}'>{_e(rec.customer or '')}</td>"
                f"<td style='{S_TD};white-space:nowrap'>{_e(rec.txn_date or '')}</td>"
                f"<td style='{S_NUM}'>{_e(_money(rec.amount))}</td>"
                "</tr>"
            )
        more = len(c.records) - RECORDS_SHOWN
        if more > 0:
            rows.append(
                f"<tr><td colspan='4' style='{S_TD};color:#666666'>and {more:,} more: "
                f"<span style='{S_CODE}'>qbsync diagnose --export records.csv</span></td></tr>"
            )
        out.append(
            f"<table role='presentation' style='{S_TABLE}'><thead><tr>"
            + "".join(
                f"<th style='{S_TH}{';text-align:right' if h == 'amount' else ''}'>{h}</th>"
                for h in ("record", "customer", "date", "amount")
            )
            + "</tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )
    out.append("</div>")
    return out


def trend_svg(trend: Trend | None) -> str:
    """Failed records and backlog per week as an inline SVG line chart (no script), once there is history."""
    points = [(p.week_start, p.run) for p in (trend.weeks if trend else []) if p.run is not None]
    if len(points) < 2:
        return (
            "<p>This is the first week on record: the chart of failed records and backlog appears once "
            "there is a second week to compare with.</p>"
        )
    width, height, left, bottom, top, right = 600, 220, 44, 28, 16, 32
    peak = max(max(r.failures, r.backlog) for _, r in points) or 1
    step = (width - left - right) / (len(points) - 1)

    def xy(i: int, value: int) -> tuple[float, float]:
        return left + i * step, top + (height - top - bottom) * (1 - value / peak)

    def line(figure: str, colour: str) -> str:
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, getattr(r, figure)) for i, (_, r) in enumerate(points)))
        dots = "".join(
            f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3' fill='{colour}'/>"
            for x, y in (xy(i, getattr(r, figure)) for i, (_, r) in enumerate(points))
        )
        return f"<polyline fill='none' stroke='{colour}' stroke-width='2.5' points='{coords}'/>{dots}"

    labels = "".join(
        f"<text x='{xy(i, 0)[0]:.1f}' y='{height - 8}' font-size='12' text-anchor='middle' fill='#666666'>"
        f"{_e(when.strftime('%b %d'))}</text>"
        for i, (when, _) in enumerate(points)
    )
    grid = "".join(
        f"<line x1='{left}' x2='{width - right}' y1='{xy(0, v)[1]:.1f}' y2='{xy(0, v)[1]:.1f}' stroke='#eeeeee'/>"
        f"<text x='{left - 6}' y='{xy(0, v)[1] + 4:.1f}' font-size='12' text-anchor='end' fill='#666666'>{v}</text>"
        for v in sorted({0, peak // 2, peak})
    )
    last = points[-1][1]
    summary = f"Failed records: {last.failures}; backlog: {last.backlog} (this week)."
    return (
        f"<svg role='img' aria-label='{_e(summary)}' viewBox='0 0 {width} {height}' width='100%' "
        f"style='max-width:{width}px;height:auto;display:block'>"  # inline in HTML5: no xmlns needed
        f"<title>{_e(summary)}</title>{grid}{line('backlog', '#1565c0')}{line('failures', '#c62828')}{labels}</svg>"
        f"<p style='{S_MUTED}'><span style='color:#c62828;font-weight:600'>&#9632; failed records</span> &nbsp; "
        f"<span style='color:#1565c0;font-weight:600'>&#9632; backlog (not in QuickBooks)</span> &nbsp; "
        f"{_e(summary)}</p>"
    )


def _html_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    head = "".join(f"<th style='{S_TH}'>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td style='{S_TD}'>{_e(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table style='{S_TABLE}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _money(amount: Any) -> str:
    return f"${amount:,.2f}" if amount is not None else ""


def _blocks(blocks: dict[str, int]) -> str:
    order = ("customer", "item", "invoice", "payment")
    parts = [plural(blocks[k], k) for k in order if blocks.get(k)]
    return ", ".join(parts) or "no records"


def _when(value: datetime, clock: Clockface | None = None) -> str:
    clock = clock or Clockface("UTC")
    return f"{clock.when(value)} {clock.abbreviation(value)}"
