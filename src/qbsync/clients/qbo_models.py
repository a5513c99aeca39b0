"""Read models for QuickBooks Online v3 JSON (PascalCase, with the usual exceptions).

Read-only and lenient: ``extra="allow"`` keeps every field Intuit adds in a new minor version (never
``forbid``: a new field must not break a cron run). Money is ``Decimal``. References use lower-case
``value``/``name``, so ``Ref`` has no alias generator.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_pascal


class QboModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_pascal,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="allow",
    )


class Ref(BaseModel):
    """``{"value": "1", "name": "Services"}`` (``CustomerRef``, ``ItemRef``, ``TaxCodeRef`` ...)."""

    model_config = ConfigDict(extra="allow")
    value: str
    name: str | None = None
    type: str | None = None


class MetaData(QboModel):
    create_time: datetime | None = None
    last_updated_time: datetime | None = None


class Entity(QboModel):
    """Fields every QBO entity has. Unknown entities from a query parse as this."""

    id: str | None = None
    sync_token: str | None = None
    domain: str | None = Field(None, alias="domain")
    sparse: bool | None = Field(None, alias="sparse")
    meta_data: MetaData | None = None


class Tombstone(QboModel):
    """A deleted object in a CDC response: only ``Id``, ``status: "Deleted"`` and ``MetaData``."""

    id: str
    status: Literal["Deleted"] = Field(alias="status")
    domain: str | None = Field(None, alias="domain")
    meta_data: MetaData | None = None


class EmailAddress(QboModel):
    address: str | None = None


class PhysicalAddress(QboModel):
    line1: str | None = None
    city: str | None = None
    country_sub_division_code: str | None = None
    postal_code: str | None = None
    country: str | None = None


class _NameEntity(Entity):
    display_name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    company_name: str | None = None
    print_on_check_name: str | None = None
    active: bool | None = None
    primary_email_addr: EmailAddress | None = None


class Customer(_NameEntity):
    fully_qualified_name: str | None = None
    job: bool | None = None
    parent_ref: Ref | None = None
    level: int | None = None
    balance: Decimal | None = None
    balance_with_jobs: Decimal | None = None
    taxable: bool | None = None
    default_tax_code_ref: Ref | None = None
    bill_addr: PhysicalAddress | None = None
    ship_addr: PhysicalAddress | None = None
    currency_ref: Ref | None = None


class Vendor(_NameEntity):
    balance: Decimal | None = None


class Employee(_NameEntity):
    pass


class Item(Entity):
    name: str | None = None
    fully_qualified_name: str | None = None
    sku: str | None = None
    type: str | None = None
    active: bool | None = None
    taxable: bool | None = None
    unit_price: Decimal | None = None
    income_account_ref: Ref | None = None
    parent_ref: Ref | None = None


class LinkedTxn(QboModel):
    txn_id: str
    txn_type: str | None = None
    txn_line_id: str | None = None


class SalesItemLineDetail(QboModel):
    item_ref: Ref | None = None
    unit_price: Decimal | None = None
    qty: Decimal | None = None
    tax_code_ref: Ref | None = None
    service_date: date | None = None


class Line(QboModel):
    id: str | None = None
    line_num: int | None = None
    description: str | None = None
    amount: Decimal | None = None
    detail_type: str | None = None
    sales_item_line_detail: SalesItemLineDetail | None = None
    linked_txn: list[LinkedTxn] = Field(default_factory=list)


class TaxLineDetail(QboModel):
    tax_rate_ref: Ref | None = None
    percent_based: bool | None = None
    tax_percent: Decimal | None = None
    net_amount_taxable: Decimal | None = None


class TaxLine(QboModel):
    amount: Decimal | None = None
    detail_type: str | None = None
    tax_line_detail: TaxLineDetail | None = None


class TxnTaxDetail(QboModel):
    txn_tax_code_ref: Ref | None = None
    total_tax: Decimal | None = None
    tax_line: list[TaxLine] = Field(default_factory=list)


class Invoice(Entity):
    doc_number: str | None = None
    txn_date: date | None = None
    due_date: date | None = None
    customer_ref: Ref | None = None
    line: list[Line] = Field(default_factory=list)
    txn_tax_detail: TxnTaxDetail | None = None
    linked_txn: list[LinkedTxn] = Field(default_factory=list)
    total_amt: Decimal | None = None
    balance: Decimal | None = None
    private_note: str | None = None
    currency_ref: Ref | None = None

    @property
    def voided(self) -> bool:
        """QBO voids in place: amounts zeroed and ``PrivateNote`` "Voided"; the object stays."""
        return (self.private_note or "").startswith("Voided") and not self.total_amt


class Payment(Entity):
    txn_date: date | None = None
    customer_ref: Ref | None = None
    line: list[Line] = Field(default_factory=list)
    total_amt: Decimal | None = None
    unapplied_amt: Decimal | None = None
    payment_ref_num: str | None = None
    deposit_to_account_ref: Ref | None = None
    private_note: str | None = None

    @property
    def voided(self) -> bool:
        return (self.private_note or "").startswith("Voided") and not self.total_amt

    def applied_to(self, txn_type: str = "Invoice") -> dict[str, Decimal]:
        """Amount applied per linked transaction id of ``txn_type``."""
        out: dict[str, Decimal] = {}
        for line in self.line:
            for link in line.linked_txn:
                if link.txn_type == txn_type:
                    out[link.txn_id] = out.get(link.txn_id, Decimal(0)) + (line.amount or Decimal(0))
        return out


class CreditMemo(Entity):
    """Credit the customer holds; ``remaining_credit`` (what no payment has applied yet) lowers their balance."""

    doc_number: str | None = None
    txn_date: date | None = None
    customer_ref: Ref | None = None
    total_amt: Decimal | None = None
    remaining_credit: Decimal | None = None
    balance: Decimal | None = None
    private_note: str | None = None


class RefundReceipt(Entity):
    """Money paid back to a customer, from ``deposit_to_account_ref``."""

    doc_number: str | None = None
    txn_date: date | None = None
    customer_ref: Ref | None = None
    total_amt: Decimal | None = None
    deposit_to_account_ref: Ref | None = None
    private_note: str | None = None


class TaxRateDetail(QboModel):
    tax_rate_ref: Ref | None = None
    tax_type_applicable: str | None = None
    tax_order: int | None = None


class TaxRateList(QboModel):
    tax_rate_detail: list[TaxRateDetail] = Field(default_factory=list)


class TaxCode(Entity):
    name: str | None = None
    description: str | None = None
    active: bool | None = None
    taxable: bool | None = None
    tax_group: bool | None = None
    sales_tax_rate_list: TaxRateList | None = None


class TaxRate(Entity):
    name: str | None = None
    description: str | None = None
    active: bool | None = None
    rate_value: Decimal | None = None
    agency_ref: Ref | None = None


class NameValue(QboModel):
    name: str | None = None
    value: str | None = None


class CompanyInfo(Entity):
    company_name: str | None = None
    legal_name: str | None = None
    country: str | None = None
    company_addr: PhysicalAddress | None = None
    name_value: list[NameValue] = Field(default_factory=list)


class AccountingInfoPrefs(QboModel):
    book_close_date: date | None = None


class TaxPrefs(QboModel):
    using_sales_tax: bool | None = None
    partner_tax_enabled: bool | None = None
    tax_group_code_ref: Ref | None = None


class SalesFormsPrefs(QboModel):
    custom_txn_numbers: bool | None = None


class Preferences(Entity):
    accounting_info_prefs: AccountingInfoPrefs | None = None
    tax_prefs: TaxPrefs | None = None
    sales_forms_prefs: SalesFormsPrefs | None = None


ENTITY_MODELS: dict[str, type[Entity]] = {
    "Customer": Customer,
    "Vendor": Vendor,
    "Employee": Employee,
    "Item": Item,
    "Invoice": Invoice,
    "Payment": Payment,
    "CreditMemo": CreditMemo,
    "RefundReceipt": RefundReceipt,
    "TaxCode": TaxCode,
    "TaxRate": TaxRate,
    "CompanyInfo": CompanyInfo,
    "Preferences": Preferences,
}


def model_for(entity: str) -> type[Entity]:
    """The read model of an entity name (case-insensitive); ``Entity`` for the ones qbsync does not model."""
    for name, model in ENTITY_MODELS.items():
        if name.lower() == entity.lower():
            return model
    return Entity


def parse_entity(entity: str, data: dict[str, Any]) -> Entity | Tombstone:
    """A row of a query, read or CDC response; deleted objects become ``Tombstone``."""
    if data.get("status") == "Deleted":
        return Tombstone.model_validate(data)
    return model_for(entity).model_validate(data)
