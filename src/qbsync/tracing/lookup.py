"""Resolving what the person typed: an invoice or payment number or id, or a customer by number, id or name.

An unknown key is one clear line with the closest existing keys (``difflib``); an ambiguous name lists the
candidates. The full lists are read only on those error paths.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from qbsync.errors import NotFoundError, UsageError

SUGGESTIONS = 5
MAX_CANDIDATES = 10

_INVOICE_NO = re.compile(r"^INV-", re.IGNORECASE)
_PAYMENT_NO = re.compile(r"^PMT-", re.IGNORECASE)
_CUSTOMER_NO = re.compile(r"^C-\d", re.IGNORECASE)


@dataclass
class Resolved:
    kind: str  # invoice | payment | customer
    record: Any  # the Suprata model


def resolve_ref(suprata: Any, ref: str) -> Resolved:
    """The Suprata record ``ref`` names. Shaped keys (INV-, PMT-, C-, inv_, pmt_, cus_) are looked up only
    where they belong; anything else is tried as a number, an id, then a customer name."""
    key = ref.strip()
    if not key:
        raise UsageError("give an invoice or payment number (INV-1042, PMT-2001) or use --customer NAME")
    low = key.lower()
    if low.startswith("inv_"):
        return _one_or_fail(suprata, "invoice", key, _by_id(suprata.invoices, key))
    if low.startswith("pmt_"):
        return _one_or_fail(suprata, "payment", key, _by_id(suprata.payments, key))
    if low.startswith("cus_"):
        return Resolved("customer", resolve_customer(suprata, key))
    if _INVOICE_NO.match(key):
        return _one_or_fail(suprata, "invoice", key, _by_number(suprata.invoices, key))
    if _PAYMENT_NO.match(key):
        return _one_or_fail(suprata, "payment", key, _by_number(suprata.payments, key))
    if _CUSTOMER_NO.match(key):
        return Resolved("customer", resolve_customer(suprata, key))
    for kind, fetch in (("invoice", suprata.invoices), ("payment", suprata.payments)):
        found = _by_number(fetch, key) or _by_id(fetch, key)
        if found is not None:
            return Resolved(kind, found)
    try:
        return Resolved("customer", resolve_customer(suprata, key))
    except NotFoundError:
        pass
    close = _closest(key, _all_numbers(suprata, "invoice") + _all_numbers(suprata, "payment"))
    raise NotFoundError(
        f"no invoice, payment or customer {key!r} in Suprata" + _did_you_mean(close),
        hint="use the number Suprata shows (INV-1042, PMT-2001), or --customer NAME",
    )


def resolve_customer(suprata: Any, ref: str) -> Any:
    """A Suprata customer by id, number or display name (exact, else a unique partial match)."""
    key = ref.strip()
    if not key:
        raise UsageError("give a customer name, number (C-1001) or id with --customer")
    low = key.lower()
    if low.startswith("cus_"):
        found = _by_id(suprata.customers, key)
    elif _CUSTOMER_NO.match(key):
        found = _by_number(suprata.customers, key)
    else:
        found = None
    if found is not None:
        return found
    matches = suprata.customers(q=key)
    if not matches and not low.startswith("cus_") and not _CUSTOMER_NO.match(key):
        found = _by_number(suprata.customers, key) or _by_id(suprata.customers, key)
        if found is not None:
            return found
    exact = [c for c in matches if c.display_name.casefold() == key.casefold()]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1 or len(matches) > 1:
        pool = exact or matches
        names = ", ".join(f"{c.display_name} ({c.number})" for c in pool[:MAX_CANDIDATES])
        more = f" and {len(pool) - MAX_CANDIDATES} more" if len(pool) > MAX_CANDIDATES else ""
        raise UsageError(
            f"{len(pool)} customers match {key!r}: {names}{more}",
            hint="pick one by number, e.g. --customer " + pool[0].number,
        )
    if len(matches) == 1:
        return matches[0]
    everyone = suprata.customers()
    by_name = {c.display_name: c for c in everyone}
    close = _closest(key, list(by_name), cutoff=0.5)
    if not close and _CUSTOMER_NO.match(key):
        close = _closest(key, [c.number for c in everyone])
    suggestion = [f"{n} ({by_name[n].number})" if n in by_name else n for n in close]
    raise NotFoundError(
        f"no customer {key!r} in Suprata" + _did_you_mean(suggestion),
        hint="use the customer's name as Suprata shows it, its number (C-1001) or its id",
    )


# --- helpers ------------------------------------------------------------------------------------------------


def _by_id(fetch: Any, key: str) -> Any:
    rows = fetch(ids=[key])
    return next((r for r in rows if r.id == key), None)


def _by_number(fetch: Any, key: str) -> Any:
    variants = list(dict.fromkeys([key, key.upper()]))
    rows = fetch(numbers=variants)
    for variant in variants:
        found = next((r for r in rows if r.number == variant), None)
        if found is not None:
            return found
    return None


def _one_or_fail(suprata: Any, kind: str, key: str, found: Any) -> Resolved:
    if found is not None:
        return Resolved(kind, found)
    close = _closest(key.upper(), _all_numbers(suprata, kind))
    raise NotFoundError(
        f"no {kind} {key!r} in Suprata" + _did_you_mean(close),
        hint=f"check the {kind} number in Suprata; trace reads Suprata's numbers, not QuickBooks ids",
    )


def _all_numbers(suprata: Any, kind: str) -> list[str]:
    rows = suprata.invoices() if kind == "invoice" else suprata.payments()
    return [r.number for r in rows]


def _closest(key: str, pool: list[str], cutoff: float = 0.6) -> list[str]:
    """The closest keys by spelling; for numbers like INV-1999 also the nearest by value."""
    found = difflib.get_close_matches(key, pool, n=SUGGESTIONS, cutoff=cutoff)
    if not found:
        folded = {p.casefold(): p for p in pool}
        found = [folded[m] for m in difflib.get_close_matches(key.casefold(), list(folded), SUGGESTIONS, cutoff)]
    digits = re.search(r"(\d+)$", key)
    if digits:
        prefix = key[: digits.start()].upper()
        numbered = [(abs(int(m.group(1)) - int(digits.group(1))), p) for p in pool if (m := re.search(r"(\d+)$", p))]
        nearest = [p for _, p in sorted(numbered) if p.upper().startswith(prefix)][:2]
        found = list(dict.fromkeys([*nearest, *found]))[:SUGGESTIONS]
    return found


def _did_you_mean(close: list[str]) -> str:
    return f"; closest: {', '.join(close)}" if close else ""
