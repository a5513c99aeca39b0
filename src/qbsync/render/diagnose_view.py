"""The terminal view of ``qbsync diagnose``.

By default one screen: the summary and the plan, one line per cause (what, how many records, who; the next
command when the terminal is wide enough, else the first step's command under the plan). Causes of one kind
(200 customers whose names a vendor holds) are one line. ``--step N`` shows one step in full, ``--details``
every step; both go through a pager on a terminal. Times are in the company's zone; JSON keeps UTC.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from qbsync.diagnosis.report import BlockedRecord, ConnectionView, DiagnosisReport, RootCause
from qbsync.render import layout
from qbsync.render.words import RETRY, Clockface, plainly, plural, who

MAX_RECORDS = 12  # records listed per step in the detail view; the rest are counted (CSV lists all)
GROUP_AT = 3  # this many causes of one kind become one line of the plan
GROUP_NAMES_SHOWN = 3
NEXT_MIN_WHAT = 34  # the plan shows its "next" column only when the cause still gets this many characters


@dataclass
class ViewOptions:
    details: bool = False
    step: int | None = None


# --- what a cause is, in a few words ------------------------------------------------------------------------
# (title regex, one cause, a group of them, the unit a group counts). The planner's titles are full sentences
# for the detail view; the plan's one line needs the gist. A title no rule knows is shown as it is.
_KINDS: list[tuple[re.Pattern[str], str, str, str]] = [
    (
        re.compile(r"Customer '(?P<name>.+)' cannot be created: a QuickBooks (?P<holder>\w+) already uses the name"),
        "A {holder} holds the customer name '{name}'",
        "A QuickBooks {holder} holds the customer's name",
        "customer",
    ),
    (
        re.compile(r"Customer '(?P<name>.+)' was made inactive in QuickBooks"),
        "Customer '{name}' is inactive in QuickBooks",
        "Customer made inactive in QuickBooks",
        "customer",
    ),
    (
        re.compile(r"Customer '(?P<name>.+)' is not in QuickBooks"),
        "Customer '{name}' is not in QuickBooks",
        "Customer missing in QuickBooks",
        "customer",
    ),
    (
        re.compile(r"Customer '(?P<name>.+)' already exists in QuickBooks but is not linked.*"),
        "Customer '{name}' is in QuickBooks, not linked",
        "Customer in QuickBooks, not linked to Suprata",
        "customer",
    ),
    (
        re.compile(r"Item '(?P<name>.+)' already exists in QuickBooks but was never linked"),
        "Item '{name}' is in QuickBooks, not linked",
        "Item in QuickBooks, not linked to Suprata",
        "item",
    ),
    (
        re.compile(r"Tax category '(?P<cat>.+)' has no QuickBooks tax code for (?P<where>.+)"),
        "No QuickBooks tax code for '{cat}' in {where}",
        "Tax category without a QuickBooks tax code",
        "tax category",
    ),
    (
        re.compile(r"Tax category '(?P<cat>.+)' in (?P<where>.+) maps to a QuickBooks tax code that is (?P<s>.+)"),
        "Tax code for '{cat}' in {where} is {s}",
        "Tax code mapped in Suprata is unusable",
        "tax category",
    ),
    (
        re.compile(r"Suprata's QuickBooks connection had lapsed.*"),
        "Suprata's connection had lapsed",
        "Suprata's connection had lapsed",
        "lapse",
    ),
    (
        re.compile(r"[\d,]+ records? dated on or before the books close date \((?P<d>[\d-]+)\)"),
        "Dated on or before the books close date {d}",
        "Dated in a closed period",
        "close date",
    ),
    (
        re.compile(r"Duplicate invoice (?P<num>\S+) in QuickBooks.*"),
        "Invoice {num} is in QuickBooks twice",
        "Invoice in QuickBooks twice",
        "invoice",
    ),
    (
        re.compile(r"Payment (?P<p>\S+) cannot sync: its invoice (?P<i>\S+) was deleted in QuickBooks"),
        "{p}: its invoice {i} was deleted in QuickBooks",
        "Payment whose invoice was deleted in QuickBooks",
        "payment",
    ),
    (
        re.compile(r"Payment for (?P<i>.+) was entered directly in QuickBooks and is not in Suprata"),
        "Payment for {i} entered only in QuickBooks",
        "Payment entered only in QuickBooks",
        "payment",
    ),
    (
        re.compile(r"QuickBooks throttling.*"),
        "QuickBooks throttling: Suprata retries by itself",
        "QuickBooks throttling: Suprata retries by itself",
        "burst",
    ),
    (
        re.compile(r"Not a known pattern: (?P<what>.+)"),
        "Unknown to qbsync: {what}",
        "Unknown to qbsync",
        "error",
    ),
]


def short_title(cause: RootCause) -> str:
    for regex, one, _, _ in _KINDS:
        m = regex.fullmatch(cause.title)
        if m:
            text = one.format(**m.groupdict())
            if cause.pattern == "P5" and cause.retry == "safe":
                text += "; connected again"
            return text
    return cause.title


def kind_of(cause: RootCause) -> tuple[str, str]:
    """The key causes are grouped on: the pattern and the title with its names, numbers and dates taken out."""
    for regex, _, group, _unit in _KINDS:
        m = regex.fullmatch(cause.title)
        if m:
            return cause.pattern, group.format(**m.groupdict())
    return cause.pattern, re.sub(r"'[^']*'|\b[A-Z]+-\d+\b|\d[\d,.:-]*", "#", cause.title)


def _unit_of(cause: RootCause) -> str:
    for regex, _, _, unit in _KINDS:
        if regex.fullmatch(cause.title):
            return unit
    return cause.subject_type or "cause"


@dataclass
class PlanLine:
    """One line of the plan: a cause, or several causes of one kind."""

    causes: list[RootCause]
    what: str
    unit: str = "cause"
    subjects: list[str] = field(default_factory=list)

    @property
    def first(self) -> RootCause:
        return self.causes[0]

    @property
    def steps(self) -> str:
        a, b = self.causes[0].step, self.causes[-1].step
        return f"{a}." if a == b else f"{a}-{b}"

    @property
    def records(self) -> int:
        return sum(sum(c.blocks.values()) for c in self.causes)

    @property
    def next(self) -> str:
        if len(self.causes) == 1:
            return _next(self.first)
        commands = {_next(c).split(" ")[1] if _next(c).startswith("qbsync ") else _next(c) for c in self.causes}
        if commands == {"retry"}:
            return f"qbsync retry --pattern {self.first.pattern}"
        return f"qbsync diagnose --step {self.first.step}"


def plan_lines(causes: list[RootCause]) -> list[PlanLine]:
    """Group causes of one kind (in plan order, which keeps a kind together) into one line each."""
    counts = Counter(kind_of(c) for c in causes)
    lines: list[PlanLine] = []
    by_kind: dict[tuple[str, str], PlanLine] = {}
    for c in causes:
        key = kind_of(c)
        if counts[key] < GROUP_AT:
            lines.append(PlanLine([c], short_title(c)))
            continue
        if key not in by_kind:
            by_kind[key] = PlanLine([], key[1], unit=_unit_of(c))
            lines.append(by_kind[key])
        line = by_kind[key]
        line.causes.append(c)
        line.subjects.append(_subject_name(c))
    for line in by_kind.values():
        line.what = f"{line.what}: {plural(len(line.causes), line.unit)}"
    return lines


def _subject_name(c: RootCause) -> str:
    m = re.search(r"'([^']+)'", c.title)
    return m.group(1) if m else c.subject


# --- the default screen -------------------------------------------------------------------------------------


def render_diagnosis(console: Console, report: DiagnosisReport, options: ViewOptions | None = None) -> None:
    options = options or ViewOptions()
    clock = Clockface(getattr(report, "timezone", None))
    if options.step is not None:
        cause = next((c for c in report.root_causes if c.step == options.step), None)
        if cause is None:  # the command checks the range first; a filter can still leave a gap
            console.print(f"No step {options.step} in this plan.")
            return
        layout.show(console, _cause_detail(cause, clock, console.width), page=True)
        return
    parts: list[Any] = [*_summary(report, clock)]
    if report.root_causes:
        parts += ["", *_plan(console, report)]
    else:
        parts.append(Text("Nothing to fix: every record Suprata pushed is in QuickBooks.", style="green"))
    if not options.details:
        layout.show(console, parts, page=False)
        return
    for cause in report.root_causes:
        parts += ["", *_cause_detail(cause, clock, console.width)]
    if report.edited_in_quickbooks:
        parts += ["", *_edited(report, clock)]
    parts += [
        "",
        Text(
            "Never delete in QuickBooks to clear a failure: void instead, so the history stays. "
            "Run one retry after a fix, not many.",
            style="dim",
        ),
    ]
    layout.show(console, parts, page=True)


def _summary(report: DiagnosisReport, clock: Clockface) -> list[RenderableType]:
    s = report.summary
    company = report.company or "Your QuickBooks company"
    if not s.failures and not report.root_causes:
        head = Text.from_markup(f"[bold]{escape(company)}[/]: no failed syncs.")
    else:
        head = Text.from_markup(
            f"[bold]{escape(company)}[/]: {s.failures:,} failed, {s.blocked_records:,} held up, "
            f"{plural(s.root_causes, 'cause')}."
        )
    lines: list[RenderableType] = [head]
    facts = []
    if s.first_failure_at:
        facts.append(f"oldest {clock.day(s.first_failure_at)}")
    if report.books_closed_through:
        facts.append(f"books closed through {report.books_closed_through}")
    facts.append(f"times in {clock.name}")
    text = " · ".join(facts)
    lines.append(Text(text[:1].upper() + text[1:]))
    if s.all_failing_since:
        lines.append(
            Text.from_markup(
                f"[bold red]Every push since {clock.when(s.all_failing_since)} has failed[/]: "
                "a connection or service problem, not your data."
            )
        )
    lines.append(Text.from_markup("  ·  ".join(_connection(c) for c in report.connections)))
    lines += [Text(f"Note: {plainly(note, clock)}", style="yellow") for note in report.notes]
    if report.filters:
        lines.append(Text("Filters: " + ", ".join(f"{k}={v}" for k, v in report.filters.items()), style="dim"))
    return lines


def _connection(c: ConnectionView) -> str:
    who_ = "Suprata" if c.who == "suprata" else "qbsync"
    if c.status == "connected":
        days = f" ({c.days_left} days left)" if c.days_left is not None else ""
        return f"{who_} [green]connected[/]{days}"
    if c.status == "not_configured":
        return f"{who_} [yellow]not set up[/]"
    return f"{who_} [bold red]{escape(c.status.replace('_', ' '))}[/]"


def _plan(console: Console, report: DiagnosisReport) -> list[RenderableType]:
    lines = plan_lines(report.root_causes)
    width = console.width
    step_w = max(len(line.steps) for line in lines)
    rec_w = max(len(f"{line.records:,}") for line in lines)
    who_w = max(len(who(line.first.fix_by, short=True)) for line in lines)
    next_w = max(len(line.next) for line in lines)
    fixed = step_w + rec_w + who_w + 6
    with_next = width - fixed - next_w - 2 >= NEXT_MIN_WHAT
    table = Table(box=None, show_edge=False, pad_edge=False, padding=(0, 1), header_style="bold", title_justify="left")
    table.add_column("", justify="right", no_wrap=True)
    table.add_column("Fix in this order")
    table.add_column("records", justify="right", no_wrap=True)
    table.add_column("who", no_wrap=True)
    if with_next:
        table.add_column("next", no_wrap=True)
    unconfirmed = next((c.unconfirmed for c in report.root_causes if getattr(c, "unconfirmed", None)), None)
    for line in lines:
        mark = "?" if any(getattr(c, "unconfirmed", None) for c in line.causes) else ""
        row = [line.steps + mark, escape(line.what), f"{line.records:,}", who(line.first.fix_by, short=True)]
        if with_next:
            row.append(escape(line.next))
        table.add_row(*row)
        if line.subjects:
            names = ", ".join(f"'{n}'" for n in line.subjects[:GROUP_NAMES_SHOWN])
            more = len(line.subjects) - GROUP_NAMES_SHOWN
            table.add_row("", Text(f"e.g. {names}" + (f" and {more:,} more" if more > 0 else ""), style="dim"))
    out: list[RenderableType] = [table, ""]
    if unconfirmed:  # QuickBooks could not be read in this run (the note above says why)
        out.append(Text(f"? {unconfirmed}", style="yellow"))
    first = lines[0]
    out.append(Text(f"Start with step {first.first.step}:"))
    out.append(layout.command(first.next))
    out.append(
        Text.from_markup(
            "[dim]A step in full:[/] [bold]qbsync diagnose --step N[/]  [dim]all:[/] [bold]--details[/]  "
            "[dim]CSV:[/] [bold]--export FILE.csv[/]"
        )
    )
    return out


def _next(c: RootCause) -> str:
    if c.next_command:
        return c.next_command
    # No command of its own (a closed period is the bookkeeper's call): the step in full, not a support report.
    return "wait" if c.pattern == "P7" else f"qbsync diagnose --step {c.step}"


# --- one step in full ---------------------------------------------------------------------------------------


def _cause_detail(c: RootCause, clock: Clockface, width: int) -> list[RenderableType]:
    out: list[RenderableType] = [
        Text.from_markup(f"[bold]Step {c.step} · {c.pattern} · {escape(plainly(c.title, clock))}[/]"),
    ]
    confidence = "Confirmed from QuickBooks" if c.confirmed else f"Not confirmed (confidence {c.confidence:.0%})"
    unconfirmed = getattr(c, "unconfirmed", None)
    if unconfirmed:
        confidence = unconfirmed[:1].upper() + unconfirmed[1:]  # QuickBooks could not be read in this run
    timing = ""
    if c.first_seen:
        timing = f"; first failed {clock.when(c.first_seen)}"
        if c.last_seen and c.last_seen != c.first_seen:
            timing += f", last {clock.when(c.last_seen)}"
    out.append(
        Text(
            f"{confidence}{timing}. Who: {who(c.fix_by)}. Retry: {RETRY.get(c.retry, c.retry)}. "
            f"Holds up {_blocks(c.blocks)}.",
            style="dim",
        )
    )
    if c.evidence:
        out.append(Text("What qbsync found", style="bold"))
        out.append(
            layout.rows(
                (
                    ("✓" if e.supports else "✗"),
                    f"[dim]{_source(e.source)}:[/] {escape(layout.short_lists(plainly(e.summary, clock)))}",
                )
                for e in c.evidence
            )
        )
    out.append(Text("Fix", style="bold"))
    out += layout.steps_with_commands(plainly(step, clock) for step in c.steps)
    for warning in c.warnings:
        out.append(layout.rows([("!", escape(layout.short_lists(plainly(warning, clock))))], label_style="yellow"))
    if c.next_command and not any(c.next_command in s for s in c.steps):
        out.append(Text("Then run:"))
        out.append(layout.command(c.next_command))
    if c.records:
        out += _records(c, width)
    return out


def _source(source: str) -> str:
    return {"quickbooks": "QuickBooks", "suprata": "Suprata", "qbsync": "qbsync"}.get(source, source)


def _blocks(blocks: dict[str, int]) -> str:
    order = ("customer", "item", "invoice", "payment")
    parts = [plural(blocks[k], k) for k in order if blocks.get(k)]
    return ", ".join(parts) or "no records"


RECORD_GRID_MIN = 90  # narrower than this, a record is a line of text that wraps between its parts


def _records(c: RootCause, width: int) -> list[RenderableType]:
    """The records, each QuickBooks message once with how many records it covers."""
    out: list[RenderableType] = []
    said = Counter(_said(r) for r in c.records if _said(r))
    for message, n in said.most_common():
        out.append(Text(f"QuickBooks said, for {plural(n, 'record')}:", style="bold"))
        out.append(layout.rows([("", escape(message))], indent=2))
    out.append(Text(f"Records ({len(c.records):,})", style="bold"))
    if width < RECORD_GRID_MIN:
        for r in c.records[:MAX_RECORDS]:
            parts = [f"{r.record_type} {r.number or r.record_id}", str(r.txn_date or ""), _amount(r), _state(r)]
            parts.append(r.customer or "")
            out.append(layout.rows([("", escape(" · ".join(p for p in parts if p)))], indent=2))
    else:
        out.append(_record_grid(c))
    if len(c.records) > MAX_RECORDS:
        out.append(
            Text.from_markup(
                f"[dim]and {len(c.records) - MAX_RECORDS:,} more: [/][bold]qbsync diagnose --export FILE.csv[/]"
            )
        )
    return out


def _state(r: BlockedRecord) -> str:
    return r.state + (f", {plural(r.attempts, 'try', 'tries')}" if r.attempts > 1 else "")


def _record_grid(c: RootCause) -> Table:
    grid = Table.grid(padding=(0, 2))
    for _name, justify in (("record", "left"), ("date", "left"), ("amount", "right"), ("state", "left")):
        grid.add_column(no_wrap=True, justify=justify)  # type: ignore[arg-type]
    grid.add_column()  # the customer: the one column that may wrap, between words
    for r in c.records[:MAX_RECORDS]:
        grid.add_row(
            f"{r.record_type} {r.number or r.record_id}",
            str(r.txn_date or ""),
            _amount(r),
            _state(r),
            escape(r.customer or ""),
        )
    return grid


def _said(r: BlockedRecord) -> str:
    if not r.error:
        return ""
    return f"{r.error_code} {r.error}" if r.error_code else r.error


def _amount(r: BlockedRecord) -> str:
    return f"${r.amount:,.2f}" if r.amount is not None else ""


def _edited(report: DiagnosisReport, clock: Clockface) -> list[RenderableType]:
    table = layout.FitTable(
        title="Changed directly in QuickBooks after Suprata synced them",
        title_justify="left",
        title_style="bold",
        box=None,
        header_style="bold",
        pad_edge=False,
    )
    for name in ("record", "QuickBooks id", "change", "when"):
        table.add_column(name, no_wrap=name != "change")
    for e in report.edited_in_quickbooks:
        table.add_row(
            f"{e.record_type} {e.number or ''}".strip(), e.qbo_id, e.change.replace("_", " "), clock.when(e.changed_at)
        )
    return [table]
