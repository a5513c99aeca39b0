"""``qbsync preflight`` on the command line: the selection flags, exit codes as check, the compact screen, CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from clihelp import run_cli

BATCH = "--scenario year-end-batch"


def test_compact_screen_fits_80_by_24(isolated_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = run_cli(f"{BATCH} preflight")
    assert result.exit_code == 2, result.stderr
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert len(lines) <= 23, result.stdout
    assert max(len(line.rstrip()) for line in lines) <= 80
    assert lines[0].endswith("CRITICAL")
    assert lines[1] == "Of 40 invoices and 5 payments, 18 will sync and 27 will not (8 causes, below)."
    assert " 1. 4 records for 'Poudre Valley Co-op', a QuickBooks vendor's name (you)" in lines
    assert any(line.startswith(" 8. 8 records in the closed period (through 2026-11-30)") for line in lines)
    assert any(line.startswith("First: Rename the QuickBooks vendor 'Poudre Valley Co-op'") for line in lines)


def test_details_show_every_step_and_every_record(isolated_env: Path) -> None:
    result = run_cli(f"{BATCH} preflight --details")
    assert result.exit_code == 2
    assert "Also for INV-1118: Ask your bookkeeper" in result.stdout
    assert "INV-1114" in result.stdout and "Every record" in result.stdout


def test_records_by_number_list_and_file(isolated_env: Path, tmp_path: Path) -> None:
    listed = run_cli(f"{BATCH} --json preflight --records INV-1127,INV-1131 --records PMT-2101").json()
    assert listed["exit_code"] == 0 and listed["status"] == "ok"
    assert [r["number"] for r in listed["data"]["records"]] == ["INV-1127", "INV-1131", "PMT-2101"]
    assert listed["data"]["summary"]["headline"] == "Of 2 invoices and 1 payment, all 3 will sync."
    batch = tmp_path / "batch.txt"
    batch.write_text("# the November ones\nINV-1101\nINV-1102, INV-1001\n", encoding="utf-8")
    from_file = run_cli(f"{BATCH} --json preflight --records @{batch}").json()
    records = {r["number"]: r["outcome"] for r in from_file["data"]["records"]}
    assert records == {"INV-1101": "will_fail", "INV-1102": "will_fail", "INV-1001": "in_quickbooks"}
    assert from_file["exit_code"] == 2


def test_dates_and_customer_narrow_the_batch(isolated_env: Path) -> None:
    december = run_cli(f"{BATCH} --json preflight --since 2026-12-01 --until 2026-12-31").json()["data"]
    assert all("2026-12-01" <= r["txn_date"] <= "2026-12-31" for r in december["records"])
    assert not any(c["pattern"] == "P3" for c in december["causes"])  # the closed period is November
    vendor = run_cli(f'{BATCH} --json preflight --customer "Poudre Valley Co-op"').json()["data"]
    assert {r["number"] for r in vendor["records"]} == {"INV-1116", "INV-1117", "INV-1118", "PMT-2103"}
    assert [c["kind"] for c in vendor["causes"]] == ["customer_name_held"]


def test_unknown_record_and_bad_date_are_usage_errors(isolated_env: Path) -> None:
    unknown = run_cli(f"{BATCH} preflight --records INV-9999")
    assert unknown.exit_code == 3 and "Suprata has no invoice or payment INV-9999" in unknown.stderr
    bad = run_cli(f"{BATCH} preflight --since yesterday")
    assert bad.exit_code == 3 and "--since 'yesterday' is not a date" in bad.stderr


def test_nothing_waiting_is_ok(isolated_env: Path) -> None:
    result = run_cli("--scenario healthy --json preflight").json()
    assert result["exit_code"] == 0 and result["data"]["summary"]["records"] == 0
    assert result["data"]["summary"]["headline"].startswith("Nothing to push")


def test_csv_one_row_per_record(isolated_env: Path, tmp_path: Path) -> None:
    shown = run_cli(f"{BATCH} --format csv preflight")
    assert shown.exit_code == 2
    rows = list(csv.DictReader(io.StringIO(shown.stdout)))
    assert len(rows) == 45
    by_number = {r["number"]: r for r in rows}
    assert by_number["INV-1108"]["cause"] == "tax_unmapped" and by_number["INV-1108"]["prediction"] == "will fail"
    assert by_number["INV-1114"]["prediction"] == "will sync" and by_number["INV-1114"]["cause"] == ""
    assert by_number["PMT-2103"]["waits_on"] == "C-1007"
    out = tmp_path / "preflight.csv"
    written = run_cli(f"{BATCH} preflight --export {out}")
    assert written.exit_code == 2 and "45 records written" in written.stderr
    assert out.read_text(encoding="utf-8-sig") == shown.stdout
    both = run_cli(f"{BATCH} --format csv preflight --export {out}")
    assert both.exit_code == 3


def test_many_causes_fold_by_pattern_to_fit_80_by_24(isolated_env: Path, monkeypatch) -> None:
    """first-sync has twelve causes: one line each would not fit, so each pattern is one line (as diagnose folds
    causes of one kind), with how many records it stops and the first few names; --details keeps every one."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "24")
    result = run_cli("--scenario first-sync preflight")
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert result.exit_code == 2 and len(lines) <= 23, result.stdout
    assert any(line.strip().startswith("1-5. Customer not synced: 13 records (Ben Albright,") for line in lines)
    assert any(line.strip().startswith("11-12. Tax mismatch: 10 records") for line in lines)
    details = run_cli("--scenario first-sync preflight --details").stdout
    assert "12. 3 NE invoices meeting the tax gap" in details
