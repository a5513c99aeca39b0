"""Views for ``qbsync explain``: one explanation for people, or JSON lines for machines."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from qbsync.render.layout import command, rows, steps_with_commands
from qbsync.render.words import who

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
    for part in steps_with_commands(e.steps):
        console.print(part)
    if e.warning:
        console.print(rows([("!", escape(e.warning))], label_style="yellow"))
    console.print(f"\nWho: {who(e.fix_by)}. Retry: {RETRY_WORDS.get(e.retry, e.retry)}.")
    if c.pattern != "unknown":
        console.print("More about this pattern:")
        console.print(command(f"qbsync explain {c.pattern}"))


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
    grid.add_column()  # wraps between words; a word longer than the line is the only thing ever folded
    for i, step in enumerate(steps, 1):
        grid.add_row(f"  {i}.", step)
    return grid
