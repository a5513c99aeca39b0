"""The ``demo`` scenario: Peak Flow Plumbing & Heating, Fort Collins, six months of ordinary work
(June to late November 2026) with every root-cause pattern planted as state at least once.

Built from a seeded RNG, so the same code always writes the same ``scenarios/demo.json``. The builder
knows which invoices its planted causes will block and leaves their payments out (customers have not paid
them yet), so the blocked counts in ``expected`` are exact; a test checks them against what the engine did.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from qbsync.sandbox import scenario as sc
from qbsync.sandbox.scenario_kit import (
    TAX_CATEGORY,
    at,
    base,
    customer,
    line,
    with_timeline,
)

SEED = 2026
FIRST = ["Laura", "Ben", "Carmen", "Derek", "Priya", "Tom", "Hannah", "Luis", "Megan", "Sam", "Grace", "Noah", "Aisha",
         "Kyle", "Rosa", "Ethan", "Julia", "Wes", "Mia", "Owen", "Tessa", "Raj", "Claire", "Gabe", "Nora", "Colin",
         "Dana", "Eli", "Fiona", "Hector", "Ivy", "Jack"]  # fmt: skip
LAST = ["Whitfield", "Albright", "Delgado", "Nakamura", "Shah", "Brennan", "Larsen", "Ortiz", "Schaefer", "Kim",
        "McAllister", "Novak", "Rahman", "Jorgensen", "Vega", "Holloway", "Petrov", "Dunbar", "Castillo", "Fischer",
        "Greer", "Iyer", "Lindqvist", "Moreau", "Okafor", "Pruitt", "Quintana", "Sorensen", "Tanaka", "Ulrich"]  # fmt: skip
STREETS = ["Stover St", "Mulberry St", "Laporte Ave", "Shields St", "Drake Rd", "Timberline Rd", "Horsetooth Rd",
           "Lemay Ave", "Taft Hill Rd", "Prospect Rd", "Harmony Rd", "Eastdale Dr", "Boardwalk Dr", "Centre Ave"]  # fmt: skip
CO_PLACES = [("Fort Collins", "80521"), ("Fort Collins", "80524"), ("Fort Collins", "80525"), ("Fort Collins", "80526"),
             ("Loveland", "80537"), ("Loveland", "80538"), ("Windsor", "80550"), ("Timnath", "80547"),
             ("Wellington", "80549"), ("Greeley", "80631")]  # fmt: skip
WY_PLACES = [
    ("Cheyenne", "82001"),
    ("Cheyenne", "82007"),
    ("Cheyenne", "82009"),
    ("Laramie", "82070"),
    ("Laramie", "82072"),
]
BUSINESSES = [
    ("Rocky Mountain Dental Group", "CO", "Rocky Mountain Dental Group PC"),
    ("Old Town Brewing Co", "CO", "Old Town Brewing Company LLC"),
    ("Harmony Road Veterinary Clinic", "CO", "Harmony Road Veterinary Clinic PLLC"),
    ("Stove Prairie Apartments", "CO", "Stove Prairie Residential LLC"),
    ("Timberline Family Church", "CO", "Timberline Family Church"),
    ("Linden Street Coffee", "CO", "Linden Street Coffee LLC"),
    ("Cheyenne Frontier Properties", "WY", "Cheyenne Frontier Properties LLC"),
    ("Laramie Plains Motel", "WY", "Laramie Plains Hospitality Inc"),
]

# job templates: (name, season, lines as (sku, qty range)) -- AC in summer, furnaces from September
JOBS: list[tuple[str, str, list[tuple[str, tuple[float, float]]]]] = [
    ("drain", "any", [("SVC-DRAIN", (1, 1))]),
    ("drain+camera", "any", [("SVC-DRAIN", (1, 1)), ("SVC-CAM", (1, 1))]),
    ("water heater", "any", [("PRT-WH50", (1, 1)), ("LAB-PLMB", (3, 4)), ("PRT-EXP", (1, 1))]),
    ("tankless", "any", [("PRT-TNKL", (1, 1)), ("LAB-PLMB", (5, 7))]),
    ("faucet", "any", [("SVC-CALL", (1, 1)), ("PRT-FAUC", (1, 1)), ("LAB-PLMB", (1, 1))]),
    ("disposal", "any", [("PRT-DISP", (1, 1)), ("LAB-PLMB", (1, 1))]),
    ("prv", "any", [("SVC-CALL", (1, 1)), ("PRT-PRV", (1, 1)), ("LAB-PLMB", (1.5, 1.5))]),
    ("leak", "any", [("SVC-CALL", (1, 1)), ("PRT-VALV", (1, 2)), ("LAB-PLMB", (1, 2))]),
    ("emergency", "any", [("SVC-EMER", (1, 1)), ("LAB-PLMB", (2, 3)), ("PRT-VALV", (1, 1))]),
    ("sump", "any", [("PRT-SUMP", (1, 1)), ("LAB-PLMB", (2, 2))]),
    ("thermostat", "any", [("PRT-TSTAT", (1, 1)), ("LAB-HVAC", (1, 1))]),
    ("ac tune-up", "summer", [("SVC-AC", (1, 1))]),
    ("ac repair", "summer", [("SVC-CALL", (1, 1)), ("PRT-CAP", (1, 1)), ("LAB-HVAC", (1, 2))]),
    ("furnace tune-up", "fall", [("SVC-FURN", (1, 1)), ("PRT-FLTR", (1, 4))]),
    ("furnace repair", "fall", [("SVC-CALL", (1, 1)), ("PRT-IGN", (1, 1)), ("LAB-HVAC", (1, 1))]),
    ("labor only", "any", [("LAB-PLMB", (1, 3))]),
]
TAXABLE = {"PRT-WH50", "PRT-TNKL", "PRT-DISP", "PRT-FAUC", "PRT-VALV", "PRT-FLTR", "PRT-TSTAT", "PRT-PRV", "PRT-SUMP",
           "PRT-CAP", "PRT-IGN", "PRT-EXP"}  # fmt: skip

START, NOW = "2026-06-01 07:00", "2026-11-24 09:30"
LAPSE, RECONNECT = at("2026-11-18 06:00"), at("2026-11-20 13:45")  # after the books close: retrying is really safe
BURST_START, BURST_END = at("2026-11-24 08:45"), at("2026-11-24 09:25")
CLOSE_EVENT, CLOSE_THROUGH = at("2026-11-03 17:30"), date(2026, 10, 31)
WY_SINCE = date(2026, 9, 1)


@dataclass
class Plan:
    """Bookkeeping while building: what each planted cause blocks."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    records: dict[str, list[str]] = field(default_factory=dict)

    def block(self, cause: str, record_type: str, number: str) -> None:
        self.counts.setdefault(cause, {}).setdefault(record_type, 0)
        self.counts[cause][record_type] += 1
        self.records.setdefault(cause, []).append(number)


class DemoBuilder:
    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.events: list[Any] = []
        self.plan = Plan()
        self.next_invoice = 1001
        self.next_payment = 2001
        self.customers: list[sc.SupCustomerSpec] = []
        self.state_of: dict[str, str] = {}
        self.synced_items: set[str] = set()
        self.reserved: set[str] = set()  # invoices whose payment is planted elsewhere (or never comes)
        self.invoice_times: dict[str, datetime] = {}

    # --- people -------------------------------------------------------------------------------

    def make_customers(self) -> None:
        n = 1001
        used: set[str] = set()
        for name, state, legal in BUSINESSES:
            self._add_customer(n, name, state, company_name=legal)
            n += 1
        while len(self.customers) < 46:
            name = f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"
            if name in used or name in ("Ben Albright",):
                continue
            used.add(name)
            state = "WY" if len(self.customers) % 7 == 3 else "CO"
            self._add_customer(n, name, state)
            n += 1
        self._add_customer(n, "Ben Albright", "CO")  # P1: made inactive in QuickBooks in October
        self._add_customer(n + 1, "Front Range Electric", "CO", company_name="Front Range Electric Inc")  # P1: a vendor

    def _add_customer(self, number: int, name: str, state: str, **extra: Any) -> None:
        city, zip_code = self.rng.choice(WY_PLACES if state == "WY" else CO_PLACES)
        street = f"{self.rng.randint(100, 4999)} {self.rng.choice(STREETS)}"
        spec = customer(number, name, city, state, street, zip_code, **extra)
        self.customers.append(spec)
        self.state_of[spec.number] = state

    def number_of(self, name: str) -> str:
        return next(c.number for c in self.customers if c.display_name == name)

    # --- events -------------------------------------------------------------------------------

    def invoice(self, when: datetime, cust: str, lines: list[sc.LineSpec], **kw: Any) -> str:
        number = f"TMP-{self.next_invoice}"  # renumbered in time order at the end
        self.next_invoice += 1
        self.events.append(
            sc.InvoiceCreated(at=when, number=number, customer=cust, tax_category=TAX_CATEGORY, lines=lines, **kw)
        )
        self.invoice_times[number] = when
        return number

    def payment(self, when: datetime, invoice: str, **kw: Any) -> str:
        number = f"PMT-{self.next_payment}"
        self.next_payment += 1
        method = self.rng.choice(["Credit card", "Credit card", "Check", "ACH"])
        reference = str(self.rng.randint(1100, 9800)) if method == "Check" else None
        self.events.append(
            sc.PaymentCreated(
                at=when,
                number=number,
                method=method,
                reference=reference,
                applied=[sc.PaymentApplied(invoice=invoice)],
                **kw,
            )
        )
        return number

    def job_lines(self, day: date) -> list[sc.LineSpec]:
        season = "summer" if day.month in (6, 7, 8) else "fall"
        options = [j for j in JOBS if j[1] in ("any", season)]
        _, _, template = self.rng.choice(options)
        lines = []
        for sku, (lo, hi) in template:
            qty = lo if lo == hi else self.rng.choice([lo + k * 0.5 for k in range(int((hi - lo) * 2) + 1)])
            lines.append(line(sku, str(Decimal(str(qty)).normalize())))
        return lines

    def work_time(self, day: date) -> datetime:
        minutes = self.rng.randint(7 * 60 + 30, 17 * 60 + 45)
        return at(f"{day.isoformat()} {minutes // 60:02d}:{minutes % 60:02d}")

    # --- the ordinary six months --------------------------------------------------------------

    def ordinary(self) -> None:
        day = date(2026, 6, 1)
        last = date(2026, 11, 23)
        ordinary_customers = [c for c in self.customers if c.display_name not in ("Front Range Electric",)]
        seen: set[str] = set()
        while day <= last:
            if day.weekday() < 5:
                for _ in range(self.rng.choice([1, 2, 2, 2, 3, 3])):
                    self.ordinary_invoice(day, ordinary_customers, seen)
            day += timedelta(days=1)

    def ordinary_invoice(self, day: date, pool: list[sc.SupCustomerSpec], seen: set[str]) -> None:
        when = self.work_time(day)
        in_lapse = LAPSE <= when < RECONNECT
        choices = [
            c
            for c in pool
            if (self.state_of[c.number] == "CO" or day >= WY_SINCE)
            and not (c.display_name == "Ben Albright" and day >= date(2026, 9, 1))
            and (not in_lapse or c.number in seen)  # nothing new gets created while disconnected
        ]
        cust = self.rng.choice(choices)
        lines = self.job_lines(day)
        if in_lapse and any(ln.sku not in self.synced_items for ln in lines):
            lines = [line("SVC-CALL"), line("LAB-PLMB", 1)]
        wy_taxable = self.state_of[cust.number] == "WY" and any(ln.sku in TAXABLE for ln in lines)
        number = self.invoice(when, cust.number, lines)
        if in_lapse:
            self.plan.block("P5", "invoice", number)
            return
        seen.add(cust.number)
        if wy_taxable:
            self.plan.block("P4", "invoice", number)
            return
        self.synced_items.update(ln.sku for ln in lines)
        self.maybe_pay(number, when, cust.display_name)

    def maybe_pay(self, number: str, issued: datetime, customer_name: str) -> None:
        prompt = customer_name == "Ben Albright"  # he always pays within days
        if not prompt and self.rng.random() > 0.86:
            return
        paid = issued + timedelta(days=self.rng.randint(2, 9 if prompt else 32), hours=self.rng.randint(-3, 3))
        if paid >= at("2026-11-23 18:00"):
            return
        if BURST_START <= paid < BURST_END:
            return
        self.events.append(("pay", paid, number))  # numbered later, in time order

    # --- planted causes -----------------------------------------------------------------------

    def plant(self) -> None:
        fre, ben = self.number_of("Front Range Electric"), self.number_of("Ben Albright")
        # P1: a customer whose name a QBO vendor already holds
        for when, lines in [
            ("2026-09-08 10:20", [line("SVC-CALL"), line("PRT-VALV", 2), line("LAB-PLMB", 2)]),
            ("2026-10-15 14:05", [line("PRT-EXP"), line("LAB-PLMB", 1)]),
            ("2026-11-13 08:50", [line("SVC-DRAIN")]),
        ]:
            number = self.invoice(at(when), fre, lines)
            self.plan.block("P1-vendor", "invoice", number)
            if when.startswith("2026-09"):
                self.reserved.add(number)
                self.events.append(("pay-fail", at("2026-09-25 16:40"), number, "P1-vendor"))
        self.plan.block("P1-vendor", "customer", fre)
        # P1: made inactive in QuickBooks (all his invoices paid), then a new invoice
        first = self.invoice(at("2026-07-14 09:25"), ben, [line("SVC-CALL"), line("PRT-FAUC"), line("LAB-PLMB", 1)])
        self.reserved.add(first)
        self.events.append(("pay", at("2026-07-20 17:05"), first))
        self.events.append(sc.QboMadeInactive(at=at("2026-10-27 11:02"), entity="Customer", key="Ben Albright",
                                              note="bookkeeper tidying the customer list"))  # fmt: skip
        number = self.invoice(at("2026-11-11 13:15"), ben, [line("SVC-DRAIN"), line("SVC-CAM")])
        self.plan.block("P1-inactive", "invoice", number)
        # P2: the bookkeeper created "Water Heater Flush" in QuickBooks by hand; Suprata's item is unlinked
        for when, cust in [
            ("2026-09-15 09:40", 0),
            ("2026-10-01 15:10", 1),
            ("2026-10-21 11:30", 2),
            ("2026-11-17 10:05", 3),
        ]:
            number = self.invoice(at(when), self.customers[8 + cust].number, [line("SVC-WHF"), line("PRT-EXP")])
            self.plan.block("P2", "invoice", number)
        self.plan.block("P2", "item", "SVC-WHF")
        # P3: October closed on 3 November; three October jobs invoiced afterwards
        self.events.append(sc.BooksClosed(at=CLOSE_EVENT, through=CLOSE_THROUGH, note="month-end close"))
        for minute, txn_day, cust in [(20, 29, 12), (24, 30, 13), (31, 31, 14)]:
            number = self.invoice(at(f"2026-11-04 08:{minute}"), self.customers[cust].number,
                                  [line("SVC-FURN"), line("PRT-FLTR", 2)], txn_date=date(2026, 10, txn_day))  # fmt: skip
            self.plan.block("P3", "invoice", number)
        # P5: Suprata's refresh token lapsed; reconnected three days later
        self.events.append(sc.ConnectionLapsed(at=LAPSE, note="refresh token past its 100-day expiry"))
        self.events.append(sc.Reconnected(at=RECONNECT, note="owner reconnected from Suprata's settings"))
        # P6: a timeout after commit; the retry (new requestid) duplicates the invoice
        self.events.append(sc.TimeoutAfterCommit(at=at("2026-10-20 10:04"), entity="Invoice", count=1))
        dup = self.invoice(at("2026-10-20 10:05"), self.customers[2].number, [line("SVC-FURN"), line("PRT-IGN")])
        self.reserved.add(dup)
        self.events.append(("pay", at("2026-11-02 12:10"), dup))
        # P7: throttled this morning; the invoices wait for Suprata's automatic retry
        self.events.append(sc.ThrottleBurst(at=BURST_START, seconds=int((BURST_END - BURST_START).total_seconds())))
        for when, cust in [("08:50", 4), ("08:55", 5), ("09:02", 9), ("09:10", 10)]:
            number = self.invoice(at(f"2026-11-24 {when}"), self.customers[cust].number, [line("SVC-FURN")])
            self.plan.block("P7", "invoice", number)
        # noise that healed itself: a 25-minute QuickBooks outage in September
        self.events.append(sc.Outage(at=at("2026-09-17 11:00"), seconds=25 * 60, status=503))
        self.invoice(at("2026-09-17 11:05"), self.customers[0].number, [line("SVC-AC")])
        self.invoice(at("2026-09-17 11:12"), self.customers[6].number, [line("SVC-DRAIN")])
        self.dup_invoice = dup

    def plant_in_qbo(self) -> None:
        """P6 (a payment only QuickBooks knows, an invoice deleted there) and unknown (edited in both)."""
        qbo_paid = self.invoice(at("2026-10-22 13:40"), self.customers[1].number, [line("SVC-AC"), line("PRT-CAP")])
        deleted = self.invoice(
            at("2026-10-26 10:15"), self.customers[3].number, [line("SVC-CALL"), line("LAB-PLMB", 1)]
        )
        edited = self.invoice(at("2026-10-28 15:50"), self.customers[0].number, [line("SVC-FURN"), line("PRT-FLTR", 2)])
        self.reserved.update({qbo_paid, deleted, edited})
        self.events.append(sc.QboPaymentEntered(at=at("2026-11-05 14:10"), invoice=qbo_paid, reference="ck 5521",
                                                note="the owner recorded a check directly in QuickBooks"))  # fmt: skip
        self.events.append(sc.QboDeleted(at=at("2026-11-06 09:30"), entity="Invoice", key=deleted,
                                         note="bookkeeper removed what looked like a stray invoice"))  # fmt: skip
        self.events.append(("pay-fail", at("2026-11-12 16:20"), deleted, "P6-deleted"))
        self.events.append(sc.QboEdited(at=at("2026-11-02 09:12"), entity="Invoice", key=edited,
                                        changes={"CustomerMemo": {"value": "Per phone call: filter swap included"}}))  # fmt: skip
        self.events.append(sc.InvoiceEdited(at=at("2026-11-03 15:40"), number=edited, add_lines=[line("PRT-FLTR", 2)]))
        self.plan.block("unknown", "invoice", edited)
        self.plan.records.setdefault("P6-deleted", []).append(deleted)
        self.qbo_paid, self.deleted, self.edited = qbo_paid, deleted, edited

    def number_payments(self) -> list[Any]:
        """Payments get numbers in time order, as Suprata would issue them."""
        events = []
        for item in sorted(self.events, key=lambda e: e[1] if isinstance(e, tuple) else e.at):
            if isinstance(item, tuple):
                kind, when, invoice = item[0], item[1], item[2]
                if LAPSE <= when < RECONNECT and kind == "pay":
                    number = self.payment(when, invoice)
                    self.plan.block("P5", "payment", number)
                else:
                    number = self.payment(when, invoice)
                    if kind == "pay-fail":
                        self.plan.block(item[3], "payment", number)
                events.append(self.events.pop())
            else:
                events.append(item)
        return events


def demo(seed: int = SEED) -> sc.Scenario:
    b = DemoBuilder(seed)
    b.make_customers()
    b.plant()
    b.plant_in_qbo()
    b.ordinary()
    events = b.number_payments()
    s = base(
        "demo",
        "Peak Flow Plumbing & Heating (demo)",
        "A Fort Collins plumbing and HVAC company that also works in Wyoming: six months of invoices and payments "
        "synced by Suprata, with every root-cause pattern planted as state.",
        start=START,
        now=NOW,
    )
    s.suprata.customers = b.customers
    s.suprata.tax_categories[0].mappings["WY"] = None  # P4: Wyoming never mapped
    s.qbo.vendors.append(sc.PartySpec(display_name="Front Range Electric", company_name="Front Range Electric Inc"))
    s.qbo.items.append(sc.QboItemSpec(name="Water Heater Flush", type="Service", unit_price=Decimal("139.00")))
    counts, records = b.plan.counts, b.plan.records
    cause = sc.ExpectedCause
    causes = [
        cause(pattern="P1", subject="Front Range Electric", qbo_code="6240", blocked=counts["P1-vendor"], records=records["P1-vendor"]),
        cause(pattern="P1", subject="Ben Albright", qbo_code="610", blocked=counts["P1-inactive"], records=records["P1-inactive"]),
        cause(pattern="P2", subject="Water Heater Flush", qbo_code="6240", blocked=counts["P2"], records=records["P2"]),
        cause(pattern="P3", subject=CLOSE_THROUGH.isoformat(), qbo_code="6210", blocked=counts["P3"], records=records["P3"]),
        cause(pattern="P4", subject=f"tax category {TAX_CATEGORY} in WY", qbo_code="6100", blocked=counts["P4"], records=records["P4"]),
        cause(pattern="P5", subject="Suprata connection (invalid_grant, reconnected 2026-11-20)", blocked=counts["P5"], records=records["P5"]),
        cause(pattern="P6", subject=f"{b.dup_invoice} duplicated in QuickBooks", records=[b.dup_invoice]),
        cause(pattern="P6", subject=f"payment for {b.qbo_paid} entered only in QuickBooks", records=[b.qbo_paid]),
        cause(pattern="P6", subject=f"{b.deleted} deleted in QuickBooks", qbo_code="610", blocked=counts["P6-deleted"], records=records["P6-deleted"]),
        cause(pattern="P7", subject="QuickBooks throttling (429)", qbo_code="3001", blocked=counts["P7"], records=records["P7"]),
        cause(pattern="unknown", subject=f"{b.edited} edited in both systems", qbo_code="5010", blocked=counts["unknown"], records=records["unknown"]),
    ]  # fmt: skip
    return _renumber_invoices(with_timeline(s, events, causes))


def _renumber_invoices(s: sc.Scenario) -> sc.Scenario:
    """Suprata numbers invoices as they are created: INV-1001 is the first of June."""
    created = [e for e in s.ordered_timeline() if isinstance(e, sc.InvoiceCreated)]
    mapping = {e.number: f"INV-{1001 + i}" for i, e in enumerate(created)}
    text = re.sub(r"TMP-\d+", lambda m: mapping[m.group(0)], s.model_dump_json())
    return sc.Scenario.model_validate_json(text)
