"""qbsync explain: what a pasted QuickBooks error means and how to fix it."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command(
        "explain",
        help="Explain an error pasted from Suprata or anywhere else: the pattern, why, and the fix steps.\n\n"
        'Example: [bold]qbsync explain "Duplicate Name Exists Error: The name supplied already exists" '
        "--entity Customer[/bold]\n\nMany at once: [bold]qbsync explain --jsonl errors.jsonl[/bold]",
    )(explain)


def explain(
    ctx: typer.Context,
    text: Annotated[str | None, typer.Argument(help="The error text, JSON or XML as you have it.")] = None,
    code: Annotated[str | None, typer.Option("--code", help="QuickBooks error code, e.g. 6240.")] = None,
    http_status: Annotated[int | None, typer.Option("--status", help="HTTP status, e.g. 400.")] = None,
    entity: Annotated[
        str | None, typer.Option("--entity", help="Record type: Customer, Item, Invoice, Payment.")
    ] = None,
    jsonl: Annotated[
        str | None, typer.Option("--jsonl", metavar="FILE|-", help="One JSON error per line in, one out.")
    ] = None,
) -> None:
    from qbsync.cli._pending import not_yet

    raise not_yet("explain", "issue 4")
