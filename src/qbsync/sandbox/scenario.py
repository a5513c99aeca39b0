"""The scenario file format: the starting state of QuickBooks and Suprata, a clock, a timeline and what a
test should find.

A scenario is JSON validated by these models (``docs/scenario.schema.json`` is generated from them; the
guide is ``docs/sandbox.md``). The sync engine plays the timeline in time order; every failure is whatever
the resulting state produces. ``expected`` is read only by tests, never by the diagnosis path.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION: Final = 1


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- starting state -------------------------------------------------------------------------------------


class ClockSpec(_Spec):
    start: datetime = Field(description="When the timeline starts (UTC); the clock begins here")
    now: datetime = Field(description="The scenario's present; the clock stops here once the timeline is played")

    @model_validator(mode="after")
    def _ordered(self) -> ClockSpec:
        if self.start.tzinfo is None or self.now.tzinfo is None:
            raise ValueError("clock times need a UTC offset, e.g. 2026-11-24T16:30:00Z")
        if self.now < self.start:
            raise ValueError("clock.now is before clock.start")
        return self


class CompanySpec(_Spec):
    realm_id: str = "9341453050449234"
    company_name: str
    country: Literal["US", "CA", "UK", "AU"] = "US"
    timezone: str = "America/Denver"
    book_close_date: date | None = Field(None, description="Books closed through this date at the start")
    book_close_password: bool = Field(
        True,
        description="The close asks for a password (API writes get 6210); off: a warning only, and API writes "
        'get 5010 "Account Period Closed"',
    )
    duplicate_doc_number_check: bool = Field(
        False, description="QBO rejects a repeated DocNumber with 6140 (off: duplicates are accepted, as by default)"
    )


class PartySpec(_Spec):
    """A QBO Customer, Vendor or Employee that exists before the timeline (entered directly in QuickBooks)."""

    display_name: str
    given_name: str | None = None
    family_name: str | None = None
    company_name: str | None = None
    email: str | None = None
    phone: str | None = None
    active: bool = True


class QboItemSpec(_Spec):
    name: str
    sku: str | None = None
    type: Literal["Service", "NonInventory"] = "Service"
    unit_price: Decimal = Decimal(0)
    taxable: bool = False
    active: bool = True


class TaxCodeSpec(_Spec):
    name: str = Field(description="Suprata mappings refer to QBO tax codes by this name")
    rate_percent: Decimal
    agency: str | None = None
    active: bool = True


class QboSeed(_Spec):
    vendors: list[PartySpec] = Field(default_factory=list)
    employees: list[PartySpec] = Field(default_factory=list)
    customers: list[PartySpec] = Field(default_factory=list)
    items: list[QboItemSpec] = Field(default_factory=list)
    tax_codes: list[TaxCodeSpec] = Field(default_factory=list)


class AccountSpec(_Spec):
    id: str = "acct_1"
    name: str
    timezone: str = "America/Denver"
    home_state: str | None = None
    email_invoices: bool = Field(
        False,
        description="Suprata marks every invoice it pushes 'to be emailed' (EmailStatus NeedToSend, BillEmail "
        "from the customer's email): QuickBooks then refuses one whose customer has no email address",
    )


class SupCustomerSpec(_Spec):
    number: str = Field(description="Human number, C-1001; the record id is derived from it")
    display_name: str
    company_name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    phone: str | None = None
    line1: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    qbo_link: str | None = Field(
        None,
        description="Linked by a person in Suprata's QuickBooks settings to the QBO customer of this DisplayName "
        "(no push needed; the link is by Id, so the names may differ)",
    )
    parent: str | None = Field(
        None, description="The parent customer's number: this customer is a job (QBO sub-customer, ParentRef)"
    )


class SupItemSpec(_Spec):
    sku: str
    name: str
    type: Literal["service", "non_inventory"] = "service"
    unit_price: Decimal
    taxable: bool = True
    qbo_link: str | None = Field(
        None,
        description="Linked by a person in Suprata's item settings to the QBO item of this Name (active or not)",
    )


class TaxCategorySpec(_Spec):
    id: str = Field(description="Suprata's own category code (what the buggy fallback sends as TaxCodeRef)")
    name: str
    rate_percent: Decimal | None = None
    mappings: dict[str, str | None] = Field(
        default_factory=dict, description="State -> QBO tax code name (null: known state, not mapped)"
    )


class SuprataSeed(_Spec):
    account: AccountSpec
    api_key: str = "sk_sandbox_suprata_demo_key"
    customers: list[SupCustomerSpec] = Field(default_factory=list)
    items: list[SupItemSpec] = Field(default_factory=list)
    tax_categories: list[TaxCategorySpec] = Field(default_factory=list)
    log: Literal["body", "message_only"] = Field(
        "body",
        description="What Suprata's sync log keeps of a failed push: QuickBooks' body verbatim, or only "
        "Suprata's own words (message_only: no body, no codes)",
    )
    sync_enabled: bool = Field(
        True,
        description="Suprata's QuickBooks sync is switched on. Off (a company before its first sync): records "
        "wait, not_synced, until a sync_enabled event switches it on",
    )


class QbsyncConnectionSpec(_Spec):
    """qbsync's OWN QuickBooks grant (separate from Suprata's)."""

    state: Literal["valid", "expired", "revoked", "none"] = "valid"


class ConnectionsSpec(_Spec):
    suprata_connected_at: datetime | None = Field(None, description="Suprata's grant; default: clock.start")
    qbsync: QbsyncConnectionSpec = Field(default_factory=QbsyncConnectionSpec)


# --- timeline -------------------------------------------------------------------------------------------


class _Event(_Spec):
    at: datetime
    note: str | None = Field(None, description="Why this happens, for people reading the scenario")


class LineSpec(_Spec):
    sku: str
    qty: Decimal = Decimal(1)
    unit_price: Decimal | None = Field(None, description="Default: the item's price")
    description: str | None = None


class InvoiceCreated(_Event):
    type: Literal["invoice_created"] = "invoice_created"
    number: str
    customer: str = Field(description="Suprata customer number")
    txn_date: date | None = Field(None, description="Default: the local date of `at`")
    due_days: int = 30
    service_state: str | None = Field(None, description="Default: the customer's state")
    tax_category: str | None = None
    lines: list[LineSpec] = Field(min_length=1)
    held: bool = Field(
        False,
        description="Kept in Suprata, not pushed: imported history or a batch someone will release later "
        "(batch_released pushes it)",
    )


class PaymentApplied(_Spec):
    invoice: str = Field(description="Invoice number")
    amount: Decimal | None = Field(None, description="Default: the invoice's open balance")


class PaymentCreated(_Event):
    type: Literal["payment_created"] = "payment_created"
    number: str
    txn_date: date | None = None
    method: str | None = None
    reference: str | None = None
    applied: list[PaymentApplied] = Field(min_length=1)
    held: bool = Field(
        False,
        description="Kept in Suprata, not pushed: imported history or a batch someone will release later "
        "(batch_released pushes it)",
    )


class CustomerCreated(_Event):
    type: Literal["customer_created"] = "customer_created"
    customer: SupCustomerSpec


class InvoiceEdited(_Event):
    """A record edited in Suprata: the engine pushes a sparse update with the SyncToken it last saw."""

    type: Literal["invoice_edited"] = "invoice_edited"
    number: str
    add_lines: list[LineSpec] = Field(default_factory=list)
    due_date: date | None = None


class CustomerEdited(_Event):
    """A customer edited (or renamed) in Suprata; the engine pushes a sparse update of the linked QBO customer."""

    type: Literal["customer_edited"] = "customer_edited"
    customer: str = Field(description="Suprata customer number")
    display_name: str | None = None
    email: str | None = None
    phone: str | None = None


class ItemEdited(_Event):
    """A price-list item edited (or renamed) in Suprata; pushed as a sparse update of the linked QBO item."""

    type: Literal["item_edited"] = "item_edited"
    sku: str
    name: str | None = None
    unit_price: Decimal | None = None


class PaymentEdited(_Event):
    """A payment's amount changed in Suprata (one applied invoice); pushed as an update with its SyncToken."""

    type: Literal["payment_edited"] = "payment_edited"
    number: str
    invoice: str = Field(description="The applied invoice whose amount changes")
    amount: Decimal


class PaymentDeleted(_Event):
    """A payment deleted in Suprata; Suprata deletes its QBO copy (operation=delete)."""

    type: Literal["payment_deleted"] = "payment_deleted"
    number: str


class RetryClicked(_Event):
    """A person clicked "Retry sync" on a record in Suprata's UI: an immediate push with a new requestid."""

    type: Literal["retry_clicked"] = "retry_clicked"
    record_type: Literal["customer", "item", "invoice", "payment"] = "invoice"
    number: str = Field(description="Invoice/payment/customer number or item SKU")


class QboCustomersMerged(_Event):
    """Two customers merged in QuickBooks (rename one to the other's name and confirm): every transaction of
    ``key`` moves to ``into``, and ``key`` is left inactive ("deleted")."""

    type: Literal["qbo_customers_merged"] = "qbo_customers_merged"
    key: str = Field(description="DisplayName of the customer merged away")
    into: str = Field(description="DisplayName of the customer that remains")


class QboCreditMemoEntered(_Event):
    """A credit memo entered directly in QuickBooks: the customer's balance drops; Suprata never hears of it."""

    type: Literal["qbo_credit_memo_entered"] = "qbo_credit_memo_entered"
    customer: str = Field(description="QBO DisplayName")
    amount: Decimal = Field(gt=0)
    item: str | None = Field(None, description="QBO item name on the memo's line; default: the first item")
    memo: str | None = None
    doc_number: str | None = None


class QboRefundIssued(_Event):
    """Money refunded to a customer in QuickBooks (a RefundReceipt paid from Checking)."""

    type: Literal["qbo_refund_issued"] = "qbo_refund_issued"
    customer: str = Field(description="QBO DisplayName")
    amount: Decimal = Field(gt=0)
    item: str | None = None
    memo: str | None = None


class QboEdited(_Event):
    """Someone edits a record directly in QuickBooks (its SyncToken moves on)."""

    type: Literal["qbo_edited"] = "qbo_edited"
    entity: Literal["Invoice", "Payment", "Customer", "Vendor", "Employee", "Item"]
    key: str = Field(description="DocNumber for invoices, DisplayName or Name for lists")
    changes: dict[str, Any] = Field(description='QBO fields to set, e.g. {"PrivateNote": "..."}')


class QboPaymentEntered(_Event):
    """A payment entered directly in QuickBooks, which Suprata never hears about."""

    type: Literal["qbo_payment_entered"] = "qbo_payment_entered"
    invoice: str = Field(description="Invoice DocNumber")
    amount: Decimal | None = None
    txn_date: date | None = None
    reference: str | None = None


class QboVoided(_Event):
    type: Literal["qbo_voided"] = "qbo_voided"
    entity: Literal["Invoice", "Payment"] = "Invoice"
    key: str = Field(description="DocNumber (invoices) or PaymentRefNum (payments)")


class QboDeleted(_Event):
    type: Literal["qbo_deleted"] = "qbo_deleted"
    entity: Literal["Invoice", "Payment"] = "Invoice"
    key: str


class QboMadeInactive(_Event):
    type: Literal["qbo_made_inactive"] = "qbo_made_inactive"
    entity: Literal["Customer", "Vendor", "Employee", "Item"]
    key: str = Field(description="DisplayName or Name")


class QboRenamed(_Event):
    type: Literal["qbo_renamed"] = "qbo_renamed"
    entity: Literal["Customer", "Vendor", "Employee", "Item"]
    key: str
    new_name: str


class BooksClosed(_Event):
    type: Literal["books_closed"] = "books_closed"
    through: date | None = Field(description="Close date; null reopens the books")


class TaxMappingChanged(_Event):
    type: Literal["tax_mapping_changed"] = "tax_mapping_changed"
    category: str
    state: str
    tax_code: str | None = Field(description="QBO tax code name; null removes the mapping")


class ConnectionLapsed(_Event):
    """Suprata's refresh token aged past its 100-day expiry (and its access token has expired)."""

    type: Literal["connection_lapsed"] = "connection_lapsed"


class ConnectionRevoked(_Event):
    type: Literal["connection_revoked"] = "connection_revoked"


class Reconnected(_Event):
    type: Literal["reconnected"] = "reconnected"


class ThrottleBurst(_Event):
    """QuickBooks answers 429 (XML body) to every request from `at` for `seconds`."""

    type: Literal["throttle_burst"] = "throttle_burst"
    seconds: int = Field(gt=0)
    app: Literal["suprata", "qbsync"] | None = Field(
        None, description="Only this app's requests are throttled (limits are per realm and app); default: all"
    )


class Outage(_Event):
    type: Literal["outage"] = "outage"
    seconds: int = Field(gt=0)
    status: Literal[503, 504] = 503


class TimeoutAfterCommit(_Event):
    """The next `count` writes of `entity` commit in QuickBooks, but the answer never reaches Suprata."""

    type: Literal["timeout_after_commit"] = "timeout_after_commit"
    entity: Literal["Customer", "Item", "Invoice", "Payment"] = "Invoice"
    count: int = 1


class SyncEnabled(_Event):
    """A person switches Suprata's QuickBooks sync on (or off): on, everything waiting is pushed."""

    type: Literal["sync_enabled"] = "sync_enabled"
    enabled: bool = True


class BatchReleased(_Event):
    """Someone releases held records in Suprata: the engine pushes them, in its usual order, on the tick."""

    type: Literal["batch_released"] = "batch_released"
    numbers: list[str] = Field(
        default_factory=list, description="Invoice and payment numbers; empty: every record never pushed"
    )


class EngineTick(_Event):
    type: Literal["engine_tick"] = "engine_tick"


Event = Annotated[
    InvoiceCreated
    | PaymentCreated
    | CustomerCreated
    | InvoiceEdited
    | CustomerEdited
    | ItemEdited
    | PaymentEdited
    | PaymentDeleted
    | RetryClicked
    | QboCustomersMerged
    | QboCreditMemoEntered
    | QboRefundIssued
    | QboEdited
    | QboPaymentEntered
    | QboVoided
    | QboDeleted
    | QboMadeInactive
    | QboRenamed
    | BooksClosed
    | TaxMappingChanged
    | ConnectionLapsed
    | ConnectionRevoked
    | Reconnected
    | ThrottleBurst
    | Outage
    | TimeoutAfterCommit
    | SyncEnabled
    | BatchReleased
    | EngineTick,
    Field(discriminator="type"),
]

SUPRATA_EVENTS = (
    "invoice_created",
    "payment_created",
    "customer_created",
    "invoice_edited",
    "sync_enabled",
    "batch_released",
    "customer_edited",
    "item_edited",
    "payment_edited",
    "payment_deleted",
    "engine_tick",
)


# --- expectations (tests only) --------------------------------------------------------------------------


class ExpectedCause(_Spec):
    pattern: Literal["P1", "P2", "P3", "P4", "P5", "P6", "P7", "unknown"]
    subject: str = Field(description="What the cause is about: a customer, an item, a date, a tax state, ...")
    qbo_code: str | None = Field(None, description="The QBO error code the failures carry, when there is one")
    blocked: dict[Literal["customer", "item", "invoice", "payment"], int] = Field(
        default_factory=dict, description="Records whose current state is failed or pending because of this cause"
    )
    records: list[str] = Field(default_factory=list, description="Record numbers involved (optional)")


class Expected(_Spec):
    root_causes: list[ExpectedCause] = Field(default_factory=list)
    failed_records: int | None = Field(None, description="Records whose latest attempt failed")


class Scenario(_Spec):
    """A sandbox scenario (schema version 1)."""

    schema_version: Literal[1] = SCHEMA_VERSION
    name: str
    title: str
    description: str = ""
    seed: int = 0
    clock: ClockSpec
    company: CompanySpec
    qbo: QboSeed = Field(default_factory=QboSeed)
    suprata: SuprataSeed
    connections: ConnectionsSpec = Field(default_factory=ConnectionsSpec)
    timeline: list[Event] = Field(default_factory=list)
    expected: Expected = Field(default_factory=Expected)

    @model_validator(mode="after")
    def _events_in_window(self) -> Scenario:
        for event in self.timeline:
            if event.at.tzinfo is None:
                raise ValueError(f"event at {event.at} needs a UTC offset")
            if not self.clock.start <= event.at <= self.clock.now:
                raise ValueError(f"event {event.type} at {event.at} is outside the clock window")
        return self

    def ordered_timeline(self) -> list[Any]:
        """Time order; events at the same instant keep their file order."""
        return [e for _, e in sorted(enumerate(self.timeline), key=lambda pair: (pair[1].at, pair[0]))]


def load_scenario(source: str | Path | dict[str, Any]) -> Scenario:
    """A scenario from a dict, a JSON string or a path to a JSON file."""
    if isinstance(source, dict):
        return Scenario.model_validate(source)
    if isinstance(source, Path) or (isinstance(source, str) and not source.lstrip().startswith("{")):
        return Scenario.model_validate_json(Path(source).read_text(encoding="utf-8"))
    return Scenario.model_validate_json(source)


def dump_scenario(scenario: Scenario) -> str:
    """Compact JSON: defaults left out, except each event's ``type`` (the discriminator)."""
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    data["schema_version"] = SCHEMA_VERSION
    data["timeline"] = [
        {"type": e.type, **dumped} for e, dumped in zip(scenario.timeline, data.get("timeline", []), strict=True)
    ]
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def scenario_json_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://qbsync.invalid/schemas/scenario.schema.json"
    return schema
