"""What every command shares: building the Env once per run, and finishing with render + exit code."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:
    from qbsync.context import Env
    from qbsync.render.output import HumanView
    from qbsync.result import Outcome

_state: dict[str, Any] = {"env": None}


@dataclass(frozen=True)
class PendingEnv:
    """The global options of this run, before any settings are resolved (``env_of`` builds the Env)."""

    flags: dict[str, Any]
    command: str


def defer_env(flags: dict[str, Any], command: str) -> PendingEnv:
    _state["env"] = None
    return PendingEnv(flags, command)


def build_env(flags: dict[str, Any], command: str, deadline_seconds: float | None = None) -> Env:
    from qbsync.config import resolve_settings
    from qbsync.context import Env
    from qbsync.paths import resolve_paths

    environ = dict(os.environ)
    paths = resolve_paths(environ)
    _state["env"] = None
    settings = resolve_settings(
        {k: v for k, v in flags.items() if v is not None},
        environ,
        paths.config_file,
        new_profile_ok=command == "config",
    )
    env = Env(
        settings=settings,
        paths=paths,
        environ=environ,
        clock=_clock(environ),
        deadline_seconds=deadline_for(settings.timeout, command, deadline_seconds),
    )
    _state["env"] = env
    if settings.debug:
        _enable_debug_log(env)
    if _state.get("watchdog") and env.deadline_seconds is not None:
        _arm_watchdog(env.deadline_seconds)
    return env


def deadline_for(timeout: int | None, command: str, default: float | None = None) -> float | None:
    """--timeout when given, else ``default`` (a command that knows it waits longer, e.g. trace --watch), else
    the command's documented deadline."""
    from qbsync.deadline import default_deadline
    from qbsync.errors import UsageError

    if timeout is None:
        return default if default is not None else default_deadline(command)
    if timeout <= 0:
        raise UsageError(f"--timeout must be a positive number of seconds, not {timeout}", hint="e.g. --timeout 120")
    return float(timeout)


def enable_watchdog() -> None:
    """The console script (not an embedding test) ends the process if the deadline is overrun by far."""
    _state["watchdog"] = True


def _arm_watchdog(seconds: float) -> None:
    """The last resort behind the deadline: whatever qbsync is stuck in (not a request, since those stop at the
    deadline), the process ends with one line and exit 3 ``WATCHDOG_GRACE_SECONDS`` after it."""
    import threading

    from qbsync.deadline import WATCHDOG_GRACE_SECONDS

    def expire() -> None:
        import sys

        sys.stderr.write(
            f"qbsync: error: did not finish within its {seconds:g} s deadline; nothing more was done\n"
            "  hint: run again, or with --timeout SECONDS for a longer deadline\n"
        )
        sys.stderr.flush()
        os._exit(3)

    timer = threading.Timer(seconds + WATCHDOG_GRACE_SECONDS, expire)
    timer.daemon = True
    timer.start()


def _clock(environ: dict[str, str]) -> Any:
    """The system clock, or one shifted to ``QBSYNC_NOW`` (for a served sandbox scenario, or to replay a day)."""
    from qbsync.clock import OffsetClock, SystemClock, parse_iso
    from qbsync.errors import ConfigError

    value = environ.get("QBSYNC_NOW")
    if not value:
        return SystemClock()
    try:
        return OffsetClock(parse_iso(value))
    except ValueError:
        raise ConfigError(
            f"QBSYNC_NOW={value!r} is not a timestamp", hint="e.g. QBSYNC_NOW=2026-11-24T16:30:00Z"
        ) from None


def reset_env() -> None:
    """Forget the previous run's Env and log handler (tests and embedders call ``run`` many times)."""
    import logging

    _state["env"] = None
    logger = logging.getLogger("qbsync")
    logger.handlers.clear()
    logger.setLevel(logging.WARNING)


def current_env() -> Env | None:
    return _state["env"]


def env_of(ctx: typer.Context, deadline_seconds: float | None = None) -> Env:
    root = ctx.find_root()
    if isinstance(root.obj, PendingEnv):
        root.obj = build_env(root.obj.flags, root.obj.command, deadline_seconds)
    return root.obj


def finish(env: Env, outcome: Outcome, human: HumanView | None = None) -> NoReturn:
    from qbsync.render.output import emit

    emit(env, outcome, human)
    raise typer.Exit(int(outcome.exit_code))


def _enable_debug_log(env: Env) -> None:
    import logging

    from qbsync.clients.redact import redact_text

    class RedactingFilter(logging.Filter):
        """Defense in depth: whatever a module logs passes through the redaction rules before it is shown."""

        def filter(self, record: logging.LogRecord) -> bool:
            record.msg, record.args = redact_text(record.getMessage()), None
            return True

    handler = logging.StreamHandler(env.stderr)
    handler.setFormatter(logging.Formatter("debug: %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("qbsync")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
