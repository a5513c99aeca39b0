"""What QuickBooks holds that the batch's pushes will meet, read in bulk, as ``diagnose`` reads its evidence.

The names Suprata will create (customers and items not linked yet: every customer, vendor and employee that
holds one, and every item of that name), the linked customers and items (made inactive, or gone), the tax
codes the mappings point at, the invoice numbers already there, the books close date and Suprata's
connection: one query per entity per 1,000 keys, side by side within the realm's limits. No change feed:
nothing here has been pushed yet.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from qbsync.clients.qbo import parallel_named
from qbsync.diagnosis.blockers import pushes_tax_code
from qbsync.diagnosis.evidence import Evidence, close_date_of
from qbsync.diagnosis.failures import FailureSet


def gather_ahead(qbo: Any, suprata: Any, fs: FailureSet, keys: list[tuple[str, str]], now: datetime) -> Evidence:
    ev = Evidence(now=now)
    batch = {rid for rtype, rid in keys if rtype == "invoice"}
    invoices = [fs.invoices[rid] for rid in sorted(batch) if rid in fs.invoices]
    customer_names = sorted({c.display_name for c in fs.customers.values() if not c.qbo.qbo_id and c.display_name})
    item_names = sorted({i.name for i in fs.items.values() if not i.qbo.qbo_id})
    linked_customers = sorted({c.qbo.qbo_id for c in fs.customers.values() if c.qbo.qbo_id})
    linked_items = sorted({i.qbo.qbo_id for i in fs.items.values() if i.qbo.qbo_id})
    numbers = sorted({i.number for i in invoices if not i.qbo.qbo_id})
    wants_tax = any(i.tax_category_id and pushes_tax_code(i) for i in invoices)

    calls: dict[str, Callable[[], Any]] = {
        "preferences": qbo.preferences,
        "company": qbo.company_info,
        "suprata_connection": suprata.connection,
    }
    if customer_names:
        calls["names"] = lambda: qbo.by_display_names(customer_names)
    if item_names:
        calls["items_by_name"] = lambda: qbo.items_by_name(item_names)
    if linked_customers:
        calls["customers_by_id"] = lambda: qbo.by_ids("Customer", linked_customers)
    if linked_items:
        calls["items_by_id"] = lambda: qbo.by_ids("Item", linked_items)
    if wants_tax:
        calls["tax_codes"] = lambda: qbo.query("SELECT * FROM TaxCode WHERE Active IN (true, false)")
        calls["tax_categories"] = suprata.tax_categories
    if numbers:
        calls["invoices_by_doc"] = lambda: qbo.invoices_by_doc_numbers(numbers)
    results = parallel_named(qbo, calls)

    prefs = results["preferences"]
    ev.book_close_date = close_date_of(prefs)
    ev.company_name = getattr(results["company"], "company_name", None)
    ev.suprata_connection = results["suprata_connection"]
    for name, rows in results.get("names", {}).items():
        ev.names.setdefault(name.strip().lower(), []).extend(rows)
    ev.items_by_name = {k.strip().lower(): v for k, v in results.get("items_by_name", {}).items()}
    ev.customers_by_id = results.get("customers_by_id", {})
    ev.items_by_id = results.get("items_by_id", {})
    if _checks_line_tax_codes(prefs):
        ev.tax_codes = {row.id: row for row in results.get("tax_codes", []) if getattr(row, "id", None)}
        ev.tax_categories = {c.id: c for c in results.get("tax_categories", [])}
    ev.invoices_by_doc = results.get("invoices_by_doc", {})
    return ev


def _checks_line_tax_codes(prefs: Any) -> bool:
    """A US company using sales tax without automated sales tax refuses a line tax code other than TAX/NON
    (6100); with automated sales tax QuickBooks assigns the codes itself, and without sales tax it ignores them."""
    tax = getattr(prefs, "tax_prefs", None)
    if tax is None:
        return True  # not said: assume the common case, in which the gap is met
    return tax.using_sales_tax is not False and tax.partner_tax_enabled is not True
