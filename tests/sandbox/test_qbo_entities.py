"""Entity shapes and arithmetic: invoice math and tax, payments and balances, updates, void and delete."""

from __future__ import annotations

from qbo_kit import invoice_body, only_error, sales_line


def test_invoice_create_shape_like_the_captured_one(api, seeded):
    resp = api.post("/invoice", invoice_body("1", sales_line(100.0)), minorversion="8")
    assert resp.status_code == 200
    body = resp.json()
    inv = body["Invoice"]
    assert body["time"] == "2024-03-01T07:00:00.000-08:00"  # Pacific, whatever the company's zone
    assert inv["Id"] == "1" and inv["SyncToken"] == "0" and inv["domain"] == "QBO" and inv["sparse"] is False
    assert inv["MetaData"] == {
        "CreateTime": "2024-03-01T07:00:00-08:00",
        "LastUpdatedTime": "2024-03-01T07:00:00-08:00",
    }
    assert inv["DocNumber"] == "1001" and inv["TxnDate"] == "2024-03-01" and inv["DueDate"] == "2024-03-31"
    assert inv["Line"] == [
        {
            "Amount": 100.0,
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": "1", "name": "Services"}, "TaxCodeRef": {"value": "NON"}},
            "Id": "1",
            "LineNum": 1,
        },
        {"Amount": 100.0, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}},
    ]
    assert inv["TxnTaxDetail"] == {"TotalTax": 0}
    assert inv["TotalAmt"] == 100.0 and inv["Balance"] == 100.0 and inv["LinkedTxn"] == []
    assert inv["CustomerRef"] == {"value": "1", "name": "Amy's Bird Sanctuary"}
    assert resp.headers["intuit_tid"].startswith("1-")
    cust = api.get("/customer/1").json()["Customer"]
    assert cust["Balance"] == 100.0 and cust["SyncToken"] == "0"


def test_invoice_tax_from_tax_rate(api, seeded):
    body = invoice_body(
        "1",
        sales_line(582.50, item="2", tax="TAX"),
        sales_line(20.0, item="1"),
        TxnTaxDetail={"TxnTaxCodeRef": {"value": "1"}},
    )
    inv = api.post("/invoice", body).json()["Invoice"]
    assert inv["Line"][-1] == {"Amount": 602.5, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}
    assert inv["TxnTaxDetail"]["TotalTax"] == 46.6
    assert inv["TxnTaxDetail"]["TaxLine"][0]["TaxLineDetail"] == {
        "TaxRateRef": {"value": "1"},
        "PercentBased": True,
        "TaxPercent": 8.0,
        "NetAmountTaxable": 582.5,
    }
    assert inv["TotalAmt"] == 649.1 and inv["Balance"] == 649.1


def test_qty_times_unit_price_and_discount(api, seeded):
    line = {"DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": 3}}
    discount = {"DetailType": "DiscountLineDetail", "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 10}}
    inv = api.post("/invoice", invoice_body("1", line, discount)).json()["Invoice"]
    assert inv["Line"][0]["Amount"] == 300.0
    assert inv["Line"][1]["Amount"] == 30.0
    assert inv["TotalAmt"] == 270.0


def test_zero_total_invoice_is_accepted(api, seeded):
    # "You must set a transaction amount." is not documented for invoices: the emulator does not invent it.
    assert api.post("/invoice", invoice_body("1", sales_line(0.0))).status_code == 200


def test_payment_reduces_balances_and_links(api, seeded):
    inv = api.post("/invoice", invoice_body("1", sales_line(100.0))).json()["Invoice"]
    pay_body = {
        "CustomerRef": {"value": "1"},
        "TotalAmt": 150.0,
        "Line": [{"Amount": 60.0, "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}],
    }
    pay = api.post("/payment", pay_body).json()["Payment"]
    assert pay["UnappliedAmt"] == 90.0 and pay["TotalAmt"] == 150.0
    after = api.get(f"/invoice/{inv['Id']}").json()["Invoice"]
    assert after["Balance"] == 40.0
    assert after["LinkedTxn"] == [{"TxnId": pay["Id"], "TxnType": "Payment"}]
    assert after["SyncToken"] == "1"
    assert api.get("/customer/1").json()["Customer"]["Balance"] == -50.0  # 40 open less 90 unapplied


def test_full_and_sparse_update_bump_sync_token(api, seeded, clock):
    cust = api.get("/customer/1").json()["Customer"]
    clock.advance(60)
    resp = api.post(
        "/customer", {"Id": "1", "SyncToken": "0", "sparse": True, "PrimaryPhone": {"FreeFormNumber": "(650) 555-3311"}}
    )
    updated = resp.json()["Customer"]
    assert updated["SyncToken"] == "1" and updated["GivenName"] == "Amy"
    assert updated["MetaData"]["CreateTime"] == cust["MetaData"]["CreateTime"]
    assert updated["MetaData"]["LastUpdatedTime"] == "2024-03-01T07:01:00-08:00"
    full = api.post("/customer", {"Id": "1", "SyncToken": "1", "DisplayName": "Amy B"}, operation="update").json()[
        "Customer"
    ]
    assert full["SyncToken"] == "2" and "GivenName" not in full and "PrimaryPhone" not in full
    assert only_error(api.post("/customer", {"Id": "1", "DisplayName": "No token"}))["code"] == "2020"


def test_rename_shows_in_invoice_reference(api, seeded):
    api.post("/invoice", invoice_body("1"))
    seeded.sparse_update("Customer", {"Id": "1", "DisplayName": "Amy's Birds"})
    assert api.get("/invoice/1").json()["Invoice"]["CustomerRef"]["name"] == "Amy's Birds"


def test_void_invoice_shape(api, seeded):
    inv = api.post("/invoice", invoice_body("1")).json()["Invoice"]
    voided = api.post("/invoice", {"Id": inv["Id"], "SyncToken": inv["SyncToken"]}, operation="void").json()["Invoice"]
    assert voided["SyncToken"] == "1" and voided["PrivateNote"] == "Voided"
    assert voided["TotalAmt"] == 0 and voided["Balance"] == 0 and voided["TxnTaxDetail"]["TotalTax"] == 0
    assert all(line["Amount"] == 0 for line in voided["Line"])
    assert voided["DocNumber"] == inv["DocNumber"] and "status" not in voided
    assert api.get(f"/invoice/{inv['Id']}").json()["Invoice"]["PrivateNote"] == "Voided"
    assert api.get("/customer/1").json()["Customer"]["Balance"] == 0


def test_void_payment_restores_invoice_balance(api, seeded):
    inv = api.post("/invoice", invoice_body("1")).json()["Invoice"]
    pay = api.post(
        "/payment",
        {
            "CustomerRef": {"value": "1"},
            "TotalAmt": 100.0,
            "Line": [{"Amount": 100.0, "LinkedTxn": [{"TxnId": "1", "TxnType": "Invoice"}]}],
        },
    ).json()["Payment"]
    assert api.get("/invoice/1").json()["Invoice"]["Balance"] == 0
    resp = api.post(
        "/payment", {"Id": pay["Id"], "SyncToken": pay["SyncToken"], "sparse": True}, operation="update", include="void"
    )
    voided = resp.json()["Payment"]
    assert (
        voided["TotalAmt"] == 0
        and voided["UnappliedAmt"] == 0
        and voided["PrivateNote"] == "Voided"
        and voided["sparse"] is True
    )
    assert api.get(f"/invoice/{inv['Id']}").json()["Invoice"]["Balance"] == 100.0


def test_delete_invoice_shape_and_afterwards(api, seeded):
    inv = api.post("/invoice", invoice_body("1")).json()["Invoice"]
    resp = api.post("/invoice", {"Id": inv["Id"], "SyncToken": "0"}, operation="delete")
    body = resp.json()
    assert body["Invoice"] == {"domain": "QBO", "status": "Deleted", "Id": inv["Id"]}
    assert set(body) == {"Invoice", "time"}
    assert api.query("select * from Invoice").json()["QueryResponse"] == {}
    again = api.post("/invoice", {"Id": inv["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "x"})
    assert only_error(again)["Detail"] == "Object Not Found : Another user has deleted this transaction."
    assert api.get("/customer/1").json()["Customer"]["Balance"] == 0


def test_delete_needs_current_sync_token(api, seeded):
    api.post("/invoice", invoice_body("1"))
    seeded.sparse_update("Invoice", {"Id": "1", "PrivateNote": "edited in QBO"})
    assert only_error(api.post("/invoice", {"Id": "1", "SyncToken": "0"}, operation="delete"))["code"] == "5010"


def test_company_python_api_reads_and_acts(seeded):
    inv = seeded.create("Invoice", invoice_body("1"))
    assert seeded.read("Invoice", inv["Id"])["TotalAmt"] == 100.0
    assert seeded.find_by_name("Customer", "AMY'S BIRD SANCTUARY")["Id"] == "1"
    seeded.void("Invoice", inv["Id"])
    assert seeded.read("Invoice", inv["Id"])["TotalAmt"] == 0
    seeded.delete("Invoice", inv["Id"])
    assert seeded.read("Invoice", inv["Id"]) is None and seeded.is_deleted("Invoice", inv["Id"])
    assert seeded.query("select count(*) from Item")["totalCount"] == 2


def test_custom_txn_numbers_leave_doc_number_null(api, seeded):
    seeded.set_custom_txn_numbers(True)
    inv = api.post("/invoice", invoice_body("1")).json()["Invoice"]
    assert "DocNumber" not in inv
    assert api.get("/preferences").json()["Preferences"]["SalesFormsPrefs"]["CustomTxnNumbers"] is True


def test_ui_may_edit_a_closed_period(seeded):
    from datetime import date

    inv = seeded.create("Invoice", invoice_body("1", TxnDate="2024-01-10"))
    seeded.close_books(date(2024, 1, 31))
    assert (
        seeded.sparse_update("Invoice", {"Id": inv["Id"], "PrivateNote": "fixed by the bookkeeper"})["SyncToken"] == "1"
    )


def test_read_unknown_and_bad_ids(api, company):
    assert only_error(api.get("/invoice/42"))["code"] == "610"
    err = only_error(api.get("/invoice/1.5"))
    assert err == {
        "Message": "Invalid ID",
        "Detail": "Id should be a valid number. Supplied value:1.5",
        "code": "2030",
        "element": "Id",
    }
