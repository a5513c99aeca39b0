"""Pre-flight checks: problems that have not failed yet but will.

- refresh tokens (both connections) expiring within ``token_warn_days``;
- unsynced invoices and payments dated on or before the books close date, or within ``close_window_days``
  after it (the next close would refuse them);
- Suprata tax categories and states with no QuickBooks tax code, or one that is missing or inactive;
- unlinked Suprata items whose name an existing QuickBooks item already holds;
- unlinked Suprata customers whose display name a QuickBooks vendor or employee already holds;
- failures still classed transient after ``transient_max_hours``;
- a backlog growing week over week (from the check history).

QuickBooks is read in bulk: one query per entity per 1,000 keys, side by side within the realm's limits.
Records already in the diagnosis plan are left out (the plan covers them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from qbsync.clients import query as q
from qbsync.diagnosis.evidence import SideReads, Wanted
from qbsync.diagnosis.report import ConnectionView, DiagnosisReport
from qbsync.health.history import Trend
from qbsync.health.status import StatusReport, Thresholds
from qbsync.wording import plural

if TYPE_CHECKING:
    from qbsync.services import Services

UNLINKED_STATES = ("not_synced", "failed", "pending")
MAX_LISTED = 20


@dataclass
class Risk:
    kind: str  # token_expiring | connection_expired | closed_period | near_close_date | tax_code | item_name |
    #            customer_name | stale_transient | backlog_growing
    severity: str  # warning | critical
    title: str
    fix: str
    count: int = 1
    records: list[str] = field(default_factory=list)  # numbers or names (at most MAX_LISTED)


def token_risks(connections: list[ConnectionView], thresholds: Thresholds) -> list[Risk]:
    out = []
    for c in connections:
        who = "Suprata's QuickBooks connection" if c.who == "suprata" else "qbsync's own QuickBooks connection"
        fix = (
            "open Suprata's QuickBooks settings and reconnect (or let Suprata sync something: a sync refreshes it)"
            if c.who == "suprata"
            else "run 'qbsync reconnect'"
        )
        if c.status in ("expired", "revoked", "disconnected"):
            out.append(Risk("connection_expired", "critical", f"{who} is {c.status}", c.reconnect or fix))
        elif c.status == "connected" and c.days_left is not None and c.days_left <= thresholds.token_warn_days:
            when = c.refresh_token_expires_at.strftime("%Y-%m-%d") if c.refresh_token_expires_at else "?"
            out.append(
                Risk(
                    "token_expiring",
                    "warning",
                    f"{who}: refresh token expires in {plural(c.days_left, 'day')} ({when})",
                    fix,
                )
            )
    return out


def close_date_risks(
    status: StatusReport, in_plan: set[tuple[str, str]], close: date | None, thresholds: Thresholds
) -> list[Risk]:
    if close is None:
        return []
    before, after = [], []
    horizon = close + timedelta(days=thresholds.close_window_days)
    for r in sorted(status.backlog.records, key=lambda r: (r.txn_date or date.max, r.number)):
        if (r.record_type, r.record_id) in in_plan or r.txn_date is None:
            continue
        label = f"{r.record_type} {r.number} ({r.txn_date}, {r.state.replace('_', ' ')})"
        if r.txn_date <= close:
            before.append(label)
        elif r.txn_date <= horizon:
            after.append(label)
    out = []
    if before:
        out.append(
            Risk(
                "closed_period",
                "warning",
                f"{plural(len(before), 'unsynced record')} dated on or before the books close date {close}: "
                "QuickBooks will refuse them",
                "ask the bookkeeper to reopen the period briefly, or re-date the records in Suprata, before they sync",
                len(before),
                before[:MAX_LISTED],
            )
        )
    if after:
        out.append(
            Risk(
                "near_close_date",
                "warning",
                f"{plural(len(after), 'unsynced record')} dated within {plural(thresholds.close_window_days, 'day')} after the books "
                f"close date {close}: the next close would refuse them",
                "get them synced before the bookkeeper closes the next period",
                len(after),
                after[:MAX_LISTED],
            )
        )
    return out


def stale_transient_risks(diagnosis: DiagnosisReport, now: datetime, thresholds: Thresholds) -> list[Risk]:
    limit = now - timedelta(hours=thresholds.transient_max_hours)
    stale = [c for c in diagnosis.root_causes if c.pattern == "P7" and c.first_seen and c.first_seen < limit]
    if not stale:
        return []
    records = [f"{r.record_type} {r.number or r.record_id}" for c in stale for r in c.records]
    return [
        Risk(
            "stale_transient",
            "warning",
            f"{plural(len(records), 'record')} still failing as 'transient' after more than "
            f"{thresholds.transient_max_hours} hours",
            "a transient failure should clear within hours: escalate to Suprata support with the intuit_tid values",
            len(records),
            records[:MAX_LISTED],
        )
    ]


def backlog_risk(trend: Trend, backlog_now: int) -> list[Risk]:
    if not trend.backlog_growing or trend.week_ago is None:
        return []
    then = trend.week_ago
    return [
        Risk(
            "backlog_growing",
            "warning",
            f"the backlog grew from {then.backlog:,} to {plural(backlog_now, 'unsynced record')} since "
            f"{then.ran_at.strftime('%Y-%m-%d')}",
            "work through the plan; a growing backlog becomes an A/R reconciliation problem",
            backlog_now - then.backlog,
        )
    ]


@dataclass
class AheadLists:
    """What Suprata holds that the look-ahead judges: its tax categories, and the items and customers not
    linked to QuickBooks yet (the records a first push will create)."""

    categories: list[Any]
    items: list[Any]
    customers: list[Any]

    def wanted(self) -> Wanted:
        """Their names, for diagnose's one QuickBooks round (``gather(also=...)``): every unlinked one, since
        which of them the plan already covers is known only after it."""
        return Wanted(
            customer_names=frozenset(c.display_name for c in self.customers if c.display_name),
            item_names=frozenset(i.name for i in self.items if i.name),
        )


def read_ahead_lists(suprata: Any) -> AheadLists:
    """The tax categories, and the customers and items not in QuickBooks: one paged list each
    (``unsynced=true``), grouped by state in ``UNLINKED_STATES`` order as the lists per state were.

    The items come from the whole price list when one page holds it (most do): one request either way, and
    within a check it also answers diagnose's read of the failing invoices' items by id. A longer list
    costs that page more."""
    categories = suprata.tax_categories()
    catalog, whole = suprata.item_catalog()
    items = _by_state(catalog if whole else suprata.not_in_quickbooks("item"))
    customers = _by_state(suprata.not_in_quickbooks("customer"))
    return AheadLists(
        categories,
        _unique([i for i in items if not i.qbo.qbo_id]),
        _unique([c for c in customers if not c.qbo.qbo_id]),
    )


def _by_state(rows: list[Any]) -> list[Any]:
    return [r for state in UNLINKED_STATES for r in rows if r.qbo.state == state]


def lookahead_risks(services: Services, in_plan: set[tuple[str, str]]) -> list[Risk]:
    """Tax codes, item names and customer names, read in bulk from Suprata and QuickBooks (a round of its own)."""
    qbo = services.qbo
    lists = read_ahead_lists(services.suprata)
    items, customers = _not_in_plan(lists, in_plan)
    item_names = sorted({i.name for i in items})
    customer_names = sorted({c.display_name for c in customers})
    calls: dict[str, Any] = {}
    if _maps_tax_codes(lists.categories):
        calls["tax_codes"] = lambda: qbo.query(TAX_CODES)
    if item_names:
        calls["items"] = lambda: qbo.items_by_name(item_names)
    for entity in ("Vendor", "Employee"):
        if customer_names:
            calls[entity] = lambda entity=entity: _names(qbo, entity, customer_names)
    results = dict(zip(calls, qbo.parallel(list(calls.values())), strict=True)) if calls else {}
    qbo_items = {k.strip().lower(): v for k, v in (results.get("items") or {}).items()}
    holders: dict[str, str] = {}
    for entity in ("Vendor", "Employee"):
        for name in results.get(entity) or []:
            holders.setdefault(name.strip().lower(), entity.lower())
    return _ahead_risks(lists.categories, items, customers, results.get("tax_codes"), qbo_items, holders)


def lookahead_risks_from(qbo: Any, lists: AheadLists, in_plan: set[tuple[str, str]], side: SideReads) -> list[Risk]:
    """The same risks from what diagnose's round read for ``lists.wanted()`` (``side``); the tax codes are
    diagnose's own question, asked through the run's one reader (``health/read_once.py``)."""
    items, customers = _not_in_plan(lists, in_plan)
    asked = {c.display_name.strip().lower() for c in customers}
    holders: dict[str, str] = {}
    for entity in ("Vendor", "Employee"):  # as the look-ahead's own round: a vendor's name first
        for rows in side.names.values():
            for row in rows:
                name = (getattr(row, "display_name", None) or "").strip().lower()
                # the spelling asked, not QuickBooks' "<name> (deleted)", as the own round's lookup finds it
                if type(row).__name__ == entity and name in asked:
                    holders.setdefault(name, entity.lower())
    codes = qbo.query(TAX_CODES) if _maps_tax_codes(lists.categories) else None
    return _ahead_risks(lists.categories, items, customers, codes, side.items_by_name, holders)


TAX_CODES = "SELECT * FROM TaxCode WHERE Active IN (true, false)"  # diagnose's question, word for word


def _maps_tax_codes(categories: list[Any]) -> bool:
    return any(m.qbo_tax_code_id for cat in categories for m in cat.mappings)


def _not_in_plan(lists: AheadLists, in_plan: set[tuple[str, str]]) -> tuple[list[Any], list[Any]]:
    """Records already in the diagnosis plan are left out (the plan covers them)."""
    return (
        [i for i in lists.items if ("item", i.id) not in in_plan],
        [c for c in lists.customers if ("customer", c.id) not in in_plan],
    )


def _ahead_risks(
    categories: list[Any],
    items: list[Any],
    customers: list[Any],
    tax_codes: list[Any] | None,
    qbo_items: dict[str, Any],
    holders: dict[str, str],
) -> list[Risk]:
    """``qbo_items``: lower-cased item name -> the QuickBooks item holding it; ``holders``: lower-cased
    display name -> the kind of QuickBooks record (vendor, employee) holding it."""
    out = _tax_risks(categories, tax_codes)
    taken_items = [i for i in items if i.name.strip().lower() in qbo_items]
    if taken_items:
        names = [f"{i.name} ({i.sku})" for i in taken_items]
        out.append(
            Risk(
                "item_name",
                "warning",
                f"{plural(len(taken_items), 'Suprata item')} not linked to QuickBooks share{'s' if len(taken_items) == 1 else ''} a name with an existing "
                "QuickBooks item: their first sync will fail (6240)",
                "link each item to the existing QuickBooks item in Suprata's item settings (or rename one)",
                len(taken_items),
                names[:MAX_LISTED],
            )
        )
    taken = [c for c in customers if c.display_name.strip().lower() in holders]
    if taken:
        names = [
            f"{c.display_name} ({c.number}; a QuickBooks {holders[c.display_name.strip().lower()]})" for c in taken
        ]
        out.append(
            Risk(
                "customer_name",
                "warning",
                f"{plural(len(taken), 'Suprata customer')} not yet in QuickBooks {'has' if len(taken) == 1 else 'have'} a name a QuickBooks vendor or employee "
                "already uses: their first invoice will fail (6240)",
                "rename the customer in Suprata (e.g. add ' (customer)') before it syncs",
                len(taken),
                names[:MAX_LISTED],
            )
        )
    return out


def _names(qbo: Any, entity: str, names: list[str]) -> list[str]:
    """Display names ``entity`` rows hold among ``names``: one query per 1,000 names."""
    found: list[str] = []
    base = q.select(entity).in_("Active", (True, False))
    for stmt in q.chunked_in(base, "DisplayName", names):
        found.extend(getattr(row, "display_name", None) or "" for row in qbo.query(stmt))
    return [n for n in found if n]


def _tax_risks(categories: list[Any], codes: list[Any] | None) -> list[Risk]:
    by_id = {getattr(c, "id", None): c for c in codes or []}
    problems: list[str] = []
    for cat in categories:
        for m in cat.mappings:
            where = f"{cat.name} in {m.state}"
            if not m.qbo_tax_code_id:
                problems.append(f"{where}: no QuickBooks tax code")
            elif m.qbo_tax_code_id not in by_id:
                problems.append(f"{where}: tax code {m.qbo_tax_code_name or m.qbo_tax_code_id} is not in QuickBooks")
            elif getattr(by_id[m.qbo_tax_code_id], "active", True) is False:
                problems.append(f"{where}: tax code {m.qbo_tax_code_name or m.qbo_tax_code_id} is inactive")
    if not problems:
        return []
    return [
        Risk(
            "tax_code",
            "warning",
            f"{plural(len(problems), 'Suprata tax category/state mapping')} without a usable QuickBooks tax code: "
            "taxable invoices there will fail",
            "map each state to an active QuickBooks tax code in Suprata's tax settings",
            len(problems),
            problems[:MAX_LISTED],
        )
    ]


def _unique(rows: list[Any]) -> list[Any]:
    seen: dict[str, Any] = {}
    for r in rows:
        seen.setdefault(r.id, r)
    return list(seen.values())
