"""The typed result of ``qbsync retry``: one row per record with its pre-flight decision, what was sent and
what became of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

TYPE_ORDER = {"customer": 0, "item": 1, "invoice": 2, "payment": 3}

# decision: retry | refuse | skip
# code (why): transient | reconnected | cause_fixed | needed_first | forced                       (retry)
#             cause_present | waits_for | already_in_quickbooks | linked_missing | already_retried |
#             unsafe | unknown_cause | connection_down                                           (refuse)
#             synced | in_progress | not_failing                                                  (skip)


@dataclass
class SentRequest:
    idempotency_key: str
    sent_at: datetime
    retry_id: str | None = None
    reused_key: bool = False  # a key from an earlier send whose result was never confirmed


@dataclass
class RecordOutcome:
    status: str  # succeeded | failed | uncertain | pending | queued | not_sent
    message: str
    qbo_id: str | None = None
    error_code: str | None = None
    new_pattern: str | None = None
    same_cause: bool | None = None  # failed again with the error it was retried for
    in_quickbooks: bool | None = None  # after an uncertain answer: what the QuickBooks lookup found
    next_step: str | None = None


@dataclass
class PlanRecord:
    record_type: str
    record_id: str
    number: str | None
    customer: str | None
    txn_date: date | None
    amount: Decimal | None
    state: str  # Suprata's sync state: synced | failed | pending | not_synced
    role: str  # requested | dependency
    needed_by: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)  # numbers of plan records that must succeed first
    pattern: str | None = None  # the failure's pattern, classified again with fresh evidence
    cause: str | None = None  # the root cause, as diagnose words it
    error_code: str | None = None
    decision: str = "retry"
    code: str = "transient"
    reason: str = ""
    fix_first: str | None = None
    next_command: str | None = None
    qbsync_retries: int = 0  # retries qbsync already sent for this same cause
    suprata_retries: int = 0  # same-cause retries in Suprata's own log (any trigger)
    sent: SentRequest | None = None
    outcome: RecordOutcome | None = None
    cause_signature: Any = None  # the failure the retry is for: (kind, HTTP status, QuickBooks code, entity)

    @property
    def key(self) -> tuple[str, str]:
        return (self.record_type, self.record_id)

    @property
    def label(self) -> str:
        return self.number or self.record_id


@dataclass
class StoppedEarly:
    error: str  # the repeated new error, in words
    error_code: str | None
    records: list[str]  # the records that met it
    not_sent: int
    reason: str = "same_new_error"  # same_new_error | suprata_unreachable


@dataclass
class RetrySummary:
    records: int = 0
    to_send: int = 0
    refused: int = 0
    skipped: int = 0
    sent: int = 0
    succeeded: int = 0
    failed: int = 0
    uncertain: int = 0
    pending: int = 0
    queued: int = 0
    not_sent: int = 0


@dataclass
class RetryReport:
    generated_at: datetime
    selection: dict[str, Any]
    mode: str  # plan | dry_run | needs_confirmation | declined | sent | nothing_to_do
    records: list[PlanRecord]
    summary: RetrySummary = field(default_factory=RetrySummary)
    stopped_early: StoppedEarly | None = None
    waited_seconds: float | None = None
    suprata_connection: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_send(self) -> list[PlanRecord]:
        return [r for r in self.records if r.decision == "retry"]

    def recount(self) -> None:
        s = RetrySummary(records=len(self.records))
        for r in self.records:
            if r.decision == "retry":
                s.to_send += 1
            elif r.decision == "refuse":
                s.refused += 1
            else:
                s.skipped += 1
            if r.sent is not None:
                s.sent += 1
            if r.outcome is not None:
                setattr(s, r.outcome.status, getattr(s, r.outcome.status) + 1)
        self.summary = s
