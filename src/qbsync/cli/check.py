"""qbsync check: the weekly health check for cron and monitoring."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from qbsync.cli._help import command_help

if TYPE_CHECKING:
    from qbsync.context import Env
    from qbsync.health.check import CheckReport
    from qbsync.health.status import Thresholds

HISTORY_RUNS_SHOWN = 30


def register(app: typer.Typer) -> None:
    app.command(
        "check",
        **command_help(
            "Status, diagnosis and pre-flight checks for cron: no prompts, no colour, Nagios exit codes "
            "(0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).",
            "qbsync check",
            "qbsync check --report weekly.html",
            "qbsync check --history",
        ),
    )(check)


def check(
    ctx: typer.Context,
    report: Annotated[
        str | None, typer.Option("--report", metavar="PATH", help="Write a Markdown or .html report.")
    ] = None,
    history: Annotated[bool, typer.Option("--history", help="Print the trend of past runs.")] = False,
    all_profiles: Annotated[bool, typer.Option("--all-profiles", help="Check every configured company.")] = False,
    token_warn_days: Annotated[
        int | None,
        typer.Option("--token-warn-days", min=0, metavar="DAYS", help="Warn when a refresh token expires this soon."),
    ] = None,
    transient_max_hours: Annotated[
        int | None,
        typer.Option("--transient-max-hours", min=1, metavar="HOURS", help="Transient failures older than this warn."),
    ] = None,
    close_window_days: Annotated[
        int | None,
        typer.Option(
            "--close-window-days",
            min=0,
            metavar="DAYS",
            help="Warn about unsynced records this close after the close date.",
        ),
    ] = None,
) -> None:
    from qbsync.cli._runtime import env_of, finish
    from qbsync.exit_codes import ExitCode
    from qbsync.render.check_view import render_check
    from qbsync.result import Outcome

    env = env_of(ctx)
    overrides = {
        "token_warn_days": token_warn_days,
        "transient_max_hours": transient_max_hours,
        "close_window_days": close_window_days,
    }
    if history:
        _print_history(env, all_profiles)
    if all_profiles:
        data: Any = _check_all(env, overrides)
    else:
        from qbsync.health.check import history_path, run_check
        from qbsync.health.history import CheckHistory
        from qbsync.health.status import Thresholds

        services = env.services()  # no progress spinner: check runs under cron
        data = run_check(
            services,
            Thresholds.from_settings(env.settings, **overrides),
            history=CheckHistory(history_path(services.data_dir)),
        )
    if report:
        from qbsync.health.report import write_report
        from qbsync.render.output import message

        written = write_report(report, data)
        message(env, f"report written to {written}")
    finish(env, Outcome("check", ExitCode(data.exit_code), data), render_check)


def _print_history(env: Env, all_profiles: bool) -> None:
    from qbsync.cli._runtime import finish
    from qbsync.exit_codes import ExitCode
    from qbsync.health.history import CheckHistory
    from qbsync.render.check_view import render_history
    from qbsync.result import Outcome

    path = env.paths.check_history_db
    note = None
    if env.settings.demo:
        note = "The demo keeps no history between runs: each --demo run starts a fresh sandbox."
    store = CheckHistory(path)
    names = store.profiles() if path.exists() else []
    if not all_profiles:
        names = [env.settings.profile]
    runs = {name: store.runs(name)[-HISTORY_RUNS_SHOWN:] for name in names} if path.exists() else {}
    finish(env, Outcome("check", ExitCode.OK, {"file": str(path), "runs": runs, "note": note}), render_history)


def _check_all(env: Env, overrides: dict[str, int | None]) -> Any:
    from qbsync.errors import ConfigError, UsageError, as_qbsync_error
    from qbsync.health.check import check_all

    if env.settings.demo:
        raise UsageError("--all-profiles checks the companies in the config file, not the demo", hint="drop --demo")
    profiles = list(env.settings.profiles_in_file)
    if not profiles:
        raise ConfigError(
            f"no profiles in {env.settings.config_file}",
            hint="add [profiles.NAME] sections, e.g. with 'qbsync --profile NAME config set ...'",
        )

    def error_of(exc: BaseException) -> tuple[int, str, str | None]:
        mapped = as_qbsync_error(exc)
        if mapped is None:
            return 3, f"unexpected error: {type(exc).__name__}", "run this profile alone with --debug"
        return int(mapped.exit_code), mapped.message, mapped.hint

    return check_all(profiles, lambda name: _check_profile(env, name, overrides), error_of, env.clock.now)


def _check_profile(env: Env, name: str, overrides: dict[str, int | None]) -> CheckReport:
    from qbsync.config import resolve_settings
    from qbsync.context import Env as EnvType
    from qbsync.health.check import history_path, run_check
    from qbsync.health.history import CheckHistory
    from qbsync.health.status import Thresholds

    flags = {k: s.value for k, s in env.settings.values.items() if s.source == "flag"}
    flags["profile"] = name
    settings = resolve_settings(flags, env.environ, env.paths.config_file)
    profile_env = EnvType(
        settings=settings,
        paths=env.paths,
        stdin=env.stdin,
        stdout=env.stdout,
        stderr=env.stderr,
        environ=env.environ,
        clock=env.clock,
        deadline_seconds=env.deadline_seconds,
    )
    services = profile_env.services()
    thresholds: Thresholds = Thresholds.from_settings(settings, **overrides)
    return run_check(services, thresholds, history=CheckHistory(history_path(services.data_dir)))
