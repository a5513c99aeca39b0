"""QuickBooks down or throttling while qbsync runs: diagnose, status and check still end with a plan from
Suprata's log and a documented exit code (2 or 1, never 3 when Suprata answered), within the deadline.

In-process runs use a scenario file whose outage or throttle burst is still going at the scenario's "now"
(VirtualClock: no real waiting). The loopback runs serve the sandbox on 127.0.0.1 and give qbsync a
VirtualClock too, so the retry waits cost nothing while every request crosses a real socket.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest

from clihelp import run_cli
from qbsync.clock import VirtualClock, format_iso, parse_iso
from qbsync.deadline import CHECK_DEADLINE_SECONDS, SERVICE_PATIENCE_SECONDS
from qbsync.sandbox.app import build_sandbox
from qbsync.services import services_for_sandbox

SCENARIOS = Path(__file__).resolve().parents[2] / "src" / "qbsync" / "sandbox" / "scenarios"
TROUBLE = {
    "outage": {"type": "outage", "seconds": 6 * 3600, "status": 503},
    "throttle": {"type": "throttle_burst", "seconds": 6 * 3600},
}
REASON = {"outage": "QuickBooks unreachable (HTTP 503 since ", "throttle": "QuickBooks throttling (HTTP 429 since "}


def scenario_in_trouble(tmp_path: Path, base: str, trouble: str, minutes_ago: int = 10) -> Path:
    """A built-in scenario whose QuickBooks went down (or started throttling) ``minutes_ago`` and still is."""
    data = json.loads((SCENARIOS / f"{base}.json").read_text(encoding="utf-8"))
    now = parse_iso(data["clock"]["now"])
    data["timeline"].append({**TROUBLE[trouble], "at": format_iso(now - timedelta(minutes=minutes_ago))})
    data["timeline"].sort(key=lambda e: e["at"])
    data.pop("expected", None)
    path = tmp_path / f"{base}-{trouble}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("trouble", ["outage", "throttle"])
def test_diagnose_gives_the_plan_from_the_log_with_each_cause_marked(tmp_path, trouble):
    result = run_cli(f"diagnose --scenario {scenario_in_trouble(tmp_path, 'demo', trouble)} --json")
    envelope = result.json()
    assert (envelope["exit_code"], result.exit_code, envelope["status"]) == (2, 2, "critical"), result.stderr
    data = envelope["data"]
    assert data["quickbooks_unavailable"].startswith(REASON[trouble])
    causes = data["root_causes"]
    patterns = {c["pattern"] for c in causes}
    assert {"P1", "P2", "P3", "P4", "P7"} <= patterns  # every cause the log shows is still in the plan
    for cause in causes:
        if cause["pattern"] == "P7":
            assert cause["confirmed"] and cause["evidence"][0]["summary"].startswith(
                "confirmed now: " + REASON[trouble]
            )
        elif cause["pattern"] == "P5":
            assert cause["confirmed"]  # Suprata's own connection status says so, QuickBooks is not needed
        else:
            assert not cause["confirmed"]
            assert cause["unconfirmed"].startswith("not confirmed: " + REASON[trouble])
    assert [c["step"] for c in causes] == list(range(1, len(causes) + 1))


@pytest.mark.parametrize("trouble", ["outage", "throttle"])
def test_diagnose_table_says_what_it_could_not_confirm(tmp_path, trouble):
    result = run_cli(f"diagnose --scenario {scenario_in_trouble(tmp_path, 'p3-closed-period', trouble)}")
    assert result.exit_code == 2, result.stderr
    assert "Fix in this order" in result.stdout and "not confirmed: " + REASON[trouble] in result.stdout
    assert "the plan comes from Suprata's sync log alone" in result.stdout
    assert "(None)" not in result.stdout  # the close date is unknown, not "None"
    # Whose books, and how hard qbsync tried, in plain words: Suprata names the company; no URL, realm or
    # "1 attempts" in the note a person reads.
    first_line = result.stdout.splitlines()[0]
    assert first_line.startswith("Peak Flow Plumbing & Heating LLC"), first_line
    assert "qbsync asked QuickBooks" in result.stdout
    assert "http" not in result.stdout and "minorversion" not in result.stdout and " 1 attempts" not in result.stdout


@pytest.mark.parametrize("trouble", ["outage", "throttle"])
def test_a_healthy_company_in_an_outage_is_a_warning_with_p7_confirmed_now(tmp_path, trouble):
    path = scenario_in_trouble(tmp_path, "healthy", trouble)
    diagnosis = run_cli(f"diagnose --scenario {path} --json").json()
    assert diagnosis["exit_code"] == 1
    [cause] = diagnosis["data"]["root_causes"]
    assert cause["pattern"] == "P7" and cause["confirmed"] and cause["title"].startswith(REASON[trouble])
    status = run_cli(f"status --scenario {path} --json").json()
    assert status["exit_code"] == 1 and status["data"]["quickbooks_unavailable"].startswith(REASON[trouble])
    check = run_cli(f"check --scenario {path} --json").json()
    assert check["exit_code"] == 1 and check["data"]["diagnosis"]["root_causes"][0]["pattern"] == "P7"


@pytest.mark.parametrize("trouble", ["outage", "throttle"])
def test_status_and_check_count_from_suprata_and_exit_as_documented(tmp_path, trouble):
    path = scenario_in_trouble(tmp_path, "demo", trouble)
    status = run_cli(f"status --scenario {path}")
    assert status.exit_code == 2, status.stderr
    assert REASON[trouble] in status.stdout and "unknown (QuickBooks not read)" in status.stdout
    check = run_cli(f"check --scenario {path}")
    assert check.exit_code == 2, check.stderr
    assert check.stdout.startswith("QBSYNC CRITICAL - ") and "Plan (fix in this order):" in check.stdout
    assert REASON[trouble] in check.stdout


@pytest.mark.parametrize("trouble", ["outage", "throttle"])
def test_the_answer_comes_within_the_patience_on_the_runs_clock(tmp_path, trouble):
    from qbsync.diagnosis.diagnose import Filters, diagnose
    from qbsync.health.check import run_check

    sandbox = build_sandbox(scenario_in_trouble(tmp_path, "demo", trouble))
    services = services_for_sandbox(sandbox, tmp_path / "data", deadline_seconds=CHECK_DEADLINE_SECONDS)
    t0 = sandbox.clock.monotonic()
    report = diagnose(services, Filters())
    # parallel lookups each sleep on the one virtual clock, so this over-counts: the real bound is lower
    assert sandbox.clock.monotonic() - t0 <= 2 * SERVICE_PATIENCE_SECONDS
    assert report.quickbooks_unavailable and report.root_causes
    t1 = sandbox.clock.monotonic()
    check = run_check(services, record=False)
    assert sandbox.clock.monotonic() - t1 == 0  # QuickBooks is not asked again once the run gave up on it
    assert check.exit_code == 2


def test_suprata_down_is_still_could_not_check(tmp_path, monkeypatch):
    """The plan needs Suprata's log: without it there is nothing to say but one line and exit 3."""
    from qbsync.clients.suprata import SupraClient

    def down(self, *a, **k):
        from qbsync.clients.errors import Unreachable

        err = Unreachable("http://127.0.0.1:9/suprata", "ConnectError: refused", kind="connect")
        err.service = "Suprata"
        raise err

    monkeypatch.setattr(SupraClient, "_call", down)  # every Suprata read goes through _call
    result = run_cli("diagnose --demo")
    assert result.exit_code == 3 and "could not reach" in result.stderr and len(result.stderr.splitlines()) <= 2


# --- over a real socket: qbsync sandbox serve on 127.0.0.1 ----------------------------------------------------


def _served_profile(home: Path, scenario: Path):
    from qbsync.sandbox.app import serve

    server = serve(scenario, port=0)
    services_for_sandbox(server.sandbox, home / "data", profile="default")  # seeds qbsync's own tokens
    lines = ["[profiles.default]"] + [f'{k} = "{v}"' for k, v in server.profile().items()]
    (home / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return server


@pytest.mark.loopback
@pytest.mark.parametrize("trouble", ["outage", "throttle"])
def test_served_sandbox_in_trouble_every_check_ends_with_a_plan(isolated_env, tmp_path, monkeypatch, trouble):
    import qbsync.cli._runtime as runtime

    server = _served_profile(isolated_env, scenario_in_trouble(tmp_path, "demo", trouble))
    clocks: list[VirtualClock] = []

    def virtual(environ):  # qbsync's own waits on a virtual clock at the scenario's now
        clocks.append(VirtualClock(server.sandbox.clock.now()))
        return clocks[-1]

    monkeypatch.setattr(runtime, "_clock", virtual)
    try:
        results = {}
        for command in ("diagnose", "status", "check"):
            started = time.monotonic()
            results[command] = (run_cli(f"{command} --json"), time.monotonic() - started)
    finally:
        server.stop()
    for command, (result, wall) in results.items():
        envelope = result.json()
        assert envelope["exit_code"] == 2, (command, result.stderr)
        assert wall < CHECK_DEADLINE_SECONDS  # real time: no socket waits past its timeouts
    for clock in clocks:
        assert clock.monotonic() <= CHECK_DEADLINE_SECONDS
    diagnosis = results["diagnose"][0].json()["data"]
    assert diagnosis["quickbooks_unavailable"].startswith(REASON[trouble])
    assert all(c["confirmed"] == (c["pattern"] in ("P5", "P7")) for c in diagnosis["root_causes"])
