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
) -> None:
    from qbsync.cli._runtime import env_of, finish
    from qbsync.render.progress import working
    from qbsync.render.trace_view import render_trace
    from qbsync.result import Outcome
    from qbsync.tracing import exit_code_for
    from qbsync.tracing import trace as run_trace

    env = env_of(ctx)
    with working(env, "Reading both sides: Suprata and QuickBooks") as phase:
        services = env.services()
        result = run_trace(services, ref, customer, phase)
    finish(
        env,
        Outcome("trace", exit_code_for(result), result),
        lambda console, data: render_trace(console, data, details=details),
    )
