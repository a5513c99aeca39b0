"""qbsync reconnect: qbsync's own QuickBooks connection (and a word on Suprata's)."""

from __future__ import annotations

from typing import Annotated

import typer

from qbsync.cli._help import command_help


def register(app: typer.Typer) -> None:
    app.command(
        "reconnect",
        **command_help(
            "Connect qbsync to QuickBooks (sign in with Intuit), or disconnect with --revoke.",
            "qbsync reconnect",
            "qbsync reconnect --no-browser",
            "qbsync reconnect --revoke",
            more="This is qbsync's own connection; Suprata's connection is reported, and reconnected in Suprata.",
        ),
    )(reconnect)


def reconnect(
    ctx: typer.Context,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the URL; paste the redirect URL back.")
    ] = False,
    port: Annotated[
        int | None,
        typer.Option("--port", min=1, max=65535, help="Local port for the redirect (default from redirect_uri)."),
    ] = None,
    timeout: Annotated[int, typer.Option("--timeout", min=1, help="Seconds to wait for the browser.")] = 300,
    revoke: Annotated[
        bool, typer.Option("--revoke", help="Disconnect: revoke at Intuit and delete local tokens.")
    ] = False,
) -> None:
    from qbsync.auth.reconnect import ConnectOptions, connect, deps_from_env, disconnect
    from qbsync.cli._runtime import env_of, finish
    from qbsync.errors import UsageError
    from qbsync.render.reconnect_view import TerminalUi, render_reconnect
    from qbsync.result import EnvelopeError, Outcome

    env = env_of(ctx)
    if revoke and (no_browser or port is not None):
        raise UsageError("--revoke opens no browser: --no-browser and --port do not apply", hint="drop them")
    deps = deps_from_env(env)
    if revoke:
        outcome = disconnect(deps)
    else:
        outcome = connect(deps, ConnectOptions(no_browser, port, float(timeout)), TerminalUi(env))
    errors = []
    if outcome.failure is not None:
        f = outcome.failure
        errors.append(EnvelopeError(code=f.code, message=f.message, hint=f.hint))
    finish(
        env,
        Outcome("reconnect", outcome.exit_code, outcome.report, status=outcome.status, errors=errors),  # type: ignore[arg-type]
        render_reconnect,
    )
