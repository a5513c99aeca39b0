"""retry --dry-run's default is compact: one line per blocker (how many, which, why), the next command on its
own line; --details is the record-by-record table; the JSON is the same either way."""

from __future__ import annotations

import re

from clihelp import run_cli


def test_dry_run_is_one_line_per_blocker_with_the_next_command() -> None:
    compact = run_cli("--demo retry --all-safe --dry-run")
    full = run_cli("--demo retry --all-safe --dry-run --details")
    assert compact.exit_code == full.exit_code == 1  # it refused records
    lines = compact.stdout.splitlines()
    assert lines[0].startswith("Retry plan: 9 to retry, 33 refused.") and "--details" in lines[0]
    assert len(lines) < len(full.stdout.splitlines()) / 3, compact.stdout
    assert "\n    qbsync retry --all-safe --yes\n" in compact.stdout
    # the counts of the groups add up to the plan's, and each blocker is named once
    groups = [
        int(m.group(1))
        for m in re.finditer(r"^\s+(\d+) (?:records?|invoices?|payments?|customers?|items?) ", compact.stdout, re.M)
    ]
    assert sum(groups) == 9 + 33, compact.stdout
    said = " ".join(compact.stdout.split())  # the phrases, wherever the terminal width wrapped them
    assert said.count("has no QuickBooks tax code for WY") == 1
    # the 15 of P4 and the two P5/P7 records it also blocks
    assert "17 invoices INV-1159" in said and "(9 also in the closed books)" in said
    assert "dated on or before the books-close date 2026-10-31" in said
    assert "pre-flight" not in compact.stdout and "pre-flight" in full.stdout


def test_details_does_not_change_the_json() -> None:
    plain = run_cli("--demo --json retry --all-safe --dry-run").json()
    detailed = run_cli("--demo --json retry --all-safe --dry-run --details").json()
    plain["data"].pop("generated_at"), detailed["data"].pop("generated_at")
    assert plain == detailed


def test_a_named_record_that_is_refused_points_to_its_own_command() -> None:
    result = run_cli("--demo retry PMT-2213 --dry-run")
    assert "0 to retry, 1 refused" in result.stdout
    assert "\n    qbsync trace PMT-2213\n" in result.stdout


def test_the_demo_dry_run_fits_one_80x24_screen() -> None:
    text = run_cli("--demo retry --all-safe --dry-run", env={"COLUMNS": "80"}).stdout
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80
    assert len(text.splitlines()) <= 23, text  # 24 rows, one left for the prompt
