"""Compact, read-only copies of Suprata records for a large working set.

A pydantic model instance carries a ``__dict__``, a fields-set and an extras dict: at 50,000 failing records
that overhead, not the data, sets the process's memory. Each model has a mirror here: a slotted dataclass with
the same field names and types (nested models mirrored too), so code that reads attributes cannot tell the
difference. pydantic validates a page of JSON straight into the mirrors, with the model's own field types and
defaults, so the working set never exists as models at all (validating, then copying field by field in
Python, cost more than the validation). Fields a newer Suprata adds are not kept: nothing reads them.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
import types
import typing
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter
from pydantic_core import PydanticUndefined
from typing_extensions import TypedDict


@cache
def compact_type(model: type[BaseModel]) -> type:
    """The slotted mirror of ``model``: same field names, types and defaults."""
    fields: list[tuple[str, Any, Any]] = []
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            default: Any = dataclasses.field(default_factory=info.default_factory)  # type: ignore[arg-type]  # a no-argument factory
        elif info.default is PydanticUndefined:
            default = dataclasses.field()
        else:
            default = dataclasses.field(default=info.default)
        fields.append((name, _mirrored(info.annotation), default))
    cls = dataclasses.make_dataclass(model.__name__, fields, slots=True, kw_only=True)
    cls.__module__ = __name__
    cls.__doc__ = f"A compact, read-only copy of {model.__module__}.{model.__name__}."
    return cls


def _mirrored(annotation: Any) -> Any:
    """``annotation`` with every model in it replaced by its mirror (lists, unions, Annotated looked into)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return compact_type(annotation)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _mirrored(args[0])  # the metadata says how to serialise: a read-only copy never is
    if origin is list:
        return list[_mirrored(args[0])]  # type: ignore[misc]  # a type built at run time
    if origin is Union or origin is types.UnionType:
        return typing.Union[tuple(_mirrored(a) for a in args)]  # noqa: UP007  # built from a tuple at run time
    return annotation


@cache
def compact_page_adapter(model: type[BaseModel]) -> TypeAdapter[Any]:
    """Validates one Suprata page (``{"data": [...], "next_cursor": ...}``) into mirrors of ``model``."""
    row = compact_type(model)
    fields = {"data": list[row], "next_cursor": typing.NotRequired[str | None]}  # type: ignore[valid-type]  # built at run time
    page = TypedDict(f"Compact{model.__name__}Page", fields)  # type: ignore[misc]  # the row type is built at run time
    return TypeAdapter(page)


# How to share one mirror's equal values: its own fields that hold amounts, dates and times; and the fields
# that hold one nested mirror or a list of them, each with its own plan.
_Plan = tuple[tuple[str, ...], tuple[tuple[str, "_Plan"], ...], tuple[tuple[str, "_Plan"], ...]]
_SHARED_TYPES = (Decimal, date)  # datetime is a date


@cache
def _share_plan(cls: type) -> _Plan:
    values: list[str] = []
    nested: list[tuple[str, _Plan]] = []
    lists: list[tuple[str, _Plan]] = []
    for f in dataclasses.fields(cls):
        kinds = _leaf_types(f.type)
        if any(isinstance(k, type) and issubclass(k, _SHARED_TYPES) for k in kinds):
            values.append(f.name)
        for k in kinds:
            if dataclasses.is_dataclass(k):
                nested.append((f.name, _share_plan(k)))  # type: ignore[arg-type]  # a mirror class
        origin, args = get_origin(f.type), get_args(f.type)
        if origin is list and args and dataclasses.is_dataclass(args[0]):
            lists.append((f.name, _share_plan(args[0])))  # type: ignore[arg-type]
    return tuple(values), tuple(nested), tuple(lists)


def _leaf_types(annotation: Any) -> tuple[Any, ...]:
    if get_origin(annotation) is Union or get_origin(annotation) is types.UnionType:
        return get_args(annotation)
    return (annotation,)


class ValuePool:
    """Equal amounts, dates and times of a working set held once: at 50,000 invoices their seven amounts
    (104 bytes each as Decimal) and four dates and times, mostly the same few values, are a third of the set.
    Keys keep apart what prints differently: ``Decimal("125.0")`` and ``Decimal("125.00")``, times in two zones."""

    def __init__(self) -> None:
        self._seen: dict[Any, Any] = {}
        self._lock = threading.Lock()  # pages of one read arrive on several threads

    def share(self, rows: list[Any]) -> list[Any]:
        if rows:
            with self._lock:
                plan = _share_plan(type(rows[0]))  # type: ignore[arg-type]  # a mirror class hashes
                for row in rows:
                    self._share(row, plan)
        return rows

    def _share(self, row: Any, plan: _Plan) -> None:
        values, nested, lists = plan
        seen = self._seen
        for name in values:
            v = getattr(row, name)
            if v is None:
                continue
            kind = type(v)
            if kind is date:
                key: Any = v
            elif kind is Decimal:
                key = (str(v), kind)  # equal amounts that print alike: not 125.0 and 125.00
            else:
                key = (v, v.utcoffset())  # the same moment in the same zone (str() costs 20 times more)
            shared = seen.get(key)
            if shared is None:
                seen[key] = v
            elif shared is not v:
                setattr(row, name, shared)
        for name, sub in nested:
            child = getattr(row, name)
            if child is not None and dataclasses.is_dataclass(child):
                self._share(child, sub)
        for name, sub in lists:
            for child in getattr(row, name):
                self._share(child, sub)


class Compactor:
    """Marks a read whose rows are kept as compact mirrors; called on a model, copies it into its mirror.
    Rows read through one compactor share their equal amounts, dates and times (``ValuePool``)."""

    def __init__(self) -> None:
        self.pool = ValuePool()

    def __call__(self, value: Any) -> Any:
        if isinstance(value, BaseModel):
            cls = compact_type(type(value))
            return cls(**{f.name: self(getattr(value, f.name)) for f in dataclasses.fields(cls)})
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, str) and len(value) <= 16:
            return sys.intern(value)
        return value

    def all(self, rows: list[Any]) -> list[Any]:
        return [self(r) for r in rows]
