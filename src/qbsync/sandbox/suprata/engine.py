"""Suprata's sync engine: pushes records to the emulated QuickBooks over its HTTP API.

Order, as Suprata does it: a customer is created in QBO the first time something of theirs syncs; items
before the invoices that use them; an invoice before the payments applied to it (a payment waits while its
invoice is still on its way). Every push is a ``SyncAttempt`` holding QBO's response verbatim.

Transient failures (429, 5xx, timeouts, unreachable) are retried automatically on later ticks with backoff.
Like many real integrations, a retry after a *timeout* sends a NEW requestid, so when QBO had committed the
first write the retry creates a duplicate; retries after 429/5xx reuse the requestid (QBO never processed
those). Manual and API retries are new operations with new requestids.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from qbsync.clients import suprata_models as m
from qbsync.clock import Clock
from qbsync.sandbox.suprata import payloads
from qbsync.sandbox.suprata.connection import SuprataConnection, TokenFailure
from qbsync.sandbox.suprata.own_words import own_words
from qbsync.sandbox.suprata.store import (
    CustomerRec,
    InvoiceRec,
    ItemRec,
    PaymentRec,
    Record,
    RetryState,
    SuprataStore,
)

BACKOFF_SECONDS = (120, 600, 1800, 7200, 21600)  # then Suprata gives up and shows the record red
THROTTLE_MIN_WAIT = 60  # Intuit: "wait 60 seconds before retrying"
MINOR_VERSION = "75"
TYPE_ORDER = {"customer": 0, "item": 1, "invoice": 2, "payment": 3}


@dataclass
class _Outcome:
    ok: bool
    entity: dict[str, Any] | None = None
    error: m.SyncError | None = None
    request_id: str | None = None

    @property
    def transient(self) -> bool:
        e = self.error
        if e is None:
            return False
        if e.kind in ("timeout", "connection"):
            return True
        return e.kind == "http" and e.http_status is not None and (e.http_status == 429 or e.http_status >= 500)


class SyncEngine:
    def __init__(
        self,
        store: SuprataStore,
        clock: Clock,
        http: httpx.Client,
        connection: SuprataConnection,
        qbo_base: str,
        realm_id: str,
        seed: int = 0,
        income_account_id: str | None = None,
        message_only: bool = False,
    ) -> None:
        self.store = store
        self.message_only = message_only  # log Suprata's own words instead of QuickBooks' body
        self.clock = clock
        self.http = http
        self.connection = connection
        self.qbo_base = qbo_base.rstrip("/")
        self.realm_id = realm_id
        self.income_account_id = income_account_id
        self._rng = random.Random(f"suprata-requestid-{seed}")
        self._tick_results: dict[tuple[str, str], _Outcome] = {}
        self._queue: dict[tuple[str, str], Record] = {}  # invoices and payments to push or retry
        self.requests_sent = 0
        # Off for a company before its first sync: records wait (not_synced) and nothing is pushed until a
        # person switches the sync on. A retry someone explicitly asks for still runs (run_retry).
        self.enabled = True

    def enqueue(self, record: Record) -> None:
        """A record created or edited in Suprata: push it on the next tick."""
        record.sync.needs_push = True
        self._queue[(record.record_type, record.id)] = record

    def forget(self, record: Record) -> None:
        """A record deleted in Suprata before it ever reached QuickBooks: nothing left to push."""
        record.sync.needs_push = False
        record.sync.next_retry_at = None
        self._queue.pop((record.record_type, record.id), None)

    # --- scheduling -----------------------------------------------------------------------------

    def tick(self) -> int:
        """One pass of Suprata's worker: queued API retries, due automatic retries, new and edited records."""
        if not self.enabled:
            return 0
        before = len(self.store.attempts)
        self._tick_results = {}
        for retry in [r for r in self.store.retries.values() if r.status == "queued"]:
            self.run_retry(retry, fresh_tick=False)
        now = self.clock.now()
        for record in self._work(now):
            s = record.sync
            if s.needs_push:
                trigger = "auto"
            elif s.next_retry_at is not None and s.next_retry_at <= now:
                trigger = "scheduled_retry"
            else:
                continue
            if (record.record_type, record.id) in self._tick_results:
                continue
            self.push(record, trigger)
        self._tick_results = {}
        return len(self.store.attempts) - before

    def next_due(self) -> datetime | None:
        """When the next automatic retry falls due (the scenario player advances the clock to it)."""
        due = [r.sync.next_retry_at for r in self._queue.values() if r.sync.next_retry_at and not r.sync.needs_push]
        return min(due) if due else None

    def _work(self, now: datetime) -> Iterator[Record]:
        """Queued records in dependency order (invoices before payments), then creation order."""
        ready = [
            r
            for r in self._queue.values()
            if r.sync.needs_push or (r.sync.next_retry_at is not None and r.sync.next_retry_at <= now)
        ]
        ready.sort(key=lambda r: TYPE_ORDER[r.record_type])
        yield from ready

    def _settle(self, record: Record) -> None:
        s = record.sync
        key = (record.record_type, record.id)
        if s.needs_push or (record.record_type in ("invoice", "payment") and s.next_retry_at is not None):
            self._queue[key] = record
        else:
            self._queue.pop(key, None)

    def run_retry(self, retry: RetryState, fresh_tick: bool = True) -> None:
        if retry.status != "queued":
            return
        if fresh_tick:
            self._tick_results = {}
        retry.status = "running"
        record = self.store.get(retry.record_type, retry.record_id)
        attempt = self.push(record, "api_retry") if record is not None else None
        retry.attempt = attempt
        retry.status = "succeeded" if attempt is not None and attempt.outcome == "succeeded" else "failed"
        retry.finished_at = self.clock.now()
        if fresh_tick:
            self._tick_results = {}

    # --- pushing one record ---------------------------------------------------------------------

    def push(self, record: Record, trigger: str) -> m.SyncAttempt | None:
        """Push one record (and what it depends on). None when a payment must wait for its invoice."""
        key = (record.record_type, record.id)
        outcome: _Outcome | None
        if isinstance(record, CustomerRec):
            outcome = self._push_customer(record, trigger)
        elif isinstance(record, ItemRec):
            if record.sync.qbo_id:  # an edit made in Suprata
                outcome = self._call(
                    "Item", "update", payloads.item_update_body(record), self._request_id(record, trigger)
                )
            else:
                outcome = self._create(record, "Item", payloads.item_body(record, self.income_account_id), trigger)
        elif isinstance(record, InvoiceRec):
            outcome = self._push_invoice(record, trigger)
        else:
            outcome = self._push_payment(record, trigger)
        if outcome is None:
            return None
        self._tick_results[key] = outcome
        return self._record(record, trigger, outcome)

    def _create(self, record: CustomerRec | ItemRec, entity: str, body: dict[str, Any], trigger: str) -> _Outcome:
        return self._call(entity, "create", body, self._request_id(record, trigger))

    def _push_customer(self, c: CustomerRec, trigger: str) -> _Outcome:
        if c.sync.qbo_id:  # an edit made in Suprata
            return self._call("Customer", "update", payloads.customer_update_body(c), self._request_id(c, trigger))
        parent_qbo_id = None
        if c.parent_id:  # a job: its parent customer goes first
            parent = self.store.customers[c.parent_id]
            dep = self._dependency(parent, trigger)
            if not dep.ok:
                return dep
            parent_qbo_id = parent.sync.qbo_id
        return self._create(c, "Customer", payloads.customer_body(c, parent_qbo_id), trigger)

    def _dependency(self, record: Record, trigger: str) -> _Outcome:
        """A customer or item (or, for a manual retry, an invoice) pushed first; once per tick."""
        if record.sync.qbo_id:
            return _Outcome(ok=True)
        key = (record.record_type, record.id)
        if key in self._tick_results:
            return self._tick_results[key]
        self.push(record, trigger)
        return self._tick_results[key]

    def _push_invoice(self, inv: InvoiceRec, trigger: str) -> _Outcome:
        customer = self.store.customers[inv.customer_id]
        dep = self._dependency(customer, trigger)
        if not dep.ok:
            return dep
        item_ids: dict[str, str] = {}
        for line in inv.lines:
            item = self.store.items[line.item_id]
            dep = self._dependency(item, trigger)
            if not dep.ok:
                return dep
            item_ids[item.id] = item.sync.qbo_id or ""
        tax = self.store.tax_categories.get(inv.tax_category_id or "")
        request_id = self._request_id(inv, trigger)
        if inv.sync.qbo_id:
            body = payloads.invoice_update_body(inv, item_ids, tax)
            return self._call("Invoice", "update", body, request_id)
        emailed = self.store.account.email_invoices
        body = payloads.invoice_body(inv, customer.sync.qbo_id or "", item_ids, tax, customer.email, emailed)
        return self._call("Invoice", "create", body, request_id)

    def _push_payment(self, p: PaymentRec, trigger: str) -> _Outcome | None:
        customer = self.store.customers[p.customer_id]
        dep = self._dependency(customer, trigger)
        if not dep.ok:
            return dep
        invoice_ids: dict[str, str] = {}
        for inv_id, _ in p.applied:
            inv = self.store.invoices[inv_id]
            if not inv.sync.qbo_id:
                if trigger in ("auto", "scheduled_retry"):
                    p.sync.state = "pending"  # queued behind its invoice; pushed on a later tick
                    return None
                dep = self._dependency(inv, trigger)
                if not dep.ok:
                    return dep
            invoice_ids[inv_id] = inv.sync.qbo_id or ""
        request_id = self._request_id(p, trigger)
        if p.deleted:
            return self._call("Payment", "delete", payloads.payment_delete_body(p), request_id)
        if p.sync.qbo_id:
            body = payloads.payment_update_body(p, customer.sync.qbo_id or "", invoice_ids)
            return self._call("Payment", "update", body, request_id)
        body = payloads.payment_body(p, customer.sync.qbo_id or "", invoice_ids)
        return self._call("Payment", "create", body, request_id)

    # --- bookkeeping ----------------------------------------------------------------------------

    def _request_id(self, record: Record, trigger: str) -> str:
        s = record.sync
        if trigger == "scheduled_retry" and s.request_id and s.last_error_kind != "timeout":
            return s.request_id
        s.request_id = f"{self._rng.getrandbits(128):032x}"
        return s.request_id

    def _record(self, record: Record, trigger: str, outcome: _Outcome) -> m.SyncAttempt:
        now = self.clock.now()
        s = record.sync
        s.attempts += 1
        if outcome.ok and outcome.entity is not None:
            s.qbo_id = str(outcome.entity.get("Id"))
            s.qbo_sync_token = str(outcome.entity.get("SyncToken", "0"))
        attempt = m.SyncAttempt(
            id=f"att_{len(self.store.attempts) + 1:07d}",
            record_type=record.record_type,
            record_id=record.id,
            record_number=record.number,
            customer_id=getattr(record, "customer_id", None),
            attempted_at=now,
            attempt=s.attempts,
            trigger=trigger,
            outcome="succeeded" if outcome.ok else "failed",
            qbo_id=s.qbo_id,
            qbo_request_id=outcome.request_id,
            error=outcome.error,
        )
        self.store.attempts.append(attempt)
        s.last_attempt_at, s.last_attempt_id = now, attempt.id
        s.needs_push = False
        s.last_error_kind = outcome.error.kind if outcome.error else None
        if outcome.ok:
            s.state, s.synced_at, s.next_retry_at, s.transient_failures = "synced", now, None, 0
        elif outcome.transient and s.transient_failures < len(BACKOFF_SECONDS):
            delay = BACKOFF_SECONDS[s.transient_failures]
            if outcome.error and outcome.error.http_status == 429:
                delay = max(delay, THROTTLE_MIN_WAIT)
            s.transient_failures += 1
            s.state = "pending"
            # customers and items are retried through the record that needs them
            s.next_retry_at = now + timedelta(seconds=delay) if record.record_type in ("invoice", "payment") else None
        else:
            s.state, s.next_retry_at, s.transient_failures = "failed", None, 0
        self._settle(record)
        return attempt

    # --- HTTP -----------------------------------------------------------------------------------

    def _call(self, entity: str, operation: str, body: dict[str, Any], request_id: str) -> _Outcome:
        token = self.connection.bearer()
        if isinstance(token, TokenFailure):
            return self._token_failure(token, entity, operation, request_id)
        resp = self._post(entity, operation, body, request_id, token)
        if isinstance(resp, httpx.Response) and resp.status_code == 401:
            token = self.connection.bearer(force_refresh=True)
            if isinstance(token, TokenFailure):
                return self._token_failure(token, entity, operation, request_id)
            resp = self._post(entity, operation, body, request_id, token)
        if isinstance(resp, _Outcome):
            return resp
        if resp.status_code == 200:
            payload = _json(resp)
            if isinstance(payload, dict) and entity in payload:
                return _Outcome(ok=True, entity=payload[entity], request_id=request_id)
        error = m.SyncError(
            kind="http",
            http_status=resp.status_code,
            content_type=resp.headers.get("content-type"),
            body=resp.text,
            qbo_entity=entity,
            qbo_operation=operation,
            intuit_tid=resp.headers.get("intuit_tid"),
        )
        return _Outcome(ok=False, error=self._as_logged(error), request_id=request_id)

    def _as_logged(self, error: m.SyncError) -> m.SyncError:
        """A message-only log keeps Suprata's words, the status and the entity, and drops QuickBooks' body."""
        if not self.message_only or error.body is None:
            return error
        words = own_words(error.http_status, error.body)
        return error.model_copy(update={"body": None, "content_type": None, "message": words})

    def _post(
        self, entity: str, operation: str, body: dict[str, Any], request_id: str, token: str
    ) -> httpx.Response | _Outcome:
        params = {"requestid": request_id, "minorversion": MINOR_VERSION}
        if operation != "create":
            params["operation"] = operation
        url = f"{self.qbo_base}/v3/company/{self.realm_id}/{entity.lower()}"
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.requests_sent += 1
        try:
            return self.http.post(url, params=params, json=body, headers=headers)
        except httpx.TimeoutException:
            kind = "timeout"
        except httpx.TransportError:
            kind = "connection"
        error = m.SyncError(kind=kind, qbo_entity=entity, qbo_operation=operation)
        return _Outcome(ok=False, error=error, request_id=request_id)

    def _token_failure(self, token: TokenFailure, entity: str, operation: str, request_id: str) -> _Outcome:
        error = m.SyncError(
            kind=token.kind,
            http_status=token.http_status,
            content_type=token.content_type,
            body=token.body,
            qbo_entity=entity,
            qbo_operation="refresh",
            intuit_tid=token.intuit_tid,
        )
        return _Outcome(ok=False, error=self._as_logged(error), request_id=None)


def _json(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None
