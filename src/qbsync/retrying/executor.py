"""Send the retries of a plan and wait for what becomes of them.

- Order: customers, items, invoices, payments; a record goes only once everything it depends on in this
  plan has succeeded (with ``--no-wait``, only when its dependencies were already in QuickBooks).
- Pace: at most ``RETRIES_PER_MINUTE`` requests, a few in flight at a time, so Suprata's pushes stay well
  inside QuickBooks' per-company limits; Suprata's own 429s are waited out by the HTTP layer.
- One idempotency key per logical retry, written to the history before the request leaves and reused on
  every HTTP retry (and on the next run, when this run could not tell whether Suprata got it).
- Waiting is bounded and goes through the injected clock (a VirtualClock in the demo and tests).
- Uncertain outcomes (a timeout or 5xx from QuickBooks after it may have saved the record): the next step
  is always a lookup in QuickBooks, never a resend.
- Stop early when the same new error meets ``STOP_AFTER`` records: that is a configuration problem.
- Stop early when Suprata stops answering: every further request would only wait out its own retries.
- Just before each record is sent it is read again from Suprata and from the local history: a record that
  synced, got a QuickBooks link or a retry of its own since the plan was made is not sent (the plan may be
  minutes old; the company's retry lock keeps other qbsync runs out, not Suprata's own worker or a person).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qbsync.clients import suprata_models as m
from qbsync.clients.errors import ApiError, SupraApiError, TemporarilyUnavailable, Unreachable
from qbsync.clients.http import new_idempotency_key
from qbsync.diagnosis.classifier import classify, signal_from_attempt
from qbsync.diagnosis.failures import error_signature
from qbsync.retrying.history import UNKNOWN_SEND, RetryHistory
from qbsync.retrying.models import TYPE_ORDER, PlanRecord, RecordOutcome, RetryReport, SentRequest, StoppedEarly

if TYPE_CHECKING:
    from qbsync.services import Services

RETRIES_PER_MINUTE = 60
WINDOW = 3  # retries in flight at once (no more than STOP_AFTER: a repeated new error stops the run in time)
STOP_AFTER = 3  # the same new error on this many records stops the run
DEFAULT_WAIT_SECONDS = 120.0
POLL_FIRST, POLL_MAX = 1.0, 10.0

Progress = Callable[[str, PlanRecord | None], None]


@dataclass
class _Pacer:
    clock: Any
    interval: float
    last: float | None = None

    def wait_turn(self) -> None:
        now = self.clock.monotonic()
        if self.last is not None and now - self.last < self.interval:
            self.clock.sleep(self.interval - (now - self.last))
        self.last = self.clock.monotonic()


def execute(
    services: Services,
    report: RetryReport,
    *,
    wait: bool = True,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
    progress: Progress | None = None,
) -> None:
    """Send every record the plan decided to retry; fills ``sent`` and ``outcome`` on each row."""
    clock = services.clock
    history = RetryHistory(services.data_dir, services.profile)
    notify = progress or (lambda event, row: None)
    pacer = _Pacer(clock, 60.0 / RETRIES_PER_MINUTE)
    started = clock.monotonic()
    deadline = started + max(0.0, wait_seconds)
    by_label = {r.label: r for r in report.records}
    new_errors: Counter[tuple[Any, ...]] = Counter()
    new_error_records: dict[tuple[Any, ...], list[str]] = {}
    todo = sorted(report.to_send(), key=lambda r: TYPE_ORDER.get(r.record_type, 9))
    report.mode = "sent"

    i = 0
    while i < len(todo):
        batch: list[PlanRecord] = []
        while i < len(todo) and len(batch) < WINDOW:
            row = todo[i]
            if batch and (row.record_type != batch[0].record_type or set(row.depends_on) & {b.label for b in batch}):
                break  # customers, then items, invoices, payments: each type settles before the next goes
            i += 1
            blocked = _blocked_by(row, by_label, wait)
            if blocked is not None:
                row.outcome = RecordOutcome("not_sent", blocked, next_step=f"qbsync retry {row.label}")
                notify("skipped", row)
                continue
            if report.stopped_early is not None:
                break
            try:
                changed = _changed_since_plan(services, history, row)
            except (Unreachable, TemporarilyUnavailable) as exc:
                _stop_suprata_down(report, row, exc, todo)
                break
            if changed is not None:
                row.outcome = RecordOutcome("not_sent", changed, next_step=f"qbsync retry {row.label} --dry-run")
                notify("skipped", row)
                continue
            pacer.wait_turn()
            _send(services, history, row)
            notify("sent", row)
            if row.sent is not None and row.sent.retry_id:
                batch.append(row)
            elif row.outcome is not None and row.outcome.status == "uncertain":
                _stop_suprata_down(report, row, None, todo)
                break
        if wait and batch:
            down = _await(services, history, batch, deadline, notify)
            if down is not None and report.stopped_early is None:
                _stop_suprata_down(report, batch[0], down, todo)
            for row in batch:
                sig = _new_error(row)
                if sig is None:
                    continue
                new_errors[sig] += 1
                new_error_records.setdefault(sig, []).append(row.label)
                if new_errors[sig] >= STOP_AFTER and report.stopped_early is None:
                    rest = [r for r in todo[i:] if r.outcome is None]
                    report.stopped_early = StoppedEarly(
                        error=row.outcome.message if row.outcome else "the same new error",
                        error_code=row.outcome.error_code if row.outcome else None,
                        records=new_error_records[sig],
                        not_sent=len(rest),
                    )
        elif not wait:
            for row in (r for r in batch if r.outcome is None):
                row.outcome = RecordOutcome(
                    "queued",
                    "Suprata accepted the retry; its outcome was not awaited (--no-wait)",
                    next_step=f"qbsync retry {row.label} --dry-run   (shows what became of it)",
                )
        if report.stopped_early is not None:
            for row in todo:
                if row.outcome is None and row.sent is None:
                    row.outcome = _not_sent_after_stop(report.stopped_early, row)
            break
    report.waited_seconds = round(clock.monotonic() - started, 1)
    report.recount()


def _not_sent_after_stop(stop: StoppedEarly, row: PlanRecord) -> RecordOutcome:
    if stop.reason == "suprata_unreachable":
        return RecordOutcome(
            "not_sent",
            f"not sent: the run stopped early because Suprata stopped answering ({stop.error})",
            next_step=f"qbsync retry {row.label}   (once Suprata answers again)",
        )
    return RecordOutcome(
        "not_sent",
        f"not sent: the run stopped early because {len(stop.records)} records failed "
        f"with the same new error ({stop.error_code or 'see above'}); that points "
        "to a setting, not to the records",
        next_step="qbsync diagnose",
    )


def _stop_suprata_down(report: RetryReport, row: PlanRecord, exc: Exception | None, todo: list[PlanRecord]) -> None:
    said = getattr(exc, "message", None) or (str(exc) if exc is not None else "")
    if not said and row.outcome is not None:
        said = row.outcome.message
    report.stopped_early = StoppedEarly(
        error=said or "Suprata could not be reached",
        error_code="unreachable",
        records=[row.label],
        not_sent=len([r for r in todo if r.outcome is None and r.sent is None]),
        reason="suprata_unreachable",
    )


def _read_record(services: Services, row: PlanRecord) -> Any:
    read = {
        "invoice": services.suprata.invoice,
        "payment": services.suprata.payment,
        "customer": services.suprata.customer,
        "item": services.suprata.item,
    }.get(row.record_type)
    return read(row.record_id) if read is not None else None


def _changed_since_plan(services: Services, history: RetryHistory, row: PlanRecord) -> str | None:
    """Why the record must not be sent after all (it moved since the plan), or None to send it."""
    in_flight = [r for r in history.for_record(row.record_type, row.record_id) if r.open and r.retry_id]
    if in_flight:
        return f"not sent: a retry qbsync asked for ({in_flight[-1].retry_id}) is already under way"
    try:
        rec = _read_record(services, row)
    except (Unreachable, TemporarilyUnavailable):
        raise
    except SupraApiError as exc:
        if exc.status == 404:
            return "not sent: Suprata no longer has this record"
        return f"not sent: Suprata would not show it again just before sending ({exc.message})"
    except ApiError as exc:
        return f"not sent: it could not be read again just before sending ({getattr(exc, 'message', exc)})"
    if rec is None:
        return None
    qbo = rec.qbo
    if qbo.qbo_id:
        return f"not sent: it is in QuickBooks now (id {qbo.qbo_id}); it synced after the plan was made"
    if qbo.state != row.state and qbo.state in ("synced", "pending"):
        what = "synced" if qbo.state == "synced" else "is being retried by Suprata"
        return f"not sent: it {what} after the plan was made"
    return None


def _blocked_by(row: PlanRecord, by_label: dict[str, PlanRecord], wait: bool) -> str | None:
    for label in row.depends_on:
        dep = by_label.get(label)
        if dep is None:
            continue
        status = dep.outcome.status if dep.outcome else None
        if status == "succeeded":
            continue
        if status == "queued":
            return f"waits for {dep.label}, sent without waiting (--no-wait); run again once it has synced"
        return f"waits for {dep.label}, whose retry did not succeed ({status or 'not sent'})"
    return None


def _new_error(row: PlanRecord) -> tuple[Any, ...] | None:
    """The signature of an error the record did not have before its retry, for the stop-early rule."""
    o = row.outcome
    if o is None or o.status not in ("failed", "uncertain") or o.same_cause:
        return None
    return (o.error_code, o.new_pattern, row.record_type)


def _send(services: Services, history: RetryHistory, row: PlanRecord) -> None:
    now = services.clock.now()
    reused = history.reusable_key(row.record_type, row.record_id, row.cause_signature)
    key = reused or new_idempotency_key()
    if not reused:
        history.record_sent(
            key=key,
            record_type=row.record_type,
            record_id=row.record_id,
            number=row.number,
            cause_pattern=row.pattern,
            cause_signature=row.cause_signature,
            at=now,
            forced=row.code == "forced",
        )
    row.sent = SentRequest(idempotency_key=key, sent_at=now, reused_key=bool(reused))
    try:
        request = services.suprata.request_retry(row.record_type, row.record_id, key)
    except (Unreachable, TemporarilyUnavailable) as exc:
        history.record_update(key, UNKNOWN_SEND, services.clock.now())
        row.outcome = RecordOutcome(
            "uncertain",
            f"could not confirm that Suprata received the retry ({getattr(exc, 'message', exc)}); the next run "
            "reuses the same idempotency key, so Suprata never pushes it twice",
            next_step=f"qbsync retry {row.label}",
        )
        return
    except SupraApiError as exc:
        history.record_update(key, "rejected", services.clock.now())
        row.outcome = RecordOutcome("failed", f"Suprata refused the retry request: {exc.message}", error_code=exc.code)
        return
    row.sent.retry_id = request.id
    history.record_update(key, request.status, services.clock.now(), retry_id=request.id)
    if request.status in ("succeeded", "failed"):
        _resolve(services, history, row, request)


def _await(
    services: Services, history: RetryHistory, batch: list[PlanRecord], deadline: float, notify: Progress
) -> Exception | None:
    """Poll until every row of the batch has an outcome or the deadline passes; returns the error when
    Suprata stopped answering (the rows left then say so, and the run stops)."""
    clock = services.clock
    pending = [r for r in batch if r.outcome is None]
    interval = POLL_FIRST
    down: Exception | None = None
    while pending:
        still = []
        for row in pending:
            assert row.sent is not None and row.sent.retry_id
            if down is not None:
                still.append(row)
                continue
            try:
                request = services.suprata.get_retry(row.sent.retry_id)
            except Unreachable as exc:
                down = exc  # the HTTP layer already retried: polling on only waits longer for nothing
                still.append(row)
                continue
            except (ApiError, TemporarilyUnavailable):
                still.append(row)  # a failed poll is no outcome: keep waiting within the bound
                continue
            if request.status in ("succeeded", "failed"):
                _resolve(services, history, row, request)
                notify("done", row)
            else:
                still.append(row)
        pending = still
        if not pending:
            return None
        if down is not None or clock.monotonic() + interval > deadline:
            break
        clock.sleep(interval)
        interval = min(POLL_MAX, interval * 1.5)
    for row in pending:
        row.outcome = RecordOutcome(
            "pending",
            "Suprata stopped answering before this retry finished; it may still be queued or running there"
            if down is not None
            else "Suprata has not finished this retry within the wait; it is still queued or running there",
            next_step=f"qbsync retry {row.label} --dry-run   (shows what became of it)",
        )
        notify("done", row)
    return down


def _resolve(services: Services, history: RetryHistory, row: PlanRecord, request: m.RetryRequest) -> None:
    assert row.sent is not None
    now = services.clock.now()
    attempt = request.attempt
    if request.status == "succeeded":
        qbo_id = attempt.qbo_id if attempt is not None else None
        history.record_update(row.sent.idempotency_key, "succeeded", now, qbo_id=qbo_id)
        row.outcome = RecordOutcome("succeeded", "now in QuickBooks" + (f" (id {qbo_id})" if qbo_id else ""), qbo_id)
        return
    if attempt is None or attempt.error is None:
        history.record_update(row.sent.idempotency_key, "failed", now)
        row.outcome = RecordOutcome(
            "failed",
            "Suprata did not push it (it may be waiting for a record it depends on)",
            next_step="qbsync diagnose",
        )
        return
    signal = signal_from_attempt(attempt)
    cls = classify(signal)
    sig = error_signature(attempt)
    code = (signal.fault.code if signal.fault else None) or attempt.error.kind
    same = row.cause_signature is not None and tuple(sig) == tuple(row.cause_signature)
    e = attempt.error
    uncertain = e.kind == "timeout" or (e.http_status is not None and e.http_status >= 500)
    if uncertain and e.qbo_operation in (None, "create"):
        looked, found = lookup_in_quickbooks(services, row)
        if not looked:
            history.record_update(row.sent.idempotency_key, "uncertain", now, outcome_signature=sig)
            row.outcome = RecordOutcome(
                "uncertain",
                "QuickBooks did not answer in time and qbsync could not look there to see whether it saved the "
                "record. Do not retry until the trace shows what QuickBooks holds.",
                error_code=code,
                same_cause=same,
                next_step=f"qbsync trace {row.label}",
            )
            return
        status = "uncertain" if found else "failed"
        history.record_update(
            row.sent.idempotency_key, status, now, outcome_signature=sig, outcome_pattern=cls.pattern, qbo_id=found
        )
        if found:
            row.outcome = RecordOutcome(
                "uncertain",
                f"QuickBooks did not answer in time, but it saved the record (QuickBooks id {found}); Suprata's link "
                "to it is missing. Do not retry: that would create a copy. Suprata's own automatic retry could too.",
                qbo_id=found,
                error_code=code,
                new_pattern="P6",
                same_cause=same,
                in_quickbooks=True,
                next_step=f"qbsync trace {row.label}",
            )
        else:
            row.outcome = RecordOutcome(
                "failed",
                "QuickBooks did not answer in time or was unavailable; a lookup shows it did not save the record, "
                "so a later retry is safe",
                error_code=code,
                new_pattern=cls.pattern,
                same_cause=same,
                in_quickbooks=False,
                next_step=f"qbsync retry {row.label}",
            )
        return
    history.record_update(row.sent.idempotency_key, "failed", now, outcome_signature=sig, outcome_pattern=cls.pattern)
    said = signal.fault.message if signal.fault and signal.fault.message else e.kind
    row.outcome = RecordOutcome(
        "failed",
        ("failed again for the same cause: " if same else "failed with a new error: ")
        + f"{said} ({cls.pattern} {cls.name})",
        error_code=code,
        new_pattern=cls.pattern,
        same_cause=same,
        next_step="qbsync diagnose",
    )


def lookup_in_quickbooks(services: Services, row: PlanRecord) -> tuple[bool, str | None]:
    """After an uncertain answer: (could look, QuickBooks id of the record if QuickBooks saved it)."""
    try:
        return True, _find_in_quickbooks(services, row)
    except (ApiError, Unreachable, TemporarilyUnavailable):
        return False, None


def _find_in_quickbooks(services: Services, row: PlanRecord) -> str | None:
    qbo, suprata = services.qbo, services.suprata
    if row.record_type == "invoice":
        inv = suprata.invoice(row.record_id)
        if inv.qbo.qbo_id:
            return inv.qbo.qbo_id
        copies = [c for c in qbo.invoices_by_doc_numbers([inv.number]).get(inv.number, []) if not c.voided]
        match = [c for c in copies if c.total_amt == inv.total and c.txn_date == inv.txn_date]
        return (match or copies)[0].id if copies else None
    if row.record_type == "payment":
        p = suprata.payment(row.record_id)
        if p.qbo.qbo_id:
            return p.qbo.qbo_id
        customer = suprata.customer(p.customer_id)
        if not customer.qbo.qbo_id:
            return None
        from qbsync.clients import query as q
        from qbsync.clients.qbo_models import Payment

        rows = qbo.query(q.select("Payment").eq("TxnDate", p.txn_date.isoformat()))
        for r in rows:
            if not isinstance(r, Payment):
                continue
            same_customer = r.customer_ref is not None and r.customer_ref.value == customer.qbo.qbo_id
            if same_customer and not r.voided and r.total_amt == p.amount:
                return r.id
        return None
    if row.record_type == "customer":
        c = suprata.customer(row.record_id)
        if c.qbo.qbo_id:
            return c.qbo.qbo_id
        holders = qbo.by_display_names([c.display_name]).get(c.display_name, [])
        return next((h.id for h in holders if type(h).__name__ == "Customer"), None)
    i = suprata.item(row.record_id)
    if i.qbo.qbo_id:
        return i.qbo.qbo_id
    found = qbo.items_by_name([i.name]).get(i.name)
    return found.id if found is not None else None


def settle_open_retries(services: Services, history: RetryHistory) -> int:
    """Ask Suprata what became of retries an earlier run left open; returns how many were settled."""
    settled = 0
    for r in history.open_retries():
        if r.retry_id is None:
            continue  # open_retries() lists only sent retries; a row without an id has nothing to ask
        try:
            request = services.suprata.get_retry(r.retry_id)
        except (ApiError, Unreachable, TemporarilyUnavailable):
            continue
        if request.status not in ("succeeded", "failed"):
            continue
        now = services.clock.now()
        attempt = request.attempt
        if request.status == "succeeded":
            history.record_update(r.key, "succeeded", now, qbo_id=attempt.qbo_id if attempt else None)
        else:
            sig = error_signature(attempt) if attempt is not None else None
            pattern = classify(signal_from_attempt(attempt)).pattern if attempt is not None else None
            status = "failed"
            if attempt is not None and attempt.error is not None and attempt.error.kind == "timeout":
                status = "uncertain"
            history.record_update(r.key, status, now, outcome_signature=sig, outcome_pattern=pattern)
        settled += 1
    return settled
