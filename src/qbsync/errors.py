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


class ActionFailed(QbsyncError):
    code = "failed"
    exit_code = ExitCode.FAILURE
