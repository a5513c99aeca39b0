"""QboClient against the in-process QBO emulator (sandbox/qbo), counting requests with its stats."""

from __future__ import annotations

import logging
import threading
from datetime import date, timedelta

import pytest
from clients_testkit import REALM, QboEnv, Scripted, json_response

from qbsync.clients import query as q
from qbsync.clients.errors import QboApiError, TemporarilyUnavailable, Unauthorized, Unreachable
from qbsync.clients.http import RetryPolicy
from qbsync.clients.qbo_models import Customer, Invoice, Tombstone, Vendor


@pytest.fixture
def env(clock):
    return QboEnv(clock)


def seed_customers(env, n):
    return [env.company.create("Customer", {"DisplayName": f"Customer {i:04d}"})["Id"] for i in range(n)]


def seed_invoices(env, n):
    cust = env.company.create("Customer", {"DisplayName": "Invoice Holder"})["Id"]
    item = env.company.create("Item", {"Name": "Drain cleaning", "Type": "Service", "IncomeAccountRef": {"value": "1"}})
    line = {
        "Amount": 100,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}},
    }
    return [
        env.company.create("Invoice", {"DocNumber": f"INV-{1000 + i}", "CustomerRef": {"value": cust}, "Line": [line]})
        for i in range(n)
    ]


def test_query_pages_through_2500_rows(env):
    ids = seed_customers(env, 2500)
    env.sandbox.reset_stats()
    rows = env.client().query(q.select("Customer").order_by("Id"))
    assert [r.id for r in rows] == ids and all(isinstance(r, Customer) for r in rows)
    assert env.stats()["endpoints"] == {"GET query": 3}  # 1000 + 1000 + 500
    assert env.client().count("Customer") == 2500


def test_1500_key_lookup_costs_exactly_two_requests(env):
    ids = seed_customers(env, 2000)
    env.company.make_inactive("Customer", ids[10])  # inactive rows are found too
    client = env.client()
    env.sandbox.reset_stats()
    found = client.by_ids("Customer", [*ids[:1500], "999999"])
    assert set(found) == set(ids[:1500]) and found[ids[10]].active is False
    assert env.stats()["total"] == 2 and env.stats()["endpoints"] == {"POST query": 2}  # long IN lists go by POST


def test_lookup_by_display_name_across_name_lists_with_quoting(env):
    env.company.create("Customer", {"DisplayName": "Amy's Bird Sanctuary"})
    env.company.create("Vendor", {"DisplayName": "Back\\slash Supply"})
    emp = env.company.create("Employee", {"DisplayName": "Emma O'Neil", "GivenName": "Emma"})
    env.company.make_inactive("Employee", emp["Id"])
    env.sandbox.reset_stats()
    found = env.client().by_display_names(["Amy's Bird Sanctuary", "Back\\slash Supply", "Emma O'Neil", "Nobody"])
    assert sorted(found) == ["Amy's Bird Sanctuary", "Back\\slash Supply", "Emma O'Neil"]
    assert isinstance(found["Back\\slash Supply"][0], Vendor)
    assert env.stats()["total"] == 3  # one statement per name list


def test_many_names_read_vendors_and_employees_whole(env):
    """Past 500 names the short lists are read whole (one request each), the customers still by name."""
    vendor = env.company.create("Vendor", {"DisplayName": "Name 0042"})
    emp = env.company.create("Employee", {"DisplayName": "name 0077", "GivenName": "N"})
    env.company.make_inactive("Employee", emp["Id"])  # QuickBooks renames it "name 0077 (deleted)"
    env.company.create("Vendor", {"DisplayName": "Not asked for"})
    env.company.create("Customer", {"DisplayName": "Name 0500"})
    env.sandbox.reset_stats()
    found = env.client().by_display_names([f"Name {i:04d}" for i in range(600)])
    assert sorted(found) == ["Name 0042", "Name 0500", "name 0077"]  # any case, as QuickBooks compares
    assert [type(r).__name__ for r in found["Name 0042"]] == ["Vendor"] and found["Name 0042"][0].id == vendor["Id"]
    assert env.stats()["total"] == 2 + 1 + 1  # 1,200 customer keys in two lookups, one read per short list


def test_doc_numbers_items_get_prefs_company_and_cdc(env, clock):
    invoices = seed_invoices(env, 3)
    client = env.client()
    env.sandbox.reset_stats()
    by_number = client.by_doc_numbers("Invoice", ["INV-1000", "INV-1002", "INV-9"])
    assert sorted(by_number) == ["INV-1000", "INV-1002"] and env.stats()["total"] == 1
    assert client.items_by_name(["Drain cleaning"])["Drain cleaning"].type == "Service"
    inv = client.get("Invoice", invoices[1]["Id"])
    assert isinstance(inv, Invoice) and inv.total_amt == 100 and inv.line[0].sales_item_line_detail.item_ref.value

    env.company.close_books(date(2026, 9, 30))
    assert client.preferences().accounting_info_prefs.book_close_date == date(2026, 9, 30)
    assert client.company_info().company_name == "Peak Plumbing"

    since = clock.now() - timedelta(hours=1)
    clock.advance(60)
    env.company.void("Invoice", invoices[0]["Id"])
    env.company.delete("Invoice", invoices[2]["Id"])
    changes = client.cdc(["Invoice", "Payment"], since)
    assert changes["Payment"] == []
    by_id = {r.id: r for r in changes["Invoice"]}
    assert isinstance(by_id[invoices[2]["Id"]], Tombstone)
    assert by_id[invoices[0]["Id"]].voided


def test_batch_chunks_of_30_with_per_item_faults(env):
    seed_customers(env, 3)
    statements = [q.select("Customer").eq("DisplayName", f"Customer {i % 3:04d}") for i in range(34)]
    statements.append("SELECT * FROM Custmoer")
    env.sandbox.reset_stats()
    results = env.client().batch(statements)
    assert env.stats()["endpoints"] == {"POST batch": 2}
    assert len(results) == 35 and all(r.ok and len(r.rows) == 1 for r in results[:34])
    assert results[34].fault is not None and results[34].fault.code == "4001"


# --- every fault shape, end to end ------------------------------------------------------------------------


def test_validation_fault_400(env):
    with pytest.raises(QboApiError) as info:
        env.client().query("SELECT * FROM Custmoer")
    fault = info.value.fault
    assert (fault.http_status, fault.code, fault.fault_type) == (400, "4001", "ValidationFault")
    assert "Custmoer" in fault.raw and fault.intuit_tid and fault.body_format == "json"


def test_expired_token_401_lowercase_envelope_and_refresh(env):
    env.tokens.expire_all()
    with pytest.raises(Unauthorized) as info:
        env.client().company_info()
    assert info.value.fault.code == "3200" and info.value.fault.fault_type == "AUTHENTICATION"
    assert env.token[:10] not in str(info.value) and env.token[:10] not in info.value.fault.raw

    class Store:
        value = env.token

        def __call__(self):
            return self.value

        def refresh(self):
            self.value = env.tokens.issue(REALM, "client-id", {env.scope}).value
            return True

    assert env.client(token=Store()).company_info().company_name == "Peak Plumbing"


def test_wrong_scope_403_3100(env):
    token = env.tokens.issue(REALM, "client-id", {"openid"}).value
    from qbsync.clients.http import StaticToken

    with pytest.raises(QboApiError) as info:
        env.client(token=StaticToken(token)).company_info()
    assert (info.value.status, info.value.fault.code, info.value.fault.fault_type) == (403, "3100", "SERVICE")


def test_throttled_429_xml_is_retried_after_60_seconds_within_the_limiter(env, clock):
    seed_customers(env, 2)
    env.sandbox.faults.throttle_burst(1, REALM)
    client = env.client()
    t0 = clock.monotonic()
    assert len(client.query(q.select("Customer"))) == 2
    assert 60 <= clock.monotonic() - t0 < 61
    stats = env.stats()
    assert stats["total"] == 2 and stats["limit_violations"] == 1
    assert client.http.limiter.stats(REALM)["total"] == 2  # both attempts held a limiter slot


def test_retry_after_header_wins_over_the_60_second_rule(env, clock):
    front = Scripted(json_response({}, 429, retry_after="5"), then=env.app)
    t0 = clock.monotonic()
    env.client(front).company_info()
    assert clock.monotonic() - t0 == pytest.approx(5)


def test_throttle_past_the_wait_bound_is_temporarily_unavailable(env):
    env.sandbox.faults.throttle_burst(10, REALM)
    with pytest.raises(TemporarilyUnavailable) as info:
        env.client(retry=RetryPolicy(max_total_wait=150)).company_info()
    err = info.value
    assert err.status == 429 and err.attempts == 3 and err.retry_after is None
    assert err.fault.code == "3001" and err.fault.body_format == "xml" and err.intuit_tid


def test_outage_html_503_waited_out_or_surfaced(env, clock):
    env.sandbox.faults.add_outage(clock.now(), clock.now() + timedelta(seconds=20), 503)
    assert env.client().company_info().company_name == "Peak Plumbing"  # backoff outlasted a short outage

    env.sandbox.faults.add_outage(clock.now(), clock.now() + timedelta(hours=1), 503)
    with pytest.raises(TemporarilyUnavailable) as info:
        env.client().company_info()
    assert info.value.status == 503 and info.value.fault.body_format == "html" and info.value.waited <= 180


def test_system_fault_500_and_damaged_bodies(env):
    env.sandbox.faults.set_error_rate("GET preferences", 1.0, "500")
    with pytest.raises(QboApiError) as info:
        env.client().preferences()
    assert (info.value.status, info.value.fault.code) == (500, "10000")

    env.sandbox.faults.corrupt_next(1, "non_json", endpoint="GET companyinfo")
    with pytest.raises(QboApiError) as info:
        env.client().company_info()
    assert info.value.status == 200 and info.value.fault.raw  # HTML labelled JSON: kept, not crashed on

    env.sandbox.faults.corrupt_next(1, "truncate", endpoint="GET companyinfo")
    with pytest.raises(QboApiError):
        env.client().company_info()


def test_http_200_with_a_fault_body(env):
    body = {
        "Fault": {
            "Error": [{"Message": "Stale Object Error", "Detail": "x", "code": "5010"}],
            "type": "ValidationFault",
        }
    }
    with pytest.raises(QboApiError) as info:
        env.client(Scripted(json_response(body))).company_info()
    assert (info.value.status, info.value.fault.code) == (200, "5010")


def test_network_timeouts_retried_then_unreachable(env):
    env.sandbox.faults.set_error_rate("GET companyinfo", 1.0, "read_timeout")
    counted = Scripted(then=env.app)  # the emulator's stats skip requests that died as network faults
    with pytest.raises(Unreachable) as info:
        env.client(counted, retry=RetryPolicy(max_attempts=3)).company_info()
    assert info.value.kind == "timeout" and info.value.attempts == 3 and len(counted.requests) == 3


# --- the limiter against the emulator's own accounting -----------------------------------------------------


def test_never_more_than_10_in_flight_with_real_threads(clock):
    env = QboEnv(clock, latency_ms=4)
    ids = seed_customers(env, 30)
    client = env.client()
    errors: list[BaseException] = []

    def worker(chunk):
        try:
            for cid in chunk:
                client.get("Customer", cid)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(ids[i::25],)) for i in range(25)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    stats = env.stats()
    assert stats["endpoints"]["GET customer"] == 30
    assert 1 < stats["peak_in_flight"] <= 10  # real overlap, never past the cap
    assert stats["limit_violations"] == 0

    env.sandbox.reset_stats()
    results = client.parallel([lambda c=c: client.get("Customer", c) for c in ids])
    assert [r.id for r in results] == ids and env.stats()["peak_in_flight"] <= 10


def test_500_per_minute_waits_instead_of_failing(env, clock):
    client = env.client()
    t0 = clock.monotonic()
    for _ in range(520):
        client.preferences()
    stats = env.stats()
    assert stats["total"] == 520 and stats["limit_violations"] == 0
    assert clock.monotonic() - t0 >= 60


def test_log_output_has_no_token(env, caplog):
    seed_customers(env, 2)
    with caplog.at_level(logging.DEBUG, logger="qbsync.http"):
        env.client().query(q.select("Customer"))
        env.tokens.expire_all()
        with pytest.raises(Unauthorized):
            env.client().query(q.select("Customer"))
    assert env.token not in caplog.text and env.token[:12] not in caplog.text
    assert "minorversion=75" in caplog.text and "intuit_tid=1-" in caplog.text
