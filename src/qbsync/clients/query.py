"""Building QuickBooks query statements safely.

QBO's SQL dialect: ``SELECT * | COUNT(*) FROM Entity [WHERE a AND b ...] [ORDERBY f [DESC]]
[STARTPOSITION n] [MAXRESULTS m]``. No OR, no projections, at most 1,000 rows a page, 1-based positions.
String literals are single-quoted with ``\\'`` for a quote (and ``\\\\`` for a backslash). Field and entity
names are checked so a value can never become syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

MAX_RESULTS = 1000  # QBO's cap on rows per page
MAX_IN_KEYS = 1000  # keys per IN list: one full page at most for unique keys
OPERATORS = frozenset({"=", "<", ">", "<=", ">=", "IN", "LIKE"})
LONG_STATEMENT = 1500  # characters; longer statements go by POST /query (URLs have length limits)

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")

Literal = str | bool | int | Decimal | float | date | datetime


def quote(value: Literal) -> str:
    """A QBO literal: strings quoted and escaped, booleans bare, numbers bare, dates quoted ISO."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal | float):
        return str(value)
    if isinstance(value, datetime | date):
        return f"'{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    raise TypeError(f"cannot use {type(value).__name__} in a QBO query")


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a QBO field or entity name: {name!r}")
    return name


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Literal | tuple[Literal, ...]

    def render(self) -> str:
        if self.op == "IN":
            values = self.value if isinstance(self.value, tuple) else (self.value,)
            return f"{self.field} IN ({', '.join(quote(v) for v in values)})"
        return f"{self.field} {self.op} {quote(self.value)}"  # type: ignore[arg-type]


@dataclass(frozen=True)
class Select:
    """An immutable query; every builder method returns a new one."""

    entity: str
    conditions: tuple[Condition, ...] = ()
    order: tuple[tuple[str, bool], ...] = ()
    start_position: int | None = None
    max_results: int | None = None
    count: bool = False

    def __post_init__(self) -> None:
        _check_name(self.entity)

    def where(self, field: str, op: str, value: Literal | Iterable[Literal]) -> Select:
        op = op.upper()
        if op not in OPERATORS:
            raise ValueError(f"QBO has no operator {op!r} (and no OR)")
        if op == "IN":
            values = (value,) if isinstance(value, str) else tuple(value)  # type: ignore[arg-type]
            if not values:
                raise ValueError("IN needs at least one value")
            if len(values) > MAX_IN_KEYS:
                raise ValueError(f"IN lists hold at most {MAX_IN_KEYS} keys; use chunked_in()")
            cond = Condition(_check_name(field), op, values)
        else:
            cond = Condition(_check_name(field), op, value)  # type: ignore[arg-type]
        return replace(self, conditions=(*self.conditions, cond))

    def eq(self, field: str, value: Literal) -> Select:
        return self.where(field, "=", value)

    def in_(self, field: str, values: Iterable[Literal]) -> Select:
        return self.where(field, "IN", values)

    def like(self, field: str, pattern: str) -> Select:
        """``%`` is QBO's only wildcard; the pattern is quoted like any string."""
        return self.where(field, "LIKE", pattern)

    def order_by(self, field: str, descending: bool = False) -> Select:
        return replace(self, order=(*self.order, (_check_name(field), descending)))

    def page(self, start_position: int, max_results: int = MAX_RESULTS) -> Select:
        if start_position < 1:
            raise ValueError("STARTPOSITION is 1-based")
        if not 1 <= max_results <= MAX_RESULTS:
            raise ValueError(f"MAXRESULTS must be 1..{MAX_RESULTS}")
        return replace(self, start_position=start_position, max_results=max_results)

    @property
    def paged(self) -> bool:
        return self.start_position is not None or self.max_results is not None

    def render(self) -> str:
        parts = [f"SELECT {'COUNT(*)' if self.count else '*'} FROM {self.entity}"]
        if self.conditions:
            parts.append("WHERE " + " AND ".join(c.render() for c in self.conditions))
        if self.order:
            parts.append("ORDERBY " + ", ".join(f"{f} DESC" if d else f for f, d in self.order))
        if self.start_position is not None:
            parts.append(f"STARTPOSITION {self.start_position}")
        if self.max_results is not None:
            parts.append(f"MAXRESULTS {self.max_results}")
        return " ".join(parts)

    def __str__(self) -> str:
        return self.render()


def select(entity: str) -> Select:
    return Select(entity)


def count(entity: str) -> Select:
    return Select(entity, count=True)


def unique_keys(keys: Iterable[Literal]) -> list[Literal]:
    """Keys without duplicates or blanks, first occurrence order kept."""
    seen: set[object] = set()
    out: list[Literal] = []
    for key in keys:
        if key is None or key == "" or key in seen:
            continue
        seen.add(key)
        out.append(key)
    return out


def chunked_in(
    base: Select | str, field: str, keys: Sequence[Literal] | Iterable[Literal], chunk_size: int = MAX_IN_KEYS
) -> list[Select]:
    """One statement per ``chunk_size`` keys (at most 1,000): ``base AND field IN (...)``."""
    if not 1 <= chunk_size <= MAX_IN_KEYS:
        raise ValueError(f"chunk_size must be 1..{MAX_IN_KEYS}")
    stmt = Select(base) if isinstance(base, str) else base
    values = unique_keys(keys)
    return [stmt.in_(field, values[i : i + chunk_size]) for i in range(0, len(values), chunk_size)]
