"""Each planted root cause arises from state: the failures match ``expected``, retrying without fixing the
cause fails the same way, and removing the cause through the admin API makes the retry succeed."""

from __future__ import annotations

import pytest
from _fixtures import (
    admin_client,
    blocked_by_cause,
    expected_blocked,
    fresh,
    qbo_code,
    qbo_duplicate_doc_numbers,
    qbo_only_payments,
    shared,
    suprata_client,
)

PATTERN_SCENARIOS = ["p1-customer", "p2-item", "p3-closed-period", "p4-tax", "p5-connection", "p6-duplicate", "p7-throttled", "unknown"]  # fmt: skip


@pytest.mark.parametrize("name", ["healthy", *PATTERN_SCENARIOS])
def test_blocked_records_match_expected(name):
    sandbox = shared(name)
    assert blocked_by_cause(sandbox) == expected_blocked(sandbox)


def test_healthy_has_nothing_red():
    sandbox = shared("healthy")
    assert all(a.outcome == "succeeded" for a in sandbox.suprata_store.attempts)
    assert sandbox.scenario.expected.root_causes == []


def _retry(sandbox, record_type, number, key):
    record = sandbox.suprata_store.by_number(record_type, number)
    with suprata_client(sandbox) as client:
        created = client.post(
            "/sync/retries", json={"record_type": record_type, "record_id": record.id}, headers={"Idempotency-Key": key}
        ).json()
        return client.get(f"/sync/retries/{created['id']}").json()


def _admin(sandbox, *events):
    with admin_client(sandbox) as admin:
        resp = admin.post("/events", json=list(events))
        assert resp.status_code == 200, resp.text


def _code(result):
    from qbsync.clients.suprata_models import SyncError

    return qbo_code(SyncError.model_validate(result["attempt"]["error"]))


def test_p1_collision_comes_from_the_vendor_and_renaming_it_fixes_the_retry():
    sandbox = fresh("p1-customer")
    assert sandbox.qbo_company.find_by_name("Vendor", "Front Range Electric") is not None
    assert _code(_retry(sandbox, "invoice", "INV-1005", "before")) == "6240"
    _admin(sandbox, {"type": "qbo_renamed", "entity": "Vendor", "key": "Front Range Electric", "new_name": "Front Range Electric (vendor)"})  # fmt: skip
    assert _retry(sandbox, "invoice", "INV-1005", "after")["status"] == "succeeded"
    assert sandbox.suprata_store.by_number("customer", "C-1007").sync.state == "synced"
    assert _retry(sandbox, "payment", "PMT-2004", "pay")["status"] == "succeeded"


def test_p1_inactive_customer_and_reactivating_fixes_it():
    sandbox = fresh("p1-customer")
    assert sandbox.qbo_company.find_by_name("Customer", "Ben Albright")["Active"] is False
    assert _code(_retry(sandbox, "invoice", "INV-1006", "before")) == "610"
    _admin(sandbox, {"type": "qbo_edited", "entity": "Customer", "key": "Ben Albright", "changes": {"Active": True}})
    assert _retry(sandbox, "invoice", "INV-1006", "after")["status"] == "succeeded"


def test_p2_item_collision_and_renaming_the_qbo_item_fixes_it():
    sandbox = fresh("p2-item")
    assert sandbox.suprata_store.item_by_ref("SVC-WHF").sync.qbo_id is None  # no link
    assert _code(_retry(sandbox, "invoice", "INV-1006", "before")) == "6240"
    _admin(sandbox, {"type": "qbo_renamed", "entity": "Item", "key": "Water Heater Flush", "new_name": "Water Heater Flush (old)"})  # fmt: skip
    assert _retry(sandbox, "invoice", "INV-1006", "after")["status"] == "succeeded"


def test_p3_close_date_blocks_and_reopening_fixes_it():
    sandbox = fresh("p3-closed-period")
    prefs = sandbox.qbo_company.preferences()
    assert prefs["AccountingInfoPrefs"]["BookCloseDate"] == "2026-10-31"
    assert sandbox.suprata_store.by_number("invoice", "INV-1008").sync.state == "synced"  # dated after the close
    assert _code(_retry(sandbox, "invoice", "INV-1005", "before")) == "6210"
    _admin(sandbox, {"type": "books_closed", "through": "2026-10-28"})
    assert _retry(sandbox, "invoice", "INV-1005", "after")["status"] == "succeeded"


def test_p4_tax_gap_and_mapping_wyoming_fixes_it():
    sandbox = fresh("p4-tax")
    assert _code(_retry(sandbox, "invoice", "INV-1007", "before")) == "6100"
    _admin(sandbox, {"type": "tax_mapping_changed", "category": "8", "state": "WY", "tax_code": "Laramie County, WY"})
    assert _retry(sandbox, "invoice", "INV-1007", "after")["status"] == "succeeded"


def test_p5_records_from_the_lapsed_window_retry_safely_now():
    sandbox = fresh("p5-connection")
    for number in ("INV-1005", "INV-1006", "INV-1007"):
        assert _retry(sandbox, "invoice", number, number)["status"] == "succeeded"
    assert _retry(sandbox, "payment", "PMT-2004", "pay")["status"] == "succeeded"
    assert qbo_duplicate_doc_numbers(sandbox) == []


def test_p6_state_in_quickbooks():
    sandbox = shared("p6-duplicate")
    assert qbo_duplicate_doc_numbers(sandbox) == ["INV-1005"]
    [only_qbo] = qbo_only_payments(sandbox)
    inv_1004 = sandbox.suprata_store.by_number("invoice", "INV-1004")
    assert only_qbo["Line"][0]["LinkedTxn"][0]["TxnId"] == inv_1004.sync.qbo_id
    assert inv_1004.balance > 0  # Suprata still shows it open
    deleted = sandbox.suprata_store.by_number("invoice", "INV-1002")
    assert sandbox.qbo_company.is_deleted("Invoice", deleted.sync.qbo_id)


def test_p7_pending_records_clear_once_the_burst_is_over():
    sandbox = fresh("p7-throttled")
    pending = [i for i in sandbox.suprata_store.invoices.values() if i.sync.state == "pending"]
    assert len(pending) == 4
    with admin_client(sandbox) as admin:
        assert admin.post("/clock/advance", json={"seconds": 3600}).status_code == 200
    assert all(i.sync.state == "synced" for i in pending)
    assert qbo_duplicate_doc_numbers(sandbox) == []


def test_unknown_stale_object_fails_again_on_retry():
    sandbox = fresh("unknown")
    assert _code(_retry(sandbox, "invoice", "INV-1004", "again")) == "5010"


def test_admin_stats_and_tick():
    sandbox = fresh("healthy")
    with admin_client(sandbox) as admin:
        stats = admin.get("/stats").json()
        assert stats["qbo"]["total"] > 0 and stats["suprata"]["attempts"] == len(sandbox.suprata_store.attempts)
        assert admin.post("/engine/tick", json={"count": 2}).json()["attempts"] == 0
        assert admin.post("/events", json={"type": "nonsense"}).status_code == 400
        assert "expected" not in admin.get("/scenario").json()
