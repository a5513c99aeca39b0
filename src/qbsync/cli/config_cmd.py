"""qbsync config: show the effective settings and where each came from; set values."""

from __future__ import annotations

from typing import Annotated

import typer

from qbsync.cli._help import command_help

config_app = typer.Typer(
    **command_help(
        "Show the effective settings and where each came from (secrets masked), or set a value.",
        "qbsync config",
        "qbsync --profile acme config set qbo_realm_id 9130355377645206",
        "qbsync config path",
    ),
    invoke_without_command=True,
    no_args_is_help=False,
)


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")


@config_app.callback()
def config_root(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        show(ctx)


@config_app.command("show", **command_help("Show the effective settings (the default).", "qbsync config show"))
def show(ctx: typer.Context) -> None:
    from qbsync.cli._runtime import env_of, finish
    from qbsync.config_view import effective_settings
    from qbsync.exit_codes import ExitCode
    from qbsync.render.config_view import render_settings
    from qbsync.result import Outcome

    env = env_of(ctx)
    finish(env, Outcome("config", ExitCode.OK, effective_settings(env.settings)), render_settings)


@config_app.command(
    "set",
    **command_help(
        "Set a value in the current profile (or \\[defaults] for global options); comments and layout stay.",
        "qbsync config set token_warn_days 21",
        "qbsync --profile acme config set qbo_realm_id 9130355377645206",
    ),
)
def set_value(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Setting name, e.g. qbo_realm_id.")],
    value: Annotated[str, typer.Argument(help="New value.")],
) -> None:
    from qbsync.cli._runtime import env_of, finish
    from qbsync.config_view import set_setting
    from qbsync.exit_codes import ExitCode
    from qbsync.render.config_view import render_set
    from qbsync.result import Outcome

    env = env_of(ctx)
    result = set_setting(env.paths.config_file, env.settings.profile, key, value)
    finish(env, Outcome("config", ExitCode.SUCCESS, result), render_set)


@config_app.command("path", **command_help("Print where the config file and data live.", "qbsync config path"))
def path(ctx: typer.Context) -> None:
    from qbsync.cli._runtime import env_of, finish
    from qbsync.exit_codes import ExitCode
    from qbsync.render.config_view import render_paths
    from qbsync.result import Outcome

    env = env_of(ctx)
    data = {"config_file": str(env.paths.config_file), "data_dir": str(env.paths.data_dir)}
    finish(env, Outcome("config", ExitCode.OK, data), render_paths)
