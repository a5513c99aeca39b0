"""qbsync check: the weekly health check for cron and monitoring."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command(
        "check",
        help="Status, diagnosis and pre-flight checks for cron: no prompts, no colour, Nagios exit codes.\n\n"
        "Example: [bold]qbsync check --report weekly.html[/bold]   trend: [bold]qbsync check --history[/bold]",
    )(check)


def check(
    ctx: typer.Context,
    report: Annotated[
        str | None, typer.Option("--report", metavar="PATH", help="Write a Markdown or .html report.")
    ] = None,
    history: Annotated[bool, typer.Option("--history", help="Print the trend of past runs.")] = False,
    all_profiles: Annotated[bool, typer.Option("--all-profiles", help="Check every configured company.")] = False,
) -> None:
    from qbsync.cli._pending import not_yet

    raise not_yet("check", "issue 8")
