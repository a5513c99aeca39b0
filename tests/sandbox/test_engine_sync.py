"""Suprata's sync engine: order, verbatim attempts, requestid behaviour, OAuth from state, tax and updates."""

from __future__ import annotations

from _fixtures import fresh, latest_attempts, qbo_code, qbo_duplicate_doc_numbers, shared, suprata_client

from qbsync.sandbox.app import SUPRATA_CLIENT_ID


def _attempts_for(sandbox, number, record_type="invoice"):
    record = sandbox.suprata_store.by_number(record_type, number)
    return [a for a in sandbox.suprata_store.attempts if a.record_id == record.id]


def test_first_invoice_creates_customer_then_items_then_invoice():
    sandbox = shared("healthy")
    first = sandbox.suprata_store.attempts[:5]
    assert [a.record_type for a in first] == ["customer", "item", "item", "item", "invoice"]
    assert all(a.outcome == "succeeded" for a in first)
    writes = [e["path"].rsplit("/", 1)[-1] for e in sandbox.qbo.stats()["log"] if e["method"] == "POST"][:5]
    assert writes == ["customer", "item", "item", "item", "invoice"]
    inv = sandbox.suprata_store.by_number("invoice", "INV-1001")
    qbo_inv = sandbox.qbo_company.read("Invoice", inv.sync.qbo_id)
    assert qbo_inv["DocNumber"] == "INV-1001"
    assert qbo_inv["CustomerRef"]["value"] == sandbox.suprata_store.customers[inv.customer_id].sync.qbo_id


def test_customer_failure_is_recorded_on_the_invoice_with_entity_customer():
    sandbox = shared("p1-customer")
    [inv_attempt] = _attempts_for(sandbox, "INV-1005")
    assert inv_attempt.error.qbo_entity == "Customer" and inv_attempt.error.qbo_operation == "create"
    assert qbo_code(inv_attempt.error) == "6240"
    customer_attempt = next(a for a in sandbox.suprata_store.attempts if a.record_number == "C-1007")
    assert customer_attempt.error.body == inv_attempt.error.body  # QBO's body, verbatim, on both
    assert inv_attempt.error.intuit_tid and inv_attempt.error.content_type.startswith("application/json")


def test_payment_waits_for_its_invoice_then_follows_it():
    sandbox = fresh("p3-closed-period")
    sandbox.apply_event({"type": "payment_created", "number": "PMT-2101", "applied": [{"invoice": "INV-1005"}]})
    pay = sandbox.suprata_store.by_number("payment", "PMT-2101")
    assert pay.sync.state == "pending" and pay.sync.attempts == 0  # waiting, nothing pushed
    sandbox.apply_event({"type": "books_closed", "through": None})
    with suprata_client(sandbox) as client:
        inv = sandbox.suprata_store.by_number("invoice", "INV-1005")
        retry = client.post("/sync/retries", json={"record_type": "invoice", "record_id": inv.id},
                            headers={"Idempotency-Key": "fix-1005"}).json()  # fmt: skip
        assert client.get(f"/sync/retries/{retry['id']}").json()["status"] == "succeeded"
    sandbox.tick()
    assert pay.sync.state == "synced"
    qbo_pay = sandbox.qbo_company.read("Payment", pay.sync.qbo_id)
    assert qbo_pay["Line"][0]["LinkedTxn"][0]["TxnId"] == inv.sync.qbo_id


def test_retries_after_429_reuse_the_requestid():
    sandbox = shared("p7-throttled")
    attempts = _attempts_for(sandbox, "INV-1005")
    assert [a.trigger for a in attempts] == ["auto", "scheduled_retry", "scheduled_retry"]
    assert {a.error.http_status for a in attempts} == {429}
    assert len({a.qbo_request_id for a in attempts}) == 1
    assert all(a.error.content_type.startswith("application/xml") for a in attempts)
    inv = sandbox.suprata_store.by_number("invoice", "INV-1005")
    assert inv.sync.state == "pending" and inv.sync.next_retry_at > sandbox.clock.now()


def test_retry_after_timeout_uses_a_new_requestid_and_duplicates_the_committed_invoice():
    sandbox = shared("p6-duplicate")
    timeout, retry = _attempts_for(sandbox, "INV-1005")
    assert timeout.error.kind == "timeout" and timeout.error.body is None
    assert retry.trigger == "scheduled_retry" and retry.outcome == "succeeded"
    assert retry.qbo_request_id != timeout.qbo_request_id
    assert qbo_duplicate_doc_numbers(sandbox) == ["INV-1005"]
    # Had Suprata reused the requestid, QBO would have replayed the committed create instead.
    replayed = sandbox.qbo_company.replays[timeout.qbo_request_id]
    assert replayed.status == 200


def test_manual_and_api_retries_use_a_new_requestid():
    sandbox = fresh("p4-tax")
    inv = sandbox.suprata_store.by_number("invoice", "INV-1005")
    before = inv.sync.request_id
    attempt = sandbox.engine.push(inv, "api_retry")
    assert attempt.qbo_request_id != before and qbo_code(attempt.error) == "6100"


def test_lapsed_refresh_token_gives_invalid_grant_from_the_oauth_emulator():
    sandbox = shared("p5-connection")
    [attempt] = _attempts_for(sandbox, "INV-1006")
    assert attempt.error.kind == "oauth" and attempt.error.http_status == 400
    assert attempt.error.qbo_operation == "refresh"
    assert '"error":"invalid_grant"' in attempt.error.body.replace(" ", "")
    refused = [e for e in sandbox.oauth.events if e.client_id == SUPRATA_CLIENT_ID and e.outcome == "invalid_grant"]
    assert refused and all(e.reason == "expired" for e in refused)
    assert sandbox.suprata_store.connection.status == "connected"  # reconnected since


def test_suprata_refreshes_through_the_token_endpoint_and_rotates():
    sandbox = shared("healthy")
    refreshes = sandbox.oauth.count_events(endpoint="token", grant_type="refresh_token", outcome="ok")
    assert refreshes >= 5  # weeks apart: every push after the first hour refreshed
    conn = sandbox.suprata_store.connection
    assert sandbox.oauth.refresh_token_state(conn.refresh_token) == "valid"


def test_revoked_connection_fails_the_next_push_and_shows_revoked():
    sandbox = fresh("healthy")
    sandbox.apply_event({"type": "connection_revoked"})
    sandbox.advance(2 * 3600)
    sandbox.apply_event({"type": "invoice_created", "number": "INV-1100", "customer": "C-1001", "lines": [{"sku": "SVC-CALL"}]})  # fmt: skip
    [attempt] = _attempts_for(sandbox, "INV-1100")
    assert attempt.error.kind == "oauth" and "invalid_grant" in attempt.error.body
    assert sandbox.suprata_store.connection.status == "revoked"
    sandbox.apply_event({"type": "reconnected"})
    assert (
        sandbox.engine.push(sandbox.suprata_store.by_number("invoice", "INV-1100"), "manual_retry").outcome
        == "succeeded"
    )


def test_tax_mapping_decides_the_line_codes():
    sandbox = shared("p4-tax")
    co = sandbox.qbo_company
    mapped = sandbox.suprata_store.by_number("invoice", "INV-1004")  # Colorado
    qbo_inv = co.read("Invoice", mapped.sync.qbo_id)
    codes = {
        line["SalesItemLineDetail"]["TaxCodeRef"]["value"] for line in qbo_inv["Line"] if "SalesItemLineDetail" in line
    }
    assert codes == {"TAX", "NON"}
    category = sandbox.suprata_store.tax_categories["8"]
    assert qbo_inv["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == category.mapped_code("CO")
    assert qbo_inv["TxnTaxDetail"]["TotalTax"] > 0
    [wy] = _attempts_for(sandbox, "INV-1005")
    assert qbo_code(wy.error) == "6100" and "Supplied value: 8" in wy.error.body
    labour_only = sandbox.suprata_store.by_number("invoice", "INV-1006")  # Wyoming, nothing taxable
    assert labour_only.sync.state == "synced"


def test_invoice_edit_pushes_a_sparse_update_and_a_stale_token_gives_5010():
    sandbox = fresh("healthy")
    sandbox.apply_event({"type": "invoice_edited", "number": "INV-1005", "add_lines": [{"sku": "PRT-VALV"}]})
    inv = sandbox.suprata_store.by_number("invoice", "INV-1005")  # unpaid: a payment would move its SyncToken
    last = _attempts_for(sandbox, "INV-1005")[-1]
    assert last.outcome == "succeeded" and inv.sync.qbo_sync_token == "1"
    assert len(sandbox.qbo_company.read("Invoice", inv.sync.qbo_id)["Line"]) == 4  # 3 item lines + subtotal
    stale = shared("unknown")
    attempt = latest_attempts(stale)[("invoice", stale.suprata_store.by_number("invoice", "INV-1004").id)]
    assert qbo_code(attempt.error) == "5010" and attempt.error.qbo_operation == "update"


def test_transient_failures_give_up_after_the_backoff_schedule():
    sandbox = fresh("healthy")
    sandbox.apply_event({"type": "outage", "seconds": 2 * 86400})
    sandbox.apply_event({"type": "invoice_created", "number": "INV-1100", "customer": "C-1002", "lines": [{"sku": "SVC-AC"}]})  # fmt: skip
    sandbox.advance(86400)
    attempts = _attempts_for(sandbox, "INV-1100")
    assert [a.error.http_status for a in attempts] == [503] * 6
    assert sandbox.suprata_store.by_number("invoice", "INV-1100").sync.state == "failed"
