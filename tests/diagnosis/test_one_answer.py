"""One answer per record: for every failed or waiting record of every built-in scenario, ``diagnose``,
``trace`` and ``retry --dry-run`` name the same pattern and the same first fix step, and ``status`` counts
the same records.

What is compared is what each command returns to its user: the record's entry in diagnose's plan (its
pattern and first step, and that step appears in the plan entry's steps), trace's verdict (its first step),
the retry plan's row (its pattern and, when refused, its "Fix first"), and status's view: its red marks (the
same records, each with a pattern of the record's plan entries), what it found changed directly in
QuickBooks (the same records as diagnose's entries for them, with the same cause kind), and whether
something needs action (exit 2). Nothing here is canned: every scenario's failures come from its sandbox
state.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from qbsync.diagnosis.diagnose import Filters, diagnose, exit_code_for
from qbsync.exit_codes import ExitCode
from qbsync.health.status import read_status
from qbsync.retrying.preflight import build_plan
from qbsync.retrying.targets import Selection
from qbsync.sandbox.app import build_sandbox
from qbsync.sandbox.catalog import builtin_names
from qbsync.sandbox.scenario import Scenario
from qbsync.services import services_for_sandbox
from qbsync.tracing import trace

PASSING = {"transient", "connection_lapsed"}


def disagreements(scenario: str | Scenario, tmp_path: Path) -> tuple[int, int, list[str]]:
    """(failures Suprata shows, records checked, what disagreed) for one scenario."""
    services = services_for_sandbox(build_sandbox(scenario), tmp_path)
    report = diagnose(services, Filters())
    answers = {}
    out: list[str] = []
    for cause in report.root_causes:
        for r in cause.records:
            if r.first_step is None or r.state not in ("failed", "pending", "waiting", "not_synced"):
                continue
            answers[(r.record_type, r.record_id)] = r
            if r.first_step not in " ".join(cause.steps):
                out.append(f"{r.number}: its first step is not in its plan entry {cause.id}")
    plan = build_plan(services, Selection(all_safe=True))
    rows = {(row.record_type, row.record_id): row for row in plan.records}
    for key, r in answers.items():
        row = rows.get(key)
        if row is None:
            out.append(f"{r.number}: not in retry's plan")
        elif row.pattern != r.pattern:
            out.append(f"{r.number}: diagnose says {r.pattern}, retry says {row.pattern}")
        elif row.decision == "refuse" and row.code != "already_retried" and row.fix_first != r.first_step:
            out.append(f"{r.number}: retry's fix first {row.fix_first!r} != diagnose's {r.first_step!r}")
        elif row.decision == "retry" and r.cause not in PASSING and r.pattern != "P3":
            out.append(f"{r.number}: retry would send it although diagnose says {r.cause}")
        if key[0] in ("invoice", "payment"):
            verdict = trace(services, ref=r.number).verdict
            if not verdict.fix or verdict.fix[0] != r.first_step:
                out.append(f"{r.number}: trace says {verdict.fix[:1]!r}, diagnose {r.first_step!r}")
    out += status_disagreements(services, report)
    return report.summary.failures, len(answers), out


# What diagnose finds by comparing the two sides rather than from a failed push, and status counts too.
DIRECT_KINDS = {"removed_in_qbo", "qbo_only_payment", "duplicate_payment"}


def status_disagreements(services, report) -> list[str]:
    """Where status's count of a company differs from diagnose's plan for it.

    Status reads QuickBooks' answers, not the evidence behind them: a red mark's pattern is one of the
    record's plan entries, or "unknown" where QuickBooks' answer alone names no record (610 "something ...
    has been made inactive"), which status counts as needing action as diagnose does."""
    status = read_status(services)
    out: list[str] = []
    patterns: dict[tuple[str, str], set[str]] = defaultdict(set)
    for cause in report.root_causes:
        for r in cause.records:
            patterns[(r.record_type, r.record_id)].add(cause.pattern)
    marks = {(m.record_type, m.record_id): m.pattern for m in status.failures.marks}
    if status.failures.total != report.summary.failures:
        out.append(f"status counts {status.failures.total} failing records, diagnose {report.summary.failures}")
    for key, pattern in sorted(marks.items()):
        if key not in patterns:
            out.append(f"{key}: status counts it failing, diagnose's plan does not list it")
        elif pattern != "unknown" and pattern not in patterns[key]:
            out.append(f"{key}: status says {pattern}, diagnose {sorted(patterns[key])}")
    ours = {(c.kind, c.record_type, c.record_id) for c in status.changed_in_quickbooks}
    theirs = {
        (r.cause, r.record_type, r.record_id) for c in report.root_causes for r in c.records if r.cause in DIRECT_KINDS
    }
    if ours != theirs:
        out.append(f"changed in QuickBooks: status {sorted(ours - theirs)}, diagnose {sorted(theirs - ours)}")
    if (status.exit_code == ExitCode.CRITICAL) != (exit_code_for(report) == ExitCode.CRITICAL):
        out.append(f"status exits {status.exit_code}, diagnose {int(exit_code_for(report))}")
    return out


@pytest.mark.parametrize("name", builtin_names())
def test_diagnose_trace_and_retry_give_one_answer_per_record(name: str, tmp_path: Path) -> None:
    failures, checked, found = disagreements(name, tmp_path)
    assert not found, found
    assert checked >= failures, "every failed record is checked"
