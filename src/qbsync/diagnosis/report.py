"""The typed result of ``qbsync diagnose``: root causes, each confirmed by evidence, in plan order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass
class EvidenceItem:
    """One thing read from QuickBooks or Suprata that supports (or weakens) a root cause."""

    source: str  # quickbooks | suprata | qbsync
    summary: str
    supports: bool = True


@dataclass(slots=True)
class BlockedRecord:
    record_type: str
    record_id: str
    number: str | None
    customer: str | None
    txn_date: date | None
    amount: Decimal | None
    state: str  # failed | pending | waiting (not pushed: waits for what it depends on)
    first_failed_at: datetime | None
    last_failed_at: datetime | None
    attempts: int
    same_cause_retries: int
    error_code: str | None
    error: str | None  # one line, from QuickBooks' own message
    direct: bool  # failed itself (True) or blocked by a record it depends on (False)
    raw_error: str | None = None  # the body as QuickBooks sent it, redacted; only where support needs it
    intuit_tid: str | None = None  # Intuit's transaction id, for Intuit support
    # The record's own answer (diagnosis/blockers.py), the same one trace and retry give:
    pattern: str | None = None  # of the cause to fix first
    cause: str | None = None  # its kind (patterns.CAUSE_KINDS)
    first_step: str | None = None
    waits_on: str | None = None  # the customer, item or invoice it waits on, when the first cause is that one's
    also: list[str] = field(default_factory=list)  # the kinds of the other causes a retry would meet next


@dataclass
class RootCause:
    id: str  # stable, e.g. P1:customer:c-0014
    pattern: str
    pattern_name: str
    title: str
    subject_type: str
    subject: str
    confirmed: bool
    confidence: float
    reason: str
    evidence: list[EvidenceItem]
    steps: list[str]
    fix_by: str
    retry: str  # safe | unsafe | useless_until_fixed
    next_command: str | None
    warnings: list[str]
    blocks: dict[str, int]
    records: list[BlockedRecord]
    first_seen: datetime | None
    last_seen: datetime | None
    escalate: bool = False
    step: int = 0
    # Set when QuickBooks could not be read in this run: "not confirmed: QuickBooks unreachable (HTTP 503 ...)".
    unconfirmed: str | None = None
    kind: str | None = None  # the cause kind of the table (patterns.CAUSE_KINDS)


@dataclass
class ConnectionView:
    who: str  # suprata | qbsync
    status: str  # connected | expired | revoked | disconnected | not_configured | unknown
    realm_id: str | None = None
    company_name: str | None = None
    last_refresh_at: datetime | None = None
    refresh_token_expires_at: datetime | None = None
    days_left: int | None = None
    reconnect: str | None = None
    note: str | None = None


@dataclass
class EditedInQuickBooks:
    record_type: str
    number: str | None
    qbo_id: str
    change: str  # updated | deleted | voided
    changed_at: datetime | None
    suprata_synced_at: datetime | None


@dataclass
class Summary:
    failures: int
    root_causes: int
    blocked_records: int
    first_failure_at: datetime | None
    last_failure_at: datetime | None
    by_type: dict[str, int]
    by_pattern: dict[str, int]
    all_failing_since: datetime | None = None  # every push has failed since this moment
    needs_action: bool = False
    only_transient: bool = False


@dataclass
class DiagnosisReport:
    generated_at: datetime
    company: str | None
    realm_id: str | None
    filters: dict[str, str]
    summary: Summary
    connections: list[ConnectionView]
    root_causes: list[RootCause]
    edited_in_quickbooks: list[EditedInQuickBooks] = field(default_factory=list)
    books_closed_through: date | None = None
    qbo_requests: int | None = None
    notes: list[str] = field(default_factory=list)
    # QuickBooks down or throttling in this run: the reason every unconfirmed cause carries.
    quickbooks_unavailable: str | None = None
    timezone: str = "UTC"  # the company's IANA zone: times for people are shown in it (JSON stays UTC)
