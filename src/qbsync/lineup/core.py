"""``qbsync preflight --lists``: line up Suprata's lists with QuickBooks' before the first sync (read-only).

The help article's "cleaner long-term fix: take a pass through your QuickBooks item list and your Suprata
price list and line them up before any invoices try to sync", and "set up tax mappings carefully". Each
Suprata item and customer lands in one bucket:

- ``linked``: Suprata holds the QuickBooks record's Id (checked: still there, still active);
- ``same_name``: not linked, and a QuickBooks record holds the name by QuickBooks' rule (``lineup.names``):
  the first sync fails with 6240. Link it (or rename one);
- ``near_match``: not linked, the names differ only in spacing, punctuation or "&"/"and": QuickBooks takes it
  as a new name and creates a look-alike next to what is probably the same thing. Look before it does;
- ``no_match``: it will be created.

Each tax category is checked against every state the company invoiced in with it over the last 12 months.
The fix steps come from the pattern table (``patterns.CAUSE_KINDS``), as every command's do.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from qbsync.clients import suprata_models as m
from qbsync.diagnosis.patterns import CAUSE_KINDS, fill
from qbsync.exit_codes import ExitCode
from qbsync.lineup import names as nm
from qbsync.lineup.model import (
    BUCKETS,
    TAX_STATUSES,
    Bucket,
    ListRow,
    ListsReport,
    QboRecord,
    TaxRow,
    TaxStatus,
)
from qbsync.lineup.reads import QboLists, SuprataLists, read_quickbooks, read_suprata

if TYPE_CHECKING:
    from qbsync.services import Services

WINDOW_MONTHS = 12
PARTIES = ("Customer", "Vendor", "Employee")


def line_up(services: Services) -> ListsReport:
    from qbsync.health.status import counted  # the Suprata request counter status and check use

    view, suprata_counter = counted(services)
    qbo_before = services.qbo_request_count()
    now = services.clock.now()
    today = now.astimezone(ZoneInfo(services.company_timezone())).date()
    since = window_start(today)
    suprata = read_suprata(view.suprata, since)
    qbo = read_quickbooks(view.qbo)
    report = compare(suprata, qbo, since, today, now)
    report.requests = {
        "suprata": suprata_counter.count,
        "quickbooks": services.qbo_request_count() - qbo_before,
    }
    return report


def lists_exit_code(report: ListsReport) -> ExitCode:
    """As ``check``: 2 when the first sync will fail somewhere, 1 when it would create look-alikes, else 0."""
    if any(report.will_fail.values()):
        return ExitCode.CRITICAL
    if report.summary["items"]["near_match"] or report.summary["customers"]["near_match"]:
        return ExitCode.WARNING
    return ExitCode.OK


def window_start(today: date, months: int = WINDOW_MONTHS) -> date:
    """The first day of the last ``months`` months: the day after the same date ``months`` back."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = today.day
    while True:
        try:
            return date(year, month + 1, day) + timedelta(days=1)
        except ValueError:  # 29 February in a common year, 31 April ...
            day -= 1


def compare(suprata: SuprataLists, qbo: QboLists, since: date, today: date, now: datetime) -> ListsReport:
    """The buckets, from what was read. Pure: the tests feed it lists directly."""
    item_index = _Index([_record("Item", r) for r in qbo.rows.get("Item", [])])
    party_index = _Index([_record(e, r) for e in PARTIES for r in qbo.rows.get(e, [])])
    items = sorted((_item_row(i, item_index) for i in suprata.items), key=_order)
    customers = sorted((_customer_row(c, party_index) for c in suprata.customers), key=_order)
    tax = _tax_rows(suprata, qbo.tax_codes, since, today)
    summary: dict[str, dict[str, int]] = {
        "items": {b: sum(r.bucket == b for r in items) for b in BUCKETS},
        "customers": {b: sum(r.bucket == b for r in customers) for b in BUCKETS},
        "tax": {s: sum(r.status == s for r in tax) for s in TAX_STATUSES},
    }
    will_fail = {
        "items": sum(r.will_fail for r in items),
        "customers": sum(r.will_fail for r in customers),
        "tax": sum(r.will_fail for r in tax),
    }
    return ListsReport(
        generated_at=now,
        invoiced_from=since,
        invoiced_through=today,
        items=items,
        customers=customers,
        tax=tax,
        summary=summary,
        will_fail=will_fail,
        requests={},
    )


# --- QuickBooks' records, indexed by the two rules ------------------------------------------------------------


def _record(entity: str, row: Any) -> QboRecord:
    name = (getattr(row, "display_name", None) if entity in PARTIES else getattr(row, "name", None)) or ""
    return QboRecord(entity=entity, id=str(row.id), name=name, active=getattr(row, "active", True) is not False)


@dataclass
class _Index:
    records: list[QboRecord]

    def __post_init__(self) -> None:
        self.by_id = {(r.entity, r.id): r for r in self.records}
        self.same: dict[str, list[QboRecord]] = defaultdict(list)
        self.near: dict[str, list[QboRecord]] = defaultdict(list)
        for r in self.records:
            held = nm.shown_base(r.name, r.active)
            self.same[nm.qbo_key(held)].append(r)
            self.near[nm.near_key(held)].append(r)


def _order(row: ListRow) -> tuple[int, str]:
    return (BUCKETS.index(row.bucket), row.name.casefold())


def _steps(*kinds_and_params: tuple[str, dict[str, str]]) -> list[str]:
    return [fill(step, params) for kind, params in kinds_and_params for step in CAUSE_KINDS[kind].steps]


def _row(
    record: m.Item | m.Customer, bucket: Bucket, outcome: str, qbo: QboRecord | None = None, **extra: Any
) -> ListRow:
    is_item = isinstance(record, m.Item)
    return ListRow(
        record_type="item" if is_item else "customer",
        record_id=record.id,
        number=record.sku if isinstance(record, m.Item) else record.number,
        name=record.name if isinstance(record, m.Item) else record.display_name,
        bucket=bucket,
        outcome=outcome,
        qbo=qbo,
        differs_by=list(nm.differences(_name_of(record), qbo.name, qbo.active)) if qbo and bucket != "linked" else [],
        **extra,
    )


def _name_of(record: m.Item | m.Customer) -> str:
    return record.name if isinstance(record, m.Item) else record.display_name


def _look_alikes(name: str, index: _Index) -> tuple[list[QboRecord], list[QboRecord]]:
    same = index.same.get(nm.qbo_key(name), [])
    near = [r for r in index.near.get(nm.near_key(name), []) if r not in same]
    return same, near


# --- items ------------------------------------------------------------------------------------------------------


def _item_row(item: m.Item, index: _Index) -> ListRow:
    base = {"item": item.name, "sku": item.sku}
    if item.qbo.qbo_id:
        linked = index.by_id.get(("Item", item.qbo.qbo_id))
        if linked is None:
            steps = _steps(("item_gone", {**base, "qbo_id": item.qbo.qbo_id}))
            return _row(item, "linked", f"linked to QuickBooks item {item.qbo.qbo_id}, which QuickBooks no longer has: invoices using it will fail", will_fail=True, cause="item_gone", steps=steps)  # fmt: skip
        if not linked.active:
            steps = _steps(("item_inactive", {**base, "item": nm.shown_base(linked.name, False)}))
            return _row(item, "linked", f"linked to '{linked.name}', which is inactive in QuickBooks: invoices using it will fail", linked, will_fail=True, cause="item_inactive", steps=steps)  # fmt: skip
        return _row(item, "linked", "linked: invoices use the QuickBooks item", linked)
    same, near = _look_alikes(item.name, index)
    if same:
        holder = same[0]
        unlinked = ("item_unlinked", {**base, "qbo_id": holder.id})
        if holder.active:
            steps = _steps(unlinked)
            outcome = f"QuickBooks already has '{holder.name}': the first sync fails (6240) until it is linked"
        else:
            steps = _steps(("item_inactive", {"item": nm.shown_base(holder.name, False)}), unlinked)
            outcome = f"an inactive QuickBooks item, '{holder.name}', holds the name: the first sync fails (6240)"
        return _row(item, "same_name", outcome, holder, also=[*same[1:], *near], will_fail=True, cause="item_unlinked", steps=steps)  # fmt: skip
    if near:
        outcome = f"QuickBooks will create it as a new item next to '{near[0].name}': link it if it is the same"
        return _row(item, "near_match", outcome, near[0], also=near[1:])
    return _row(item, "no_match", "will be created in QuickBooks with its first invoice")


# --- customers --------------------------------------------------------------------------------------------------


def _customer_row(customer: m.Customer, index: _Index) -> ListRow:
    name = customer.display_name
    base = {"customer": name, "customer_number": customer.number}
    if customer.qbo.qbo_id:
        linked = index.by_id.get(("Customer", customer.qbo.qbo_id))
        if linked is None:
            steps = _steps(("customer_gone", {**base, "qbo_id": customer.qbo.qbo_id}))
            return _row(customer, "linked", f"linked to QuickBooks customer {customer.qbo.qbo_id}, which QuickBooks no longer has: its invoices will fail", will_fail=True, cause="customer_gone", steps=steps)  # fmt: skip
        if not linked.active:
            steps = _steps(("customer_inactive", {**base, "customer": nm.shown_base(linked.name, False)}))
            return _row(customer, "linked", f"linked to '{linked.name}', which is inactive in QuickBooks: its invoices will fail", linked, will_fail=True, cause="customer_inactive", steps=steps)  # fmt: skip
        return _row(customer, "linked", "linked: invoices go to the QuickBooks customer", linked)
    same, near = _look_alikes(name, index)
    if same:
        holder = same[0]
        kind = holder.entity.lower()
        if holder.entity == "Customer":
            unlinked = ("customer_unlinked", {**base, "qbo_id": holder.id})
            if holder.active:
                steps, cause = _steps(unlinked), "customer_unlinked"
                outcome = f"QuickBooks already has customer '{holder.name}': the first sync fails (6240) until it is linked"  # fmt: skip
            else:
                steps = _steps(("customer_inactive", {"customer": nm.shown_base(holder.name, False)}), unlinked)
                cause = "customer_unlinked"
                outcome = f"an inactive QuickBooks customer, '{holder.name}', holds the name: the first sync fails (6240)"  # fmt: skip
        else:
            held = nm.shown_base(holder.name, holder.active)
            params = {**base, "holder_kind": kind, "holder_label": holder.entity, "holder": held}
            steps, cause = _steps(("customer_name_held", params)), "customer_name_held"
            outcome = f"a QuickBooks {kind}, '{holder.name}', holds the name: the first sync fails (6240)"
        return _row(customer, "same_name", outcome, holder, also=[*same[1:], *near], will_fail=True, cause=cause, steps=steps)  # fmt: skip
    if near:
        first = near[0]
        if first.entity == "Customer":
            outcome = f"QuickBooks will create it as a new customer next to '{first.name}': link it if it is the same"
        else:
            outcome = f"QuickBooks will create a new customer; its {first.entity.lower()} '{first.name}' looks alike"
        return _row(customer, "near_match", outcome, first, also=near[1:])
    return _row(customer, "no_match", "will be created in QuickBooks with its first invoice")


# --- tax ----------------------------------------------------------------------------------------------------------


def _tax_rows(suprata: SuprataLists, codes: dict[str, Any], since: date, today: date) -> list[TaxRow]:
    invoiced: dict[tuple[str, str], list[m.Invoice]] = defaultdict(list)
    for inv in suprata.invoices:
        if inv.status == "void" or not inv.tax_category_id or not inv.service_state:
            continue
        if since <= inv.txn_date <= today:
            invoiced[(inv.tax_category_id, inv.service_state.upper())].append(inv)
    categories = {c.id: c for c in suprata.tax_categories}
    rows = []
    for (category_id, state), invoices in sorted(invoiced.items()):
        category = categories.get(category_id)
        label = category.name if category else category_id
        mapping = next((mp for mp in category.mappings if mp.state.upper() == state), None) if category else None
        status, code_name = _mapping_status(mapping, codes)
        taxable = sum(any(ln.taxable for ln in inv.lines) for inv in invoices)
        will_fail = status != "mapped" and taxable > 0
        cause, steps = None, []
        if status in ("unmapped", "not_set_up"):
            cause, steps = "tax_unmapped", _steps(("tax_unmapped", {"category": label, "state": state}))
        elif status != "mapped":
            code_state = "inactive" if status == "code_inactive" else "not in QuickBooks"
            params = {"category": label, "state": state, "code": code_name or "?", "code_state": code_state}
            cause, steps = "tax_code_unusable", _steps(("tax_code_unusable", params))
        newest = max(invoices, key=lambda inv: (inv.txn_date, inv.number))
        rows.append(
            TaxRow(
                category_id=category_id,
                category=label,
                state=state,
                status=status,
                invoices=len(invoices),
                taxable_invoices=taxable,
                tax_code=code_name,
                will_fail=will_fail,
                cause=cause if will_fail else None,
                steps=steps,
                latest_invoice=newest.number,
            )
        )
    return rows


def _mapping_status(mapping: m.TaxMapping | None, codes: dict[str, Any]) -> tuple[TaxStatus, str | None]:
    if mapping is None:
        return "not_set_up", None
    if not mapping.qbo_tax_code_id:
        return "unmapped", None
    name = mapping.qbo_tax_code_name or mapping.qbo_tax_code_id
    code = codes.get(mapping.qbo_tax_code_id)
    if code is None:
        return "code_missing", name
    if getattr(code, "active", True) is False:
        return "code_inactive", name
    return "mapped", getattr(code, "name", None) or name
