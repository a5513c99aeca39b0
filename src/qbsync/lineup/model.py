"""The typed result of ``qbsync preflight --lists``: Suprata's lists against QuickBooks', in buckets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

Bucket = Literal["linked", "same_name", "near_match", "no_match"]
BUCKETS: tuple[Bucket, ...] = ("linked", "same_name", "near_match", "no_match")
TaxStatus = Literal["mapped", "unmapped", "not_set_up", "code_inactive", "code_missing"]
TAX_STATUSES: tuple[TaxStatus, ...] = ("mapped", "unmapped", "not_set_up", "code_inactive", "code_missing")


@dataclass
class QboRecord:
    """A QuickBooks list record as QuickBooks shows it (an inactive one with its ``(deleted)``)."""

    entity: str  # Item | Customer | Vendor | Employee
    id: str
    name: str
    active: bool


@dataclass
class ListRow:
    """One Suprata item or customer and what its first sync will meet in QuickBooks."""

    record_type: str  # item | customer
    record_id: str
    number: str  # the SKU or the customer number
    name: str
    bucket: Bucket
    outcome: str  # what the first sync will do, in plain words
    qbo: QboRecord | None = None  # the linked record, the holder of the name, or the closest look-alike
    differs_by: list[str] = field(default_factory=list)  # lineup.names.DIFFERENCES, against ``qbo``
    also: list[QboRecord] = field(default_factory=list)  # further look-alikes
    will_fail: bool = False
    cause: str | None = None  # the cause kind (patterns.CAUSE_KINDS) it will fail with
    steps: list[str] = field(default_factory=list)  # from the pattern table


@dataclass
class TaxRow:
    """One tax category in one state the company invoiced in during the window."""

    category_id: str
    category: str
    state: str
    status: TaxStatus
    invoices: int  # invoices in the window for this state with this category
    taxable_invoices: int  # of which with a taxable line: those a missing mapping fails
    tax_code: str | None = None  # the QuickBooks tax code it maps to (name, else id)
    will_fail: bool = False
    cause: str | None = None
    steps: list[str] = field(default_factory=list)
    latest_invoice: str | None = None  # the newest such invoice's number, to find one


@dataclass
class ListsReport:
    generated_at: datetime
    invoiced_from: date  # the window's first day (12 months back, the company's calendar)
    invoiced_through: date
    items: list[ListRow]
    customers: list[ListRow]
    tax: list[TaxRow]
    summary: dict[str, dict[str, int]]  # list -> bucket (or tax status) -> count
    will_fail: dict[str, int]  # list -> rows whose first sync will fail
    requests: dict[str, int]  # suprata, quickbooks
    exported: list[str] = field(default_factory=list)  # CSV files written (--export)
