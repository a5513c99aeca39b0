"""Causes real companies meet, built as sandbox scenarios: the failures arise from the state planted (an
item made inactive, a payment saved twice, a void in QuickBooks, a throttle over a name clash, ...), and
every command must give the one answer the blocker model gives.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console
from test_one_answer import disagreements

from qbsync.diagnosis.diagnose import Filters, diagnose
from qbsync.health.check import run_check
from qbsync.health.status import read_status
from qbsync.render.status_view import render_status
from qbsync.retrying.preflight import build_plan
from qbsync.retrying.targets import Selection
from qbsync.sandbox import scenario as sc
from qbsync.sandbox.app import build_sandbox
from qbsync.sandbox.scenario_kit import at, base, customer, healthy_history, invoice, line, payment, with_timeline
from qbsync.services import services_for_sandbox
from qbsync.tracing import trace


def _services(scenario: sc.Scenario, tmp_path: Path):
    return services_for_sandbox(build_sandbox(scenario), tmp_path)


def _plan(services):
    report = diagnose(services, Filters())
    return report, {r.number: (c, r) for c in report.root_causes for r in c.records}


# --- a linked item made inactive in QuickBooks ------------------------------------------------------------


def inactive_item() -> sc.Scenario:
    s = base("inactive-item", "Item made inactive in QuickBooks", "The bookkeeper made the furnace filter inactive.")
    events = [
        *healthy_history(),  # INV-1004 used PRT-FLTR and synced, so the item is linked
        sc.QboMadeInactive(at=at("2026-10-27 11:02"), entity="Item", key="Furnace Filter MERV 11"),
        invoice("2026-11-04 10:30", 1005, 1004, line("SVC-FURN"), line("PRT-FLTR", 2)),
        invoice("2026-11-11 13:15", 1006, 1001, line("PRT-FLTR", 4)),
        invoice("2026-11-12 13:15", 1007, 1002, line("SVC-CALL")),
    ]
    return with_timeline(s, events, [])


def test_inactive_item_is_one_cause_naming_the_item(tmp_path: Path) -> None:
    services = _services(inactive_item(), tmp_path)
    report, by = _plan(services)
    assert [c.kind for c in report.root_causes] == ["item_inactive"]
    cause = report.root_causes[0]
    assert cause.pattern == "P2" and cause.subject_type == "item"
    assert "Furnace Filter MERV 11" in cause.title and "INV-" not in cause.title
    assert cause.blocks == {"invoice": 2}
    assert cause.steps[0].startswith("Make item 'Furnace Filter MERV 11' active again")
    assert by["INV-1005"][1].waits_on == "PRT-FLTR"
    row = next(r for r in build_plan(services, Selection(refs=["INV-1006"])).records if r.number == "INV-1006")
    assert row.decision == "refuse" and row.fix_first == cause.steps[0]


# --- a payment saved twice after a timeout, and one entered directly in QuickBooks -------------------------


def duplicate_payment(amount: str | None = "100.00") -> sc.Scenario:
    """A timed-out payment push that QuickBooks had saved, then retried with a new requestid. QuickBooks links a
    payment for at most what is open on the invoice (620 beyond it), so the retry lands as a second copy only
    when the first left enough open: a part payment (``amount``). Paid in full (``None``), the retry is refused
    and QuickBooks holds the one unlinked copy (``paid_in_full_retry_refused``)."""
    s = base(
        "duplicate-payment", "Payment saved twice", "A timed-out payment push was saved; the retry saved it again."
    )
    pay = payment("2026-11-05 14:10", 2004, 1004, method="Check", reference="5521")
    if amount is not None:
        pay = pay.model_copy(update={"applied": [sc.PaymentApplied(invoice="INV-1004", amount=Decimal(amount))]})
    events = [
        *healthy_history(),
        invoice("2026-11-02 09:00", 1005, 1001, line("SVC-DRAIN")),
        sc.TimeoutAfterCommit(at=at("2026-11-05 14:09"), entity="Payment", count=1),
        pay,
        sc.QboPaymentEntered(at=at("2026-11-06 10:00"), invoice="INV-1005", reference="ck 7788"),
    ]
    return with_timeline(s, events, [])


def paid_in_full_retry_refused() -> sc.Scenario:
    return duplicate_payment(None)


def test_payment_saved_twice_is_told_apart_from_one_entered_in_quickbooks(tmp_path: Path) -> None:
    services = _services(duplicate_payment(), tmp_path)
    report, _ = _plan(services)
    kinds = sorted(c.kind for c in report.root_causes)
    assert kinds == ["duplicate_payment", "qbo_only_payment"], [c.title for c in report.root_causes]
    dup = next(c for c in report.root_causes if c.kind == "duplicate_payment")
    assert "PMT-2004" in dup.title and dup.steps[0].startswith("Void QuickBooks payment")
    assert "do not record another copy" in dup.steps[0]
    said = " ".join(e.summary for e in dup.evidence)
    assert "reference 5521" in said and "less left to pay than Suprata" in said and "timed out" in said
    entered = next(c for c in report.root_causes if c.kind == "qbo_only_payment")
    assert "INV-1005" in entered.title and "INV-1004" not in entered.title
    verdict = trace(services, ref="PMT-2004").verdict
    assert not verdict.agree and "Both sides agree" not in verdict.headline
    assert verdict.fix[0] == dup.steps[0]


def test_a_retry_of_a_payment_saved_in_full_is_refused_and_the_saved_copy_is_linked(tmp_path: Path) -> None:
    services = _services(paid_in_full_retry_refused(), tmp_path)
    report, by = _plan(services)
    cause, _ = by["PMT-2004"]
    assert cause.kind == "unlinked_copy" and "already in QuickBooks as payment" in cause.title
    assert cause.steps[0].startswith("Do not retry PMT-2004")
    assert "duplicate_payment" not in {c.kind for c in report.root_causes}  # QuickBooks refused the second copy
    entered = [c for c in report.root_causes if c.kind == "qbo_only_payment"]
    assert [c.title for c in entered] == [t for t in (c.title for c in entered) if "INV-1005" in t]  # not the copy
    verdict = trace(services, ref="PMT-2004").verdict
    assert not verdict.agree and "Both sides agree" not in verdict.headline


# --- voided or deleted directly in QuickBooks while open in Suprata, with no failed push -------------------


def removed_in_quickbooks() -> sc.Scenario:
    s = base("removed-in-qbo", "Voided and deleted in QuickBooks", "x", start="2026-08-01 08:00")
    events = [
        invoice("2026-08-03 10:40", 1001, 1001, line("SVC-CALL"), line("PRT-FAUC")),
        invoice("2026-08-05 15:10", 1002, 1002, line("SVC-AC")),
        payment("2026-08-07 09:00", 2001, 1002, reference="77"),
        invoice("2026-08-09 11:25", 1003, 1003, line("SVC-DRAIN")),
        # older than the change feed's 30 days
        sc.QboVoided(at=at("2026-08-20 09:00"), entity="Invoice", key="INV-1001"),
        sc.QboVoided(at=at("2026-08-21 09:00"), entity="Payment", key="77"),
        invoice("2026-11-02 10:00", 1004, 1004, line("SVC-FURN")),
        invoice("2026-11-03 10:00", 1005, 1005, line("SVC-FURN"), taxed=False),
        sc.QboDeleted(at=at("2026-11-10 09:00"), entity="Invoice", key="INV-1004"),
        sc.QboVoided(at=at("2026-11-11 09:00"), entity="Invoice", key="INV-1005"),
    ]
    return with_timeline(s, events, [])


def test_voids_and_deletions_in_quickbooks_are_found_without_a_failed_push(tmp_path: Path) -> None:
    services = _services(removed_in_quickbooks(), tmp_path)
    report, _ = _plan(services)
    assert report.summary.failures == 0
    found = {r.number: c for c in report.root_causes for r in c.records}
    assert set(found) == {"INV-1001", "INV-1004", "INV-1005", "PMT-2001"}
    assert all(c.kind == "removed_in_qbo" and c.pattern == "P6" for c in found.values())
    assert "voided" in found["INV-1001"].title and "deleted" in found["INV-1004"].title
    assert "2026-08-20" in found["INV-1001"].title  # older than the change feed: found by its own state
    assert "reverse PMT-2001 in Suprata" in found["PMT-2001"].steps[0]
    assert report.qbo_requests is not None and report.qbo_requests <= 15


def paid_after_delete() -> sc.Scenario:
    s = base("paid-after-delete", "A payment for an invoice deleted in QuickBooks", "x")
    events = [
        invoice("2026-11-02 10:00", 1004, 1004, line("SVC-FURN")),
        invoice("2026-11-03 10:00", 1005, 1005, line("SVC-AC"), taxed=False),
        sc.QboDeleted(at=at("2026-11-10 09:00"), entity="Invoice", key="INV-1004"),
        sc.QboVoided(at=at("2026-11-11 09:00"), entity="Invoice", key="INV-1005"),
        payment("2026-11-12 09:00", 2004, 1004, reference="812"),
    ]
    return with_timeline(s, events, [])


def test_status_counts_what_diagnose_finds_changed_in_quickbooks(tmp_path: Path) -> None:
    """The deleted invoice a failing payment pays is told by the payment's cause, in both; the void of an
    invoice nothing failed on is counted by status although no push failed."""
    services = _services(paid_after_delete(), tmp_path)
    _, found = _plan(services)
    assert found["PMT-2004"][1].cause == "invoice_deleted" and "INV-1004" not in found
    assert found["INV-1005"][1].cause == "removed_in_qbo"
    status = read_status(services)
    assert [(c.number, c.change) for c in status.changed_in_quickbooks] == [("INV-1005", "voided")]
    assert [(m.record_type, m.pattern) for m in status.failures.marks] == [("payment", "P6")]
    assert status.exit_code == 2
    screen = Console(width=80, record=True, file=io.StringIO())
    render_status(screen, status)
    assert "Changed in QuickBooks only   1 record: INV-1005 voided" in screen.export_text()


def test_check_reads_the_change_feed_once_for_status_and_diagnose(tmp_path: Path) -> None:
    """status now reads the change feed diagnose reads: one check run asks it once, even with a clock that
    moves between the two (the window is the run's one moment)."""
    sandbox = build_sandbox(removed_in_quickbooks())
    services = services_for_sandbox(sandbox, tmp_path)
    clock = services.clock

    class Ticking:  # every reading of the time is a second later, as on a slow real machine
        def now(self):
            clock.advance(1)
            return clock.now()

        def monotonic(self):
            return clock.monotonic()

        def sleep(self, seconds):
            clock.sleep(seconds)

    services.clock = Ticking()
    sandbox.qbo.reset_stats()
    report = run_check(services, record=False)
    endpoints = sandbox.qbo.stats()["endpoints"]
    assert endpoints.get("GET cdc") == 1 and endpoints.get("POST batch") == 1, endpoints
    assert len(report.status.changed_in_quickbooks) == 4 and report.exit_code == 2


# --- a second cause behind a transient failure --------------------------------------------------------------


def behind(kind: str) -> sc.Scenario:
    s = base(f"behind-{kind}", "A real cause behind a transient failure", "x")
    s.suprata.tax_categories[0].mappings["WY"] = None
    s.suprata.customers.append(
        customer(1007, "Front Range Electric", "Fort Collins", "CO", "1520 Riverside Ave", "80524")
    )
    s.qbo.vendors.append(sc.PartySpec(display_name="Front Range Electric"))
    s.qbo.items.append(sc.QboItemSpec(name="Water Heater Flush", type="Service", unit_price=Decimal("139.00")))
    start = {
        "throttle": sc.ThrottleBurst(at=at("2026-11-24 08:45"), seconds=40 * 60),
        "outage": sc.Outage(at=at("2026-11-24 08:45"), seconds=40 * 60, status=503),
        "lapse": sc.ConnectionLapsed(at=at("2026-11-24 08:45")),
    }[kind]
    events = [
        *healthy_history(),
        sc.BooksClosed(at=at("2026-11-03 17:30"), through=date(2026, 10, 31)),
        start,
        invoice("2026-11-24 08:50", 1005, 1001, line("SVC-CALL"), txn_date=date(2026, 10, 30)),  # closed period
        invoice("2026-11-24 08:55", 1006, 1005, line("PRT-DISP"), line("LAB-PLMB")),  # WY tax gap
        invoice("2026-11-24 09:00", 1007, 1007, line("SVC-CALL")),  # a vendor holds the customer's name
        invoice("2026-11-24 09:05", 1008, 1002, line("SVC-WHF")),  # the item's name is taken
        invoice("2026-11-24 09:10", 1009, 1003, line("SVC-CALL")),  # nothing else wrong
    ]
    if kind == "lapse":
        events.append(sc.Reconnected(at=at("2026-11-24 09:20")))
    return with_timeline(s, events, [])


@pytest.mark.parametrize("kind", ["throttle", "outage", "lapse"])
def test_the_real_cause_behind_a_transient_failure_comes_first(kind: str, tmp_path: Path) -> None:
    services = _services(behind(kind), tmp_path)
    _, by = _plan(services)
    expected = {
        "INV-1005": ("P3", "Ask your bookkeeper before changing anything dated on or before 2026-10-31"),
        "INV-1006": ("P4", "In Suprata's QuickBooks settings, map tax category 'Parts & materials' for WY"),
        "INV-1007": ("P1", "Rename the QuickBooks vendor 'Front Range Electric'"),
        "INV-1008": ("P2", "Link Suprata's item 'Water Heater Flush' (SVC-WHF)"),
    }
    for number, (pattern, step) in expected.items():
        cause, record = by[number]
        assert record.pattern == pattern and record.first_step.startswith(step), (number, record)
        steps = " ".join(cause.steps)
        assert step in steps and steps.index(step) < steps.index(cause.steps[-1])  # the retry advice follows
        assert cause.pattern in ("P5", "P7") and not cause.escalate  # one hour old: not "over a day"
    assert by["INV-1009"][1].cause in ("transient", "connection_lapsed")
    plan = {r.number: r for r in build_plan(services, Selection(all_safe=True)).records}
    for number, (_, step) in expected.items():
        assert plan[number].decision == "refuse" and plan[number].fix_first.startswith(step), plan[number]
    assert plan["INV-1009"].decision == "retry"


def fresh_throttle_after_old_failure() -> sc.Scenario:
    s = base("fresh-throttle", "A throttle an hour old, after an older closed-period failure", "x")
    events = [
        *healthy_history(),
        sc.BooksClosed(at=at("2026-11-03 17:30"), through=date(2026, 10, 31)),
        invoice("2026-11-04 08:20", 1005, 1004, line("SVC-FURN"), txn_date=date(2026, 10, 29)),  # 6210
        sc.BooksClosed(at=at("2026-11-23 10:00"), through=None),  # the bookkeeper reopens the books
        sc.ThrottleBurst(at=at("2026-11-24 08:45"), seconds=40 * 60),
        sc.InvoiceEdited(at=at("2026-11-24 08:50"), number="INV-1005", add_lines=[line("PRT-FLTR", 1)]),
    ]
    return with_timeline(s, events, [])


def test_persisted_over_a_day_counts_from_the_first_transient_failure(tmp_path: Path) -> None:
    services = _services(fresh_throttle_after_old_failure(), tmp_path)
    report, by = _plan(services)
    cause, record = by["INV-1005"]
    # Its failing streak began three weeks ago (6210), but the throttling began this morning.
    assert (report.generated_at - record.first_failed_at).days >= 19
    assert cause.pattern == "P7" and cause.kind == "transient" and not cause.escalate
    assert record.first_step.startswith("Wait:")


# --- a customer refused for missing details; a revoked connection ------------------------------------------


def missing_name() -> sc.Scenario:
    s = base("missing-name", "Customer without a name", "x")
    nameless = sc.SupCustomerSpec(number="C-1007", display_name="", email="ops@example.com", state="CO")
    events = [
        *healthy_history(),
        sc.CustomerCreated(at=at("2026-11-03 09:00"), customer=nameless),
        invoice("2026-11-04 10:30", 1005, 1007, line("SVC-FURN")),
    ]
    return with_timeline(s, events, [])


def test_customer_refused_for_missing_details_says_what_is_missing(tmp_path: Path) -> None:
    services = _services(missing_name(), tmp_path)
    report, by = _plan(services)
    assert [c.kind for c in report.root_causes] == ["customer_missing_data"]
    cause = report.root_causes[0]
    assert "a display name" in cause.title and cause.blocks == {"customer": 1, "invoice": 1}
    assert cause.steps[0] == "Complete customer 'C-1007' in Suprata: add a display name."
    assert by["INV-1005"][1].first_step == cause.steps[0]


def emailed_without_address() -> sc.Scenario:
    """QuickBooks requires no email of a customer, but it will not take an invoice it is asked to email with
    no address to send it to (``sandbox/qbo/faults.email_required`` has the sources)."""
    s = base("emailed-no-address", "Invoices to be emailed, a customer without an email address", "x")
    s.suprata.account.email_invoices = True
    s.suprata.customers.append(
        customer(1007, "Laporte Feed & Supply", "Laporte", "CO", "3811 W County Rd 54G", "80535", email=None)
    )
    events = [
        *healthy_history(),
        invoice("2026-11-04 10:30", 1005, 1007, line("SVC-CALL")),
        invoice("2026-11-05 11:00", 1006, 1001, line("SVC-CALL")),
    ]
    return with_timeline(s, events, [])


def test_invoice_to_be_emailed_for_a_customer_without_email_says_the_email_is_missing(tmp_path: Path) -> None:
    services = _services(emailed_without_address(), tmp_path)
    report, by = _plan(services)
    assert [c.kind for c in report.root_causes] == ["customer_email_missing"], [c.title for c in report.root_causes]
    cause = report.root_causes[0]
    assert cause.pattern == "P1" and cause.blocks == {"invoice": 1} and "INV-1006" not in by  # C-1001 has one
    assert "'Laporte Feed & Supply' has no email address" in cause.title
    assert cause.steps[0].startswith("Add an email address to customer 'Laporte Feed & Supply' in Suprata")
    said = " ".join(e.summary for e in cause.evidence)
    assert "to be emailed" in said and "Suprata's customer C-1007 has none" in said
    assert by["INV-1005"][1].error and "email address for this customer" in by["INV-1005"][1].error
    row = next(r for r in build_plan(services, Selection(refs=["INV-1005"])).records if r.number == "INV-1005")
    assert row.decision == "refuse" and row.fix_first == cause.steps[0]


def revoked() -> sc.Scenario:
    s = base("revoked", "Connection revoked", "x")
    events = [
        *healthy_history(),
        sc.ConnectionRevoked(at=at("2026-11-20 06:00")),
        invoice("2026-11-20 10:10", 1005, 1004, line("SVC-CALL")),
        invoice("2026-11-21 14:20", 1006, 1001, line("SVC-DRAIN")),
        payment("2026-11-21 16:30", 2004, 1004, method="ACH"),
    ]
    return with_timeline(s, events, [])


def test_revoked_connection_says_revoked_and_since_when(tmp_path: Path) -> None:
    services = _services(revoked(), tmp_path)
    report, _ = _plan(services)
    assert [c.pattern for c in report.root_causes] == ["P5"]
    title = report.root_causes[0].title
    assert "revoked" in title and "expired" not in title and "lapsed" not in title
    first = min(r.first_failed_at for r in report.root_causes[0].records if r.first_failed_at)
    from qbsync.wording import local_time

    # In the company's zone, with its abbreviation (the JSON's timestamps stay UTC).
    assert f"every push since {local_time(first, report.timezone)} failed" in title


# --- and every one of them gives one answer per record -------------------------------------------------------

NEW = [
    inactive_item,
    duplicate_payment,
    paid_in_full_retry_refused,
    removed_in_quickbooks,
    paid_after_delete,
    missing_name,
    emailed_without_address,
    revoked,
    fresh_throttle_after_old_failure,
] + [(lambda k=k: behind(k)) for k in ("throttle", "outage", "lapse")]


@pytest.mark.parametrize("build", NEW)
def test_new_scenarios_give_one_answer_per_record(build, tmp_path: Path) -> None:
    failures, checked, found = disagreements(build(), tmp_path)
    assert not found, found
    assert checked >= failures
