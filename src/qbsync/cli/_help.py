"""Command help that leads with examples (clig.dev): what to type first, then what the command does."""

from __future__ import annotations

from typing import TypedDict


class CommandHelp(TypedDict):
    help: str
    short_help: str


def command_help(summary: str, *examples: str, more: str = "") -> CommandHelp:
    """``help`` and ``short_help`` for ``app.command`` / ``typer.Typer``.

    The command list shows the one-line summary; ``qbsync COMMAND --help`` shows the examples first, each on
    its own line so it can be copied whole, then the summary and any further paragraph.
    """
    lines = "\n".join(f"  [bold]{example}[/bold]" for example in examples)
    text = f"\b\nExamples:\n{lines}\n\n{summary}"  # a leading \\b keeps its line breaks
    if more:
        text += f"\n\n{more}"
    return {"help": text, "short_help": summary}
