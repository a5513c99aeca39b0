"""Typed errors of the API clients.

Every message is built from redacted parts only (``redact.py``): no token, key, code or client secret can
reach a log line, a JSON envelope or a traceback through these exceptions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qbsync.clients.redact import redact_text
from qbsync.wording import plural

if TYPE_CHECKING:
    from datetime import datetime

    from qbsync.clients.faults import QboFault


class ApiError(Exception):
    """An API answered with an error, or could not be asked. ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(redact_text(message))
        self.status = status
        # When the service began refusing or not answering in this run, and which service it is (QuickBooks,
        # Suprata): both set by the HTTP layer, so a command can tell QuickBooks down from Suprata down.
        self.since: datetime | None = None
        self.service: str | None = None

    @property
    def message(self) -> str:
        return str(self)


class QboApiError(ApiError):
    """QuickBooks answered with a Fault (any HTTP status, HTTP 200 included). The fault keeps the raw body."""

    def __init__(self, fault: QboFault, context: str = "") -> None:
        parts = [f"QuickBooks error {fault.code or '?'}", fault.message or "", fault.detail or ""]
        text = ": ".join(p for p in parts if p)
        super().__init__(f"{context}: {text}" if context else text, fault.http_status)
        self.fault = fault


class SupraApiError(ApiError):
    """Suprata answered ``{"error": code, "message": ...}`` with a non-2xx status."""

    def __init__(self, status: int | None, code: str, message: str) -> None:
        super().__init__(f"Suprata error {status} {code}: {message}", status)
        self.code = code
        self.detail = message


class Unauthorized(ApiError):
    """HTTP 401 that a token refresh (when possible) did not cure. ``fault`` is set for QuickBooks."""

    def __init__(self, service: str, message: str, *, fault: QboFault | None = None, code: str | None = None) -> None:
        super().__init__(f"{service} refused the credentials: {message}", 401)
        self.service = service
        self.fault = fault
        self.code = code


class TemporarilyUnavailable(ApiError):
    """Still throttled or unavailable after the bounded total wait (429/502/503/504).

    Carries what the last answer said so the diagnosis can tell throttling from an outage.
    """

    def __init__(
        self,
        url: str,
        status: int | None,
        *,
        fault: object | None = None,
        retry_after: float | None = None,
        attempts: int = 1,
        waited: float = 0.0,
        intuit_tid: str | None = None,
    ) -> None:
        hint = f", Retry-After {retry_after:g} s" if retry_after is not None else ""
        super().__init__(
            f"{url} still answered HTTP {status} after {plural(attempts, 'attempt')} and {waited:g} s of waiting{hint}",
            status,
        )
        self.url = url
        self.fault = fault  # QboFault for QuickBooks, SupraApiError for Suprata, None when the body said nothing
        self.retry_after = retry_after
        self.attempts = attempts
        self.waited = waited
        self.intuit_tid = intuit_tid


class ResponseTooLarge(ApiError):
    """An answer larger than the HTTP layer's cap: refused while it streams in, never parsed.

    No QuickBooks or Suprata page comes near the cap; a body that big is a wrong base URL or a hostile server,
    and millions of small objects in it would take minutes to parse.
    """

    def __init__(self, url: str, cap: int, seen: int, declared: bool) -> None:
        size = f"declared {seen:,} bytes" if declared else f"over {cap:,} bytes"
        super().__init__(f"the answer from {url} is too large to read ({size}; qbsync reads at most {cap:,})")
        self.url = url
        self.cap = cap


class Unreachable(ApiError):
    """Could not connect (DNS, refused, TLS) or no answer in time.

    ``outcome_uncertain`` is true when a write timed out after it was sent: the server may have committed it.
    """

    def __init__(
        self, url: str, reason: str, *, attempts: int = 1, kind: str = "connect", outcome_uncertain: bool = False
    ) -> None:
        super().__init__(f"could not reach {url} ({kind}: {reason}) after {plural(attempts, 'attempt')}")
        self.url = url
        self.reason = reason
        self.kind = kind  # connect | timeout | protocol | deadline (the command's deadline passed)
        self.attempts = attempts
        self.outcome_uncertain = outcome_uncertain
