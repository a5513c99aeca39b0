"""CDC (tombstones, the 30-day window), batch (per-item results under HTTP 200) and requestid replay."""

from __future__ import annotations

from datetime import timedelta

from qbo_kit import invoice_body, only_error


def test_cdc_changes_and_deletions(api, seeded, clock):
    clock.advance(1)
    since = clock.now()
    clock.advance(10)
    kept = api.post("/invoice", invoice_body("1")).json()["Invoice"]
    gone = api.post("/invoice", invoice_body("1")).json()["Invoice"]
    clock.advance(10)
    api.post("/invoice", {"Id": gone["Id"], "SyncToken": "0"}, operation="delete")
    resp = api.get("/cdc", entities="invoice,Customer,Vendor", changedSince=since.isoformat())
    body = resp.json()
    assert resp.status_code == 200 and len(body["CDCResponse"]) == 1
    per_entity = body["CDCResponse"][0]["QueryResponse"]
    assert len(per_entity) == 3
    invoices = per_entity[0]["Invoice"]
    assert per_entity[0]["startPosition"] == 1 and per_entity[0]["maxResults"] == 2
    assert invoices[0]["Id"] == kept["Id"] and invoices[0]["TotalAmt"] == 100.0
    assert invoices[1] == {
        "domain": "QBO",
        "status": "Deleted",
        "Id": gone["Id"],
        "MetaData": {"LastUpdatedTime": "2024-03-01T07:00:21-08:00"},
    }
    assert [c["Id"] for c in per_entity[1]["Customer"]] == ["1"]  # its balance moved
    assert per_entity[2] == {}  # the vendor did not change since


def test_cdc_30_day_window(api, company, clock):
    too_old = (clock.now() - timedelta(days=31)).isoformat()
    err = only_error(api.get("/cdc", entities="Customer", changedSince=too_old))
    assert err["code"] == "500" and err["Message"] == "Unsupported Operation"
    assert (
        err["Detail"]
        == f"Operation cdc with changedSince date {too_old} which is older than fixed days is not supported."
    )
    ok = api.get("/cdc", entities="Customer", changedSince=(clock.now() - timedelta(days=29)).isoformat())
    assert ok.status_code == 200 and ok.json()["CDCResponse"] == [{"QueryResponse": [{}]}]


def test_batch_per_item_results_under_200(api, seeded):
    api.post("/invoice", invoice_body("1"))
    items = [
        {"bId": "bid1", "operation": "create", "Vendor": {"DisplayName": "Boraski Family Store"}},
        {"bId": "bid2", "operation": "delete", "Invoice": {"Id": "129", "SyncToken": "0"}},
        {"bId": "bid3", "operation": "update", "Customer": {"Id": "1", "SyncToken": "7", "sparse": True, "Notes": "x"}},
        {"bId": "bid4", "Query": "select * from Invoice where TotalAmt > '50.00'"},
        {"bId": "bid5", "operation": "create", "Customer": {"DisplayName": "Boraski Family Store"}},
    ]
    resp = api.post("/batch", {"BatchItemRequest": items})
    assert resp.status_code == 200
    out = resp.json()["BatchItemResponse"]
    assert [o["bId"] for o in out] == ["bid1", "bid2", "bid3", "bid4", "bid5"]
    assert out[0]["Vendor"]["DisplayName"] == "Boraski Family Store" and out[0]["Vendor"]["Vendor1099"] is False
    assert out[1]["Fault"]["Error"][0]["code"] == "610" and out[1]["Fault"]["type"] == "ValidationFault"
    assert out[2]["Fault"]["Error"][0]["code"] == "5010"
    assert out[3]["QueryResponse"]["maxResults"] == 1 and out[3]["QueryResponse"]["Invoice"][0]["Id"] == "1"
    assert out[4]["Fault"]["Error"][0]["code"] == "6240"  # the vendor from bid1 really exists now


def test_batch_items_cannot_see_earlier_creates(api, seeded):
    items = [
        {"bId": "c", "operation": "create", "Customer": {"DisplayName": "New Person"}},
        {"bId": "i", "operation": "create", "Invoice": invoice_body("2")},
    ]
    out = api.post("/batch", {"BatchItemRequest": items}).json()["BatchItemResponse"]
    assert out[0]["Customer"]["Id"] == "2"
    assert out[1]["Fault"]["Error"][0]["code"] == "2500"
    assert api.post("/invoice", invoice_body("2")).status_code == 200  # visible to the next request


def test_requestid_replays_byte_for_byte(api, seeded, qbo, clock):
    first = api.post("/invoice", invoice_body("1"), requestid="4957")
    clock.advance(5)
    again = api.post("/invoice", invoice_body("1"), requestid="4957")
    assert again.status_code == first.status_code == 200
    assert again.content == first.content
    assert seeded.query("select count(*) from Invoice") == {"totalCount": 1}
    other = api.post("/invoice", invoice_body("1"), requestid="4958")
    assert other.json()["Invoice"]["Id"] == "2"
    assert qbo.stats(seeded.realm_id)["endpoints"]["POST invoice"] == 3


def test_requestid_replays_a_fault_too(api, seeded):
    first = api.post("/customer", {"DisplayName": "Pipe Supply Co"}, requestid="dup-1")
    assert first.status_code == 400
    seeded.sparse_update("Vendor", {"Id": "1", "DisplayName": "Pipe Supply Company"})
    again = api.post("/customer", {"DisplayName": "Pipe Supply Co"}, requestid="dup-1")
    assert again.content == first.content
    assert api.post("/customer", {"DisplayName": "Pipe Supply Co"}, requestid="dup-2").status_code == 200


def test_requestid_is_per_realm(api, qbo, tokens, http, seeded):
    from qbsync.sandbox.tokens import ACCOUNTING_SCOPE

    other = qbo.add_company("777", "Other")
    other.create("Customer", {"DisplayName": "X"})
    other.create("Item", {"Name": "Services"})
    token = tokens.issue("777", "client-id", {ACCOUNTING_SCOPE}).value
    api.post("/invoice", invoice_body("1"), requestid="same")
    resp = http.post(
        "/qbo/v3/company/777/invoice",
        json=invoice_body("1"),
        params={"requestid": "same"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status_code == 200 and other.query("select count(*) from Invoice") == {"totalCount": 1}
