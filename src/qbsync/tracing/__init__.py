"""``qbsync trace``: one invoice, payment or customer followed across Suprata and QuickBooks. Read-only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qbsync.exit_codes import ExitCode
from qbsync.tracing.model import CustomerTrace, RecordTrace

if TYPE_CHECKING:
    from qbsync.services import Services

Trace = RecordTrace | CustomerTrace


def trace(services: Services, ref: str | None = None, customer: str | None = None, phase: Any = None) -> Trace:
    """Resolve what was asked in Suprata, then read both sides in batches and compare.

    ``phase(what, count)``, when given, hears each step (the progress line on stderr for a slow company)."""
    phase = phase or (lambda _what, _count=None: None)
    services = one_read_each(services)
    from qbsync.errors import UsageError
    from qbsync.tracing.customer import trace_customer
    from qbsync.tracing.lookup import resolve_customer, resolve_ref
    from qbsync.tracing.record import trace_invoice, trace_payment

    if ref and customer:
        raise UsageError(
            "give either a record (INV-1042, PMT-2001) or --customer, not both",
            hint='qbsync trace INV-1042   or   qbsync trace --customer "Aspen Dental"',
        )
    if customer is not None:
        phase(f"Finding customer {customer} in Suprata", None)
        found_customer = resolve_customer(services.suprata, customer)
        phase(f"Reading {customer}'s invoices and payments on both sides", None)
        return trace_customer(services, found_customer, customer)
    if not ref:
        raise UsageError(
            "say what to trace: an invoice or payment number, or --customer NAME",
            hint='qbsync trace INV-1042   or   qbsync trace --customer "Aspen Dental"',
        )
    phase(f"Finding {ref} in Suprata", None)
    found = resolve_ref(services.suprata, ref)
    phase(f"Reading {ref} on both sides: Suprata and QuickBooks", None)
    if found.kind == "invoice":
        return trace_invoice(services, found.record, ref)
    if found.kind == "payment":
        return trace_payment(services, found.record, ref)
    return trace_customer(services, found.record, ref)


def one_read_each(services: Services) -> Services:
    """The trace's view of the services: QuickBooks asked each question once, as of one moment. Trace's side
    reads ask the change feed and the preferences exactly as the evidence gatherer does (``read_qbo``), so the
    blocker of a record Suprata could not push (``diagnose.record_blockers``, the gatherer's own round) is
    answered from them instead of asking again."""
    import dataclasses

    from qbsync.clock import OneMoment
    from qbsync.health.read_once import ReadOnce

    if isinstance(services.qbo, ReadOnce):
        return services
    view: Any = ReadOnce(services.qbo)
    return dataclasses.replace(services, qbo=view, clock=OneMoment(services.clock))


def exit_code_for(result: Trace) -> ExitCode:
    """0 when both sides agree, 2 when they differ (3 comes from errors: it could not check)."""
    return ExitCode.OK if result.verdict.agree else ExitCode.CRITICAL


__all__ = ["CustomerTrace", "RecordTrace", "Trace", "exit_code_for", "trace"]
