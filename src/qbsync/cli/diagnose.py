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
    from qbsync.cli._runtime import env_of, finish
    from qbsync.diagnosis.diagnose import diagnose as run_diagnosis
    from qbsync.diagnosis.diagnose import exit_code_for, parse_filters
    from qbsync.render.diagnose_view import render_diagnosis
    from qbsync.render.progress import working
    from qbsync.result import Outcome

    env = env_of(ctx)
    with working(env, "Reading Suprata's sync log and QuickBooks"):
        services = env.services()
        filters = parse_filters(since, record_type, customer, pattern, payments, services.clock.now())
        report_data = run_diagnosis(services, filters)
    if report:
        from qbsync.render.support_report import write_support_report

        write_support_report(report, report_data)
        from qbsync.render.output import message

        message(env, f"support report written to {report} (secrets redacted)")
    finish(env, Outcome("diagnose", exit_code_for(report_data), report_data), render_diagnosis)
