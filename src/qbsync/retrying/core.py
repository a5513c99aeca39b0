"""``qbsync retry`` core: plan (pre-flight), then send and wait; the exit code the result earned."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from qbsync.exit_codes import ExitCode
from qbsync.result import EnvelopeError
from qbsync.retrying.models import RetryReport
from qbsync.retrying.preflight import build_plan
from qbsync.retrying.targets import Selection, parse_selection
from qbsync.wording import plural

if TYPE_CHECKING:
    from qbsync.services import Services

__all__ = ["RetryReport", "Selection", "build_plan", "parse_selection", "verdict"]


def verdict(report: RetryReport) -> tuple[ExitCode, str, list[EnvelopeError]]:
    """(exit code, envelope status, errors). Actions: 0 all succeeded, 1 anything failed or was refused
    (docs/cli.md). ``status`` is ``partial`` when some records went through and others did not.

    ``--all-safe`` refusals count too: a record whose cause is still there needs a person, and a cron job
    running ``retry --all-safe --yes`` should say so rather than report a clean run.
    """
    s = report.summary
    refused = [r for r in report.records if r.decision == "refuse"]
    counted_refusals = [r for r in refused if r.role == "requested"]
    errors: list[EnvelopeError] = []

    if report.mode == "needs_confirmation":
        errors.append(
            EnvelopeError(
                code="confirmation_required",
                message=(
                    f"nothing was sent: {plural(s.to_send, 'retry request')} "
                    f"need{'s' if s.to_send == 1 else ''} confirmation and stdin is not a terminal"
                ),
                hint="add --yes to send the retries shown in the plan, or --dry-run to only see it",
            )
        )
        return ExitCode.FAILURE, "error", errors
    if report.mode == "declined":
        errors.append(EnvelopeError(code="declined", message="nothing was sent: not confirmed"))
        return ExitCode.FAILURE, "error", errors

    if s.to_send == 0:
        if refused:
            first = refused[0]
            errors.append(
                EnvelopeError(
                    code="refused",
                    message=f"nothing to retry: {plural(len(refused), 'record')} refused; {first.label}: {first.reason}",
                    hint=first.fix_first or (f"run '{first.next_command}'" if first.next_command else None),
                )
            )
            return ExitCode.FAILURE, "error", errors
        return ExitCode.SUCCESS, "ok", errors

    if report.mode in ("plan", "dry_run"):
        if counted_refusals:
            return ExitCode.FAILURE, "partial", errors
        return ExitCode.SUCCESS, "ok", errors

    good = s.succeeded + s.queued
    bad = s.failed + s.uncertain + s.pending + s.not_sent + len(counted_refusals)
    if bad == 0:
        return ExitCode.SUCCESS, "ok", errors
    return ExitCode.FAILURE, ("partial" if good else "error"), errors


def company_lock(
    services: Services, wait_seconds: float, on_wait: Any = None
) -> AbstractContextManager[dict[str, Any]]:
    """The company's retry lock for this run (see ``lock.py``), timed by the run's clock."""
    from qbsync.retrying.lock import company_retry_lock

    clock = services.clock
    return company_retry_lock(
        services.data_dir,
        services.realm_id,
        profile=services.profile,
        now=clock.now(),
        wait_seconds=wait_seconds,
        on_wait=on_wait,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
    )


def plan(services: Services, refs: list[str] | None, pattern: str | None, all_safe: bool, force: bool) -> RetryReport:
    return build_plan(services, parse_selection(refs, pattern, all_safe), force=force)
