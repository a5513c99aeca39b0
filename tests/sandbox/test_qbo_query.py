"""The query language: paging, operators, escaping, COUNT(*), inactive rows, both transports of a query."""

from __future__ import annotations

import pytest
from qbo_kit import invoice_body


@pytest.fixture
def many(company):
    for i in range(1, 2501):
        company.create("Customer", {"DisplayName": f"Customer {i:04d}", "CompanyName": "Big" if i % 2 else "Small"})
    return company


def test_paging_2500_rows(api, many):
    seen = []
    start = 1
    while True:
        resp = api.query(f"SELECT * FROM Customer STARTPOSITION {start} MAXRESULTS 1000")
        page = resp.json()["QueryResponse"]
        if not page:
            break
        rows = page["Customer"]
        assert page["startPosition"] == start
        assert page["maxResults"] == len(rows)
        assert "totalCount" not in page
        seen.extend(r["Id"] for r in rows)
        start += len(rows)
    assert [len(seen), len(set(seen))] == [2500, 2500]
    assert seen == [str(i) for i in range(1, 2501)]


def test_maxresults_above_1000_is_refused_and_default_is_100(api, many):
    assert len(api.query("select * from Customer maxresults 1000").json()["QueryResponse"]["Customer"]) == 1000
    err = api.query("select * from Customer maxresults 1001").json()["Fault"]["Error"][0]
    assert (err["code"], err["Detail"]) == (
        "4001",
        "QueryValidationError: value 1001 is too large. Max allowed value is 1000",
    )
    assert api.query("select * from Customer").json()["QueryResponse"]["maxResults"] == 100


def test_select_star_with_named_properties_as_python_quickbooks_item_all_sends(api, seeded):
    page = api.query("SELECT *, Sku FROM Item MAXRESULTS 100").json()["QueryResponse"]
    assert [i["Name"] for i in page["Item"]] == [i["Name"] for i in seeded.all("Item", include_inactive=False)]
    err = api.query("SELECT *, Nonsense FROM Item").json()["Fault"]["Error"][0]
    assert err["code"] == "4001"


def test_last_partial_page(api, many):
    page = api.query("select * from Customer startposition 2496 maxresults 10").json()["QueryResponse"]
    assert page["maxResults"] == 5 and page["Customer"][-1]["DisplayName"] == "Customer 2500"


def test_count(api, many):
    assert api.query("SELECT COUNT(*) FROM Customer").json()["QueryResponse"] == {"totalCount": 2500}
    assert api.query("select count(*) from Customer where CompanyName = 'Big'").json()["QueryResponse"] == {
        "totalCount": 1250
    }


def test_in_like_and_case_insensitive_keywords(api, many):
    rows = api.query("select * from customer WHERE Id IN ('3', '1', '2500')").json()["QueryResponse"]["Customer"]
    assert [r["Id"] for r in rows] == ["1", "3", "2500"]
    rows = api.query("Select * From Customer Where DisplayName Like 'Customer 249%'").json()["QueryResponse"][
        "Customer"
    ]
    assert len(rows) == 10  # 2490-2499; "Customer 0249" does not start with "Customer 249"
    rows = api.query("select * from Customer where DisplayName like '%0001'").json()["QueryResponse"]["Customer"]
    assert [r["DisplayName"] for r in rows] == ["Customer 0001"]


def test_orderby_desc(api, many):
    rows = api.query("select * from Customer orderby DisplayName desc maxresults 2").json()["QueryResponse"]["Customer"]
    assert [r["DisplayName"] for r in rows] == ["Customer 2500", "Customer 2499"]
    rows = api.query("select * from Customer order by Id desc maxresults 1").json()["QueryResponse"]["Customer"]
    assert rows[0]["Id"] == "2500"


def test_escaped_quote(api, company):
    company.create("Customer", {"DisplayName": "Amy's Bird Sanctuary"})
    rows = api.query("SELECT * FROM Customer WHERE DisplayName = 'Amy\\'s Bird Sanctuary'").json()
    assert rows["QueryResponse"]["Customer"][0]["DisplayName"] == "Amy's Bird Sanctuary"
    assert rows["QueryResponse"]["startPosition"] == 1 and rows["QueryResponse"]["maxResults"] == 1


def test_inactive_hidden_unless_where_mentions_active(api, company):
    company.create("Customer", {"DisplayName": "Live"})
    company.create("Customer", {"DisplayName": "Gone"})
    company.make_inactive("Customer", "2")
    names = lambda q: [r["DisplayName"] for r in api.query(q).json()["QueryResponse"].get("Customer", [])]  # noqa: E731
    assert names("select * from Customer") == ["Live"]
    assert names("select * from Customer where Active IN (true, false)") == ["Live", "Gone (deleted)"]
    assert names("select * from Customer where Active = false") == ["Gone (deleted)"]
    assert api.query("select count(*) from Customer").json()["QueryResponse"] == {"totalCount": 1}


def test_empty_result_shape(api, company):
    body = api.query("select * from Invoice").json()
    assert body["QueryResponse"] == {} and "time" in body
    assert api.query("select * from Estimate").json()["QueryResponse"] == {}  # real entity, not modelled


def test_post_query_application_text(api, http, company):
    company.create("Customer", {"DisplayName": "Posted"})
    resp = http.post(
        api.url("/query"),
        content=b"select * from Customer",
        headers={"Content-Type": "application/text"},
        params={"minorversion": "4"},
    )
    assert resp.status_code == 200 and resp.json()["QueryResponse"]["Customer"][0]["DisplayName"] == "Posted"


def test_dotted_metadata_and_refs(api, seeded, clock):
    api.post("/invoice", invoice_body("1"))
    clock.advance(1800)  # the access token lives 3600 s
    seeded.create("Customer", {"DisplayName": "Late"})
    api.post("/invoice", invoice_body("2", TxnDate="2024-02-10"))
    rows = api.query("select * from Customer where MetaData.LastUpdatedTime > '2024-03-01T08:15:00-0700'").json()
    assert [r["DisplayName"] for r in rows["QueryResponse"]["Customer"]] == ["Late"]
    rows = api.query("select * from Invoice where CustomerRef = '2'").json()["QueryResponse"]["Invoice"]
    assert [r["CustomerRef"]["name"] for r in rows] == ["Late"]
    rows = api.query("select * from Invoice where TxnDate < '2024-03-01' and TotalAmt >= '100.00'").json()
    assert len(rows["QueryResponse"]["Invoice"]) == 1


def test_property_not_queryable(api, company):
    err = api.query("select * from Customer where Shoe = 'x'").json()["Fault"]["Error"][0]
    assert err["code"] == "4001" and err["Detail"] == "QueryValidationError: property 'Shoe' is not queryable"


def test_preferences_and_companyinfo_queries(api, company):
    body = api.query("select * from Preferences").json()["QueryResponse"]
    assert body["Preferences"][0]["TaxPrefs"]["UsingSalesTax"] is True
    info = api.get(f"/companyinfo/{company.realm_id}").json()["CompanyInfo"]
    assert info["CompanyName"] == "Suprata Demo Plumbing" and info["Country"] == "US"
