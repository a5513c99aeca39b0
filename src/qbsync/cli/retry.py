"""qbsync retry: one safe retry, in dependency order, that can never create a duplicate."""

from __future__ import annotations

from typing import Annotated

import typer

from qbsync.cli._help import command_help


def register(app: typer.Typer) -> None:
    app.command(
        "retry",
        **command_help(
            "Ask Suprata to push records again, only when a retry can help: customers before invoices before "
            "payments, never twice into the same wall.",
            "qbsync retry INV-1042 --dry-run",
            "qbsync retry --all-safe --yes",
            "qbsync retry --pattern P5",
        ),
    )(retry)


def retry(
    ctx: typer.Context,
    refs: Annotated[
        list[str] | None, typer.Argument(help="Records: INV-1042, PMT-2001, a customer or an item.")
    ] = None,
    pattern: Annotated[str | None, typer.Option("--pattern", help="Every retryable failure of a pattern.")] = None,
    all_safe: Annotated[
        bool,
        typer.Option(
            "--all-safe", help="Every transient failure a retry can fix now (P7; P5 after Suprata reconnected)."
        ),
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan; send nothing.")] = False,
    details: Annotated[
        bool, typer.Option("--details", help="With --dry-run: every record with its reason, not one line per group.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Retry even if already retried for the same cause.")] = False,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="Return without waiting for outcomes.")] = False,
    wait_seconds: Annotated[
        float,
        typer.Option("--wait-seconds", min=0, help="How long to wait for Suprata's outcomes (default 120)."),
    ] = 120.0,
    lock_wait: Annotated[
        float,
        typer.Option(
            "--lock-wait",
            min=0,
            help="How long to wait for another retry run on the same company to finish (default 300).",
        ),
    ] = 300.0,
) -> None:
    from contextlib import nullcontext

    from qbsync.cli._runtime import env_of, finish
    from qbsync.render.progress import working
    from qbsync.render.retry_view import (
        confirm_send,
        render_retry,
        retry_progress,
        show_lock_wait,
        show_plan_for_confirmation,
    )
    from qbsync.result import Outcome
    from qbsync.retrying.core import build_plan, company_lock, parse_selection, verdict
    from qbsync.retrying.executor import execute

    env = env_of(ctx)
    selection = parse_selection(refs, pattern, all_safe)
    with working(env, "Checking each record against Suprata and QuickBooks"):
        services = env.services()
    # A dry run sends nothing, so it plans without the lock; any other run holds it from plan to last outcome.
    guard = nullcontext({}) if dry_run else company_lock(services, lock_wait, lambda msg: show_lock_wait(env, msg))
    with guard as waited:
        with working(env, "Checking each record against Suprata and QuickBooks"):
            report = build_plan(services, selection, force=force, repeat_limit=env.settings.retry_repeat_limit)
        if waited.get("waited_for"):
            report.notes.append(
                f"waited {waited['waited_seconds']:g} s for {waited['waited_for']} to finish, then planned again"
            )

        if report.to_send():
            if dry_run:
                report.mode = "dry_run"
            elif not yes and not env.can_prompt:
                report.mode = "needs_confirmation"
            elif not yes:
                show_plan_for_confirmation(env, report)
                report.mode = "sent" if confirm_send(env, report) else "declined"
            else:
                report.mode = "sent"
            if report.mode == "sent":
                with retry_progress(env, report) as progress:
                    execute(services, report, wait=not no_wait, wait_seconds=wait_seconds, progress=progress)
        else:
            report.mode = "dry_run" if dry_run else "nothing_to_do"

    code, status, errors = verdict(report)
    finish(
        env,
        Outcome("retry", code, report, status=status, errors=errors),  # type: ignore[arg-type]
        lambda console, data: render_retry(console, data, details),
    )
