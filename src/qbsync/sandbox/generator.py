"""A company at scale: ``generate(failures=10_000, customers=2_000, seed=0)`` returns a scenario whose
timeline produces (about) that many failed records, with a mix of every pattern.

Nothing is canned: the generator only plants causes (vendors holding customer names, QBO items holding item
names, a close date, an unmapped state, a lapsed connection, a throttling burst, records edited on both
sides) and the invoices that will meet them; the engine then pushes everything over HTTP as usual. Each
customer first gets one ordinary invoice early on, so later failures land on customers QuickBooks knows.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from qbsync.sandbox import scenario as sc
from qbsync.sandbox.scenario_kit import PRICE_LIST, TAX_CATEGORY, at, base, customer, line

# share of the failures each cause produces
MIX = {
    "P4": 0.27,
    "P5": 0.18,
    "P1-vendor": 0.10,
    "P1-inactive": 0.04,
    "P2": 0.14,
    "P3": 0.12,
    "P7": 0.11,
    "unknown": 0.04,
}
INVOICES_PER_VENDOR_CUSTOMER = 4
COLLIDING_ITEMS = [
    ("SVC-BFT", "Backflow Test"), ("SVC-JET", "Hydro Jetting"), ("SVC-GAS", "Gas Line Repair"),
    ("SVC-BOIL", "Boiler Service"), ("SVC-HUM", "Humidifier Install"), ("SVC-DUCT", "Duct Cleaning"),
    ("SVC-MINI", "Mini-Split Service"), ("SVC-SOFT", "Water Softener Service"), ("SVC-SPOT", "Sewer Spot Repair"),
    ("SVC-RPZ", "RPZ Valve Rebuild"),
]  # fmt: skip
FIRST = ["Laura", "Ben", "Carmen", "Derek", "Priya", "Tom", "Hannah", "Luis", "Megan", "Sam", "Grace", "Noah",
         "Aisha", "Kyle", "Rosa", "Ethan", "Julia", "Wes", "Mia", "Owen", "Tessa", "Raj", "Claire", "Gabe"]  # fmt: skip
LAST = ["Whitfield", "Nakamura", "Shah", "Brennan", "Larsen", "Ortiz", "Schaefer", "Kim", "McAllister", "Novak",
        "Rahman", "Jorgensen", "Vega", "Holloway", "Petrov", "Dunbar", "Castillo", "Fischer", "Greer", "Iyer"]  # fmt: skip
PLACES = {"CO": [("Fort Collins", "80525"), ("Loveland", "80538"), ("Greeley", "80631"), ("Windsor", "80550")],
          "WY": [("Cheyenne", "82001"), ("Laramie", "82072")]}  # fmt: skip

START, NOW = at("2026-05-01 07:00"), at("2026-11-24 09:30")
FIRST_INVOICES = (at("2026-05-01 08:00"), at("2026-08-31 17:00"))
ORDINARY = (at("2026-09-01 08:00"), at("2026-11-23 17:00"))
LAPSE, RECONNECT = at("2026-09-14 06:00"), at("2026-09-18 16:00")
CLOSE_AT, CLOSE_THROUGH = at("2026-11-03 17:30"), "2026-10-31"
BURST = (at("2026-11-24 08:40"), at("2026-11-24 09:25"))
TAXABLE_SKUS = [sku for sku, _, _, _, taxable in PRICE_LIST if taxable]
PLAIN_SKUS = [sku for sku, _, _, _, taxable in PRICE_LIST if not taxable and sku != "SVC-WHF"]


class _Gen:
    def __init__(self, failures: int, customers: int, seed: int) -> None:
        self.rng = random.Random(f"qbsync-scale-{seed}")
        self.failures, self.n_customers = failures, customers
        self.events: list[Any] = []
        self.blocked: dict[str, dict[str, int]] = {}
        self.next_invoice, self.next_payment = 100001, 500001

    def when(self, window: tuple[datetime, datetime]) -> datetime:
        span = int((window[1] - window[0]).total_seconds())
        return window[0] + timedelta(seconds=self.rng.randrange(span))

    def ordinary_time(self, window: tuple[datetime, datetime] = ORDINARY) -> datetime:
        """A time in the ordinary months, outside the lapsed-connection window (that is P5's)."""
        while True:
            when = self.when(window)
            if not LAPSE <= when < RECONNECT:
                return when

    def block(self, cause: str, record_type: str, n: int = 1) -> None:
        counts = self.blocked.setdefault(cause, {})
        counts[record_type] = counts.get(record_type, 0) + n

    def invoice(self, when: datetime, cust: str, skus: list[str], **kw: Any) -> str:
        number = f"INV-{self.next_invoice}"
        self.next_invoice += 1
        lines = [line(sku, self.rng.choice([1, 1, 2])) for sku in skus]
        self.events.append(sc.InvoiceCreated(at=when, number=number, customer=cust, tax_category=TAX_CATEGORY, lines=lines, **kw))  # fmt: skip
        return number

    def payment(self, when: datetime, invoice: str) -> None:
        number = f"PMT-{self.next_payment}"
        self.next_payment += 1
        self.events.append(sc.PaymentCreated(at=when, number=number, method="Credit card", applied=[sc.PaymentApplied(invoice=invoice)]))  # fmt: skip

    def quota(self, cause: str) -> int:
        return max(1, round(self.failures * MIX[cause]))

    def build(self) -> sc.Scenario:
        s = base("scale", f"Generated: {self.failures} failures over {self.n_customers} customers",
                 "A generated company at scale with every pattern but P6 mixed in.", start="2026-05-01 07:00", now="2026-11-24 09:30")  # fmt: skip
        rng = self.rng
        names: set[str] = set()
        specs: list[Any] = []
        while len(specs) < self.n_customers:
            name = f"{rng.choice(FIRST)} {chr(65 + rng.randrange(26))}. {rng.choice(LAST)}"
            if name in names:
                name = f"{name} {len(specs)}"
            names.add(name)
            state = "WY" if rng.random() < 0.2 else "CO"
            city, zip_code = rng.choice(PLACES[state])
            specs.append(customer(10001 + len(specs), name, city, state, f"{rng.randint(100, 9999)} Main St", zip_code))
        n_vendor = max(1, round(self.quota("P1-vendor") / (INVOICES_PER_VENDOR_CUSTOMER + 1)))
        vendor_customers, regular = specs[:n_vendor], specs[n_vendor:]
        wy = [c for c in regular if c.state == "WY"]
        co = [c for c in regular if c.state == "CO"]
        # every regular customer's first job, early in the year, synced (CO plain work so items get linked)
        for c in regular:
            issued = self.when(FIRST_INVOICES)
            number = self.invoice(issued, c.number, [rng.choice(PLAIN_SKUS), rng.choice(TAXABLE_SKUS)] if c.state == "CO" else [rng.choice(PLAIN_SKUS)])  # fmt: skip
            if rng.random() < 0.5:
                self.payment(min(issued + timedelta(days=rng.randint(3, 30)), at("2026-09-01 12:00")), number)
        # P1: customers whose names QBO vendors hold
        for c in vendor_customers:
            s.qbo.vendors.append(sc.PartySpec(display_name=c.display_name))
            for _ in range(INVOICES_PER_VENDOR_CUSTOMER):
                self.invoice(self.ordinary_time(), c.number, [rng.choice(PLAIN_SKUS)])
        self.block("P1", "customer", len(vendor_customers))
        self.block("P1", "invoice", len(vendor_customers) * INVOICES_PER_VENDOR_CUSTOMER)
        # P1: customers made inactive in QBO (their first invoice unpaid-free: pick those with no balance)
        paid = {e.applied[0].invoice for e in self.events if isinstance(e, sc.PaymentCreated)}
        first_of = {e.customer: e.number for e in self.events if isinstance(e, sc.InvoiceCreated)}
        settled = [c for c in co if first_of[c.number] in paid]
        for c in settled[: self.quota("P1-inactive")]:
            self.events.append(sc.QboMadeInactive(at=at("2026-09-02 10:00"), entity="Customer", key=c.display_name))
            self.invoice(self.ordinary_time((at("2026-09-02 12:00"), ORDINARY[1])), c.number, [rng.choice(PLAIN_SKUS)])
            self.block("P1", "invoice")
        inactive = {c.number for c in settled[: self.quota("P1-inactive")]}
        active_co = [c for c in co if c.number not in inactive]
        # P2: items whose names QBO already holds
        for sku, name in COLLIDING_ITEMS:
            s.suprata.items.append(sc.SupItemSpec(sku=sku, name=name, unit_price=Decimal("195.00"), taxable=False))
            s.qbo.items.append(sc.QboItemSpec(name=name, unit_price=Decimal("180.00")))
        p2 = self.quota("P2") - len(COLLIDING_ITEMS)
        for i in range(max(0, p2)):
            self.invoice(
                self.ordinary_time(), rng.choice(active_co).number, [COLLIDING_ITEMS[i % len(COLLIDING_ITEMS)][0]]
            )
        self.block("P2", "item", len(COLLIDING_ITEMS))
        self.block("P2", "invoice", max(0, p2))
        # P3: October closed; late October jobs invoiced after
        self.events.append(sc.BooksClosed(at=CLOSE_AT, through=CLOSE_THROUGH))  # type: ignore[arg-type]
        for _ in range(self.quota("P3")):
            when = self.when((at("2026-11-04 08:00"), at("2026-11-23 17:00")))
            day = at("2026-10-01 12:00") + timedelta(days=rng.randrange(31))
            self.invoice(when, rng.choice(active_co).number, [rng.choice(PLAIN_SKUS)], txn_date=day.date())
        self.block("P3", "invoice", self.quota("P3"))
        # P4: Wyoming never mapped; taxable Wyoming work fails
        s.suprata.tax_categories[0].mappings["WY"] = None
        for _ in range(self.quota("P4")):
            self.invoice(
                self.ordinary_time(), rng.choice(wy).number, [rng.choice(PLAIN_SKUS), rng.choice(TAXABLE_SKUS)]
            )
        self.block("P4", "invoice", self.quota("P4"))
        # P5: Suprata's connection lapsed for four days in September
        self.events += [sc.ConnectionLapsed(at=LAPSE), sc.Reconnected(at=RECONNECT)]
        for _ in range(self.quota("P5")):
            self.invoice(self.when((LAPSE + timedelta(hours=2), RECONNECT - timedelta(hours=1))), rng.choice(active_co).number, [rng.choice(PLAIN_SKUS)])  # fmt: skip
        self.block("P5", "invoice", self.quota("P5"))
        # P7: throttled this morning
        self.events.append(sc.ThrottleBurst(at=BURST[0], seconds=int((BURST[1] - BURST[0]).total_seconds())))
        for _ in range(self.quota("P7")):
            # retried after 2, 12 and 42 minutes: every retry before "now" still lands in the burst
            self.invoice(self.when((at("2026-11-24 08:49"), at("2026-11-24 09:12"))), rng.choice(active_co).number, [rng.choice(PLAIN_SKUS)])  # fmt: skip
        self.block("P7", "invoice", self.quota("P7"))
        # unknown: invoices edited in QuickBooks, then in Suprata (stale SyncToken)
        unpaid_first = [c for c in active_co if first_of[c.number] not in paid]
        for c in unpaid_first[: self.quota("unknown")]:
            number = first_of[c.number]
            edit = self.when((at("2026-09-20 08:00"), at("2026-10-30 17:00")))
            self.events.append(sc.QboEdited(at=edit, entity="Invoice", key=number, changes={"PrivateNote": "Adjusted per phone call"}))  # fmt: skip
            self.events.append(
                sc.InvoiceEdited(at=edit + timedelta(days=1), number=number, add_lines=[line("PRT-VALV")])
            )
            self.block("unknown", "invoice")
        s.suprata.customers = specs
        causes = [
            sc.ExpectedCause(pattern=cause, subject=f"generated {cause}", blocked=counts)  # type: ignore[arg-type]
            for cause, counts in sorted(self.blocked.items())
        ]
        total = sum(sum(c.values()) for c in self.blocked.values())
        return s.model_copy(
            update={"timeline": self.events, "expected": sc.Expected(root_causes=causes, failed_records=total)}
        )


def generate(failures: int = 10_000, customers: int = 2_000, seed: int = 0) -> sc.Scenario:
    """A scenario producing about ``failures`` failed records over ``customers`` customers (deterministic)."""
    scenario = _Gen(failures, customers, seed).build()
    return scenario.model_copy(update={"seed": seed, "name": f"scale-{failures}-{customers}"})
