"""The current failures, read from Suprata: every record whose latest push failed, with its failing streak.

Suprata requests here are paged and bulk (ids, 500 a request); none of them counts against QuickBooks' limits.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any

from qbsync.clients import suprata_models as m
from qbsync.clients.faults import parse_fault
from qbsync.diagnosis.classifier import FailureSignal, signal_from_attempt


@dataclass
class Failure:
    record_type: str
    record_id: str
    number: str | None
    customer_id: str | None
    latest: m.SyncAttempt
    streak: list[m.SyncAttempt]  # consecutive failed attempts ending with ``latest``, oldest first
    record: Any = None  # the Suprata record (Customer, Item, Invoice, Payment) when it still exists
    signal: FailureSignal = field(init=False)

    def __post_init__(self) -> None:
        self.signal = signal_from_attempt(self.latest)

    @property
    def key(self) -> tuple[str, str]:
        return (self.record_type, self.record_id)

    @property
    def first_failed_at(self) -> datetime:
        return self.streak[0].attempted_at

    @property
    def last_failed_at(self) -> datetime:
        return self.latest.attempted_at

    @cached_property
    def same_cause_retries(self) -> int:
        """Retries (of any trigger) that met the same error as the latest one: the classic retry loop."""
        mark = error_signature(self.latest)
        return max(0, sum(1 for a in self.streak if error_signature(a) == mark) - 1)


_TIME_STAMP = re.compile(r'"time"\s*:\s*"[^"]*"|\btime="[^"]*"|"time"\s*:\s*\d+')


def error_signature(attempt: m.SyncAttempt) -> tuple[Any, ...]:
    """What makes two failures 'the same cause' for the retry guard."""
    e = attempt.error
    if e is None:
        return ("none",)
    code = _fault_code(e.http_status, _TIME_STAMP.sub("", e.body), e.content_type) if e.body else None
    if code is None and not e.body and e.message:
        code = e.message  # a message-only log: its words are the signature
    return (e.kind, e.http_status, code, e.qbo_entity)


@lru_cache(maxsize=2048)
def _fault_code(status: int | None, body: str, content_type: str | None) -> str | None:
    # Bodies differ only by their timestamp: without it, thousands of failures share a handful of parses.
    fault = parse_fault(status, body, content_type)
    return fault.code if fault else None


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

    @cached_property
    def unsynced_invoices_by_customer(self) -> dict[str, set[str]]:
        """Customer id -> its invoices that never reached QuickBooks (their payments wait on them)."""
        out: dict[str, set[str]] = defaultdict(set)
        for invoice in self.invoices.values():
            if not invoice.qbo.qbo_id:
                out[invoice.customer_id].add(invoice.id)
        return out


def load_failures(suprata: Any, *, since: datetime | None = None) -> FailureSet:
    latest_failed = suprata.attempts(latest=True, outcome="failed")
    failed_history = suprata.attempts(outcome="failed")
    by_record: dict[tuple[str, str], list[m.SyncAttempt]] = defaultdict(list)
    for attempt in failed_history:
        by_record[(attempt.record_type, attempt.record_id)].append(attempt)
    timeout_records = {
        (a.record_type, a.record_id) for a in failed_history if a.error is not None and a.error.kind == "timeout"
    }

    failures: list[Failure] = []
    for latest in latest_failed:
        if since is not None and latest.attempted_at < since:
            continue
        history = by_record.get((latest.record_type, latest.record_id), [latest])
        failures.append(
            Failure(
                latest.record_type,
                latest.record_id,
                latest.record_number,
                latest.customer_id,
                latest,
                _streak(history, latest),
            )
        )

    ids: dict[str, set[str]] = defaultdict(set)
    for f in failures:
        ids[f.record_type].add(f.record_id)
        if f.customer_id:
            ids["customer"].add(f.customer_id)
    waiting = [p for p in suprata.payments(sync_state="not_synced") if not p.qbo.attempts]
    waiting += [p for p in suprata.payments(sync_state="pending") if not p.qbo.attempts]
    for payment in waiting:
        ids["customer"].add(payment.customer_id)
        ids["invoice"].update(a.invoice_id for a in payment.applied)

    invoices = {i.id: i for i in suprata.invoices(ids=sorted(ids["invoice"]))} if ids["invoice"] else {}
    for invoice in invoices.values():
        ids["customer"].add(invoice.customer_id)
        ids["item"].update(line.item_id for line in invoice.lines)
    payments = {p.id: p for p in suprata.payments(ids=sorted(ids["payment"]))} if ids["payment"] else {}
    for payment in payments.values():
        ids["invoice"].update(a.invoice_id for a in payment.applied)
    missing_invoices = ids["invoice"] - set(invoices)
    if missing_invoices:
        invoices.update({i.id: i for i in suprata.invoices(ids=sorted(missing_invoices))})
    customers = {c.id: c for c in suprata.customers(ids=sorted(ids["customer"]))} if ids["customer"] else {}
    items = {i.id: i for i in suprata.items(ids=sorted(ids["item"]))} if ids["item"] else {}

    tables = {"customer": customers, "item": items, "invoice": invoices, "payment": payments}
    for f in failures:
        f.record = tables.get(f.record_type, {}).get(f.record_id)
    return FailureSet(failures, customers, items, invoices, payments, waiting, timeout_records, len(failed_history))


def _streak(history: list[m.SyncAttempt], latest: m.SyncAttempt) -> list[m.SyncAttempt]:
    """Failed attempts after the record's last success; history holds failed attempts only, so a gap in
    attempt numbers marks a success in between."""
    ordered = sorted(history, key=lambda a: a.attempt)
    streak: list[m.SyncAttempt] = []
    for attempt in reversed(ordered):
        if attempt.attempt > latest.attempt:
            continue
        if streak and attempt.attempt != streak[-1].attempt - 1:
            break
        streak.append(attempt)
    return list(reversed(streak)) or [latest]
