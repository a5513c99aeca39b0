"""Typed QuickBooks Online faults.

Every error body QBO can send (``Fault``/``fault``, ``Error``/``error``, XML throttle bodies, HTML 5xx
pages, HTTP 200 bodies carrying a Fault, several errors in one body, batch items with their own
faults) becomes a ``QboFault``. Nothing is lost: the raw body is kept for the support report.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class QboError:
    """One ``Error`` entry of a Fault."""

    code: str | None = None
    message: str | None = None
    detail: str | None = None
    element: str | None = None


@dataclass(frozen=True)
class QboFault:
    http_status: int | None
    fault_type: str | None = None
    errors: tuple[QboError, ...] = ()
    raw: str = ""
    content_type: str | None = None
    intuit_tid: str | None = None
    body_format: str = "json"  # json | xml | html | text | empty
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def primary(self) -> QboError:
        return self.errors[0] if self.errors else QboError()

    @property
    def code(self) -> str | None:
        return self.primary.code

    @property
    def message(self) -> str | None:
        return self.primary.message

    @property
    def detail(self) -> str | None:
        return self.primary.detail
