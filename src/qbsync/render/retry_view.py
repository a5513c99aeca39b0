"""The terminal view of ``qbsync retry``: the plan with each record's pre-flight decision, then outcomes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from qbsync.render.layout import FitTable, rows
from qbsync.render.layout import command as command_line
from qbsync.render.words import plural

if TYPE_CHECKING:
    from qbsync.context import Env
    from qbsync.retrying.models import PlanRecord, RetryReport

GROUP_MIN = 3  # in bulk runs, this many refused records with the same cause share one row
DECISION = {"retry": "[green]retry[/]", "refuse": "[red]refused[/]", "skip": "[dim]skip[/]"}
OUTCOME = {
    "succeeded": "[green]✓ succeeded[/]",
    "failed": "[red]✗ failed[/]",
    "uncertain": "[yellow]? uncertain[/]",
    "pending": "[yellow]… pending[/]",
    "queued": "[cyan]queued[/]",
    "not_sent": "[dim]not sent[/]",
}


def render_retry(console: Console, report: RetryReport, details: bool = False) -> None:
    compact = report.mode == "dry_run" and not details and bool(report.records)
    console.print(_headline(report) + ("  [dim]Each record with its reason: --details[/]" if compact else ""))
    for note in report.notes:
        console.print(f"[dim]{escape(note)}[/]")
    if not report.records:
        return
    if compact:
        _compact_plan(console, report)
        return
    console.print()
    console.print(_table(report))
    fixes = _fixes(report)
    if fixes:
        console.print()
        console.print("[bold]Fix first[/] (then run the retry again):")
        for i, (fix, labels, command) in enumerate(fixes, 1):
            who = _labels(labels)
            console.print(rows([(f"{i}.", f"{escape(fix)} [dim]({escape(who)})[/]")], indent=2))
            if command:
                console.print(command_line(command, indent=6))
    if report.stopped_early is not None:
        se = report.stopped_early
        console.print()
        if se.reason == "suprata_unreachable":
            console.print(
                f"[bold red]Stopped early:[/] Suprata stopped answering ({escape(se.error)}); "
                f"{plural(se.not_sent, 'record')} {_were(se.not_sent)} not sent. Run the retry again once Suprata answers.",
            )
        else:
            console.print(
                f"[bold red]Stopped early:[/] {plural(len(se.records), 'record')} ({escape(', '.join(se.records))}) failed "
                f"with the same new error ({escape(se.error_code or '?')}); {plural(se.not_sent, 'record')} "
                f"{_were(se.not_sent)} not sent. "
                "That points to a setting, not to the records: run 'qbsync diagnose'.",
            )
    console.print()
    console.print(_footer(report))


# --- the compact dry run: one line per group, the next command on its own line --------------------------

COMPACT_LABELS = 3  # record numbers named per group; the rest are counted (every one is in --details or --json)


def _compact_plan(console: Console, report: RetryReport) -> None:
    """What would be sent and what is refused, one group per blocker: how many, which, and why."""
    planned = [r for r in report.records if r.decision == "retry"]
    refused = [r for r in report.records if r.decision == "refuse"]
    skipped = [r for r in report.records if r.decision not in ("retry", "refuse")]
    for title, members in (
        ("Would retry", planned),
        ("Refused until the cause is fixed", refused),
        ("Skipped", skipped),
    ):
        if not members:
            continue
        console.print(f"[bold]{title}[/]")  # no blank lines between: the plan fits one 80x24 screen
        console.print(rows([(str(len(group)), _group_line(group)) for group in _groups(members)], indent=2))
    console.print()
    n = report.summary.to_send
    command = _next_command(report)
    if n:
        console.print(f"[bold]Dry run: nothing was sent.[/] To send the {plural(n, 'retry', 'retries')}:")
    else:
        console.print("[bold]Dry run: nothing was sent.[/]" + (" Next:" if command else ""))
    if command:
        console.print(command_line(command))


_WAITS = re.compile(r"^waits for its \w+ \S+, which cannot be retried yet: ")


def _blocker(row: PlanRecord) -> str:
    """What stops the record, in the same words for every record it stops: a record waiting for its customer
    (or item, or invoice) is held by that record's cause; a second blocker ("; also ...") is counted apart."""
    return _WAITS.sub("", row.reason.split("; also ")[0])


def _groups(members: list[PlanRecord]) -> list[list[PlanRecord]]:
    groups: dict[str, list[PlanRecord]] = {}
    for r in members:
        groups.setdefault(_blocker(r), []).append(r)
    return sorted(groups.values(), key=len, reverse=True)


def _group_line(group: list[PlanRecord]) -> str:
    first = group[0]
    types = {r.record_type for r in group}
    kind = first.record_type if len(group) == 1 else (f"{first.record_type}s" if len(types) == 1 else "records")
    also = sum(1 for r in group if "; also dated" in r.reason)
    extra = f" [dim]({also} also in the closed books)[/]" if also else ""
    return f"{kind} {escape(_labels([r.label for r in group], COMPACT_LABELS))}: {escape(_blocker(first))}{extra}"


def _next_command(report: RetryReport) -> str | None:
    """The one command to type next: send the planned retries, or follow the first refusal's own command."""
    if report.summary.to_send:
        return _send_command(report)
    return next((r.next_command for r in report.records if r.decision == "refuse" and r.next_command), None)


def _send_command(report: RetryReport) -> str:
    sel = report.selection
    if sel.get("refs"):
        return "qbsync retry " + " ".join(str(ref) for ref in sel["refs"]) + " --yes"
    if sel.get("pattern"):
        return f"qbsync retry --pattern {sel['pattern']} --yes"
    return "qbsync retry --all-safe --yes"


def _headline(report: RetryReport) -> str:
    s = report.summary
    parts = [f"{s.to_send} to retry"]
    if s.refused:
        parts.append(f"{s.refused} refused")
    if s.skipped:
        parts.append(f"{s.skipped} skipped")
    head = f"[bold]Retry plan[/]: {', '.join(parts)}."
    if report.mode == "sent":
        done = [f"{s.sent} sent"]
        for name in ("succeeded", "failed", "uncertain", "pending", "queued", "not_sent"):
            n = getattr(s, name)
            if n:
                done.append(f"{n} {name.replace('_', ' ')}")
        wait = f" (waited {report.waited_seconds:.0f} s)" if report.waited_seconds else ""
        head += f"  Result: {', '.join(done)}{wait}."
    return head


def _table(report: RetryReport) -> Table:
    sent = report.mode == "sent"
    table = FitTable(show_lines=True, header_style="bold", expand=True)
    table.add_column("record", ratio=2, min_width=14)
    table.add_column("customer", ratio=1, min_width=10)
    table.add_column("cause", no_wrap=True)
    table.add_column("pre-flight", no_wrap=True)
    table.add_column("why", ratio=4, min_width=24)
    if sent:
        table.add_column("outcome", ratio=3, min_width=18)
    for row, members in _rows(report):
        label = (
            f"{row.record_type} {row.label}"
            if len(members) == 1
            else (f"{len(members)} {row.record_type}s: {_labels([m.label for m in members], 4)}")
        )
        if row.role == "dependency" and len(members) == 1:
            label += f"\n[dim](needed by {escape(', '.join(row.needed_by))})[/]"
        cause = row.pattern or ("-" if row.state != "failed" else "?")
        why = escape(row.reason)
        if row.qbsync_retries or row.suprata_retries:
            why += f" [dim](same-cause retries: qbsync {row.qbsync_retries}, Suprata {row.suprata_retries})[/]"
        cells = [label, escape(row.customer or ""), cause, DECISION.get(row.decision, row.decision), why]
        if sent:
            cells.append(_outcome(row))
        table.add_row(*cells)
    return table


def _rows(report: RetryReport) -> list[tuple[PlanRecord, list[PlanRecord]]]:
    """One row per record; in bulk runs refused records of one cause share a row."""
    if report.selection.get("refs"):
        return [(r, [r]) for r in report.records]
    groups: dict[tuple[Any, ...], list[PlanRecord]] = {}
    for r in report.records:
        if r.decision == "refuse":
            groups.setdefault(("g", r.record_type, r.code, r.cause or r.reason, r.fix_first), []).append(r)
        else:
            groups[("one", r.record_type, r.record_id)] = [r]
    out = []
    for members in groups.values():
        if len(members) >= GROUP_MIN:
            out.append((members[0], members))
        else:
            out.extend((m, [m]) for m in members)
    return out


def _outcome(row: PlanRecord) -> str:
    o = row.outcome
    if o is None:
        return "[dim]-[/]" if row.decision != "retry" else "[dim]not sent[/]"
    text = f"{OUTCOME.get(o.status, o.status)}: {escape(o.message)}"
    if o.next_step and o.status != "succeeded":
        text += f"\n[dim]→ {escape(o.next_step)}[/]"
    return text


def _fixes(report: RetryReport) -> list[tuple[str, list[str], str | None]]:
    out: dict[str, tuple[list[str], str | None]] = {}
    for r in report.records:
        if r.decision == "refuse" and r.fix_first:
            labels, _command = out.setdefault(r.fix_first, ([], r.next_command))
            labels.append(r.label)
    return [(fix, labels, command) for fix, (labels, command) in out.items()]


def _labels(labels: list[str], limit: int = 6) -> str:
    if len(labels) <= limit:
        return ", ".join(labels)
    return ", ".join(labels[:limit]) + f" … (+{len(labels) - limit})"


def _were(n: int) -> str:
    return "was" if n == 1 else "were"


def _these(n: int) -> str:
    return "this" if n == 1 else "these"


def _footer(report: RetryReport) -> str:
    n = report.summary.to_send
    if report.mode == "dry_run":
        if n:
            return f"[bold]Dry run: nothing was sent.[/] Run again with --yes to send {_these(n)} {plural(n, 'retry request')}."
        return "[bold]Dry run: nothing was sent.[/]"
    if report.mode == "needs_confirmation":
        return (
            f"[bold]Nothing was sent.[/] {plural(n, 'retry request')} need{'s' if n == 1 else ''} confirmation; "
            f"add --yes to send {'it' if n == 1 else 'them'}."
        )
    if report.mode == "declined":
        return "[bold]Nothing was sent.[/]"
    if report.mode == "nothing_to_do":
        return "[bold]Nothing was sent[/]: no record can be retried now."
    return (
        "[dim]One retry after a fix, not many: a record that fails again for the same cause is refused next time "
        "unless --force. Uncertain outcomes are looked up in QuickBooks, never resent.[/]"
    )


# --- interaction (stderr and stdin only) -----------------------------------------------------------


def show_plan_for_confirmation(env: Env, report: RetryReport) -> None:
    render_retry(env.err, report)


def confirm_send(env: Env, report: RetryReport) -> bool:
    from rich.prompt import Confirm

    n = report.summary.to_send
    return Confirm.ask(
        f"Ask Suprata to retry {plural(n, 'record')} now?", console=env.err, stream=env.stdin, default=False
    )


def show_lock_wait(env: Env, message: str) -> None:
    """Why this run is not planning yet (another run holds the company's retry lock): on stderr, always."""
    env.err.print(f"qbsync retry: {escape(message)}", soft_wrap=True)


@contextmanager
def retry_progress(env: Env, report: RetryReport) -> Iterator[Any]:
    """A progress bar on stderr while retries are sent and awaited; a no-op off a terminal."""
    if not env.show_progress:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    total = report.summary.to_send
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=env.err,
        transient=True,
    ) as bar:
        task = bar.add_task("Retrying", total=total)

        def step(event: str, row: PlanRecord | None) -> None:
            if row is None:
                return
            if event == "sent":
                bar.update(task, description=f"Waiting for {row.label}")
            elif event in ("done", "skipped"):
                bar.advance(task)

        yield step
