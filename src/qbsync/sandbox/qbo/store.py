"""Per-company records: QBO-shaped dicts keyed by entity and string Id, with write metadata kept aside
(precise change times for CDC, the last writer for 5010 texts) and tombstones for deleted transactions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from qbsync.sandbox.qbo.schema import MODELLED, PARTIES
from qbsync.sandbox.qbo.txnmath import linked_invoice_ids

# Name namespaces: Customer/Vendor/Employee share one DisplayName space; Items have their own.
_NAME_FIELD = {
    **dict.fromkeys(PARTIES, ("party", "DisplayName")),
    "Item": ("item", "Name"),
    "Account": ("account", "Name"),
}
_INDEXED = ("Invoice", "Payment", "CreditMemo", "RefundReceipt")


@dataclass
class RecordMeta:
    created: datetime
    updated: datetime
    writer: str


@dataclass
class Tombstone:
    entity: str
    id: str
    deleted_at: datetime
    last_updated_text: str


class EntityStore:
    def __init__(self) -> None:
        self.records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in MODELLED}
        self.meta: dict[tuple[str, str], RecordMeta] = {}
        self.tombstones: dict[tuple[str, str], Tombstone] = {}
        self._next_id: dict[str, int] = {}
        self._names: dict[tuple[str, str], tuple[str, str]] = {}  # (space, casefolded name) -> (entity, id)
        self._name_of: dict[tuple[str, str], tuple[str, str]] = {}
        # Derived-state indexes: which invoices and payments name a customer, which payments link an invoice.
        self._by_customer: dict[tuple[str, object], set[str]] = {}
        self._payments_for: dict[str, set[str]] = {}
        self._indexed: dict[tuple[str, str], tuple[object, frozenset[str]]] = {}

    def new_id(self, entity: str) -> str:
        n = self._next_id.get(entity, 1)
        self._next_id[entity] = n + 1
        return str(n)

    def get(self, entity: str, id_: str) -> dict[str, Any] | None:
        return self.records[entity].get(str(id_))

    def put(self, entity: str, record: dict[str, Any], meta: RecordMeta) -> None:
        self.records[entity][record["Id"]] = record
        self.meta[(entity, record["Id"])] = meta
        self.reindex(entity, record)
        if entity in _NAME_FIELD:
            space, field_name = _NAME_FIELD[entity]
            key = (entity, record["Id"])
            old = self._name_of.pop(key, None)
            if old is not None and self._names.get(old) == key:
                del self._names[old]
            name_key = (space, name_key_of(record.get(field_name)))
            self._names[name_key] = key
            self._name_of[key] = name_key

    @staticmethod
    def has_name_index(entity: str) -> bool:
        return entity in _NAME_FIELD

    def holder_of_name(self, entity: str, name: str) -> tuple[str, str] | None:
        """Which record holds ``name`` in the namespace of ``entity`` (case-insensitive)."""
        space, _ = _NAME_FIELD[entity]
        return self._names.get((space, name_key_of(name)))

    def reindex(self, entity: str, record: dict[str, Any]) -> None:
        """Refresh the customer and payment-link indexes for a transaction (call after editing one in place)."""
        if entity not in _INDEXED:
            return
        self._unindex(entity, record["Id"])
        customer = (record.get("CustomerRef") or {}).get("value")
        invoices = frozenset(linked_invoice_ids(record)) if entity == "Payment" else frozenset()
        self._indexed[(entity, record["Id"])] = (customer, invoices)
        self._by_customer.setdefault((entity, customer), set()).add(record["Id"])
        for inv_id in invoices:
            self._payments_for.setdefault(inv_id, set()).add(record["Id"])

    def _unindex(self, entity: str, id_: str) -> None:
        old = self._indexed.pop((entity, id_), None)
        if old is None:
            return
        customer, invoices = old
        self._by_customer[(entity, customer)].discard(id_)
        for inv_id in invoices:
            self._payments_for[inv_id].discard(id_)

    def for_customer(self, entity: str, customer_id: str) -> list[dict[str, Any]]:
        """The transactions of one type whose CustomerRef is ``customer_id``."""
        return [self.records[entity][i] for i in self._by_customer.get((entity, customer_id), ())]

    def payments_linked_to(self, invoice_id: str) -> list[dict[str, Any]]:
        """Payments with a line linked to the invoice, in Id order."""
        return [self.records["Payment"][i] for i in sorted(self._payments_for.get(invoice_id, ()), key=int)]

    def remove(self, entity: str, id_: str, when: datetime, last_updated_text: str) -> None:
        self._unindex(entity, id_)
        self.records[entity].pop(id_, None)
        self.meta.pop((entity, id_), None)
        self.tombstones[(entity, id_)] = Tombstone(entity, id_, when, last_updated_text)

    def is_deleted(self, entity: str, id_: str) -> bool:
        return (entity, str(id_)) in self.tombstones

    def all(self, entity: str) -> list[dict[str, Any]]:
        return list(self.records[entity].values())


def name_key_of(name: object) -> str:
    return str(name or "").strip().casefold()
