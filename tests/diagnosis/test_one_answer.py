"""One answer per record: for every failed or waiting record of every built-in scenario, ``diagnose``,
``trace`` and ``retry --dry-run`` name the same pattern and the same first fix step.

What is compared is what each command returns to its user: the record's entry in diagnose's plan (its
pattern and first step, and that step appears in the plan entry's steps), trace's verdict (its first step)
and the retry plan's row (its pattern and, when refused, its "Fix first"). Nothing here is canned: every
scenario's failures come from its sandbox state.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qbsync.diagnosis.diagnose import Filters, diagnose
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
    return report.summary.failures, len(answers), out


@pytest.mark.parametrize("name", builtin_names())
def test_diagnose_trace_and_retry_give_one_answer_per_record(name: str, tmp_path: Path) -> None:
    failures, checked, found = disagreements(name, tmp_path)
    assert not found, found
    assert checked >= failures, "every failed record is checked"
