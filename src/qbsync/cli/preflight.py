"""qbsync preflight: before a big push, what each record will meet in QuickBooks, and the fixes in order."""

from __future__ import annotations

from typing import Annotated

import typer

from qbsync.cli._help import command_help


def register(app: typer.Typer) -> None:
    app.command(
        "preflight",
        **command_help(
            "Before a big push: predict, record by record, which records will sync and which will fail and why, "
            "with the fixes in order. Read-only.",
            "qbsync preflight",
            "qbsync preflight --since 2026-01-01 --until 2026-12-31",
            "qbsync preflight --records INV-1042,INV-1043",
            "qbsync preflight --records @batch.txt --export preflight.csv",
            "qbsync preflight --lists --export lists/",
        ),
    )(preflight)


def preflight(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option("--since", metavar="DATE", help="Only records dated on or after: a date or 30d.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", metavar="DATE", help="Only records dated on or before this date.")
    ] = None,
    records: Annotated[
        list[str] | None,
        typer.Option("--records", metavar="NUMBERS|@FILE", help="These invoices and payments (comma-separated)."),
    ] = None,
    unsynced: Annotated[
        bool, typer.Option("--unsynced", help="Everything not in QuickBooks yet (the default without --records).")
    ] = False,
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer (name or number).")] = None,
    details: Annotated[bool, typer.Option("--details", help="Every cause in full and every record.")] = False,
    lists: Annotated[
        bool,
        typer.Option(
            "--lists",
            help="Before the first sync: Suprata's price list, customers and tax categories against QuickBooks'.",
        ),
    ] = False,
    export: Annotated[
        str | None,
        typer.Option(
            "--export",
            metavar="FILE.csv",
            help="Write every record's prediction to a CSV file (- for stdout); with --lists, a folder for "
            "items.csv, customers.csv and tax.csv.",
        ),
    ] = None,
) -> None:
    from qbsync.cli._runtime import env_of, finish
    from qbsync.exit_codes import ExitCode
    from qbsync.predicting.predict import preflight as run_preflight
    from qbsync.predicting.selection import parse_selection
    from qbsync.render.preflight_view import PreflightView, export_csv, human
    from qbsync.render.progress import working
    from qbsync.result import Outcome

    if lists:
        from qbsync.cli.preflight_lists import run_lists

        given = {
            "--since": since,
            "--until": until,
            "--records": records,
            "--unsynced": unsynced,
            "--customer": customer,
        }
        run_lists(ctx, details, export, [flag for flag, value in given.items() if value])
    env = env_of(ctx)
    with working(env, "Pre-flight", unit="records") as phase:
        services = env.services()
        selection = parse_selection(since, until, records, unsynced, customer, services.clock.now())
        report = run_preflight(services, selection, phase)
    if env.settings.format == "csv":
        if export not in (None, "-"):
            from qbsync.errors import UsageError

            raise UsageError(
                "--format csv prints the CSV on stdout and --export FILE.csv writes it to a file",
                hint=f"use one of them: qbsync preflight --export {export}",
            )
        export = "-"
    if export:
        from qbsync.render.output import message

        written = export_csv(report, export, env.stdout)
        if export == "-":
            raise typer.Exit(report.exit_code)
        message(env, f"{written:,} records written to {export}")
    finish(env, Outcome("preflight", ExitCode(report.exit_code), report), human(PreflightView(details=details)))
