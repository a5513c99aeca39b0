"""Per-company records: QBO-shaped dicts keyed by entity and string Id, with write metadata kept aside
(precise change times for CDC, the last writer for 5010 texts) and tombstones for deleted transactions."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from qbsync.sandbox.qbo.schema import MODELLED, PARTIES

# Name namespaces: Customer/Vendor/Employee share one DisplayName space; Items have their own.
_NAME_FIELD = {**dict.fromkeys(PARTIES, ("party", "DisplayName")), "Item": ("item", "Name")}


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

    def new_id(self, entity: str) -> str:
        n = self._next_id.get(entity, 1)
        self._next_id[entity] = n + 1
        return str(n)

    def get(self, entity: str, id_: str) -> dict[str, Any] | None:
        return self.records[entity].get(str(id_))

    def put(self, entity: str, record: dict[str, Any], meta: RecordMeta) -> None:
        self.records[entity][record["Id"]] = record
        self.meta[(entity, record["Id"])] = meta
        if entity in _NAME_FIELD:
            space, field_name = _NAME_FIELD[entity]
            key = (entity, record["Id"])
            old = self._name_of.pop(key, None)
            if old is not None and self._names.get(old) == key:
                del self._names[old]
            name_key = (space, name_key_of(record.get(field_name)))
            self._names[name_key] = key
            self._name_of[key] = name_key

    def holder_of_name(self, entity: str, name: str) -> tuple[str, str] | None:
        """Which record holds ``name`` in the namespace of ``entity`` (case-insensitive)."""
        space, _ = _NAME_FIELD[entity]
        return self._names.get((space, name_key_of(name)))

    def remove(self, entity: str, id_: str, when: datetime, last_updated_text: str) -> None:
        self.records[entity].pop(id_, None)
        self.meta.pop((entity, id_), None)
        self.tombstones[(entity, id_)] = Tombstone(entity, id_, when, last_updated_text)

    def is_deleted(self, entity: str, id_: str) -> bool:
        return (entity, str(id_)) in self.tombstones

    def all(self, entity: str) -> list[dict[str, Any]]:
        return list(self.records[entity].values())

    def snapshot(self, entity: str, id_: str) -> dict[str, Any] | None:
        rec = self.get(entity, id_)
        return copy.deepcopy(rec) if rec is not None else None


def name_key_of(name: object) -> str:
    return str(name or "").strip().casefold()
