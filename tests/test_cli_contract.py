"""The CLI contract: exit codes, one-line errors, the JSON envelope, global options anywhere, help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clihelp import run_cli
from qbsync.cli.app import app, hoist_global_options
from qbsync.result import envelope_json_schema

DOCS = Path(__file__).parent.parent / "docs"


def test_unknown_command_is_usage_error_exit_3_one_line() -> None:
    result = run_cli("nosuchcommand")
    assert result.exit_code == 3
    assert result.stderr.splitlines()[0] == "qbsync: error: No such command 'nosuchcommand'"
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_bad_format_value_exits_3() -> None:
    result = run_cli("diagnose --format xml")
    assert result.exit_code == 3
    assert "--format must be table, json or csv" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2  # the error and its hint


def test_usage_error_in_json_mode_prints_envelope() -> None:
    result = run_cli("diagnose --json --since")
    assert result.exit_code == 3
    envelope = result.json()
    assert envelope["schema_version"] == 1
    assert envelope["status"] == "error"
    assert envelope["exit_code"] == 3
    assert envelope["errors"][0]["code"] == "usage"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["diagnose", "--demo", "--json"], ["--demo", "--json", "diagnose"]),
        (["trace", "INV-1", "--profile", "acme"], ["--profile", "acme", "trace", "INV-1"]),
        (["retry", "--format=json", "INV-1"], ["--format=json", "retry", "INV-1"]),
        (["explain", "--", "--json"], ["explain", "--", "--json"]),
    ],
)
def test_global_options_are_accepted_after_the_command(argv: list[str], expected: list[str]) -> None:
    assert hoist_global_options(argv) == expected


def test_garbage_config_file_is_a_clear_error(isolated_env: Path) -> None:
    isolated_env.mkdir(parents=True)
    config = isolated_env / "config.toml"
    config.write_text("[profiles.acme]\nqbo_realm_id = 12\nthis is not toml\n")
    result = run_cli("config")
    assert result.exit_code == 3
    assert str(config) in result.stderr
    assert "line 3" in result.stderr
    assert "Traceback" not in result.stderr
    assert config.read_text().endswith("this is not toml\n")  # never overwritten


def test_unknown_setting_in_config_names_it(isolated_env: Path) -> None:
    isolated_env.mkdir(parents=True)
    (isolated_env / "config.toml").write_text("[profiles.default]\nrealm = '1'\n")
    result = run_cli("config")
    assert result.exit_code == 3
    assert "unknown setting profiles.default.realm" in result.stderr


def test_precedence_flag_over_env_over_file(isolated_env: Path) -> None:
    isolated_env.mkdir(parents=True)
    (isolated_env / "config.toml").write_text('[defaults]\nformat = "json"\n[profiles.default]\nqbo_realm_id = "1"\n')
    by_file = run_cli("config").json()
    rows = {r["name"]: r for r in by_file["data"]["settings"]}
    assert rows["format"]["source"].startswith("file:")
    assert rows["qbo_realm_id"]["value"] == "1"
    by_env = run_cli("config", env={"QBSYNC_QBO_REALM_ID": "2"}).json()
    rows = {r["name"]: r for r in by_env["data"]["settings"]}
    assert (rows["qbo_realm_id"]["value"], rows["qbo_realm_id"]["source"]) == ("2", "env:QBSYNC_QBO_REALM_ID")
    by_flag = run_cli("config --format table", env={"QBSYNC_FORMAT": "json"})
    assert by_flag.stdout.lstrip().startswith("Profile")


def test_config_set_writes_0600_and_masks_secrets(isolated_env: Path) -> None:
    assert run_cli("--profile acme config set suprata_api_key sk_live_abcdefgh12").exit_code == 0
    config = isolated_env / "config.toml"
    assert config.stat().st_mode & 0o777 == 0o600
    shown = run_cli("--profile acme config --json").json()
    rows = {r["name"]: r for r in shown["data"]["settings"]}
    assert rows["suprata_api_key"]["value"] == "****12"
    assert "sk_live" not in json.dumps(shown)
    bad = run_cli("config set qbo_environment moon")
    assert bad.exit_code == 3


def test_every_command_has_help_with_an_example() -> None:
    names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    assert set(names) >= {"status", "diagnose", "retry", "trace", "reconnect", "explain", "check", "sandbox", "config"}
    top = run_cli("--help")
    assert top.exit_code == 0
    for name in names:
        assert name in top.stdout
        sub = run_cli([name, "--help"])
        assert sub.exit_code == 0, name
        # Examples first (clig.dev): the first text after the usage line is the examples block.
        after_usage = [line.strip() for line in sub.stdout.split("Usage:", 1)[1].splitlines()[1:] if line.strip()]
        assert after_usage[0] == "Examples:" and after_usage[1].startswith("qbsync "), name
        assert "<bool>" not in sub.stdout and "<str>" not in sub.stdout, name


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for command in app.registered_commands:
        assert f"qbsync {command.name}" in readme, command.name
    for group in app.registered_groups:
        assert f"qbsync {group.name}" in readme, group.name


def test_exit_codes_are_documented_in_help_and_docs() -> None:
    top = run_cli("--help").stdout
    assert "3 UNKNOWN" in " ".join(top.split())
    assert "130" in (DOCS / "cli.md").read_text()


def test_envelope_schema_doc_is_current() -> None:
    published = json.loads((DOCS / "envelope.schema.json").read_text())
    assert published == envelope_json_schema()


def test_version_and_help_do_not_import_heavy_modules() -> None:
    code = (
        "import sys; from qbsync.cli.app import run; run(['--help']);"
        "heavy = [m for m in ('intuitlib.client', 'httpx', 'pydantic', 'qbsync.sandbox.app', 'requests') if m in sys.modules];"
        "print('HEAVY:' + ','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    heavy = out.stdout.rsplit("HEAVY:", 1)[1].strip()
    assert heavy == ""  # intuitlib, httpx, pydantic models and the sandbox load only when a command needs them


def test_debug_log_never_shows_secrets() -> None:
    result = run_cli("diagnose --demo --debug")
    assert "debug: qbsync.http:" in result.stderr
    for secret in ("sk_sandbox_", "Bearer ", "eyJ", "sandbox-qbsync-client-secret", "refresh_token="):
        assert secret not in result.stderr, secret


def test_subcommand_help_builds_no_settings_and_imports_no_core() -> None:
    # 'qbsync diagnose --help' prints Typer's rich help only: no config read, no Env, no core modules.
    code = (
        "import sys; from qbsync.cli.app import run; from qbsync.cli._runtime import current_env; run(['diagnose', '--help']);"
        "core = [m for m in sys.modules if m.startswith('qbsync.') and not m.startswith('qbsync.cli')"
        " and m != 'qbsync.exit_codes'];"
        "core += [m for m in ('platformdirs', 'tomllib', 'httpx', 'intuitlib.client') if m in sys.modules];"
        "print('ENV:' + str(current_env()) + ' CORE:' + ','.join(sorted(core)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "╭─ Options ─" in out.stdout and "--since" in out.stdout  # Typer's rich help, unchanged
    assert out.stdout.rsplit("ENV:", 1)[1].strip() == "None CORE:"


def test_settings_errors_still_surface_when_the_command_runs(isolated_env) -> None:
    isolated_env.mkdir(parents=True, exist_ok=True)
    (isolated_env / "config.toml").write_text("this is [not toml\n", encoding="utf-8")
    assert run_cli("diagnose --help").exit_code == 0  # help needs no settings
    result = run_cli("diagnose")
    assert result.exit_code != 0 and "config" in (result.stdout + result.stderr).lower()
