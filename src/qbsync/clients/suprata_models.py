"""The Suprata API contract as pydantic models (API version 1).

Suprata's API is not public, so qbsync states what it expects. These models are the single source:
``docs/suprata-api.yaml`` (OpenAPI 3.1) is generated from them by ``qbsync.clients.suprata_spec``,
the sandbox serialises its state through them, and the Suprata client parses with them.

Wire conventions: snake_case JSON, ISO-8601 UTC timestamps (``2026-11-02T14:03:11Z``), dates
``YYYY-MM-DD``, money as JSON numbers with two decimals, ids as strings. Unknown fields are kept
(``extra="allow"``) so a newer Suprata never breaks a cron run.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

Money = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]

RecordType = Literal["customer", "item", "invoice", "payment"]
RECORD_TYPES: tuple[RecordType, ...] = ("customer", "item", "invoice", "payment")


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


# --- QuickBooks sync state ---------------------------------------------------------------------------------


class QboSyncStatus(_Model):
    """A record's QuickBooks sync state as Suprata sees it (the red or green mark)."""

    state: Literal["synced", "failed", "pending", "not_synced"] = Field(
        description="synced: in QuickBooks; failed: last push failed; pending: queued or being retried "
        "automatically; not_synced: never pushed"
    )
    qbo_id: str | None = Field(None, description="Id of the linked QuickBooks object, when Suprata holds a link")
    synced_at: datetime | None = Field(None, description="Last successful push")
    last_attempt_at: datetime | None = None
    attempts: int = Field(0, description="Number of push attempts for this record so far")
    last_attempt_id: str | None = None


class SyncError(_Model):
    """The failure of one push, exactly as QuickBooks (or the network) returned it."""

    kind: Literal["http", "timeout", "connection", "oauth"] = Field(
        description="http: QuickBooks answered with an error; timeout: no answer in time (QuickBooks may have "
        "committed the write); connection: could not connect; oauth: Intuit's token endpoint refused"
    )
    http_status: int | None = None
    content_type: str | None = None
    body: str | None = Field(None, description="Response body verbatim, unparsed (JSON, XML, HTML or text)")
    message: str | None = Field(
        None,
        description="Suprata's own words for the failure. A log may keep only these (body absent): the reader then "
        "classifies the message, together with what QuickBooks holds",
    )
    qbo_entity: str | None = Field(
        None,
        description="QuickBooks entity of the request that failed. It can differ from the record: an invoice "
        "fails with entity Customer when Suprata had to create the invoice's customer first",
    )
    qbo_operation: Literal["create", "update", "void", "delete", "query", "read", "refresh"] | None = None
    intuit_tid: str | None = Field(None, description="intuit_tid response header, for Intuit support")


class SyncAttempt(_Model):
    id: str
    record_type: RecordType
    record_id: str
    record_number: str | None = Field(None, description="Human number: INV-1042, PMT-2001, C-1001, or the item SKU")
    customer_id: str | None = Field(None, description="The customer the record belongs to (invoices, payments)")
    attempted_at: datetime
    attempt: int = Field(description="1-based attempt number for this record")
    trigger: Literal["auto", "scheduled_retry", "manual_retry", "api_retry"] = Field(
        description="auto: first push after a change; scheduled_retry: Suprata's automatic retry; manual_retry: "
        "a person pressed retry in Suprata; api_retry: requested through POST /sync/retries"
    )
    outcome: Literal["succeeded", "failed"]
    qbo_id: str | None = None
    qbo_request_id: str | None = Field(None, description="The requestid Suprata sent to QuickBooks")
    error: SyncError | None = None


class SyncSummaryGroup(_Model):
    """The attempts of one outcome, error kind and HTTP status within a summary's window."""

    outcome: Literal["succeeded", "failed"]
    error_kind: Literal["http", "timeout", "connection", "oauth"] | None = Field(
        None, description="The error's kind; null for a success (or a failure logged without an error)"
    )
    http_status: int | None = Field(None, description="The HTTP status QuickBooks answered; null when none came")
    count: int
    newest_attempted_at: datetime


class SyncSummary(_Model):
    """The sync log counted, not listed: what a figure needs without reading the log's entries."""

    count: int = Field(description="Attempts matching the filters (the window included)")
    newest_attempted_at: datetime | None = Field(None, description="The newest of them; null when there are none")
    groups: list[SyncSummaryGroup] = Field(
        default_factory=list, description="The same attempts by outcome, error kind and HTTP status (in that order)"
    )
    last_succeeded_at: datetime | None = Field(
        None,
        description="The newest successful push in the whole log, whatever the filters and the window: the "
        "'last synced' time. Null when nothing ever succeeded",
    )


# --- Account and connection -----------------------------------------------------------------------------


class Account(_Model):
    id: str
    name: str
    timezone: str = Field(description="IANA zone of the business, e.g. America/Denver")
    home_state: str | None = None
    api_version: Literal[1] = 1


class QboConnection(_Model):
    """Suprata's own QuickBooks connection (not qbsync's)."""

    status: Literal["connected", "expired", "revoked", "disconnected"]
    realm_id: str | None = None
    company_name: str | None = None
    connected_at: datetime | None = None
    last_refresh_at: datetime | None = None
    access_token_expires_at: datetime | None = None
    refresh_token_expires_at: datetime | None = Field(None, description="Rolling 100-day expiry of the refresh token")
    reconnect_url: str | None = Field(None, description="Where a person reconnects Suprata to QuickBooks")
    last_error: str | None = Field(None, description="Last error from Intuit's token endpoint, verbatim")


# --- Records --------------------------------------------------------------------------------------------


class Address(_Model):
    line1: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None


class Customer(_Model):
    id: str
    number: str
    display_name: str
    company_name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    phone: str | None = None
    billing_address: Address | None = None
    active: bool = True
    created_at: datetime
    updated_at: datetime
    qbo: QboSyncStatus


class Item(_Model):
    """A price-list item. ``qbo.qbo_id`` is its link to a QuickBooks item."""

    id: str
    sku: str
    name: str
    type: Literal["service", "non_inventory"] = "service"
    unit_price: Money
    taxable: bool = True
    active: bool = True
    created_at: datetime
    updated_at: datetime
    qbo: QboSyncStatus


class TaxMapping(_Model):
    state: str = Field(description="Two-letter state the mapping applies to")
    qbo_tax_code_id: str | None = Field(None, description="QuickBooks TaxCode id; null when not mapped")
    qbo_tax_code_name: str | None = None


class TaxCategory(_Model):
    id: str
    name: str
    rate_percent: Money | None = None
    mappings: list[TaxMapping] = Field(default_factory=list)


class InvoiceLine(_Model):
    line_no: int
    item_id: str
    description: str | None = None
    quantity: Money
    unit_price: Money
    amount: Money
    taxable: bool = True


class Invoice(_Model):
    id: str
    number: str
    customer_id: str
    job_id: str | None = None
    txn_date: date
    due_date: date | None = None
    service_state: str | None = Field(None, description="State where the work was done; selects the tax mapping")
    tax_category_id: str | None = None
    lines: list[InvoiceLine]
    subtotal: Money
    tax_total: Money
    total: Money
    balance: Money
    status: Literal["open", "paid", "void"]
    created_at: datetime
    updated_at: datetime
    qbo: QboSyncStatus


class PaymentApplication(_Model):
    invoice_id: str
    amount: Money


class Payment(_Model):
    id: str
    number: str
    customer_id: str
    txn_date: date
    amount: Money
    method: str | None = None
    reference: str | None = None
    applied: list[PaymentApplication]
    created_at: datetime
    updated_at: datetime
    qbo: QboSyncStatus


# --- Retry ----------------------------------------------------------------------------------------------


class RetryCreate(_Model):
    record_type: RecordType
    record_id: str


class RetryRequest(_Model):
    """A request that Suprata push one record again. Idempotent on the ``Idempotency-Key`` header."""

    id: str
    record_type: RecordType
    record_id: str
    status: Literal["queued", "running", "succeeded", "failed"]
    requested_at: datetime
    finished_at: datetime | None = None
    attempt: SyncAttempt | None = Field(None, description="The attempt the retry produced, once finished")


# --- Envelopes ------------------------------------------------------------------------------------------

T = TypeVar("T")


class Page(_Model, Generic[T]):
    """A cursor page. Pass ``next_cursor`` back as ``cursor`` until it is null."""

    data: list[T]
    next_cursor: str | None = None


class ApiError(_Model):
    """Every non-2xx Suprata response."""

    error: str = Field(description="Stable machine code: unauthorized, not_found, invalid_request, rate_limited, ...")
    message: str
