"""load_failures reads only what the current failures need, and keeps compact rows, not pydantic models."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from qbsync.clients.compact import Compactor
from qbsync.clients.suprata import SupraClient
from qbsync.diagnosis.failures import Attempt, load_failures


class Recording:
    """A SupraClient wrapper recording the sync-log queries it was asked for."""

    def __init__(self, inner: SupraClient) -> None:
        self.inner, self.asked = inner, []

    def __getattr__(self, name):
        attr = getattr(self.inner, name)
        if name in ("iter_attempts", "attempts", "attempts_of", "latest_attempts_by_type"):

            def recorded(*args, **kwargs):
                self.asked.append((name, args, kwargs))
                return attr(*args, **kwargs)

            return recorded
        return attr


def test_only_the_history_of_records_retried_before_and_the_timeouts(tmp_path):
    from qbsync.sandbox.app import build_sandbox
    from qbsync.services import services_for_sandbox

    sandbox = build_sandbox("demo")
    services = services_for_sandbox(sandbox, tmp_path)
    suprata = Recording(services.suprata)
    fs = load_failures(suprata)
    assert fs.failures
    whole_log = [k for name, _, k in suprata.asked if name in ("attempts", "iter_attempts") and not k.get("error_kind")]
    assert whole_log == []  # never the account's whole failed history
    histories = [a for name, a, _ in suprata.asked if name == "attempts_of"]
    retried = {(f.record_type, f.record_id) for f in fs.failures if f.latest.attempt > 1}
    assert {(rtype, rid) for rtype, rids, *_ in histories for rid in rids} == retried
    # the streaks are what the whole log gives
    log = sandbox.suprata_store.attempts
    for f in fs.failures:
        mine = [a for a in log if (a.record_type, a.record_id) == f.key]
        last_success = max((a.attempt for a in mine if a.outcome == "succeeded"), default=0)
        assert [a.attempt for a in f.streak] == [a.attempt for a in mine if a.attempt > last_success]
    expected_timeouts = {(a.record_type, a.record_id) for a in log if a.error is not None and a.error.kind == "timeout"}
    assert fs.timeout_records == expected_timeouts


def test_the_working_set_is_compact_rows_that_read_like_the_models(tmp_path):
    from qbsync.sandbox.app import build_sandbox
    from qbsync.services import services_for_sandbox

    sandbox = build_sandbox("demo")
    fs = load_failures(services_for_sandbox(sandbox, tmp_path).suprata)
    rows = [*fs.customers.values(), *fs.items.values(), *fs.invoices.values(), *fs.payments.values()]
    assert rows and not any(isinstance(r, BaseModel) for r in rows)
    assert all(isinstance(f.latest, Attempt) for f in fs.failures)
    invoice = next(iter(fs.invoices.values()))
    model = sandbox.suprata_store.invoices[invoice.id].to_model()
    assert invoice.lines[0].item_id == model.lines[0].item_id and invoice.total == model.total
    assert invoice.qbo.state == model.qbo.state and not hasattr(invoice, "__dict__")
    assert Compactor()(model) == invoice  # field by field


SCALE_READ_SCENARIOS = ["demo", "p1-customer", "p2-item", "first-sync", "p5-connection"]


def _report_without_counts(sandbox, home):
    from qbsync.diagnosis.diagnose import Filters, diagnose
    from qbsync.result import to_jsonable
    from qbsync.services import services_for_sandbox

    report = to_jsonable(diagnose(services_for_sandbox(sandbox, home), Filters()))
    report.pop("qbo_requests")
    return report


@pytest.mark.parametrize("name", SCALE_READ_SCENARIOS)
def test_the_reads_of_a_large_account_give_the_same_diagnosis(name, tmp_path, monkeypatch):
    """Past one lookup's worth of keys, linked customers are read as WHERE Active = false and vendors and
    employees whole: with the lookup shrunk to one key, every small scenario takes those paths, and its
    diagnosis is the one the lookups by id and by name give."""
    from qbsync.clients import qbo
    from qbsync.diagnosis import evidence
    from qbsync.sandbox.app import build_sandbox

    sandbox = build_sandbox(name)
    expected = _report_without_counts(sandbox, tmp_path / "lookups")
    statements: list[str] = []
    original = type(sandbox.qbo).__call__

    def recording(self, req):
        statements.append(str(getattr(req, "body", b"") or b"") + str(getattr(req, "query", "") or ""))
        return original(self, req)

    monkeypatch.setattr(type(sandbox.qbo), "__call__", recording)
    monkeypatch.setattr(evidence, "LINKED_CUSTOMERS_BY_ID", 1)
    monkeypatch.setattr(qbo, "NAMES_BY_LOOKUP", 1)
    assert _report_without_counts(sandbox, tmp_path / "lists") == expected
    if name == "demo":  # its failing invoices belong to linked customers
        assert any("Active = false" in s for s in statements), statements
