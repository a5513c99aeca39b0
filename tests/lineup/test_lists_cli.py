"""qbsync preflight --lists through the CLI: the screen, the JSON envelope, the CSV folder, exit codes."""

from __future__ import annotations

from clihelp import run_cli


def test_first_sync_lists_exit_2_with_the_compact_screen(isolated_env):
    result = run_cli("--scenario first-sync preflight --lists")
    assert result.exit_code == 2, result.stderr
    assert "Will fail on the first sync (10 records)" in result.stdout
    assert "qbsync preflight --lists --export lists/" in result.stdout


def test_json_envelope_carries_every_row(isolated_env):
    envelope = run_cli("--json --scenario first-sync preflight --lists").json()
    data = envelope["data"]
    assert envelope["command"] == "preflight" and envelope["exit_code"] == 2
    assert data["summary"]["items"]["same_name"] == 4 and len(data["customers"]) == 15
    assert data["requests"]["quickbooks"] == 1


def test_export_writes_three_files_into_the_folder(isolated_env, tmp_path):
    folder = tmp_path / "for the bookkeeper"
    result = run_cli(["--scenario", "first-sync", "preflight", "--lists", "--export", str(folder)])
    assert result.exit_code == 2
    assert sorted(p.name for p in folder.iterdir()) == ["customers.csv", "items.csv", "tax.csv"]
    assert "Wrote" in result.stdout


def test_lists_that_line_up_exit_0(isolated_env):
    result = run_cli("--scenario healthy preflight --lists")
    assert result.exit_code == 0, result.stdout


def test_lists_refuses_record_filters_and_a_csv_on_stdout(isolated_env):
    assert run_cli("--scenario first-sync preflight --lists --since 2026-01-01").exit_code == 3
    assert run_cli("--scenario first-sync preflight --lists --export -").exit_code == 3
    assert run_cli("--scenario first-sync --format csv preflight --lists").exit_code == 3
