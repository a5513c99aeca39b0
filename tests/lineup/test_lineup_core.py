"""preflight --lists' core against the first-sync company and against planted lists: every Suprata item and
customer in its bucket, the tax states of the last 12 months, and the QuickBooks reads batched (request counts
from the sandbox's own statistics)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from qbsync.lineup.core import line_up, window_start
from qbsync.sandbox import first_sync_builder as fs
from qbsync.sandbox import scenario as sc
from qbsync.sandbox.app import build_sandbox
from qbsync.sandbox.scenario_kit import TAX_CATEGORY
from qbsync.services import services_for_sandbox


def _run(sandbox, tmp_path):
    before = sandbox.qbo.stats()["total"]
    report = line_up(services_for_sandbox(sandbox, tmp_path))
    return report, sandbox.qbo.stats()["total"] - before


@pytest.fixture(scope="module")
def first_sync(tmp_path_factory):
    sandbox = build_sandbox(fs.NAME)
    report, served = _run(sandbox, tmp_path_factory.mktemp("qbsync"))
    return sandbox, report, served


def _buckets(rows):
    return {r.number: (r.bucket, r.qbo.name if r.qbo else None, tuple(r.differs_by)) for r in rows}


def test_items_land_in_their_buckets(first_sync):
    _, report, _ = first_sync
    got = _buckets(report.items)
    assert got["SVC-CALL"] == ("same_name", "Service Call - Standard", ())
    assert got["SVC-WHF"] == ("same_name", "Water Heater Flush", ())
    assert got["SVC-FURN"] == ("same_name", "FURNACE TUNE-UP", ("case",))
    assert got["PRT-PRV"] == ("same_name", "Pressure Reducing Valve (deleted)", ("deleted",))
    assert got["SVC-DRAIN"] == ("near_match", "Drain Cleaning Main Line", ("punctuation",))
    assert got["PRT-VALV"] == ("near_match", "Ball Valve 3/4in", ("spacing",))
    assert got["LAB-TSTAT"] == ("near_match", "Thermostat Install and Setup", ("and",))
    assert {n for n, (b, _, _) in got.items() if b == "linked"} == set(fs.ITEM_LINKS)
    assert got["PRT-WH50"] == ("no_match", None, ())
    by_sku = {r.number: r for r in report.items}
    assert by_sku["SVC-EMER"].will_fail and by_sku["SVC-EMER"].cause == "item_inactive"  # linked to an inactive one
    assert not by_sku["LAB-PLMB"].will_fail and by_sku["LAB-PLMB"].qbo.name == "Plumbing Labor"
    assert report.summary["items"] == {"linked": 3, "same_name": 4, "near_match": 3, "no_match": 13}


def test_customers_are_checked_against_customers_vendors_and_employees(first_sync):
    _, report, _ = first_sync
    rows = {r.number: r for r in report.customers}
    holders = {n: (r.bucket, r.qbo.entity if r.qbo else None, tuple(r.differs_by)) for n, r in rows.items()}
    assert holders["C-1001"] == ("same_name", "Customer", ())
    assert holders["C-1003"] == ("same_name", "Customer", ("deleted",))
    assert holders["C-1004"] == ("same_name", "Customer", ("case",))
    assert holders["C-1007"] == ("same_name", "Vendor", ())
    assert holders["C-1008"] == ("same_name", "Employee", ())
    assert holders["C-1009"] == ("near_match", "Customer", ("and",))
    assert holders["C-1010"] == ("near_match", "Customer", ("punctuation",))
    assert holders["C-1011"] == ("near_match", "Customer", ("spacing",))
    assert holders["C-1015"] == ("near_match", "Vendor", ("punctuation",))
    assert holders["C-1002"][0] == holders["C-1005"][0] == "linked"
    # the fix is the pattern table's, the same words diagnose would print once it had failed
    assert rows["C-1007"].cause == "customer_name_held" and "Rename the QuickBooks vendor" in rows["C-1007"].steps[0]
    assert rows["C-1001"].cause == "customer_unlinked" and "do not create another" in rows["C-1001"].steps[0]
    assert rows["C-1003"].steps[0].startswith("Make customer 'Ben Albright' active again")
    assert report.will_fail["customers"] == 5 and not any(rows[n].will_fail for n in ("C-1009", "C-1015", "C-1012"))


def test_tax_categories_against_every_state_invoiced_in(first_sync):
    _, report, _ = first_sync
    tax = {r.state: r for r in report.tax}
    assert set(tax) == {"CO", "WY", "NE"}
    assert tax["CO"].status == "mapped" and tax["CO"].tax_code == "Larimer County, CO" and not tax["CO"].will_fail
    assert tax["WY"].status == "unmapped" and tax["WY"].will_fail and tax["WY"].cause == "tax_unmapped"
    assert tax["NE"].status == "not_set_up" and tax["NE"].taxable_invoices == tax["NE"].invoices == 5
    assert sum(r.invoices for r in report.tax) == fs.INVOICES


def test_one_quickbooks_request_for_a_small_company(first_sync):
    sandbox, report, served = first_sync
    assert report.requests["quickbooks"] == served == 1  # four lists and the tax codes in one /batch
    assert report.requests["suprata"] == 4
    assert sandbox.suprata_store.attempts == []  # read-only: nothing pushed, nothing written


def test_long_lists_are_paged_in_batches(tmp_path):
    scenario = build_sandbox("healthy").scenario.model_copy(deep=True)
    scenario.qbo.items = [sc.QboItemSpec(name=f"Legacy part {n:04d}", unit_price=Decimal(1)) for n in range(2300)]
    scenario.qbo.items.append(sc.QboItemSpec(name="water heater flush"))
    sandbox = build_sandbox(scenario)
    report, served = _run(sandbox, tmp_path)
    assert served == report.requests["quickbooks"] == 3  # 1,000 + 1,000 + the rest, four lists in the first
    assert sandbox.qbo.stats()["limit_violations"] == 0
    row = next(r for r in report.items if r.number == "SVC-WHF")
    assert row.bucket == "same_name" and row.differs_by == ["case"]


def test_the_window_is_the_last_twelve_months():
    assert window_start(date(2026, 11, 24)) == date(2025, 11, 25)
    assert window_start(date(2028, 2, 29)) == date(2027, 3, 1)
    assert window_start(date(2026, 3, 31)) == date(2025, 4, 1)


def test_an_invoice_older_than_the_window_does_not_count(tmp_path):
    scenario = build_sandbox(fs.NAME).scenario.model_copy(deep=True)
    scenario = sc.Scenario.model_validate(
        {
            **scenario.model_dump(),
            "clock": {"start": "2025-06-01T15:00:00Z", "now": scenario.clock.now},
            "timeline": [
                *scenario.model_dump()["timeline"],
                {"type": "invoice_created", "at": "2025-07-01T16:00:00Z", "number": "INV-0900", "customer": "C-1006",
                 "service_state": "UT", "tax_category": TAX_CATEGORY, "lines": [{"sku": "PRT-SUMP"}]},
            ],
        }
    )  # fmt: skip
    sandbox = build_sandbox(scenario)
    old = sandbox.suprata_store.by_number("invoice", "INV-0900")
    assert old.service_state == "UT" and old.txn_date == date(2025, 7, 1)
    report, _ = _run(sandbox, tmp_path)
    assert "UT" not in {r.state for r in report.tax}
    assert {r.state for r in report.tax} == {"CO", "WY", "NE"}
