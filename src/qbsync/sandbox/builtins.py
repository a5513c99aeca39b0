"""The built-in scenarios, one per root-cause pattern plus ``healthy``, ``unknown`` and ``demo``.

Each plants its cause as *state* (a vendor holding the name, a close date, a missing tax mapping, an aged
refresh token, ...); the failures are whatever the engine then meets. ``expected`` records what was planted.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from qbsync.sandbox import scenario as sc
from qbsync.sandbox.scenario_kit import (
    TAX_CATEGORY,
    at,
    base,
    customer,
    healthy_history,
    invoice,
    line,
    payment,
    tax_category,
    with_timeline,
)

Cause = sc.ExpectedCause


def healthy() -> sc.Scenario:
    s = base("healthy", "Healthy company", "Everything Suprata pushed reached QuickBooks; nothing is red.")
    events = [
        *healthy_history(),
        invoice("2026-11-03 14:20", 1005, 1005, line("SVC-FURN"), line("LAB-HVAC"), taxed=False),
        invoice("2026-11-10 09:40", 1006, 1001, line("PRT-WH50"), line("LAB-PLMB", 3), line("MISC-PERM")),
        payment("2026-11-12 12:00", 2004, 1004),
        payment("2026-11-18 15:30", 2005, 1006, method="ACH"),
    ]
    return with_timeline(s, events, [])


def p1_customer() -> sc.Scenario:
    s = base(
        "p1-customer",
        "P1: customer cannot be created or used",
        "Front Range Electric is already a Vendor in QuickBooks, so Suprata cannot create them as a customer (6240); "
        "Ben Albright was made inactive directly in QuickBooks after syncing, so his next invoice fails (610).",
    )
    s.suprata.customers.append(
        customer(
            1007,
            "Front Range Electric",
            "Fort Collins",
            "CO",
            "1520 Riverside Ave",
            "80524",
            company_name="Front Range Electric Inc",
        )
    )
    s.qbo.vendors.append(sc.PartySpec(display_name="Front Range Electric", company_name="Front Range Electric Inc"))
    events = [
        *healthy_history(),
        sc.QboMadeInactive(at=at("2026-10-27 11:02"), entity="Customer", key="Ben Albright", note="bookkeeper tidying the customer list"),
        invoice("2026-11-04 10:30", 1005, 1007, line("SVC-CALL"), line("PRT-VALV", 2), line("LAB-PLMB", 2)),
        invoice("2026-11-11 13:15", 1006, 1003, line("SVC-DRAIN")),
        invoice("2026-11-13 08:50", 1007, 1007, line("PRT-EXP"), line("LAB-PLMB", 1)),
        payment("2026-11-16 10:00", 2004, 1005, method="Check", reference="10233"),
    ]  # fmt: skip
    causes = [
        Cause(pattern="P1", subject="Front Range Electric", qbo_code="6240", blocked={"customer": 1, "invoice": 2, "payment": 1}, records=["C-1007", "INV-1005", "INV-1007", "PMT-2004"]),
        Cause(pattern="P1", subject="Ben Albright", qbo_code="610", blocked={"invoice": 1}, records=["INV-1006"]),
    ]  # fmt: skip
    return with_timeline(s, events, causes)


def p2_item() -> sc.Scenario:
    s = base(
        "p2-item",
        "P2: item name already exists in QuickBooks",
        "The bookkeeper created 'Water Heater Flush' by hand in QuickBooks; Suprata's item of that name has no link, "
        "so creating it fails (6240) and every invoice that uses it is blocked.",
    )
    s.qbo.items.append(sc.QboItemSpec(name="Water Heater Flush", type="Service", unit_price=Decimal("139.00")))
    events = [
        *healthy_history(),
        invoice("2026-11-02 09:15", 1005, 1003, line("SVC-WHF"), line("PRT-EXP")),
        invoice("2026-11-09 14:40", 1006, 1004, line("SVC-WHF"), line("LAB-PLMB")),
        invoice("2026-11-17 11:05", 1007, 1001, line("SVC-WHF")),
    ]
    cause = Cause(pattern="P2", subject="Water Heater Flush", qbo_code="6240", blocked={"item": 1, "invoice": 3}, records=["SVC-WHF", "INV-1005", "INV-1006", "INV-1007"])  # fmt: skip
    return with_timeline(s, events, [cause])


def p3_closed_period() -> sc.Scenario:
    s = base(
        "p3-closed-period",
        "P3: books closed before late invoices synced",
        "The bookkeeper closed October on 3 November; three October jobs were invoiced in Suprata afterwards, dated "
        "in October, so QuickBooks refuses them (6210).",
    )
    events = [
        *healthy_history(),
        sc.BooksClosed(at=at("2026-11-03 17:30"), through=date(2026, 10, 31), note="month-end close"),
        invoice("2026-11-04 08:20", 1005, 1004, line("SVC-FURN"), line("PRT-IGN"), txn_date=date(2026, 10, 29)),
        invoice("2026-11-04 08:24", 1006, 1002, line("SVC-AC"), line("PRT-CAP"), txn_date=date(2026, 10, 30)),
        invoice("2026-11-04 08:31", 1007, 1001, line("LAB-PLMB", 2), txn_date=date(2026, 10, 31)),
        invoice("2026-11-05 10:10", 1008, 1003, line("SVC-CALL"), line("PRT-VALV")),
    ]
    cause = Cause(pattern="P3", subject="2026-10-31", qbo_code="6210", blocked={"invoice": 3}, records=["INV-1005", "INV-1006", "INV-1007"])  # fmt: skip
    return with_timeline(s, events, [cause])


def p4_tax() -> sc.Scenario:
    s = base(
        "p4-tax",
        "P4: tax category not mapped for Wyoming",
        "'Parts & materials' is mapped to a QuickBooks tax code for Colorado only. Wyoming invoices with taxable "
        "parts go out with Suprata's own category code on the lines and QuickBooks rejects them (6100).",
    )
    s.suprata.tax_categories[0].mappings["WY"] = None
    events = [
        *healthy_history(),
        invoice("2026-11-02 13:30", 1005, 1005, line("PRT-WH50"), line("LAB-PLMB", 3)),
        invoice("2026-11-06 09:05", 1006, 1006, line("SVC-FURN"), line("LAB-HVAC"), taxed=False),
        invoice("2026-11-10 15:45", 1007, 1006, line("PRT-DISP"), line("LAB-PLMB", 1)),
        invoice("2026-11-19 11:20", 1008, 1005, line("PRT-TSTAT"), line("LAB-HVAC", 1)),
    ]
    cause = Cause(pattern="P4", subject=f"tax category {TAX_CATEGORY} in WY", qbo_code="6100", blocked={"invoice": 3}, records=["INV-1005", "INV-1007", "INV-1008"])  # fmt: skip
    return with_timeline(s, events, [cause])


def p5_connection() -> sc.Scenario:
    s = base(
        "p5-connection",
        "P5: Suprata's QuickBooks connection lapsed (since reconnected)",
        "Suprata's refresh token expired on 26 October and every push failed with invalid_grant until the owner "
        "reconnected on 29 October. The records from that window are still red; retrying them now is safe.",
    )
    events = [
        *healthy_history(),
        sc.ConnectionLapsed(at=at("2026-10-26 06:00"), note="refresh token past its 100-day expiry"),
        invoice("2026-10-26 10:10", 1005, 1004, line("SVC-CALL"), line("PRT-IGN")),
        payment("2026-10-27 09:30", 2004, 1004, method="ACH"),
        invoice("2026-10-27 14:20", 1006, 1001, line("SVC-DRAIN")),
        invoice("2026-10-28 16:05", 1007, 1002, line("SVC-FURN"), line("PRT-FLTR", 4)),
        sc.Reconnected(at=at("2026-10-29 13:45"), note="owner reconnected from Suprata's settings"),
        invoice("2026-11-03 10:00", 1008, 1003, line("SVC-CALL"), line("LAB-PLMB")),
    ]
    cause = Cause(pattern="P5", subject="Suprata connection (invalid_grant, reconnected 2026-10-29)", blocked={"invoice": 3, "payment": 1}, records=["INV-1005", "INV-1006", "INV-1007", "PMT-2004"])  # fmt: skip
    return with_timeline(s, events, [cause])


def p5_expired() -> sc.Scenario:
    s = base(
        "p5-expired",
        "P5: Suprata's QuickBooks connection has expired (now)",
        "Suprata's refresh token passed its 100-day expiry on 20 November and nobody has reconnected: every push "
        "since then fails with invalid_grant, and will until Suprata is reconnected.",
    )
    events = [
        *healthy_history(),
        sc.ConnectionLapsed(at=at("2026-11-20 06:00"), note="refresh token past its 100-day expiry"),
        invoice("2026-11-20 10:10", 1005, 1004, line("SVC-CALL"), line("PRT-IGN")),
        invoice("2026-11-21 14:20", 1006, 1001, line("SVC-DRAIN")),
        payment("2026-11-21 16:30", 2004, 1004, method="ACH"),
        invoice("2026-11-22 16:05", 1007, 1002, line("SVC-FURN"), line("PRT-FLTR", 4)),
        invoice("2026-11-23 11:00", 1008, 1003, line("SVC-CALL"), line("LAB-PLMB")),
        invoice("2026-11-24 09:15", 1009, 1005, line("SVC-FURN")),
    ]
    cause = Cause(pattern="P5", subject="Suprata connection expired (invalid_grant), not reconnected", blocked={"customer": 1, "invoice": 5, "payment": 1}, records=["INV-1005", "INV-1006", "INV-1007", "INV-1008", "INV-1009", "PMT-2004"])  # fmt: skip
    return with_timeline(s, events, [cause])


def p6_duplicate() -> sc.Scenario:
    s = base(
        "p6-duplicate",
        "P6: duplicates and changes made directly in QuickBooks",
        "QuickBooks committed INV-1005 but the answer timed out; Suprata's automatic retry used a new requestid and "
        "created a second INV-1005. A payment for INV-1004 was entered directly in QuickBooks. INV-1002 was deleted "
        "in QuickBooks, so its later payment fails (610).",
    )
    events = [
        *healthy_history(),
        sc.TimeoutAfterCommit(at=at("2026-11-02 10:59"), entity="Invoice", count=1),
        invoice("2026-11-02 11:00", 1005, 1003, line("SVC-CAM"), line("LAB-PLMB", 2)),
        sc.QboPaymentEntered(at=at("2026-11-05 14:10"), invoice="INV-1004", reference="ck 5521", note="the owner recorded a check in QuickBooks"),
        sc.QboDeleted(at=at("2026-11-06 09:30"), entity="Invoice", key="INV-1002", note="bookkeeper removed what looked like a stray invoice"),
        payment("2026-11-12 16:20", 2004, 1002, method="ACH"),
    ]  # fmt: skip
    causes = [
        Cause(pattern="P6", subject="INV-1005 duplicated in QuickBooks", records=["INV-1005"]),
        Cause(pattern="P6", subject="payment for INV-1004 entered only in QuickBooks", records=["INV-1004"]),
        Cause(pattern="P6", subject="INV-1002 deleted in QuickBooks", qbo_code="610", blocked={"payment": 1}, records=["INV-1002", "PMT-2004"]),
    ]  # fmt: skip
    return with_timeline(s, events, causes)


def p7_throttled() -> sc.Scenario:
    s = base(
        "p7-throttled",
        "P7: throttled within the last hour",
        "QuickBooks throttled the company (429, XML body) this morning; Suprata will retry the invoices by itself.",
    )
    events = [
        *healthy_history(),
        sc.ThrottleBurst(at=at("2026-11-24 08:45"), seconds=40 * 60),
        invoice("2026-11-24 08:50", 1005, 1001, line("SVC-CALL"), line("PRT-FAUC")),
        invoice("2026-11-24 08:55", 1006, 1002, line("SVC-AC")),
        invoice("2026-11-24 09:02", 1007, 1003, line("SVC-DRAIN")),
        invoice("2026-11-24 09:10", 1008, 1004, line("LAB-HVAC", 2)),
    ]
    cause = Cause(pattern="P7", subject="QuickBooks throttling (429)", qbo_code="3001", blocked={"invoice": 4}, records=["INV-1005", "INV-1006", "INV-1007", "INV-1008"])  # fmt: skip
    return with_timeline(s, events, [cause])


def unknown() -> sc.Scenario:
    s = base(
        "unknown",
        "Unknown: an invoice edited in both systems",
        "INV-1004 was changed directly in QuickBooks and then edited in Suprata; Suprata's update carries the "
        "SyncToken it last saw, so QuickBooks answers 5010 (stale object). No pattern covers it.",
    )
    events = [
        *healthy_history(),
        sc.QboEdited(at=at("2026-11-02 09:12"), entity="Invoice", key="INV-1004", changes={"CustomerMemo": {"value": "Per phone call: filter swap included"}}),
        sc.InvoiceEdited(at=at("2026-11-03 15:40"), number="INV-1004", add_lines=[line("PRT-FLTR", 2)]),
    ]  # fmt: skip
    cause = Cause(pattern="unknown", subject="INV-1004 edited in both systems", qbo_code="5010", blocked={"invoice": 1}, records=["INV-1004"])  # fmt: skip
    return with_timeline(s, events, [cause])


def year_end_batch() -> sc.Scenario:
    """Historical invoices held in Suprata for a year-end push (``batch_released`` pushes them)."""
    s = base(
        "year-end-batch",
        "Year-end: a batch of historical invoices waiting to be pushed",
        "The office keyed November and December's paper tickets into Suprata in the first week of January, held "
        "from sync until the year-end push. Meanwhile the bookkeeper closed November, the Wyoming tax mapping was "
        "never set, Poudre Valley Co-op (a supplier, so a QuickBooks vendor) became a customer, an employee hired "
        "the company for his own house, a walk-in 'Cash Customer' already exists in QuickBooks, Ben Albright and the "
        "MERV 11 filter were made inactive there, and 'Water Heater Flush' was added to QuickBooks by hand. Nothing "
        "has failed yet: 'qbsync preflight' says what will.",
        now="2027-01-06 09:30",
    )
    s.suprata.tax_categories = [tax_category(wy_mapped=False)]
    s.suprata.customers += [
        customer(1007, "Poudre Valley Co-op", "Fort Collins", "CO", "1300 Riverside Ave", "80524", company_name="Poudre Valley Cooperative"),
        customer(1008, "Marcus Ortega", "Loveland", "CO", "2210 W 29th St", "80538"),
        customer(1009, "Cash Customer", "Fort Collins", "CO", "123 College Ave", "80524"),
        customer(1010, "Sweetwater Ranch", "Rock Springs", "WY", "41 Yellowstone Rd", "82901", company_name="Sweetwater Ranch LLC"),
        customer(1011, "Hilltop Veterinary Clinic", "Fort Collins", "CO", "3005 S College Ave", "80525", company_name="Hilltop Veterinary Clinic PC"),
    ]  # fmt: skip
    s.qbo.items.append(sc.QboItemSpec(name="Water Heater Flush", type="Service", unit_price=Decimal("139.00")))

    def held(number: int, cust: int, day: str, *lines: sc.LineSpec, taxed: bool = True) -> sc.InvoiceCreated:
        return invoice(
            "2027-01-04 08:30", number, cust, *lines, taxed=taxed, txn_date=date.fromisoformat(day), held=True
        )

    batch = [
        # November, now closed: the bookkeeper closed through 30 November on 8 December.
        held(1101, 1001, "2026-11-09", line("SVC-CALL"), line("LAB-PLMB", 2)),
        held(1102, 1002, "2026-11-12", line("SVC-AC"), line("PRT-CAP")),
        held(1103, 1004, "2026-11-16", line("SVC-DRAIN")),
        held(1104, 1011, "2026-11-19", line("SVC-CAM"), line("LAB-PLMB", 1)),
        held(1105, 1001, "2026-11-23", line("PRT-FAUC"), line("LAB-PLMB", "1.5")),
        held(1106, 1011, "2026-11-25", line("SVC-FURN"), line("PRT-IGN")),
        held(1107, 1002, "2026-11-30", line("LAB-HVAC", 2)),
        # Wyoming jobs with taxable parts: no tax code for WY.
        held(1108, 1005, "2026-12-02", line("PRT-WH50"), line("LAB-PLMB", 3)),
        held(1109, 1006, "2026-12-07", line("PRT-DISP"), line("LAB-PLMB", 1)),
        held(1110, 1010, "2026-12-10", line("PRT-SUMP"), line("LAB-PLMB", 2)),
        held(1111, 1010, "2026-12-18", line("PRT-PRV"), line("SVC-CALL")),
        held(1112, 1006, "2026-12-22", line("PRT-TSTAT"), line("LAB-HVAC", 1)),
        # A Wyoming job in November: the tax gap first (QuickBooks checks the lines first), the close date next.
        held(1113, 1005, "2026-11-27", line("PRT-VALV", 2), line("LAB-PLMB", 1)),
        # Wyoming labour only: no taxable line, so no tax code is sent and nothing is missing.
        held(1114, 1006, "2026-12-14", line("LAB-HVAC", 2), line("SVC-FURN")),
        held(1115, 1010, "2026-12-29", line("SVC-DRAIN")),
        # A supplier (QuickBooks vendor) as a customer; one of its jobs is also in the closed period.
        held(1116, 1007, "2026-12-03", line("SVC-CALL"), line("PRT-VALV", 4)),
        held(1117, 1007, "2026-12-15", line("LAB-PLMB", 4)),
        held(1118, 1007, "2026-11-20", line("SVC-DRAIN")),
        # An employee's own house (a QuickBooks employee holds the name).
        held(1119, 1008, "2026-12-11", line("PRT-WH50"), line("LAB-PLMB", 3)),
        # A walk-in: QuickBooks already has a 'Cash Customer' that Suprata does not link.
        held(1120, 1009, "2026-12-19", line("SVC-CALL")),
        # Made inactive in QuickBooks after they synced.
        held(1121, 1003, "2026-12-04", line("SVC-FURN")),
        held(1122, 1003, "2026-12-21", line("SVC-AC"), line("PRT-CAP")),
        held(1123, 1004, "2026-12-08", line("SVC-FURN"), line("PRT-FLTR", 4)),
        held(1124, 1002, "2026-12-17", line("PRT-FLTR", 6), line("LAB-HVAC", 1)),
        # 'Water Heater Flush' exists in QuickBooks (added by hand) but Suprata's item was never linked.
        held(1125, 1001, "2026-12-09", line("SVC-WHF")),
        held(1126, 1011, "2026-12-28", line("SVC-WHF"), line("PRT-EXP")),
        # Fine.
        held(1127, 1001, "2026-12-01", line("SVC-CALL"), line("PRT-VALV")),
        held(1128, 1002, "2026-12-03", line("SVC-AC")),
        held(1129, 1004, "2026-12-05", line("SVC-DRAIN"), line("SVC-CAM")),
        held(1130, 1011, "2026-12-08", line("SVC-EMER"), line("LAB-PLMB", 2)),
        held(1131, 1001, "2026-12-12", line("PRT-TNKL"), line("LAB-PLMB", 4), line("MISC-PERM")),
        held(1132, 1002, "2026-12-15", line("LAB-HVAC", 3)),
        held(1133, 1004, "2026-12-16", line("SVC-FURN"), line("PRT-IGN")),
        held(1134, 1011, "2026-12-19", line("PRT-SUMP"), line("LAB-PLMB", 2)),
        held(1135, 1001, "2026-12-22", line("SVC-CALL")),
        held(1136, 1002, "2026-12-23", line("PRT-CAP"), line("LAB-HVAC", 1)),
        held(1137, 1004, "2026-12-29", line("SVC-EMER")),
        held(1138, 1011, "2026-12-30", line("SVC-CAM")),
        held(1139, 1001, "2026-12-31", line("PRT-EXP"), line("LAB-PLMB", 1)),
        held(1140, 1005, "2026-12-30", line("SVC-FURN"), taxed=False),
    ]
    payments = [
        payment("2027-01-04 09:10", 2101, 1127, method="Check", reference="5120", held=True),
        # A November check for an October invoice already in QuickBooks: the payment itself is in the closed period.
        payment(
            "2027-01-04 09:12", 2102, 1004, method="Check", reference="7719", txn_date=date(2026, 11, 28), held=True
        ),
        payment("2027-01-04 09:14", 2103, 1117, method="Check", reference="88341", held=True),  # the vendor's name
        payment("2027-01-04 09:16", 2104, 1131, method="Credit card", held=True),
        payment("2027-01-04 09:18", 2105, 1125, method="ACH", held=True),  # waits on an invoice whose item collides
    ]
    events = [
        *healthy_history(),
        invoice("2026-11-03 10:15", 1005, 1005, line("SVC-FURN"), line("LAB-HVAC"), taxed=False),
        invoice("2026-11-06 14:30", 1006, 1006, line("LAB-PLMB", 2), taxed=False),
        invoice("2026-11-09 09:00", 1007, 1011, line("SVC-CALL"), line("LAB-PLMB")),
        sc.QboMadeInactive(at=at("2026-11-20 16:05"), entity="Customer", key="Ben Albright", note="bookkeeper tidying the customer list"),
        sc.QboMadeInactive(at=at("2026-12-01 11:40"), entity="Item", key="Furnace Filter MERV 11", note="discontinued in QuickBooks"),
        sc.BooksClosed(at=at("2026-12-08 17:30"), through=date(2026, 11, 30), note="November closed"),
        invoice("2026-12-10 10:20", 1008, 1010, line("SVC-CALL"), taxed=False),
        *batch,
        *payments,
    ]  # fmt: skip
    # Nothing has failed yet: what the batch will meet is preflight's to say (tests/predicting checks it
    # against the push itself).
    return with_timeline(s, events, [])


def all_builtins() -> list[sc.Scenario]:
    from qbsync.sandbox.demo_builder import demo
    from qbsync.sandbox.first_sync_builder import first_sync

    return [
        healthy(),
        p1_customer(),
        p2_item(),
        p3_closed_period(),
        p4_tax(),
        p5_connection(),
        p5_expired(),
        p6_duplicate(),
        p7_throttled(),
        unknown(),
        year_end_batch(),
        demo(),
        first_sync(),
    ]


__all__ = ["all_builtins", "at"]


def write_builtins(folder: Path | None = None) -> list[Path]:
    folder = folder or Path(__file__).with_name("scenarios")
    folder.mkdir(exist_ok=True)
    written = []
    for scenario in all_builtins():
        path = folder / f"{scenario.name}.json"
        path.write_text(sc.dump_scenario(scenario), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    write_builtins()
