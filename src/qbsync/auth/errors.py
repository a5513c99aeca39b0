"""Typed trouble with the QuickBooks connection: ``QbsyncError`` subclasses (``CouldNotCheck`` where nothing
can be concluded), so the CLI renders them like any other expected trouble.

Every error has a stable ``code``, a one-line ``message`` and a ``hint`` (the fix). None of them ever holds
a token, an authorization code or a client secret: messages are built from facts we choose, never from a
response body or a library's exception text.
"""

from __future__ import annotations

from pathlib import Path

from qbsync.errors import CouldNotCheck, QbsyncError
from qbsync.exit_codes import ExitCode

RECONNECT_HINT = "Run `qbsync reconnect` to connect qbsync to QuickBooks again."
CONNECTION_EXPIRED_PATTERN = "P5"


class AuthError(QbsyncError):
    code = "auth_error"
    pattern: str | None = None

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message, hint=hint or None)


class ConnectionExpired(AuthError):
    """QuickBooks no longer accepts the connection (``invalid_grant``): pattern P5, fixed by reconnecting."""

    code = "connection_expired"
    pattern = CONNECTION_EXPIRED_PATTERN
    exit_code = ExitCode.CRITICAL  # something needs action: reconnect

    def __init__(self, message: str, *, reason: str, intuit_tid: str | None = None) -> None:
        super().__init__(message, RECONNECT_HINT)
        self.reason = reason  # invalid_grant | refresh_token_expired | hard_expiry_passed
        self.intuit_tid = intuit_tid


class NotConnected(AuthError):
    code = "not_connected"
    exit_code = ExitCode.CRITICAL

    def __init__(self, path: Path) -> None:
        super().__init__(f"No QuickBooks connection is stored in {path}.", RECONNECT_HINT)
        self.path = path


class TokenFileUnreadable(AuthError):
    """The token file exists but cannot be used; it is left untouched until a successful reconnect."""

    code = "token_file_unreadable"
    exit_code = ExitCode.UNKNOWN  # could not check (docs/cli.md): nothing is known about the connection itself

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"The token file {path} cannot be used ({reason}). It was left as it is.",
            f"{RECONNECT_HINT} That replaces the file.",
        )
        self.path = path
        self.reason = reason


class TokenStoreBusy(AuthError, CouldNotCheck):
    """Could not check: another qbsync process held the token lock for too long."""

    code = "token_store_busy"

    def __init__(self, lock_path: Path, waited_seconds: float) -> None:
        super().__init__(
            f"Another qbsync process held {lock_path} for more than {waited_seconds:g} s.",
            "Try again in a minute; if it persists, look for a stuck qbsync process.",
        )
        self.lock_path = lock_path
        self.waited_seconds = waited_seconds


class TokenStoreUnwritable(AuthError, CouldNotCheck):
    """Could not check: the token folder cannot take the refreshed tokens (full disk, read-only, no permission).

    ``spent`` is False when qbsync found out before asking Intuit (nothing was lost: the stored refresh token
    is still the current one), True when Intuit had already issued new tokens that could not be kept.
    """

    code = "token_store_unwritable"

    def __init__(self, path: Path, reason: str, *, spent: bool, refreshing: bool = True) -> None:
        if not refreshing:
            message = f"qbsync cannot write in its token folder {path.parent} ({reason}); nothing was changed."
            hint = f"Free space or fix permissions in {path.parent}."
        elif spent:
            message = (
                f"Intuit issued new QuickBooks tokens but qbsync could not store them in {path} ({reason}); "
                "qbsync will not refresh again in this run. The stored refresh token stays usable for about "
                "24 hours."
            )
            hint = f"Free space or fix permissions in {path.parent} within a day, or run `qbsync reconnect`."
        else:
            message = (
                f"qbsync cannot write its token file {path} ({reason}), so it did not refresh the QuickBooks "
                "connection: a refresh it cannot store would lose the connection."
            )
            hint = f"Free space or fix permissions in {path.parent}; the stored connection is untouched."
        super().__init__(message, hint)
        self.path = path
        self.reason = reason
        self.spent = spent


class OAuthUnavailable(AuthError, CouldNotCheck):
    """Could not check: Intuit's OAuth service timed out, was unreachable or failed (5xx)."""

    code = "oauth_unavailable"

    def __init__(self, endpoint: str, reason: str, status: int | None = None, intuit_tid: str | None = None) -> None:
        super().__init__(
            f"Could not reach Intuit's OAuth service at {endpoint} ({reason}).",
            "This says nothing about the connection itself; try again later.",
        )
        self.endpoint = endpoint
        self.reason = reason  # timeout | unreachable | http_5xx | bad_response
        self.status = status
        self.intuit_tid = intuit_tid


class OAuthClientRejected(AuthError):
    """Intuit does not recognise the app's client id and secret (``invalid_client``)."""

    code = "oauth_client_rejected"

    def __init__(self, status: int, intuit_tid: str | None = None) -> None:
        super().__init__(
            "Intuit rejected qbsync's client id or client secret (invalid_client).",
            "Check the client id and secret configured for this profile against the Intuit developer portal.",
        )
        self.status = status
        self.intuit_tid = intuit_tid


class OAuthRequestFailed(AuthError):
    """Any other refusal from the token or revoke endpoint (``invalid_request``, ``unauthorized_client``...)."""

    code = "oauth_request_failed"

    def __init__(self, status: int, error: str | None, intuit_tid: str | None = None) -> None:
        super().__init__(f"Intuit's OAuth service refused the request (HTTP {status}, {error or 'no error code'}).")
        self.status = status
        self.error = error
        self.intuit_tid = intuit_tid


class AuthorizationFailed(AuthError):
    """The browser came back without a usable authorization: state mismatch, denied consent, no code."""

    code = "authorization_failed"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, "Start the connection again with `qbsync reconnect`.")
        self.reason = reason  # state_mismatch | access_denied | missing_code | error | code_rejected
