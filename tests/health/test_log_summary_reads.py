"""Status's log figures from Suprata's summary of its log, the look-ahead's lists in one read each, and the same
answers, read as before, from a Suprata that predates both."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from qbsync.result import to_jsonable
from qbsync.sandbox.app import build_sandbox
from qbsync.sandbox.http import SandboxResponse
from qbsync.services import services_for_sandbox

SUMMARY = "/api/v1/sync/attempts/summary"


def _suprata_mount(sandbox):
    mounts = sandbox.app._mounts
    at = next(i for i, (prefix, _) in enumerate(mounts) if prefix == "/suprata")
    return mounts, at


def recording(sandbox, *, predates: str | None = None) -> list[tuple[str, dict[str, str], int]]:
    """Every Suprata request (path, query, status). ``predates``: the sandbox's Suprata as one from before the
    log summary (404, as for any endpoint it lacks) and ``unsynced`` on customers and items, which it either
    refuses (``"refuses"``: 400) or does not know and so ignores (``"ignores"``: every record comes back)."""
    mounts, at = _suprata_mount(sandbox)
    service = mounts[at][1]
    log: list[tuple[str, dict[str, str], int]] = []

    def handler(req):
        query = {k: v[0] for k, v in req.query.items()}
        if predates and req.path.endswith("/sync/attempts/summary"):
            response = SandboxResponse.json(
                {"error": "not_found", "message": f"No such endpoint: {req.path}"}, status=404
            )
        elif predates and req.path.endswith(("/customers", "/items")) and "unsynced" in req.query:
            if predates == "refuses":
                response = SandboxResponse.json(
                    {"error": "invalid_request", "message": "unknown parameter: unsynced"}, status=400
                )
            else:
                older = {k: v for k, v in req.query.items() if k != "unsynced"}
                response = service(dataclasses.replace(req, query=older))
        else:
            response = service(req)
        log.append((req.path, query, response.status))
        return response

    mounts[at] = ("/suprata", handler)
    return log


def _without_requests(value):
    if isinstance(value, dict):
        return {k: _without_requests(v) for k, v in value.items() if k != "requests"}
    if isinstance(value, list):
        return [_without_requests(v) for v in value]
    return value


def with_a_rough_day(sandbox):
    """Failed pushes in the last day of every kind the throttling figure tells apart (429, 503, a timeout, a
    refused connection, a 400 and one logged with no error), beside the scenario's own."""
    from qbsync.clients import suprata_models as m

    log = sandbox.suprata_store.attempts
    invoice = next(iter(sandbox.suprata_store.invoices.values()))
    now = sandbox.clock.now()
    errors = [
        m.SyncError(kind="http", http_status=429, body="{}"),
        m.SyncError(kind="http", http_status=429, body="{}"),
        m.SyncError(kind="http", http_status=503, body="<html>"),
        m.SyncError(kind="timeout"),
        m.SyncError(kind="connection"),
        m.SyncError(kind="http", http_status=400, body="{}"),
        None,
    ]
    for n, error in enumerate(errors):
        when = now - timedelta(hours=20, minutes=n)
        log.append(
            m.SyncAttempt(
                id=f"att_rough_{n}",
                record_type="invoice",
                record_id=invoice.id,
                record_number=invoice.number,
                customer_id=invoice.customer_id,
                attempted_at=when,
                attempt=1,
                trigger="scheduled_retry",
                outcome="failed",
                error=error,
            )
        )
    return sandbox


def _status(sandbox, tmp_path, name):
    from qbsync.health.status import read_status

    return read_status(services_for_sandbox(sandbox, tmp_path / name))


@pytest.mark.parametrize("scenario", ["demo", "p7-throttled", "healthy", "first-sync", "scale-300-60"])
def test_status_gives_the_same_figures_from_the_summary_as_from_the_log_itself(scenario, tmp_path):
    now_sandbox = with_a_rough_day(build_sandbox(scenario))
    old_sandbox = with_a_rough_day(build_sandbox(scenario))
    now_log, old_log = recording(now_sandbox), recording(old_sandbox, predates="refuses")
    report, before = _status(now_sandbox, tmp_path, "now"), _status(old_sandbox, tmp_path, "old")

    assert _without_requests(to_jsonable(report)) == _without_requests(to_jsonable(before))
    assert report.throttling.throttled_24h >= 2 and report.throttling.unavailable_24h >= 3
    # the last day's failures and the last success: one summary, no log entries
    assert [p for p, _, _ in now_log if p.endswith("/sync/attempts/summary")] == [SUMMARY]
    assert not [q for p, q, _ in now_log if p.endswith("/sync/attempts") and ("since" in q or "until" in q)]
    assert [s for p, _, s in old_log if p.endswith("/sync/attempts/summary")] == [404]  # asked once, then not
    assert report.requests["suprata"] < before.requests["suprata"]
    assert report.requests["suprata"] == len(now_log)


def test_diagnose_s_every_push_failed_since_is_the_same_from_the_summary(tmp_path):
    """diagnose's "every push failed since" question (the last success in the week before the last failure):
    one summary read, the same answer as streaming the week from a Suprata without it."""
    from qbsync.diagnosis.diagnose import Filters, diagnose

    reports, logs = [], []
    for predates in (None, "refuses"):
        sandbox = build_sandbox("p5-expired")
        logs.append(recording(sandbox, predates=predates))
        reports.append(diagnose(services_for_sandbox(sandbox, tmp_path / str(predates)), Filters()))
    assert _without_requests(to_jsonable(reports[0])) == _without_requests(to_jsonable(reports[1]))
    assert reports[0].summary.all_failing_since is not None  # the question was asked and mattered
    assert [q for p, q, _ in logs[0] if p.endswith("/sync/attempts/summary")] == [{"outcome": "succeeded"}]
    assert not [q for p, q, _ in logs[0] if p.endswith("/sync/attempts") and q.get("outcome") == "succeeded"]
    assert [q for p, q, _ in logs[1] if p.endswith("/sync/attempts") and q.get("outcome") == "succeeded"]


@pytest.mark.parametrize("predates", ["refuses", "ignores"])
def test_check_on_a_suprata_that_predates_the_new_reads_gives_the_same_answers(predates, tmp_path):
    from qbsync.health.check import run_check

    reports, logs = [], []
    for how in (None, predates):
        sandbox = with_a_rough_day(build_sandbox("demo"))
        logs.append(recording(sandbox, predates=how))
        reports.append(run_check(services_for_sandbox(sandbox, tmp_path / str(how)), record=False))
    now, before = reports
    assert _without_requests(to_jsonable(now)) == _without_requests(to_jsonable(before))
    assert now.risks and now.status.throttling.throttled_24h
    now_log, old_log = logs
    assert [p for p, _, _ in now_log if p.endswith("/sync/attempts/summary")] == [SUMMARY]  # status's, for both
    assert [s for p, _, s in old_log if p.endswith("/sync/attempts/summary")] == [404]
    customers = "/api/v1/customers"
    assert [q for p, q, _ in now_log if p == customers and "ids" not in q] == [{"unsynced": "true", "limit": "500"}]
    for log in logs:  # the demo's price list is one page: read whole, it answers diagnose's items by id too
        assert [q for p, q, _ in log if p == "/api/v1/items"] == [{"limit": "500"}]
    old = [(q, s) for p, q, s in old_log if p == customers and "ids" not in q]
    if predates == "refuses":  # refused once, then one list per state, as before
        assert [s for _, s in old] == [400, 200, 200, 200]
        assert [q.get("sync_state") for q, _ in old[1:]] == ["not_synced", "failed", "pending"]
    else:  # every customer came back: the linked ones are left out by the reader
        assert [s for _, s in old] == [200]


def with_a_long_price_list(sandbox, extra: int = 620):
    """``extra`` more items, every fifth one not linked to QuickBooks (the rest linked), after the scenario's."""
    import copy

    store = sandbox.suprata_store
    template = next(iter(store.items.values()))
    for n in range(extra):
        item = copy.deepcopy(template)
        item.id, item.sku, item.name = f"itm_long_{n:04d}", f"LONG-{n:04d}", f"Long list item {n}"
        item.sync.state, item.sync.qbo_id = ("not_synced", None) if n % 5 == 0 else ("synced", f"9{n:04d}")
        store.items[item.id] = item
    return sandbox


@pytest.mark.parametrize("long_list", [False, True])
def test_the_look_ahead_reads_unlinked_customers_and_items_in_one_list_each(long_list, tmp_path):
    """The customers not in QuickBooks in one list (``unsynced=true``); the items from the price list's first
    page when it is the whole list, else from their own list; the same risks as from the lists per state."""
    from qbsync.health.preflight import lookahead_risks, read_ahead_lists

    results, logs, lists = [], [], []
    for how in (None, "refuses"):
        sandbox = build_sandbox("scale-300-60")
        if long_list:
            with_a_long_price_list(sandbox)
        logs.append(recording(sandbox, predates=how))
        services = services_for_sandbox(sandbox, tmp_path / str(how))
        results.append(lookahead_risks(services, set()))
        lists.append(read_ahead_lists(services.suprata))
    assert to_jsonable(results[0]) == to_jsonable(results[1])
    assert [i.id for i in lists[0].items] == [i.id for i in lists[1].items] and lists[0].items
    assert [c.id for c in lists[0].customers] == [c.id for c in lists[1].customers] and lists[0].customers
    asked = [(p, q) for p, q, _ in logs[0] if p.endswith(("/customers", "/items"))][:3]
    items = [("/api/v1/items", {"limit": "500"})]
    if long_list:  # a price list longer than a page: its first page, then the unlinked items' own list
        assert len(lists[0].items) > 124
        items += [("/api/v1/items", {"unsynced": "true", "limit": "500"})]
    assert asked[: len(items)] == items
    assert asked[len(items)] == ("/api/v1/customers", {"unsynced": "true", "limit": "500"})
