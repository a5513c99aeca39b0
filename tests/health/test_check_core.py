"""qbsync check on the sandbox: verdicts, pre-flight risks before any failure, batching, the trend."""

from __future__ import annotations

from datetime import timedelta

import pytest
from _kit import CLOSE_DATE, PENDING_INVOICE, history_for, preflight_sandbox, services_for

from qbsync.health.check import run_check
from qbsync.health.status import Thresholds, read_status
from qbsync.sandbox.app import build_sandbox


def test_demo_is_critical_with_the_plan(tmp_path):
    sandbox = build_sandbox("demo")
    report = run_check(services_for(sandbox, tmp_path), history=history_for(tmp_path))
    assert report.exit_code == 2 and report.verdict == "CRITICAL"
    assert report.diagnosis.root_causes and report.diagnosis.root_causes[0].step == 1
    assert "failures need action (see the plan)" in report.reasons
    patterns = {c.pattern for c in report.diagnosis.root_causes}
    assert {"P1", "P2", "P3", "P4", "P5", "P7"} <= patterns


def test_healthy_is_ok_with_no_risks(tmp_path):
    report = run_check(services_for(build_sandbox("healthy"), tmp_path), history=history_for(tmp_path))
    assert (report.exit_code, report.risks, report.reasons) == (0, [], [])


def test_preflight_scenario_warns_about_both_risks_before_anything_failed(tmp_path):
    sandbox = preflight_sandbox()
    assert all(a.outcome == "succeeded" for a in sandbox.suprata_store.attempts)  # nothing has failed yet
    report = run_check(services_for(sandbox, tmp_path), history=history_for(tmp_path))
    assert report.exit_code == 1 and report.verdict == "WARNING"
    assert report.diagnosis.summary.failures == 0
    kinds = {r.kind: r for r in report.risks}
    assert set(kinds) == {"token_expiring", "near_close_date"}
    assert "Suprata's QuickBooks connection: refresh token expires in 6 days" in kinds["token_expiring"].title
    assert kinds["near_close_date"].records == [f"invoice {PENDING_INVOICE} (2026-11-01, not synced)"]
    assert str(CLOSE_DATE) in kinds["near_close_date"].title


def test_qbsync_own_95_day_token_is_renewed_by_the_check_and_said_so(tmp_path):
    sandbox = preflight_sandbox()
    services = services_for(sandbox, tmp_path)
    assert services.own_connection().days_left == 6
    report = run_check(services, history=history_for(tmp_path))
    own = next(c for c in report.status.connections if c.who == "qbsync")
    assert own.days_left == 101  # the check's own refresh keeps qbsync's connection alive
    assert any("had 6 days left; this run renewed it" in n for n in report.notes)
    assert not any("qbsync's own" in r.title for r in report.risks)


def test_a_token_within_the_window_warns_and_a_wider_window_catches_more(tmp_path):
    sandbox = build_sandbox("healthy")  # Suprata's refresh token: 95 days left
    services = services_for(sandbox, tmp_path)
    assert run_check(services, Thresholds(token_warn_days=14)).exit_code == 0
    report = run_check(services, Thresholds(token_warn_days=96))
    assert report.exit_code == 1 and [r.kind for r in report.risks] == ["token_expiring"]


def test_closed_period_items_names_and_tax_codes_are_caught_before_they_fail(tmp_path):
    sandbox = build_sandbox("healthy")
    co = sandbox.qbo_company
    co.create("Vendor", {"DisplayName": "Mesa Verde Properties", "Active": True})
    co.create("Item", {"Name": "Radon Test Kit", "Type": "Service", "UnitPrice": 25, "Active": True})
    co.set_book_close_date(CLOSE_DATE)
    now = sandbox.clock.now()
    from qbsync.sandbox import scenario as sc

    sandbox.player.apply(
        sc.CustomerCreated(at=now, customer=sc.SupCustomerSpec(number="C-1099", display_name="Mesa Verde Properties"))
    )
    from qbsync.sandbox.suprata.store import ItemRec, money

    sandbox.suprata_store.add(
        ItemRec(
            id="itm_radon",
            sku="MISC-RADON",
            name="Radon Test Kit",
            unit_price=money(25),
            created_at=now,
            updated_at=now,
        )
    )
    sandbox.player.apply(sc.TaxMappingChanged(at=now, category="8", state="WY", tax_code=None))
    sandbox.player.apply(
        sc.InvoiceCreated(
            at=now, number="INV-1090", customer="C-1001", txn_date=CLOSE_DATE, lines=[sc.LineSpec(sku="SVC-CALL")]
        )
    )
    report = run_check(services_for(sandbox, tmp_path))
    kinds = {r.kind: r for r in report.risks}
    assert report.diagnosis.summary.failures == 0 and report.exit_code == 1
    assert kinds["customer_name"].records == ["Mesa Verde Properties (C-1099; a QuickBooks vendor)"]
    assert kinds["item_name"].records == ["Radon Test Kit (MISC-RADON)"]
    assert kinds["tax_code"].records == ["Parts & materials in WY: no QuickBooks tax code"]
    assert kinds["closed_period"].records == ["invoice INV-1090 (2026-10-31, not synced)"]


def test_lookups_are_batched_one_request_per_entity_per_1000_keys(tmp_path):
    sandbox = build_sandbox("healthy")
    from qbsync.sandbox import scenario as sc

    now = sandbox.clock.now()
    for i in range(1500):
        sandbox.player.apply(
            sc.CustomerCreated(at=now, customer=sc.SupCustomerSpec(number=f"C-{5000 + i}", display_name=f"Client {i}"))
        )
    sandbox.qbo_company.create("Employee", {"DisplayName": "Client 1499", "Active": True})
    services = services_for(sandbox, tmp_path)
    from qbsync.health.preflight import lookahead_risks

    before = services.qbo_request_count()
    risks = lookahead_risks(services, set())
    used = services.qbo_request_count() - before
    assert used == 1 + 1 + 2 * 2  # tax codes, unlinked item names, then Vendor and Employee: 2 chunks of <=1,000
    assert [r.records for r in risks if r.kind == "customer_name"] == [["Client 1499 (C-6499; a QuickBooks employee)"]]


def test_transient_failures_warn_and_stale_ones_are_named(tmp_path):
    sandbox = build_sandbox("p7-throttled")
    services = services_for(sandbox, tmp_path)
    report = run_check(services)
    assert report.exit_code == 1 and "transient failures" in report.reasons[0]
    strict = run_check(services, Thresholds(transient_max_hours=1))
    # the failures started 28 minutes before 'now': still fine at 1 hour; advance the clock 2 hours
    assert not [r for r in strict.risks if r.kind == "stale_transient"]
    sandbox.clock.set(sandbox.clock.now() + timedelta(hours=2))
    later = run_check(services, Thresholds(transient_max_hours=1))
    assert [r.kind for r in later.risks if r.kind == "stale_transient"] == ["stale_transient"]


def test_two_runs_a_simulated_week_apart_show_the_trend(tmp_path):
    sandbox = build_sandbox("p7-throttled")
    services = services_for(sandbox, tmp_path)
    history = history_for(tmp_path)
    first = run_check(services, history=history)
    assert first.trend is not None and first.trend.first_run
    from qbsync.sandbox import scenario as sc

    sandbox.advance(7 * 86400)  # a week later; Suprata's automatic retries clear the throttled invoices
    now = sandbox.clock.now()
    for n in range(3):
        sandbox.player.apply(
            sc.InvoiceCreated(at=now, number=f"INV-13{n}", customer="C-1002", lines=[sc.LineSpec(sku="SVC-CALL")])
        )
    second = run_check(services, history=history)
    t = second.trend
    assert t is not None and t.previous is not None
    assert t.previous.ran_at == first.generated_at and t.week_ago == t.previous
    backlog = next(c for c in t.since_last if c.figure == "backlog")
    assert (backlog.before, backlog.now) == (first.status.backlog.count, 3)
    assert [p.run.backlog if p.run else None for p in t.weeks] == [None, None, None, first.status.backlog.count, 3]
    assert len(history.runs("demo")) == 2
    assert first.status.backlog.count == 4 and not t.backlog_growing  # 4 throttled, then 3 new: shrinking
    assert "Trend since" in "\n".join(__import__("qbsync.render.check_view", fromlist=["x"]).check_lines(second))


def test_status_is_a_handful_of_requests_with_the_same_exit_codes(tmp_path):
    for name, code in (("healthy", 0), ("p7-throttled", 1), ("demo", 2)):
        sandbox = build_sandbox(name)
        report = read_status(services_for(sandbox, tmp_path / name))
        assert report.exit_code == code, name
        # QuickBooks: preferences, company info, change feed, old voids; Suprata: its log, backlog and account,
        # and the records behind what the change feed found (diagnose's own reads, shared within check)
        assert report.requests["quickbooks"] <= 4 and report.requests["suprata"] <= 15, report.requests


@pytest.mark.parametrize("backlog_then,backlog_now,growing", [(2, 5, True), (5, 5, False), (7, 3, False)])
def test_backlog_growth_is_judged_against_the_run_a_week_ago(tmp_path, backlog_then, backlog_now, growing):
    from datetime import UTC, datetime

    from qbsync.health.history import RunFigures

    history = history_for(tmp_path)
    now = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)

    def run(when, backlog):
        return RunFigures("acme", when, 1, "Acme", 0, 0, 0, backlog, None, 0, 0)

    history.record(run(now - timedelta(days=20), 0))
    history.record(run(now - timedelta(days=7), backlog_then))
    history.record(run(now - timedelta(days=1), 99))  # yesterday's run is the "previous", not the week-ago one
    trend = history.trend(run(now, backlog_now))
    assert trend.previous is not None and trend.previous.backlog == 99
    assert trend.week_ago is not None and trend.week_ago.backlog == backlog_then
    assert trend.backlog_growing is growing
