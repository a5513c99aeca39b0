"""Progress on stderr for long work: the phase, its count and the time so far; only on a terminal, never with
-q or --format json, and only once the work has taken two seconds (a quick run shows nothing at all).

Core code reports phases through a plain callable (``phase("Reading QuickBooks", 10_000)``), so it never
knows about Rich; this module is the only one that draws.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qbsync.context import Env

SHOW_AFTER_SECONDS = 2.0
SUMMARY_AFTER_SECONDS = 15.0
Phase = Callable[[str, int | None], None]


def _noop(_what: str, _count: int | None = None) -> None:
    return None


@contextmanager
def working(env: Env, what: str, *, unit: str = "records") -> Iterator[Phase]:
    """Yields ``phase(what, count)``: call it as the work moves on; the line shows the latest phase."""
    if not env.show_progress:
        yield _noop
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=env.err,
        transient=True,
    )
    task = progress.add_task(what, total=None)
    started = time.monotonic()
    shown = threading.Event()

    def show() -> None:
        shown.set()
        progress.start()

    timer = threading.Timer(SHOW_AFTER_SECONDS, show)
    timer.daemon = True
    timer.start()

    def phase(name: str, count: int | None = None) -> None:
        label = f"{name} ({count:,} {unit})" if count is not None else name
        progress.update(task, description=label)

    try:
        yield phase
    finally:
        timer.cancel()
        if shown.is_set():
            progress.stop()
            elapsed = time.monotonic() - started
            if elapsed >= SUMMARY_AFTER_SECONDS:  # long enough that the person may have looked away
                env.err.print(f"[dim]qbsync: {what.lower()}: done in {elapsed:.0f} s[/]", highlight=False)
