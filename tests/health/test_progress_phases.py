"""status and trace tell the progress line what they are doing (the phase, and a count where one is known), the
same way diagnose does; the drawing itself (terminal only, after 2 s) is render/progress.py's."""

from __future__ import annotations

from _kit import services_for

from qbsync.health.status import read_status
from qbsync.sandbox.app import build_sandbox
from qbsync.tracing import trace


def recorder() -> tuple[list[tuple[str, int | None]], object]:
    heard: list[tuple[str, int | None]] = []
    return heard, lambda what, count=None: heard.append((what, count))


def test_status_reports_its_phases_with_the_failed_count(tmp_path) -> None:
    heard, phase = recorder()
    report = read_status(services_for(build_sandbox("demo"), tmp_path), phase=phase)
    names = [what for what, _ in heard]
    assert names == [
        "Checking Suprata's QuickBooks connection",
        "Reading QuickBooks' company settings",
        "Reading Suprata's failed records",
        "Reading the last day's failures and the last success",
        "Reading the backlog",
    ]
    counted = {count for _, count in heard if count is not None}
    assert counted and counted == {report.failures.total}, (heard, report.failures)


def test_status_of_an_unreachable_suprata_skips_its_reads(tmp_path) -> None:
    sandbox = build_sandbox("healthy")
    services = services_for(sandbox, tmp_path)
    services.suprata.connection = lambda: (_ for _ in ()).throw(RuntimeError("down"))
    heard, phase = recorder()
    read_status(services, phase=phase)
    assert [what for what, _ in heard] == [
        "Checking Suprata's QuickBooks connection",
        "Reading QuickBooks' company settings",
    ]


def test_trace_reports_finding_then_reading_both_sides(tmp_path) -> None:
    services = services_for(build_sandbox("demo"), tmp_path)
    heard, phase = recorder()
    trace(services, "INV-1238", phase=phase)
    assert heard == [
        ("Finding INV-1238 in Suprata", None),
        ("Reading INV-1238 on both sides: Suprata and QuickBooks", None),
    ]
    heard.clear()
    trace(services, customer="Front Range Electric", phase=phase)
    assert [what for what, _ in heard] == [
        "Finding customer Front Range Electric in Suprata",
        "Reading Front Range Electric's invoices and payments on both sides",
    ]
