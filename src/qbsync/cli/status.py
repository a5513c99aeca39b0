"""qbsync status: the one-screen health view."""

from __future__ import annotations

import typer

from qbsync.cli._help import command_help


def register(app: typer.Typer) -> None:
    app.command(
        "status",
        **command_help(
            "Health at a glance: both QuickBooks connections, failures by pattern, backlog, books close date.",
            "qbsync status",
            "qbsync --json status",
        ),
    )(status)


def status(ctx: typer.Context) -> None:
    from qbsync.cli._runtime import env_of, finish
    from qbsync.exit_codes import ExitCode
    from qbsync.health.status import Thresholds, read_status
    from qbsync.render.progress import working
    from qbsync.render.status_view import render_status
    from qbsync.result import Outcome

    env = env_of(ctx)
    with working(env, "Reading Suprata and QuickBooks", unit="failed records") as phase:
        services = env.services()
        report = read_status(services, Thresholds.from_settings(env.settings), phase)
    finish(env, Outcome("status", ExitCode(report.exit_code), report), render_status)
