"""What the person asked to retry: record references (INV-1042, PMT-2001, C-1048, an item SKU, an id or a
customer's exact name), a pattern, or every failure a retry can fix now."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qbsync.errors import NotFoundError, UsageError

PATTERN_IDS = ("P1", "P2", "P3", "P4", "P5", "P6", "P7", "unknown")


@dataclass
class Selection:
    refs: list[str] = field(default_factory=list)
    pattern: str | None = None
    all_safe: bool = False

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.refs:
            out["refs"] = list(self.refs)
        if self.pattern:
            out["pattern"] = self.pattern
        if self.all_safe:
            out["all_safe"] = True
        return out

    @property
    def bulk(self) -> bool:
        return not self.refs


def parse_selection(refs: list[str] | None, pattern: str | None, all_safe: bool) -> Selection:
    refs = [r.strip() for r in (refs or []) if r and r.strip()]
    chosen = sum(1 for x in (bool(refs), pattern is not None, all_safe) if x)
    if chosen == 0:
        raise UsageError(
            "say what to retry: record numbers, --pattern, or --all-safe",
            hint="e.g. 'qbsync retry INV-1042', 'qbsync retry --pattern P7' or 'qbsync retry --all-safe --dry-run'",
        )
    if chosen > 1:
        raise UsageError(
            "give record numbers, --pattern or --all-safe, not several at once",
            hint="run 'qbsync retry --all-safe --dry-run' to see everything a retry can fix now",
        )
    if pattern is not None:
        canon = "unknown" if pattern.strip().lower() == "unknown" else pattern.strip().upper()
        if canon not in PATTERN_IDS:
            raise UsageError(f"--pattern must be P1 to P7 or unknown, not {pattern!r}", hint="see 'qbsync diagnose'")
        pattern = canon
    return Selection(refs=refs, pattern=pattern, all_safe=all_safe)


TYPES = ("invoice", "payment", "customer", "item")


def resolve_refs(suprata: Any, refs: list[str]) -> list[tuple[str, Any]]:
    """Each reference to exactly one Suprata record: (record_type, record). Bulk lookups, 500 keys a request."""
    wanted = list(dict.fromkeys(refs))
    found: dict[str, list[tuple[str, Any]]] = {r: [] for r in wanted}

    def note(rtype: str, rows: list[Any], *attrs: str) -> None:
        for row in rows:
            for ref in wanted:
                values = [str(getattr(row, a, "") or "") for a in attrs]
                matches = any(ref.lower() == v.lower() for v in values if v)
                if matches and all(existing.id != row.id or t != rtype for t, existing in found[ref]):
                    found[ref].append((rtype, row))

    invoice_like = [r for r in wanted if r.upper().startswith("INV")]
    payment_like = [r for r in wanted if r.upper().startswith("PMT")]
    other = [r for r in wanted if r not in invoice_like and r not in payment_like]
    if invoice_like:
        note("invoice", suprata.invoices(numbers=invoice_like), "number")
        note("invoice", suprata.invoices(ids=invoice_like), "id")
    if payment_like:
        note("payment", suprata.payments(numbers=payment_like), "number")
        note("payment", suprata.payments(ids=payment_like), "id")
    if other:
        note("customer", suprata.customers(numbers=other), "number")
        note("customer", suprata.customers(ids=other), "id")
        note("item", suprata.items(skus=other), "sku")
        note("item", suprata.items(ids=other), "id")
        note("invoice", suprata.invoices(ids=other), "id")
        note("payment", suprata.payments(ids=other), "id")
    for ref in wanted:
        if not found[ref] and ref not in invoice_like and ref not in payment_like:
            rows = [c for c in suprata.customers(q=ref) if c.display_name.strip().lower() == ref.lower()]
            note("customer", rows, "display_name")

    out: list[tuple[str, Any]] = []
    for ref in wanted:
        matches = found[ref]
        if not matches:
            raise NotFoundError(
                f"no invoice, payment, customer or item in Suprata matches {ref!r}",
                hint="use a number (INV-1042, PMT-2001, C-1048), an item SKU, an id, or a customer's exact name",
            )
        if len(matches) > 1:
            kinds = ", ".join(f"{t} {getattr(r, 'id', '?')}" for t, r in matches)
            raise UsageError(f"{ref!r} matches more than one record ({kinds})", hint="give the record's id instead")
        if matches[0] not in out:
            out.append(matches[0])
    return out
