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


def test_format_csv_is_diagnose_export_to_stdout() -> None:
    by_format = run_cli("--demo diagnose --format csv")
    by_export = run_cli("--demo diagnose --export -")
    assert by_format.exit_code == by_export.exit_code == 2
    assert by_format.stdout == by_export.stdout
    rows = list(csv.DictReader(io.StringIO(by_format.stdout)))
    envelope = run_cli("--demo --json diagnose").json()
    assert len(rows) == sum(len(c["records"]) for c in envelope["data"]["root_causes"]) > 0
    # global option before the command name works the same
    assert run_cli("--format csv --demo diagnose").stdout == by_format.stdout


def test_format_csv_refused_where_there_are_no_rows() -> None:
    for command in ("status", "check", "trace INV-1170", "retry --dry-run", "explain 6240", "reconnect"):
        result = run_cli(f"--demo {command} --format csv")
        name = command.split()[0]
        assert result.exit_code == 3, (command, result.stderr)
        assert result.stdout == ""
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 2 and "--format csv is for diagnose" in lines[0] and name in lines[0], lines
        assert "hint:" in lines[1] and f"qbsync {name} --format json" in lines[1]


def test_format_csv_and_export_file_contradict(tmp_path: Path) -> None:
    result = run_cli(f"--demo diagnose --format csv --export {tmp_path / 'x.csv'}")
    assert result.exit_code == 3 and result.stdout == "" and "use one of them" in result.stderr
    assert not (tmp_path / "x.csv").exists()
