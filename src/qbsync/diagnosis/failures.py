"""The current failures, read from Suprata: every record whose latest push failed, with its failing streak.

Suprata requests here are paged and bulk (ids, 500 a request), independent ones side by side (at most 4 on the
wire); none of them counts against QuickBooks' limits. Only what the current failures need is read: their latest
attempts, the failed history of just the records retried before, the account's timed-out pushes (the duplicate
risk), and the records. Attempts are kept as compact slotted rows, not pydantic models: at 50,000 failures the
working set is what sets the process's memory.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from qbsync.clients import suprata_models as m
from qbsync.clients.attempt_rows import Attempt
from qbsync.clients.compact import Compactor
from qbsync.clients.faults import logged_fault_code
from qbsync.diagnosis.classifier import FailureSignal, signal_from_attempt


@dataclass(slots=True)
class Failure:
    record_type: str
    record_id: str
    number: str | None
    customer_id: str | None
    latest: Attempt
    streak: list[Attempt]  # consecutive failed attempts ending with ``latest``, oldest first
    record: Any = None  # the Suprata record (Customer, Item, Invoice, Payment) when it still exists
    signal: FailureSignal = field(init=False)
    key: tuple[str, str] = field(init=False, repr=False, compare=False)  # (record_type, record_id), made once
    _retries: int | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.key = (self.record_type, self.record_id)
        self.signal = signal_from_attempt(self.latest)  # type: ignore[arg-type]  # same field names as SyncAttempt

    @property
    def first_failed_at(self) -> datetime:
        return self.streak[0].attempted_at

    @property
    def last_failed_at(self) -> datetime:
        return self.latest.attempted_at

    @property
    def same_cause_retries(self) -> int:
        """Retries (of any trigger) that met the same error as the latest one: the classic retry loop."""
        if self._retries is None:
            self._retries = self._count_same_cause_retries()
        return self._retries

    def _count_same_cause_retries(self) -> int:
        if len(self.streak) < 2:
            return 0  # the latest alone: no retry met anything yet
        mark = error_signature(self.latest)
        return max(0, sum(1 for a in self.streak if error_signature(a) == mark) - 1)


def error_signature(attempt: Attempt | m.SyncAttempt) -> tuple[Any, ...]:
    """What makes two failures 'the same cause' for the retry guard."""
    e = attempt.error
    if e is None:
        return ("none",)
    # Bodies differ only by their timestamp: without it, thousands of failures share a handful of parses.
    code = logged_fault_code(e.http_status, e.body, e.content_type) if e.body else None
    if code is None and not e.body and e.message:
        code = e.message  # a message-only log: its words are the signature
    return (e.kind, e.http_status, code, e.qbo_entity)


@dataclass
class FailureSet:
    failures: list[Failure]
    customers: dict[str, m.Customer]
    items: dict[str, m.Item]
    invoices: dict[str, m.Invoice]
    payments: dict[str, m.Payment]
    waiting_payments: list[m.Payment]  # not pushed yet: their invoice is not in QuickBooks
    timeout_records: set[tuple[str, str]]  # records with a timed-out push in their history (duplicate risk)
    failed_attempts_seen: int = 0

    def table(self, record_type: str) -> dict[str, Any]:
        """The records of one type, by id (empty for a type the set does not hold)."""
        return self._tables.get(record_type, {})

    @cached_property
    def _tables(self) -> dict[str, dict[str, Any]]:
        return {"customer": self.customers, "item": self.items, "invoice": self.invoices, "payment": self.payments}

    @cached_property
    def waiting_payments_by_id(self) -> dict[str, m.Payment]:
        """The waiting payments by id. Narrowing the list later (a diagnose of some records) only drops
        payments, so this still answers for every payment the list holds."""
        return {p.id: p for p in self.waiting_payments}

    @cached_property
    def unsynced_invoices_by_customer(self) -> dict[str, set[str]]:
        """Customer id -> its invoices that never reached QuickBooks (their payments wait on them)."""
        out: dict[str, set[str]] = defaultdict(set)
        for invoice in self.invoices.values():
            if not invoice.qbo.qbo_id:
                out[invoice.customer_id].add(invoice.id)
        return out


def load_failures(suprata: Any, *, since: datetime | None = None) -> FailureSet:
    from qbsync.clients.suprata import run_side_by_side

    latest_failed, timeout_records, not_synced, pending = run_side_by_side(
        [
            lambda: suprata.latest_attempts_by_type(outcome="failed"),
            lambda: {
                (a.record_type, a.record_id) for a in suprata.iter_attempts(outcome="failed", error_kind="timeout")
            },
            lambda: suprata.payments(sync_state="not_synced"),
            lambda: suprata.payments(sync_state="pending"),
        ]
    )
    if since is not None:
        latest_failed = [a for a in latest_failed if a.attempted_at >= since]
    for a in latest_failed:  # a timed-out latest push is in the set whatever the server's filter said
        if a.error is not None and a.error.kind == "timeout":
            timeout_records.add((a.record_type, a.record_id))

    ids: dict[str, set[str]] = defaultdict(set)
    retried: dict[str, list[str]] = defaultdict(list)  # only these records have earlier attempts to read
    for a in latest_failed:
        ids[a.record_type].add(a.record_id)
        if a.customer_id:
            ids["customer"].add(a.customer_id)
        if a.attempt > 1:
            retried[a.record_type].append(a.record_id)
    waiting = [p for p in (*not_synced, *pending) if not p.qbo.attempts]
    for payment in waiting:
        ids["customer"].add(payment.customer_id)
        ids["invoice"].update(a.invoice_id for a in payment.applied)

    keep = Compactor()  # the working set as compact slotted copies, not pydantic models, page by page
    history_calls = [
        lambda rtype=rtype, rids=rids: suprata.attempts_of(rtype, rids, outcome="failed")
        for rtype, rids in retried.items()
    ]
    invoice_ids, payment_ids = sorted(ids["invoice"]), sorted(ids["payment"])
    invoice_rows, payment_rows, *histories = run_side_by_side(
        [
            lambda: suprata.invoices(ids=invoice_ids, convert=keep) if invoice_ids else [],
            lambda: suprata.payments(ids=payment_ids, convert=keep) if payment_ids else [],
            *history_calls,
        ]
    )
    by_record: dict[tuple[str, str], list[Attempt]] = defaultdict(list)
    for rows in histories:
        for attempt in rows:
            by_record[(attempt.record_type, attempt.record_id)].append(attempt)

    invoices = {i.id: i for i in invoice_rows}
    payments = {p.id: p for p in payment_rows}
    for payment in payments.values():
        ids["invoice"].update(a.invoice_id for a in payment.applied)
    missing_invoices = ids["invoice"] - set(invoices)
    if missing_invoices:
        invoices.update({i.id: i for i in suprata.invoices(ids=sorted(missing_invoices), convert=keep)})
    for invoice in invoices.values():
        ids["customer"].add(invoice.customer_id)
        ids["item"].update(line.item_id for line in invoice.lines)
    customer_ids, item_ids = sorted(ids["customer"]), sorted(ids["item"])
    customer_rows, item_rows = run_side_by_side(
        [
            lambda: suprata.customers(ids=customer_ids, convert=keep) if customer_ids else [],
            lambda: suprata.items(ids=item_ids, convert=keep) if item_ids else [],
        ]
    )
    customers = {c.id: c for c in customer_rows}
    items = {i.id: i for i in item_rows}
    del invoice_rows, payment_rows, customer_rows, item_rows

    tables = {"customer": customers, "item": items, "invoice": invoices, "payment": payments}
    failures: list[Failure] = []
    for latest in latest_failed:
        history = by_record.get((latest.record_type, latest.record_id))
        failure = Failure(
            latest.record_type,
            latest.record_id,
            latest.record_number,
            latest.customer_id,
            latest,
            _streak(history, latest) if history else [latest],  # most records: pushed once, no history read
        )
        failure.record = tables.get(latest.record_type, {}).get(latest.record_id)
        failures.append(failure)
    seen = len(latest_failed) + sum(len(rows) for rows in histories)
    return FailureSet(failures, customers, items, invoices, payments, waiting, timeout_records, seen)


def _streak(history: list[Attempt], latest: Attempt) -> list[Attempt]:
    """Failed attempts after the record's last success; history holds failed attempts only, so a gap in
    attempt numbers marks a success in between."""
    ordered = sorted(history, key=lambda a: a.attempt)
    streak: list[Attempt] = []
    for attempt in reversed(ordered):
        if attempt.attempt > latest.attempt:
            continue
        if streak and attempt.attempt != streak[-1].attempt - 1:
            break
        streak.append(latest if attempt.id == latest.id else attempt)  # one row for the latest, not two
    return list(reversed(streak)) or [latest]
