"""The ``first-sync`` scenario: Peak Flow Plumbing & Heating a day after connecting Suprata to QuickBooks,
before the first sync. A year of work sits in Suprata, nothing has been pushed (the sync is not switched on),
and the two sets of lists were kept apart, so they are misaligned in every way the help article warns of.

What is planted, as state (the builder's constants say which record is which):

- items: Suprata names a QuickBooks item already holds, unlinked (exactly, in another case, and one inactive
  QuickBooks item that QBO shows as ``Name (deleted)``); near matches that QBO would take as new names
  (spacing, punctuation, "&" for "and"); items a person linked by hand (one to an inactive QuickBooks item);
- customers: names a QuickBooks customer, vendor or employee holds (exactly, in another case, an inactive
  customer); near matches (spacing, punctuation, "&"/"and", against a customer and against a vendor); two
  linked by hand;
- tax: "Parts & materials" mapped for Colorado only: Wyoming is known but unmapped, Nebraska (two customers
  over the line) was never set up. QuickBooks has a Wyoming tax code nobody mapped.

``expected`` is empty: nothing has failed yet. A test switches the sync on (``{"type": "sync_enabled"}``)
and lets Suprata push the year, which is what preflight predicts against.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from qbsync.sandbox import scenario as sc
from qbsync.sandbox.scenario_kit import (
    COMPANY,
    PRICE_LIST,
    REALM,
    TAX_CATEGORY,
    TAX_CO,
    customer,
    line,
    qbo_background,
)

NAME = "first-sync"
ZONE = ZoneInfo("America/Denver")
START = datetime(2025, 12, 1, 15, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)
CONNECTED = datetime(2026, 11, 23, 17, 5, tzinfo=UTC)  # Suprata connected yesterday; sync not switched on

# Suprata's price list: the usual one plus a thermostat job written with "&".
EXTRA_ITEMS = [("LAB-TSTAT", "Thermostat Install & Setup", "service", "165.00", False)]

# QuickBooks items the bookkeeper keyed in by hand: (name, type, price, active)
QBO_ITEMS = [
    ("Service Call - Standard", "Service", "89.00", True),  # same name, unlinked
    ("Water Heater Flush", "Service", "139.00", True),  # same name, unlinked
    ("FURNACE TUNE-UP", "Service", "129.00", True),  # same name but for case
    ("Pressure Reducing Valve", "NonInventory", "159.00", False),  # inactive: QBO shows "... (deleted)"
    ("Drain Cleaning Main Line", "Service", "245.00", True),  # near: punctuation ("-")
    ("Ball Valve 3/4in", "NonInventory", "38.50", True),  # near: spacing
    ("Thermostat Install and Setup", "Service", "165.00", True),  # near: "and" for "&"
    ("Plumbing Labor", "Service", "125.00", True),  # linked by hand from "Plumbing Labor (per hour)"
    ("HVAC Labor (per hour)", "Service", "135.00", True),  # linked by hand, same name
    ("After-Hours Call", "Service", "189.00", False),  # linked by hand, then made inactive
]
ITEM_LINKS = {"LAB-PLMB": "Plumbing Labor", "LAB-HVAC": "HVAC Labor (per hour)", "SVC-EMER": "After-Hours Call"}

# Suprata customers: (number, name, city, state, street, zip, extra)
CUSTOMERS: list[tuple[int, str, str, str, str, str, dict[str, str]]] = [
    (1001, "Laura Whitfield", "Fort Collins", "CO", "2417 Stover St", "80525", {}),  # a QBO customer, unlinked
    (1002, "Rocky Mountain Dental Group", "Loveland", "CO", "3820 N Garfield Ave", "80538", {"company_name": "Rocky Mountain Dental Group PC", "qbo_link": "Rocky Mountain Dental Group"}),
    (1003, "Ben Albright", "Windsor", "CO", "612 Chestnut St", "80550", {}),  # an inactive QBO customer
    (1004, "Old Town Brewing Co", "Fort Collins", "CO", "145 Linden St", "80524", {"company_name": "Old Town Brewing Company LLC"}),  # QBO: case
    (1005, "Carmen Delgado", "Cheyenne", "WY", "1914 Warren Ave", "82001", {"qbo_link": "Carmen Delgado"}),
    (1006, "Prairie Wind Apartments", "Laramie", "WY", "880 N 15th St", "82072", {"company_name": "Prairie Wind Residential LLC"}),
    (1007, "Front Range Electric", "Fort Collins", "CO", "1520 Riverside Ave", "80524", {"company_name": "Front Range Electric Inc"}),  # a QBO vendor
    (1008, "Tyler Brandt", "Wellington", "CO", "3911 Cleveland Ave", "80549", {}),  # a QBO employee
    (1009, "Smith & Sons Builders", "Timnath", "CO", "4120 Main St", "80547", {"company_name": "Smith & Sons Builders LLC"}),  # near: "and"
    (1010, "OBrien Family Trust", "Fort Collins", "CO", "718 Remington St", "80524", {"company_name": "OBrien Family Trust"}),  # near: punctuation
    (1011, "Mc Allister Ranch", "Cheyenne", "WY", "6200 Yellowstone Rd", "82009", {"company_name": "Mc Allister Ranch LLC"}),  # near: spacing
    (1012, "Kimball Grain Co-op", "Kimball", "NE", "201 S Chestnut St", "69145", {"company_name": "Kimball Grain Cooperative", "phone": "(308) 555-2012"}),
    (1013, "Sidney Veterinary Clinic", "Sidney", "NE", "1040 Illinois St", "69162", {"company_name": "Sidney Veterinary Clinic PC", "phone": "(308) 555-2013"}),
    (1014, "Harmony Ridge HOA", "Fort Collins", "CO", "5100 Harmony Rd", "80528", {"company_name": "Harmony Ridge Homeowners Association"}),
    (1015, "Johnstone Supply Loveland", "Loveland", "CO", "450 E 1st St", "80537", {"company_name": "Johnstone Supply"}),  # near: a vendor
]  # fmt: skip

QBO_CUSTOMERS = [
    sc.PartySpec(display_name="Laura Whitfield", given_name="Laura", family_name="Whitfield"),
    sc.PartySpec(display_name="Rocky Mountain Dental Group", company_name="Rocky Mountain Dental Group PC"),
    sc.PartySpec(display_name="Ben Albright", given_name="Ben", family_name="Albright", active=False),
    sc.PartySpec(display_name="OLD TOWN BREWING CO", company_name="Old Town Brewing Company LLC"),
    sc.PartySpec(display_name="Carmen Delgado", given_name="Carmen", family_name="Delgado"),
    sc.PartySpec(display_name="Smith and Sons Builders", company_name="Smith and Sons Builders LLC"),
    sc.PartySpec(display_name="O'Brien Family Trust"),
    sc.PartySpec(display_name="McAllister Ranch"),
]
QBO_VENDORS = [sc.PartySpec(display_name="Front Range Electric", company_name="Front Range Electric Inc")]
# Tyler Brandt is already one of qbo_background's employees (a technician who also hired the firm at home).

# Jobs, rotated over the year: lines as (sku, qty). Every misaligned item appears at least once.
JOBS: list[list[tuple[str, str]]] = [
    [("SVC-CALL", "1"), ("PRT-FAUC", "1"), ("LAB-PLMB", "1.5")],
    [("SVC-FURN", "1"), ("PRT-FLTR", "4")],
    [("SVC-DRAIN", "1"), ("SVC-CAM", "1")],
    [("SVC-WHF", "1"), ("PRT-EXP", "1")],
    [("PRT-PRV", "1"), ("LAB-PLMB", "2")],
    [("PRT-VALV", "2"), ("LAB-PLMB", "1")],
    [("PRT-TSTAT", "1"), ("LAB-TSTAT", "1")],
    [("SVC-AC", "1"), ("PRT-CAP", "1"), ("LAB-HVAC", "1")],
    [("SVC-EMER", "1"), ("PRT-SUMP", "1")],
    [("LAB-HVAC", "2"), ("PRT-IGN", "1")],
    [("PRT-WH50", "1"), ("LAB-PLMB", "3"), ("MISC-PERM", "1")],
    [("PRT-DISP", "1"), ("LAB-PLMB", "1")],
]
# Customers in the order they are invoiced: each at least twice, the Wyoming and Nebraska ones with parts.
ORDER = [1014, 1002, 1005, 1006, 1012, 1001, 1009, 1011, 1013, 1010, 1004, 1015, 1003, 1007, 1008]
INVOICES = 36
FIRST_NUMBER = 1001
PAYMENTS_EVERY = 3  # every third invoice is paid ten days later


def _at(day: date, hour: int, minute: int) -> datetime:
    """Mountain local time (standard or daylight, whichever applies that day) as UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(UTC)


def first_sync() -> sc.Scenario:
    seed = qbo_background()
    seed.customers.extend(QBO_CUSTOMERS)
    seed.vendors.extend(QBO_VENDORS)
    seed.items = [
        sc.QboItemSpec(name=n, type=t, unit_price=Decimal(p), active=a)  # type: ignore[arg-type]
        for n, t, p, a in QBO_ITEMS
    ]
    items = [
        sc.SupItemSpec(sku=sku, name=name, type=kind, unit_price=Decimal(price), taxable=taxable, qbo_link=ITEM_LINKS.get(sku))  # type: ignore[arg-type]
        for sku, name, kind, price, taxable in [*PRICE_LIST, *EXTRA_ITEMS]
    ]  # fmt: skip
    customers = [customer(n, name, city, st, street, z, **extra) for n, name, city, st, street, z, extra in CUSTOMERS]
    category = sc.TaxCategorySpec(
        id=TAX_CATEGORY, name="Parts & materials", rate_percent=Decimal("7.30"), mappings={"CO": TAX_CO, "WY": None}
    )
    return sc.Scenario(
        name=NAME,
        title="First sync: a year in Suprata, nothing in QuickBooks yet, the lists not lined up",
        description=(
            "Suprata was connected to QuickBooks yesterday and the sync is not switched on: a year of invoices "
            "waits, not synced. The bookkeeper keyed some items and customers into QuickBooks by hand: some names "
            "are the same but unlinked (they will collide), some differ only in case, spacing, punctuation, "
            "'&'/'and' or are inactive ('(deleted)'); a vendor and an employee hold two customers' names. 'Parts & "
            "materials' is mapped for Colorado only, though the company invoiced in Wyoming and Nebraska."
        ),
        seed=7,
        clock=sc.ClockSpec(start=START, now=NOW),
        company=sc.CompanySpec(realm_id=REALM, company_name=COMPANY, timezone="America/Denver"),
        qbo=seed,
        suprata=sc.SuprataSeed(
            account=sc.AccountSpec(id="acct_peakflow", name="Peak Flow Plumbing & Heating", home_state="CO"),
            api_key="sk_sandbox_peakflow_4f9d2c7e1a",
            customers=customers,
            items=items,
            tax_categories=[category],
            sync_enabled=False,
        ),
        connections=sc.ConnectionsSpec(suprata_connected_at=CONNECTED),
        timeline=_year_of_work(),
        expected=sc.Expected(failed_records=0),
    )


def _year_of_work() -> list[sc.InvoiceCreated | sc.PaymentCreated]:
    """An invoice about every ten days from December to late November, and payments for every third one."""
    events: list[sc.InvoiceCreated | sc.PaymentCreated] = []
    first_day = START.astimezone(ZONE).date() + timedelta(days=2)
    for n in range(INVOICES):
        day = first_day + timedelta(days=n * 9 + n % 4)
        number = FIRST_NUMBER + n
        job = JOBS[n % len(JOBS)]
        events.append(
            sc.InvoiceCreated(
                at=_at(day, 9 + n % 7, 10 + (n * 7) % 45),
                number=f"INV-{number}",
                customer=f"C-{ORDER[n % len(ORDER)]}",
                tax_category=TAX_CATEGORY,
                lines=[line(sku, qty) for sku, qty in job],
            )
        )
        paid = day + timedelta(days=10)
        if n % PAYMENTS_EVERY == 0 and _at(paid, 12, 0) < CONNECTED:
            events.append(
                sc.PaymentCreated(
                    at=_at(paid, 12, 0),
                    number=f"PMT-{2001 + n // PAYMENTS_EVERY}",
                    method="Check" if n % 2 else "Credit card",
                    applied=[sc.PaymentApplied(invoice=f"INV-{number}")],
                )
            )
    return events
