"""Message-only sync logs: Suprata keeps only its own words, not QuickBooks' body.

Every built-in scenario, played with ``suprata.log = "message_only"``, must still give exactly its planted
root causes: the words plus what QuickBooks holds now are enough.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from qbsync.diagnosis.diagnose import Filters, diagnose
from qbsync.sandbox.app import build_sandbox
from qbsync.sandbox.catalog import builtin_names, load_builtin
from qbsync.services import services_for_sandbox

SCENARIOS = [name for name in builtin_names() if load_builtin(name).expected is not None]


def _message_only(name: str):
    spec = load_builtin(name)
    return spec.model_copy(update={"suprata": spec.suprata.model_copy(update={"log": "message_only"})})


def _planted(name: str) -> Counter:
    expected = load_builtin(name).expected
    data = expected.model_dump() if hasattr(expected, "model_dump") else expected
    return Counter(c["pattern"] for c in data["root_causes"])


@pytest.mark.parametrize("name", SCENARIOS)
def test_message_only_log_still_gives_the_planted_causes(name: str, tmp_path: Path) -> None:
    sandbox = build_sandbox(_message_only(name))
    failed = [a for a in sandbox.suprata_store.attempts if a.error is not None and a.error.kind == "http"]
    assert all(a.error.body is None and a.error.message for a in failed)  # the log really is message-only
    report = diagnose(services_for_sandbox(sandbox, tmp_path), Filters())
    found = Counter(c.pattern for c in report.root_causes)
    assert found == _planted(name), [c.title for c in report.root_causes]
