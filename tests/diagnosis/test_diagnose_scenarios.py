"""``qbsync diagnose`` on every built-in scenario finds exactly the planted root causes, counts and order.

The scenarios' ``expected`` sections are read here only; the diagnosis path never sees them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from clihelp import run_cli
from qbsync.diagnosis.diagnose import Filters, diagnose, exit_code_for
from qbsync.diagnosis.patterns import get_pattern
from qbsync.sandbox.app import build_sandbox
from qbsync.sandbox.catalog import builtin_names, load_builtin
from qbsync.services import services_for_sandbox

SCENARIOS = [name for name in builtin_names() if load_builtin(name).expected is not None]


def _run(name: str, tmp_path: Path, filters: Filters | None = None):
    sandbox = build_sandbox(name)
    services = services_for_sandbox(sandbox, tmp_path)
    return sandbox, diagnose(services, filters or Filters())


def _expected(name: str) -> list[dict]:
    expected = load_builtin(name).expected
    data = expected.model_dump() if hasattr(expected, "model_dump") else expected
    return data["root_causes"]


def _numbers(cause) -> set[str]:
    return {r.number or r.record_id for r in cause.records}


@pytest.mark.parametrize("name", SCENARIOS)
def test_finds_every_planted_root_cause_and_nothing_else(name: str, tmp_path: Path) -> None:
    _, report = _run(name, tmp_path)
    found = Counter(c.pattern for c in report.root_causes)
    planted = Counter(c["pattern"] for c in _expected(name))
    assert found == planted, [c.title for c in report.root_causes]
    for exp in _expected(name):
        matches = [c for c in report.root_causes if c.pattern == exp["pattern"] and set(exp["records"]) & _numbers(c)]
        assert len(matches) == 1, (exp, [(c.pattern, sorted(_numbers(c))) for c in report.root_causes])
        cause = matches[0]
        named = _numbers(cause) | {n for n in exp["records"] if n in cause.title}  # a cause's subject is named
        assert set(exp["records"]) <= named, exp
        if exp.get("blocked"):
            assert cause.blocks == exp["blocked"], (exp["subject"], cause.blocks)


@pytest.mark.parametrize("name", SCENARIOS)
def test_plan_follows_triage_order(name: str, tmp_path: Path) -> None:
    _, report = _run(name, tmp_path)
    orders = [get_pattern(c.pattern).plan_order for c in report.root_causes]
    assert orders == sorted(orders)
    assert [c.step for c in report.root_causes] == list(range(1, len(report.root_causes) + 1))
    for cause in report.root_causes:
        text = " ".join(cause.steps).lower()
        assert "delete it in quickbooks" not in text and "delete the" not in text  # void, never delete


def test_demo_plan_order_and_evidence(tmp_path: Path) -> None:
    _, report = _run("demo", tmp_path)
    patterns = [c.pattern for c in report.root_causes]
    assert patterns[0] == "P5" and patterns[-1] == "unknown"
    assert patterns.index("P1") < patterns.index("P2") < patterns.index("P4") < patterns.index("P3")
    assert patterns.index("P3") < patterns.index("P6") < patterns.index("P7")
    vendor = next(c for c in report.root_causes if c.pattern == "P1" and "vendor" in c.title)
    assert vendor.confirmed and any("Vendor" in e.summary for e in vendor.evidence)
    closed = next(c for c in report.root_causes if c.pattern == "P3")
    assert str(report.books_closed_through) in closed.title
    assert any("bookkeeper" in w.lower() or "reported" in w.lower() for w in closed.warnings)
    tax = next(c for c in report.root_causes if c.pattern == "P4")
    assert "WY" in tax.title
    duplicate = next(c for c in report.root_causes if c.pattern == "P6" and "Duplicate" in c.title)
    assert duplicate.steps[0].startswith("Void QuickBooks invoice")
    assert exit_code_for(report) == 2


def test_evidence_is_batched(tmp_path: Path) -> None:
    _, report = _run("demo", tmp_path)
    assert report.qbo_requests is not None and report.qbo_requests <= 15


def test_repeated_retries_for_the_same_cause_are_called_out(tmp_path: Path) -> None:
    _, report = _run("demo", tmp_path)
    item = next(c for c in report.root_causes if c.pattern == "P2")
    assert any("retrying will not help" in w for w in item.warnings)


def test_healthy_company_exits_0(tmp_path: Path) -> None:
    _, report = _run("healthy", tmp_path)
    assert report.root_causes == [] and exit_code_for(report) == 0


def test_only_transient_exits_1(tmp_path: Path) -> None:
    _, report = _run("p7-throttled", tmp_path)
    assert {c.pattern for c in report.root_causes} == {"P7"} and exit_code_for(report) == 1


def test_filters_narrow_the_plan(tmp_path: Path) -> None:
    _, report = _run("demo", tmp_path / "one", Filters(pattern="P4"))
    assert [c.pattern for c in report.root_causes] == ["P4"]
    _, payments = _run("demo", tmp_path / "two", Filters(payments=True))
    assert payments.root_causes and all(r.record_type == "payment" for c in payments.root_causes for r in c.records)


def test_cli_demo_table_and_json() -> None:
    table = run_cli("diagnose --demo")
    assert table.exit_code == 2
    assert "Fix in this order" in table.stdout and "Front Range Electric" in table.stdout
    assert "\x1b[" not in table.stdout  # NO_COLOR and no TTY: no escape codes
    envelope = run_cli("diagnose --demo --json").json()
    assert envelope["exit_code"] == 2 and envelope["status"] == "critical"
    cause = envelope["data"]["root_causes"][0]
    assert {"pattern", "title", "evidence", "steps", "blocks", "first_seen", "last_seen", "retry"} <= set(cause)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("diagnose --demo --pattern P9", "--pattern must be P1 to P7 or unknown"),
        ("diagnose --demo --record-type invoices", "--record-type must be one of"),
        ("diagnose --demo --since yesterday", "is not a duration or a date"),
        ("diagnose --demo --customer 'Nobody Here'", "no failing customer matches"),
        ("diagnose --scenario no-such-scenario", "no built-in scenario or file"),
    ],
)
def test_bad_input_is_one_line_exit_3(args: str, message: str) -> None:
    result = run_cli(args)
    assert result.exit_code == 3
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_narrow_terminal_gets_the_plan_as_a_list() -> None:
    result = run_cli("diagnose --demo", env={"COLUMNS": "80"})
    assert result.exit_code == 2
    # The compact plan: one line per cause, no boxes, the first step's command on its own line.
    assert " 1.  Suprata's connection had lapsed" in result.stdout and "┏" not in result.stdout
    assert "\n    qbsync retry --pattern P5\n" in result.stdout
