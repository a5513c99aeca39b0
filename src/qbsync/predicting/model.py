"""The typed result of ``qbsync preflight``: what each record not in QuickBooks yet will meet when Suprata
pushes it, grouped into causes in the order to fix them, as ``diagnose`` groups failures that happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from qbsync.diagnosis.report import ConnectionView, EvidenceItem


@dataclass
class PredictedRecord:
    """One record of the batch and what its push will do."""

    record_type: str  # invoice | payment
    record_id: str
    number: str
    customer: str | None
    txn_date: date | None
    amount: Decimal | None
    state: str  # Suprata's sync state now: not_synced | pending | failed | synced
    outcome: str  # will_sync | will_fail | in_quickbooks (already there: nothing to push)
    # The record's own answer (diagnosis/blockers.py), the one diagnose would give once the push fails:
    pattern: str | None = None  # of the cause to fix first
    cause: str | None = None  # its kind (patterns.CAUSE_KINDS)
    cause_id: str | None = None  # the plan entry it belongs to (PredictedCause.id)
    says: str | None = None  # what is wrong, of this one record
    first_step: str | None = None
    waits_on: str | None = None  # the customer, item or invoice it fails through, when the cause is that one's
    also: list[str] = field(default_factory=list)  # the kinds of the other causes it would meet next
    step: int | None = None  # the plan step that fixes its first cause


@dataclass
class PredictedCause:
    """One root cause ahead: the records it will stop, what was read that says so, and the fix."""

    id: str  # P3:books:2026-11-30, the same id diagnose gives the root cause once the records fail
    step: int
    pattern: str
    pattern_name: str
    kind: str
    title: str  # "8 invoices in the closed period (on or before 2026-11-30)"
    subject_type: str
    subject: str
    name: str  # what it is about, in a word: the customer, the item, the state, the close date, the connection
    evidence: list[EvidenceItem]
    steps: list[str]
    fix_by: str
    next_command: str | None
    blocks: dict[str, int]
    records: list[str]  # numbers, in Suprata's push order (customers, invoices, payments; then by number)


@dataclass
class PreflightSummary:
    records: int  # in the batch, not yet in QuickBooks
    by_type: dict[str, int]
    will_sync: int
    will_fail: int
    in_quickbooks: int  # asked for by number but already in QuickBooks
    causes: int
    headline: str  # "Of 52 invoices, 30 will sync; 8 invoices in the closed period (...); ..."


@dataclass
class PreflightReport:
    generated_at: datetime
    company: str | None
    realm_id: str | None
    selection: dict[str, str]  # the filters as given (since, until, records, unsynced, customer)
    summary: PreflightSummary
    connections: list[ConnectionView]
    causes: list[PredictedCause]  # in fix order
    records: list[PredictedRecord]  # every record of the batch, in Suprata's push order
    books_closed_through: date | None = None
    qbo_requests: int | None = None
    notes: list[str] = field(default_factory=list)
    timezone: str = "UTC"
    exit_code: int = 0
