"""qbsync sandbox: the local emulator of QuickBooks Online, Intuit OAuth and Suprata."""

from __future__ import annotations

from typing import Annotated

import typer

from qbsync.cli._help import command_help

sandbox_app = typer.Typer(
    **command_help(
        "The built-in sandbox: a local emulator of QuickBooks Online, Intuit sign-in and Suprata.",
        "qbsync sandbox scenarios",
        "qbsync --scenario demo sandbox serve",
    ),
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(sandbox_app, name="sandbox")


@sandbox_app.command("scenarios", **command_help("List the built-in scenarios.", "qbsync sandbox scenarios"))
def scenarios(ctx: typer.Context) -> None:
    from qbsync.cli._runtime import env_of, finish
    from qbsync.exit_codes import ExitCode
    from qbsync.render.sandbox_view import render_scenarios
    from qbsync.result import Outcome
    from qbsync.sandbox_service import list_scenarios

    env = env_of(ctx)
    finish(env, Outcome("sandbox", ExitCode.OK, {"scenarios": list_scenarios()}), render_scenarios)


@sandbox_app.command(
    "serve",
    **command_help(
        "Serve the sandbox on 127.0.0.1 (use the global --scenario to pick one).",
        "qbsync --scenario demo sandbox serve --port 8766",
    ),
)
def serve(
    ctx: typer.Context,
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (0 picks a free one).")] = 8766,
    latency_ms: Annotated[float, typer.Option("--latency-ms", help="Latency added to each QuickBooks request.")] = 0,
) -> None:
    from qbsync.cli._runtime import env_of
    from qbsync.render.sandbox_view import render_serving
    from qbsync.sandbox_service import serve_forever

    env = env_of(ctx)
    serve_forever(env, port=port, latency_ms=latency_ms, on_ready=lambda info: render_serving(env, info))
