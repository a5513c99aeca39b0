"""Which entities the emulator models, what kind each is, and which properties the query language accepts."""

from __future__ import annotations

NAME_LISTS = ("Customer", "Vendor", "Employee", "Item", "TaxCode", "TaxRate")
TRANSACTIONS = ("Invoice", "Payment")
SINGLETONS = ("CompanyInfo", "Preferences")
MODELLED = NAME_LISTS + TRANSACTIONS + SINGLETONS

# Real QBO entities we do not model: a query on them is valid and simply finds nothing.
UNMODELLED = (
    "Account", "Attachable", "Bill", "BillPayment", "Budget", "Class", "CreditMemo", "Department", "Deposit",
    "Estimate", "JournalEntry", "PaymentMethod", "Purchase", "PurchaseOrder", "RefundReceipt", "SalesReceipt",
    "TaxAgency", "Term", "TimeActivity", "Transfer", "VendorCredit",
)  # fmt: skip

PARTIES = ("Customer", "Vendor", "Employee")  # share one DisplayName namespace
VOIDABLE = ("Invoice", "Payment")

_BY_LOWER = {name.lower(): name for name in MODELLED + UNMODELLED}


def canonical(name: str) -> str | None:
    """QBO accepts entity names in any case (``entities=estimate``, ``FROM customer``)."""
    return _BY_LOWER.get(name.strip().lower())


_COMMON = {"Id", "SyncToken", "MetaData.CreateTime", "MetaData.LastUpdatedTime"}
_PARTY = _COMMON | {
    "DisplayName", "GivenName", "MiddleName", "FamilyName", "Title", "Suffix", "CompanyName", "PrintOnCheckName",
    "Active", "PrimaryEmailAddr", "PrimaryPhone", "Balance",
}  # fmt: skip

QUERYABLE: dict[str, set[str]] = {
    "Customer": _PARTY | {"FullyQualifiedName", "BalanceWithJobs", "Job", "ParentRef", "Taxable", "CustomerTypeRef"},
    "Vendor": _PARTY | {"Vendor1099", "AcctNum"},
    "Employee": _PARTY | {"EmployeeNumber", "HiredDate", "ReleasedDate"},
    "Item": _COMMON | {"Name", "FullyQualifiedName", "Active", "Type", "Sku", "Taxable", "UnitPrice", "ParentRef"},
    "TaxCode": _COMMON | {"Name", "Active", "Taxable", "TaxGroup"},
    "TaxRate": _COMMON | {"Name", "Active", "RateValue", "AgencyRef"},
    "Invoice": _COMMON
    | {"DocNumber", "TxnDate", "DueDate", "CustomerRef", "TotalAmt", "Balance", "EmailStatus", "PrintStatus"},
    "Payment": _COMMON | {"TxnDate", "CustomerRef", "TotalAmt", "UnappliedAmt", "PaymentRefNum"},
    "CompanyInfo": _COMMON | {"CompanyName", "Country"},
    "Preferences": _COMMON,
}

TIMESTAMP_FIELDS = {"MetaData.CreateTime", "MetaData.LastUpdatedTime"}
