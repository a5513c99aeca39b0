"""Server-side defaults QBO fills in on name-list entities, and the CompanyInfo / Preferences objects."""

from __future__ import annotations

from datetime import date
from typing import Any

from qbsync.sandbox.qbo import faults

READ_ONLY = ("Id", "SyncToken", "MetaData", "domain", "sparse", "status", "time")
DELETED_SUFFIX = " (deleted)"
CURRENCY = {
    "US": ("USD", "United States Dollar"),
    "CA": ("CAD", "Canadian Dollar"),
    "UK": ("GBP", "British Pound Sterling"),
    "GB": ("GBP", "British Pound Sterling"),
    "AU": ("AUD", "Australian Dollar"),
}


def currency_ref(country: str) -> dict[str, str]:
    code, name = CURRENCY.get(country, CURRENCY["US"])
    return {"value": code, "name": name}


def strip_read_only(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in READ_ONLY}


def base_name(name: str) -> str:
    """QBO shows an inactive party as ``Name (deleted)``; a round-tripped body must not grow the suffix."""
    name = name.strip()
    return name[: -len(DELETED_SUFFIX)] if name.endswith(DELETED_SUFFIX) else name


def party_display_name(data: dict[str, Any]) -> str | None:
    name = data.get("DisplayName")
    if isinstance(name, str) and name.strip():
        return base_name(name)
    parts = [data.get(k) for k in ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")]
    generated = " ".join(str(p).strip() for p in parts if p and str(p).strip())
    return generated or None


def normalise_party(entity: str, data: dict[str, Any], country: str) -> dict[str, Any]:
    rec = dict(data)
    name = party_display_name(rec)
    if name is None:
        raise faults.required_param(
            "DisplayName"
        )  # 6080 "No Name Provided" exists too; which one QBO picks is unconfirmed
    rec["DisplayName"] = name
    rec.setdefault("PrintOnCheckName", name)
    rec.setdefault("Active", True)
    rec["Active"] = bool(rec["Active"])
    if entity == "Customer":
        rec.setdefault("Taxable", True)
        rec.setdefault("Job", bool(rec.get("ParentRef")))
        rec.setdefault("BillWithParent", False)
        rec.setdefault("PreferredDeliveryMethod", "Print")
        rec.setdefault("CurrencyRef", currency_ref(country))
        rec.setdefault("Balance", 0)
        rec.setdefault("BalanceWithJobs", rec["Balance"])
    elif entity == "Vendor":
        rec.setdefault("Balance", 0)
        rec.setdefault("Vendor1099", False)
        rec.setdefault("CurrencyRef", currency_ref(country))
    elif entity == "Employee":
        rec.setdefault("BillableTime", False)
    return rec


def normalise_item(data: dict[str, Any]) -> dict[str, Any]:
    rec = dict(data)
    name = rec.get("Name")
    if not isinstance(name, str) or not name.strip():
        raise faults.required_param("Name")
    rec["Name"] = base_name(name)
    rec["FullyQualifiedName"] = rec["Name"]
    rec.setdefault("Active", True)
    if not rec.get("Type"):  # absent or "" (python-quickbooks' default); the default itself is unconfirmed
        rec["Type"] = "Service"
    rec.setdefault("Taxable", False)
    rec.setdefault("UnitPrice", 0)
    rec.setdefault("TrackQtyOnHand", False)
    return rec


# Account types and the classification QBO derives from them (Finance.xsd AccountTypeEnum / AccountClassification).
ACCOUNT_CLASSIFICATION = {
    "Income": "Revenue", "Other Income": "Revenue", "Expense": "Expense", "Other Expense": "Expense",
    "Cost of Goods Sold": "Expense", "Bank": "Asset", "Accounts Receivable": "Asset", "Other Current Asset": "Asset",
    "Fixed Asset": "Asset", "Other Asset": "Asset", "Accounts Payable": "Liability", "Credit Card": "Liability",
    "Other Current Liability": "Liability", "Long Term Liability": "Liability", "Equity": "Equity",
}  # fmt: skip
# A new company's accounts that sales touch (names as in a QBO sandbox company's chart).
DEFAULT_ACCOUNTS = (
    ("Services", "Income", "ServiceFeeIncome"),
    ("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable"),
    ("Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
    ("Checking", "Bank", "Checking"),
)


def normalise_account(data: dict[str, Any]) -> dict[str, Any]:
    rec = dict(data)
    name = rec.get("Name")
    if not isinstance(name, str) or not name.strip():
        raise faults.required_param("Name")
    rec["Name"] = base_name(name)
    rec["FullyQualifiedName"] = rec["Name"]
    if not rec.get("AccountType"):
        raise faults.required_param("AccountType")  # QBO needs AccountType or AccountSubType; simplified
    if rec["AccountType"] not in ACCOUNT_CLASSIFICATION:
        raise faults.QboError("2170", "Invalid Enumeration", f"Invalid Enumeration : {rec['AccountType']}")
    rec["Classification"] = ACCOUNT_CLASSIFICATION[rec["AccountType"]]
    rec.setdefault("Active", True)
    rec.setdefault("SubAccount", False)
    rec.setdefault("CurrentBalance", 0)
    rec.setdefault("CurrentBalanceWithSubAccounts", rec["CurrentBalance"])
    return rec


def normalise_tax_rate(data: dict[str, Any], today: date) -> dict[str, Any]:
    rec = dict(data)
    if not rec.get("Name"):
        raise faults.required_param("Name")
    rec.setdefault("Active", True)
    rec.setdefault("RateValue", 0)
    rec.setdefault("SpecialTaxType", "NONE")
    rec.setdefault("DisplayType", "ReadOnly")
    rec.setdefault(
        "EffectiveTaxRate", [{"RateValue": rec["RateValue"], "EffectiveDate": f"{today.isoformat()}T00:00:00Z"}]
    )
    return rec


def normalise_tax_code(data: dict[str, Any]) -> dict[str, Any]:
    rec = dict(data)
    if not rec.get("Name"):
        raise faults.required_param("Name")
    rec.setdefault("Description", rec["Name"])
    rec.setdefault("Active", True)
    rec.setdefault("Taxable", True)
    rec.setdefault("TaxGroup", False)
    rec.setdefault("SalesTaxRateList", {"TaxRateDetail": []})
    rec.setdefault("PurchaseTaxRateList", {"TaxRateDetail": []})
    return rec


def company_info(realm_id: str, name: str, country: str, created: str, start: date) -> dict[str, Any]:
    addr = {"Id": "1", "Line1": "123 Main Street", "City": "Mountain View", "Country": country}
    return {
        "CompanyName": name,
        "LegalName": name,
        "CompanyAddr": addr,
        "CustomerCommunicationAddr": addr,
        "LegalAddr": addr,
        "CompanyStartDate": start.isoformat(),
        "FiscalYearStartMonth": "January",
        "Country": country,
        "SupportedLanguages": "en",
        "NameValue": [
            {"Name": "NeoEnabled", "Value": "true"},
            {"Name": "IndustryType", "Value": "Field services"},
            {"Name": "SubscriptionStatus", "Value": "SUBSCRIBED"},
            {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"},
        ],
        "domain": "QBO",
        "sparse": False,
        "Id": realm_id,
        "SyncToken": "0",
        "MetaData": {"CreateTime": created, "LastUpdatedTime": created},
    }


def preferences(
    country: str,
    *,
    book_close_date: date | None,
    using_sales_tax: bool,
    partner_tax_enabled: bool,
    custom_txn_numbers: bool,
    sync_token: int,
    created: str,
    updated: str,
) -> dict[str, Any]:
    accounting: dict[str, Any] = {
        "FirstMonthOfFiscalYear": "January",
        "UseAccountNumbers": False,
        "TaxYearMonth": "January",
        "ClassTrackingPerTxn": False,
        "TrackDepartments": False,
        "CustomerTerminology": "Customers",
        "ClassTrackingPerTxnLine": False,
    }
    if book_close_date is not None:  # absent when the books were never closed
        accounting["BookCloseDate"] = book_close_date.isoformat()
    tax: dict[str, Any] = {"UsingSalesTax": using_sales_tax}
    if country == "US":
        tax["PartnerTaxEnabled"] = partner_tax_enabled
    code, _ = CURRENCY.get(country, CURRENCY["US"])
    return {
        "AccountingInfoPrefs": accounting,
        "SalesFormsPrefs": {
            "CustomTxnNumbers": custom_txn_numbers,
            "AllowDeposit": False,
            "AllowDiscount": True,
            "AllowShipping": False,
            "DefaultTerms": {"value": "3"},
            "ETransactionEnabledStatus": "NotApplicable",
        },
        "TaxPrefs": tax,
        "CurrencyPrefs": {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": code}},
        "domain": "QBO",
        "sparse": False,
        "Id": "1",
        "SyncToken": str(sync_token),
        "MetaData": {"CreateTime": created, "LastUpdatedTime": updated},
    }
