"""``qbsync trace INV-... --watch``: one full invoice cycle, as the help article asks before real data flows.

"Walk through one full invoice cycle (create → sync → confirm in QB)": create an invoice in Suprata, start
the watch, and qbsync follows it until it is in QuickBooks or has failed, reporting each push as it happens,
then compares amounts, tax and customer on both sides (the full ``trace``). Read-only.

The wait is bounded (``--wait``, default ``DEFAULT_WAIT_SECONDS``): Suprata pushes a new invoice within
seconds, and retries a transient failure after 2 and then 10 more minutes, so 15 minutes sees the first push
and both early retries. Suprata is polled with a widening interval (``POLL_SECONDS``, then every 30 s): one
request a poll, plus one for the attempts when their count moved. Every wait goes through the run's clock, so
tests on a ``VirtualClock`` wait for nothing, and never past the command's deadline. Ctrl-C ends the watch at
once (the CLI exits 130).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from qbsync.clients import suprata_models as m
from qbsync.exit_codes import ExitCode
from qbsync.tracing.model import AttemptView, RecordTrace, Verdict
from qbsync.tracing.sides import attempt_view

if TYPE_CHECKING:
    from qbsync.services import Services

DEFAULT_WAIT_SECONDS = 900
POLL_SECONDS = (2, 2, 3, 5, 5, 10, 10, 15, 15)  # then POLL_MAX_SECONDS
POLL_MAX_SECONDS = 30
Outcome = Literal["synced", "failed", "timed_out"]


@dataclass
class WatchEvent:
    """Something the watch saw, with the seconds since it began."""

    at: datetime
    elapsed: float
    what: str  # appeared | attempt | waiting | state
    says: str
    attempt: AttemptView | None = None


@dataclass
class CycleCheck:
    """One of the cycle's comparisons: the invoice's amount, its tax, its customer, on both sides."""

    field: str  # amount | tax | customer
    suprata: str | None
    quickbooks: str | None
    agree: bool


@dataclass
class WatchResult:
    kind: str  # always "watch"
    asked: str
    number: str
    outcome: Outcome
    waited_seconds: float
    wait_limit: float
    polls: int
    events: list[WatchEvent]
    checks: list[CycleCheck]
    verdict: Verdict
    state: str | None = None  # Suprata's sync state at the end (None: the invoice never appeared)
    trace: RecordTrace | None = None  # the full trace once it synced or failed
    timezone: str = "UTC"
    generated_at: datetime | None = None
    requests: dict[str, int] = field(default_factory=dict)


Listener = Callable[[WatchEvent], None]


def watch_exit_code(result: WatchResult) -> ExitCode:
    """0: in QuickBooks and both sides agree; 2: it failed, or the sides differ; 1: not there within the wait."""
    if result.outcome == "timed_out":
        return ExitCode.WARNING
    return ExitCode.OK if result.verdict.agree else ExitCode.CRITICAL


def poll_intervals() -> Any:
    yield from POLL_SECONDS
    while True:
        yield POLL_MAX_SECONDS


def watch_invoice(
    services: Services,
    ref: str,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
    listen: Listener | None = None,
    tick: Callable[[float, str | None], None] | None = None,
) -> WatchResult:
    """Follow invoice ``ref`` (its number, or ``inv_...``) until it synced, failed, or ``wait_seconds`` passed.

    ``listen`` hears each event as it happens (the screen shows it on stderr); ``tick(elapsed, state)`` hears
    every quiet poll, for a line that shows the time passing."""
    from qbsync.health.status import counted

    view, suprata_counter = counted(services)
    qbo_before = services.qbo_request_count()
    clock, suprata = services.clock, view.suprata
    started = clock.monotonic()
    events: list[WatchEvent] = []

    def elapsed() -> float:
        return max(0.0, clock.monotonic() - started)

    def note(what: str, says: str, attempt: AttemptView | None = None) -> None:
        event = WatchEvent(clock.now(), round(elapsed(), 1), what, says, attempt)
        events.append(event)
        if listen is not None:
            listen(event)

    number = ref.strip()
    invoice: m.Invoice | None = None
    seen_attempts, polls, state = 0, 0, None
    intervals = poll_intervals()
    note("waiting", f"watching for {number} in Suprata (up to {_duration(wait_seconds)})")
    outcome: Outcome = "timed_out"
    while True:
        polls += 1
        invoice = _find(suprata, number) or invoice
        if invoice is not None:
            if state is None:
                note("appeared", f"{invoice.number} is in Suprata ({invoice.qbo.state.replace('_', ' ')})")
            if invoice.qbo.attempts > seen_attempts:
                for a in _attempts_after(suprata, invoice.id, seen_attempts):
                    view_a = attempt_view(a)
                    note("attempt", _said(view_a), view_a)
                    seen_attempts = max(seen_attempts, a.attempt)
            if invoice.qbo.state != state and state is not None:
                note("state", f"now {invoice.qbo.state.replace('_', ' ')} in Suprata")
            state = invoice.qbo.state
            if state in ("synced", "failed"):
                outcome = "synced" if state == "synced" else "failed"
                break
        left = wait_seconds - elapsed()
        deadline = services.deadline.remaining() if services.deadline is not None else None
        if deadline is not None:
            left = min(left, deadline - 1.0)  # keep a second for the last answer
        if left <= 0:
            break
        if tick is not None:
            tick(elapsed(), state)
        clock.sleep(min(next(intervals), left))

    trace = None
    if invoice is not None and outcome != "timed_out":
        from qbsync.tracing.record import trace_invoice

        trace = trace_invoice(services, invoice, ref)
    checks = cycle_checks(trace) if trace is not None and outcome == "synced" else []
    result = WatchResult(
        kind="watch",
        asked=ref,
        number=invoice.number if invoice is not None else number,
        outcome=outcome,
        waited_seconds=round(elapsed(), 1),
        wait_limit=float(wait_seconds),
        polls=polls,
        events=events,
        checks=checks,
        verdict=_verdict(outcome, number, invoice, trace, checks, elapsed(), wait_seconds, events),
        state=state,
        trace=trace,
        timezone=trace.timezone if trace is not None else services.company_timezone(),
        generated_at=clock.now(),
        requests={
            "suprata": suprata_counter.count,
            "quickbooks": services.qbo_request_count() - qbo_before,
        },
    )
    return result


def _find(suprata: Any, number: str) -> m.Invoice | None:
    """The invoice by number (or ``inv_`` id): one request; None while it does not exist yet."""
    by_id = number.lower().startswith("inv_")
    found = suprata.invoices(ids=[number]) if by_id else suprata.invoices(numbers=[number])
    return next(iter(found), None)


def _attempts_after(suprata: Any, invoice_id: str, seen: int) -> list[m.SyncAttempt]:
    attempts = suprata.attempts(record_type="invoice", record_id=invoice_id)
    return sorted((a for a in attempts if a.attempt > seen), key=lambda a: a.attempt)


def _said(a: AttemptView) -> str:
    if a.outcome == "succeeded":
        return f"attempt {a.attempt} ({a.trigger.replace('_', ' ')}): in QuickBooks as invoice {a.qbo_id}"
    code = f" {a.error_code}" if a.error_code else ""
    why = f": {a.error}" if a.error else ""
    return f"attempt {a.attempt} ({a.trigger.replace('_', ' ')}) failed{code}{why}"


# --- the cycle's comparison -------------------------------------------------------------------------------------


def cycle_checks(trace: RecordTrace) -> list[CycleCheck]:
    """Amount, tax and customer of the Suprata invoice against the QuickBooks invoice it is linked to."""
    s = trace.invoice
    q = next((i for i in trace.qbo_invoices if i.linked), None)
    if s is None or q is None:
        return []
    return [
        CycleCheck("amount", _money(s.total), _money(q.total), q.total is not None and s.total == q.total),
        CycleCheck("tax", _money(s.tax_total), _money(q.tax_total), s.tax_total == (q.tax_total or Decimal("0.00"))),
        CycleCheck(
            "customer",
            s.customer,
            q.customer,
            bool(s.customer_qbo_id) and s.customer_qbo_id == q.customer_id,
        ),
    ]


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _verdict(
    outcome: Outcome,
    asked: str,
    invoice: m.Invoice | None,
    trace: RecordTrace | None,
    checks: list[CycleCheck],
    waited: float,
    limit: float,
    events: list[WatchEvent],
) -> Verdict:
    number = invoice.number if invoice is not None else asked
    if outcome == "synced" and trace is not None:
        differ = [c.field for c in checks if not c.agree]
        took = f"in {_duration(waited)}" if waited >= 1 else "at once"
        if checks and not differ and trace.verdict.agree:
            return Verdict(True, f"{number} reached QuickBooks {took}: amount, tax and customer agree")
        what = ", ".join(differ) if differ else "the trace"
        return Verdict(
            False,
            f"{number} reached QuickBooks {took}, but {what} differ{'s' if len(differ) == 1 else ''}",
            trace.verdict.fix,
            trace.verdict.warnings,
        )
    if outcome == "failed" and trace is not None:
        # the watch says what the last push met and the first thing to do; the full trace says the rest
        seen = [e.attempt for e in events if e.attempt is not None]
        last = next((a for a in reversed(seen) if a.outcome == "failed"), None)
        tries = f"after {len(seen)} attempt{'s' if len(seen) != 1 else ''}" if seen else ""
        why = f" ({last.error_code}{': ' + last.error if last.error else ''})" if last and last.error_code else ""
        return Verdict(False, f"{number} failed {tries}{why}".replace("  ", " "), trace.verdict.fix[:1])
    if invoice is None:
        return Verdict(
            False,
            f"nothing named {number} appeared in Suprata within {_duration(limit)}",
            ["Create the invoice in Suprata (or check its number), then watch again."],
        )
    state = invoice.qbo.state.replace("_", " ")
    return Verdict(
        False,
        f"{number} is not in QuickBooks after {_duration(limit)}: still {state} in Suprata",
        [f"Watch longer (--wait), or see where it stands: qbsync trace {number}."],
    )


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 120:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min" if not rest else f"{minutes} min {rest} s"
