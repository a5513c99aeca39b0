"""Pre-flight: decide, per record and with fresh evidence, whether a retry can help now.

The failures are read again from Suprata and classified again by the diagnosis layer against what
QuickBooks holds right now. On top of that classification every record gets the checks that decide a retry:

- the duplicate guard: a record Suprata has not linked is looked up in QuickBooks (invoices by DocNumber,
  amount, customer and date; payments by customer, date and amount; customers and items by name). Found:
  no retry, because Suprata would create a second copy; the link is what is missing;
- the cause must be gone: the customer's name still held by a vendor, the item still colliding, the period
  still closed, the tax code still unmapped, Suprata's connection still down: no retry, fix that first;
- dependencies first: a customer or item Suprata never created is retried before the invoice that needs it,
  an invoice before its payments; a record waits when what it depends on cannot go;
- the retry loop guard: a record qbsync already retried for this same cause is refused unless ``--force``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from qbsync.clients import suprata_models as m
from qbsync.clock import parse_iso
from qbsync.diagnosis import blockers as bl
from qbsync.diagnosis.evidence import Evidence, Wanted, gather
from qbsync.diagnosis.failures import Failure, FailureSet, error_signature, load_failures
from qbsync.diagnosis.planner import analyse, classify_all, record_amount
from qbsync.diagnosis.report import RootCause
from qbsync.retrying.history import RetryHistory
from qbsync.retrying.models import TYPE_ORDER, PlanRecord, RetryReport
from qbsync.retrying.targets import Selection, resolve_refs
from qbsync.wording import company_timezone, local_time, plural

DELETED_SUFFIX = " (deleted)"


@dataclass
class Lookups:
    """What QuickBooks holds now for the records of the plan (bulk reads only)."""

    customers_by_id: dict[str, Any] = field(default_factory=dict)
    names: dict[str, list[Any]] = field(default_factory=dict)  # lower-cased DisplayName -> parties
    items_by_id: dict[str, Any] = field(default_factory=dict)
    items_by_name: dict[str, Any] = field(default_factory=dict)  # lower-cased Name -> Item
    invoices_by_id: dict[str, Any] = field(default_factory=dict)
    invoices_by_doc: dict[str, list[Any]] = field(default_factory=dict)
    payments_by_id: dict[str, Any] = field(default_factory=dict)
    payments_by_date: dict[str, list[Any]] = field(default_factory=dict)  # TxnDate -> payments


@dataclass
class Context:
    services: Any
    fs: FailureSet
    ev: Evidence
    lk: Lookups
    history: RetryHistory
    force: bool
    records: dict[tuple[str, str], Any]  # every Suprata record the plan touches
    failures: dict[tuple[str, str], Failure]
    causes: dict[tuple[str, str], RootCause]
    blockers: dict[tuple[str, str], bl.Blocker] = field(default_factory=dict)
    rows: dict[tuple[str, str], PlanRecord] = field(default_factory=dict)
    repeat_limit: int = 1  # retries by qbsync for one cause before it refuses without --force


def build_plan(services: Any, selection: Selection, *, force: bool = False, repeat_limit: int = 1) -> RetryReport:
    from qbsync.retrying.executor import settle_open_retries

    suprata, qbo = services.suprata, services.qbo
    history = RetryHistory(services.data_dir, services.profile)
    settle_open_retries(services, history)  # what became of retries sent earlier (e.g. with --no-wait)
    now = services.clock.now()
    fs = load_failures(suprata)
    records: dict[tuple[str, str], Any] = {}
    for rtype, table in (("customer", fs.customers), ("item", fs.items), ("invoice", fs.invoices)):
        records.update({(rtype, rid): rec for rid, rec in table.items()})
    records.update({("payment", pid): p for pid, p in fs.payments.items()})
    failures = {f.key: f for f in fs.failures}

    requested: list[tuple[str, str]] = []
    unsafe: set[tuple[str, str]] = set()  # --all-safe: shown with their cause, never sent
    if selection.refs:
        for rtype, rec in resolve_refs(suprata, selection.refs):
            records[(rtype, rec.id)] = rec
            requested.append((rtype, rec.id))
        _fetch_dependencies(suprata, records, requested)
        relevant = set(_closure(records, requested))
        subset = [f for f in fs.failures if f.key in relevant]
    else:
        subset = list(fs.failures)
    for f in subset:
        if f.record is None:
            f.record = records.get(f.key)

    sub = FailureSet(
        subset,
        {rid: r for (t, rid), r in records.items() if t == "customer"},
        {rid: r for (t, rid), r in records.items() if t == "item"},
        {rid: r for (t, rid), r in records.items() if t == "invoice"},
        {rid: r for (t, rid), r in records.items() if t == "payment"},
        [],
        fs.timeout_records,
        fs.failed_attempts_seen,
    )
    # The duplicate guard's lookups go in the gatherer's one round when the plan's records are known before
    # the causes are (named records, or every failure for --all-safe): no QuickBooks read of their own. A
    # selection by pattern is known only once classified; its guard reads afterwards what gather did not.
    also = None
    if selection.refs or selection.all_safe:
        if not selection.refs:
            _fetch_dependencies(suprata, records, [f.key for f in subset])
        reach = _closure(records, requested if selection.refs else [f.key for f in subset])
        also = _wanted(records, reach)
    ev = gather(qbo, suprata, sub, now, also=also, timezone=company_timezone(services))
    classified = classify_all(sub, ev)
    causes, blockers = _analysis(classified, sub, ev, history)

    if not selection.refs:
        for f in subset:
            cause = causes.get(f.key)
            if selection.all_safe or (cause is not None and cause.pattern == selection.pattern):
                requested.append(f.key)
                if selection.all_safe and (cause is None or cause.retry != "safe"):
                    unsafe.add(f.key)
        requested.sort(key=lambda k: (TYPE_ORDER.get(k[0], 9), _label(records.get(k), k[1])))
        _fetch_dependencies(suprata, records, requested)

    keys = _closure(records, requested)
    lk = _lookups(qbo, records, keys, ev, sub)
    if _merge(ev, lk):  # what the plan's own reads found (names, linked records) is evidence for every record
        causes, blockers = _analysis(classified, sub, ev, history)
    ctx = Context(
        services, sub, ev, lk, history, force, records, failures, causes, blockers, repeat_limit=max(1, repeat_limit)
    )
    for key in keys:
        ctx.rows[key] = _row(ctx, key, "requested" if key in requested else "dependency")
    for key in keys:  # needed_by / depends_on
        for dep in _dependencies(records, key):
            if dep in ctx.rows:
                ctx.rows[dep].needed_by.append(ctx.rows[key].label)
                ctx.rows[key].depends_on.append(ctx.rows[dep].label)
    ordered = sorted(ctx.rows.values(), key=lambda r: (TYPE_ORDER.get(r.record_type, 9), r.label))
    for row in ordered:  # dependencies are decided before the records that need them
        _decide(ctx, row)
        if row.key in unsafe and row.decision == "retry":
            cause = causes.get(row.key)
            pattern = cause.pattern if cause is not None else "?"
            row.decision, row.code = "skip", "not_transient"
            row.reason = (
                f"not a transient failure ({pattern}); its cause looks fixed, so retry it on purpose: "
                f"qbsync retry --pattern {pattern}"
            )
            row.next_command = f"qbsync retry --pattern {pattern}"

    by_label = {r.label: r for r in ordered}
    for row in reversed(ordered):  # a dependency goes only with a record that needs it and goes too
        if row.role == "dependency" and row.decision == "retry":
            needers = [by_label[n] for n in row.needed_by if n in by_label]
            if needers and not any(n.decision == "retry" for n in needers):
                row.decision, row.code = "skip", "not_needed_now"
                row.reason = f"needed by {', '.join(row.needed_by)}, which cannot be retried yet"

    conn = ev.suprata_connection
    report = RetryReport(
        generated_at=now,
        selection=selection.describe(),
        mode="plan",
        records=ordered,
        suprata_connection=conn.status if conn is not None else None,
    )
    if not selection.refs and not fs.failures:
        report.notes.append("Suprata shows no failed syncs: nothing to retry.")
    report.recount()
    return report


def _analysis(
    classified: list[Any], fs: FailureSet, ev: Evidence, history: RetryHistory
) -> tuple[dict[tuple[str, str], RootCause], dict[tuple[str, str], bl.Blocker]]:
    """The diagnosis's own answer per record: its root cause, and its blocker (the causes to fix first)."""
    analysis = analyse(classified, fs, ev, history.counts())
    causes: dict[tuple[str, str], RootCause] = {}
    for cause in analysis.causes:
        for r in cause.records:
            key = (r.record_type, r.record_id)
            if key not in causes or r.direct:
                causes[key] = cause
    return causes, analysis.blockers


def _merge(ev: Evidence, lk: Lookups) -> bool:
    """Add the plan's reads to the evidence; True when that added anything the causes are judged on."""
    before = (len(ev.names), len(ev.items_by_name), len(ev.customers_by_id), len(ev.items_by_id))
    for name, rows in lk.names.items():
        ev.names.setdefault(name, rows)
    for name, row in lk.items_by_name.items():
        ev.items_by_name.setdefault(name, row)
    ev.customers_by_id.update(lk.customers_by_id)
    ev.items_by_id.update(lk.items_by_id)
    return before != (len(ev.names), len(ev.items_by_name), len(ev.customers_by_id), len(ev.items_by_id))


# --- the records the plan touches ---------------------------------------------------------------


def _dependencies(records: dict[tuple[str, str], Any], key: tuple[str, str]) -> list[tuple[str, str]]:
    """What must be in QuickBooks before this record, and is not (Suprata holds no link to it)."""
    rec = records.get(key)
    if rec is None:
        return []
    rtype = key[0]
    out: list[tuple[str, str]] = []
    if rtype in ("invoice", "payment"):
        out.append(("customer", rec.customer_id))
    if rtype == "invoice":
        out += [("item", line.item_id) for line in rec.lines]
    if rtype == "payment":
        out += [("invoice", a.invoice_id) for a in rec.applied]
    deps = []
    for dep in dict.fromkeys(out):
        dep_rec = records.get(dep)
        if dep_rec is None or not dep_rec.qbo.qbo_id:
            deps.append(dep)
    return deps


def _closure(records: dict[tuple[str, str], Any], requested: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[tuple[str, str], None] = {}

    def visit(key: tuple[str, str]) -> None:
        if key in seen:
            return
        for dep in _dependencies(records, key):
            visit(dep)
        seen[key] = None

    for key in requested:
        visit(key)
    return list(seen)


def _fetch_dependencies(suprata: Any, records: dict[tuple[str, str], Any], start: list[tuple[str, str]]) -> None:
    """Fetch the customers, items and invoices the records depend on (bulk, at most three rounds)."""
    fetchers = {"customer": suprata.customers, "item": suprata.items, "invoice": suprata.invoices}
    for _ in range(3):
        missing: dict[str, set[str]] = {}
        for key in _closure(records, start):
            for dep in _dependencies(records, key):
                if dep not in records and dep[0] in fetchers:
                    missing.setdefault(dep[0], set()).add(dep[1])
        if not missing:
            return
        for rtype, ids in missing.items():
            for rec in fetchers[rtype](ids=sorted(ids)):
                records[(rtype, rec.id)] = rec


@dataclass
class _Keys:
    """What the duplicate guard and the cause checks look up for a set of plan records."""

    linked_c: set[str]
    names: set[str]
    linked_i: set[str]
    item_names: set[str]
    linked_inv: set[str]
    doc_numbers: set[str]
    linked_p: set[str]
    dates: set[str]


def _keys(records: dict[tuple[str, str], Any], keys: list[tuple[str, str]]) -> _Keys:
    customers = [records[k] for k in records if k[0] == "customer"]
    plan_customers = {records[k].customer_id for k in keys if k[0] in ("invoice", "payment") and k in records}
    plan_customers |= {k[1] for k in keys if k[0] == "customer"}
    customers = [c for c in customers if c.id in plan_customers]
    items = [records[k] for k in records if k[0] == "item"]
    plan_items = {line.item_id for k in keys if k[0] == "invoice" and k in records for line in records[k].lines}
    plan_items |= {k[1] for k in keys if k[0] == "item"}
    items = [i for i in items if i.id in plan_items]
    invoice_keys = {k for k in keys if k[0] == "invoice"}
    invoice_keys |= {("invoice", a.invoice_id) for k in keys if k[0] == "payment" for a in records[k].applied}
    invoices = [records[k] for k in invoice_keys if k in records]
    payments = [records[k] for k in keys if k[0] == "payment" and k in records]
    return _Keys(
        linked_c={c.qbo.qbo_id for c in customers if c.qbo.qbo_id},
        names={c.display_name for c in customers if not c.qbo.qbo_id},
        linked_i={i.qbo.qbo_id for i in items if i.qbo.qbo_id},
        item_names={i.name for i in items if not i.qbo.qbo_id},
        linked_inv={i.qbo.qbo_id for i in invoices if i.qbo.qbo_id},
        doc_numbers={i.number for i in invoices if not i.qbo.qbo_id},
        linked_p={p.qbo.qbo_id for p in payments if p.qbo.qbo_id},
        dates={p.txn_date.isoformat() for p in payments if not p.qbo.qbo_id},
    )


def _wanted(records: dict[tuple[str, str], Any], keys: list[tuple[str, str]]) -> Wanted:
    k = _keys(records, keys)
    return Wanted(
        customer_names=frozenset(k.names),
        item_names=frozenset(k.item_names),
        customer_ids=frozenset(k.linked_c),
        item_ids=frozenset(k.linked_i),
        doc_numbers=frozenset(k.doc_numbers),
        invoice_ids=frozenset(k.linked_inv),
        payment_ids=frozenset(k.linked_p),
        payment_dates=frozenset(k.dates),
    )


def _lookups(
    qbo: Any, records: dict[tuple[str, str], Any], keys: list[tuple[str, str]], ev: Evidence, read: FailureSet
) -> Lookups:
    """What QuickBooks holds for the plan's records: from what ``gather`` read moments ago (its evidence and
    what it was asked for the plan, ``ev.side``); only a key neither asked for (a dependency found after the
    plan was drawn) is read here, in one round."""
    from qbsync.clients import query as q

    side, asked = ev.side, ev.side.asked
    lk = Lookups(
        customers_by_id={**ev.customers_by_id, **side.customers_by_id},
        names={k: list(v) for k, v in side.names.items()},
        items_by_id={**ev.items_by_id, **side.items_by_id},
        items_by_name=dict(side.items_by_name),
        invoices_by_id=dict(side.invoices_by_id),
        invoices_by_doc=dict(side.invoices_by_doc),
        payments_by_id=dict(side.payments_by_id),
        payments_by_date={k: list(v) for k, v in side.payments_by_date.items()},
    )
    k = _keys(records, keys)
    asked_c = {c.qbo.qbo_id for c in read.customers.values() if c.qbo.qbo_id} | asked.customer_ids
    asked_i = {i.qbo.qbo_id for i in read.items.values() if i.qbo.qbo_id} | asked.item_ids
    linked_c = sorted(k.linked_c - asked_c)
    names = sorted(k.names - asked.customer_names)
    linked_i = sorted(k.linked_i - asked_i)
    item_names = sorted(k.item_names - asked.item_names)
    linked_inv = sorted(k.linked_inv - asked.invoice_ids)
    doc_numbers = sorted(k.doc_numbers - asked.doc_numbers)
    linked_p = sorted(k.linked_p - asked.payment_ids)
    dates = sorted(k.dates - asked.payment_dates)

    calls: dict[str, Any] = {}
    if linked_c:
        calls["customers_by_id"] = lambda: qbo.by_ids("Customer", linked_c)
    if names:
        calls["names"] = lambda: qbo.by_display_names(names)
    if linked_i:
        calls["items_by_id"] = lambda: qbo.by_ids("Item", linked_i)
    if item_names:
        calls["items_by_name"] = lambda: qbo.items_by_name(item_names)
    if linked_inv:
        calls["invoices_by_id"] = lambda: qbo.by_ids("Invoice", linked_inv)
    if doc_numbers:
        calls["invoices_by_doc"] = lambda: qbo.invoices_by_doc_numbers(doc_numbers)
    if linked_p:
        calls["payments_by_id"] = lambda: qbo.by_ids("Payment", linked_p)
    if dates:
        calls["payments"] = lambda: [
            row for s in q.chunked_in(q.select("Payment"), "TxnDate", dates) for row in qbo.query(s)
        ]
    if not calls:
        return lk
    results = dict(zip(list(calls), qbo.parallel(list(calls.values())), strict=True))
    lk.customers_by_id.update(results.get("customers_by_id", {}))
    for name, rows in results.get("names", {}).items():
        lk.names.setdefault(name.strip().lower(), []).extend(rows)
    lk.items_by_id.update(results.get("items_by_id", {}))
    lk.items_by_name.update({n.strip().lower(): v for n, v in results.get("items_by_name", {}).items()})
    lk.invoices_by_id.update(results.get("invoices_by_id", {}))
    lk.invoices_by_doc.update(results.get("invoices_by_doc", {}))
    lk.payments_by_id.update(results.get("payments_by_id", {}))
    for row in results.get("payments", []):
        if row.txn_date is not None:
            lk.payments_by_date.setdefault(row.txn_date.isoformat(), []).append(row)
    return lk


def _row(ctx: Context, key: tuple[str, str], role: str) -> PlanRecord:
    rec = ctx.records.get(key)
    f = ctx.failures.get(key)
    cause = ctx.causes.get(key)
    customer = None
    if key[0] == "customer":
        customer = getattr(rec, "display_name", None)
    elif rec is not None:
        c = ctx.records.get(("customer", getattr(rec, "customer_id", "")))
        customer = c.display_name if c is not None else None
    fault = f.signal.fault if f is not None else None
    row = PlanRecord(
        record_type=key[0],
        record_id=key[1],
        number=_label(rec, key[1]) if rec is not None else (f.number if f else None),
        customer=customer,
        txn_date=getattr(rec, "txn_date", None),
        amount=record_amount(rec),
        state=rec.qbo.state if rec is not None else "unknown",
        role=role,
        pattern=_pattern(ctx.blockers.get(key), cause),
        cause=cause.title if cause is not None else None,
        error_code=(fault.code if fault is not None else None)
        or (f.latest.error.kind if f and f.latest.error else None),
        suprata_retries=f.same_cause_retries if f is not None else 0,
    )
    row.cause_signature = error_signature(f.latest) if f is not None else None
    return row


# --- deciding ---------------------------------------------------------------------------------------


def _pattern(blocker: bl.Blocker | None, cause: RootCause | None) -> str | None:
    """The pattern of the cause to fix first: the record's blocker's, as diagnose and trace say."""
    if blocker is not None:
        return blocker.pattern
    return cause.pattern if cause is not None else None


def _refuse(row: PlanRecord, code: str, reason: str, fix: str | None = None, next_command: str | None = None) -> None:
    row.decision, row.code, row.reason, row.fix_first, row.next_command = "refuse", code, reason, fix, next_command


def _go(row: PlanRecord, code: str, reason: str) -> None:
    row.decision, row.code, row.reason = "retry", code, reason


def _decide(ctx: Context, row: PlanRecord) -> None:
    key, rec = row.key, ctx.records.get(row.key)
    f, cause = ctx.failures.get(key), ctx.causes.get(key)
    if rec is None:
        _refuse(row, "not_found", "Suprata no longer has this record")
        return
    open_retries = [r for r in ctx.history.for_record(*key) if r.open]
    if open_retries:
        r = open_retries[-1]
        row.decision, row.code = "skip", "in_progress"
        row.reason = f"a retry qbsync asked for ({r.retry_id or 'unconfirmed'}, {r.sent_at}) has not finished yet"
        row.next_command = f"qbsync retry {row.label}"
        return
    if f is None and rec.qbo.state == "synced" and rec.qbo.qbo_id:
        row.decision, row.code = "skip", "synced"
        row.reason = f"already in QuickBooks (id {rec.qbo.qbo_id}); nothing to retry"
        return

    # The diagnosis's blocker for this record: exactly its causes, in the order to fix them.
    blocker = ctx.blockers.get(key)
    causes = list(blocker.causes) if blocker is not None else _state_causes(ctx, row.record_type, rec)
    conn = ctx.ev.suprata_connection
    if conn is not None and conn.status != "connected" and not any(c.kind == "connection_down" for c in causes):
        link = f" at {conn.reconnect_url}" if conn.reconnect_url else ""
        causes.insert(
            0, bl.Cause("connection_down", {"status": conn.status, "reconnect_at": link}, ("connection", "suprata"))
        )
    blocking = [c for c in causes if _blocks_retry(c)]
    if blocking:
        _refuse_for(row, blocking)
        return
    deps = _dependency_blockers(ctx, row)
    guards = _guards(ctx, row.record_type, rec)
    found = deps + guards if f is not None and not _direct(f) else guards + deps
    if found:
        code, reason, fix, command = found[0]
        _refuse(row, code, reason + "".join(f"; also {b[1]}" for b in found[1:]), fix, command)
        return
    if f is not None and cause is None:
        _refuse(row, "unknown_cause", "qbsync could not classify this failure", None, "qbsync diagnose")
        return

    if f is None:
        if row.role == "dependency":
            _go(
                row,
                "needed_first",
                f"not in QuickBooks yet; needed by {', '.join(row.needed_by) or 'the records below'}",
            )
        else:
            _go(row, "not_failing", f"not in QuickBooks yet (Suprata shows it {rec.qbo.state})")
    else:
        assert cause is not None
        primary = blocker.primary if blocker is not None else None
        if primary is not None and primary.kind == "transient":
            _go(row, "transient", f"{primary.says}; that has passed, so one retry is safe")
        elif primary is not None and primary.kind == "connection_lapsed":
            _go(row, "reconnected", primary.says)
        elif _direct(f):
            _go(
                row,
                "cause_fixed",
                f"the cause ({cause.pattern}: {cause.pattern_name}) is no longer present in QuickBooks",
            )
        else:
            _go(
                row,
                "cause_fixed",
                "what blocked it is no longer present"
                + (f"; its {', '.join(row.depends_on)} go first" if row.depends_on else ""),
            )

    same = ctx.history.same_cause(*key, row.cause_signature) if f is not None else []
    row.qbsync_retries = len(same)
    if len(same) >= ctx.repeat_limit:
        last = same[-1]
        when = local_time(parse_iso(last.sent_at), ctx.ev.timezone) if last.sent_at else "at an unknown time"
        what = f"{plural(len(same), 'time')} for this same cause ({row.error_code or 'same error'}), last {when}"
        if not ctx.force:
            _refuse(
                row,
                "already_retried",
                f"qbsync already retried it {what}, and it failed the same way: retrying again will not help",
                "Fix the cause first (see 'qbsync diagnose'); if you have, run again with --force.",
                "qbsync diagnose",
            )
            return
        row.code = "forced"
        row.reason = f"--force: retried although qbsync already retried it {what}; " + row.reason


def _blocks_retry(cause: bl.Cause) -> bool:
    """A cause present now blocks a retry; so does anything that makes a retry unsafe or a guess."""
    if cause.kind in bl.PASSING_KINDS:
        return False
    return cause.present or cause.pattern in ("P6", "unknown")


def _refuse_for(row: PlanRecord, blocking: list[bl.Cause]) -> None:
    first = blocking[0]
    also = [c.says for c in blocking[1:] if c.first_step != first.first_step]
    reason = first.says
    if first.via is not None:
        reason = (
            f"waits for its {first.via[0]} {first.via_number or first.via[1]}, which cannot be retried yet: {reason}"
        )
    _refuse(row, _refusal_code(first), reason + "".join(f"; also {a}" for a in also), first.first_step, first.command)


def _refusal_code(cause: bl.Cause) -> str:
    if cause.kind == "connection_down":
        return "connection_down"
    if cause.via is not None:
        return "waits_for"
    if cause.kind in ("unlinked_copy", "customer_unlinked"):
        return "already_in_quickbooks"
    if cause.kind.endswith("_gone"):
        return "linked_missing"
    if cause.pattern == "P6":
        return "unsafe"
    if cause.pattern == "unknown":
        return "unknown_cause"
    return "cause_present"


def _state_causes(ctx: Context, rtype: str, rec: Any) -> list[bl.Cause]:
    """A record with no failure of its own (a dependency, a record asked for by name): what QuickBooks and
    Suprata hold now says about it, with the same words as the diagnosis."""
    if rtype == "customer":
        return bl.customer_causes(rec, ctx.ev)
    if rtype == "item":
        return bl.item_causes(rec, ctx.ev)
    own = [bl.closed_period_cause(rec, ctx.ev)]
    if rtype == "invoice":
        own.append(bl.tax_cause(rec, ctx.ev))
    if rtype == "payment":
        own.append(bl.payment_invoice_deleted(rec, ctx.fs, ctx.ev))
    return [c for c in own if c is not None]


def _direct(f: Failure) -> bool:
    return (f.signal.qbo_entity or f.record_type).lower() == f.record_type


def _dependency_blockers(ctx: Context, row: PlanRecord) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for dep_label in row.depends_on:
        dep = next(r for r in ctx.rows.values() if r.label == dep_label)
        what = f"waits for its {dep.record_type} {dep.label}"
        if dep.decision == "refuse":
            short = dep.reason.split("; also ")[0]
            if dep.code == "waits_for":
                why = ", which " + short.split(", which ", 1)[-1]
            else:
                why = f", which cannot be retried yet: {short}"
            out.append(("waits_for", what + why, dep.fix_first, dep.next_command))
        elif dep.decision == "skip" and dep.code == "in_progress":
            out.append(("waits_for", f"{what}: {dep.reason}", None, dep.next_command))
    return out


def _guards(ctx: Context, rtype: str, rec: Any) -> list[tuple[Any, ...]]:
    """The duplicate guard and the link checks, from the plan's own reads (by id, DocNumber and date); their
    words are the table's, as for every other cause."""
    if rtype == "invoice":  # by type name: Suprata records may be compact copies, not the pydantic classes
        found = _invoice_guard(ctx, rec)
    elif rtype == "payment":
        found = _payment_guard(ctx, rec)
    else:
        found = None
    if found is None:
        return []
    return [(_refusal_code(found), found.says, found.first_step, found.command)]


def _gone(what: str, number: str, entity: str, qbo_id: str, undo: str) -> bl.Cause:
    params = {
        "what": what,
        "number": number,
        "change": "deleted",
        "when": "",
        "entity": entity,
        "qbo_id": qbo_id,
        "undo_suprata": undo,
    }
    return bl.Cause("removed_in_qbo", params, bl.record_subject(entity, number))


def _invoice_guard(ctx: Context, inv: m.Invoice) -> bl.Cause | None:
    for line in inv.lines:
        item = ctx.records.get(("item", line.item_id))
        if item is not None and item.qbo.qbo_id:
            for cause in bl.item_causes(item, ctx.ev):
                return bl.Cause(cause.kind, cause.params, cause.subject, cause.evidence, ("item", item.id), item.sku)
    if inv.qbo.qbo_id:
        if inv.qbo.qbo_id not in ctx.lk.invoices_by_id:
            return _gone("Invoice", inv.number, "invoice", inv.qbo.qbo_id, f"void {inv.number}")
        return None
    copies = [c for c in ctx.lk.invoices_by_doc.get(inv.number, []) if not c.voided]
    if copies:
        params = {"number": inv.number, "entity": "invoice", "qbo_id": str(copies[0].id)}
        return bl.Cause("unlinked_copy", params, bl.record_subject("invoice", inv.id))
    return None


def _payment_guard(ctx: Context, p: m.Payment) -> bl.Cause | None:
    for a in p.applied:
        inv = ctx.records.get(("invoice", a.invoice_id))
        if inv is not None and inv.qbo.qbo_id and inv.qbo.qbo_id not in ctx.lk.invoices_by_id:
            params = {"number": p.number, "invoice": inv.number}
            return bl.Cause(
                "invoice_deleted", params, bl.record_subject("payment", p.id), [], ("invoice", inv.id), inv.number
            )
    if p.qbo.qbo_id:
        if p.qbo.qbo_id not in ctx.lk.payments_by_id:
            return _gone("Payment", p.number, "payment", p.qbo.qbo_id, f"reverse {p.number}")
        return None
    customer = ctx.records.get(("customer", p.customer_id))
    if customer is None or not customer.qbo.qbo_id:
        return None  # the customer is not in QuickBooks: neither can the payment be
    for row in ctx.lk.payments_by_date.get(p.txn_date.isoformat(), []):
        if row.voided or row.customer_ref is None or row.customer_ref.value != customer.qbo.qbo_id:
            continue
        if row.total_amt is not None and Decimal(row.total_amt) == Decimal(p.amount):
            params = {"number": p.number, "entity": "payment", "qbo_id": str(row.id)}
            return bl.Cause("unlinked_copy", params, bl.record_subject("payment", p.id))
    return None


def _label(rec: Any, fallback: str) -> str:
    if rec is None:
        return fallback
    return getattr(rec, "number", None) or getattr(rec, "sku", None) or fallback
