"""State checks shared by the HTTP API and the "directly in QuickBooks" Python API.

Every failure is derived from the company's state (an existing name, an inactive record, a closed period),
never from a canned trigger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from qbsync.sandbox.qbo import faults

if TYPE_CHECKING:
    # the company as these checks read it: a structural type, so this module imports no company.py (which
    # imports it)
    from qbsync.sandbox.qbo.books import Books as QboCompany

API_USER = "API API"  # how QBO names the app's user in 5010 texts (qbo-api.md section 7.3)


@dataclass
class WriteContext:
    """Who writes and under which request options."""

    api: bool = True  # False: a person in the QBO web UI (may edit a closed period after the password prompt)
    user: str = API_USER
    allow_duplicate_doc: bool = False  # include=allowduplicatedocnum
    hidden: set[tuple[str, str]] = field(default_factory=set)  # created earlier in the same batch: invisible


def ref_value(ref: Any) -> str | None:
    if isinstance(ref, dict):
        value = ref.get("value")
        return None if value in (None, "") else str(value)
    if ref in (None, ""):
        return None
    return str(ref)


def resolve_ref(co: QboCompany, entity: str, ref: Any, ctx: WriteContext, *, field_name: str) -> dict[str, Any]:
    """The referenced record; 2500 when it does not exist, 610 when it was made inactive."""
    value = ref_value(ref)
    if value is None:
        raise faults.required_param(field_name)
    rec = co.store.get(entity, value)
    if rec is None or (entity, value) in ctx.hidden:
        if co.store.is_deleted(entity, value):
            raise faults.txn_deleted()
        raise faults.invalid_reference()
    if rec.get("Active") is False:
        raise faults.made_inactive()
    return rec


ITEM_ELEMENT = "Line.SalesItemLineDetail.ItemRef"


def resolve_line_item(co: QboCompany, ref: Any, ctx: WriteContext, existing: dict[str, Any] | None) -> dict[str, Any]:
    """The item of an invoice line. Nothing there, or an inactive item on a new transaction: 2500 naming the
    line. An inactive item on a transaction being modified: QBO asks to restore ``Name (deleted)`` first."""
    value = ref_value(ref)
    if value is None:
        raise faults.required_param("ItemRef")
    rec = co.store.get("Item", value)
    if rec is None or ("Item", value) in ctx.hidden:
        raise faults.invalid_reference_at(ITEM_ELEMENT)
    if rec.get("Active") is False:
        if existing is None:
            raise faults.invalid_reference_at(ITEM_ELEMENT)
        raise faults.assigned_was_deleted("Item", f"{rec['Name']} (deleted)", ITEM_ELEMENT)
    return rec


def check_party_name(co: QboCompany, name: str, entity: str, self_id: str | None) -> None:
    """DisplayName is unique across Customer, Vendor and Employee, case-insensitively, active or not."""
    holder = co.store.holder_of_name("Customer", name)
    if holder is not None and holder != (entity, self_id):
        raise faults.duplicate_name(same_list=holder[0] == entity)


def check_item_name(co: QboCompany, name: str, self_id: str | None) -> None:
    holder = co.store.holder_of_name("Item", name)
    if holder is not None and holder != ("Item", self_id):
        raise faults.duplicate_name(is_item=True)


def check_doc_number(
    co: QboCompany, entity: str, doc_number: str | None, self_id: str | None, ctx: WriteContext
) -> None:
    if not doc_number or not co.duplicate_doc_number_check or ctx.allow_duplicate_doc:
        return
    for rec in co.store.all(entity):
        if rec["Id"] != self_id and rec.get("DocNumber") == doc_number:
            raise faults.duplicate_doc_number(doc_number, entity, rec["Id"])


def check_dates(rec: dict[str, Any], names: tuple[str, ...]) -> None:
    """Dates are ``YYYY-MM-DD`` (a time part is tolerated, as QBO's own parser does); "" counts as absent."""
    for name in names:
        value = rec.get(name)
        if value in (None, ""):
            rec.pop(name, None)
            continue
        try:
            date.fromisoformat(str(value)[:10])
        except ValueError:
            raise faults.invalid_date(name, str(value)) from None


def check_period_open(co: QboCompany, txn_date: str | None, ctx: WriteContext) -> None:
    """6210 when the transaction date is on or before the book close date (API only)."""
    if not ctx.api or co.book_close_date is None or not txn_date:
        return
    try:
        when = date.fromisoformat(str(txn_date)[:10])
    except ValueError:
        return
    if when <= co.book_close_date:
        raise faults.period_closed(co.close_password_required)


def check_sync_token(
    co: QboCompany, entity: str, existing: dict[str, Any], data: dict[str, Any], ctx: WriteContext
) -> None:
    if "SyncToken" not in data or data["SyncToken"] in (None, ""):
        if ctx.api:
            raise faults.required_param("SyncToken")
        return  # a person in the UI always edits the current version
    if str(data["SyncToken"]) != existing["SyncToken"]:
        raise faults.stale_object(co.store.meta[(entity, existing["Id"])].writer)
