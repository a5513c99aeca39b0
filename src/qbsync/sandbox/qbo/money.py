"""Amounts: Decimal inside, JSON numbers outside, shaped as QBO prints them (``100.0`` but ``0``)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")


def dec(value: Any, default: str = "0") -> Decimal:
    if value is None or value == "":
        return Decimal(default)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(default)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def out(value: Decimal) -> float | int:
    # Captured bodies print zero amounts as 0 and others as floats (100.0, 629.1).
    return 0 if value == 0 else float(value)
