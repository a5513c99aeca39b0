"""The commands as people and cron run them: exit codes, reports, history, every profile, a bare environment."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from clihelp import run_cli
from qbsync.health.check import history_path
from qbsync.health.history import CheckHistory, RunFigures

REPO = Path(__file__).resolve().parents[2]
ESCAPE = re.compile(r"\x1b\[")


def test_check_demo_exits_2_with_the_plan():
    result = run_cli("check --demo")
    assert result.exit_code == 2, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("QBSYNC CRITICAL - Peak Flow Plumbing & Heating LLC:") and "| failures=" in first
    # The lapse is over (Suprata is connected again): the plan says so instead of "P5 Connection expired",
    # and the step's command is on a line of its own.
    assert "Plan (fix in this order):" in result.stdout and "  1. Suprata's connection had lapsed" in result.stdout
    assert "\n      qbsync retry --pattern P5\n" in result.stdout


def test_check_healthy_exits_0():
    result = run_cli("check --scenario healthy")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.startswith("QBSYNC OK - ")


def test_check_preflight_scenario_file_alone_exits_1_naming_suprata_token():
    result = run_cli("check --scenario preflight-risks")
    assert result.exit_code == 1
    assert (
        "Suprata's QuickBooks connection: refresh token expires in 6 days" in result.stdout
    )  # people read "6 days", not "6 day(s)"


def test_check_json_is_one_envelope_with_everything():
    result = run_cli("check --demo --format json")
    envelope = result.json()
    assert (envelope["command"], envelope["status"], envelope["exit_code"]) == ("check", "critical", 2)
    data = envelope["data"]
    assert data["verdict"] == "CRITICAL" and data["diagnosis"]["root_causes"][0]["step"] == 1
    assert {"status", "risks", "trend", "reasons", "requests"} <= set(data)


@pytest.mark.parametrize("name,code", [("healthy", 0), ("p7-throttled", 1), ("demo", 2)])
def test_status_exit_codes(name, code):
    result = run_cli(f"status --scenario {name}")
    assert result.exit_code == code, result.stdout + result.stderr
    assert "Suprata → QuickBooks" in result.stdout and "qbsync → QuickBooks" in result.stdout
    envelope = run_cli(f"status --scenario {name} --json").json()
    # preferences, company info, and the change feed and old voids diagnose reads too (so status agrees with
    # it about voids and deletions made in QuickBooks): a handful, never a read per failure
    assert envelope["exit_code"] == code and envelope["data"]["requests"]["quickbooks"] <= 4


def test_status_with_unconfigured_profile_is_unknown():
    result = run_cli("status")
    assert result.exit_code == 3 and "not configured" in result.stderr


def test_reports_md_and_html_contain_the_plan_and_escape_user_data(tmp_path):
    md, page = tmp_path / "weekly.md", tmp_path / "out" / "weekly.html"
    assert run_cli(f"check --demo --report {md}").exit_code == 2
    assert run_cli(f"check --demo -q --report {page}").exit_code == 2
    text = md.read_text(encoding="utf-8")
    assert "## Plan" in text and "| step | pattern | what |" in text and "Front Range Electric" in text
    assert "## Risks ahead" in text and "## Trend" in text
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "What to fix, in this order</h2>" in html
    assert "Front Range Electric" in html and "INV-1170" in html  # the affected records, per step
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert "<style" not in html  # inline styles only: mail clients strip <style>
    assert "Plumbing \\&" not in text and "Plumbing & Heating" in text


def test_report_escapes_hostile_names():
    from qbsync.health.report import _e, _md

    assert _e("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert _md("a | b <img src=x> [link](http://x) &amp;") == r"a \| b \<img src=x\> \[link\](http://x) \&amp;"


def test_history_prints_the_recorded_runs(isolated_env):
    from datetime import UTC, datetime, timedelta

    store = CheckHistory(history_path(isolated_env / "data"))
    start = datetime(2026, 11, 3, 7, 0, tzinfo=UTC)
    for week, backlog in enumerate((2, 5, 9)):
        store.record(RunFigures("default", start + timedelta(days=7 * week), 1, "Acme", 1, 1, 1, backlog, 3, 1, 0))
    result = run_cli("check --history")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "default (Acme): 3 runs"
    assert lines[-3].startswith("2026-11-17 07:00") and lines[-3].endswith("(+4)")
    assert result.stdout.strip().endswith(str(history_path(isolated_env / "data")))


def _loopback_profiles(home: Path, scenarios: dict[str, str]) -> list:
    from qbsync.sandbox.app import serve
    from qbsync.services import services_for_sandbox

    servers, lines = [], []
    for profile, scenario in scenarios.items():
        server = serve(scenario, port=0)
        servers.append(server)
        services_for_sandbox(server.sandbox, home / "data", profile=profile)  # seeds qbsync's own tokens
        lines.append(f"[profiles.{profile}]")
        lines += [f'{k} = "{v}"' for k, v in server.profile().items()]
    (home / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return servers


@pytest.mark.loopback
def test_all_profiles_one_row_per_company_and_the_worst_status(isolated_env):
    servers = _loopback_profiles(isolated_env, {"acme": "healthy", "peak": "p7-throttled"})
    try:
        # qbsync runs on the system clock: pin it to the scenarios' "now", as 'qbsync sandbox serve' tells users to
        now = {"QBSYNC_NOW": servers[0].sandbox.clock.now().isoformat()}
        result = run_cli("check --all-profiles", env=now)
        envelope = run_cli("check --all-profiles --json", env=now).json()
    finally:
        for server in servers:
            server.stop()
    assert result.exit_code == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "QBSYNC WARNING - 2 companies: 1 OK, 1 WARNING"
    assert lines[2].startswith("acme") and " OK " in lines[2]
    assert lines[3].startswith("peak") and " WARNING " in lines[3]
    assert [r["verdict"] for r in envelope["data"]["rows"]] == ["OK", "WARNING"]
    assert set(CheckHistory(history_path(isolated_env / "data")).profiles()) == {"acme", "peak"}


def test_all_profiles_reports_a_broken_profile_as_a_row(isolated_env):
    isolated_env.mkdir(parents=True, exist_ok=True)
    (isolated_env / "config.toml").write_text('[profiles.acme]\nqbo_realm_id = "1"\n', encoding="utf-8")
    result = run_cli("check --all-profiles")
    assert result.exit_code == 3
    assert "acme" in result.stdout and "UNKNOWN" in result.stdout and "not configured" in result.stdout


def test_worst_status_ranks_critical_over_unknown_over_warning():
    from qbsync.health.check import worst

    assert worst([0, 1, 3]) == 3 and worst([1, 3, 2]) == 2 and worst([0, 1]) == 1 and worst([]) == 0


def test_cron_like_environment_no_tty_no_home_no_escape_codes(tmp_path):
    exe = REPO / ".venv" / "bin" / "qbsync"
    if not exe.exists():
        pytest.skip("console script not installed in .venv")
    home = tmp_path / "cronhome"
    env = {"PATH": "/usr/bin:/bin", "QBSYNC_HOME": str(home)}
    proc = subprocess.run(
        [
            "env",
            "-i",
            *[f"{k}={v}" for k, v in env.items()],
            str(exe),
            "check",
            "--demo",
            "--report",
            str(tmp_path / "r.html"),
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=120,
        check=False,
    )
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    assert proc.returncode == 2, err
    assert out.startswith("QBSYNC CRITICAL - ") and "Plan (fix in this order):" in out
    assert not ESCAPE.search(out) and not ESCAPE.search(err)
    assert "report written to" in err and (tmp_path / "r.html").exists()
