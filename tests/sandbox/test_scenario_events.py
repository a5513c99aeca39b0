"""The events real companies need, each applied to a built sandbox and checked in both systems' state."""

from __future__ import annotations

import json

import httpx
import pytest

from qbsync.sandbox import IN_PROCESS_BASE
from qbsync.sandbox.app import build_sandbox
from qbsync.sandbox.transport import SandboxTransport


@pytest.fixture
def sb():
    return build_sandbox("healthy")


def _errors(attempt) -> list[dict]:
    return json.loads(attempt.error.body)["Fault"]["Error"]


def test_customer_merge_in_qbo_moves_transactions_and_leaves_the_old_one_deleted(sb):
    co = sb.qbo_company
    laura = co.find_by_name("Customer", "Laura Whitfield")
    ben = co.find_by_name("Customer", "Ben Albright")
    laura_invoices = [i["Id"] for i in co.all("Invoice") if i["CustomerRef"]["value"] == laura["Id"]]
    sb.apply_event({"type": "qbo_customers_merged", "key": "Laura Whitfield", "into": "Ben Albright"})
    moved = [co.read("Invoice", i) for i in laura_invoices]
    assert laura_invoices and all(inv["CustomerRef"] == {"value": ben["Id"], "name": "Ben Albright"} for inv in moved)
    merged = co.read("Customer", laura["Id"])
    assert merged["Active"] is False and merged["DisplayName"] == "Laura Whitfield (deleted)" and merged["Balance"] == 0
    # Suprata still links Laura to the merged-away customer: her next invoice is refused.
    sb.apply_event({"type": "invoice_created", "number": "INV-1100", "customer": "C-1001", "lines": [{"sku": "SVC-CALL"}]})  # fmt: skip
    attempt = sb.suprata_store.attempts[-1]
    assert attempt.outcome == "failed" and _errors(attempt)[0]["code"] == "610"


def test_credit_memo_in_qbo_lowers_the_balance_and_refund_does_not(sb):
    co = sb.qbo_company
    before = co.find_by_name("Customer", "Carmen Delgado")["Balance"]
    sb.apply_event({"type": "qbo_credit_memo_entered", "customer": "Carmen Delgado", "amount": "40.00", "memo": "goodwill"})  # fmt: skip
    memo = co.all("CreditMemo")[-1]
    assert memo["TotalAmt"] == 40.0 and memo["RemainingCredit"] == 40.0 and memo["PrivateNote"] == "goodwill"
    assert co.find_by_name("Customer", "Carmen Delgado")["Balance"] == round(before - 40.0, 2)
    sb.apply_event({"type": "qbo_refund_issued", "customer": "Carmen Delgado", "amount": "25.00"})
    refund = co.all("RefundReceipt")[-1]
    assert refund["TotalAmt"] == 25.0 and refund["DepositToAccountRef"]["name"] == "Checking"
    assert co.find_by_name("Customer", "Carmen Delgado")["Balance"] == round(before - 40.0, 2)


def test_sub_customer_is_pushed_as_a_job_under_its_parent(sb):
    sb.apply_event({"type": "customer_created", "customer": {"number": "C-2001", "display_name": "Prairie Wind - Bldg C", "parent": "C-1006"}})  # fmt: skip
    sb.apply_event({"type": "invoice_created", "number": "INV-1101", "customer": "C-2001", "lines": [{"sku": "SVC-CALL"}]})  # fmt: skip
    co = sb.qbo_company
    job = co.find_by_name("Customer", "Prairie Wind - Bldg C")
    parent = co.find_by_name("Customer", "Prairie Wind Apartments")
    assert job["Job"] is True and job["ParentRef"] == {"value": parent["Id"]} and job["Level"] == 1
    assert job["FullyQualifiedName"] == "Prairie Wind Apartments:Prairie Wind - Bldg C"


def test_customer_and_item_edits_in_suprata_are_pushed_as_sparse_updates(sb):
    co = sb.qbo_company
    sb.apply_event({"type": "customer_edited", "customer": "C-1003", "display_name": "Ben Albright Jr"})
    assert co.find_by_name("Customer", "Ben Albright Jr")["SyncToken"] != "0"
    sb.apply_event({"type": "item_edited", "sku": "SVC-CALL", "name": "Service Call", "unit_price": "99.00"})
    item = co.find_by_name("Item", "Service Call")
    assert item is not None and item["UnitPrice"] == 99.0
    # A rename into a name QuickBooks already holds is refused from state: 6240.
    sb.apply_event({"type": "customer_edited", "customer": "C-1005", "display_name": "Xcel Energy"})
    attempt = sb.suprata_store.attempts[-1]
    assert (attempt.record_type, attempt.outcome, _errors(attempt)[0]["code"]) == ("customer", "failed", "6240")


def test_payment_edit_and_delete_reach_quickbooks(sb):
    co = sb.qbo_company
    sb.apply_event({"type": "payment_edited", "number": "PMT-2004", "invoice": "INV-1004", "amount": "100.00"})
    pay = sb.qbo_find("Payment", "PMT-2004")
    assert pay["TotalAmt"] == 100.0
    inv = sb.qbo_find("Invoice", "INV-1004")
    assert inv["Balance"] == round(inv["TotalAmt"] - 100.0, 2)
    sb.apply_event({"type": "payment_deleted", "number": "PMT-2004"})
    assert co.is_deleted("Payment", pay["Id"])
    assert sb.qbo_find("Invoice", "INV-1004")["Balance"] == inv["TotalAmt"]


def test_retry_clicked_by_a_person_is_a_manual_retry(sb):
    sb.apply_event({"type": "retry_clicked", "record_type": "invoice", "number": "INV-1005"})
    attempt = sb.suprata_store.attempts[-1]
    assert (attempt.record_number, attempt.trigger) == ("INV-1005", "manual_retry")


def test_payment_on_a_voided_a_paid_or_an_over_applied_invoice_is_refused_with_620(sb):
    sb.apply_event({"type": "qbo_voided", "key": "INV-1005"})
    sb.apply_event({"type": "payment_created", "number": "PMT-2100", "applied": [{"invoice": "INV-1005", "amount": "10.00"}]})  # fmt: skip
    err = _errors(sb.suprata_store.attempts[-1])[0]
    assert (err["code"], err["Message"]) == ("620", "Txn ID Cannot Be Linked")
    sb.apply_event({"type": "invoice_created", "number": "INV-1102", "customer": "C-1002", "lines": [{"sku": "SVC-CALL"}]})  # fmt: skip
    total = sb.qbo_find("Invoice", "INV-1102")["TotalAmt"]
    sb.apply_event({"type": "payment_created", "number": "PMT-2101", "applied": [{"invoice": "INV-1102", "amount": str(total + 50)}]})  # fmt: skip
    err = _errors(sb.suprata_store.attempts[-1])[0]
    assert (err["code"], err["element"]) == ("620", "Line.LinkedTxn.TxnId")
    # Paid in full (closed): nothing is open, so a second payment cannot be linked either.
    sb.apply_event({"type": "payment_created", "number": "PMT-2102", "applied": [{"invoice": "INV-1102", "amount": str(total)}]})  # fmt: skip
    assert sb.suprata_store.attempts[-1].outcome == "succeeded" and sb.qbo_find("Invoice", "INV-1102")["Balance"] == 0
    sb.apply_event({"type": "payment_created", "number": "PMT-2103", "applied": [{"invoice": "INV-1102", "amount": "1.00"}]})  # fmt: skip
    assert _errors(sb.suprata_store.attempts[-1])[0]["code"] == "620"


def test_a_payment_larger_than_what_it_applies_keeps_the_rest_unapplied(sb):
    co = sb.qbo_company
    inv = sb.qbo_find("Invoice", "INV-1005")
    customer = inv["CustomerRef"]["value"]
    link = [{"TxnId": inv["Id"], "TxnType": "Invoice"}]
    pay = co.create("Payment", {"CustomerRef": {"value": customer}, "TotalAmt": 65.0, "Line": [{"Amount": 55.0, "LinkedTxn": link}]})  # fmt: skip
    assert (pay["TotalAmt"], pay["UnappliedAmt"]) == (65.0, 10.0)  # Intuit's sample Payment: 65 received, 55 applied


def test_throttling_one_app_leaves_the_other_reading(sb):
    sb.apply_event({"type": "throttle_burst", "seconds": 600, "app": "suprata"})
    sb.apply_event({"type": "invoice_created", "number": "INV-1103", "customer": "C-1002", "lines": [{"sku": "SVC-CALL"}]})  # fmt: skip
    attempt = sb.suprata_store.attempts[-1]
    assert attempt.error is not None and attempt.error.http_status == 429
    grant = sb.issue_qbsync_grant()
    with httpx.Client(transport=SandboxTransport(sb.app), base_url=IN_PROCESS_BASE) as http:
        resp = http.get(
            f"/qbo/v3/company/{sb.realm_id}/companyinfo/{sb.realm_id}",
            headers={"Authorization": f"Bearer {grant.access_token}", "Accept": "application/json"},
        )
    assert resp.status_code == 200  # qbsync's own app is not the one throttled
