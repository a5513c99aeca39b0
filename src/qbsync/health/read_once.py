"""One read of each source per ``check`` run: status, diagnose and the look-ahead ask the same questions.

``ReadOnce`` wraps a client (Suprata's or QuickBooks') for the length of one run and answers a repeated read
(the same method with the same arguments) from what the first one returned. Only plain reads are remembered:
streams (``iter_attempts``), writes (``request_retry``), ``parallel`` and private plumbing pass straight
through, and a read that raised is asked again. Lists and dicts are handed out as shallow copies, so one
reader's filtering never shows in another's.

Suprata's records are also remembered by id. A list read of the records not in QuickBooks (status's
backlog of invoices and payments, the look-ahead's unlinked customers and items: one list per type, which also
answers a read of one of its states), and the item list's first page (the look-ahead's, the whole price list
when it fits) hold whole records, so a later read of records by id (diagnose's failing
invoices) is answered from it for the ids it holds; only the rest are asked, and the answer comes in the
order and the form (models, or compact mirrors through the caller's ``convert``) the server's would have.
A held record handed to a caller that asked for
compact mirrors is converted (a mirror stays as it is); one that asked for models may get the mirror status
read its backlog into (same field names: code that reads attributes cannot tell them apart).
An answer reduced from a read (the log's last success, which status's summary of the last day names and
diagnose asks for) is remembered through ``remembered(key, compute)``.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from qbsync.clients.compact import Compactor

T = TypeVar("T")

PASS_THROUGH = frozenset({"parallel", "iter_attempts", "request_retry", "get_retry", "close"})
RECORD_READS = frozenset({"customers", "items", "invoices", "payments"})  # Suprata's reads of whole records
UNSYNCED_STATES = frozenset({"not_synced", "pending", "failed"})  # what ``not_in_quickbooks`` lists, in one read


def _key(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_key(v) for v in value)
    if isinstance(value, set | frozenset):
        return frozenset(_key(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _key(v)) for k, v in value.items()))
    return value


def _handout(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def _keeps_records(convert: Any) -> bool:
    """Rows read without a conversion, or into compact mirrors: whole records, whatever their form."""
    return convert is None or isinstance(convert, Compactor)


class ReadOnce:
    def __init__(self, inner: Any) -> None:
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "_answers", {})
        object.__setattr__(self, "_records", {})  # record read -> id -> the record as a list read returned it
        object.__setattr__(self, "_lock", threading.Lock())

    def remembered(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()``, once per ``key`` for the run (one that raised is computed again when asked again)."""
        slot = ("remembered", _key(key))
        with self._lock:
            if slot in self._answers:
                known: T = self._answers[slot]
                return known
        value = compute()
        with self._lock:
            self._answers.setdefault(slot, value)
        return value

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name.startswith("_") or name in PASS_THROUGH or not callable(attr):
            return attr
        read = self._remembering(name, attr)
        if name == "not_in_quickbooks":
            return self._unsynced(read)
        if name == "item_catalog":
            return self._catalog(read)
        return self._by_id(name, attr, read) if name in RECORD_READS else read

    def _unsynced(self, remembering: Callable[..., Any]) -> Callable[..., Any]:
        """Records not in QuickBooks, in one paged list per type: kept by id, and as the list that answers
        a later read of one of its states (Suprata filters the same list the same way, in the same order)."""

        def read(record_type: str, **kwargs: Any) -> Any:
            rows = remembering(record_type, **kwargs)
            bounded = any(v is not None for k, v in kwargs.items() if k != "convert")
            convert = kwargs.get("convert")
            if not bounded and _keeps_records(convert) and record_type in ("customer", "item", "invoice", "payment"):
                name = f"{record_type}s"
                with self._lock:
                    table = self._records.setdefault(name, {})
                    for row in rows:
                        table.setdefault(getattr(row, "id", None), row)
                    self._answers.setdefault(("unsynced", name), list(rows))
            return rows

        return read

    def _catalog(self, remembering: Callable[..., Any]) -> Callable[..., Any]:
        """The item list's first page (the whole list, for most price lists): its items kept by id."""

        def read() -> Any:
            rows, whole = remembering()
            with self._lock:
                table = self._records.setdefault("items", {})
                for row in rows:
                    table.setdefault(getattr(row, "id", None), row)
            return rows, whole

        return read

    def _remembering(self, name: str, attr: Callable[..., Any]) -> Callable[..., Any]:
        def read(*args: Any, **kwargs: Any) -> Any:
            try:
                key = (name, _key(args), _key(kwargs))
                hash(key)
            except TypeError:  # an argument that cannot be a key: just ask
                return attr(*args, **kwargs)
            with self._lock:
                if key in self._answers:
                    return _handout(self._answers[key])
            value = attr(*args, **kwargs)
            with self._lock:
                self._answers.setdefault(key, value)
            return _handout(value)

        return read

    def _by_id(self, name: str, attr: Callable[..., Any], remembering: Callable[..., Any]) -> Callable[..., Any]:
        """A record read: by id from the records already read where it can be, else as any other read."""

        def read(*args: Any, **kwargs: Any) -> Any:
            ids, convert = kwargs.get("ids"), kwargs.get("convert")
            filters = [k for k, v in kwargs.items() if k not in ("ids", "convert") and v is not None]
            state = kwargs.get("sync_state")
            if not args and filters == ["sync_state"] and ids is None and convert is None and state in UNSYNCED_STATES:
                with self._lock:
                    unsynced = self._answers.get(("unsynced", name))
                if unsynced is not None:
                    return [row for row in unsynced if row.qbo.state == state]
            if args or filters or ids is None or not _keeps_records(convert):
                rows = remembering(*args, **kwargs)
                if not args and ids is None and convert is None:  # whole records as models: keep them by id
                    with self._lock:
                        table = self._records.setdefault(name, {})
                        for row in rows:
                            table.setdefault(getattr(row, "id", None), row)
                return rows
            wanted = list(ids)
            with self._lock:
                table = self._records.get(name, {})
                held = {i: table[i] for i in wanted if i in table}
            found = {i: (convert(row) if convert is not None else row) for i, row in held.items()}
            missing = list(dict.fromkeys(i for i in wanted if i not in held))
            if missing:
                found.update({row.id: row for row in attr(ids=missing, convert=convert)})
            return [found[i] for i in wanted if i in found]  # Suprata answers ids in the order asked

        return read

    def __setattr__(self, name: str, value: Any) -> None:
        # e.g. status's request counter replacing ``http``: a copy of the client gets it, the answers stay shared
        inner = copy.copy(self._inner)
        setattr(inner, name, value)
        object.__setattr__(self, "_inner", inner)

    def __copy__(self) -> ReadOnce:
        twin = ReadOnce(self._inner)
        object.__setattr__(twin, "_answers", self._answers)
        object.__setattr__(twin, "_records", self._records)
        object.__setattr__(twin, "_lock", self._lock)
        return twin

    def __repr__(self) -> str:
        return f"ReadOnce({self._inner!r})"
