"""Evidence from QuickBooks (and Suprata's own settings) for the candidate root causes.

Only what the failures call for is read, always in bulk: one query per entity per 1,000 keys, one CDC call,
the preferences and the company info, run side by side within the realm's limits. Then ``facts_for`` turns
what was read into the classifier's ``Facts`` for one failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from qbsync.clients import query as q
from qbsync.clients import suprata_models as m
from qbsync.clients.attempt_rows import Attempt
from qbsync.clients.qbo import items_named, parallel_named
from qbsync.clients.qbo_models import Item
from qbsync.diagnosis.classifier import Facts
from qbsync.diagnosis.failures import Failure, FailureSet

T = TypeVar("T")

CDC_DAYS = 30  # QuickBooks keeps change data for 30 days
CDC_MAX_OBJECTS = 1000  # and answers with at most this many objects
VOIDABLE = ("Invoice", "Payment")
LINKED_CUSTOMERS_BY_ID = q.MAX_IN_KEYS  # past one lookup's worth, the inactive customers are read instead
CDC_ENTITIES = ("Invoice", "Payment", "Customer", "Item")


@dataclass(frozen=True)
class UnlinkedPayment:
    """A Suprata payment not linked to QuickBooks, as much of it as tells a copy saved by its own push."""

    id: str
    customer_id: str | None
    amount: Decimal | None
    txn_date: date | None
    reference: str | None
    invoice_ids: tuple[str, ...]


def unlinked_payments(payments: Iterable[Any]) -> list[UnlinkedPayment]:
    """Suprata payments (models or status's backlog rows) that have no QuickBooks id."""
    out = []
    for p in payments:
        if getattr(getattr(p, "qbo", None), "qbo_id", None):
            continue
        ids = getattr(p, "applies_to", None) or [a.invoice_id for a in getattr(p, "applied", [])]
        out.append(
            UnlinkedPayment(p.id if hasattr(p, "id") else p.record_id, getattr(p, "customer_id", None),
                            getattr(p, "amount", None), getattr(p, "txn_date", None), getattr(p, "reference", None),
                            tuple(ids))
        )  # fmt: skip
    return out


@dataclass
class Removed:
    """A Suprata invoice or payment whose QuickBooks copy was voided or deleted directly in QuickBooks."""

    record_type: str  # invoice | payment
    record: Any  # the Suprata record
    qbo_id: str
    change: str  # voided | deleted
    when: datetime | None


@dataclass
class Wanted:
    """What a command's own view needs from QuickBooks beyond the evidence (retry's duplicate guard, say),
    asked in the gatherer's one round: names, ids and DocNumbers join the gatherer's own ``IN`` queries, so
    they cost no request of their own; invoices and payments by id and payments by date are one query
    each. QuickBooks ids throughout; dates ISO."""

    customer_names: frozenset[str] = frozenset()
    item_names: frozenset[str] = frozenset()
    customer_ids: frozenset[str] = frozenset()
    item_ids: frozenset[str] = frozenset()
    doc_numbers: frozenset[str] = frozenset()
    invoice_ids: frozenset[str] = frozenset()
    payment_ids: frozenset[str] = frozenset()
    payment_dates: frozenset[str] = frozenset()


@dataclass
class SideReads:
    """What QuickBooks answered for ``Wanted``, kept apart from the evidence the causes are judged on (the
    command decides what of it counts as evidence). ``asked`` is what was asked, found or not."""

    asked: Wanted = field(default_factory=Wanted)
    names: dict[str, list[Any]] = field(default_factory=dict)  # lower-cased DisplayName -> parties
    items_by_name: dict[str, Any] = field(default_factory=dict)  # lower-cased Name -> Item
    customers_by_id: dict[str, Any] = field(default_factory=dict)
    items_by_id: dict[str, Any] = field(default_factory=dict)
    invoices_by_doc: dict[str, list[Any]] = field(default_factory=dict)
    invoices_by_id: dict[str, Any] = field(default_factory=dict)
    payments_by_id: dict[str, Any] = field(default_factory=dict)
    payments_by_date: dict[str, list[Any]] = field(default_factory=dict)  # TxnDate -> payments


@dataclass
class Evidence:
    now: datetime
    timezone: str = "UTC"  # the company's zone: times in the sentences core writes for people are in it
    book_close_date: date | None = None
    company_name: str | None = None
    names: dict[str, list[Any]] = field(default_factory=dict)  # lower-cased DisplayName -> customers/vendors/employees
    items_by_name: dict[str, Any] = field(default_factory=dict)  # lower-cased Name -> Item
    customers_by_id: dict[str, Any] = field(default_factory=dict)
    customers_inactive_only: bool = False  # customers_by_id holds QuickBooks' inactive customers, not the linked ones
    items_by_id: dict[str, Any] = field(default_factory=dict)
    tax_codes: dict[str, Any] = field(default_factory=dict)
    tax_categories: dict[str, m.TaxCategory] = field(default_factory=dict)
    # answers worked out once per reading (``once``: tax states, the shared closed-period and tax causes)
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)
    invoices_by_doc: dict[str, list[Any]] = field(default_factory=dict)
    changes: dict[str, list[Any]] = field(default_factory=dict)  # CDC, per entity
    deleted: set[tuple[str, str]] = field(default_factory=set)  # (entity, id) deleted in QuickBooks
    cdc_since: datetime | None = None
    cdc_truncated: bool = False
    suprata_connection: m.QboConnection | None = None
    duplicate_candidates: dict[str, m.Invoice] = field(default_factory=dict)  # DocNumber -> Suprata invoice
    qbo_only_payments: list[tuple[Any, list[m.Invoice]]] = field(default_factory=list)  # (QBO payment, its invoices)
    # A QuickBooks payment Suprata does not link that repeats one it does (a retry after a timeout saved it
    # again): (the extra copy, the linked one, Suprata's payment, the invoices they pay).
    duplicate_payments: list[tuple[Any, Any, m.Payment, list[m.Invoice]]] = field(default_factory=list)
    # A failing Suprata payment QuickBooks already holds, unlinked (a push saved, its answer lost; the retry was
    # refused because the invoice was then paid): Suprata payment id -> the QuickBooks payment.
    payment_copies: dict[str, Any] = field(default_factory=dict)
    # Suprata records still open whose QuickBooks copy was voided or deleted there, however long ago.
    removed: list[Removed] = field(default_factory=list)
    side: SideReads = field(default_factory=SideReads)  # what the caller also wanted (``gather(also=...)``)

    def once(self, key: Any, make: Callable[[], T]) -> T:
        """``make()``, worked out once per ``key`` for this reading of QuickBooks and Suprata."""
        if key not in self.memo:
            self.memo[key] = make()
        found: T = self.memo[key]
        return found

    def name_holders(self, name: str) -> list[Any]:
        return self.names.get(name.strip().lower(), [])

    def changed(self, entity: str) -> list[Any]:
        return self.changes.get(entity, [])


def gather(
    qbo: Any, suprata: Any, fs: FailureSet, now: datetime, also: Wanted | None = None, *, timezone: str = "UTC"
) -> Evidence:
    """Everything the failures call for, and what ``also`` asks, in one parallel round."""
    ev = Evidence(now=now, timezone=timezone)
    also = also or Wanted()
    ev.side.asked = also
    codes = {f.signal.code for f in fs.failures if f.signal.code}

    # Names are read for every 6240, and for a customer or item whose own creation failed for any reason: a
    # name already taken hides behind a throttled or timed-out create, and is what the retry would meet.
    own_creates = {f.key: f.record for f in fs.failures if f.record is not None and not f.record.qbo.qbo_id}
    customer_names = sorted(
        {c.display_name for c in _colliding(fs, "customer", codes, fs.customers)}
        | {r.display_name for (t, _), r in own_creates.items() if t == "customer" and r.display_name.strip()}
    )
    item_names = sorted(
        {i.name for i in _colliding(fs, "item", codes, fs.items)}
        | {r.name for (t, _), r in own_creates.items() if t == "item"}
    )
    linked_customers = sorted({c.qbo.qbo_id for c in fs.customers.values() if c.qbo.qbo_id})
    linked_items = sorted({i.qbo.qbo_id for i in fs.items.values() if i.qbo.qbo_id})
    # Tax setup is read whenever a failing invoice carries a tax category: a hidden tax gap behind another
    # failure (a lapsed connection, say) is what the next retry would meet.
    wants_tax = any(f.record_type == "invoice" and getattr(f.record, "tax_category_id", None) for f in fs.failures)

    timeouts = {rid for rtype, rid in fs.timeout_records if rtype == "invoice"}
    candidates = [fs.invoices[rid] for rid in timeouts if rid in fs.invoices]  # already read with the failures
    unread = sorted(timeouts - set(fs.invoices))
    if unread:
        candidates += suprata.invoices(ids=unread)
    ev.duplicate_candidates = {i.number: i for i in candidates}
    doc_numbers = sorted(
        set(ev.duplicate_candidates)
        | {f.number for f in fs.failures if f.record_type == "invoice" and f.number and "6140" in codes}
    )
    ev.cdc_since = change_feed_since(now)

    calls: dict[str, Any] = {
        "preferences": qbo.preferences,
        **change_feed_calls(qbo, ev.cdc_since),
        "suprata_connection": suprata.connection,
    }
    # one query per kind of key: the caller's keys join the evidence's own
    ask_names = sorted(set(customer_names) | also.customer_names)
    ask_item_names = sorted(set(item_names) | also.item_names)
    ask_customers = sorted(set(linked_customers) | also.customer_ids)
    ask_items = sorted(set(linked_items) | also.item_ids)
    ask_docs = sorted(set(doc_numbers) | also.doc_numbers)
    if ask_names:
        calls["names"] = lambda: qbo.by_display_names(ask_names)
    if ask_item_names and ask_items:
        # No OR in QuickBooks' query language: the whole item list (a price list, hundreds of items, one page)
        # answers both questions in one request where a lookup by name and one by id take two.
        calls["items"] = lambda: qbo.query("SELECT * FROM Item WHERE Active IN (true, false)")
    elif ask_item_names:
        calls["items_by_name"] = lambda: qbo.items_by_name(ask_item_names)
    elif ask_items:
        calls["items_by_id"] = lambda: qbo.by_ids("Item", ask_items)
    ev.customers_inactive_only = len(linked_customers) > LINKED_CUSTOMERS_BY_ID
    if ev.customers_inactive_only:
        # More linked customers than one lookup holds: read the inactive ones, a list read of one page or a few,
        # instead of one request per 1,000 linked ids. QuickBooks never deletes a customer (it deactivates
        # it, and the change feed has the deletions of the last 30 days), so a linked one not among them is
        # active. The caller's own few are still looked up by id.
        calls["inactive_customers"] = lambda: {
            row.id: row for row in qbo.query("SELECT * FROM Customer WHERE Active = false") if row.id
        }
        if also.customer_ids:
            calls["customers_by_id"] = lambda: qbo.by_ids("Customer", sorted(also.customer_ids))
    elif ask_customers:
        calls["customers_by_id"] = lambda: qbo.by_ids("Customer", ask_customers)
    if wants_tax:
        calls["tax_codes"] = lambda: qbo.query("SELECT * FROM TaxCode WHERE Active IN (true, false)")
        calls["tax_categories"] = suprata.tax_categories
    if ask_docs:
        calls["invoices_by_doc"] = lambda: qbo.invoices_by_doc_numbers(ask_docs)
    if also.invoice_ids:
        calls["invoices_by_id"] = lambda: qbo.by_ids("Invoice", sorted(also.invoice_ids))
    if also.payment_ids:
        calls["payments_by_id"] = lambda: qbo.by_ids("Payment", sorted(also.payment_ids))
    if also.payment_dates:
        dates = sorted(also.payment_dates)
        calls["payments_by_date"] = lambda: [
            row for s in q.chunked_in(q.select("Payment"), "TxnDate", dates) for row in qbo.query(s)
        ]

    results = parallel_named(qbo, calls)

    prefs = results["preferences"]
    ev.book_close_date = _close_date(prefs)
    ev.suprata_connection = results["suprata_connection"]
    ev.company_name = _company_name(qbo, ev.suprata_connection)
    # the evidence keeps what it asked for itself; the caller's share goes to ``ev.side``
    own_names = {n.strip().lower() for n in customer_names}
    side_names = {n.strip().lower() for n in also.customer_names}
    for name, rows in results.get("names", {}).items():
        key = name.strip().lower()
        for table, wanted in ((ev.names, own_names), (ev.side.names, side_names)):
            if key in wanted:
                table.setdefault(key, []).extend(rows)
    if "items" in results:  # the whole list: keep what the two lookups would have found
        wanted_ids = set(ask_items)
        results["items_by_name"] = items_named(results["items"], ask_item_names)
        results["items_by_id"] = {r.id: r for r in results["items"] if isinstance(r, Item) and r.id in wanted_ids}
    found_items = {k.strip().lower(): v for k, v in results.get("items_by_name", {}).items()}
    ev.items_by_name = _only(found_items, {n.strip().lower() for n in item_names})
    ev.side.items_by_name = _only(found_items, {n.strip().lower() for n in also.item_names})
    own_customers = results["inactive_customers"] if ev.customers_inactive_only else results.get("customers_by_id", {})
    ev.customers_by_id = _only(own_customers, set(linked_customers))
    ev.side.customers_by_id = _only(results.get("customers_by_id", {}), set(also.customer_ids))
    ev.items_by_id = _only(results.get("items_by_id", {}), set(linked_items))
    ev.side.items_by_id = _only(results.get("items_by_id", {}), set(also.item_ids))
    ev.side.invoices_by_id = results.get("invoices_by_id", {})
    ev.side.payments_by_id = results.get("payments_by_id", {})
    for row in results.get("payments_by_date", []):
        if row.txn_date is not None:
            ev.side.payments_by_date.setdefault(row.txn_date.isoformat(), []).append(row)
    ev.tax_codes = {row.id: row for row in results.get("tax_codes", []) if getattr(row, "id", None)}
    ev.tax_categories = {c.id: c for c in results.get("tax_categories", [])}
    by_doc = results.get("invoices_by_doc", {})
    ev.invoices_by_doc = _only(by_doc, set(doc_numbers))
    ev.side.invoices_by_doc = _only(by_doc, set(also.doc_numbers))
    read_change_feed(suprata, ev, results["cdc"], results["old_voids"], unlinked_payments(fs.payments.values()))
    return ev


def _only(found: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    return {k: v for k, v in found.items() if k in keys}


def _company_name(qbo: Any, conn: m.QboConnection | None) -> str | None:
    """The company's name as Suprata's connection to the same company holds it; QuickBooks is asked (one
    request) only when Suprata does not know it or is connected to another company."""
    if conn is not None and conn.company_name and conn.realm_id in (None, getattr(qbo, "realm_id", None)):
        return conn.company_name
    return getattr(qbo.company_info(), "company_name", None)


# --- what was done directly in QuickBooks: one change-feed call and one /batch, shared by diagnose and status ---


def change_feed_since(now: datetime) -> datetime:
    """The whole window QuickBooks keeps (a payment entered directly in QuickBooks can predate every
    failure), less a margin so the call is never refused as too old."""
    return now - timedelta(days=CDC_DAYS) + timedelta(minutes=5)


def change_feed_calls(qbo: Any, since: datetime) -> dict[str, Any]:
    """The two reads that find direct QuickBooks edits: the change feed, and voids older than it (QuickBooks
    keeps a voided transaction with a zero total; both queries go in one /batch request). Every command
    asks them with the same arguments, so one ``check`` run asks them once (``health/read_once.py``)."""
    before = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    old_voids = [f"SELECT * FROM {e} WHERE TotalAmt = '0' AND MetaData.LastUpdatedTime < '{before}'" for e in VOIDABLE]
    return {"cdc": lambda: qbo.cdc(CDC_ENTITIES, since), "old_voids": lambda: qbo.batch(old_voids)}


def read_change_feed(
    suprata: Any,
    ev: Evidence,
    changes: dict[str, list[Any]],
    old_voids: list[Any],
    unlinked: Iterable[UnlinkedPayment] = (),
) -> None:
    """What the change feed and the old voids say, into ``ev``: deletions, payments entered or saved twice
    in QuickBooks (or saved once for one of the ``unlinked`` Suprata payments whose push failed), and
    Suprata's open records whose QuickBooks copy was voided or deleted there."""
    ev.changes = changes
    ev.cdc_truncated = sum(len(rows) for rows in ev.changes.values()) >= CDC_MAX_OBJECTS
    for entity, rows in ev.changes.items():
        for row in rows:
            if getattr(row, "status", None) == "Deleted":
                ev.deleted.add((entity, row.id))
    ev.qbo_only_payments, ev.duplicate_payments, ev.payment_copies = _qbo_only_payments(suprata, ev, list(unlinked))
    voids = {e: r.rows for e, r in zip(VOIDABLE, old_voids, strict=False) if r.ok}
    ev.removed = _removed(suprata, ev, voids)


def _qbo_only_payments(
    suprata: Any, ev: Evidence, unlinked: list[UnlinkedPayment]
) -> tuple[list[tuple[Any, list[m.Invoice]]], list[tuple[Any, Any, m.Payment, list[m.Invoice]]], dict[str, Any]]:
    """Live QuickBooks payments (from the CDC already read) that no Suprata payment is linked to. Entered
    directly in QuickBooks; or a second copy of a payment Suprata did push: same customer, amount, date and
    reference as a linked one (a retry after a timeout that QuickBooks had in fact saved); or the only copy of
    a failing Suprata payment (the retry was refused: the saved copy had already paid the invoice)."""
    live = [p for p in ev.changed("Payment") if getattr(p, "status", None) != "Deleted" and not _voided(p)]
    if not live:
        return [], [], {}
    linked = {p.qbo.qbo_id: p for p in suprata.by_qbo_ids("payment", [p.id for p in live])}
    unknown = [p for p in live if p.id not in linked]
    if not unknown:
        return [], [], {}
    invoice_ids = {
        t.txn_id for p in unknown for line in (p.line or []) for t in line.linked_txn if t.txn_type == "Invoice"
    }
    invoices = {i.qbo.qbo_id: i for i in suprata.by_qbo_ids("invoice", sorted(invoice_ids))} if invoice_ids else {}
    by_id = {p.id: p for p in live}
    only: list[tuple[Any, list[m.Invoice]]] = []
    copies: list[tuple[Any, Any, m.Payment, list[m.Invoice]]] = []
    copies_of: dict[str, Any] = {}  # Suprata payment id -> the QuickBooks payment its own push saved
    for payment in unknown:
        paid = [invoices[t.txn_id] for line in (payment.line or []) for t in line.linked_txn if t.txn_id in invoices]
        if not paid:  # a payment for an invoice Suprata never had is QuickBooks' own business
            continue
        twin = next((by_id[q] for q in linked if q in by_id and same_payment(payment, by_id[q])), None)
        own = next((p for p in unlinked if p.id not in copies_of and _is_copy_of(payment, p, paid)), None)
        if twin is not None:
            copies.append((payment, twin, linked[twin.id], paid))
        elif own is not None:
            copies_of[own.id] = payment
        else:
            only.append((payment, paid))
    return only, copies, copies_of


def _is_copy_of(row: Any, p: UnlinkedPayment, paid: list[m.Invoice]) -> bool:
    """QuickBooks payment ``row`` is Suprata payment ``p`` saved by its own push: it pays one of ``p``'s
    invoices (so it names the same customer: QuickBooks links no other), with the same amount, date and
    reference (Suprata sends its reference as PaymentRefNum; one entered by hand seldom matches all three)."""
    sent_ref = (p.reference or "")[:21] or None
    return (
        row.total_amt is not None
        and p.amount is not None
        and (getattr(row, "payment_ref_num", None) or None) == sent_ref
        and Decimal(str(row.total_amt)) == Decimal(str(p.amount))
        and p.txn_date is not None
        and str(row.txn_date) == p.txn_date.isoformat()
        and any(i.id in p.invoice_ids and i.customer_id == p.customer_id for i in paid)
    )


def _removed(suprata: Any, ev: Evidence, old_voids: dict[str, list[Any]]) -> list[Removed]:
    """Suprata's open invoices and payments whose QuickBooks copy was voided or deleted in QuickBooks: from
    the change feed for the last 30 days, and from zero-total voided rows for anything older."""
    found: dict[tuple[str, str], tuple[str, datetime | None]] = {}
    for entity in ("Invoice", "Payment"):
        rows = [*ev.changed(entity), *old_voids.get(entity, [])]
        for row in rows:
            deleted = getattr(row, "status", None) == "Deleted"
            if deleted or _voided(row):
                when = getattr(getattr(row, "meta_data", None), "last_updated_time", None)
                found.setdefault((entity, row.id), ("deleted" if deleted else "voided", when))
    out: list[Removed] = []
    for entity, rtype in (("Invoice", "invoice"), ("Payment", "payment")):
        ids = sorted(qid for e, qid in found if e == entity)
        if not ids:
            continue
        for record in suprata.by_qbo_ids(rtype, ids):
            if rtype == "invoice" and getattr(record, "status", None) == "void":
                continue  # voided on both sides: they agree
            change, when = found[(entity, record.qbo.qbo_id)]
            out.append(Removed(rtype, record, record.qbo.qbo_id, change, when))
    return out


def same_payment(a: Any, b: Any) -> bool:
    """Two QuickBooks payments that are one payment saved twice: same customer, amount, date and reference."""
    ref = getattr(a.customer_ref, "value", None)
    return (
        a.id != b.id
        and ref is not None
        and ref == getattr(b.customer_ref, "value", None)
        and a.total_amt == b.total_amt
        and a.txn_date == b.txn_date
        and (a.payment_ref_num or None) == (b.payment_ref_num or None)
    )


def _colliding(fs: FailureSet, rtype: str, codes: set[str], table: dict[str, Any]) -> list[Any]:
    """Suprata records of ``rtype`` whose creation may have hit a name collision (6240)."""
    if "6240" not in codes:
        return []
    out = []
    for f in fs.failures:
        if f.signal.code != "6240" or (f.signal.qbo_entity or f.record_type).lower() != rtype:
            continue
        if f.record_type == rtype and f.record is not None:
            out.append(f.record)
        elif rtype == "customer" and f.customer_id in table:
            out.append(table[f.customer_id])
        elif rtype == "item" and f.record_type == "invoice" and f.record is not None:
            out.extend(
                table[line.item_id]
                for line in f.record.lines
                if line.item_id in table and not table[line.item_id].qbo.qbo_id
            )
    return out


def close_date_of(prefs: Any) -> date | None:
    """The books close date in QuickBooks' preferences (None when the books are not closed)."""
    return _close_date(prefs)


def _close_date(prefs: Any) -> date | None:
    info = getattr(prefs, "accounting_info_prefs", None)
    value = getattr(info, "book_close_date", None) if info is not None else None
    if value is None and isinstance(prefs, dict):
        value = prefs.get("AccountingInfoPrefs", {}).get("BookCloseDate")
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


# --- facts for one failure ------------------------------------------------------------------------------


def facts_for(f: Failure, fs: FailureSet, ev: Evidence) -> Facts:
    record = f.record
    customer = fs.customers.get(f.customer_id or "") if f.record_type in ("invoice", "payment") else None
    if f.record_type == "customer":
        customer = record
    facts: dict[str, Any] = {
        "book_close_date": ev.book_close_date,
        "record_txn_date": getattr(record, "txn_date", None),
        "failing_since": failing_since(f),
        "now": ev.now,
        "connection_state": _connection_state(ev.suprata_connection),
    }
    if customer is not None:
        facts["customer_state"] = customer_state(customer, ev)
        if not customer.qbo.qbo_id:
            facts["name_conflict_with"] = _name_conflict(customer.display_name, ev)
    if f.record_type == "item" and record is not None:
        facts["item_conflict"] = _item_conflict(record, ev)
    if f.record_type == "invoice" and record is not None:
        item_ids = item_ids_of(record)
        known = ev.memo.get(("item facts", item_ids))
        if known is None or known[0] is not fs.items:  # once per list of items, for this set's items
            known = ev.memo[("item facts", item_ids)] = (fs.items, _item_facts(item_ids, fs, ev))
        facts.update(known[1])
        if ev.tax_categories:
            facts["tax_code_state"] = tax_state(record, ev)[0]
        if record.number in ev.invoices_by_doc:
            facts["qbo_duplicate_count"] = len(live_copies(ev.invoices_by_doc[record.number]))
    if f.record_type == "payment" and record is not None:
        facts["linked_txn_deleted"] = bool(deleted_invoices(record, fs, ev))
    return Facts(**facts)  # a fact left None is not known, as one never set


def item_ids_of(invoice: m.Invoice) -> tuple[str, ...]:
    """An invoice's items, line by line: the key of what is worked out once per list of items."""
    return tuple([line.item_id for line in invoice.lines])


def _item_facts(item_ids: tuple[str, ...], fs: FailureSet, ev: Evidence) -> dict[str, Any]:
    """What an invoice's items say: the same for every invoice of one list of items, so worked out once each."""
    facts: dict[str, Any] = {}
    items = [fs.items[item_id] for item_id in item_ids if item_id in fs.items]
    unlinked = [i for i in items if not i.qbo.qbo_id]
    if unlinked:
        facts["item_conflict"] = any(_item_conflict(i, ev) for i in unlinked)
    linked = [ev.items_by_id.get(i.qbo.qbo_id or "") for i in items if i.qbo.qbo_id]
    facts["item_inactive"] = any(q is not None and q.active is False for q in linked) if linked else None
    return facts


TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


def _transient(attempt: Attempt | m.SyncAttempt) -> bool:
    e = attempt.error
    return e is not None and (e.kind in ("timeout", "connection") or e.http_status in TRANSIENT_STATUSES)


def failing_since(f: Failure) -> datetime:
    """When the record's current kind of trouble began. For a transient failure that is the first of the
    unbroken run of transient failures it ends, so an older failure of another kind (a closed period fixed
    since, say) does not make a fresh throttle look like it "persisted over a day"."""
    if not _transient(f.latest):
        return f.first_failed_at
    since = f.latest.attempted_at
    for attempt in reversed(f.streak):
        if not _transient(attempt):
            break
        since = attempt.attempted_at
    return since


def _connection_state(conn: m.QboConnection | None) -> str | None:
    if conn is None:
        return None
    if conn.status in ("expired", "revoked"):
        return conn.status
    return "ok"


def customer_state(customer: m.Customer, ev: Evidence) -> str:
    qbo_id = customer.qbo.qbo_id
    if not qbo_id:
        return "missing"
    if ("Customer", qbo_id) in ev.deleted:
        return "deleted"
    qbo_customer = ev.customers_by_id.get(qbo_id)
    if qbo_customer is None:
        return "missing" if ev.customers_by_id and not ev.customers_inactive_only else "ok"
    return "inactive" if qbo_customer.active is False else "ok"


def _name_conflict(name: str, ev: Evidence) -> str | None:
    holders = ev.name_holders(name)
    if not holders:
        return "none" if ev.names or name else None
    kinds = {type(h).__name__.lower() for h in holders}
    for kind in ("vendor", "employee", "customer"):
        if kind in kinds:
            return kind
    return None


def _item_conflict(item: m.Item, ev: Evidence) -> bool | None:
    if not ev.items_by_name:
        return None
    qbo_item = ev.items_by_name.get(item.name.strip().lower())
    return qbo_item is not None and qbo_item.id != item.qbo.qbo_id


TaxState = tuple[str, "m.TaxCategory | None", "m.TaxMapping | None"]


def tax_state(invoice: m.Invoice, ev: Evidence) -> TaxState:
    """The tax setup an invoice would be pushed with: the same for every invoice of one category and state, so
    worked out once per pair (and again if the evidence's tables are replaced)."""
    memo = ev.memo
    tables = memo.get("tax tables")
    if tables is None or tables[0] is not ev.tax_categories or tables[1] is not ev.tax_codes:
        for key in [k for k in memo if isinstance(k, tuple) and k[0] in ("tax state", "tax cause")]:
            del memo[key]
        memo["tax tables"] = (ev.tax_categories, ev.tax_codes)
    return ev.once(("tax state", invoice.tax_category_id, invoice.service_state), lambda: _tax_state(invoice, ev))


def _tax_state(invoice: m.Invoice, ev: Evidence) -> TaxState:
    category = ev.tax_categories.get(invoice.tax_category_id or "")
    if category is None:
        return ("ok", None, None)
    mapping = next((mp for mp in category.mappings if mp.state == invoice.service_state), None)
    if mapping is None or not mapping.qbo_tax_code_id:
        return ("unmapped", category, mapping)
    code = ev.tax_codes.get(mapping.qbo_tax_code_id)
    if code is None:
        return ("missing", category, mapping)
    if getattr(code, "active", True) is False:
        return ("inactive", category, mapping)
    return ("ok", category, mapping)


def deleted_invoices(payment: m.Payment, fs: FailureSet, ev: Evidence) -> list[m.Invoice]:
    """The Suprata invoices ``payment`` applies to whose QuickBooks copy was deleted in QuickBooks."""
    out = []
    for applied in payment.applied:
        invoice = fs.invoices.get(applied.invoice_id)
        if invoice is not None and invoice.qbo.qbo_id and ("Invoice", invoice.qbo.qbo_id) in ev.deleted:
            out.append(invoice)
    return out


def live_copies(invoices: list[Any]) -> list[Any]:
    """QuickBooks invoices that still count: voided ones keep their number but carry no amount."""
    return [i for i in invoices if not _voided(i)]


def _voided(row: Any) -> bool:
    """``Invoice.voided`` / ``Payment.voided`` of the QuickBooks models; other rows are never voided."""
    return bool(getattr(row, "voided", False))
