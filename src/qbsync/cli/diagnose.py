"""qbsync diagnose: every failure classified, confirmed from QuickBooks, in one ordered plan."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command(
        "diagnose",
        help="Classify every failed sync, confirm each root cause from QuickBooks, and print the fix plan in order.\n\n"
        "Example: [bold]qbsync diagnose --since 7d[/bold]   (payments view: [bold]qbsync diagnose --payments[/bold])",
    )(diagnose)


def diagnose(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option("--since", help="Only failures since: 24h, 7d, or a date.")] = None,
    record_type: Annotated[
        str | None, typer.Option("--record-type", metavar="customer|item|invoice|payment", help="Only this type.")
    ] = None,
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer (name, number or id).")] = None,
    pattern: Annotated[
        str | None, typer.Option("--pattern", metavar="P1..P7|unknown", help="Only this pattern.")
    ] = None,
    payments: Annotated[bool, typer.Option("--payments", help="The payments view.")] = False,
    report: Annotated[
        str | None, typer.Option("--report", metavar="PATH", help="Also write a redacted report for support.")
    ] = None,
) -> None:
    from qbsync.cli._pending import not_yet

    raise not_yet("diagnose", "issue 4")
