"""qbsync retry: one safe retry, in dependency order, that can never create a duplicate."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command(
        "retry",
        help="Ask Suprata to push records again, only when a retry can help, customers before invoices before "
        "payments, never twice into the same wall.\n\n"
        "Example: [bold]qbsync retry INV-1042 --dry-run[/bold]   or   [bold]qbsync retry --all-safe --yes[/bold]",
    )(retry)


def retry(
    ctx: typer.Context,
    refs: Annotated[
        list[str] | None, typer.Argument(help="Records: INV-1042, PMT-2001, a customer or an item.")
    ] = None,
    pattern: Annotated[str | None, typer.Option("--pattern", help="Every retryable failure of a pattern.")] = None,
    all_safe: Annotated[bool, typer.Option("--all-safe", help="Every failure a retry can fix now.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan; send nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Retry even if already retried for the same cause.")] = False,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="Return without waiting for outcomes.")] = False,
) -> None:
    from qbsync.cli._pending import not_yet

    raise not_yet("retry", "issue 6")
