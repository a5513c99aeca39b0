"""Compact, read-only copies of Suprata records for a large working set.

A pydantic model instance carries a ``__dict__``, a fields-set and an extras dict: at 50,000 failing records
that overhead, not the data, sets the process's memory. Each model has a mirror here: a slotted dataclass with
the same field names and types (nested models mirrored too), so code that reads attributes cannot tell the
difference. pydantic validates a page of JSON straight into the mirrors, with the model's own field types and
defaults, so the working set never exists as models at all (validating, then copying field by field in
Python, cost more than the validation). Fields a newer Suprata adds are not kept: nothing reads them.

Amounts and dates, a few hundred distinct values among hundreds of thousands, are not built for each row:
the value as JSON gave it (a number or a string) is looked up in a table of those already made, and only a
new one is validated, as the model's own field would validate it. Times, mostly distinct, are validated as
usual and shared afterwards (``ValuePool``).
"""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import cache, cached_property
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, GetCoreSchemaHandler, TypeAdapter
from pydantic_core import PydanticUndefined, core_schema
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
    """``annotation`` with every model in it replaced by its mirror (lists, unions, Annotated looked into), and
    every amount and date by its looked-up form."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return compact_type(annotation)
    if annotation in _MADE_ONCE:
        return Annotated[annotation, _MADE_ONCE[annotation]]
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _mirrored(args[0])  # the metadata says how to serialise: a read-only copy never is
    if origin is list:
        return list[_mirrored(args[0])]  # type: ignore[misc]  # a type built at run time
    if origin is Union or origin is types.UnionType:
        return typing.Union[tuple(_mirrored(a) for a in args)]  # noqa: UP007  # built from a tuple at run time
    return annotation


class _Made(dict[Any, Any]):
    """JSON value -> the one value it validates to, made on first sight. Two JSON values that are equal in
    Python share an entry: 3 and 3.0 (the same amount either way) and 0 and -0.0 (an amount of minus zero is
    held as zero). Bounded: past ``LIMIT`` values the table starts again."""

    LIMIT = 50_000

    def __init__(self, kind: type) -> None:
        super().__init__()
        self.kind = kind

    @cached_property
    def adapter(self) -> TypeAdapter[Any]:  # built on first use, not when the module is imported
        return TypeAdapter(self.kind)

    def __missing__(self, raw: Any) -> Any:
        # The model's own validation of the same JSON value, so a row says what the model would, and a value
        # the model refuses is refused here (the page's ValidationError names it).
        value = self.adapter.validate_json(json.dumps(raw))
        if len(self) >= self.LIMIT:
            self.clear()
        self[raw] = value
        return value


class _MadeOnce:
    """Annotated metadata: a mirror's amount or date is looked up in ``made`` by its JSON value."""

    def __init__(self, kind: type) -> None:
        self.made = _Made(kind)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        # Strict members: a JSON number stays a number, a string a string, and anything else (true, null, a
        # list) is refused as the model refuses it. An integer is read as a float: exact below 2**53, an
        # amount no business reaches (an integer member cost a tenth of the page's time).
        raw = core_schema.union_schema([core_schema.float_schema(strict=True), core_schema.str_schema(strict=True)])
        return core_schema.no_info_after_validator_function(self.made.__getitem__, raw)

    def __repr__(self) -> str:
        return f"made once: {self.made.kind.__name__}"


_MADE_ONCE: dict[type, _MadeOnce] = {Decimal: _MadeOnce(Decimal), date: _MadeOnce(date)}


@cache
def compact_page_adapter(model: type[BaseModel]) -> TypeAdapter[Any]:
    """Validates one Suprata page (``{"data": [...], "next_cursor": ...}``) into mirrors of ``model``."""
    row = compact_type(model)
    fields = {"data": list[row], "next_cursor": typing.NotRequired[str | None]}  # type: ignore[valid-type]  # built at run time
    page = TypedDict(f"Compact{model.__name__}Page", fields)  # type: ignore[misc]  # the row type is built at run time
    return TypeAdapter(page)


def _leaf_types(annotation: Any) -> tuple[Any, ...]:
    if get_origin(annotation) is Union or get_origin(annotation) is types.UnionType:
        return get_args(annotation)
    return (annotation,)


# The key that holds one time once: with its zone, so the same moment written in two zones stays apart (pydantic
# gives equal offsets one tzinfo, and the tuple costs a fifth of ``utcoffset()``). Amounts and dates are held
# once as they are read (``_MadeOnce``).
_SHARED_TYPES = (Decimal, date)  # datetime is a date
_KEY_OF = {datetime: "(v, v.tzinfo)"}


@cache
def _holds_times(cls: type) -> bool:
    """Whether a mirror, or one nested in it, has a time to share."""
    for f in dataclasses.fields(cls):
        leaves = [get_args(k)[0] if get_origin(k) is list else k for k in _leaf_types(f.type)]
        if any(k in _KEY_OF or (dataclasses.is_dataclass(k) and _holds_times(k)) for k in leaves):  # type: ignore[arg-type]
            return True
    return False


@cache
def _sharer(cls: type) -> Callable[[Any, Callable[[Any, Any], Any]], None]:
    """A function made for ``cls`` that swaps each time of a row (nested mirrors too) for the pool's equal one.
    Written out per class, like dataclasses' own ``__init__``: reading fields by name in a loop cost four times
    as much at 50,000 invoices. A nested mirror with no time in it is not visited (an invoice's lines)."""
    lines = ["def share(row, held):"]
    scope: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        kinds = [k for k in _leaf_types(f.type) if k is not type(None)]
        optional = len(kinds) < len(_leaf_types(f.type))
        guard = "    if v is not None:\n    " if optional else ""
        origin, args = get_origin(f.type), get_args(f.type)
        if len(kinds) == 1 and kinds[0] in _KEY_OF:
            lines.append(f"    v = row.{f.name}\n{guard}    row.{f.name} = held({_KEY_OF[kinds[0]]}, v)")
        elif len(kinds) == 1 and dataclasses.is_dataclass(kinds[0]):
            if not _holds_times(kinds[0]):  # type: ignore[arg-type]  # a mirror class
                continue
            scope[f"share_{f.name}"] = _sharer(kinds[0])  # type: ignore[arg-type]  # a mirror class
            lines.append(f"    v = row.{f.name}\n{guard}    share_{f.name}(v, held)")
        elif origin is list and args and dataclasses.is_dataclass(args[0]):
            if not _holds_times(args[0]):  # type: ignore[arg-type]
                continue
            scope[f"share_{f.name}"] = _sharer(args[0])  # type: ignore[arg-type]
            lines.append(f"    for v in row.{f.name}:\n        share_{f.name}(v, held)")
        elif any(isinstance(k, type) and issubclass(k, _SHARED_TYPES) for k in kinds):
            raise TypeError(f"{cls.__name__}.{f.name}: a union of amounts, dates or times is not held once")
    lines.append("    return None")
    exec("\n".join(lines), scope)  # code built from the mirror's own field names, as dataclasses do
    share: Callable[[Any, Callable[[Any, Any], Any]], None] = scope["share"]
    return share


class ValuePool:
    """Equal times of a working set held once (amounts and dates are held once as they are read): at 50,000
    invoices their four times, many the same few, are a tenth of the set. Keys keep apart what prints
    differently: the same moment in two zones."""

    def __init__(self) -> None:
        self._seen: dict[Any, Any] = {}
        self._lock = threading.Lock()  # pages of one read arrive on several threads

    def share(self, rows: list[Any]) -> list[Any]:
        if rows:
            share = _sharer(type(rows[0]))  # type: ignore[arg-type]  # a mirror class hashes
            with self._lock:
                held = self._seen.setdefault
                for row in rows:
                    share(row, held)
        return rows


class Compactor:
    """Marks a read whose rows are kept as compact mirrors; called on a model, copies it into its mirror.
    Rows read through one compactor share their equal times (``ValuePool``); all rows read as mirrors share
    their equal amounts and dates (``_MadeOnce``)."""

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
