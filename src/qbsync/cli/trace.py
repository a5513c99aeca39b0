"""qbsync trace: one record, or one customer's balance, on both sides."""

from __future__ import annotations

from typing import Annotated

import typer

from qbsync.cli._help import command_help


def register(app: typer.Typer) -> None:
    app.command(
        "trace",
        **command_help(
            "Follow one invoice, payment or customer across Suprata and QuickBooks and say where they differ.",
            "qbsync trace INV-1042",
            'qbsync trace --customer "Aspen Dental"',
            "qbsync trace INV-1042 --details",
            "qbsync trace INV-1042 --watch",
        ),
    )(trace)


def trace(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(help="Invoice or payment number (INV-1042, PMT-2001) or id.")] = None,
    customer: Annotated[str | None, typer.Option("--customer", help="Trace a customer's balance (name or id).")] = None,
    details: Annotated[
        bool,
        typer.Option("--details", help="Both sides in full: lines, sync attempts, timeline (paged on a terminal)."),
    ] = False,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="Follow a new invoice until it is in QuickBooks (or fails), then compare amount, tax and customer.",
        ),
    ] = False,
    wait: Annotated[
        int,
        typer.Option("--wait", metavar="SECONDS", help="With --watch: how long to wait at most (default 900 s)."),
    ] = 900,
) -> None:
    from qbsync.cli._runtime import env_of, finish
    from qbsync.render.progress import working
    from qbsync.render.trace_view import render_trace
    from qbsync.result import Outcome
    from qbsync.tracing import exit_code_for
    from qbsync.tracing import trace as run_trace

    if watch:
        _watch(ctx, ref, customer, wait)
    env = env_of(ctx)
    with working(env, "Reading both sides: Suprata and QuickBooks") as phase:
        services = env.services()
        result = run_trace(services, ref, customer, phase)
    finish(
        env,
        Outcome("trace", exit_code_for(result), result),
        lambda console, data: render_trace(console, data, details=details),
    )


def _watch(ctx: typer.Context, ref: str | None, customer: str | None, wait: int) -> None:
    from qbsync.cli._runtime import env_of, finish
    from qbsync.deadline import CHECK_DEADLINE_SECONDS
    from qbsync.errors import UsageError
    from qbsync.render.watch_view import render_watch, watching
    from qbsync.result import Outcome
    from qbsync.tracing.watch import watch_exit_code, watch_invoice

    if customer is not None or not ref:
        raise UsageError(
            "--watch follows one invoice: qbsync trace INV-1042 --watch", hint="create it in Suprata first"
        )
    if wait <= 0:
        raise UsageError(f"--wait must be a positive number of seconds, not {wait}", hint="e.g. --wait 300")
    # the watch may take --wait; the command's deadline leaves the usual time for the trace after it
    env = env_of(ctx, deadline_seconds=wait + CHECK_DEADLINE_SECONDS)
    services = env.services()
    with watching(env, ref) as (listen, tick):
        result = watch_invoice(services, ref, wait, listen, tick)
    finish(env, Outcome("trace", watch_exit_code(result), result), render_watch)
