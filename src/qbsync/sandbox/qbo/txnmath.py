"""Invoice and Payment arithmetic and server-side defaults: line amounts, the appended SubTotal line,
TxnTaxDetail from the company's TaxCode/TaxRate records, TotalAmt, UnappliedAmt."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from qbsync.sandbox.qbo import faults
from qbsync.sandbox.qbo.entities import currency_ref
from qbsync.sandbox.qbo.money import cents, dec, out
from qbsync.sandbox.qbo.validation import (
    WriteContext,
    check_dates,
    check_doc_number,
    ref_value,
    resolve_line_item,
    resolve_ref,
)

if TYPE_CHECKING:
    # the company as these checks read it: a structural type, so this module imports no company.py (which
    # imports it)
    from qbsync.sandbox.qbo.books import Books as QboCompany

US_LINE_CODES = ("TAX", "NON")
DEFAULT_TERMS_DAYS = 30  # captured invoice: TxnDate 2020-09-29, DueDate 2020-10-29


def _rates_of(co: QboCompany, tax_code: dict[str, Any]) -> list[tuple[str, Decimal]]:
    rates = []
    for detail in (tax_code.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []:
        rate = co.store.get("TaxRate", ref_value(detail.get("TaxRateRef")) or "")
        if rate is not None:
            rates.append((rate["Id"], dec(rate.get("RateValue"))))
    return rates


def _tax_lines(by_rate: dict[str, tuple[Decimal, Decimal]]) -> tuple[Decimal, list[dict[str, Any]]]:
    total = Decimal(0)
    lines = []
    for rate_id, (percent, base) in by_rate.items():
        amount = cents(base * percent / 100)
        total += amount
        lines.append(
            {
                "Amount": out(amount),
                "DetailType": "TaxLineDetail",
                "TaxLineDetail": {
                    "TaxRateRef": {"value": rate_id},
                    "PercentBased": True,
                    "TaxPercent": out(percent),
                    "NetAmountTaxable": out(cents(base)),
                },
            }
        )
    return total, lines


def _us_tax(
    co: QboCompany, rec: dict[str, Any], taxable_base: Decimal, ctx: WriteContext
) -> tuple[Decimal, dict[str, Any]]:
    detail_in = rec.get("TxnTaxDetail") or {}
    code_ref = detail_in.get("TxnTaxCodeRef")
    if co.partner_tax_enabled:
        # AST: the engine assigns the code; only an explicit TxnTaxCodeRef + TotalTax override is honoured.
        # Without an address-based engine, tax is 0 unless a code or an override is given (emulator limit).
        if ref_value(code_ref) is None:
            return Decimal(0), {"TotalTax": 0}
        code = resolve_ref(co, "TaxCode", code_ref, ctx, field_name="TxnTaxCodeRef")
        if detail_in.get("TotalTax") is not None:
            total = cents(dec(detail_in["TotalTax"]))
            return total, {"TxnTaxCodeRef": {"value": code["Id"]}, "TotalTax": out(total)}
        total, lines = _tax_lines({rid: (pct, taxable_base) for rid, pct in _rates_of(co, code)})
        return total, {"TxnTaxCodeRef": {"value": code["Id"]}, "TotalTax": out(total), "TaxLine": lines}
    if not co.using_sales_tax:
        return Decimal(0), {"TotalTax": 0}
    if ref_value(code_ref) is None:
        if taxable_base != 0:
            raise faults.tax_calculation_error(co.country)
        return Decimal(0), {"TotalTax": 0}
    code = resolve_ref(co, "TaxCode", code_ref, ctx, field_name="TxnTaxCodeRef")
    total, lines = _tax_lines({rid: (pct, taxable_base) for rid, pct in _rates_of(co, code)})
    detail: dict[str, Any] = {"TxnTaxCodeRef": {"value": code["Id"]}, "TotalTax": out(total)}
    if lines:
        detail["TaxLine"] = lines
    return total, detail


def _address(email: Any) -> str | None:
    return (email.get("Address") or None) if isinstance(email, dict) else None


def prepare_credit_memo(
    co: QboCompany, rec: dict[str, Any], existing: dict[str, Any] | None, ctx: WriteContext
) -> dict[str, Any]:
    """A credit memo: invoice-like lines and tax, no due date; its whole total is credit the customer holds
    (``RemainingCredit``, ``Balance``) until a payment applies it."""
    rec = prepare_invoice(co, rec, existing, ctx, entity="CreditMemo")
    for key in ("DueDate", "AllowIPNPayment", "AllowOnlinePayment", "AllowOnlineCreditCardPayment",
                "AllowOnlineACHPayment", "Deposit"):  # fmt: skip
        rec.pop(key, None)
    used = dec(existing.get("TotalAmt")) - dec(existing.get("RemainingCredit")) if existing else Decimal(0)
    remaining = max(Decimal(0), dec(rec["TotalAmt"]) - used)
    rec["RemainingCredit"] = out(remaining)
    rec["Balance"] = out(remaining)
    return rec


def prepare_refund_receipt(
    co: QboCompany, rec: dict[str, Any], existing: dict[str, Any] | None, ctx: WriteContext
) -> dict[str, Any]:
    """Money paid back to a customer: invoice-like lines, paid from an account; no open balance (Balance 0)."""
    rec = prepare_invoice(co, rec, existing, ctx, entity="RefundReceipt")
    for key in ("DueDate", "AllowIPNPayment", "AllowOnlinePayment", "AllowOnlineCreditCardPayment",
                "AllowOnlineACHPayment", "Deposit", "EmailStatus"):  # fmt: skip
        rec.pop(key, None)
    if rec.get("DepositToAccountRef") is None:
        raise faults.required_param("DepositToAccountRef")  # QBO: the account the refund is paid from
    account = resolve_ref(co, "Account", rec["DepositToAccountRef"], ctx, field_name="DepositToAccountRef")
    rec["DepositToAccountRef"] = {"value": account["Id"], "name": account["Name"]}
    rec["Balance"] = 0
    return rec


def prepare_invoice(
    co: QboCompany,
    rec: dict[str, Any],
    existing: dict[str, Any] | None,
    ctx: WriteContext,
    entity: str = "Invoice",
) -> dict[str, Any]:
    customer = resolve_ref(co, "Customer", rec.get("CustomerRef"), ctx, field_name="CustomerRef")
    rec["CustomerRef"] = {"value": customer["Id"], "name": customer["DisplayName"]}
    to_be_emailed = rec.get("EmailStatus") == "NeedToSend"
    if to_be_emailed and not _address(rec.get("BillEmail")) and not _address(customer.get("PrimaryEmailAddr")):
        raise faults.email_required()  # to be emailed, and nowhere to send it
    raw_lines = [dict(line) for line in rec.get("Line") or [] if line.get("DetailType") != "SubTotalLineDetail"]
    if not raw_lines:
        raise faults.required_param("Line")
    check_dates(rec, ("TxnDate", "DueDate", "ShipDate"))
    rec["TxnDate"] = str(rec.get("TxnDate") or co.today().isoformat())
    if rec.get("DocNumber") in (None, "", "AUTO_GENERATE"):
        if rec.get("DocNumber") == "AUTO_GENERATE" or not co.custom_txn_numbers:
            rec["DocNumber"] = co.next_doc_number(entity)
        else:
            rec.pop("DocNumber", None)  # custom numbers on and none given: DocNumber stays null
    check_doc_number(co, entity, rec.get("DocNumber"), existing["Id"] if existing else None, ctx)

    us = co.country == "US"
    lines: list[dict[str, Any]] = []
    subtotal = Decimal(0)
    taxable_base = Decimal(0)
    non_us_bases: dict[str, tuple[Decimal, Decimal]] = {}
    discounts: list[dict[str, Any]] = []
    line_errors: list[faults.QboError] = []
    for raw in raw_lines:
        line = dict(raw)
        kind = line.get("DetailType")
        if kind == "SalesItemLineDetail":
            try:
                amount, detail, taxed = _sales_line(co, line, ctx, us, non_us_bases, existing)
            except faults.QboError as err:  # QuickBooks reports every bad line in one Fault
                line_errors.append(err)
                continue
            if taxed:
                taxable_base += amount
            line["Amount"] = out(amount)
            line["SalesItemLineDetail"] = detail
            subtotal += amount
        elif kind == "DiscountLineDetail":
            discounts.append(line)
            continue
        else:
            line["Amount"] = out(cents(dec(line.get("Amount"))))
        lines.append(line)
    if line_errors:
        raise faults.together(line_errors)
    discount_total = Decimal(0)
    for line in discounts:
        detail = line.get("DiscountLineDetail") or {}
        if detail.get("PercentBased"):
            amount = cents(subtotal * dec(detail.get("DiscountPercent")) / 100)
        else:
            amount = cents(dec(line.get("Amount")))
        line["Amount"] = out(amount)
        discount_total += amount
        lines.append(line)
    for n, line in enumerate(lines, start=1):
        line["Id"] = str(n)
        line["LineNum"] = n
    lines.append({"Amount": out(subtotal), "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})

    if us:
        total_tax, tax_detail = _us_tax(co, rec, taxable_base, ctx)
    else:
        total_tax, tax_lines = _tax_lines(non_us_bases)
        tax_detail = {"TotalTax": out(total_tax), "TaxLine": tax_lines} if tax_lines else {"TotalTax": out(total_tax)}
        rec.setdefault("GlobalTaxCalculation", "TaxExcluded")
    total = subtotal - discount_total + total_tax

    rec["Line"] = lines
    rec["TxnTaxDetail"] = tax_detail
    rec["TotalAmt"] = out(total)
    rec["Balance"] = out(total)  # the company subtracts applied payments afterwards
    rec.setdefault("AllowIPNPayment", False)
    rec.setdefault("AllowOnlinePayment", False)
    rec.setdefault("AllowOnlineCreditCardPayment", False)
    rec.setdefault("AllowOnlineACHPayment", False)
    rec.setdefault("CurrencyRef", currency_ref(co.country))
    rec["LinkedTxn"] = [lt for lt in rec.get("LinkedTxn") or [] if lt.get("TxnType") != "Payment"]
    if not rec.get("DueDate"):  # "" (python-quickbooks' default) reads as absent, as QBO's parser does
        rec["DueDate"] = (date.fromisoformat(rec["TxnDate"][:10]) + timedelta(days=DEFAULT_TERMS_DAYS)).isoformat()
    for addr in ("BillAddr", "ShipAddr"):
        if addr not in rec and customer.get(addr):
            rec[addr] = dict(customer[addr])
    rec.setdefault("ApplyTaxAfterDiscount", False)
    rec.setdefault("PrintStatus", "NeedToPrint")
    rec.setdefault("EmailStatus", "NotSet")
    return rec


def _sales_line(
    co: QboCompany,
    line: dict[str, Any],
    ctx: WriteContext,
    us: bool,
    non_us_bases: dict[str, tuple[Decimal, Decimal]],
    existing: dict[str, Any] | None = None,
) -> tuple[Decimal, dict[str, Any], bool]:
    """One item line: its amount, its resolved detail, and whether US sales tax applies to it.
    ``existing``: the transaction being modified (an inactive item then asks to be restored first)."""
    detail = dict(line.get("SalesItemLineDetail") or {})
    item = None
    if detail.get("ItemRef") is not None:
        item = resolve_line_item(co, detail["ItemRef"], ctx, existing)
        detail["ItemRef"] = {"value": item["Id"], "name": item["Name"]}
    if line.get("Amount") is not None:
        amount = cents(dec(line["Amount"]))
    else:
        price = detail.get("UnitPrice", item.get("UnitPrice") if item else 0)
        amount = cents(dec(detail.get("Qty"), "1") * dec(price))
    code = ref_value(detail.get("TaxCodeRef"))
    if us:
        if code is None:
            code = "TAX" if item and item.get("Taxable") and co.using_sales_tax else "NON"
        if co.using_sales_tax and not co.partner_tax_enabled and code not in US_LINE_CODES:
            raise faults.invalid_line_tax_code(code)
        detail["TaxCodeRef"] = {"value": code}
        return amount, detail, code == "TAX"
    if code is None:
        raise faults.missing_line_tax_rate(co.country)
    tax_code = resolve_ref(co, "TaxCode", detail["TaxCodeRef"], ctx, field_name="TaxCodeRef")
    for rate_id, pct in _rates_of(co, tax_code):
        _, base = non_us_bases.get(rate_id, (pct, Decimal(0)))
        non_us_bases[rate_id] = (pct, base + amount)
    return amount, detail, False


def prepare_payment(
    co: QboCompany, rec: dict[str, Any], existing: dict[str, Any] | None, ctx: WriteContext
) -> dict[str, Any]:
    customer = resolve_ref(co, "Customer", rec.get("CustomerRef"), ctx, field_name="CustomerRef")
    rec["CustomerRef"] = {"value": customer["Id"], "name": customer["DisplayName"]}
    check_dates(rec, ("TxnDate",))
    rec["TxnDate"] = str(rec.get("TxnDate") or co.today().isoformat())
    applied = Decimal(0)
    lines = []
    for raw in rec.get("Line") or []:
        line = dict(raw)
        amount = cents(dec(line.get("Amount")))
        links = []
        for link in line.get("LinkedTxn") or []:
            if link.get("TxnType") == "Invoice":
                inv = resolve_ref(co, "Invoice", link.get("TxnId"), ctx, field_name="LinkedTxn.TxnId")
                check_applicable(co, inv, amount, existing)
            links.append({"TxnId": str(link.get("TxnId")), "TxnType": link.get("TxnType")})
        line["Amount"] = out(amount)
        line["LinkedTxn"] = links
        applied += amount
        lines.append(line)
    total = cents(dec(rec["TotalAmt"])) if rec.get("TotalAmt") is not None else applied
    rec["Line"] = lines
    rec["TotalAmt"] = out(total)
    rec["UnappliedAmt"] = out(total - applied)
    rec.setdefault("ProcessPayment", False)
    rec.setdefault("CurrencyRef", currency_ref(co.country))
    return rec


def check_applicable(co: QboCompany, inv: dict[str, Any], amount: Decimal, existing: dict[str, Any] | None) -> None:
    """A payment line links to an invoice for at most what is open on it. A voided invoice, one already paid
    (closed), or more than its open balance: 620 "Txn ID Cannot Be Linked", element ``Line.LinkedTxn.TxnId``.
    Sources: Intuit's error-code table (redteam's copy: "The Txn ID (identified by XXX) you're trying to use can't
    be linked."); Wise Owl's QBO help: 620 when the invoice is "NOT closed" fails, e.g. a receipt entered onto it
    by hand in QuickBooks. Beyond a partly paid invoice's balance is our reading of the same rule (unconfirmed).
    Money not applied to a line is accepted as ``UnappliedAmt`` (Intuit's sample Payment: 65.00 total, 55.00
    applied, 10.00 unapplied). What this payment already applied to the invoice counts as open on an update."""
    already = applied_to(existing, inv["Id"]) if existing else Decimal(0)
    open_balance = Decimal(0) if ("Invoice", inv["Id"]) in co.voided else dec(inv.get("Balance")) + already
    if amount > open_balance:
        raise faults.QboError(
            "620",
            "Txn ID Cannot Be Linked",
            f"The Txn ID (identified by {inv['Id']}) you're trying to use can't be linked.",
            element="Line.LinkedTxn.TxnId",
        )


def void_invoice(rec: dict[str, Any]) -> None:
    """Captured void: every line Amount 0, TotalAmt/Balance/TotalTax 0, PrivateNote "Voided", object kept."""
    for line in rec.get("Line") or []:
        line["Amount"] = 0
    detail = dict(rec.get("TxnTaxDetail") or {})
    detail["TotalTax"] = 0
    detail.pop("TaxLine", None)
    rec["TxnTaxDetail"] = detail
    rec["TotalAmt"] = 0
    rec["Balance"] = 0
    rec["PrivateNote"] = "Voided"  # what happens to an existing note is unconfirmed: replaced here


def void_payment(rec: dict[str, Any]) -> None:
    for line in rec.get("Line") or []:
        line["Amount"] = 0
    rec["TotalAmt"] = 0
    rec["UnappliedAmt"] = 0
    rec["PrivateNote"] = "Voided"


def applied_to(payment: dict[str, Any], invoice_id: str) -> Decimal:
    total = Decimal(0)
    for line in payment.get("Line") or []:
        for link in line.get("LinkedTxn") or []:
            if link.get("TxnType") == "Invoice" and str(link.get("TxnId")) == invoice_id:
                total += dec(line.get("Amount"))
    return total


def linked_invoice_ids(payment: dict[str, Any] | None) -> set[str]:
    if not payment:
        return set()
    return {
        str(link.get("TxnId"))
        for line in payment.get("Line") or []
        for link in line.get("LinkedTxn") or []
        if link.get("TxnType") == "Invoice"
    }
