"""Suprata's sync attempts as the diagnosis keeps them: slotted rows, validated straight from a page's JSON.

A diagnosis of 50,000 failures reads their latest attempts and the failed history of the records retried
before: over 100,000 rows. Parsing each into a pydantic model and then copying it into a compact row cost
more than the parse itself, so pages are validated directly into these rows, with the model's own field types
(``tests/clients/test_attempt_rows.py`` holds the two to the same fields). A page with an entry that does not
validate is read again entry by entry (``suprata.malformed_attempt``), and those rows say why in ``malformed``.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Literal

from pydantic import TypeAdapter
from typing_extensions import TypedDict

from qbsync.clients import suprata_models as m

ErrorKind = Literal["http", "timeout", "connection", "oauth"]
Operation = Literal["create", "update", "void", "delete", "query", "read", "refresh"]
Trigger = Literal["auto", "scheduled_retry", "manual_retry", "api_retry"]


@dataclass(slots=True)
class AttemptError:
    """``SyncError`` as the diagnosis keeps it (same field names and types)."""

    kind: ErrorKind
    http_status: int | None = None
    content_type: str | None = None
    body: str | None = None
    qbo_entity: str | None = None
    qbo_operation: Operation | None = None
    intuit_tid: str | None = None
    message: str | None = None  # a message-only log (no body): Suprata's words for QuickBooks' answer


@dataclass(slots=True)
class Attempt:
    """``SyncAttempt`` as the diagnosis keeps it (same field names and types; ``malformed`` says why an entry
    was unreadable)."""

    id: str
    record_type: m.RecordType
    record_id: str
    attempted_at: datetime
    attempt: int
    trigger: Trigger
    outcome: Literal["succeeded", "failed"]
    record_number: str | None = None
    customer_id: str | None = None
    qbo_id: str | None = None
    qbo_request_id: str | None = None
    error: AttemptError | None = None
    malformed: str | None = None


@cache
def attempt_page_adapter() -> TypeAdapter[Any]:
    """Validates one ``/sync/attempts`` page (``{"data": [...], "next_cursor": ...}``) into ``Attempt`` rows.
    Repeated short strings (types, kinds, customer ids) come out shared: pydantic caches them while parsing."""
    fields = {"data": list[Attempt], "next_cursor": typing.NotRequired[str | None]}
    page = TypedDict("AttemptPage", fields)  # type: ignore[misc]  # built at run time
    return TypeAdapter(page)


def row_of(attempt: m.SyncAttempt | Attempt) -> Attempt:
    """One parsed attempt (a model: an entry of a page read leniently) as a row; a row stays itself."""
    if isinstance(attempt, Attempt):
        return attempt
    e = attempt.error
    error = (
        AttemptError(
            e.kind, e.http_status, e.content_type, e.body, e.qbo_entity, e.qbo_operation, e.intuit_tid, e.message
        )
        if e is not None
        else None
    )
    return Attempt(
        attempt.id,
        attempt.record_type,
        attempt.record_id,
        attempt.attempted_at,
        attempt.attempt,
        attempt.trigger,
        attempt.outcome,
        attempt.record_number,
        attempt.customer_id,
        attempt.qbo_id,
        attempt.qbo_request_id,
        error,
        getattr(attempt, "malformed", None),
    )
