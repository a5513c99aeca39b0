"""``qbsync trace INV-... --watch`` on screen: each event on stderr as it happens (with the time since the
watch began), a line that shows the wait on a terminal, and at the end the cycle's verdict and comparison."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from qbsync.render.layout import command
from qbsync.render.words import plural
from qbsync.tracing.watch import WatchEvent, WatchResult

if TYPE_CHECKING:
    from qbsync.context import Env

MARK = {True: "[green]same[/]", False: "[bold red]differs[/]"}


def _stamp(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes:d}:{rest:02d}"


@contextmanager
def watching(
    env: Env, number: str
) -> Iterator[tuple[Callable[[WatchEvent], None], Callable[[float, str | None], None]]]:
    """``(listen, tick)`` for the watch loop. Events go to stderr (not with -q); on a terminal a transient line
    shows how long the watch has waited and the invoice's state."""
    quiet = env.settings.quiet
    progress = None
    task = None
    if env.show_progress:
        from rich.progress import Progress, SpinnerColumn, TextColumn

        progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), console=env.err, transient=True)
        task = progress.add_task(f"waiting for {number}", total=None)
        progress.start()

    def listen(event: WatchEvent) -> None:
        if quiet:
            return
        style = "red" if event.attempt is not None and event.attempt.outcome == "failed" else ""
        text = escape(event.says)
        line = f"[dim]{_stamp(event.elapsed)}[/] {f'[{style}]{text}[/]' if style else text}"
        (progress.console if progress is not None else env.err).print(line, soft_wrap=True, highlight=False)

    def tick(elapsed: float, state: str | None) -> None:
        if progress is not None and task is not None:
            where = state.replace("_", " ") if state else "not in Suprata yet"
            progress.update(task, description=f"waiting for {number}: {_stamp(elapsed)}, {where}")

    try:
        yield listen, tick
    finally:
        if progress is not None:
            progress.stop()


def render_watch(console: Console, r: WatchResult) -> None:
    colour = "green" if r.verdict.agree else "bold red" if r.outcome != "timed_out" else "yellow"
    console.print(f"[{colour}]{escape(r.verdict.headline)}[/]", soft_wrap=True)
    if r.checks:
        table = Table(box=None, padding=(0, 2), show_edge=False, pad_edge=False)
        for heading in ("", "Suprata", "QuickBooks", ""):
            table.add_column(heading)
        for c in r.checks:
            table.add_row(c.field, escape(c.suprata or "-"), escape(c.quickbooks or "-"), MARK[c.agree])
        console.print(table)
    for step in r.verdict.fix:
        console.print(f"  {escape(step)}", soft_wrap=True)
    attempts = sum(1 for e in r.events if e.attempt is not None)
    console.print(
        f"[dim]{plural(attempts, 'attempt')}; watched {_stamp(r.waited_seconds)} of {_stamp(r.wait_limit)}; "
        f"{r.requests.get('suprata', 0)} Suprata, {r.requests.get('quickbooks', 0)} QuickBooks requests.[/]"
    )
    if r.outcome != "timed_out" or r.state is not None:
        console.print("Both sides in full:")
        console.print(command(f"qbsync trace {r.number}"))
