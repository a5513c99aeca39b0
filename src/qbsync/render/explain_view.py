"""Views for ``qbsync explain``: one explanation for people, or JSON lines for machines."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from qbsync.context import Env

RETRY_WORDS = {
    "safe": "safe",
    "unsafe": "not safe (it could create a duplicate)",
    "useless_until_fixed": "useless until the cause is fixed",
}


def render_explanation(console: Console, e: Any) -> None:
    c = e.classification
    errors = getattr(e, "errors", ())
    if errors:
        console.print(f"[bold]QuickBooks sent {len(errors)} errors at once[/]; each has its own cause:")
        for i, err in enumerate(errors, 1):
            ec = err.classification
            label = "not a known pattern" if ec.pattern == "unknown" else f"{ec.pattern} {ec.name}"
            said = " ".join(p for p in (err.code, err.message) if p) or "(no code)"
            console.print(f"  {i}. {escape(said[:100])} -> [bold]{escape(label)}[/]")
        console.print("[dim]First to fix:[/]")
    pattern = "Not a known pattern" if c.pattern == "unknown" else f"{c.pattern} {c.name}"
    console.print(f"[bold]{escape(pattern)}[/]  [dim](confidence {c.confidence:.0%})[/]")
    console.print(escape(c.reason))
    if c.candidates and not c.confirmed:
        console.print(f"[dim]Could also be {', '.join(c.candidates)}; 'qbsync diagnose' checks QuickBooks to tell.[/]")
    console.print(f"\n[bold]Why[/] {escape(e.why)}")
    console.print("[bold]Fix[/]")
    console.print(numbered(escape(step) for step in e.steps))
    if e.warning:
        console.print(f"[yellow]  ! {escape(e.warning)}[/]")
    console.print(f"\nRetry: {RETRY_WORDS.get(e.retry, e.retry)}. Fixed by: {e.fix_by}. More: {e.docs}")


def write_jsonl(env: Env, lines: Iterable[str]) -> None:
    """One JSON object out per line in, same order; a bad line gets an error object, never a crash."""
    from qbsync.diagnosis.explain import explain_jsonl

    for obj in explain_jsonl(line.rstrip("\n") for line in lines):
        env.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    env.stdout.flush()


def numbered(steps: Iterable[str]) -> Table:
    """Numbered steps whose wrapped lines stay under their own text."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for i, step in enumerate(steps, 1):
        grid.add_row(f"  {i}.", step)
    return grid
