"""The views of ``qbsync preflight``: one compact screen (the headline, one line per cause in fix order, the
first fix), ``--details`` (every cause in full and every record), and the per-record CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console, RenderableType
from rich.markup import escape
from rich.text import Text

from qbsync.predicting.model import PredictedCause, PreflightReport
from qbsync.render.layout import command, hanging, lines_of, rows, show, split_command, steps_with_commands
from qbsync.render.words import Clockface, plainly, plural, who

VERDICT = {0: "[green]OK[/]", 1: "[yellow]WARNING[/]", 2: "[bold red]CRITICAL[/]", 3: "[bold]UNKNOWN[/]"}


@dataclass
class PreflightView:
    details: bool = False


def render_preflight(console: Console, r: PreflightReport, view: PreflightView | None = None) -> None:
    view = view or PreflightView()
    clock = Clockface(r.timezone)
    out: list[RenderableType] = []
    company = escape(r.company or "your QuickBooks company")
    out.append(f"[bold]Pre-flight for {company}[/]: {VERDICT.get(r.exit_code, '?')}")
    # The whole sentence (every cause) is the JSON's and --details'; the screen lists the causes below it.
    out.append(Text(plainly(r.summary.headline if view.details or not r.causes else _short_headline(r), clock)))
    if r.causes:
        out.append("")
        out.append("[bold]Fix first, in this order:[/]")
        if view.details:
            for cause in r.causes:
                out.extend(_cause_in_full(cause, clock))
        else:
            out.append(_plan_lines(console, r, clock))
            first = r.causes[0]
            words, cmd = split_command(plainly(first.steps[0], clock)) if first.steps else ("", None)
            out.append(hanging("First:", escape(words)))
            if cmd:
                out.append(command(cmd))
    for note in r.notes:
        out.append(hanging("Note:", escape(plainly(note, clock)), label_style="yellow"))
    if view.details:
        out.extend(_records_table(r))
    requests = f" ({r.qbo_requests} QuickBooks requests, read-only)" if r.qbo_requests is not None else ""
    if r.causes and not view.details:
        out.append(Text(f"More: qbsync preflight --details, or --export preflight.csv{requests}", style="dim"))
    elif requests:
        out.append(Text(requests.strip(" ()").capitalize(), style="dim"))
    show(console, out, page=view.details)


def _short_headline(r: PreflightReport) -> str:
    s = r.summary
    what = " and ".join(plural(n, t) for t, n in s.by_type.items())
    causes = plural(s.causes, "cause")
    return f"Of {what}, {s.will_sync:,} will sync and {s.will_fail:,} will not ({causes}, below)."


# What the screen keeps besides the plan lines: verdict, summary, blank, heading, the first step (up to three
# lines), its command, the footer (two lines) and the prompt.
OTHER_LINES = 11


def _plan_lines(console: Console, r: PreflightReport, clock: Clockface) -> RenderableType:
    """One line per cause; when that would not fit the screen, one line per pattern (its steps, what it stops,
    the first few names), as diagnose folds causes of one kind."""
    each = rows([(f"{c.step}.", _cause_line(c, clock)) for c in r.causes], indent=1)
    if lines_of(console, [each]) <= max(8, console.height - OTHER_LINES):
        return each
    folded: dict[str, list[PredictedCause]] = {}
    for c in r.causes:
        folded.setdefault(c.pattern, []).append(c)
    entries = []
    for causes in folded.values():
        first, last = causes[0], causes[-1]
        label = f"{first.step}." if first is last else f"{first.step}-{last.step}."
        stopped = sum(len(c.records) for c in causes)
        names = [c.name for c in causes]
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        what = plural(stopped, "record")
        entries.append((label, f"{escape(first.pattern_name)}: {what} [dim]({escape(shown)})[/]"))
    return rows(entries, indent=1)


def _cause_line(c: PredictedCause, clock: Clockface) -> str:
    return f"{escape(plainly(c.title, clock))} [dim]({escape(who(c.fix_by, short=True))})[/]"


def _cause_in_full(c: PredictedCause, clock: Clockface) -> list[RenderableType]:
    out: list[RenderableType] = ["", f"[bold]{c.step}. {escape(plainly(c.title, clock))}[/] [dim]({c.pattern})[/]"]
    for item in c.evidence:
        out.append(rows([("•", escape(plainly(f"{item.source}: {item.summary}", clock)))], indent=2))
    out.extend(steps_with_commands(plainly(s, clock) for s in c.steps))
    out.append(rows([("", f"[dim]records: {escape(', '.join(c.records))}[/]")], indent=2))
    return out


def _records_table(r: PreflightReport) -> list[RenderableType]:
    from qbsync.render.layout import FitTable

    table = FitTable(title="Every record", show_edge=False, pad_edge=False)
    for name in ("record", "date", "customer", "will", "why"):
        table.add_column(name, no_wrap=name in ("record", "date"))
    for rec in r.records:
        will = {"will_sync": "[green]sync[/]", "will_fail": "[red]fail[/]"}.get(rec.outcome, "in QuickBooks")
        why = f"step {rec.step}: {rec.says}" if rec.step else ""
        table.add_row(
            escape(rec.number),
            rec.txn_date.isoformat() if rec.txn_date else "",
            escape(rec.customer or ""),
            will,
            escape(why),
        )
    return ["", table]


# --- CSV: one row per record --------------------------------------------------------------------------------

COLUMNS = (
    "record_type",
    "number",
    "customer",
    "date",
    "amount",
    "state",
    "prediction",
    "step",
    "pattern",
    "cause",
    "why",
    "waits_on",
    "first_step",
    "who",
)


def write_csv(report: PreflightReport, out: TextIO) -> int:
    fix_by = {c.id: c.fix_by for c in report.causes}
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for rec in report.records:
        writer.writerow(
            (
                rec.record_type,
                rec.number,
                rec.customer or "",
                rec.txn_date.isoformat() if rec.txn_date else "",
                f"{rec.amount:.2f}" if rec.amount is not None else "",
                rec.state,
                rec.outcome.replace("_", " "),
                rec.step or "",
                rec.pattern or "",
                rec.cause or "",
                rec.says or "",
                rec.waits_on or "",
                rec.first_step or "",
                who(fix_by[rec.cause_id]) if rec.cause_id in fix_by else "",
            )
        )
    return len(report.records)


def export_csv(report: PreflightReport, path: str, stdout: TextIO) -> int:
    """Write the CSV to ``path`` (``-`` is stdout); returns how many records it holds."""
    if path == "-":
        rows_written = write_csv(report, stdout)
        stdout.flush()
        return rows_written
    buffer = io.StringIO()
    rows_written = write_csv(report, buffer)
    Path(path).expanduser().write_text(buffer.getvalue(), encoding="utf-8-sig")  # Excel reads the BOM as UTF-8
    return rows_written


def human(view: PreflightView) -> Any:
    return lambda console, data: render_preflight(console, data, view)
