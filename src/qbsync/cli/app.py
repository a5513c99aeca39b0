"""The ``qbsync`` command: global options, command registration, and the one place exceptions become exit codes.

Command modules stay light at import time (typer and typing only) so ``qbsync --help`` is quick; each
imports its core inside the command function.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer

from qbsync import __version__
from qbsync.cli import check, config_cmd, diagnose, explain, preflight, reconnect, retry, sandbox_cmd, status, trace
from qbsync.exit_codes import EXIT_CODES_HELP, ExitCode

HELP = f"""Find out why invoices and payments are not reaching QuickBooks Online, and what to do about it, in order.

Start with [bold]qbsync diagnose[/bold]. Try it safely on the built-in sandbox company: [bold]qbsync diagnose --demo[/bold].

Global options work before or after the command name. {EXIT_CODES_HELP}
"""

app = typer.Typer(
    name="qbsync",
    help=HELP,
    rich_markup_mode="rich",
    no_args_is_help=False,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
)

# Options that belong to qbsync itself, accepted anywhere on the line (people type `qbsync diagnose --json`).
# name -> takes a value
GLOBAL_OPTIONS: dict[str, bool] = {
    "--profile": True,
    "-p": True,
    "--format": True,
    "-f": True,
    "--scenario": True,
    "--timeout": True,
    "--json": False,
    "--no-color": False,
    "-q": False,
    "--quiet": False,
    "-v": False,
    "--debug": False,
    "--verbose": False,
    "--demo": False,
}


# --format csv is a choice per run (not a config default): a default of csv would break every other command.
OUTPUT_FORMATS = ("table", "json", "csv")
CSV_COMMANDS = frozenset({"diagnose", "preflight"})


def _version(value: bool) -> None:
    if value:
        typer.echo(f"qbsync {__version__}")
        raise typer.Exit(0)


@app.callback()
def root(
    ctx: typer.Context,
    profile: Annotated[
        str | None, typer.Option("--profile", "-p", help="Profile (company) from the config file.")
    ] = None,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", metavar="table|json|csv", help="Output format (default table; csv for diagnose)."
        ),
    ] = None,
    json_flag: Annotated[bool, typer.Option("--json", help="Shorthand for --format json.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour (NO_COLOR is honoured too).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors on stderr.")] = False,
    debug: Annotated[
        bool, typer.Option("--debug", "--verbose", "-v", help="Details on stderr, secrets redacted.")
    ] = False,
    demo: Annotated[bool, typer.Option("--demo", help="Use the built-in sandbox company, in-process.")] = False,
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="Sandbox scenario for --demo: a built-in name or a file.")
    ] = None,
    timeout: Annotated[
        int | None,
        typer.Option("--timeout", metavar="SECONDS", help="Overall deadline (default 60 s; retry 900; reconnect 360)."),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    from qbsync.cli._runtime import defer_env

    if json_flag and output_format not in (None, "json"):
        raise _usage("--json and --format table contradict each other", "use one of them")
    flags: dict[str, Any] = {
        "profile": profile,
        "format": "json" if json_flag else output_format,
        "no_color": True if no_color else None,
        "quiet": True if quiet else None,
        "debug": True if debug else None,
        "demo": True if demo or scenario else None,
        "scenario": scenario,
        "timeout": timeout,
    }
    if flags["format"] is not None and flags["format"] not in OUTPUT_FORMATS:
        raise _usage(f"--format must be table, json or csv, not {flags['format']!r}", "e.g. --format json")
    command = ctx.invoked_subcommand
    if flags["format"] == "csv" and command is not None and command not in CSV_COMMANDS:
        # A CSV is one row per record; only diagnose's held-up records fit that shape.
        raise _usage(
            f"--format csv is for diagnose (one row per held-up record); {command} has no rows to list",
            f"qbsync {command} --format json, or qbsync diagnose --format csv",
        )
    # Built on the command's first use, not here: 'qbsync diagnose --help' reads no config and imports no core.
    ctx.obj = defer_env(flags, command=ctx.invoked_subcommand or "")


def _usage(message: str, hint: str) -> Exception:
    from qbsync.errors import UsageError

    return UsageError(message, hint=hint)


def _plain_metavars() -> None:
    """Help shows a flag as just its name, and a value by what it is (NAME), never as ``<bool>`` or ``<str>``.

    Typer 0.27+ prints the Python type after every option; for a person ``--dry-run <bool>`` reads as if it
    took a value. Typer offers no setting for this (and ``--help`` itself cannot be given a metavar), so the
    one display hook is adjusted here; tests/test_cli_help.py fails if a Typer upgrade brings them back.
    """
    from typer.core import TyperArgument, TyperOption

    if getattr(TyperOption, "_qbsync_plain", False):
        return
    option_display = TyperOption.display_type_rich
    argument_display = TyperArgument.display_type_rich

    def option_type(self: TyperOption, ctx: Any) -> str | None:
        if self.metavar is None and (self.is_flag or self.count):
            return None
        shown = option_display(self, ctx)
        if shown in ("<str>", "<int>", "<float>"):
            return (self.name or "value").upper()
        return shown

    def argument_type(self: TyperArgument, ctx: Any) -> str | None:
        shown = argument_display(self, ctx)
        return None if shown and shown.startswith("<") else shown

    TyperOption.display_type_rich = option_type  # type: ignore[method-assign]
    TyperArgument.display_type_rich = argument_type  # type: ignore[method-assign,assignment]
    TyperOption._qbsync_plain = True  # type: ignore[attr-defined]


_plain_metavars()
status.register(app)
diagnose.register(app)
trace.register(app)
retry.register(app)
reconnect.register(app)
explain.register(app)
check.register(app)
preflight.register(app)
config_cmd.register(app)
sandbox_cmd.register(app)


def hoist_global_options(argv: list[str]) -> list[str]:
    """Move qbsync's own options in front of the command name, where Typer expects them."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":
            rest.extend(argv[i:])
            break
        name = token.split("=", 1)[0]
        if name in GLOBAL_OPTIONS:
            front.append(token)
            if GLOBAL_OPTIONS[name] and "=" not in token and i + 1 < len(argv):
                front.append(argv[i + 1])
                i += 1
        else:
            rest.append(token)
        i += 1
    return front + rest


def _wants_json(argv: list[str]) -> bool:
    if "--json" in argv or "--format=json" in argv:
        return True
    for i, token in enumerate(argv[:-1]):
        if token in ("--format", "-f") and argv[i + 1] == "json":
            return True
    return os.environ.get("QBSYNC_FORMAT") == "json"


def _command_name(argv: list[str]) -> str:
    names = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    return next((a for a in argv if a in names), "qbsync")


def run(argv: list[str] | None = None) -> int:
    """Run qbsync and return the exit code; every expected failure becomes one line and a documented code."""
    from qbsync.cli._runtime import current_env, reset_env

    reset_env()
    _usable_terminal_size()
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        args = ["--help"]
    args = hoist_global_options(args)
    try:
        result = app(args=args, prog_name="qbsync", standalone_mode=False)
        return int(result) if isinstance(result, int) else 0
    except KeyboardInterrupt:
        return int(ExitCode.INTERRUPTED)
    except Exception as exc:  # mapped below; anything unexpected still gets one line, details under --debug
        return _handle(exc, args, current_env())


MAX_COLUMNS = 1000  # wider than any screen; a table laid out for COLUMNS=99999999 took minutes (and 300 MB)
MAX_LINES = 1000


def _usable_terminal_size() -> None:
    """Rich (ours, and Typer's help) sizes its consoles from COLUMNS/LINES: drop values it cannot use (COLUMNS=0
    printed nothing) and cap huge ones (COLUMNS=99999999 hung). Without them Rich asks the terminal, or uses 80."""
    for name, cap in (("COLUMNS", MAX_COLUMNS), ("LINES", MAX_LINES)):
        value = os.environ.get(name)
        if value is None:
            continue
        value = value.strip()
        if not value.isdigit() or int(value) < 1:
            del os.environ[name]
        elif int(value) > cap:
            os.environ[name] = str(cap)


def _handle(exc: BaseException, args: list[str], env: Any) -> int:
    # Typer vendors click; its usage errors live in a private module (we never import click itself).
    from typer._click.exceptions import ClickException

    from qbsync.errors import QbsyncError, UsageError, as_qbsync_error
    from qbsync.render.output import emit_error

    if isinstance(exc, typer.Abort):
        return int(ExitCode.INTERRUPTED)
    if isinstance(exc, ClickException):
        text = exc.format_message().strip().rstrip(".")
        error: QbsyncError = UsageError(
            text.replace("\n", " "), hint="run 'qbsync --help' (or 'qbsync COMMAND --help')"
        )
    elif (mapped := as_qbsync_error(exc)) is not None:
        error = mapped
    else:
        error = QbsyncError(
            f"unexpected error: {type(exc).__name__}",
            hint="run again with --debug for details, and report it with 'qbsync diagnose --report'",
            code="internal",
        )
        if env is not None and env.settings.debug:
            import traceback

            from qbsync.clients.redact import redact_text

            sys.stderr.write(redact_text("".join(traceback.format_exception(exc))))
    emit_error(
        env,
        _command_name(args),
        error,
        sys.stdout,
        sys.stderr,
        json_output=env.json_output if env is not None else _wants_json(args),
    )
    return int(error.exit_code)


def main() -> None:
    from qbsync.cli._runtime import enable_watchdog

    enable_watchdog()
    sys.exit(run())
