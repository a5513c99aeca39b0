"""Builders for the built-in scenarios. The JSON files in ``sandbox/scenarios/`` are their output
(``python -m qbsync.sandbox.builtins`` rewrites them; a test checks the files are current).

The small per-pattern scenarios share one company, Peak Flow Plumbing & Heating of Fort Collins, Colorado
(which also works across the line in Wyoming); the demo (``demo_builder``) is the same company at full size.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from qbsync.sandbox import scenario as sc

COMPANY = "Peak Flow Plumbing & Heating LLC"
REALM = "9341453050449234"
TAX_CO = "Larimer County, CO"
TAX_WY = "Laramie County, WY"
TAX_CATEGORY = "8"  # Suprata's own code for "Parts & materials": what its buggy fallback sends

PRICE_LIST: list[tuple[str, str, str, str, bool]] = [
    # sku, name, type, price, taxable (Colorado taxes parts, not labour)
    ("SVC-CALL", "Service Call - Standard", "service", "89.00", False),
    ("SVC-EMER", "Emergency Service Call (after hours)", "service", "189.00", False),
    ("LAB-PLMB", "Plumbing Labor (per hour)", "service", "125.00", False),
    ("LAB-HVAC", "HVAC Labor (per hour)", "service", "135.00", False),
    ("SVC-DRAIN", "Drain Cleaning - Main Line", "service", "245.00", False),
    ("SVC-FURN", "Furnace Tune-Up", "service", "129.00", False),
    ("SVC-AC", "AC Tune-Up", "service", "129.00", False),
    ("SVC-WHF", "Water Heater Flush", "service", "149.00", False),
    ("SVC-CAM", "Sewer Camera Inspection", "service", "275.00", False),
    ("PRT-WH50", "50 Gal Gas Water Heater (Bradford White)", "non_inventory", "1385.00", True),
    ("PRT-TNKL", "Tankless Water Heater (Navien NPE-240A2)", "non_inventory", "2650.00", True),
    ("PRT-DISP", "Garbage Disposal 3/4 HP", "non_inventory", "289.00", True),
    ("PRT-FAUC", "Kitchen Faucet (Moen Arbor)", "non_inventory", "245.00", True),
    ("PRT-VALV", "Ball Valve 3/4 in", "non_inventory", "38.50", True),
    ("PRT-FLTR", "Furnace Filter MERV 11", "non_inventory", "24.00", True),
    ("PRT-TSTAT", "Smart Thermostat (ecobee Premium)", "non_inventory", "319.00", True),
    ("PRT-PRV", "Pressure Reducing Valve", "non_inventory", "165.00", True),
    ("PRT-SUMP", "Sump Pump 1/2 HP", "non_inventory", "349.00", True),
    ("PRT-CAP", "Run Capacitor 45/5 MFD", "non_inventory", "42.00", True),
    ("PRT-IGN", "Hot Surface Igniter", "non_inventory", "68.00", True),
    ("PRT-EXP", "Thermal Expansion Tank 2 Gal", "non_inventory", "89.00", True),
    ("MISC-PERM", "Permit Fee (City of Fort Collins)", "service", "95.00", False),
]


def at(text: str) -> datetime:
    """``2026-10-06 08:15`` as Mountain local time (MDT until 1 Nov 2026, MST after) -> aware UTC."""
    local = datetime.fromisoformat(text)
    offset = 6 if local.date() < date(2026, 11, 1) else 7
    return (local + timedelta(hours=offset)).replace(tzinfo=UTC)


def customer(
    number: int, name: str, city: str, state: str, street: str, zip_code: str, **extra: Any
) -> sc.SupCustomerSpec:
    given, _, family = name.partition(" ") if "," not in name and not extra.get("company_name") else ("", "", "")
    email_user = name.lower().replace(" ", ".").replace("&", "and").replace("'", "").replace(",", "")
    spec: dict[str, Any] = {
        "number": f"C-{number}",
        "display_name": name,
        "line1": street,
        "city": city,
        "state": state,
        "postal_code": zip_code,
        "email": f"{email_user[:28]}@example.com",
        "phone": f"(970) 555-{1000 + number % 9000:04d}" if state == "CO" else f"(307) 555-{1000 + number % 9000:04d}",
    }
    if given and family and not extra.get("company_name"):
        spec["given_name"], spec["family_name"] = given, family
    spec.update(extra)
    return sc.SupCustomerSpec(**spec)


def items() -> list[sc.SupItemSpec]:
    return [
        sc.SupItemSpec(sku=sku, name=name, type=kind, unit_price=Decimal(price), taxable=taxable)  # type: ignore[arg-type]
        for sku, name, kind, price, taxable in PRICE_LIST
    ]


def tax_category(wy_mapped: bool = True) -> sc.TaxCategorySpec:
    return sc.TaxCategorySpec(
        id=TAX_CATEGORY,
        name="Parts & materials",
        rate_percent=Decimal("7.30"),
        mappings={"CO": TAX_CO, "WY": TAX_WY if wy_mapped else None},
    )


def qbo_tax_codes() -> list[sc.TaxCodeSpec]:
    return [
        sc.TaxCodeSpec(name=TAX_CO, rate_percent=Decimal("7.30"), agency="Colorado Department of Revenue"),
        sc.TaxCodeSpec(name=TAX_WY, rate_percent=Decimal("6.00"), agency="Wyoming Department of Revenue"),
    ]


def qbo_background() -> sc.QboSeed:
    """What the bookkeeper already keeps in QuickBooks: suppliers, staff, a few walk-in customers."""
    return sc.QboSeed(
        vendors=[
            sc.PartySpec(display_name="Ferguson Plumbing Supply", company_name="Ferguson Enterprises"),
            sc.PartySpec(display_name="Johnstone Supply - Loveland", company_name="Johnstone Supply"),
            sc.PartySpec(display_name="Xcel Energy"),
            sc.PartySpec(display_name="Poudre Valley Co-op"),
        ],
        employees=[
            sc.PartySpec(display_name="Marcus Ortega", given_name="Marcus", family_name="Ortega"),
            sc.PartySpec(display_name="Jenna Kowalski", given_name="Jenna", family_name="Kowalski"),
            sc.PartySpec(display_name="Tyler Brandt", given_name="Tyler", family_name="Brandt"),
        ],
        customers=[sc.PartySpec(display_name="Cash Customer")],
        tax_codes=qbo_tax_codes(),
    )


SMALL_CUSTOMERS = [
    (1001, "Laura Whitfield", "Fort Collins", "CO", "2417 Stover St", "80525"),
    (1002, "Rocky Mountain Dental Group", "Loveland", "CO", "3820 N Garfield Ave", "80538", {"company_name": "Rocky Mountain Dental Group PC"}),
    (1003, "Ben Albright", "Windsor", "CO", "612 Chestnut St", "80550"),
    (1004, "Old Town Brewing Co", "Fort Collins", "CO", "145 Linden St", "80524", {"company_name": "Old Town Brewing Company LLC"}),
    (1005, "Carmen Delgado", "Cheyenne", "WY", "1914 Warren Ave", "82001"),
    (1006, "Prairie Wind Apartments", "Laramie", "WY", "880 N 15th St", "82072", {"company_name": "Prairie Wind Residential LLC"}),
]  # fmt: skip


def small_customers() -> list[sc.SupCustomerSpec]:
    out = []
    for row in SMALL_CUSTOMERS:
        number, name, city, state, street, zip_code = row[:6]
        extra = row[6] if len(row) > 6 else {}
        out.append(customer(number, name, city, state, street, zip_code, **extra))  # type: ignore[arg-type]
    return out


def line(sku: str, qty: str | int = 1, price: str | None = None) -> sc.LineSpec:
    return sc.LineSpec(sku=sku, qty=Decimal(str(qty)), unit_price=Decimal(price) if price else None)


def invoice(when: str, number: int, cust: int, *lines: sc.LineSpec, taxed: bool = True, **kw: Any) -> sc.InvoiceCreated:
    return sc.InvoiceCreated(
        at=at(when),
        number=f"INV-{number}",
        customer=f"C-{cust}",
        tax_category=TAX_CATEGORY if taxed else None,
        lines=list(lines),
        **kw,
    )


def payment(when: str, number: int, *invoices: int, method: str = "Credit card", **kw: Any) -> sc.PaymentCreated:
    return sc.PaymentCreated(
        at=at(when),
        number=f"PMT-{number}",
        method=method,
        applied=[sc.PaymentApplied(invoice=f"INV-{n}") for n in invoices],
        **kw,
    )


def base(
    name: str, title: str, description: str, *, start: str = "2026-10-01 08:00", now: str = "2026-11-24 09:30"
) -> sc.Scenario:
    return sc.Scenario(
        name=name,
        title=title,
        description=description,
        seed=7,
        clock=sc.ClockSpec(start=at(start), now=at(now)),
        company=sc.CompanySpec(realm_id=REALM, company_name=COMPANY, timezone="America/Denver"),
        qbo=qbo_background(),
        suprata=sc.SuprataSeed(
            account=sc.AccountSpec(id="acct_peakflow", name="Peak Flow Plumbing & Heating", home_state="CO"),
            api_key="sk_sandbox_peakflow_4f9d2c7e1a",
            customers=small_customers(),
            items=items(),
            tax_categories=[tax_category()],
        ),
    )


def healthy_history() -> list[Any]:
    """A few weeks of ordinary, successful work for the small company."""
    return [
        invoice("2026-10-02 10:40", 1001, 1001, line("SVC-CALL"), line("PRT-FAUC"), line("LAB-PLMB", "1.5")),
        invoice("2026-10-05 15:10", 1002, 1002, line("SVC-AC"), line("PRT-CAP"), line("LAB-HVAC", 1)),
        payment("2026-10-07 09:00", 2001, 1001),
        invoice("2026-10-09 11:25", 1003, 1003, line("SVC-DRAIN"), line("SVC-CAM")),
        invoice("2026-10-14 13:05", 1004, 1004, line("SVC-FURN"), line("PRT-FLTR", 6), line("PRT-IGN")),
        payment("2026-10-20 16:45", 2002, 1002, method="ACH"),
        payment("2026-10-22 10:15", 2003, 1003, method="Check", reference="4417"),
    ]


def with_timeline(s: sc.Scenario, events: list[Any], causes: list[sc.ExpectedCause], **updates: Any) -> sc.Scenario:
    data = s.model_copy(update={"timeline": events, "expected": sc.Expected(root_causes=causes), **updates})
    return sc.Scenario.model_validate(data.model_dump())
