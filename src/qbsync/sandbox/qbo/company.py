"""One emulated QuickBooks company: its records, preferences and every write path.

The same methods serve the HTTP API (``WriteContext(api=True)``) and people acting "directly in
QuickBooks" through the Python API (tests, scenarios). Both go through the same validation; only the
closed-period password prompt (6210 says "Please use the QBO website") and the SyncToken requirement
differ for the UI.
"""

from __future__ import annotations

import copy
import threading
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from qbsync.clock import Clock
from qbsync.sandbox.qbo import entities, faults, querylang, txnmath
from qbsync.sandbox.qbo.money import dec, out
from qbsync.sandbox.qbo.schema import (
    NAME_LISTS,
    PARTIES,
    SINGLETONS,
    TRANSACTIONS,
    VOIDABLE,
    canonical,
    known_in_order,
    unknown_in_lines,
    unknown_properties,
)
from qbsync.sandbox.qbo.store import EntityStore, RecordMeta
from qbsync.sandbox.qbo.timefmt import PACIFIC, envelope_time, local_date, meta_time
from qbsync.sandbox.qbo.validation import (
    WriteContext,
    check_item_name,
    check_party_name,
    check_period_open,
    check_sync_token,
    resolve_ref,
)

UI_USER = "Company Admin"
CDC_MAX_OBJECTS = 1000


class QboCompany:
    def __init__(
        self,
        realm_id: str,
        company_name: str,
        clock: Clock,
        *,
        country: str = "US",
        timezone: str = "America/Denver",
        book_close_date: date | None = None,
        using_sales_tax: bool = True,
        partner_tax_enabled: bool = False,
        duplicate_doc_number_check: bool = True,
    ) -> None:
        self.realm_id = realm_id
        self.company_name = company_name
        self.clock = clock
        self.country = country.upper()
        self.tz = ZoneInfo(timezone)  # the company's dates (TxnDate defaults, CompanyStartDate)
        self.api_tz = PACIFIC  # every time the API shows
        self.book_close_date = book_close_date
        self.close_password_required = True  # QBO's "Close the books" with a password: API writes get 6210
        self.using_sales_tax = using_sales_tax
        self.partner_tax_enabled = partner_tax_enabled
        self.duplicate_doc_number_check = duplicate_doc_number_check
        self.custom_txn_numbers = False  # the captured sandbox auto-assigned DocNumber 1043
        self.ui_user = UI_USER
        self.lock = threading.RLock()
        self.store = EntityStore()
        self.voided: set[tuple[str, str]] = set()
        self.merged: dict[str, str] = {}  # customer merged away -> the one kept (not visible through the API)
        self.replays: dict[str, Any] = {}  # requestid -> the original response
        self._created = clock.now()
        self._prefs_token = 0
        self._prefs_updated = self._created
        for name, kind, sub in entities.DEFAULT_ACCOUNTS:
            self.create("Account", {"Name": name, "AccountType": kind, "AccountSubType": sub})

    # --- time -------------------------------------------------------------------------------------

    def today(self) -> date:
        return local_date(self.clock.now(), self.tz)

    def envelope_time(self) -> str:
        return envelope_time(self.clock.now(), self.api_tz)

    # --- the person in the QBO web UI -------------------------------------------------------------

    def _ui(self) -> WriteContext:
        return WriteContext(api=False, user=self.ui_user)

    def create(self, entity: str, data: dict[str, Any]) -> dict[str, Any]:
        return self.apply(entity, "create", data, self._ui())

    def update(self, entity: str, data: dict[str, Any], *, sparse: bool = False) -> dict[str, Any]:
        return self.apply(entity, "sparse" if sparse or data.get("sparse") else "update", data, self._ui())

    def sparse_update(self, entity: str, data: dict[str, Any]) -> dict[str, Any]:
        return self.apply(entity, "sparse", data, self._ui())

    def make_inactive(self, entity: str, id_: str) -> dict[str, Any]:
        return self.sparse_update(entity, {"Id": str(id_), "Active": False})

    def make_active(self, entity: str, id_: str) -> dict[str, Any]:
        return self.sparse_update(entity, {"Id": str(id_), "Active": True})

    def void(self, entity: str, id_: str) -> dict[str, Any]:
        return self.apply(entity, "void", {"Id": str(id_)}, self._ui())

    def delete(self, entity: str, id_: str) -> dict[str, Any]:
        return self.apply(entity, "delete", {"Id": str(id_)}, self._ui())

    def merge_customers(self, from_id: str, into_id: str) -> dict[str, Any]:
        """QuickBooks' merge (a person renames one customer to another's name and confirms): every transaction
        of ``from_id`` now names ``into_id``, and ``from_id`` is left inactive, shown as ``Name (deleted)``.
        Intuit's help ("Merge duplicate customers in QuickBooks Online"): "The merged customer is deleted from your
        records and their transactions added to the other profile's transaction history ... saved as inactive"."""
        with self.lock:
            source = self.store.get("Customer", str(from_id))
            target = self.store.get("Customer", str(into_id))
            if source is None or target is None or source["Id"] == target["Id"]:
                raise ValueError("merge needs two different existing customers")
            ids = {source["Id"], target["Id"]}
            if any((c.get("ParentRef") or {}).get("value") in ids for c in self.store.records["Customer"].values()):
                # Intuit's help: "Check that neither customer being merged has sub-customers before merging them."
                raise ValueError("a customer with sub-customers cannot be merged: make them regular customers first")
            now, stamp = self._now()
            for entity in ("Invoice", "Payment", "CreditMemo", "RefundReceipt"):
                for txn in list(self.store.for_customer(entity, source["Id"])):
                    txn["CustomerRef"] = {"value": target["Id"], "name": target["DisplayName"]}
                    txn["SyncToken"] = str(int(txn["SyncToken"]) + 1)
                    txn["MetaData"]["LastUpdatedTime"] = stamp
                    meta = self.store.meta[(entity, txn["Id"])]
                    meta.updated, meta.writer = now, self.ui_user
                    self.store.reindex(entity, txn)
            self._refresh_customer(source["Id"])
            self._refresh_customer(target["Id"])
            self.merged[source["Id"]] = target["Id"]
            return self.make_inactive("Customer", source["Id"])

    def close_books(self, through: date) -> None:
        self.set_book_close_date(through)

    def reopen_books(self) -> None:
        self.set_book_close_date(None)

    def set_book_close_date(self, through: date | None) -> None:
        with self.lock:
            self.book_close_date = through
            self._touch_prefs()

    def set_custom_txn_numbers(self, enabled: bool) -> None:
        with self.lock:
            self.custom_txn_numbers = enabled
            self._touch_prefs()

    def set_duplicate_doc_number_check(self, enabled: bool) -> None:
        with self.lock:
            self.duplicate_doc_number_check = enabled

    def read(self, entity: str, id_: str) -> dict[str, Any] | None:
        name = self._entity(entity)
        with self.lock:
            if name == "Preferences":
                return self.preferences()
            if name == "CompanyInfo":
                return self.company_info()
            rec = self.store.get(name, str(id_))
            return self.view(name, rec) if rec is not None else None

    def all(self, entity: str, *, include_inactive: bool = True) -> list[dict[str, Any]]:
        name = self._entity(entity)
        with self.lock:
            rows = [self.view(name, r) for r in self.store.all(name)]
        rows.sort(key=lambda r: int(r["Id"]))
        return rows if include_inactive else [r for r in rows if r.get("Active", True)]

    def find_by_name(self, entity: str, name: str) -> dict[str, Any] | None:
        """The record whose DisplayName (or Name) matches, ignoring case and the ``(deleted)`` suffix."""
        ent = self._entity(entity)
        key = "DisplayName" if ent in PARTIES else "Name"
        with self.lock:
            if self.store.has_name_index(ent):  # names there are unique, stored without the suffix
                holder = self.store.holder_of_name(ent, name)
                rec = self.store.get(*holder) if holder is not None and holder[0] == ent else None
                return self.view(ent, rec) if rec is not None else None
            for rec in self.store.all(ent):
                if str(rec.get(key, "")).casefold() == name.strip().casefold():
                    return self.view(ent, rec)
        return None

    def is_deleted(self, entity: str, id_: str) -> bool:
        return self.store.is_deleted(self._entity(entity), str(id_))

    # --- shared write path ------------------------------------------------------------------------

    def _entity(self, entity: str) -> str:
        name = canonical(entity)
        if name is None or name not in NAME_LISTS + TRANSACTIONS + SINGLETONS:
            raise ValueError(f"unsupported entity: {entity}")
        return name

    def apply(self, entity: str, op: str, data: dict[str, Any], ctx: WriteContext) -> dict[str, Any]:
        """Run one write (``create|update|sparse|void|delete``); returns the QBO-shaped result object."""
        name = self._entity(entity)
        if not isinstance(data, dict):
            raise faults.invalid_property("request body")
        unknown = unknown_properties(name, data)
        if unknown:  # the deserializer stops at the first unknown name
            raise faults.unrecognized_field(unknown[0], name, known_in_order(name))
        nested = unknown_in_lines(data) if name in TRANSACTIONS else None
        if nested is not None:
            raise faults.unrecognized_field(*nested)
        with self.lock:
            if name in SINGLETONS:
                raise faults.unsupported_operation(op)  # Preferences/CompanyInfo writes are not emulated
            if op == "create":
                return self._create(name, data, ctx)
            if op in ("update", "sparse"):
                return self._update(name, data, ctx, sparse=op == "sparse")
            if op == "void":
                return self._void(name, data, ctx)
            if op == "delete":
                return self._delete(name, data, ctx)
            raise faults.unsupported_operation(op)

    def _now(self) -> tuple[datetime, str]:
        now = self.clock.now()
        return now, meta_time(now, self.api_tz)

    def _prepare(
        self, entity: str, rec: dict[str, Any], existing: dict[str, Any] | None, ctx: WriteContext
    ) -> dict[str, Any]:
        self_id = existing["Id"] if existing else None
        if entity in PARTIES:
            rec = entities.normalise_party(entity, rec, self.country)
            check_party_name(self, rec["DisplayName"], entity, self_id)
            if entity == "Customer":
                self._prepare_customer(rec, existing, ctx)
            elif entity == "Vendor":
                rec["Balance"] = existing.get("Balance", 0) if existing else 0
        elif entity == "Item":
            rec = entities.normalise_item(rec)
            check_item_name(self, rec["Name"], self_id)
        elif entity == "Account":
            rec = entities.normalise_account(rec)
            holder = self.store.holder_of_name("Account", rec["Name"])
            if holder is not None and holder != ("Account", self_id):
                raise faults.duplicate_name(same_list=True)
        elif entity == "TaxRate":
            rec = entities.normalise_tax_rate(rec, self.today())
        elif entity == "TaxCode":
            rec = entities.normalise_tax_code(rec)
            for detail in (rec.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []:
                resolve_ref(self, "TaxRate", detail.get("TaxRateRef"), ctx, field_name="TaxRateRef")
        elif entity == "Invoice":
            rec = txnmath.prepare_invoice(self, rec, existing, ctx)
            if existing is not None and (entity, existing["Id"]) in self.voided:
                txnmath.void_invoice(rec)
        elif entity == "Payment":
            rec = txnmath.prepare_payment(self, rec, existing, ctx)
        elif entity == "CreditMemo":
            rec = txnmath.prepare_credit_memo(self, rec, existing, ctx)
        elif entity == "RefundReceipt":
            rec = txnmath.prepare_refund_receipt(self, rec, existing, ctx)
        if entity in TRANSACTIONS:
            check_period_open(self, rec.get("TxnDate"), ctx)
        return rec

    def _prepare_customer(self, rec: dict[str, Any], existing: dict[str, Any] | None, ctx: WriteContext) -> None:
        # Balances are computed from transactions, never written by clients.
        balance = existing.get("Balance", 0) if existing else 0
        rec["Balance"] = balance
        rec["BalanceWithJobs"] = existing.get("BalanceWithJobs", balance) if existing else 0
        parent_ref = rec.get("ParentRef")
        if parent_ref:
            parent = resolve_ref(self, "Customer", parent_ref, ctx, field_name="ParentRef")
            rec["ParentRef"] = {"value": parent["Id"]}
            rec["Job"] = True
            rec["Level"] = int(parent.get("Level", 0)) + 1
        if existing is not None and existing.get("Active") and rec.get("Active") is False and dec(balance) != 0:
            raise faults.QboError(
                "6220",
                "Delete List Has Balance Error",
                "The entity you are trying to delete has an open balance. : This customer cannot be deleted because "
                "it has a non-zero balance",
            )

    def _stamp(self, rec: dict[str, Any], id_: str, sync_token: int, created: str, updated: str) -> dict[str, Any]:
        rec.update({"domain": "QBO", "sparse": False, "Id": id_, "SyncToken": str(sync_token)})
        rec["MetaData"] = {"CreateTime": created, "LastUpdatedTime": updated}
        return rec

    def _create(self, entity: str, data: dict[str, Any], ctx: WriteContext) -> dict[str, Any]:
        rec = self._prepare(entity, entities.strip_read_only(copy.deepcopy(data)), None, ctx)
        now, stamp = self._now()
        id_ = self.store.new_id(entity)
        self._stamp(rec, id_, 0, stamp, stamp)
        self.store.put(entity, rec, RecordMeta(now, now, ctx.user))
        self._after_write(entity, None, rec)
        return self.view(entity, rec)

    def _existing(self, entity: str, data: dict[str, Any]) -> dict[str, Any]:
        id_ = data.get("Id")
        if id_ in (None, ""):
            raise faults.required_param("Id")
        rec = self.store.get(entity, str(id_))
        if rec is None:
            raise faults.txn_deleted() if self.store.is_deleted(entity, str(id_)) else faults.made_inactive()
        return rec

    def _update(self, entity: str, data: dict[str, Any], ctx: WriteContext, *, sparse: bool) -> dict[str, Any]:
        existing = self._existing(entity, data)
        check_sync_token(self, entity, existing, data, ctx)
        if entity in TRANSACTIONS:
            check_period_open(self, existing.get("TxnDate"), ctx)
        incoming = entities.strip_read_only(copy.deepcopy(data))
        if sparse:
            merged = entities.strip_read_only(copy.deepcopy(existing))
            merged.update(incoming)
        else:
            merged = incoming
        rec = self._prepare(entity, merged, existing, ctx)
        return self._replace(entity, existing, rec, ctx)

    def _replace(self, entity: str, existing: dict[str, Any], rec: dict[str, Any], ctx: WriteContext) -> dict[str, Any]:
        now, stamp = self._now()
        meta = self.store.meta[(entity, existing["Id"])]
        old = copy.deepcopy(existing)
        self._stamp(rec, existing["Id"], int(existing["SyncToken"]) + 1, existing["MetaData"]["CreateTime"], stamp)
        self.store.put(entity, rec, RecordMeta(meta.created, now, ctx.user))
        self._after_write(entity, old, rec)
        return self.view(entity, rec)

    def _void(self, entity: str, data: dict[str, Any], ctx: WriteContext) -> dict[str, Any]:
        if entity not in VOIDABLE:
            raise faults.unsupported_operation("void")
        existing = self._existing(entity, data)
        check_sync_token(self, entity, existing, data, ctx)
        check_period_open(self, existing.get("TxnDate"), ctx)
        rec = copy.deepcopy(existing)
        if entity == "Invoice":
            txnmath.void_invoice(rec)
        else:
            txnmath.void_payment(rec)
        self.voided.add((entity, existing["Id"]))
        result = self._replace(entity, existing, rec, ctx)
        if entity == "Invoice":
            self._unlink_payments(existing["Id"], ctx)
            result = self.view(entity, self.store.get(entity, existing["Id"]) or rec)
        else:
            result["sparse"] = True  # as in the captured payment void response
        return result

    def _delete(self, entity: str, data: dict[str, Any], ctx: WriteContext) -> dict[str, Any]:
        if entity not in TRANSACTIONS:
            # Name lists are only deactivated; the exact fault for a delete attempt is unconfirmed.
            raise faults.unsupported_operation("delete")
        id_ = data.get("Id")
        rec = self.store.get(entity, str(id_)) if id_ not in (None, "") else None
        if rec is None:
            if id_ in (None, ""):
                raise faults.required_param("Id")
            raise faults.made_inactive()  # captured: deleting a deleted invoice in a batch gave this 610
        check_sync_token(self, entity, rec, data, ctx)
        check_period_open(self, rec.get("TxnDate"), ctx)
        old = copy.deepcopy(rec)
        if entity == "Invoice":
            self._unlink_payments(rec["Id"], ctx)
        now, stamp = self._now()
        self.store.remove(entity, rec["Id"], now, stamp)
        self.voided.discard((entity, rec["Id"]))
        self._after_write(entity, old, None)
        return {"domain": "QBO", "status": "Deleted", "Id": rec["Id"]}

    # --- derived state ----------------------------------------------------------------------------

    def _after_write(self, entity: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        customers: set[str] = set()
        for rec in (old, new):
            if rec and rec.get("CustomerRef"):
                customers.add(rec["CustomerRef"]["value"])
        if entity == "Invoice" and new is not None:
            self._refresh_invoice(new["Id"], bump=False)
        if entity == "Payment":
            for inv_id in txnmath.linked_invoice_ids(old) | txnmath.linked_invoice_ids(new):
                self._refresh_invoice(inv_id, bump=True)
        for cust_id in customers:
            self._refresh_customer(cust_id)

    def _refresh_invoice(self, inv_id: str, *, bump: bool) -> None:
        inv = self.store.get("Invoice", inv_id)
        if inv is None:
            return
        applied = Decimal(0)
        payment_ids = []
        for pay in self.store.payments_linked_to(inv_id):
            amount = txnmath.applied_to(pay, inv_id)
            if amount != 0:
                applied += amount
                payment_ids.append(pay["Id"])
        voided = ("Invoice", inv_id) in self.voided
        balance = out(Decimal(0) if voided else dec(inv.get("TotalAmt")) - applied)
        links = [lt for lt in inv.get("LinkedTxn") or [] if lt.get("TxnType") != "Payment"]
        links += [{"TxnId": pid, "TxnType": "Payment"} for pid in sorted(payment_ids, key=int)]
        if inv.get("Balance") == balance and inv.get("LinkedTxn") == links:
            return
        inv["Balance"] = balance
        inv["LinkedTxn"] = links
        if bump:  # applying a payment is a write to the invoice: SyncToken and LastUpdatedTime move
            now, stamp = self._now()
            inv["SyncToken"] = str(int(inv["SyncToken"]) + 1)
            inv["MetaData"]["LastUpdatedTime"] = stamp
            self.store.meta[("Invoice", inv_id)].updated = now

    def _refresh_customer(self, cust_id: str) -> None:
        cust = self.store.get("Customer", cust_id)
        if cust is None:
            return
        total = Decimal(0)
        for inv in self.store.for_customer("Invoice", cust_id):
            total += dec(inv.get("Balance"))
        for pay in self.store.for_customer("Payment", cust_id):
            total -= dec(pay.get("UnappliedAmt"))
        for memo in self.store.for_customer("CreditMemo", cust_id):
            total -= dec(memo.get("RemainingCredit"))  # credit the customer holds lowers what they owe
        balance = out(total)
        if cust.get("Balance") == balance:
            return
        # Captured: the customer's LastUpdatedTime followed the new invoice while its SyncToken stayed "0".
        now, stamp = self._now()
        cust["Balance"] = balance
        cust["BalanceWithJobs"] = balance
        cust["MetaData"]["LastUpdatedTime"] = stamp
        self.store.meta[("Customer", cust_id)].updated = now

    def _unlink_payments(self, inv_id: str, ctx: WriteContext) -> None:
        """Voiding or deleting an invoice leaves its payments unapplied (the money stays received)."""
        for pay in self.store.payments_linked_to(inv_id):
            keep = [
                line
                for line in pay["Line"]
                if not any(
                    lt.get("TxnType") == "Invoice" and lt.get("TxnId") == inv_id for lt in line.get("LinkedTxn") or []
                )
            ]
            applied = sum((dec(line.get("Amount")) for line in keep), Decimal(0))
            now, stamp = self._now()
            pay["Line"] = keep
            self.store.reindex("Payment", pay)
            pay["UnappliedAmt"] = out(dec(pay.get("TotalAmt")) - applied)
            pay["SyncToken"] = str(int(pay["SyncToken"]) + 1)
            pay["MetaData"]["LastUpdatedTime"] = stamp
            meta = self.store.meta[("Payment", pay["Id"])]
            meta.updated, meta.writer = now, ctx.user
            self._refresh_customer(pay["CustomerRef"]["value"])
        self._refresh_invoice(inv_id, bump=False)

    def next_doc_number(self, entity: str) -> str:
        numbers = [int(r["DocNumber"]) for r in self.store.all(entity) if str(r.get("DocNumber", "")).isdigit()]
        return str(max(numbers, default=1000) + 1)

    # --- reads --------------------------------------------------------------------------------------

    def view(self, entity: str, rec: dict[str, Any]) -> dict[str, Any]:
        """The record as QBO shows it: live reference names, ``(deleted)`` on inactive parties."""
        out_rec = copy.deepcopy(rec)
        if entity in PARTIES:
            name = out_rec["DisplayName"]
            if out_rec.get("Active") is False:
                name += entities.DELETED_SUFFIX
                out_rec["DisplayName"] = name
            if entity == "Customer":
                out_rec["FullyQualifiedName"] = self._qualified_name(out_rec, name)
        elif entity == "Item" and out_rec.get("Active") is False:
            out_rec["Name"] += entities.DELETED_SUFFIX
            out_rec["FullyQualifiedName"] = out_rec["Name"]
        ref = out_rec.get("CustomerRef")
        if isinstance(ref, dict):
            cust = self.store.get("Customer", ref.get("value", ""))
            if cust is not None:
                ref["name"] = cust["DisplayName"]
        for line in out_rec.get("Line") or []:
            item_ref = (line.get("SalesItemLineDetail") or {}).get("ItemRef")
            if isinstance(item_ref, dict):
                item = self.store.get("Item", item_ref.get("value", ""))
                if item is not None:
                    item_ref["name"] = item["Name"]
        return out_rec

    def _qualified_name(self, rec: dict[str, Any], name: str) -> str:
        parts = [name]
        parent_ref = rec.get("ParentRef")
        seen = set()
        while parent_ref and parent_ref.get("value") not in seen:
            seen.add(parent_ref["value"])
            parent = self.store.get("Customer", parent_ref["value"])
            if parent is None:
                break
            parts.insert(0, parent["DisplayName"])
            parent_ref = parent.get("ParentRef")
        return ":".join(parts)

    def preferences(self) -> dict[str, Any]:
        created = meta_time(self._created, self.api_tz)
        return entities.preferences(
            self.country,
            book_close_date=self.book_close_date,
            using_sales_tax=self.using_sales_tax,
            partner_tax_enabled=self.partner_tax_enabled,
            custom_txn_numbers=self.custom_txn_numbers,
            sync_token=self._prefs_token,
            created=created,
            updated=meta_time(self._prefs_updated, self.api_tz),
        )

    def _touch_prefs(self) -> None:
        self._prefs_token += 1
        self._prefs_updated = self.clock.now()

    def company_info(self) -> dict[str, Any]:
        created = meta_time(self._created, self.api_tz)
        return entities.company_info(
            self.realm_id, self.company_name, self.country, created, local_date(self._created, self.tz)
        )

    def rows_for_query(self, entity: str) -> list[dict[str, Any]]:
        if entity == "Preferences":
            return [self.preferences()]
        if entity == "CompanyInfo":
            return [self.company_info()]
        if entity not in NAME_LISTS + TRANSACTIONS:
            return []  # a real entity this emulator does not model: a valid query that finds nothing
        return [self.view(entity, rec) for rec in self.store.all(entity)]

    def query(self, statement: str) -> dict[str, Any]:
        """Run a query as the API would; returns the ``QueryResponse`` object (raises ``QboError``)."""
        q = querylang.parse(statement)
        with self.lock:
            rows = self.rows_for_query(q.entity)
        return querylang.execute(q, rows, self.api_tz, hide_inactive=q.entity in NAME_LISTS).response()

    def changes(self, entity_names: list[str], since: datetime) -> list[tuple[str, list[dict[str, Any]]]]:
        """CDC: changed objects (full payload) and tombstones per entity, at most 1000 objects overall."""
        budget = CDC_MAX_OBJECTS  # whether the cap is shared across entities is unconfirmed; shared here
        result = []
        with self.lock:
            for entity in entity_names:
                found: list[tuple[datetime, int, dict[str, Any]]] = []
                if entity in NAME_LISTS + TRANSACTIONS:
                    for rec in self.store.all(entity):
                        meta = self.store.meta[(entity, rec["Id"])]
                        if meta.updated >= since:
                            found.append((meta.updated, int(rec["Id"]), self.view(entity, rec)))
                    for (ent, id_), tomb in self.store.tombstones.items():
                        if ent == entity and tomb.deleted_at >= since:
                            obj = {
                                "domain": "QBO",
                                "status": "Deleted",
                                "Id": id_,
                                "MetaData": {"LastUpdatedTime": tomb.last_updated_text},
                            }
                            found.append((tomb.deleted_at, int(id_), obj))
                found.sort(key=lambda t: (t[0], t[1]))
                objects = [obj for _, _, obj in found[:budget]]
                budget -= len(objects)
                result.append((entity, objects))
        return result
