"""What ``preflight --lists`` reads, in as few requests as QuickBooks allows.

Near matches ("Smith & Sons" against "Smith and Sons") cannot be asked for with ``IN`` on exact names, so
QuickBooks' four lists are read whole, active and inactive: their first pages (1,000 rows each, the most QBO
returns) and the tax codes go in ONE ``/batch`` request; a list longer than a page gets its next pages in the
next batch request (up to 30 pages a request), and so on. A small company is one QuickBooks request. Suprata's
price list, customers, tax categories and invoices are read side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from qbsync.clients import query as q
from qbsync.clients import suprata_models as m
from qbsync.clients.errors import QboApiError
from qbsync.clients.suprata import run_side_by_side

if TYPE_CHECKING:
    from qbsync.clients.qbo import QboClient
    from qbsync.clients.suprata import SupraClient

LISTS = ("Item", "Customer", "Vendor", "Employee")


@dataclass
class QboLists:
    rows: dict[str, list[Any]] = field(default_factory=dict)  # entity -> every row, active or not
    tax_codes: dict[str, Any] = field(default_factory=dict)  # id -> TaxCode


@dataclass
class SuprataLists:
    items: list[m.Item]
    customers: list[m.Customer]
    tax_categories: list[m.TaxCategory]
    invoices: list[m.Invoice]


def read_suprata(suprata: SupraClient, invoiced_from: date) -> SuprataLists:
    calls: list[Callable[[], list[Any]]] = [
        suprata.items,
        suprata.customers,
        suprata.tax_categories,
        lambda: suprata.invoices(txn_date_from=invoiced_from),  # only the window's: the states invoiced in
    ]
    items, customers, categories, invoices = run_side_by_side(calls)
    return SuprataLists(items, customers, categories, invoices)


def _page(entity: str, start: int) -> q.Select:
    # ORDERBY Id keeps the pages stable while the bookkeeper works in QuickBooks
    return q.select(entity).in_("Active", (True, False)).order_by("Id").page(start, q.MAX_RESULTS)


def read_quickbooks(qbo: QboClient) -> QboLists:
    out = QboLists(rows={entity: [] for entity in LISTS})
    pending: list[tuple[str, q.Select | str]] = [(entity, _page(entity, 1)) for entity in LISTS]
    pending.append(("TaxCode", "SELECT * FROM TaxCode WHERE Active IN (true, false)"))
    while pending:
        results = qbo.batch([stmt for _, stmt in pending])
        following: list[tuple[str, q.Select | str]] = []
        for (entity, stmt), result in zip(pending, results, strict=True):
            if result.fault is not None:
                raise QboApiError(result.fault, f"reading QuickBooks' {entity} list")
            if entity == "TaxCode":
                out.tax_codes = {str(row.id): row for row in result.rows if row.id}
                continue
            out.rows[entity].extend(result.rows)
            if len(result.rows) >= q.MAX_RESULTS and isinstance(stmt, q.Select):
                following.append((entity, _page(entity, (stmt.start_position or 1) + q.MAX_RESULTS)))
        pending = following
    return out
