"""Expected trouble: one clear line, a hint, a stable code and a documented exit code. Never a traceback."""

from __future__ import annotations

from qbsync.exit_codes import ExitCode


class QbsyncError(Exception):
    """Base for every error a person can act on. ``str()`` never contains secrets."""

    code = "error"
    exit_code: ExitCode = ExitCode.UNKNOWN

    def __init__(
        self, message: str, *, hint: str | None = None, code: str | None = None, exit_code: ExitCode | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code:
            self.code = code
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(QbsyncError):
    code = "usage"


class ConfigError(QbsyncError):
    code = "config"


class NotFoundError(QbsyncError):
    code = "not_found"


class CouldNotCheck(QbsyncError):
    """A host could not be reached or answered unusably; nothing can be concluded."""

    code = "unreachable"


def as_qbsync_error(exc: BaseException) -> QbsyncError | None:
    """Map the clients' and the token store's typed errors to expected trouble; None for real bugs."""
    if isinstance(exc, QbsyncError):
        return exc
    from qbsync.clients.errors import (
        ApiError,
        ResponseTooLarge,
        SupraApiError,
        TemporarilyUnavailable,
        Unauthorized,
        Unreachable,
    )

    if isinstance(exc, Unauthorized):
        if (exc.service or "").lower().startswith("suprata"):
            return ConfigError(
                "Suprata refused the API key",
                code="suprata_unauthorized",
                hint="check suprata_api_key / suprata_api_key_env with 'qbsync config'",
            )
        return CouldNotCheck(
            "QuickBooks refused qbsync's connection",
            code="connection_expired",
            hint="run 'qbsync reconnect' to connect qbsync to QuickBooks again",
        )
    if isinstance(exc, TemporarilyUnavailable):
        return CouldNotCheck(
            exc.message, code="P7", hint="QuickBooks is throttling or unavailable; try again in a few minutes"
        )
    if isinstance(exc, Unreachable):
        return CouldNotCheck(exc.message, hint="check the network and the base URLs in 'qbsync config'")
    if isinstance(exc, ResponseTooLarge):
        return CouldNotCheck(
            exc.message,
            code="response_too_large",
            hint="no QuickBooks or Suprata answer is that large: check the base URLs with 'qbsync config'",
        )
    if isinstance(exc, SupraApiError) and exc.status == 404:
        return NotFoundError(exc.message, hint="check the number or id")
    if isinstance(exc, ApiError):
        return CouldNotCheck(exc.message, hint="run again with --debug for details (secrets are redacted)")
    if isinstance(exc, RecursionError):
        return CouldNotCheck(
            "an answer or a file was nested too deeply to read (no real QuickBooks or Suprata answer is)",
            code="too_deep",
            hint="run again with --debug to see which request; check the base URLs in 'qbsync config'",
        )
    if isinstance(exc, OSError) and not isinstance(exc, ConnectionError):
        where = f" {exc.filename}" if exc.filename else ""
        return CouldNotCheck(
            f"cannot use the file{where}: {exc.strerror or exc}",
            code="file_system",
            hint="check free space and permissions where qbsync keeps its files (QBSYNC_HOME, or see 'qbsync config')",
        )
    return None
