"""Suprata's own connection in a pre-flight: down already, or lapsed by the time the batch is pushed (its refresh
token past its expiry while Suprata still shows it connected, because nothing has asked Intuit since)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from preflight_kit import actual, predicted, release

from qbsync.clients import suprata_models as m
from qbsync.diagnosis.blockers import connection_cause
from qbsync.sandbox.app import build_sandbox
from qbsync.sandbox.builtins import year_end_batch
from qbsync.sandbox.scenario import ConnectionLapsed
from qbsync.services import services_for_sandbox

NOW = datetime(2027, 1, 6, 16, 30, tzinfo=UTC)


def _conn(**kw: object) -> m.QboConnection:
    return m.QboConnection(status="connected", **kw)  # type: ignore[arg-type]


def test_connection_cause_from_what_suprata_says() -> None:
    assert connection_cause(None, NOW) is None
    assert connection_cause(_conn(refresh_token_expires_at=NOW + timedelta(days=30)), NOW) is None
    down = connection_cause(m.QboConnection(status="expired", reconnect_url="https://suprata.example/qb"), NOW)
    assert down is not None and down.kind == "connection_down" and "https://suprata.example/qb" in down.first_step
    lapsed = _conn(refresh_token_expires_at=NOW - timedelta(days=1), access_token_expires_at=NOW - timedelta(hours=2))
    cause = connection_cause(lapsed, NOW)
    assert cause is not None and cause.kind == "connection_will_lapse" and cause.pattern == "P5"
    # an access token still good carries a push without a refresh: nothing lapses yet
    fresh = _conn(refresh_token_expires_at=NOW - timedelta(days=1), access_token_expires_at=NOW + timedelta(minutes=30))
    assert connection_cause(fresh, NOW) is None


def test_a_connection_lapsed_before_the_push_stops_every_record(tmp_path: Path) -> None:
    from qbsync.diagnosis.diagnose import Filters, diagnose
    from qbsync.predicting.predict import preflight
    from qbsync.predicting.selection import Selection

    spec = year_end_batch()
    lapse = ConnectionLapsed(at=spec.clock.now, note="refresh token past its 100-day expiry, unused since")
    spec = spec.model_copy(update={"timeline": [*spec.timeline, lapse]})
    sandbox = build_sandbox(spec)
    report = asdict(preflight(services_for_sandbox(sandbox, tmp_path), Selection()))
    assert report["connections"][0]["status"] == "connected"  # Suprata does not know yet
    assert [c["kind"] for c in report["causes"]] == ["connection_will_lapse"]
    assert report["summary"]["will_sync"] == 0 and report["exit_code"] == 2
    release(sandbox)
    states = {n: sandbox.suprata_store.by_number(r["record_type"], n).sync.state
              for r in report["records"] if (n := r["number"])}  # fmt: skip
    truth = actual(states, asdict(diagnose(services_for_sandbox(sandbox, tmp_path), Filters())))
    guess = predicted(report)
    assert all(t.fails for t in truth.values())
    # the push met it as Suprata then reported it: expired, the same root cause as predicted
    assert {(t.pattern, t.cause_id) for t in truth.values()} == {("P5", "P5:connection:suprata")}
    assert {(g.pattern, g.cause_id) for g in guess.values()} == {("P5", "P5:connection:suprata")}
