"""Every fault body the emulator sends, checked against the wire reference strings, and each arising
from state (a real name collision, a real close date, a real inactive record)."""

from __future__ import annotations

from datetime import date, timedelta

from qbo_kit import invoice_body, only_error, sales_line

from qbsync.sandbox.qbo.faults import QboError

INACTIVE = (
    "Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, "
    "vendors or employees."
)
NAME_TAKEN = (
    "The name supplied already exists. : Another customer, vendor or employee is already using this name. "
    "Please use a different name."
)


def test_customer_name_collides_with_vendor_case_insensitively(api, seeded):
    resp = api.post("/customer", {"DisplayName": "pipe supply co"})
    assert resp.status_code == 400
    body = resp.json()
    assert body["Fault"]["type"] == "ValidationFault"
    assert body["Fault"]["Error"] == [{"Message": "Duplicate Name Exists Error", "Detail": NAME_TAKEN, "code": "6240"}]
    assert body["time"].endswith("-08:00")  # Pacific, not the company's Mountain time
    assert [c["DisplayName"] for c in seeded.all("Customer")] == ["Amy's Bird Sanctuary"]


def test_inactive_customer_still_holds_its_name(api, seeded):
    seeded.make_inactive("Customer", "1")
    assert seeded.read("Customer", "1")["DisplayName"] == "Amy's Bird Sanctuary (deleted)"
    resp = api.post("/vendor", {"DisplayName": "Amy's Bird Sanctuary"})
    assert only_error(resp)["code"] == "6240"


def test_employee_shares_the_namespace(api, seeded):
    assert api.post("/employee", {"GivenName": "Pipe", "FamilyName": "Supply Co"}).status_code == 400
    assert (
        api.post("/employee", {"GivenName": "Jo", "FamilyName": "Tech"}).json()["Employee"]["DisplayName"] == "Jo Tech"
    )


def test_duplicate_item_name(api, seeded):
    err = only_error(api.post("/item", {"Name": "SERVICES", "Type": "Service"}))
    assert err["code"] == "6240"
    assert err["Message"] == "Duplicate Name Exists Error"
    assert err["Detail"].startswith("The name supplied already exists. : ")


def test_inactive_customer_reference_is_610(api, seeded):
    seeded.make_inactive("Customer", "1")
    err = only_error(api.post("/invoice", invoice_body("1")))
    assert err == {
        "Message": "Object Not Found",
        "Detail": f"Object Not Found : {INACTIVE}",
        "code": "610",
        "element": "",
    }


def test_inactive_item_on_a_new_invoice_is_2500_naming_the_line(api, seeded):
    seeded.make_inactive("Item", "1")
    err = only_error(api.post("/invoice", invoice_body("1", sales_line(10.0, item="1"))))
    assert err == {
        "Message": "Invalid Reference Id",
        "Detail": "Invalid Reference Id : Line.SalesItemLineDetail.ItemRef",
        "code": "2500",
        "element": "Line.SalesItemLineDetail.ItemRef",
    }


def test_inactive_item_on_an_invoice_being_modified_asks_to_restore_it(api, seeded):
    inv = api.post("/invoice", invoice_body("1", sales_line(10.0, item="1"))).json()["Invoice"]
    seeded.make_inactive("Item", "1")
    err = only_error(api.post("/invoice", {**inv, "PrivateNote": "edited"}))
    assert err["code"] == "2500" and err["element"] == "Line.SalesItemLineDetail.ItemRef"
    assert err["Detail"] == (
        "Invalid Reference Id : Product/Service assigned to this transaction has been deleted. Before you can "
        "modify this transaction, you must restore Services (deleted)."
    )


def test_nonexistent_item_is_2500_naming_the_line(api, seeded):
    err = only_error(api.post("/invoice", invoice_body("1", sales_line(10.0, item="999"))))
    assert (err["code"], err["element"]) == ("2500", "Line.SalesItemLineDetail.ItemRef")
    assert err["Detail"] == "Invalid Reference Id : Line.SalesItemLineDetail.ItemRef"


def test_one_error_per_bad_line(api, seeded):
    body = invoice_body("1", sales_line(10.0, tax="8"), sales_line(5.0, item="999"), sales_line(2.0, tax="9"))
    errors = api.post("/invoice", body).json()["Fault"]["Error"]
    assert [(e["code"], e["element"]) for e in errors] == [
        ("6100", "Line.SalesItemLineDetail.TaxCodeRef"),
        ("2500", "Line.SalesItemLineDetail.ItemRef"),
        ("6100", "Line.SalesItemLineDetail.TaxCodeRef"),
    ]
    assert errors[2]["Detail"].endswith("Supplied value: 9")


def test_missing_reference_is_2500(api, seeded):
    err = only_error(api.post("/invoice", invoice_body("77")))
    assert err == {
        "Message": "Invalid Reference Id",
        "Detail": f"Invalid Reference Id : {INACTIVE}",
        "code": "2500",
        "element": "",
    }
    err = only_error(api.post("/invoice", invoice_body("1", sales_line(5.0, item="99"))))
    assert err["code"] == "2500"


def test_payment_linked_to_deleted_invoice_is_610_deleted(api, seeded):
    inv = api.post("/invoice", invoice_body("1")).json()["Invoice"]
    assert api.post("/invoice", {"Id": inv["Id"], "SyncToken": inv["SyncToken"]}, operation="delete").status_code == 200
    pay = {
        "CustomerRef": {"value": "1"},
        "TotalAmt": 100.0,
        "Line": [{"Amount": 100.0, "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}],
    }
    err = only_error(api.post("/payment", pay))
    assert err == {
        "Message": "Object Not Found",
        "Detail": "Object Not Found : Another user has deleted this transaction.",
        "code": "610",
        "element": "",
    }


def test_duplicate_doc_number_6140_and_allowduplicatedocnum(api, seeded):
    first = api.post("/invoice", invoice_body("1", DocNumber="O0010714")).json()["Invoice"]
    err = only_error(api.post("/invoice", invoice_body("1", DocNumber="O0010714")))
    assert err["code"] == "6140"
    assert err["Message"] == "Duplicate Document Number Error"
    assert err["Detail"] == (
        "Duplicate Document Number Error : You must specify a different number. This number has already been used. "
        f"DocNumber=O0010714 is assigned to TxnType=Invoice with TxnId={first['Id']}"
    )
    allowed = api.post("/invoice", invoice_body("1", DocNumber="O0010714"), include="allowduplicatedocnum")
    assert allowed.status_code == 200


def test_duplicate_doc_number_check_off(api, qbo):
    co = qbo.add_company("555", "Lax Co", duplicate_doc_number_check=False)
    co.create("Customer", {"DisplayName": "C"})
    co.create("Item", {"Name": "Services"})
    co.create("Invoice", invoice_body("1", DocNumber="7"))
    assert co.create("Invoice", invoice_body("1", DocNumber="7"))["DocNumber"] == "7"


def test_closed_books_6210_on_create_update_void_delete(api, seeded):
    old = api.post("/invoice", invoice_body("1", TxnDate="2024-01-15")).json()["Invoice"]
    seeded.close_books(date(2024, 1, 31))
    prefs = api.get("/preferences").json()["Preferences"]
    assert prefs["AccountingInfoPrefs"]["BookCloseDate"] == "2024-01-31"
    expected = {
        "Message": "Account Period Closed, Cannot Update Through Services API",
        "Detail": "The account period has closed and the account books cannot be updated through through the QBO "
        "Services API. Please use the QBO website to make these changes.",
        "code": "6210",
        "element": "",
    }
    assert only_error(api.post("/invoice", invoice_body("1", TxnDate="2024-01-31"))) == expected
    ref = {"Id": old["Id"], "SyncToken": old["SyncToken"]}
    assert only_error(api.post("/invoice", {**ref, "sparse": True, "PrivateNote": "x"})) == expected
    assert only_error(api.post("/invoice", ref, operation="void")) == expected
    assert only_error(api.post("/invoice", ref, operation="delete")) == expected
    assert api.post("/invoice", invoice_body("1", TxnDate="2024-02-01")).status_code == 200
    # moving an open-period invoice into the closed period is refused too
    fresh = api.post("/invoice", invoice_body("1", TxnDate="2024-02-02")).json()["Invoice"]
    moved = api.post("/invoice", {"Id": fresh["Id"], "SyncToken": "0", "sparse": True, "TxnDate": "2024-01-02"})
    assert only_error(moved)["code"] == "6210"


def test_books_never_closed_have_no_book_close_date(api, company):
    assert "BookCloseDate" not in api.get("/preferences").json()["Preferences"]["AccountingInfoPrefs"]


def test_us_line_tax_code_must_be_tax_or_non(api, seeded):
    err = only_error(api.post("/invoice", invoice_body("1", sales_line(10.0, tax="8"))))
    assert err == {
        "Message": "Invalid Line TaxCode in the request",
        "Detail": "Valid line TaxCodes for US should be TAX or NON. Supplied value: 8",
        "code": "6100",
        "element": "Line.SalesItemLineDetail.TaxCodeRef",
    }


def test_taxable_line_without_txn_tax_code_is_6000(api, seeded):
    err = only_error(api.post("/invoice", invoice_body("1", sales_line(10.0, item="2"))))
    assert err["code"] == "6000"
    assert err["Message"] == "A business validation error has occurred while processing your request"
    assert err["Detail"].startswith(
        "Business Validation Error: We're sorry, QuickBooks encountered an error while calculating tax. Try "
        "reselecting the tax rate or reentering the product/service item and saving the form again."
    )


def test_txn_tax_code_inactive_610_missing_2500(api, seeded):
    body = invoice_body("1", sales_line(10.0, tax="TAX"), TxnTaxDetail={"TxnTaxCodeRef": {"value": "9"}})
    assert only_error(api.post("/invoice", body))["code"] == "2500"
    seeded.make_inactive("TaxCode", "1")
    body["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] = "1"
    assert only_error(api.post("/invoice", body))["code"] == "610"


def test_non_us_lines_need_a_tax_code(qbo, tokens, app):
    for country, word in (("CA", "GST/HST"), ("UK", "VAT")):
        co = qbo.add_company(f"r-{country}", f"{country} Co", country=country, timezone="America/Toronto")
        co.create("Customer", {"DisplayName": "Maple"})
        co.create("Item", {"Name": "Labour"})
        try:
            co.create("Invoice", invoice_body("1", sales_line(10.0)))
        except QboError as err:
            assert err.fault()["Error"][0] == {
                "Message": "A business validation error has occurred while processing your request",
                "Detail": f"Business Validation Error: Make sure all your transactions have a {word} rate before you save.",
                "code": "6000",
                "element": "",
            }
        else:
            raise AssertionError("expected 6000")


def test_stale_sync_token_5010(api, seeded):
    cust = api.get("/customer/1").json()["Customer"]
    seeded.sparse_update("Customer", {"Id": "1", "CompanyName": "Amy's"})  # someone in the QBO web UI
    resp = api.post("/customer", {"Id": "1", "SyncToken": cust["SyncToken"], "sparse": True, "Notes": "x"})
    assert only_error(resp) == {
        "Message": "Stale Object Error",
        "Detail": "Stale Object Error : You and Company Admin were working on this at the same time. Company Admin "
        "finished before you did, so your work was not saved.",
        "code": "5010",
        "element": "",
    }


def test_query_faults_4000_4001(api, company):
    err = only_error(api.query("SELECT * FROM Custmoer"))
    assert err == {
        "Message": "Invalid query",
        "Detail": "QueryValidationError: invalid context declaration: Custmoer",
        "code": "4001",
    }
    err = only_error(api.query("select * from Customer where DisplayName = 'Amy's Bird'"))
    assert err["code"] == "4000" and err["Message"] == "Error parsing query"
    assert err["Detail"].startswith(
        'QueryParserError: Encountered " <IDENTIFIER> "s "" at line 1, column 49.\nWas expecting one of:'
    )
    assert only_error(api.query("select * from Customer where Id = '1' OR Id = '2'"))["code"] == "4001"
    err = only_error(api.query("select * from Customer STARTPOSITION 0"))
    assert err["Detail"] == "QueryValidationError: value 0 is too small. Min allowed value is 1"
    assert only_error(api.query(""))["Detail"].startswith('QueryParserError: Encountered "<EOF>" at line 0, column 0.')


def test_401_lower_case_envelope(api, tokens, clock, bearer):
    tokens.expire_all()
    resp = api.get("/customer/1")
    assert resp.status_code == 401
    assert resp.headers["Www-Authenticate"] == 'Bearer realm="Intuit", error="invalid_token"'
    body = resp.json()
    assert body["fault"]["type"] == "AUTHENTICATION"
    assert body["fault"]["error"] == [
        {
            "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
            "detail": f"Token expired: {bearer[:20]}",
            "code": "3200",
            "element": None,
        }
    ]
    assert isinstance(body["time"], int) and body["time"] == int(clock.now().timestamp() * 1000)
    assert body["batchItemResponse"] == [] and body["cdcresponse"] == [] and body["queryResponse"] is None


def test_401_missing_token(app, company):
    import httpx

    from qbsync.sandbox.transport import SandboxTransport

    with httpx.Client(transport=SandboxTransport(app), base_url="http://sandbox.invalid") as raw:
        resp = raw.get(f"/qbo/v3/company/{company.realm_id}/preferences")
    assert resp.status_code == 401 and resp.json()["fault"]["error"][0]["code"] == "3200"


def test_403_wrong_realm_and_scope(api, qbo, tokens, company, http):
    other = qbo.add_company("4620816365000000", "Other Co")
    resp = http.get(f"/qbo/v3/company/{other.realm_id}/preferences")
    assert resp.status_code == 403
    err = resp.json()["fault"]
    assert err["type"] == "SERVICE"
    assert err["error"][0]["code"] == "3100"
    assert err["error"][0]["message"] == "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403"
    openid_only = tokens.issue(company.realm_id, "client-id", {"openid"}).value
    resp = http.get(api.url("/preferences"), headers={"Authorization": f"Bearer {openid_only}"})
    assert resp.status_code == 403 and resp.json()["fault"]["error"][0]["code"] == "3100"


def test_429_throttle_is_xml_even_for_json(api, qbo, company):
    qbo.faults.throttle_burst(1)
    resp = api.get("/preferences")
    assert resp.status_code == 429
    assert resp.headers["content-type"].startswith("application/xml")
    assert '<Fault type="SERVICE"><Error code="3001">' in resp.text
    assert "<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>" in resp.text
    assert "<Detail>The request limit was reached.  Try again later</Detail>" in resp.text
    assert qbo.stats(company.realm_id)["limit_violations"] == 1
    assert api.get("/preferences").status_code == 200


def test_503_html_and_504_gateway_outages_by_clock(api, qbo, clock):
    now = clock.now()
    qbo.faults.add_outage(now, now + timedelta(minutes=5), status=503)
    qbo.faults.add_outage(now + timedelta(minutes=5), now + timedelta(minutes=6), status=504)
    resp = api.get("/preferences")
    assert resp.status_code == 503 and resp.headers["content-type"].startswith("text/html")
    assert "<title>503 Service Unavailable</title>" in resp.text
    clock.advance(301)
    resp = api.get("/preferences")
    assert resp.status_code == 504 and "504 Gateway Time-out" in resp.text
    clock.advance(60)
    assert api.get("/preferences").status_code == 200


def test_batch_over_30_items_is_1040(api, seeded):
    items = [{"bId": f"b{i}", "Query": "select * from Customer"} for i in range(31)]
    resp = api.post("/batch", {"BatchItemRequest": items})
    assert resp.status_code == 400
    err = only_error(resp)
    assert (err["code"], err["Message"]) == ("1040", "Batch size exceeds allowed limit")
    assert api.post("/batch", {"BatchItemRequest": items[:30]}).status_code == 200


def test_unknown_resource_is_code_500_with_http_400(api, company):
    err = only_error(api.get("/customer/1/5"))
    assert err["code"] == "500" and err["Message"] == "Unsupported Operation"
    assert err["Detail"].startswith(
        f"Operation Could not find resource for relative : /v3/company/{company.realm_id}/customer/1/5"
    )


def test_deleting_a_name_list_entity_is_refused(api, seeded):
    resp = api.post("/customer", {"Id": "1", "SyncToken": "0"}, operation="delete")
    assert resp.status_code == 400 and only_error(resp)["code"] == "500"
    assert seeded.read("Customer", "1") is not None


def test_deactivating_customer_with_balance_is_6220(api, seeded):
    api.post("/invoice", invoice_body("1"))
    cust = api.get("/customer/1").json()["Customer"]
    resp = api.post("/customer", {"Id": "1", "SyncToken": cust["SyncToken"], "sparse": True, "Active": False})
    assert only_error(resp)["code"] == "6220"


def test_every_bad_line_is_an_error_of_one_fault(api, seeded):
    # QuickBooks validates every line and reports each bad one: a bad tax code here, an inactive item there.
    seeded.make_inactive("Item", "2")
    body = invoice_body("1", sales_line(10.0, tax="8"), sales_line(20.0, item="2", tax="NON"), sales_line(5.0))
    errors = api.post("/invoice", body).json()["Fault"]["Error"]
    # An inactive item on a new invoice is QBO's 2500 naming the line (PHP-SDK#102), not the generic 610.
    assert [e["code"] for e in errors] == ["6100", "2500"]
    assert errors[1]["Detail"] == "Invalid Reference Id : Line.SalesItemLineDetail.ItemRef"
    assert errors[1]["element"] == "Line.SalesItemLineDetail.ItemRef"
    assert seeded.all("Invoice") == []  # nothing is saved when any line is bad


def test_closed_books_without_a_password_answer_5010_account_period_closed(api, seeded):
    seeded.close_books(date(2024, 2, 29))
    seeded.close_password_required = False
    err = only_error(api.post("/invoice", invoice_body("1", TxnDate="2024-02-10")))
    assert (err["code"], err["Message"], err["Detail"]) == (
        "5010",
        "Account Period Closed",
        "The account period has closed. {1}",  # sic: python-quickbooks#208
    )
    seeded.close_password_required = True
    assert only_error(api.post("/invoice", invoice_body("1", TxnDate="2024-02-10")))["code"] == "6210"


def test_unknown_property_is_2010_and_bad_dates_are_refused(api, seeded):
    err = only_error(api.post("/invoice", invoice_body("1", BadJson=True)))
    assert err["code"] == "2010" and "element" not in err
    assert err["Detail"].startswith(
        'Property Name:Unrecognized field "BadJson" (class com.intuit.schema.finance.v3.Invoice), not marked as '
        "ignorable ("
    )
    assert err["Detail"].endswith(" [truncated]])\n specified is unsupported or invalid")
    assert only_error(api.post("/invoice", invoice_body("1", TxnDate="not-a-date")))["code"] == "2060"
    inv = api.post("/invoice", invoice_body("1", TxnDate="2024-03-01", DueDate="")).json()["Invoice"]
    assert inv["DueDate"] == "2024-03-31"  # "" is absent: TxnDate + terms


def test_xml_accept_gets_an_intuit_response(api, seeded):
    xml = {"Accept": "application/xml"}
    resp = api.http.get(api.url("/customer/1"), headers=xml)
    assert resp.headers["Content-Type"].startswith("application/xml")
    assert '<Customer domain="QBO" sparse="false">' in resp.text and "<DisplayName>Amy's Bird" in resp.text
    fault = api.http.post(api.url("/customer"), json={"DisplayName": "Pipe Supply Co"}, headers=xml)
    assert fault.status_code == 400
    assert '<Fault type="ValidationFault"><Error code="6240" element=""><Message>Duplicate Name Exists Error' in (
        fault.text
    )


# The 2010 QBO answered qbo_api's sandbox request {"BadJson":true} (spec/vcr/error/400_json.yml, 2020-09-29).
CAPTURED_2010_DETAIL = (
    'Property Name:Unrecognized field "BadJson" (class com.intuit.schema.finance.v3.Invoice), not marked as '
    'ignorable (83 known properties: "DocNumber", "HomeTotalAmt", "TotalAmt", "TxnSource", "AllowOnlinePayment", '
    '"RecurringInfo", "EmailStatus", "callToAction", "AutoDocNumber", "ECloudStatusTimeStamp", "TaxFormNum", '
    '"TxnDate", "FOB", "ClassRef", "AllowOnlineACHPayment", "DepositToAccountRef", "InvoiceEx", '
    '"AllowOnlineCreditCardPayment", "CurrencyRef", "InvoiceLink", "PONumber", "ShipDate", "PaymentMethodRef", '
    '"TrackingNum", "TxnTaxDetail", "CustomerRef", "ShipFromAddr", "BillAddr", "EInvoiceStatus", "Id", '
    '"RecurDataRef", "ApplyTaxAfterDiscount", "DepartmentRef", "SalesRepRef", "ExchangeRate", "domain", '
    '"invoiceStatusLog", "TaxFormType", "BillEmailBcc", "LessCIS", "CustomerMemo", "TxnStatus", "HomeBalance", '
    '"PrintStatus", "ConvenienceFeeDetail", "DiscountRate", "DeliveryInfo", "FreeFormAddress", "AllowIPNPayment", '
    '"CustomField", "PaymentDetailsMessage", "TransactionLocationType", "MetaData", "LinkedTxn", "status", '
    '"RemitToRef", "PrivateNote", "ShipMethodRef", "PaymentRefNum", "Tag", "TxnApprovalInfo" [truncated]])\n'
    " specified is unsupported or invalid"
)


def test_unknown_property_detail_is_the_captured_one_byte_for_byte(api, seeded):
    err = only_error(api.post("/invoice", {"BadJson": True}))
    assert (err["code"], err["Message"]) == ("2010", "Request has invalid or unsupported property")
    assert err["Detail"] == CAPTURED_2010_DETAIL


def test_unknown_property_inside_a_line_is_2010_naming_the_line_class(api, seeded):
    line = {**sales_line(100.0), "Colour": "red"}
    err = only_error(api.post("/invoice", invoice_body("1", line)))
    assert err["code"] == "2010"
    assert err["Detail"].startswith(
        'Property Name:Unrecognized field "Colour" (class com.intuit.schema.finance.v3.Line), not marked as '
        'ignorable (24 known properties: "Id", "LineNum", '
    )
    assert "[truncated]" not in err["Detail"]  # 24 names fit in Jackson's 1,000 characters
    detail = {**sales_line(100.0)}
    detail["SalesItemLineDetail"] = {**detail["SalesItemLineDetail"], "Discount": 5}
    err = only_error(api.post("/invoice", invoice_body("1", detail)))
    assert 'Unrecognized field "Discount" (class com.intuit.schema.finance.v3.SalesItemLineDetail)' in err["Detail"]
    assert "(17 known properties: " in err["Detail"]
    assert api.post("/invoice", invoice_body("1")).status_code == 200  # the known names still pass


def test_an_xml_body_is_read_as_the_ruby_sdk_writes_it(api, seeded):
    xml = {"Accept": "application/xml", "Content-Type": "application/xml"}
    body = (
        '<Invoice xmlns="http://schema.intuit.com/finance/v3">'
        "<Line><Amount>100.00</Amount><DetailType>SalesItemLineDetail</DetailType>"
        '<SalesItemLineDetail><ItemRef name="Services">1</ItemRef><Qty>1</Qty></SalesItemLineDetail></Line>'
        "<CustomerRef>1</CustomerRef><PrivateNote>sent as XML</PrivateNote></Invoice>"
    )
    resp = api.http.post(api.url("/invoice"), content=body.encode(), headers=xml)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/xml")
    assert "<PrivateNote>sent as XML</PrivateNote>" in resp.text and "<TotalAmt>100.0</TotalAmt>" in resp.text
    created = seeded.all("Invoice")[-1]
    assert created["Line"][0]["SalesItemLineDetail"]["ItemRef"]["value"] == "1" and created["TotalAmt"] == 100.0
    sparse = (
        f'<Invoice xmlns="http://schema.intuit.com/finance/v3" sparse="true"><Id>{created["Id"]}</Id>'
        f"<SyncToken>{created['SyncToken']}</SyncToken><PrivateNote>edited in XML</PrivateNote></Invoice>"
    )
    resp = api.http.post(api.url("/invoice"), content=sparse.encode(), headers=xml)
    assert resp.status_code == 200 and "<PrivateNote>edited in XML</PrivateNote>" in resp.text
    assert seeded.read("Invoice", created["Id"])["Line"][0]["Amount"] == 100.0  # sparse: the lines stay
    bad = api.http.post(api.url("/invoice"), content=b"<Invoice><Line>", headers=xml)
    assert bad.status_code == 400 and 'code="2010"' in bad.text
    unknown = body.replace("<PrivateNote>", "<Colour>red</Colour><PrivateNote>")
    resp = api.http.post(api.url("/invoice"), content=unknown.encode(), headers=xml)
    assert resp.status_code == 400 and 'Unrecognized field "Colour"' in resp.text
