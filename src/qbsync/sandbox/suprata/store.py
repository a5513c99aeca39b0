"""Suprata's account data as the sandbox holds it, serialised through the wire models.

Records are mutable dataclasses (the engine updates their sync state in place); ``to_model()`` turns each
into the pydantic model of ``qbsync.clients.suprata_models`` so the API can never drift from the contract.
Fields prefixed ``qbo_`` and the scheduling fields are Suprata's private bookkeeping, never on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from qbsync.clients import suprata_models as m
from qbsync.sandbox.qbo.money import cents


def money(value: Decimal | float | int | str) -> Decimal:
    return cents(Decimal(str(value)))


@dataclass
class SyncStatus:
    state: str = "not_synced"  # synced | failed | pending | not_synced
    qbo_id: str | None = None
    synced_at: datetime | None = None
    last_attempt_at: datetime | None = None
    attempts: int = 0
    last_attempt_id: str | None = None
    # private: what the engine needs to push again
    qbo_sync_token: str | None = None  # the SyncToken Suprata last saw (stale if QBO was edited since)
    needs_push: bool = False  # created or edited in Suprata since the last successful push
    request_id: str | None = None  # requestid of the logical push in progress
    last_error_kind: str | None = None
    next_retry_at: datetime | None = None  # automatic retry after a transient failure
    transient_failures: int = 0

    def to_model(self) -> m.QboSyncStatus:
        return m.QboSyncStatus(
            state=self.state,
            qbo_id=self.qbo_id,
            synced_at=self.synced_at,
            last_attempt_at=self.last_attempt_at,
            attempts=self.attempts,
            last_attempt_id=self.last_attempt_id,
        )


@dataclass
class CustomerRec:
    id: str
    number: str
    display_name: str
    created_at: datetime
    updated_at: datetime
    company_name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    phone: str | None = None
    line1: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    active: bool = True
    parent_id: str | None = None  # a job: pushed with ParentRef to the parent's QBO customer
    sync: SyncStatus = field(default_factory=SyncStatus)

    record_type = "customer"

    def to_model(self) -> m.Customer:
        address = None
        if self.line1 or self.city or self.state or self.postal_code:
            address = m.Address(line1=self.line1, city=self.city, state=self.state, postal_code=self.postal_code)
        return m.Customer(
            id=self.id,
            number=self.number,
            display_name=self.display_name,
            company_name=self.company_name,
            given_name=self.given_name,
            family_name=self.family_name,
            email=self.email,
            phone=self.phone,
            billing_address=address,
            active=self.active,
            created_at=self.created_at,
            updated_at=self.updated_at,
            qbo=self.sync.to_model(),
        )


@dataclass
class ItemRec:
    id: str
    sku: str
    name: str
    unit_price: Decimal
    created_at: datetime
    updated_at: datetime
    type: str = "service"
    taxable: bool = True
    active: bool = True
    sync: SyncStatus = field(default_factory=SyncStatus)

    record_type = "item"

    @property
    def number(self) -> str:
        return self.sku

    def to_model(self) -> m.Item:
        return m.Item(
            id=self.id,
            sku=self.sku,
            name=self.name,
            type=self.type,
            unit_price=self.unit_price,
            taxable=self.taxable,
            active=self.active,
            created_at=self.created_at,
            updated_at=self.updated_at,
            qbo=self.sync.to_model(),
        )


@dataclass
class TaxCategoryRec:
    id: str
    name: str
    rate_percent: Decimal | None = None
    mappings: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # state -> (code id, name)

    def mapped_code(self, state: str | None) -> str | None:
        return self.mappings.get(state or "", (None, None))[0]

    def to_model(self) -> m.TaxCategory:
        return m.TaxCategory(
            id=self.id,
            name=self.name,
            rate_percent=self.rate_percent,
            mappings=[
                m.TaxMapping(state=state, qbo_tax_code_id=code, qbo_tax_code_name=name)
                for state, (code, name) in sorted(self.mappings.items())
            ],
        )


@dataclass
class LineRec:
    item_id: str
    quantity: Decimal
    unit_price: Decimal
    description: str | None = None
    taxable: bool = True

    @property
    def amount(self) -> Decimal:
        return money(self.quantity * self.unit_price)


@dataclass
class InvoiceRec:
    id: str
    number: str
    customer_id: str
    txn_date: date
    lines: list[LineRec]
    created_at: datetime
    updated_at: datetime
    due_date: date | None = None
    service_state: str | None = None
    tax_category_id: str | None = None
    tax_rate_percent: Decimal | None = None
    job_id: str | None = None
    paid: Decimal = Decimal("0.00")
    voided: bool = False
    sync: SyncStatus = field(default_factory=SyncStatus)

    record_type = "invoice"

    @property
    def subtotal(self) -> Decimal:
        return money(sum((line.amount for line in self.lines), Decimal(0)))

    @property
    def tax_total(self) -> Decimal:
        if not self.tax_rate_percent:
            return Decimal("0.00")
        taxable = sum((line.amount for line in self.lines if line.taxable), Decimal(0))
        return money(taxable * self.tax_rate_percent / 100)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax_total

    @property
    def balance(self) -> Decimal:
        return Decimal("0.00") if self.voided else max(Decimal("0.00"), self.total - self.paid)

    @property
    def status(self) -> str:
        if self.voided:
            return "void"
        return "paid" if self.balance == 0 else "open"

    def to_model(self) -> m.Invoice:
        return m.Invoice(
            id=self.id,
            number=self.number,
            customer_id=self.customer_id,
            job_id=self.job_id,
            txn_date=self.txn_date,
            due_date=self.due_date,
            service_state=self.service_state,
            tax_category_id=self.tax_category_id,
            lines=[
                m.InvoiceLine(
                    line_no=i,
                    item_id=line.item_id,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    amount=line.amount,
                    taxable=line.taxable,
                )
                for i, line in enumerate(self.lines, start=1)
            ],
            subtotal=self.subtotal,
            tax_total=self.tax_total,
            total=self.total,
            balance=self.balance,
            status=self.status,
            created_at=self.created_at,
            updated_at=self.updated_at,
            qbo=self.sync.to_model(),
        )


@dataclass
class PaymentRec:
    id: str
    number: str
    customer_id: str
    txn_date: date
    applied: list[tuple[str, Decimal]]  # (invoice id, amount)
    created_at: datetime
    updated_at: datetime
    method: str | None = None
    reference: str | None = None
    deleted: bool = False  # deleted in Suprata: its QBO copy is deleted on the next push
    sync: SyncStatus = field(default_factory=SyncStatus)

    record_type = "payment"

    @property
    def amount(self) -> Decimal:
        return money(sum((amount for _, amount in self.applied), Decimal(0)))

    def to_model(self) -> m.Payment:
        return m.Payment(
            id=self.id,
            number=self.number,
            customer_id=self.customer_id,
            txn_date=self.txn_date,
            amount=self.amount,
            method=self.method,
            reference=self.reference,
            applied=[m.PaymentApplication(invoice_id=inv, amount=amount) for inv, amount in self.applied],
            created_at=self.created_at,
            updated_at=self.updated_at,
            qbo=self.sync.to_model(),
        )


Record = CustomerRec | ItemRec | InvoiceRec | PaymentRec


@dataclass
class RetryState:
    id: str
    record_type: str
    record_id: str
    requested_at: datetime
    status: str = "queued"
    finished_at: datetime | None = None
    attempt: m.SyncAttempt | None = None

    def to_model(self) -> m.RetryRequest:
        return m.RetryRequest(
            id=self.id,
            record_type=self.record_type,
            record_id=self.record_id,
            status=self.status,
            requested_at=self.requested_at,
            finished_at=self.finished_at,
            attempt=self.attempt,
        )


@dataclass
class ConnectionState:
    """Suprata's own QuickBooks connection. Tokens are private; the wire shows only times and status."""

    status: str = "disconnected"
    realm_id: str | None = None
    company_name: str | None = None
    connected_at: datetime | None = None
    last_refresh_at: datetime | None = None
    access_token: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    access_token_expires_at: datetime | None = None
    refresh_token_expires_at: datetime | None = None
    reconnect_url: str | None = None
    last_error: str | None = None

    def to_model(self) -> m.QboConnection:
        return m.QboConnection(
            status=self.status,
            realm_id=self.realm_id,
            company_name=self.company_name,
            connected_at=self.connected_at,
            last_refresh_at=self.last_refresh_at,
            access_token_expires_at=self.access_token_expires_at,
            refresh_token_expires_at=self.refresh_token_expires_at,
            reconnect_url=self.reconnect_url,
            last_error=self.last_error,
        )


@dataclass
class AccountInfo:
    id: str
    name: str
    timezone: str
    home_state: str | None = None
    email_invoices: bool = False  # every invoice pushed is to be emailed by QuickBooks

    def to_model(self) -> m.Account:
        return m.Account(id=self.id, name=self.name, timezone=self.timezone, home_state=self.home_state)


class SuprataStore:
    """All of one Suprata account's data. Dicts keep insertion order, which is creation order."""

    def __init__(self, account: AccountInfo) -> None:
        self.account = account
        self.customers: dict[str, CustomerRec] = {}
        self.items: dict[str, ItemRec] = {}
        self.tax_categories: dict[str, TaxCategoryRec] = {}
        self.invoices: dict[str, InvoiceRec] = {}
        self.payments: dict[str, PaymentRec] = {}
        self.attempts: list[m.SyncAttempt] = []
        self.retries: dict[str, RetryState] = {}
        self.idempotency: dict[str, tuple[str, str, str]] = {}  # key -> (retry id, record type, record id)
        self.connection = ConnectionState()
        self._by_number: dict[tuple[str, str], str] = {}

    # --- adding records -------------------------------------------------------------------------

    def add(self, record: Record) -> Record:
        table = self.table(record.record_type)
        if record.id in table:
            raise ValueError(f"duplicate {record.record_type} id {record.id}")
        table[record.id] = record
        self._by_number[(record.record_type, record.number)] = record.id
        return record

    def table(self, record_type: str) -> dict[str, Record]:
        tables: dict[str, dict] = {
            "customer": self.customers,
            "item": self.items,
            "invoice": self.invoices,
            "payment": self.payments,
        }
        return tables[record_type]

    def get(self, record_type: str, record_id: str) -> Record | None:
        return self.table(record_type).get(record_id)

    def by_number(self, record_type: str, number: str) -> Record | None:
        record_id = self._by_number.get((record_type, number))
        return self.get(record_type, record_id) if record_id else None

    def item_by_ref(self, ref: str) -> ItemRec | None:
        """An item by SKU, id or name (scenario files name items by SKU)."""
        found = self.by_number("item", ref) or self.items.get(ref)
        if isinstance(found, ItemRec):
            return found
        return next((i for i in self.items.values() if i.name == ref), None)
