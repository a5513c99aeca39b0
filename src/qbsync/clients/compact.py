"""Compact, read-only copies of parsed Suprata records for a large working set.

A pydantic model instance carries a ``__dict__``, a fields-set and an extras dict: at 50,000 failing records
that overhead, not the data, sets the process's memory. ``compact`` copies a model (recursively) into an
instance of a slotted class with the same field names, so code that reads attributes cannot tell the
difference; short repeated words (states, kinds, ids of a handful of items) are interned.
"""

from __future__ import annotations

import sys
from functools import cache
from typing import Any

from pydantic import BaseModel


def _eq(self: Any, other: Any) -> bool:
    if type(other) is not type(self):
        return NotImplemented  # type: ignore[no-any-return]  # NotImplemented, as __eq__ may
    return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)


def _repr(self: Any) -> str:
    fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
    return f"{type(self).__name__}({fields})"


@cache
def _compact_class(model: type[BaseModel]) -> type:
    namespace = {
        "__slots__": tuple(model.model_fields),
        "__eq__": _eq,
        "__hash__": None,
        "__repr__": _repr,
        "__module__": __name__,
        "__doc__": f"A compact, read-only copy of {model.__module__}.{model.__name__}.",
    }
    return type(model.__name__, (), namespace)


class Compactor:
    """Copies models into compact instances (a callable, so a reader can shrink each page as it arrives)."""

    def __call__(self, value: Any) -> Any:
        if isinstance(value, BaseModel):
            cls = _compact_class(type(value))
            out: Any = object.__new__(cls)
            slots: tuple[str, ...] = cls.__slots__  # type: ignore[attr-defined]  # built with them
            for name in slots:
                object.__setattr__(out, name, self(getattr(value, name)))
            return out
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, str) and len(value) <= 16:
            return sys.intern(value)
        return value

    def all(self, rows: list[Any]) -> list[Any]:
        return [self(r) for r in rows]
