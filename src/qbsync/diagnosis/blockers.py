"""One answer per record: what blocks each failed or pending customer, item, invoice and payment.

A ``Blocker`` holds a record's causes (each with the facts read from QuickBooks and Suprata, and the record
it is inherited through) in the order they must be fixed. ``diagnose`` groups blockers into root causes,
``trace`` shows one record's blocker, ``retry``'s pre-flight refuses on exactly these causes and prints
exactly their steps, ``status`` and ``check`` count them. The words come from ``patterns.CAUSE_KINDS``;
this module only decides which kind applies and fills its parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from qbsync.clients import suprata_models as m
from qbsync.clients.qbo import DELETED_SUFFIX
from qbsync.diagnosis.classifier import Classification, Facts
from qbsync.diagnosis.evidence import (
    Evidence,
    Removed,
    customer_state,
    deleted_invoices,
    item_ids_of,
    live_copies,
    tax_state,
)
from qbsync.diagnosis.failures import Failure, FailureSet
from qbsync.diagnosis.patterns import CAUSE_KINDS, NEXT_COMMANDS, CauseKind, fill, get_pattern
from qbsync.diagnosis.report import EvidenceItem
from qbsync.wording import local_time

RecordKey = tuple[str, str]
# Causes that pass by themselves (an outage, a connection already restored): a cause found behind one of
# them is what the next retry meets, so it is fixed first.
PASSING_KINDS = frozenset({"transient", "connection_lapsed"})
# What a record in QuickBooks can still pass on to the records that use it: its own state there.
LINKED_KINDS = frozenset({"customer_inactive", "customer_gone", "item_inactive", "item_gone"})


@dataclass(slots=True)
class Classified:
    failure: Failure
    cls: Classification
    facts: Facts = field(default_factory=Facts)  # what the classification was judged on


@dataclass(slots=True)
class Cause:
    """One thing wrong, with the facts that fill its steps. ``subject`` says what must be fixed (a customer,
    an item, the books, a tax mapping, the connection, the record itself); ``via`` is the record a blocked
    record waits on when the cause is inherited (its customer, item or invoice)."""

    kind: str
    params: dict[str, str]
    subject: tuple[str, str]
    evidence: list[EvidenceItem] = field(default_factory=list)
    via: RecordKey | None = None
    via_number: str | None = None
    present: bool = True  # found in what QuickBooks and Suprata hold now; False: only QuickBooks' answer says so

    @property
    def spec(self) -> CauseKind:
        return CAUSE_KINDS[self.kind]

    @property
    def pattern(self) -> str:
        return self.spec.pattern

    @property
    def title(self) -> str:
        return fill(self.spec.title, self.params)

    @property
    def steps(self) -> list[str]:
        return [fill(step, self.params) for step in self.spec.steps]

    @property
    def says(self) -> str:
        """What is wrong, of this one record."""
        return fill(self.spec.says or self.spec.title, self.params)

    @property
    def retry_step(self) -> str | None:
        return fill(self.spec.retry, self.params) if self.spec.retry else None

    @property
    def first_step(self) -> str:
        return fill(self.spec.steps[0], self.params)  # asked once per record: the other steps are not filled

    @property
    def command(self) -> str | None:
        template = NEXT_COMMANDS.get(self.kind)
        return fill(template, self.params) if template else None

    def rank(self) -> tuple[int, int]:
        return (1 if self.kind in PASSING_KINDS else 0, get_pattern(self.pattern).plan_order)


@dataclass(slots=True)
class Blocker:
    key: RecordKey
    number: str | None
    primary: Cause  # the cause its own failure was classified as (or, pending, the one it inherits)
    causes: list[Cause]  # every cause, in the order to fix them; ``primary`` among them
    # Every cause its failure was classified as: one Fault can carry two (a tax code and an inactive item).
    classified: list[Cause] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.classified:
            self.classified = [self.primary]

    @property
    def first(self) -> Cause:
        return self.causes[0]

    @property
    def pattern(self) -> str:
        return self.first.pattern

    @property
    def first_step(self) -> str:
        return self.first.first_step

    @property
    def waits_on(self) -> RecordKey | None:
        return next((c.via for c in self.causes if c.via is not None), None)

    def latent(self) -> list[Cause]:
        """Causes other than the classified one: what a retry would meet next."""
        return [c for c in self.causes if c is not self.primary]


def ordered(causes: Iterable[Cause]) -> list[Cause]:
    seen: dict[tuple[str, tuple[str, str]], Cause] = {}
    for cause in causes:
        seen.setdefault((cause.kind, cause.subject), cause)
    return sorted(seen.values(), key=Cause.rank)


# --- what is wrong with one record, from what QuickBooks and Suprata hold now -----------------------------


def _when(value: datetime | None, ev: Evidence) -> str:
    return local_time(value, ev.timezone) if isinstance(value, datetime) else "?"


def _meta_time(row: Any, name: str = "last_updated_time") -> datetime | None:
    return getattr(getattr(row, "meta_data", None), name, None)


def customer_causes(c: m.Customer, ev: Evidence) -> list[Cause]:
    """A customer's own trouble in QuickBooks: its name held by another party, an unlinked copy, made
    inactive, or linked to a customer QuickBooks no longer has."""
    name, subject = c.display_name, ("customer", c.id)
    base = {"customer": name.strip() or c.number, "customer_number": c.number}
    if c.qbo.qbo_id:
        state = customer_state(c, ev)
        qc = ev.customers_by_id.get(c.qbo.qbo_id)
        if state in ("inactive", "deleted") or (qc is not None and qc.active is False):
            when = _meta_time(qc)
            return [
                Cause(
                    "customer_inactive",
                    base,
                    subject,
                    [
                        EvidenceItem(
                            "quickbooks",
                            f"QuickBooks customer {c.qbo.qbo_id} '{name}' was made inactive"
                            f"{f' on {_when(when, ev)}' if when else ''} (edited directly in QuickBooks)",
                        )
                    ],
                )
            ]
        if state == "missing":
            return [Cause("customer_gone", {**base, "qbo_id": c.qbo.qbo_id}, subject)]
        return []
    missing = missing_customer_data(c)
    if missing:
        return [
            Cause(
                "customer_missing_data",
                {**base, "missing": missing},
                subject,
                [EvidenceItem("suprata", f"Suprata's customer {c.number} lacks {missing}")],
            )
        ]
    for holder in ev.name_holders(name):
        held = (getattr(holder, "display_name", "") or "").strip()
        # QuickBooks shows a deactivated party as "<name> (deleted)", and it still holds the name: DisplayName
        # is unique across customers, vendors and employees, active or not, so creating "<name>" gets 6240.
        if _undeleted(held).lower() != name.strip().lower():
            continue
        kind = type(holder).__name__
        active = getattr(holder, "active", True) is not False and held == _undeleted(held)
        status = "active" if active else "inactive"
        said = EvidenceItem("quickbooks", f"QuickBooks {kind} {holder.id} '{held}' ({status}) already uses this name")
        if kind == "Customer" and active:
            return [Cause("customer_unlinked", {**base, "qbo_id": str(holder.id)}, subject, [said])]
        params = {**base, "holder_kind": kind.lower(), "holder_label": kind, "holder": held}
        return [Cause("customer_name_held", params, subject, [said])]
    return []


def missing_customer_data(c: m.Customer) -> str | None:
    """What QuickBooks requires of a new customer that Suprata's record lacks, in words."""
    if not (c.display_name or "").strip() and not (c.given_name or c.family_name):
        return "a display name"
    return None


# What QuickBooks names in a "required parameter" fault, in the words Suprata's customer screen uses.
_REQUIRED_FIELDS = {
    "displayname": "a display name",
    "primaryemailaddr": "an email address",
    "email": "an email address",
    "billaddr": "a billing address",
    "givenname": "a first name",
    "familyname": "a last name",
}


# QuickBooks asked to email an invoice whose customer has no address (6000; sandbox/qbo/faults.py has the
# sources): what is missing is the customer's email, though the invoice is what QuickBooks refused.
_EMAIL_TO_SEND = ("email address for this customer", "in order to email")


def emailing_without_address(f: Failure) -> bool:
    fault = f.signal.fault
    text = " ".join(p for e in (fault.errors if fault else []) for p in (e.detail, e.message) if p).lower()
    return fault is not None and "6000" in fault.codes and all(words in text for words in _EMAIL_TO_SEND)


def missing_from_fault(f: Failure) -> str | None:
    """The customer details QuickBooks said it requires (2020 Required param missing, 6080 No Name Provided,
    6000 an email address to email an invoice to)."""
    fault = f.signal.fault
    if emailing_without_address(f):
        return "an email address"
    if fault is None or not ({"2020", "6080", "2210"} & set(fault.codes)):
        return None
    found: list[str] = []
    for error in fault.errors:
        text = " ".join(p for p in (error.element, error.detail, error.message) if p).lower().replace(" ", "")
        found += [words for key, words in _REQUIRED_FIELDS.items() if key in text and words not in found]
    if not found and "6080" in fault.codes:
        found.append("a display name")
    return " and ".join(found) or None


def item_causes(i: m.Item, ev: Evidence) -> list[Cause]:
    subject = ("item", i.id)
    base = {"item": i.name, "sku": i.sku}
    if i.qbo.qbo_id:
        qi = ev.items_by_id.get(i.qbo.qbo_id)
        if qi is None:
            if ev.items_by_id:  # asked, and QuickBooks did not return it
                return [Cause("item_gone", {**base, "qbo_id": i.qbo.qbo_id}, subject)]
            return []
        if qi.active is False:
            when = _meta_time(qi)
            said = EvidenceItem(
                "quickbooks",
                f"QuickBooks item {qi.id} '{qi.name}' was made inactive{f' on {_when(when, ev)}' if when else ''}",
            )
            return [Cause("item_inactive", base, subject, [said])]
        return []
    qi = ev.items_by_name.get(i.name.strip().lower())
    if qi is not None and qi.id != i.qbo.qbo_id:
        created = _meta_time(qi, "create_time")
        said = EvidenceItem(
            "quickbooks",
            f"QuickBooks item {qi.id} '{qi.name}' exists{f' (created {_when(created, ev)})' if created else ''} and is "
            f"not linked to Suprata's item {i.sku}",
        )
        return [Cause("item_unlinked", {**base, "qbo_id": str(qi.id)}, subject, [said])]
    return []


def _undeleted(name: str) -> str:
    return name[: -len(DELETED_SUFFIX)].rstrip() if name.endswith(DELETED_SUFFIX) else name


def closed_period_cause(record: Any, ev: Evidence) -> Cause | None:
    close, txn_date = ev.book_close_date, getattr(record, "txn_date", None)
    if close is None or txn_date is None or txn_date > close:
        return None
    # One cause for every record dated in the closed period: thousands of records share it (causes are never
    # changed once made), instead of each holding its own copy of the same words.
    return ev.once(("closed period", close), lambda: _closed_period(close))


def _closed_period(close: date) -> Cause:
    return Cause(
        "closed_period",
        {"close_date": close.isoformat()},
        ("books", str(close)),
        [EvidenceItem("quickbooks", f"QuickBooks books are closed through {close}")],
    )


def tax_cause(inv: m.Invoice, ev: Evidence) -> Cause | None:
    if not inv.tax_category_id or not ev.tax_categories:
        return None
    tax_state(inv, ev)  # makes sure the memo is for these tables
    # one per category and state, shared like the closed period's
    return ev.once(("tax cause", inv.tax_category_id, inv.service_state), lambda: _tax_cause(inv, ev))


def _tax_cause(inv: m.Invoice, ev: Evidence) -> Cause | None:
    state, category, mapping = tax_state(inv, ev)
    if state == "ok":
        return None
    cat = category.name if category is not None else (inv.tax_category_id or "-")
    where = inv.service_state or "?"
    subject = ("tax", f"{inv.tax_category_id or '-'}:{inv.service_state or '-'}")
    if state == "unmapped":
        mapped = sorted(mp.state for mp in (category.mappings if category else []) if mp.qbo_tax_code_id)
        said = EvidenceItem(
            "suprata", f"tax category '{cat}' is mapped for {', '.join(mapped) or 'no state'} but not for {where}"
        )
        return Cause("tax_unmapped", {"category": cat, "state": where}, subject, [said])
    code = mapping.qbo_tax_code_id if mapping is not None else "?"
    said = EvidenceItem("quickbooks", f"QuickBooks tax code {code} mapped for '{cat}' in {where} is {state}")
    params = {"category": cat, "state": where, "code": str(code), "code_state": state}
    return Cause("tax_code_unusable", params, subject, [said])


def record_subject(rtype: str, rid: str) -> tuple[str, str]:
    return ("record", f"{rtype}:{rid}")


def invoice_copy_cause(inv: m.Invoice, ev: Evidence) -> Cause | None:
    """QuickBooks holds this invoice's number although Suprata has no link (a push saved, its answer lost)."""
    if inv.qbo.qbo_id or inv.number not in ev.invoices_by_doc:
        return None
    copies = live_copies(ev.invoices_by_doc.get(inv.number, []))
    if not copies:
        return None
    c = copies[0]
    said = EvidenceItem(
        "quickbooks",
        f"QuickBooks holds invoice {inv.number} (id {c.id}, ${c.total_amt}, {c.txn_date}) that Suprata does not link",
    )
    params = {"number": inv.number, "entity": "invoice", "qbo_id": str(c.id)}
    return Cause("unlinked_copy", params, record_subject("invoice", inv.id), [said])


def payment_invoice_deleted(p: m.Payment, fs: FailureSet, ev: Evidence) -> Cause | None:
    gone = deleted_invoices(p, fs, ev)
    if not gone:
        return None
    inv = gone[0]
    said = EvidenceItem(
        "quickbooks", f"invoice {inv.number} (QuickBooks id {inv.qbo.qbo_id}) was deleted directly in QuickBooks"
    )
    return Cause(
        "invoice_deleted",
        {"number": p.number, "invoice": inv.number},
        record_subject("payment", p.id),
        [said],
        via=("invoice", inv.id),
        via_number=inv.number,
    )


def payment_copy_cause(p: m.Payment, ev: Evidence) -> Cause | None:
    """QuickBooks already holds this failing payment, unlinked: a push was saved but its answer lost, and the
    retry was refused (620) because the saved copy had paid the invoice. Linking it is the fix, not a retry."""
    row = ev.payment_copies.get(p.id)
    if row is None:
        return None
    said = EvidenceItem(
        "quickbooks",
        f"QuickBooks holds payment {row.id} (${row.total_amt} on {row.txn_date}) from the same customer for the "
        f"same invoice, which Suprata does not link to {p.number}",
    )
    params = {"number": p.number, "entity": "payment", "qbo_id": str(row.id)}
    return Cause("unlinked_copy", params, record_subject("payment", p.id), [said])


def removed_cause(gone: Removed) -> Cause:
    """An open Suprata invoice or payment whose QuickBooks copy was voided or deleted directly there."""
    number = gone.record.number
    undo = f"void {number}" if gone.record_type == "invoice" else f"reverse {number}"
    when = gone.when.strftime("%Y-%m-%d %H:%M UTC") if isinstance(gone.when, datetime) else None
    params = {
        "what": gone.record_type.capitalize(),
        "number": number,
        "change": gone.change,
        "when": f" on {when}" if when else "",
        "entity": gone.record_type,
        "qbo_id": gone.qbo_id,
        "undo_suprata": undo,
    }
    said = EvidenceItem("quickbooks", f"QuickBooks {gone.record_type} {gone.qbo_id} was {gone.change}{params['when']}")
    return Cause("removed_in_qbo", params, record_subject(gone.record_type, gone.record.id), [said])


def payment_invoice_voided(p: m.Payment, ev: Evidence) -> Cause | None:
    """A payment QuickBooks refused (620) because an invoice it pays was voided there: the void is the cause."""
    applies = {a.invoice_id for a in p.applied}
    for gone in ev.removed:
        if gone.record_type == "invoice" and gone.change == "voided" and gone.record.id in applies:
            cause = removed_cause(gone)
            cause.via, cause.via_number = ("invoice", gone.record.id), gone.record.number
            return cause
    return None


# --- the cause a failure was classified as ---------------------------------------------------------------


def classified_cause(c: Classified, fs: FailureSet, ev: Evidence, state: Mapping[RecordKey, list[Cause]]) -> Cause:
    """The kind the classified pattern stands for, filled from the facts; the state causes already found for
    the record and what it depends on decide which kind of that pattern it is."""
    f, pattern = c.failure, c.cls.pattern
    number = f.number or f.record_id
    if pattern == "P5":
        conn = ev.suprata_connection
        if conn is not None and conn.status == "connected":
            return Cause("connection_lapsed", {}, ("connection", "suprata"))
        status = conn.status if conn is not None else "expired"
        link = conn.reconnect_url if conn is not None else None
        return Cause(
            "connection_down",
            {"status": status, "reconnect_at": f" at {link}" if link else ""},
            ("connection", "suprata"),
        )
    if pattern == "P1":
        cid = f.record_id if f.record_type == "customer" else (f.customer_id or "?")
        found = [x for x in state.get(("customer", cid), []) if x.pattern == "P1"]
        if found:
            return found[0]
        customer = fs.customers.get(cid)
        missing = missing_from_fault(f)
        if customer is not None and emailing_without_address(f):
            said = EvidenceItem(
                "quickbooks",
                f"QuickBooks refused {number}: it is to be emailed, and neither it nor customer {customer.number} "
                "has an email address",
            )
            if not (customer.email or "").strip():
                said = EvidenceItem("suprata", f"{said.summary}; Suprata's customer {customer.number} has none")
            params = {"customer": customer.display_name.strip() or customer.number, "customer_number": customer.number}
            # present while Suprata's customer still has no address: a retry would be refused the same way
            return Cause("customer_email_missing", params, ("customer", cid), [said], present=not customer.email)
        if missing and customer is not None:
            said = EvidenceItem("quickbooks", f"QuickBooks refused customer {customer.number}: it requires {missing}")
            params = {"customer": customer.display_name.strip() or customer.number, "customer_number": customer.number}
            return Cause("customer_missing_data", {**params, "missing": missing}, ("customer", cid), [said])
        name = customer.display_name if customer is not None else cid
        number = customer.number if customer is not None else cid
        params = {"customer": name, "customer_number": number, "error": _error_words(f)}
        return Cause("customer_refused", params, ("customer", cid), present=False)
    if pattern == "P2":
        for key in _item_keys(f, fs):
            found = [x for x in state.get(key, []) if x.pattern == "P2"]
            if found:
                return found[0]
        item_id = f.record_id if f.record_type == "item" else next((k[1] for k in _item_keys(f, fs)), f.record_id)
        item = fs.items.get(item_id)
        params = {
            "item": item.name if item else item_id,
            "sku": item.sku if item else item_id,
            "error": _error_words(f),
        }
        return Cause("item_refused", params, ("item", item_id), present=False)
    if pattern == "P3":
        found_p3 = closed_period_cause(f.record, ev) if f.record is not None else None
        if found_p3 is not None:
            return found_p3
        close = ev.book_close_date
        if close is None:  # QuickBooks' preferences could not be read (it is down, say)
            return Cause("closed_period_unread", {}, ("books", "closed period"), present=False)
        return Cause("closed_period", {"close_date": close.isoformat()}, ("books", str(close)), present=False)
    if pattern == "P4":
        if f.record_type == "invoice" and f.record is not None:
            found_p4 = tax_cause(f.record, ev)
            if found_p4 is not None:
                return found_p4
            subject = ("tax", f"{f.record.tax_category_id or '-'}:{f.record.service_state or '-'}")
            return Cause("tax_refused", {}, subject, present=False)
        return Cause("tax_refused", {}, ("tax", "setup"), present=False)
    if pattern == "P6":
        if f.record_type == "payment" and f.record is not None:
            for found_p6 in (
                payment_invoice_deleted(f.record, fs, ev),
                payment_invoice_voided(f.record, ev),
                payment_copy_cause(f.record, ev),
            ):
                if found_p6 is not None:
                    return found_p6
        if f.record_type == "invoice" and f.record is not None:
            copy = invoice_copy_cause(f.record, ev)
            if copy is not None:
                return copy
        return Cause("balance_mismatch", {"number": number}, record_subject(f.record_type, f.record_id))
    if pattern == "P7":
        http_status = f.signal.http_status
        service = "throttling" if http_status == 429 or f.signal.code == "3001" else "outage"
        if c.cls.escalate:
            return Cause("transient_persisting", {"service": service}, ("service", f"{service}:escalated"))
        return Cause("transient", {"service": service}, ("service", service))
    code = f.signal.code or f.signal.kind or "error"
    msg = f.signal.fault.message if f.signal.fault else f.signal.kind
    words = f"{msg or 'unrecognised error'}{f' (code {f.signal.code})' if f.signal.code else ''}"
    return Cause(
        "unknown",
        {"error": words},
        ("error", f"{code}:{(f.signal.qbo_entity or f.record_type).lower()}"),
        [EvidenceItem("qbsync", c.cls.reason)],
    )


def _error_words(f: Failure) -> str:
    fault = f.signal.fault
    if fault is not None and (fault.code or fault.message):
        return " ".join(p for p in (fault.code, fault.message) if p)
    return f.signal.kind or "an error"


def _item_keys(f: Failure, fs: FailureSet) -> list[RecordKey]:
    if f.record_type == "item":
        return [("item", f.record_id)]
    if f.record_type == "invoice" and f.record is not None:
        return [("item", line.item_id) for line in f.record.lines if line.item_id in fs.items]
    return []


# --- every record's blocker ---------------------------------------------------------------------------------


def state_causes(fs: FailureSet, ev: Evidence) -> dict[RecordKey, list[Cause]]:
    """What QuickBooks and Suprata hold now says is wrong with each record, before any failure is read. Only
    records with a cause are in it (read it with ``.get(key, [])``): most of 50,000 records have none."""
    out: dict[RecordKey, list[Cause]] = {}

    def keep(key: RecordKey, causes: list[Cause]) -> None:
        if causes:
            out[key] = causes

    for c in fs.customers.values():
        keep(("customer", c.id), customer_causes(c, ev))
    for i in fs.items.values():
        keep(("item", i.id), item_causes(i, ev))
    for inv in fs.invoices.values():
        keep(("invoice", inv.id), [x for x in (closed_period_cause(inv, ev), tax_cause(inv, ev)) if x is not None])
    for p in fs.payments.values():
        found = (closed_period_cause(p, ev), payment_invoice_deleted(p, fs, ev), payment_invoice_voided(p, ev))
        keep(("payment", p.id), [x for x in found if x is not None])
    return out


class _Inheritance:
    """The causes a record inherits from what it depends on (its customer, its items, the invoices a payment
    pays). What one dependency passes on is worked out once: at 50,000 invoices over 10,000 customers and a
    price list of a hundred items, each is asked for by five to five hundred records."""

    __slots__ = ("by_items", "fs", "one", "passed", "state")

    def __init__(
        self, fs: FailureSet, state: Mapping[RecordKey, list[Cause]] | _StateAndFound, one: _OneOf | None = None
    ) -> None:
        self.fs, self.state = fs, state
        self.one = one  # what is passed on is the one equal cause held there, known once per dependency
        self.passed: dict[RecordKey, list[Cause]] = {}
        self.by_items: dict[tuple[str, ...], list[Cause]] = {}  # what an invoice's list of items passes on

    def of(self, key: RecordKey, record: Any) -> list[Cause]:
        rtype = key[0]
        if record is None or rtype not in ("invoice", "payment"):
            return []
        if rtype == "invoice":  # what its items pass on, once per list of items (a few hundred among 50,000)
            item_ids = item_ids_of(record)
            from_items = self.by_items.get(item_ids)
            if from_items is None:
                from_items = self.by_items[item_ids] = self._from_all([("item", i) for i in item_ids])
            return self._from(("customer", record.customer_id)) + from_items
        return self._from_all([("customer", record.customer_id), *(("invoice", a.invoice_id) for a in record.applied)])

    def _from_all(self, deps: list[RecordKey]) -> list[Cause]:
        out: list[Cause] = []
        for dep in dict.fromkeys(deps):
            out += self._from(dep)
        return out

    def _from(self, dep: RecordKey) -> list[Cause]:
        causes = self.passed.get(dep)
        if causes is None:
            causes = self.passed[dep] = self._passed_on(dep)
        return causes

    def _passed_on(self, dep: RecordKey) -> list[Cause]:
        causes = self.state.get(dep, [])
        if not causes:
            return []
        dep_record = _record(self.fs, dep)
        number = None if dep_record is None else dep_record.sku if dep[0] == "item" else dep_record.number
        linked = dep_record is not None and bool(dep_record.qbo.qbo_id)
        out: list[Cause] = []
        for cause in causes:
            if cause.via is not None:
                continue  # one level: a payment inherits its invoice's own trouble, not the invoice's customer's
            if linked and cause.kind not in LINKED_KINDS:
                continue  # already in QuickBooks: how it got there no longer matters to what uses it
            out.append(_through(cause, dep, number))
        return [self.one.of(c) for c in out] if self.one is not None else out


def _record(fs: FailureSet, key: RecordKey) -> Any:
    return fs.table(key[0]).get(key[1])


def _through(cause: Cause, dep: RecordKey, number: str | None) -> Cause:
    return Cause(cause.kind, cause.params, cause.subject, cause.evidence, dep, number, cause.present)


def build_blockers(classified: list[Classified], fs: FailureSet, ev: Evidence) -> dict[RecordKey, Blocker]:
    """A blocker for every failed record and every payment waiting on an invoice that is not in QuickBooks."""
    state = state_causes(fs, ev)
    per_record: dict[RecordKey, list[Classified]] = {}
    for c in classified:
        per_record.setdefault(c.failure.key, []).append(c)
    one = _OneOf()
    found = {key: [one.of(classified_cause(c, fs, ev, state)) for c in cs] for key, cs in per_record.items()}
    # What waits on a failed record inherits the cause it failed for (a payment, its invoice's).
    inheritance = _Inheritance(fs, _StateAndFound(state, found), one)
    in_order = _InOrder()
    out: dict[RecordKey, Blocker] = {}
    for key, cs in per_record.items():
        failure = cs[0].failure
        inherited = inheritance.of(key, failure.record)
        own: list[Cause] = []
        for cause in found[key]:
            ks = _ks(cause)
            same = [x for x in inherited if _ks(x) == ks]
            own.append(same[0] if same else cause)  # the record waits on the one that carries it
        causes = [*own, *state.get(key, []), *inherited]
        out[key] = Blocker(key, failure.number or failure.record_id, own[0], in_order(causes), own)
    for p in fs.waiting_payments:
        key = ("payment", p.id)
        if key in out:
            continue
        inherited = inheritance.of(key, p)
        if not inherited:
            continue
        # It joins the cause its invoice failed for, when the invoice failed; else the first it inherits.
        invoice_primaries = [
            x for x in inherited if x.via is not None and x.via in found and (x.kind, x.subject) == _ks(found[x.via][0])
        ]
        primary = (invoice_primaries or inherited)[0]
        out[key] = Blocker(key, p.number, primary, in_order([primary, *state.get(key, []), *inherited]))
    return out


class _InOrder:
    """``ordered`` once per distinct list of causes, known by their identities: the causes are held by the
    blockers being built, so no other object can take one's id meanwhile. Each blocker gets its own list."""

    __slots__ = ("known",)

    def __init__(self) -> None:
        self.known: dict[tuple[int, ...], list[Cause]] = {}

    def __call__(self, causes: list[Cause]) -> list[Cause]:
        key = tuple(map(id, causes))
        done = self.known.get(key)
        if done is None:
            done = self.known[key] = ordered(causes)
        return list(done)


class _OneOf:
    """The one cause equal to a given one among those seen: the five invoices of a refused customer, or a
    thousand throttled pushes, hold one cause, not a copy each (causes are never changed once made). A cause
    already held is known by its identity (held here, so no other object can take its id), without its key."""

    __slots__ = ("by_key", "held")

    def __init__(self) -> None:
        self.by_key: dict[tuple[Any, ...], Cause] = {}
        self.held: dict[int, Cause] = {}

    def of(self, cause: Cause) -> Cause:
        if id(cause) in self.held:
            return cause
        key = (
            cause.kind,
            tuple(cause.params.items()),
            cause.subject,
            tuple((e.source, e.summary, e.supports) for e in cause.evidence),
            cause.via,
            cause.via_number,
            cause.present,
        )
        kept = self.by_key.setdefault(key, cause)
        self.held[id(kept)] = kept
        return kept


class _StateAndFound:
    """A record's state causes, then the causes its failure was classified as: what a record that waits on it
    inherits. A view, not a merged copy: at 50,000 failures the copy was a second table of every record."""

    __slots__ = ("found", "state")

    def __init__(self, state: Mapping[RecordKey, list[Cause]], found: Mapping[RecordKey, list[Cause]]) -> None:
        self.state, self.found = state, found

    def get(self, key: RecordKey, default: list[Cause]) -> list[Cause]:
        own, base = self.found.get(key), self.state.get(key)
        if own is None:
            return base if base is not None else default
        return [*(base or ()), *own]


def _ks(cause: Cause) -> tuple[str, tuple[str, str]]:
    return (cause.kind, cause.subject)


# --- voids and deletions made directly in QuickBooks ----------------------------------------------------------


def waited_on(blockers: Mapping[RecordKey, Blocker]) -> set[RecordKey]:
    """The records blocked records wait on (a customer, an item, the invoice a payment pays)."""
    return {c.via for b in blockers.values() for c in b.causes if c.via is not None}


def deleted_invoices_paid_by(removed: Iterable[Removed], paid: Iterable[str]) -> set[RecordKey]:
    """Of the invoices deleted or voided in QuickBooks, those a failing payment pays (Suprata invoice ids in
    ``paid``): the payment's own cause (``invoice_deleted``, or the void as ``removed_in_qbo``) names them, as
    ``waited_on`` finds from the blockers."""
    ids = set(paid)
    return {("invoice", r.record.id) for r in removed if r.record_type == "invoice" and r.record.id in ids}


def removals_on_their_own(
    removed: Iterable[Removed], blocked: Iterable[RecordKey], waits_on: Iterable[RecordKey]
) -> list[Removed]:
    """The voids and deletions made directly in QuickBooks that are a cause of their own, found whether or
    not a push failed: not on a record that is blocked itself (its blocker tells its story), nor on one a
    blocked record waits on (that record's cause names it). ``diagnose`` lists these as plan entries and
    ``status`` counts them, from the same reads."""
    covered = set(blocked) | set(waits_on)
    return [r for r in removed if (r.record_type, r.record.id) not in covered]


@dataclass
class DirectChange:
    """A Suprata record put out of step by something done directly in QuickBooks, found from what QuickBooks
    holds (no push needs to have failed): its copy voided or deleted there, a payment entered there against
    it, or one of its payments saved there twice. ``kind`` is the cause kind diagnose's plan entry carries."""

    kind: str  # removed_in_qbo | qbo_only_payment | duplicate_payment
    record_type: str  # invoice | payment: the Suprata record diagnose lists under the entry
    record_id: str
    number: str
    change: str  # voided | deleted | paid in QuickBooks only | paid twice in QuickBooks
    qbo_id: str  # the QuickBooks object that was changed (the void, the payment entered, the extra copy)
    when: datetime | None = None


def direct_changes(ev: Evidence, blocked: Iterable[RecordKey], waits_on: Iterable[RecordKey]) -> list[DirectChange]:
    """Every record of diagnose's plan entries found by comparing the two sides rather than from a failed
    push, from the change-feed reads alone (``evidence.read_change_feed``): what ``status`` counts."""
    out = [
        DirectChange("removed_in_qbo", r.record_type, r.record.id, r.record.number, r.change, r.qbo_id, r.when)
        for r in removals_on_their_own(ev.removed, blocked, waits_on)
    ]
    for payment, invoices in ev.qbo_only_payments:
        when = _meta_time(payment, "create_time")
        out += [
            DirectChange(
                "qbo_only_payment", "invoice", i.id, i.number, "paid in QuickBooks only", str(payment.id), when
            )
            for i in invoices
        ]
    for extra, _twin, _payment, invoices in ev.duplicate_payments:
        when = _meta_time(extra, "create_time")
        out += [
            DirectChange(
                "duplicate_payment", "invoice", i.id, i.number, "paid twice in QuickBooks", str(extra.id), when
            )
            for i in invoices
        ]
    return out


# --- records not pushed yet: what the next push will meet (qbsync preflight) ---------------------------------


def pushes_tax_code(inv: m.Invoice) -> bool:
    """Suprata sends a tax code only on taxable lines (Suprata's own category code where the state has no
    mapping): an invoice with none meets no tax gap, whatever its category."""
    return any(line.taxable for line in inv.lines)


def connection_cause(conn: m.QboConnection | None, at: datetime, timezone: str = "UTC") -> Cause | None:
    """What Suprata's own QuickBooks connection does to a push at ``at``: down already, or lapsed by then (its
    access token gone and its refresh token past its expiry, so the refresh Suprata makes first is refused)."""
    if conn is None:
        return None
    link = f" at {conn.reconnect_url}" if conn.reconnect_url else ""
    subject = ("connection", "suprata")
    if conn.status != "connected":
        said = EvidenceItem("suprata", f"Suprata's QuickBooks connection is {conn.status}")
        return Cause("connection_down", {"status": conn.status, "reconnect_at": link}, subject, [said])
    refresh, access = conn.refresh_token_expires_at, conn.access_token_expires_at
    if refresh is None or refresh > at or (access is not None and access > at):
        return None
    expired = local_time(refresh, timezone)  # in the company's zone, as every time core writes for people
    said = EvidenceItem("suprata", f"Suprata's QuickBooks refresh token expired {expired}")
    return Cause("connection_will_lapse", {"expired": expired, "reconnect_at": link}, subject, [said])


def predicted_blockers(
    fs: FailureSet, ev: Evidence, keys: Iterable[RecordKey], at: datetime | None = None
) -> dict[RecordKey, Blocker]:
    """The blocker each record not pushed yet will have once Suprata pushes it at ``at`` (default: now): the
    same causes, from the same facts, that ``diagnose`` finds after the push fails. ``fs`` holds the records,
    what they depend on and no failures. A record that will sync has no entry."""
    state = state_causes(fs, ev)
    for key, causes in state.items():
        invoice = fs.invoices.get(key[1]) if key[0] == "invoice" else None
        if invoice is not None and not pushes_tax_code(invoice):
            state[key] = [c for c in causes if c.pattern != "P4"]
    # An invoice carries what its customer and items will meet, so a payment waiting on it does too.
    merged: dict[RecordKey, list[Cause]] = {**state}
    from_state = _Inheritance(fs, state)
    for inv in fs.invoices.values():
        key = ("invoice", inv.id)
        if not inv.qbo.qbo_id:
            merged[key] = [*state.get(key, []), *(_own(c) for c in from_state.of(key, inv))]
    from_merged = _Inheritance(fs, merged)
    lapsed = connection_cause(ev.suprata_connection, at or ev.now, ev.timezone)
    out: dict[RecordKey, Blocker] = {}
    for key in keys:
        record = _record(fs, key)
        if record is None:
            continue
        causes = ordered([*([lapsed] if lapsed else []), *state.get(key, []), *from_merged.of(key, record)])
        if causes:
            out[key] = Blocker(key, record.number, causes[0], causes)
    return out


def _own(cause: Cause) -> Cause:
    """An inherited cause as the record's own (what the records waiting on it inherit in turn)."""
    return Cause(cause.kind, cause.params, cause.subject, cause.evidence, None, None, cause.present)
