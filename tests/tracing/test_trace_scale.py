"""A customer with 500 invoices and 800 payments traces with a bounded number of batched requests.

The customer is seeded through the sandbox's Python APIs (Suprata's store, and QuickBooks "by hand" through
the emulated company), already synced, so the trace reads exactly what a large real customer would have.
Requests are counted at the sandbox: QuickBooks per realm, Suprata per API call.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from qbsync.sandbox.suprata.store import CustomerRec, InvoiceRec, LineRec, PaymentRec
from qbsync.tracing import exit_code_for, trace

INVOICES = 500
PAYMENTS = 800
MAX_QBO_REQUESTS = 8  # preferences, CDC, customer by id, invoices and payments by CustomerRef (one page each)
MAX_SUPRATA_REQUESTS = 10  # customer, account, invoices (1 page of 500), payments (2 pages), red marks


def _seed_big_customer(company) -> tuple[str, Decimal]:
    sb = company.sandbox
    store, co, now = sb.suprata_store, sb.qbo_company, sb.clock.now()
    item = next(i for i in store.items.values() if i.sync.qbo_id)
    qbo_customer = co.create("Customer", {"DisplayName": "Big Box Property Management"})
    cust = CustomerRec(
        id="cus_9000", number="C-9000", display_name="Big Box Property Management", created_at=now, updated_at=now
    )
    cust.sync.state, cust.sync.qbo_id, cust.sync.synced_at = "synced", qbo_customer["Id"], now
    store.add(cust)
    invoices = []
    for n in range(INVOICES):
        when = now - timedelta(days=40, minutes=n)
        inv = InvoiceRec(
            id=f"inv_9{n:04d}",
            number=f"INV-9{n:04d}",
            customer_id=cust.id,
            txn_date=when.date(),
            lines=[LineRec(item_id=item.id, quantity=Decimal(1), unit_price=Decimal("100.00"), taxable=False)],
            created_at=when,
            updated_at=when,
        )
        row = co.create(
            "Invoice",
            {
                "DocNumber": inv.number,
                "TxnDate": inv.txn_date.isoformat(),
                "CustomerRef": {"value": qbo_customer["Id"]},
                "Line": [
                    {
                        "Amount": 100.0,
                        "DetailType": "SalesItemLineDetail",
                        "SalesItemLineDetail": {
                            "ItemRef": {"value": item.sync.qbo_id},
                            "Qty": 1,
                            "UnitPrice": 100.0,
                            "TaxCodeRef": {"value": "NON"},
                        },
                    }
                ],
            },
        )
        inv.sync.state, inv.sync.qbo_id, inv.sync.synced_at = "synced", row["Id"], when
        store.add(inv)
        invoices.append(inv)
    # 600 half payments settle invoices 0..299; 200 quarter payments partly pay invoices 300..499
    plan = [(invoices[n // 2], Decimal("50.00")) for n in range(600)]
    plan += [(invoices[300 + n], Decimal("25.00")) for n in range(200)]
    assert len(plan) == PAYMENTS
    for n, (inv, amount) in enumerate(plan):
        when = now - timedelta(days=35, minutes=n)
        pay = PaymentRec(
            id=f"pmt_9{n:04d}",
            number=f"PMT-9{n:04d}",
            customer_id=cust.id,
            txn_date=when.date(),
            applied=[(inv.id, amount)],
            created_at=when,
            updated_at=when,
        )
        inv.paid += amount
        row = co.create(
            "Payment",
            {
                "CustomerRef": {"value": qbo_customer["Id"]},
                "TotalAmt": float(amount),
                "TxnDate": pay.txn_date.isoformat(),
                "Line": [{"Amount": float(amount), "LinkedTxn": [{"TxnId": inv.sync.qbo_id, "TxnType": "Invoice"}]}],
            },
        )
        pay.sync.state, pay.sync.qbo_id, pay.sync.synced_at = "synced", row["Id"], when
        store.add(pay)
    return qbo_customer["Id"], Decimal("15000.00")  # 200 invoices x $75 still owed


def _counted(company, **kwargs):
    sb = company.sandbox
    services = company.services()
    qbo_before, sup_before = sb.qbo.stats(sb.realm_id)["total"], sb.suprata.requests
    result = trace(services, **kwargs)
    return result, sb.qbo.stats(sb.realm_id)["total"] - qbo_before, sb.suprata.requests - sup_before, services


def test_big_customer_traces_in_a_bounded_number_of_requests(healthy) -> None:
    _, owed = _seed_big_customer(healthy)
    result, qbo_requests, suprata_requests, services = _counted(healthy, customer="Big Box Property Management")
    assert result.counts == {"suprata_invoices": 500, "suprata_payments": 800, "qbo_invoices": 500, "qbo_payments": 800}
    assert result.verdict.agree, (result.verdict.headline, result.items[:3])
    assert result.suprata_balance == result.qbo_balance == owed
    assert qbo_requests <= MAX_QBO_REQUESTS, qbo_requests
    assert services.qbo_request_count() == qbo_requests  # the client's own counter sees the same
    assert suprata_requests <= MAX_SUPRATA_REQUESTS, suprata_requests
    print(f"500 invoices / 800 payments: {qbo_requests} QuickBooks and {suprata_requests} Suprata requests")


def test_big_customer_differences_are_found_and_explained_in_the_same_bound(healthy) -> None:
    _seed_big_customer(healthy)
    co, store = healthy.sandbox.qbo_company, healthy.sandbox.suprata_store
    co.void("Invoice", store.by_number("invoice", "INV-90450").sync.qbo_id)  # $75 owed, voided in QuickBooks
    co.delete("Payment", store.by_number("payment", "PMT-90010").sync.qbo_id)  # $50 gone from QuickBooks
    result, qbo_requests, suprata_requests, _ = _counted(healthy, customer="C-9000")
    assert {i.record: i.kind for i in result.items} == {
        "INV-90450": "voided_in_qbo_only",
        "PMT-90010": "payment_deleted_in_qbo",
        "PMT-90750": "payment_differs",  # the void left this $25 payment unapplied in QuickBooks
    }
    assert result.unexplained == 0 and result.explained == result.difference
    assert int(exit_code_for(result)) == 2
    assert qbo_requests <= MAX_QBO_REQUESTS + 1 and suprata_requests <= MAX_SUPRATA_REQUESTS


def test_one_invoice_of_the_big_customer_is_a_handful_of_requests(healthy) -> None:
    _seed_big_customer(healthy)
    result, qbo_requests, suprata_requests, _ = _counted(healthy, ref="INV-90000")
    assert result.verdict.agree and len(result.payments) == 2 and result.invoice.balance == 0
    assert qbo_requests <= 6 and suprata_requests <= 10
    partly = trace(healthy.services(), "INV-90300")
    assert partly.verdict.agree and partly.qbo_invoices[0].status == "partly_paid"
