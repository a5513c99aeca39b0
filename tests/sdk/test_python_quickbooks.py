"""python-quickbooks 0.9.12's public API, unchanged, against ``qbsync sandbox serve`` on 127.0.0.1.

Each test is an everyday use of the SDK; each must behave as it does against QuickBooks Online (docs/sandbox.md
lists the public source for every behaviour checked here).
"""

from __future__ import annotations

import pytest

# python-quickbooks is in the test extra; a venv made before it was added needs: pip install -e '.[test]'
pytest.importorskip("quickbooks", reason="python-quickbooks missing: re-run pip install -e '.[test]'")

import json
import uuid
from datetime import datetime, timedelta

import requests
from quickbooks.batch import batch_create, batch_delete, batch_update
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import ObjectNotFoundException, QuickbooksException, ValidationException
from quickbooks.objects.base import LinkedTxn, Ref
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment, PaymentLine

pytestmark = pytest.mark.loopback


def _unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def _customer(qb, name: str | None = None) -> Customer:
    c = Customer()
    c.DisplayName = name or _unique("SDK Customer")
    return c.save(qb=qb)


def _item(qb, name: str | None = None) -> Item:
    item = Item()
    item.Name = name or _unique("SDK Item")
    item.Type = "Service"
    item.UnitPrice = 40
    return item.save(qb=qb)


def _line(amount: float, item: Item | str, tax_code: str | None = None) -> SalesItemLine:
    line = SalesItemLine()
    line.Amount = amount
    line.SalesItemLineDetail = SalesItemLineDetail()
    ref = Ref()
    ref.value = item if isinstance(item, str) else item.Id
    line.SalesItemLineDetail.ItemRef = ref
    if tax_code is not None:
        code = Ref()
        code.value = tax_code
        line.SalesItemLineDetail.TaxCodeRef = code
    return line


def _invoice(qb, customer: Customer, *lines: SalesItemLine, save: bool = True) -> Invoice:
    inv = Invoice()
    inv.CustomerRef = customer.to_ref()
    inv.Line = list(lines)
    return inv.save(qb=qb) if save else inv


# --- queries, paging, count, get ------------------------------------------------------------------------


def test_item_all_sends_select_star_sku_and_works(qb):
    items = Item.all(qb=qb)  # SELECT *, Sku FROM Item MAXRESULTS 100
    assert items and all(i.Active for i in items)
    assert any(getattr(i, "Sku", None) for i in items)


def test_paging_with_start_position_and_max_results(qb):
    for _ in range(3):
        _customer(qb)
    total = Customer.count(qb=qb)
    assert isinstance(total, int) and total >= 3
    seen: list[str] = []
    start = 1
    while True:
        page = Customer.filter(start_position=start, max_results=2, order_by="Id", qb=qb, Active=True)
        seen += [c.Id for c in page]
        if len(page) < 2:
            break
        start += 2
    assert len(seen) == len(set(seen)) == total
    assert seen == sorted(seen, key=int)


def test_count_with_a_where_clause_and_where(qb):
    name = _unique("Counted")
    _customer(qb, name)
    assert Customer.count(f"DisplayName = '{name}'", qb=qb) == 1
    assert [c.DisplayName for c in Customer.where(f"DisplayName = '{name}'", qb=qb)] == [name]
    assert [c.DisplayName for c in Customer.filter(DisplayName=name, qb=qb)] == [name]


def test_maxresults_over_1000_is_refused_as_quickbooks_does(qb):
    with pytest.raises(ValidationException) as info:
        Customer.all(max_results=1001, qb=qb)
    assert info.value.error_code == 4001
    assert info.value.detail == "QueryValidationError: value 1001 is too large. Max allowed value is 1000"


def test_get_and_get_of_nothing(qb):
    made = _customer(qb)
    got = Customer.get(made.Id, qb=qb)
    assert got.DisplayName == made.DisplayName and got.SyncToken == "0"
    # Pacific time (PST in November), not the company's Mountain time (-07:00)
    assert got.MetaData["CreateTime"].endswith("-08:00")
    with pytest.raises(ObjectNotFoundException) as info:
        Customer.get("987654", qb=qb)
    assert info.value.error_code == 610


# --- create, sparse update, void, delete ----------------------------------------------------------------


def test_create_invoice_with_sdk_defaults(qb):
    customer = _customer(qb)
    inv = _invoice(qb, customer, _line(120.0, _item(qb)))
    # The SDK sends DueDate "" and TxnDate "": QuickBooks reads them as absent and fills them in.
    assert inv.TxnDate and inv.DueDate
    assert datetime.fromisoformat(inv.DueDate) - datetime.fromisoformat(inv.TxnDate) == timedelta(days=30)
    assert inv.TotalAmt == 120.0 and inv.Balance == 120.0 and inv.DocNumber
    assert Customer.get(customer.Id, qb=qb).Balance == 120.0


def test_sparse_update_bumps_the_sync_token(qb):
    made = _customer(qb)
    sparse = Customer()
    sparse.Id, sparse.SyncToken, sparse.sparse = made.Id, made.SyncToken, True
    sparse.DisplayName = made.DisplayName
    del sparse.Title, sparse.GivenName, sparse.MiddleName, sparse.FamilyName, sparse.Suffix
    sparse.Notes = "called about the boiler"
    updated = sparse.save(qb=qb)
    assert updated.SyncToken == "1" and updated.Notes == "called about the boiler"
    stale = Customer.get(made.Id, qb=qb)
    stale.SyncToken = "0"
    with pytest.raises(QuickbooksException) as info:
        stale.save(qb=qb)
    assert info.value.error_code == 5010


def test_void_invoice_and_payment(qb):
    customer = _customer(qb)
    inv = _invoice(qb, customer, _line(80.0, _item(qb)))
    pay = Payment()
    pay.CustomerRef = customer.to_ref()
    pay.TotalAmt = 80.0
    line = PaymentLine()
    line.Amount = 80.0
    link = LinkedTxn()
    link.TxnId, link.TxnType = inv.Id, "Invoice"
    line.LinkedTxn = [link]
    pay.Line = [line]
    pay = pay.save(qb=qb)
    assert Invoice.get(inv.Id, qb=qb).Balance == 0
    pay.void(qb=qb)
    voided_pay = Payment.get(pay.Id, qb=qb)
    assert voided_pay.TotalAmt == 0 and voided_pay.PrivateNote == "Voided"
    assert Invoice.get(inv.Id, qb=qb).Balance == 80.0
    inv = Invoice.get(inv.Id, qb=qb)
    inv.void(qb=qb)
    voided = Invoice.get(inv.Id, qb=qb)
    assert voided.TotalAmt == 0 and voided.Balance == 0 and voided.PrivateNote == "Voided"


def test_delete_invoice_then_it_is_gone(qb):
    inv = _invoice(qb, _customer(qb), _line(10.0, _item(qb)))
    answer = inv.delete(qb=qb)
    assert answer["Invoice"] == {"domain": "QBO", "status": "Deleted", "Id": inv.Id}
    with pytest.raises(ObjectNotFoundException) as info:
        Invoice.get(inv.Id, qb=qb)
    assert "Another user has deleted this transaction" in info.value.detail


# --- batch and CDC ------------------------------------------------------------------------------------


def test_batch_create_update_delete(qb):
    customers = []
    for _ in range(3):
        c = Customer()
        c.DisplayName = _unique("Batch")
        customers.append(c)
    created = batch_create(customers, qb=qb)
    assert len(created.successes) == 3 and not created.faults
    first = created.successes[0]
    first.Notes = "batched"
    updated = batch_update([first], qb=qb)
    assert updated.successes[0].SyncToken == "1"
    inv = _invoice(qb, first, _line(5.0, _item(qb)))
    deleted = batch_delete([inv], qb=qb)
    assert not deleted.faults


def test_cdc_sees_changes_and_deletions(served, qb):
    now = datetime.fromisoformat(served.admin("GET", "/clock")["now"].replace("Z", "+00:00"))
    since = now - timedelta(hours=1)  # the scenario's clock, not this machine's
    inv = _invoice(qb, _customer(qb), _line(15.0, _item(qb)))
    inv.delete(qb=qb)
    cdc = change_data_capture([Invoice, Customer], since, qb=qb)
    invoices = list(cdc.Invoice) if hasattr(cdc, "Invoice") else []
    assert any(getattr(i, "status", None) == "Deleted" and i.Id == inv.Id for i in invoices)
    assert hasattr(cdc, "Customer")


# --- faults -------------------------------------------------------------------------------------------


def test_duplicate_name_is_6240(qb):
    name = _unique("Twice")
    _customer(qb, name)
    with pytest.raises(QuickbooksException) as info:
        _customer(qb, name)
    assert info.value.error_code == 6240
    assert info.value.detail == "The name supplied already exists. : null"


def test_nonexistent_item_is_2500_naming_the_line(qb):
    with pytest.raises(ValidationException) as info:
        _invoice(qb, _customer(qb), _line(10.0, "987654"))
    assert info.value.error_code == 2500
    assert info.value.detail == "Invalid Reference Id : Line.SalesItemLineDetail.ItemRef"


def test_inactive_item_on_a_modified_invoice_asks_to_restore_it(qb):
    item = _item(qb)
    inv = _invoice(qb, _customer(qb), _line(10.0, item))
    item = Item.get(item.Id, qb=qb)
    item.Active = False
    item.save(qb=qb)
    inv = Invoice.get(inv.Id, qb=qb)
    inv.PrivateNote = "edited after the item was deleted"
    with pytest.raises(ValidationException) as info:
        inv.save(qb=qb)
    assert info.value.error_code == 2500
    assert info.value.detail.endswith(f"you must restore {item.Name} (deleted).")
    assert "Product/Service assigned to this transaction has been deleted" in info.value.detail


def test_every_bad_line_is_its_own_error_in_one_fault(qb):
    inv = _invoice(qb, _customer(qb), _line(10.0, "1", "8"), _line(5.0, "1", "9"), save=False)
    answer = batch_create([inv], qb=qb)
    errors = answer.faults[0].Error
    assert [(e.code, e.element) for e in errors] == [
        ("6100", "Line.SalesItemLineDetail.TaxCodeRef"),
        ("6100", "Line.SalesItemLineDetail.TaxCodeRef"),
    ]


def test_unknown_property_is_2010(qb):
    customer = _customer(qb)
    body = json.dumps({"CustomerRef": {"value": customer.Id}, "BadJson": True, "Line": []})
    with pytest.raises(ValidationException) as info:
        qb.create_object("Invoice", body)
    assert info.value.error_code == 2010
    assert 'Unrecognized field "BadJson" (class com.intuit.schema.finance.v3.Invoice)' in info.value.detail


def test_malformed_date_is_refused(qb):
    inv = _invoice(qb, _customer(qb), _line(10.0, "1"), save=False)
    inv.TxnDate = "not-a-date"
    with pytest.raises(ValidationException) as info:
        inv.save(qb=qb)
    assert info.value.error_code == 2060


def test_xml_is_answered_with_an_intuit_response(served, qb):
    url = f"{served.qbo_base_url}/v3/company/{served.realm_id}/query"
    headers = {
        "Authorization": f"Bearer {qb.session.access_token}",
        "Accept": "application/xml",
        "Content-Type": "application/text",
    }
    resp = requests.post(url, data="SELECT * FROM Item MAXRESULTS 1", headers=headers, timeout=10)
    assert resp.headers["Content-Type"].startswith("application/xml")
    assert resp.text.startswith('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')
    assert '<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="' in resp.text
    assert '<QueryResponse startPosition="1" maxResults="1"><Item domain="QBO" sparse="false">' in resp.text


def _payment(customer: Customer, invoice_id: str, amount: float) -> Payment:
    pay = Payment()
    pay.CustomerRef = customer.to_ref()
    pay.TotalAmt = amount
    line = PaymentLine()
    line.Amount = amount
    link = LinkedTxn()
    link.TxnId, link.TxnType = invoice_id, "Invoice"
    line.LinkedTxn = [link]
    pay.Line = [line]
    return pay


def test_payment_on_a_voided_invoice_and_over_applied_are_refused(qb):
    customer = _customer(qb)
    voided = _invoice(qb, customer, _line(30.0, _item(qb)))
    voided.void(qb=qb)
    with pytest.raises(QuickbooksException) as info:
        _payment(customer, voided.Id, 30.0).save(qb=qb)
    assert (info.value.error_code, info.value.message) == (620, "Txn ID Cannot Be Linked")
    open_one = _invoice(qb, customer, _line(30.0, _item(qb)))
    with pytest.raises(QuickbooksException) as info:
        _payment(customer, open_one.Id, 45.0).save(qb=qb)
    assert info.value.error_code == 620 and "can't be linked" in info.value.detail


def test_closed_books_refuse_an_invoice_dated_in_the_closed_period(served, qb):
    served.admin("POST", "/events", {"type": "books_closed", "through": "2026-10-31"})
    try:
        inv = _invoice(qb, _customer(qb), _line(10.0, "1"), save=False)
        inv.TxnDate = "2026-10-15"
        with pytest.raises(QuickbooksException) as info:
            inv.save(qb=qb)
        assert info.value.error_code == 6210
        assert info.value.message == "Account Period Closed, Cannot Update Through Services API"
    finally:
        served.admin("POST", "/events", {"type": "books_closed", "through": None})
