"""qbsync reconnect: qbsync's own QuickBooks connection (and a word on Suprata's)."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command(
        "reconnect",
        help="Connect qbsync to QuickBooks (sign in with Intuit), or disconnect with --revoke.\n\n"
        "Example: [bold]qbsync reconnect[/bold]   on a server: [bold]qbsync reconnect --no-browser[/bold]",
    )(reconnect)


def reconnect(
    ctx: typer.Context,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the URL; paste the redirect URL back.")
    ] = False,
    port: Annotated[
        int | None, typer.Option("--port", help="Local port for the redirect (default from redirect_uri).")
    ] = None,
    timeout: Annotated[int, typer.Option("--timeout", help="Seconds to wait for the browser.")] = 300,
    revoke: Annotated[
        bool, typer.Option("--revoke", help="Disconnect: revoke at Intuit and delete local tokens.")
    ] = False,
) -> None:
    from qbsync.cli._pending import not_yet

    raise not_yet("reconnect", "issue 7")
