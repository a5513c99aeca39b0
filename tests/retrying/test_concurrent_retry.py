"""Concurrent ``qbsync retry --all-safe --yes`` runs against one company never send a record twice.

The loopback tests start real processes against one served sandbox (``concurrency_kit``); the suite keeps
one round per case, ``bench/bench_concurrent_retry.py`` runs 20. The in-process tests pin the pieces: the
company lock, the just-in-time re-check and the early stop when Suprata dies.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from concurrency_kit import ServedCompany
from retry_kit import rows

from qbsync.clients.errors import Unreachable
from qbsync.clock import VirtualClock
from qbsync.retrying.core import build_plan, parse_selection
from qbsync.retrying.executor import execute
from qbsync.retrying.lock import RetryInProgress, company_retry_lock


@pytest.fixture
def served(tmp_path: Path):
    made: list[ServedCompany] = []

    def make(scenario: str = "demo") -> ServedCompany:
        made.append(ServedCompany(scenario, tmp_path / f"home-{len(made)}"))
        return made[-1]

    yield make
    for co in made:
        co.close()


def _check_round(rnd, count: int) -> None:
    assert rnd.duplicates == {}, rnd.duplicates
    assert rnd.problems == [], rnd.problems
    envelopes = [r.envelope() for r in rnd.runs]
    senders = [e for e in envelopes if e and e["data"]["summary"]["sent"]]
    assert len(senders) == 1, [e["data"]["summary"] for e in envelopes if e]  # one run sent; the rest re-planned
    waited = [e for e in envelopes if e and any("waited" in n for n in e["data"]["notes"])]
    assert len(waited) == count - 1
    for e, run in zip(envelopes, rnd.runs, strict=True):
        assert e is not None and run.code in (0, 1), (run.code, run.stderr)


@pytest.mark.loopback
def test_two_concurrent_runs_send_each_record_once(served) -> None:
    co = served("demo")
    rnd = co.retry_round(2)
    _check_round(rnd, 2)
    assert rnd.created > 0  # the one run that sent really pushed records


@pytest.mark.loopback
def test_five_concurrent_runs_with_lost_answers_send_each_record_once(served) -> None:
    co = served("demo")
    rnd = co.retry_round(5, lost_answers=2)
    _check_round(rnd, 5)


@pytest.mark.loopback
def test_a_run_that_cannot_get_the_lock_in_time_refuses_and_says_who_holds_it(served) -> None:
    co = served("p7-throttled")
    before = len(co.sandbox.suprata_store.retries)
    with company_retry_lock(co.home / "data", co.sandbox.realm_id, profile="cron", now=co.sandbox.clock.now()):
        (run,) = co.run_together(1, ["retry", "--all-safe", "--yes", "--json", "--lock-wait", "0"])
    assert run.code == 3, (run.stdout, run.stderr)
    env = run.envelope()
    assert env is not None and env["errors"][0]["code"] == "retry_in_progress"
    assert "profile 'cron'" in env["errors"][0]["message"] and "nothing was sent" in env["errors"][0]["message"]
    assert len(co.sandbox.suprata_store.retries) == before


def test_the_lock_wait_is_bounded_and_released_on_exit(tmp_path: Path) -> None:
    clock = VirtualClock(datetime(2026, 11, 24, tzinfo=UTC))
    waits: list[str] = []
    second = company_retry_lock(
        tmp_path,
        "9130",
        profile="b",
        now=clock.now(),
        wait_seconds=5,
        on_wait=waits.append,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
    )
    first = company_retry_lock(tmp_path, "9130", profile="a", now=clock.now())
    with first, pytest.raises(RetryInProgress) as err, second:
        pass
    assert "profile 'a'" in err.value.message and err.value.exit_code == 3
    assert waits and "waiting for" in waits[0]
    with company_retry_lock(tmp_path, "9130", profile="b", now=clock.now()) as facts:
        assert facts["waited_for"] is None


def test_a_record_that_synced_after_the_plan_is_not_sent(company) -> None:
    co = company("p7-throttled")
    services = co.services()
    report = build_plan(services, parse_selection(None, None, True))
    planned = [r for r in report.to_send() if r.record_type == "invoice"]
    assert planned
    first = planned[0]
    # Someone (Suprata's own worker, another tool) pushes it between plan and send.
    theirs = services.suprata.request_retry(first.record_type, first.record_id, "someone-else-1")
    assert services.suprata.get_retry(theirs.id).status == "succeeded"
    baseline = co.invoices_per_doc_number()[first.number]
    report.mode = "sent"
    execute(services, report)
    assert first.sent is None and first.outcome is not None and first.outcome.status == "not_sent"
    assert "after the plan" in first.outcome.message
    assert co.invoices_per_doc_number()[first.number] == baseline


def test_a_retry_whose_suprata_dies_stops_at_once(company, monkeypatch: pytest.MonkeyPatch) -> None:
    co = company("p7-throttled")
    services = co.services()
    report = build_plan(services, parse_selection(None, None, True))
    assert len(report.to_send()) >= 2
    calls = {"sent": 0}
    real = services.suprata.request_retry

    def send_then_die(*args, **kwargs):
        calls["sent"] += 1
        out = real(*args, **kwargs)
        monkeypatch.setattr(services.suprata, "get_retry", _dead)
        monkeypatch.setattr(services.suprata, "request_retry", _dead)
        monkeypatch.setattr(services.suprata, "invoice", _dead)
        return out

    monkeypatch.setattr(services.suprata, "request_retry", send_then_die)
    report.mode = "sent"
    execute(services, report)
    assert calls["sent"] == 1
    assert report.stopped_early is not None and report.stopped_early.reason == "suprata_unreachable"
    statuses = [r.outcome.status for r in report.to_send() if r.outcome]
    assert statuses.count("pending") == 1 and statuses.count("not_sent") == len(statuses) - 1
    assert report.waited_seconds is not None and report.waited_seconds < 5


def _dead(*args, **kwargs):
    raise Unreachable("http://sandbox.invalid/suprata", "connection refused", attempts=3, kind="connect")


def test_the_human_view_says_the_run_stopped_because_suprata_stopped_answering(company, monkeypatch) -> None:
    co = company("p7-throttled")
    monkeypatch.setattr("qbsync.clients.suprata.SupraClient.get_retry", lambda self, rid: _dead())
    result = co.cli("--all-safe --yes")
    assert result.exit_code == 1
    assert "Suprata stopped answering" in result.stdout
    code, env = co.json("--all-safe --yes --dry-run")
    assert code in (0, 1) and rows(env)
