"""Emit a command's outcome: the JSON envelope, or a human view, and nothing else on stdout."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qbsync.result import EnvelopeError, Outcome

if TYPE_CHECKING:
    from rich.console import Console

    from qbsync.context import Env
    from qbsync.errors import QbsyncError

HumanView = Callable[["Console", Any], None]


def emit(env: Env, outcome: Outcome, human: HumanView | None = None) -> None:
    if env.json_output:
        # Never through Rich: it wraps at 80 columns and eats [bracketed] text (libraries.md).
        env.stdout.write(json.dumps(outcome.envelope().model_dump(mode="json"), ensure_ascii=False) + "\n")
        env.stdout.flush()
        return
    if human is not None:
        human(env.out, outcome.data)
    for error in outcome.errors:
        message(env, f"{error.message}", hint=error.hint, level="error")


def message(env: Env, text: str, *, hint: str | None = None, level: str = "info") -> None:
    """A line for people on stderr. Warnings and info are hidden by -q; errors never are."""
    if env.settings.quiet and level != "error":
        return
    from rich.markup import escape

    style = {"error": "bold red", "warning": "yellow", "info": "dim"}.get(level, "")
    prefix = {"error": "error: ", "warning": "warning: "}.get(level, "")
    env.err.print(f"[{style}]qbsync: {prefix}[/]{escape(text)}" if style else escape(text), soft_wrap=True)
    if hint:
        env.err.print(f"  [dim]hint:[/] {escape(hint)}", soft_wrap=True)


def emit_error(env: Env | None, command: str, error: QbsyncError, stdout: Any, stderr: Any, json_output: bool) -> None:
    """One clear line plus a hint on stderr; with --format json also the envelope on stdout."""
    from qbsync.clients.redact import RedactingStream

    stdout, stderr = RedactingStream(stdout), RedactingStream(stderr)
    if json_output:
        outcome = Outcome(
            command=command,
            exit_code=error.exit_code,
            status="error",
            errors=[EnvelopeError(code=error.code, message=error.message, hint=error.hint)],
        )
        stdout.write(json.dumps(outcome.envelope().model_dump(mode="json")) + "\n")
        stdout.flush()
    if env is not None:
        message(env, error.message, hint=error.hint, level="error")
        return
    stderr.write(f"qbsync: error: {error.message}\n")
    if error.hint:
        stderr.write(f"  hint: {error.hint}\n")
    stderr.flush()
