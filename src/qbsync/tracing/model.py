"""The typed results of ``qbsync trace``: one record, or one customer's balance, on both sides.

Money is ``Decimal``; times are aware UTC ``datetime`` (the view shows them in the business's time zone).
Everything here serialises into the JSON envelope as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

# --- Suprata's side -----------------------------------------------------------------------------------------


@dataclass
class AttemptView:
    """One push Suprata made to QuickBooks."""

    at: datetime
    attempt: int
    trigger: str
    outcome: str  # succeeded | failed
    qbo_id: str | None = None
    request_id: str | None = None
    error_kind: str | None = None  # http | timeout | connection | oauth
    error_code: str | None = None
    error: str | None = None  # one line, QuickBooks' own words
    pattern: str | None = None  # the pattern table's reading of the failure (P1..P7, unknown)


@dataclass
class LineView:
    line_no: int
    item: str | None  # Suprata: SKU or name; QuickBooks: ItemRef name
    item_qbo_id: str | None
    description: str | None
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal
    tax: str | None = None  # Suprata: taxable/exempt; QuickBooks: the line's TaxCodeRef


@dataclass
class Application:
    """Part of a payment applied to one invoice."""

    amount: Decimal
    invoice_id: str | None = None  # Suprata invoice id
    invoice_number: str | None = None
    qbo_invoice_id: str | None = None


@dataclass
class SupInvoice:
    id: str
    number: str
    customer_id: str
    customer: str | None
    customer_qbo_id: str | None
    txn_date: date
    due_date: date | None
    lines: list[LineView]
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    balance: Decimal
    status: str  # open | paid | void
    sync_state: str
    qbo_id: str | None
    synced_at: datetime | None
    created_at: datetime
    updated_at: datetime
    attempts: list[AttemptView] = field(default_factory=list)


@dataclass
class SupPayment:
    id: str
    number: str
    customer_id: str
    txn_date: date
    amount: Decimal
    method: str | None
    reference: str | None
    applied: list[Application]
    sync_state: str
    qbo_id: str | None
    synced_at: datetime | None
    created_at: datetime
    attempts: list[AttemptView] = field(default_factory=list)


# --- QuickBooks' side ---------------------------------------------------------------------------------------


@dataclass
class QboInvoice:
    id: str
    doc_number: str | None
    status: str  # open | partly_paid | paid | voided | deleted | missing
    customer_id: str | None = None
    customer: str | None = None
    txn_date: date | None = None
    due_date: date | None = None
    lines: list[LineView] = field(default_factory=list)
    subtotal: Decimal | None = None
    tax_total: Decimal | None = None
    total: Decimal | None = None
    balance: Decimal | None = None
    payment_ids: list[str] = field(default_factory=list)
    linked: bool = False  # the QuickBooks invoice Suprata links to
    found_by: str = "linked id"  # linked id | DocNumber | customer
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None


@dataclass
class QboPayment:
    id: str
    status: str  # ok | voided | deleted | missing
    customer_id: str | None = None
    customer: str | None = None
    txn_date: date | None = None
    total: Decimal | None = None
    unapplied: Decimal | None = None
    reference: str | None = None
    applied: list[Application] = field(default_factory=list)
    suprata_number: str | None = None  # the Suprata payment linked to it; None: entered directly in QuickBooks
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None


# --- comparing ------------------------------------------------------------------------------------------------


@dataclass
class Difference:
    """One field that differs between the two sides, named."""

    field: str  # total | subtotal | tax | balance | txn_date | due_date | customer | lines | amount | applied
    suprata: str | None
    quickbooks: str | None
    says: str


@dataclass
class Finding:
    """One thing that is wrong, in plain words, with the fix (pattern-table wording)."""

    kind: str  # duplicate | missing_in_qbo | unlinked_copy | deleted_in_qbo | voided_in_qbo_only | ...
    says: str
    fix: list[str]
    pattern: str = "P6"
    records: list[str] = field(default_factory=list)
    amount: Decimal | None = None  # effect on the balance difference (Suprata minus QuickBooks)
    warning: str | None = None
    fix_by: str = "bookkeeper"  # self | bookkeeper | support


@dataclass
class TimelineEvent:
    at: datetime
    side: str  # suprata | quickbooks
    what: str
    record: str | None = None


@dataclass
class Verdict:
    agree: bool
    headline: str
    fix: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --- results ----------------------------------------------------------------------------------------------------


@dataclass
class RecordTrace:
    """``qbsync trace INV-1042`` / ``qbsync trace PMT-2001``."""

    kind: str  # invoice | payment
    asked: str
    number: str
    verdict: Verdict
    findings: list[Finding]
    differences: list[Difference]
    invoice: SupInvoice | None
    payments: list[SupPayment]
    qbo_invoices: list[QboInvoice]
    qbo_payments: list[QboPayment]
    timeline: list[TimelineEvent]
    notes: list[str] = field(default_factory=list)
    company: str | None = None
    timezone: str = "UTC"
    generated_at: datetime | None = None
    cdc_since: datetime | None = None
    qbo_requests: int | None = None


@dataclass
class BalanceItem:
    """One document that explains part of a customer's balance difference."""

    kind: str  # missing_in_qbo | missing_in_suprata | duplicate | amount | voided_in_qbo_only | ...
    record: str  # INV-1042, PMT-2001, or "QuickBooks payment 187"
    says: str
    amount: Decimal  # Suprata minus QuickBooks
    suprata: Decimal | None = None
    quickbooks: Decimal | None = None
    fix: str | None = None


@dataclass
class CustomerTrace:
    """``qbsync trace --customer NAME|ID``."""

    kind: str  # always "customer"
    asked: str
    customer_id: str
    number: str
    name: str
    qbo_customer_id: str | None
    qbo_customer: str | None
    suprata_balance: Decimal
    qbo_balance: Decimal
    difference: Decimal  # Suprata minus QuickBooks
    explained: Decimal
    unexplained: Decimal
    items: list[BalanceItem]
    verdict: Verdict
    counts: dict[str, int]
    notes: list[str] = field(default_factory=list)
    company: str | None = None
    timezone: str = "UTC"
    generated_at: datetime | None = None
    cdc_since: datetime | None = None
    qbo_requests: int | None = None
