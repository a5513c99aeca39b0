"""Rows read through one Compactor share equal amounts, dates and times, and never change what they say."""

from __future__ import annotations

import json

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
