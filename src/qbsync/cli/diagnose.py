"""qbsync diagnose: every failure classified, confirmed from QuickBooks, in one ordered plan."""

from __future__ import annotations

from typing import Annotated

import typer

from qbsync.cli._help import command_help


def register(app: typer.Typer) -> None:
    app.command(
        "diagnose",
        **command_help(
            "Classify every failed sync, confirm each root cause from QuickBooks, and print the fix plan in order.",
            "qbsync diagnose",
            "qbsync diagnose --step 2",
            "qbsync diagnose --since 7d --details",
            "qbsync diagnose --export failures.csv",
        ),
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
    details: Annotated[
        bool, typer.Option("--details", help="Every step in full: evidence, fix, records (paged on a terminal).")
    ] = False,
    step: Annotated[
        int | None, typer.Option("--step", min=1, metavar="N", help="Only step N of the plan, in full.")
    ] = None,
    export: Annotated[
        str | None,
        typer.Option("--export", metavar="FILE.csv", help="Write every held-up record to a CSV file (- for stdout)."),
    ] = None,
) -> None:
    from qbsync.cli._runtime import env_of, finish
    from qbsync.diagnosis.diagnose import diagnose as run_diagnosis
    from qbsync.diagnosis.diagnose import exit_code_for, parse_filters
    from qbsync.render.diagnose_view import ViewOptions, render_diagnosis
    from qbsync.render.progress import working
    from qbsync.result import Outcome

    env = env_of(ctx)
    with working(env, "Diagnosing", unit="failed records") as phase:
        services = env.services()
        filters = parse_filters(since, record_type, customer, pattern, payments, services.clock.now())
        report_data = run_diagnosis(services, filters, phase)
    if report:
        from qbsync.render.support_report import write_support_report

        write_support_report(report, report_data)
        from qbsync.render.output import message

        message(env, f"support report written to {report} (secrets redacted)")
    if step is not None and not any(c.step == step for c in report_data.root_causes):
        from qbsync.errors import UsageError

        raise UsageError(f"the plan has no step {step} (it has {len(report_data.root_causes)})", hint="qbsync diagnose")
    if env.settings.format == "csv":
        if export not in (None, "-"):
            from qbsync.errors import UsageError

            raise UsageError(
                "--format csv prints the CSV on stdout and --export FILE.csv writes it to a file",
                hint=f"use one of them: qbsync diagnose --export {export}",
            )
        export = "-"  # the same rows as --export -, one per held-up record
    if export:
        from qbsync.render.csv_export import export_csv
        from qbsync.render.output import message

        rows = export_csv(report_data, export, env.stdout)
        if export == "-":
            raise typer.Exit(int(exit_code_for(report_data)))
        message(env, f"{rows:,} records written to {export}")
    options = ViewOptions(details=details, step=step)
    finish(
        env,
        Outcome("diagnose", exit_code_for(report_data), report_data),
        lambda console, data: render_diagnosis(console, data, options),
    )
