"""Which Suprata records a pre-flight looks at, and reading them (with what they depend on) from Suprata.

The batch is read as a real company's would be: one paged list per type of what is not in QuickBooks yet
(``unsynced=true``, dated within ``--since``/``--until``), or the numbers asked for; then their customers,
items and the invoices their payments pay, by id, 500 a request, side by side.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from qbsync.clients import suprata_models as m
from qbsync.clients.suprata import run_side_by_side
from qbsync.diagnosis.failures import FailureSet
from qbsync.errors import UsageError

MAX_LISTED = 5


@dataclass
class Selection:
    since: date | None = None
    until: date | None = None
    records: list[str] = field(default_factory=list)  # invoice and payment numbers (or Suprata ids)
    unsynced: bool = False
    customer: str | None = None

    def describe(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.since:
            out["since"] = self.since.isoformat()
        if self.until:
            out["until"] = self.until.isoformat()
        if self.records:
            out["records"] = ", ".join(self.records)
        if self.unsynced or not self.records:
            out["unsynced"] = "true"
        if self.customer:
            out["customer"] = self.customer
        return out


def parse_selection(
    since: str | None,
    until: str | None,
    records: list[str] | None,
    unsynced: bool,
    customer: str | None,
    now: datetime,
) -> Selection:
    """``--records`` takes numbers, comma-separated or repeated, or ``@FILE`` (one a line, ``#`` comments)."""
    numbers: list[str] = []
    for value in records or []:
        numbers += _numbers_from(value)
    low, high = _day(since, "--since", now), _day(until, "--until", now)
    if low and high and low > high:
        raise UsageError(f"--since {low} is after --until {high}", hint="e.g. --since 2026-01-01 --until 2026-12-31")
    return Selection(low, high, list(dict.fromkeys(numbers)), unsynced, customer.strip() if customer else None)


def _numbers_from(value: str) -> list[str]:
    if value.startswith("@"):
        path = Path(value[1:]).expanduser()
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise UsageError(
                f"cannot read the record list {path}: {exc.strerror or exc}", hint="one number a line"
            ) from None
        lines = [line.split("#", 1)[0] for line in text.splitlines()]
        return [n.strip() for line in lines for n in line.replace(";", ",").split(",") if n.strip()]
    return [n.strip() for n in value.split(",") if n.strip()]


def _day(text: str | None, flag: str, now: datetime) -> date | None:
    """A date, or a duration back from today (``30d``, ``12w``): the records' own dates, not push times."""
    if text is None:
        return None
    value = text.strip().lower()
    if value[:-1].isdigit() and value[-1:] in ("d", "w"):
        return now.date() - timedelta(days=int(value[:-1]) * (7 if value[-1] == "w" else 1))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{flag} {text!r} is not a date", hint=f"e.g. {flag} 2026-12-01 (or 30d)") from None


@dataclass
class Batch:
    """The records to predict, and everything their pushes depend on, as the diagnosis reads records."""

    records: FailureSet
    keys: list[tuple[str, str]]  # the records of the batch not in QuickBooks, in Suprata's push order
    in_quickbooks: list[Any]  # asked for by number, already in QuickBooks


def read_batch(suprata: Any, selection: Selection) -> Batch:
    invoices, payments = _chosen(suprata, selection)
    if selection.customer:
        ids = _customer_ids(suprata, selection.customer)
        invoices = [i for i in invoices if i.customer_id in ids]
        payments = [p for p in payments if p.customer_id in ids]
    if selection.since or selection.until:
        invoices, payments = _dated(invoices, selection), _dated(payments, selection)
    chosen: list[Any] = [*invoices, *payments]
    unsynced = [r for r in chosen if r.qbo.state != "synced"]
    done = [r for r in chosen if r.qbo.state == "synced"]

    paid_ids = {a.invoice_id for p in payments for a in p.applied} - {i.id for i in invoices}
    paid = suprata.invoices(ids=sorted(paid_ids)) if paid_ids else []
    all_invoices = {i.id: i for i in (*invoices, *paid)}
    customer_ids = sorted({r.customer_id for r in (*all_invoices.values(), *payments)})
    item_ids = sorted({line.item_id for i in all_invoices.values() for line in i.lines})
    customers, items = run_side_by_side(
        [
            lambda: suprata.customers(ids=customer_ids) if customer_ids else [],
            lambda: suprata.items(ids=item_ids) if item_ids else [],
        ]
    )
    fs = FailureSet(
        failures=[],
        customers={c.id: c for c in customers},
        items={i.id: i for i in items},
        invoices=all_invoices,
        payments={p.id: p for p in payments},
        waiting_payments=[],
        timeout_records=set(),
    )
    order = {"invoice": 0, "payment": 1}
    ordered = sorted(unsynced, key=lambda r: (order[_type_of(r)], r.txn_date, r.number))
    return Batch(fs, [(_type_of(r), r.id) for r in ordered], done)


def _type_of(record: Any) -> str:
    return "payment" if hasattr(record, "applied") else "invoice"


def _chosen(suprata: Any, selection: Selection) -> tuple[list[m.Invoice], list[m.Payment]]:
    if not selection.records:
        return run_side_by_side(  # type: ignore[return-value]
            [
                lambda: suprata.not_in_quickbooks("invoice", txn_from=selection.since, txn_to=selection.until),
                lambda: suprata.not_in_quickbooks("payment", txn_from=selection.since, txn_to=selection.until),
            ]
        )
    wanted = selection.records
    by_number: list[list[Any]] = run_side_by_side(
        [lambda: suprata.invoices(numbers=wanted), lambda: suprata.payments(numbers=wanted)]
    )
    invoices, payments = by_number
    found = {r.number for r in (*invoices, *payments)}
    rest = [n for n in wanted if n not in found]
    if rest:  # Suprata ids (inv_1042) are accepted too
        by_id: list[list[Any]] = run_side_by_side(
            [lambda: suprata.invoices(ids=rest), lambda: suprata.payments(ids=rest)]
        )
        invoices, payments = [*invoices, *by_id[0]], [*payments, *by_id[1]]
        found |= {r.id for r in (*by_id[0], *by_id[1])}
    unknown = [n for n in rest if n not in found]
    if unknown:
        shown = ", ".join(unknown[:MAX_LISTED]) + (f" and {len(unknown) - MAX_LISTED} more" if len(unknown) > 5 else "")
        raise UsageError(
            f"Suprata has no invoice or payment {shown}",
            hint="give invoice or payment numbers (INV-1042, PMT-2001), or --unsynced for everything not in QuickBooks",
        )
    return invoices, payments


def _customer_ids(suprata: Any, wanted: str) -> set[str]:
    found = suprata.customers(numbers=[wanted]) or suprata.customers(q=wanted)
    exact = [c for c in found if wanted.lower() in (c.id.lower(), c.number.lower(), c.display_name.strip().lower())]
    matches = exact or found
    if not matches:
        raise UsageError(f"Suprata has no customer {wanted!r}", hint="give a customer's name, number (C-1001) or id")
    return {c.id for c in matches}


def _dated(rows: Iterable[Any], selection: Selection) -> list[Any]:
    low, high = selection.since, selection.until
    return [r for r in rows if (low is None or r.txn_date >= low) and (high is None or r.txn_date <= high)]
