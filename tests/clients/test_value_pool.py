"""Rows read through one Compactor share equal amounts, dates and times, and never change what they say."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from qbsync.clients import suprata_models as m
from qbsync.clients.compact import ValuePool, compact_page_adapter


def invoice(i: int, amount: str, when: str) -> dict[str, object]:
    return {
        "id": f"inv_{i}",
        "number": f"INV-{i}",
        "customer_id": "cus_1",
        "txn_date": "2026-05-01",
        "lines": [{"line_no": 1, "item_id": "itm_1", "quantity": 1, "unit_price": amount, "amount": amount}],
        "subtotal": amount,
        "tax_total": "0.00",
        "total": amount,
        "balance": amount,
        "status": "open",
        "created_at": when,
        "updated_at": when,
        "qbo": {"state": "failed", "last_attempt_at": when},
    }


def read(*rows: dict[str, object]) -> list[object]:
    return compact_page_adapter(m.Invoice).validate_json(json.dumps({"data": list(rows)}))["data"]


def test_equal_values_are_held_once_and_read_the_same():
    pool = ValuePool()
    a, b = pool.share(read(invoice(1, "125.00", "2026-05-01T22:20:20Z"), invoice(2, "125.00", "2026-05-01T22:20:20Z")))
    assert a.total is b.total and a.lines[0].amount is b.lines[0].amount and a.total is a.balance
    assert a.txn_date is b.txn_date and a.created_at is b.created_at and a.qbo.last_attempt_at is b.created_at
    assert (str(a.total), a.created_at.isoformat()) == ("125.00", "2026-05-01T22:20:20+00:00")


def test_what_prints_differently_stays_apart():
    pool = ValuePool()
    one, two = pool.share(
        read(invoice(1, "125.0", "2026-05-01T22:20:20Z"), invoice(2, "125.00", "2026-05-01T15:20:20-07:00"))
    )
    assert one.total == two.total and str(one.total) == "125.0" and str(two.total) == "125.00"
    assert one.created_at == two.created_at  # the same moment...
    assert one.created_at.isoformat() != two.created_at.isoformat()  # ...written in its own zone


# --- amounts and dates made once as they are read ---------------------------------------------------------

# What Suprata may send for an amount: a JSON number (an integer or not) or a decimal string, as written.
amounts = st.one_of(
    st.integers(min_value=-(2**53), max_value=2**53),  # beyond, an amount is read as a float (compact.py)
    st.floats(allow_nan=False, allow_infinity=False, width=64).filter(lambda x: x != 0 or str(x) == "0.0"),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)).map(date.isoformat)


def as_read(row: dict[str, object]) -> tuple[object, object]:
    """(the compact row's answer, the model's answer): values, or the fact that it was refused."""
    try:
        got: object = read(row)[0]
    except ValidationError:
        got = "refused"
    try:
        want: object = m.Invoice.model_validate_json(json.dumps(row))
    except ValidationError:
        want = "refused"
    return got, want


@settings(max_examples=300, deadline=None)
@given(total=amounts, unit_price=amounts, day=days)
def test_an_amount_or_date_reads_as_the_model_reads_it(total, unit_price, day):
    row = invoice(1, "1.00", "2026-05-01T22:20:20Z")
    row["lines"][0]["unit_price"] = unit_price  # type: ignore[index]
    got, want = as_read({**row, "total": total, "txn_date": day})
    assert (got == "refused") == (want == "refused")
    if got != "refused":
        for name in ("total", "txn_date"):
            assert repr(getattr(got, name)) == repr(getattr(want, name))
        assert repr(got.lines[0].unit_price) == repr(want.lines[0].unit_price)  # type: ignore[attr-defined]


@pytest.mark.parametrize("bad", [True, None, "twelve", [1], {"a": 1}, "2026-13-01"])
def test_what_the_model_refuses_is_refused(bad):
    row = invoice(1, "1.00", "2026-05-01T22:20:20Z")
    assert as_read({**row, "total": bad}) == ("refused", "refused")
    assert as_read({**row, "txn_date": bad}) == ("refused", "refused")


def test_equal_amounts_and_dates_are_one_object_across_reads():
    one = read(invoice(1, "89.50", "2026-05-01T22:20:20Z"))[0]
    two = read({**invoice(2, "89.50", "2026-05-01T22:20:20Z"), "balance": 89.5})[0]
    assert one.total is two.total and one.txn_date is two.txn_date
    assert str(two.balance) == "89.5" and two.balance is not two.total  # a number and a string: each as written
    assert isinstance(one.total, Decimal)
