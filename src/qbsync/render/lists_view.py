"""The compact screen of ``qbsync preflight --lists``, and its CSV files for the bookkeeper.

One table of counts, then what will fail on the first sync (customers, then items, then tax: the plan's
order), what only looks alike, and the first fix in full. Every row with its fix is in the CSV files
(``--export DIR``) or on screen with ``--details``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from qbsync.lineup.model import ListRow, ListsReport, TaxRow
from qbsync.render.layout import command
from qbsync.render.words import plural

FIRST_FEW = 3
DIFFERS = {
    "case": "case",
    "spacing": "spacing",
    "punctuation": "punctuation",
    "and": "& for and",
    "deleted": "inactive",
}
TAX_STATUS = {
    "mapped": "mapped",
    "unmapped": "not mapped",
    "not_set_up": "never set up",
    "code_inactive": "maps to an inactive tax code",
    "code_missing": "maps to a tax code QuickBooks does not have",
}
FILES = {"items": "items.csv", "customers": "customers.csv", "tax": "tax.csv"}


def render_lists(console: Console, r: ListsReport, details: bool = False) -> None:
    table = Table(box=None, padding=(0, 1), show_edge=False, pad_edge=False)
    table.add_column("Suprata's lists")
    for heading in ("linked", "same name", "look alike", "new", "will fail"):
        table.add_column(heading, justify="right")
    for label, rows in (("Customers", r.customers), ("Items", r.items)):
        s = r.summary["customers" if label == "Customers" else "items"]
        failing = sum(row.will_fail for row in rows)
        table.add_row(
            f"{label} ({len(rows)})",
            str(s["linked"]),
            str(s["same_name"]),
            str(s["near_match"]),
            str(s["no_match"]),
            f"[bold red]{failing}[/]" if failing else "0",
        )
    console.print(table)
    failing_rows = [row for row in [*r.customers, *r.items] if row.will_fail]
    if failing_rows:
        console.print(f"[bold]Will fail on the first sync[/] ({plural(len(failing_rows), 'record')}):")
        _print(console, _first_few(failing_rows, details, _failing))
    alike = [row for row in [*r.customers, *r.items] if row.bucket == "near_match"]
    if alike:
        console.print("[bold]Look alike[/]: QuickBooks will create them as new (link them if they are the same):")
        _print(console, _first_few(alike, details, _alike))
    period = f"{r.invoiced_from:%-d %b %Y} to {r.invoiced_through:%-d %b %Y}"
    console.print(f"[bold]Tax[/] in the states invoiced {period}:")
    if not r.tax:
        console.print("  no invoice with a tax category in that time")
    console.print(_grid([(f"{escape(t.category)} in {t.state}", _tax(t), []) for t in r.tax]))
    first = next((row for row in failing_rows if row.steps), None)
    first_tax = next((t for t in r.tax if t.will_fail and t.steps), None)
    step = first.steps[0] if first else first_tax.steps[0] if first_tax else None
    if step:
        console.print(f"[bold]First:[/] {escape(step)}")
    if not details:
        console.print("Every row with its fix, as CSV files for the bookkeeper:")
        console.print(command("qbsync preflight --lists --export lists/"))
    console.print(
        f"[dim]Read-only: {plural(r.requests.get('suprata', 0), 'Suprata request')} and "
        f"{plural(r.requests.get('quickbooks', 0), 'QuickBooks request')}.[/]"
    )
    if r.exported:
        console.print(f"Wrote {', '.join(escape(p) for p in r.exported)}")


Line = tuple[str, str, list[str]]  # who, what, the steps under it (with --details)


def _first_few(rows: list[ListRow], details: bool, say: Callable[[ListRow], str]) -> list[Line]:
    if details:  # every row, each with its steps
        return [(_who(row), say(row), row.steps) for row in rows]
    lines: list[Line] = [(_who(row), say(row), []) for row in rows[:FIRST_FEW]]
    if len(rows) > FIRST_FEW:
        lines.append((f"[dim]and {len(rows) - FIRST_FEW} more[/]", "", []))
    return lines


def _print(console: Console, lines: list[Line]) -> None:
    """Two columns on one screen; with --details each record on its line and its steps in full below it."""
    if not any(steps for _, _, steps in lines):
        console.print(_grid(lines))
        return
    for who, what, steps in lines:
        console.print(f"  {who}: {what}")
        for step in steps:
            console.print(f"      - {escape(step)}")


def _grid(lines: list[Line]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, max_width=38)
    grid.add_column()
    for who, what, _ in lines:
        grid.add_row(f"  {who}", what)
    return grid


def _who(row: ListRow) -> str:
    return f"{escape(row.name)} ({escape(row.number)})"


def _how(row: ListRow) -> str:
    shown = row.qbo.name if row.qbo else ""
    # "(deleted)" in QuickBooks' name already says it is inactive
    how = [DIFFERS.get(d, d) for d in row.differs_by if not (d == "deleted" and shown.endswith("(deleted)"))]
    return f" ({', '.join(how)})" if how else ""


def _failing(row: ListRow) -> str:
    holder = row.qbo
    if row.bucket == "linked":
        if holder is None:
            return f"linked to QuickBooks {row.record_type} that is gone"
        return f"linked to inactive {holder.entity.lower()} '{escape(holder.name)}'"
    if holder is None:
        return escape(row.outcome)
    return f"name taken by {holder.entity.lower()} '{escape(holder.name)}'{_how(row)}"


def _alike(row: ListRow) -> str:
    other = row.qbo
    if other is None:
        return ""
    return f"{other.entity.lower()} '{escape(other.name)}'{_how(row)}"


def _by_category(rows: list[TaxRow]) -> Iterable[tuple[str, list[TaxRow]]]:
    seen: dict[str, list[TaxRow]] = {}
    for row in rows:
        seen.setdefault(row.category, []).append(row)
    return seen.items()


def _tax(t: TaxRow) -> str:
    status = TAX_STATUS.get(t.status, t.status)
    if t.status == "mapped":
        return f"{status} to '{escape(t.tax_code or '?')}'"
    if t.will_fail:
        return f"[bold red]{status}[/]: {t.taxable_invoices} of {plural(t.invoices, 'invoice')} will fail"
    return f"{status} (no taxable line yet)"


# --- CSV ----------------------------------------------------------------------------------------------------------

LIST_COLUMNS = (
    "bucket",
    "will_fail",
    "suprata_number",
    "suprata_name",
    "quickbooks_type",
    "quickbooks_id",
    "quickbooks_name",
    "quickbooks_active",
    "differs_by",
    "what_happens",
    "fix",
    "other_look_alikes",
)
TAX_COLUMNS = (
    "category_id",
    "category",
    "state",
    "status",
    "quickbooks_tax_code",
    "invoices",
    "taxable_invoices",
    "latest_invoice",
    "will_fail",
    "fix",
)


def _list_rows(rows: list[ListRow]) -> Iterable[tuple[object, ...]]:
    for r in rows:
        q = r.qbo
        yield (
            r.bucket,
            "yes" if r.will_fail else "no",
            r.number,
            r.name,
            q.entity if q else "",
            q.id if q else "",
            q.name if q else "",
            ("yes" if q.active else "no") if q else "",
            " ".join(r.differs_by),
            r.outcome,
            " ".join(r.steps),
            "; ".join(f"{o.entity} {o.id} {o.name}" for o in r.also),
        )


def _tax_rows(rows: list[TaxRow]) -> Iterable[tuple[object, ...]]:
    for t in rows:
        yield (
            t.category_id,
            t.category,
            t.state,
            t.status,
            t.tax_code or "",
            t.invoices,
            t.taxable_invoices,
            t.latest_invoice or "",
            "yes" if t.will_fail else "no",
            " ".join(t.steps),
        )


def export_lists(report: ListsReport, folder: str) -> list[str]:
    """Write items.csv, customers.csv and tax.csv into ``folder`` (made if missing; files replaced)."""
    target = Path(folder).expanduser()
    target.mkdir(parents=True, exist_ok=True)
    written = []
    tables = {
        "items": (LIST_COLUMNS, _list_rows(report.items)),
        "customers": (LIST_COLUMNS, _list_rows(report.customers)),
        "tax": (TAX_COLUMNS, _tax_rows(report.tax)),
    }
    for name, (columns, rows) in tables.items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        path = target / FILES[name]
        # utf-8-sig: Excel opens a UTF-8 file with a BOM in the right encoding ("Smith & Sons", "Müller")
        path.write_text(buffer.getvalue(), encoding="utf-8-sig")
        written.append(str(path))
    return written
