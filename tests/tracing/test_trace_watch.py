"""``trace INV-... --watch``: one invoice followed from its creation in Suprata until it is in QuickBooks, fails,
or the wait runs out; then amount, tax and customer compared on both sides.

In-process, the world moves only while qbsync waits: ``World`` is the run's clock, and each of its sleeps moves
the sandbox's virtual time on (Suprata's automatic retries fall due) and plays the events scripted for that
moment (a person creating the invoice). Nothing sleeps for real. The served cases run the CLI against
``sandbox serve``'s server on 127.0.0.1, where the invoice is already on its way when the watch starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clihelp import run_cli
from qbsync.clock import VirtualClock
from qbsync.exit_codes import ExitCode
from qbsync.sandbox.app import build_sandbox
from qbsync.services import services_for_sandbox
from qbsync.tracing.watch import POLL_MAX_SECONDS, POLL_SECONDS, watch_exit_code, watch_invoice

NEW = {"type": "invoice_created", "number": "INV-2001", "customer": "C-1001", "tax_category": "8",
       "lines": [{"sku": "SVC-CALL"}, {"sku": "PRT-FAUC"}]}  # fmt: skip


class World:
    """The run's clock: sleeping moves the sandbox on and plays what was scripted for then."""

    def __init__(self, sandbox: Any, script: list[tuple[float, dict[str, Any]]] = ()) -> None:
        self.sandbox = sandbox
        self.script = sorted(script, key=lambda pair: pair[0])
        self.slept = 0.0
        self.sleeps: list[float] = []

    def now(self) -> Any:
        return self.sandbox.clock.now()

    def monotonic(self) -> float:
        return self.sandbox.clock.monotonic()

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.slept += seconds
        self.sandbox.advance(seconds)
        while self.script and self.script[0][0] <= self.slept:
            self.sandbox.apply_event(self.script.pop(0)[1])


def _watch(tmp_path: Path, scenario: str, script=(), before=(), wait: float = 900, **kw):
    sandbox = build_sandbox(scenario)
    for event in before:
        sandbox.apply_event(event)
    services = services_for_sandbox(sandbox, tmp_path)
    world = World(sandbox, list(script))
    services.clock = world
    heard = []
    result = watch_invoice(services, "INV-2001", wait, listen=heard.append, **kw)
    return result, world, heard, sandbox


def test_a_new_invoice_syncs_and_both_sides_agree(tmp_path):
    result, world, heard, _ = _watch(tmp_path, "healthy", script=[(5, NEW)])
    assert result.outcome == "synced" and watch_exit_code(result) == ExitCode.OK
    assert [e.what for e in heard] == ["waiting", "appeared", "attempt"]
    assert heard[-1].attempt.outcome == "succeeded" and heard[-1].elapsed == result.waited_seconds
    assert {c.field: c.agree for c in result.checks} == {"amount": True, "tax": True, "customer": True}
    amount = next(c for c in result.checks if c.field == "amount")
    assert amount.suprata == amount.quickbooks == str(result.trace.invoice.total)
    assert result.verdict.agree and "amount, tax and customer agree" in result.verdict.headline
    assert world.slept < 10 and world.sleeps[:3] == list(POLL_SECONDS[:3])  # it looked again soon after


def test_each_attempt_is_shown_as_suprata_retries_by_itself(tmp_path):
    burst = {"type": "throttle_burst", "seconds": 90}
    result, _, heard, _ = _watch(tmp_path, "healthy", before=[burst, NEW])
    attempts = [e.attempt for e in heard if e.attempt is not None]
    assert [a.outcome for a in attempts] == ["failed", "succeeded"]
    assert attempts[0].error_code == "3001" and attempts[1].trigger == "scheduled_retry"
    assert result.outcome == "synced" and result.verdict.agree
    assert 120 <= result.waited_seconds < 120 + POLL_MAX_SECONDS + 1  # the 2-minute automatic retry, seen
    assert any(e.what == "state" for e in heard)


def test_an_invoice_that_fails_ends_the_watch_with_the_pattern_tables_fix(tmp_path):
    unmapped = {"type": "tax_mapping_changed", "category": "8", "state": "WY", "tax_code": None}
    wyoming = {**NEW, "customer": "C-1005", "lines": [{"sku": "PRT-WH50"}]}
    result, _, heard, _ = _watch(tmp_path, "healthy", before=[unmapped], script=[(3, wyoming)])
    assert result.outcome == "failed" and watch_exit_code(result) == ExitCode.CRITICAL
    failed = [e.attempt for e in heard if e.attempt is not None]
    assert len(failed) == 1 and failed[0].error_code == "6100" and failed[0].pattern == "P4"
    assert "6100" in result.verdict.headline and result.checks == []
    assert result.verdict.fix[0].startswith("In Suprata's QuickBooks settings, map tax category")


def test_nothing_within_the_bound_stops_at_the_bound(tmp_path):
    result, world, _, _ = _watch(tmp_path, "healthy", wait=60)
    assert result.outcome == "timed_out" and watch_exit_code(result) == ExitCode.WARNING
    assert result.state is None and world.slept == 60 and result.waited_seconds == 60
    assert result.verdict.headline == "nothing named INV-2001 appeared in Suprata within 60 s"
    assert result.requests["quickbooks"] == 0 and result.polls == len(world.sleeps) + 1


def test_an_invoice_stuck_pending_is_reported_with_its_state(tmp_path):
    outage = {"type": "outage", "seconds": 3600, "status": 503}
    ticks = []
    result, world, _, _ = _watch(tmp_path, "healthy", before=[outage, NEW], wait=300, tick=lambda e, s: ticks.append(s))
    assert result.outcome == "timed_out" and result.state == "pending" and world.slept == 300
    assert result.verdict.headline == "INV-2001 is not in QuickBooks after 5 min: still pending in Suprata"
    assert set(ticks) == {"pending"} and len([e for e in result.events if e.attempt]) >= 2  # 2-min retry seen


def test_ctrl_c_ends_the_watch_with_130(isolated_env, monkeypatch):
    def interrupted(self, seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(VirtualClock, "sleep", interrupted)
    result = run_cli("--demo trace INV-9999 --watch --wait 30")
    assert result.exit_code == 130


def test_the_cli_refuses_a_watch_without_one_invoice(isolated_env):
    assert run_cli('--demo trace --customer "Ben Albright" --watch').exit_code == 3
    assert run_cli("--demo trace INV-1001 --watch --wait 0").exit_code == 3


def _served(isolated_env: Path, *events: dict[str, Any]):
    from qbsync.sandbox.app import serve

    server = serve("healthy", port=0)
    for event in events:
        server.sandbox.apply_event(event)
    services_for_sandbox(server.sandbox, isolated_env / "data", profile="default")  # seeds qbsync's own tokens
    lines = ["[profiles.default]", *(f'{k} = "{v}"' for k, v in server.profile().items())]
    isolated_env.mkdir(parents=True, exist_ok=True)
    (isolated_env / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return server, {"QBSYNC_NOW": server.sandbox.clock.now().isoformat()}


@pytest.mark.loopback
def test_served_the_cycle_is_confirmed_on_both_sides(isolated_env):
    server, env = _served(isolated_env, NEW)
    try:
        result = run_cli("trace INV-2001 --watch --wait 30", env=env)
        envelope = run_cli("--json trace INV-2001 --watch --wait 30", env=env).json()
    finally:
        server.stop()
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "INV-2001 reached QuickBooks" in result.stdout and "attempt 1 (auto)" in result.stderr
    data = envelope["data"]
    assert data["kind"] == "watch" and data["outcome"] == "synced"
    assert [c["agree"] for c in data["checks"]] == [True, True, True]


@pytest.mark.loopback
def test_served_a_failure_is_shown_with_quickbooks_code(isolated_env):
    unmapped = {"type": "tax_mapping_changed", "category": "8", "state": "WY", "tax_code": None}
    server, env = _served(isolated_env, unmapped, {**NEW, "customer": "C-1005", "lines": [{"sku": "PRT-WH50"}]})
    try:
        result = run_cli("trace INV-2001 --watch --wait 30", env=env)
    finally:
        server.stop()
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "failed 6100" in result.stderr and "INV-2001 failed after 1 attempt (6100" in result.stdout


@pytest.mark.loopback
def test_served_nothing_within_the_bound_ends_at_the_bound(isolated_env, monkeypatch):
    # The server is real (127.0.0.1) and so are qbsync's requests; only qbsync's waits are skipped: its clock
    # jumps ahead by each sleep instead of sleeping, so the 45 s bound passes without a real wait.
    import time

    from qbsync.clock import SystemClock

    skipped = [0.0]
    monkeypatch.setattr(SystemClock, "monotonic", lambda self: time.monotonic() + skipped[0])
    monkeypatch.setattr(SystemClock, "sleep", lambda self, seconds: skipped.__setitem__(0, skipped[0] + seconds))
    server, env = _served(isolated_env)
    try:
        result = run_cli("trace INV-2001 --watch --wait 45", env=env)
    finally:
        server.stop()
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "nothing named INV-2001 appeared in Suprata within 45 s" in result.stdout
    # It waited out the bound on its own clock (the real time the polls took counts too), and no longer.
    assert 40 < skipped[0] <= 45
