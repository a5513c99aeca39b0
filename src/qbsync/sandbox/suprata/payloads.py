"""What Suprata sends to QuickBooks for each record (QBO v3 JSON, qbo-api.md §3).

The tax mapping bug is deliberate and common in real integrations: when a tax category has no QuickBooks
code for the invoice's service state, Suprata falls back to its own category code on each taxable line,
which a US company rejects with 6100 ("Valid line TaxCodes for US should be TAX or NON").
"""

from __future__ import annotations

from typing import Any

from qbsync.sandbox.suprata.store import CustomerRec, InvoiceRec, ItemRec, PaymentRec, TaxCategoryRec


def customer_body(c: CustomerRec, parent_qbo_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"DisplayName": c.display_name}
    if parent_qbo_id:  # a job (sub-customer); billed to itself, not through the parent
        body["ParentRef"] = {"value": parent_qbo_id}
        body["Job"] = True
        body["BillWithParent"] = False
    if c.company_name:
        body["CompanyName"] = c.company_name
    if c.given_name:
        body["GivenName"] = c.given_name
    if c.family_name:
        body["FamilyName"] = c.family_name
    if c.email:
        body["PrimaryEmailAddr"] = {"Address": c.email}
    if c.phone:
        body["PrimaryPhone"] = {"FreeFormNumber": c.phone}
    if c.line1 or c.city:
        body["BillAddr"] = {
            "Line1": c.line1,
            "City": c.city,
            "CountrySubDivisionCode": c.state,
            "PostalCode": c.postal_code,
        }
    return body


def customer_update_body(c: CustomerRec) -> dict[str, Any]:
    """An edit made in Suprata: a sparse update with the SyncToken Suprata last saw."""
    body = customer_body(c)
    body.pop("BillAddr", None)
    return {"Id": c.sync.qbo_id, "SyncToken": c.sync.qbo_sync_token or "0", "sparse": True, **body}


def item_update_body(i: ItemRec) -> dict[str, Any]:
    return {
        "Id": i.sync.qbo_id,
        "SyncToken": i.sync.qbo_sync_token or "0",
        "sparse": True,
        "Name": i.name,
        "UnitPrice": float(i.unit_price),
    }


def item_body(i: ItemRec, income_account_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Name": i.name,
        "Sku": i.sku,
        "Type": "Service" if i.type == "service" else "NonInventory",
        "UnitPrice": float(i.unit_price),
        "Taxable": i.taxable,
    }
    if income_account_id:
        body["IncomeAccountRef"] = {"value": income_account_id}
    return body


def invoice_lines(inv: InvoiceRec, item_ids: dict[str, str], tax: TaxCategoryRec | None) -> list[dict[str, Any]]:
    mapped = tax.mapped_code(inv.service_state) if tax else None
    lines = []
    for n, line in enumerate(inv.lines, start=1):
        if tax is None or not line.taxable:
            code = "NON"
        elif mapped:
            code = "TAX"
        else:
            code = tax.id  # the bug: Suprata's own category code instead of TAX/NON
        detail: dict[str, Any] = {
            "ItemRef": {"value": item_ids[line.item_id]},
            "Qty": float(line.quantity),
            "UnitPrice": float(line.unit_price),
            "TaxCodeRef": {"value": code},
        }
        entry: dict[str, Any] = {
            "LineNum": n,
            "Amount": float(line.amount),
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": detail,
        }
        if line.description:
            entry["Description"] = line.description
        lines.append(entry)
    return lines


def invoice_body(
    inv: InvoiceRec,
    customer_qbo_id: str,
    item_ids: dict[str, str],
    tax: TaxCategoryRec | None,
    email_to: str | None = None,
    to_be_emailed: bool = False,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "DocNumber": inv.number,
        "TxnDate": inv.txn_date.isoformat(),
        "CustomerRef": {"value": customer_qbo_id},
        "Line": invoice_lines(inv, item_ids, tax),
    }
    if to_be_emailed:  # the account's "email invoices from QuickBooks": the customer's address, when it has one
        body["EmailStatus"] = "NeedToSend"
        if email_to:
            body["BillEmail"] = {"Address": email_to}
    if inv.due_date:
        body["DueDate"] = inv.due_date.isoformat()
    mapped = tax.mapped_code(inv.service_state) if tax else None
    if mapped:
        body["TxnTaxDetail"] = {"TxnTaxCodeRef": {"value": mapped}}
    return body


def invoice_update_body(inv: InvoiceRec, item_ids: dict[str, str], tax: TaxCategoryRec | None) -> dict[str, Any]:
    """Sparse update with the SyncToken Suprata last saw: stale when someone edited the invoice in QBO."""
    body: dict[str, Any] = {
        "Id": inv.sync.qbo_id,
        "SyncToken": inv.sync.qbo_sync_token or "0",
        "sparse": True,
        "TxnDate": inv.txn_date.isoformat(),
        "Line": invoice_lines(inv, item_ids, tax),
    }
    if inv.due_date:
        body["DueDate"] = inv.due_date.isoformat()
    return body


def payment_body(p: PaymentRec, customer_qbo_id: str, invoice_ids: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "CustomerRef": {"value": customer_qbo_id},
        "TotalAmt": float(p.amount),
        "TxnDate": p.txn_date.isoformat(),
        "Line": [
            {"Amount": float(amount), "LinkedTxn": [{"TxnId": invoice_ids[inv_id], "TxnType": "Invoice"}]}
            for inv_id, amount in p.applied
        ],
    }
    if p.reference:
        body["PaymentRefNum"] = p.reference[:21]
    return body


def payment_update_body(p: PaymentRec, customer_qbo_id: str, invoice_ids: dict[str, str]) -> dict[str, Any]:
    """A full update of the payment with the SyncToken Suprata last saw."""
    return {
        "Id": p.sync.qbo_id,
        "SyncToken": p.sync.qbo_sync_token or "0",
        **payment_body(p, customer_qbo_id, invoice_ids),
    }


def payment_delete_body(p: PaymentRec) -> dict[str, Any]:
    return {"Id": p.sync.qbo_id, "SyncToken": p.sync.qbo_sync_token or "0"}
