"""Conventions a CLI user expects: shell completion, config edits that keep the user's file, CSV export."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from clihelp import run_cli

HAND_WRITTEN = """# Peak Flow's qbsync settings (kept by hand)
[defaults]
# cron mails only errors
quiet = true  # keep

[profiles.acme]
# the QuickBooks company
qbo_realm_id = "1"
"""


def test_config_set_keeps_comments_and_layout(isolated_env: Path) -> None:
    config = isolated_env / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(HAND_WRITTEN, encoding="utf-8")
    assert run_cli("--profile acme config set qbo_realm_id 9130355377645206").exit_code == 0
    assert run_cli("config set no_color true").exit_code == 0
    text = config.read_text(encoding="utf-8")
    assert text == HAND_WRITTEN.replace('qbo_realm_id = "1"', 'qbo_realm_id = "9130355377645206"').replace(
        "quiet = true  # keep\n", "quiet = true  # keep\nno_color = true\n"
    )


def test_shell_completion_is_offered() -> None:
    help_text = run_cli("--help").stdout
    assert "--install-completion" in help_text and "--show-completion" in help_text


def test_export_csv_lists_every_held_up_record(tmp_path: Path) -> None:
    out = tmp_path / "records.csv"
    result = run_cli(f"--demo diagnose --export {out}")
    assert result.exit_code == 2 and "records written to" in result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    envelope = run_cli("--demo --json diagnose").json()
    expected = sum(len(c["records"]) for c in envelope["data"]["root_causes"])
    assert len(rows) == expected and rows[0]["step"] == "1"
    assert {"number", "customer", "date", "amount", "quickbooks_said"} <= set(rows[0])
    assert any(r["number"] == "INV-1170" and r["customer"] == "Front Range Electric" for r in rows)
