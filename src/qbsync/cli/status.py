"""qbsync status: the one-screen health view."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command(
        "status",
        help="Health at a glance: both QuickBooks connections, failures by pattern, backlog, books close date.\n\n"
        "Example: [bold]qbsync status[/bold]",
    )(status)


def status(ctx: typer.Context) -> None:
    from qbsync.cli._pending import not_yet

    raise not_yet("status", "issue 8")
