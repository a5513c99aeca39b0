"""The bounds of the HTTP layer: the run's deadline, patience with a service that keeps refusing, the one
limiter per realm across clients, a single 500 resubmitted once. Virtual clock throughout."""

from __future__ import annotations

import contextlib
import threading

import pytest
from clients_testkit import START, Scripted, json_response

from qbsync.clients.errors import TemporarilyUnavailable, Unreachable
from qbsync.clients.http import HttpClient, RetryPolicy
from qbsync.clients.limiter import process_limiter
from qbsync.clock import SystemClock, VirtualClock
from qbsync.deadline import Deadline
from qbsync.sandbox.http import SimulatedNetworkFault
from qbsync.sandbox.transport import SandboxTransport

URL = "http://sandbox.invalid/qbo/v3/company/123/preferences"


def client(app, clock, rng, **kw) -> HttpClient:
    return HttpClient(transport=SandboxTransport(app), clock=clock, rng=rng, **kw)


def always(status, **headers):
    return Scripted(*[json_response({}, status, **headers) for _ in range(100)])


def test_a_single_500_is_resubmitted_once(clock, rng):
    app = Scripted(json_response({}, 500), json_response({"ok": 1}))
    assert client(app, clock, rng).get(URL).json() == {"ok": 1}
    assert len(app.requests) == 2


def test_a_lasting_500_is_answered_after_one_resubmission(clock, rng):
    app = always(500)
    assert client(app, clock, rng).get(URL).status_code == 500  # the caller reads QuickBooks' own fault
    assert len(app.requests) == 2


def test_a_500_on_a_write_without_idempotency_key_is_not_resubmitted(clock, rng):
    app = Scripted(json_response({}, 500), json_response({"ok": 1}))
    assert client(app, clock, rng).request("POST", URL, json={}).status_code == 500
    assert len(app.requests) == 1


def test_patience_ends_an_outage_and_later_calls_fail_at_once(clock, rng):
    app = always(503)
    http = client(app, clock, rng, retry=RetryPolicy(patience=20))
    t0, began = clock.monotonic(), clock.now()
    with pytest.raises(TemporarilyUnavailable) as info:
        http.get(URL)
    assert clock.monotonic() - t0 <= 20
    assert info.value.since == began  # "HTTP 503 since ..." names when the run first met the outage
    sent = len(app.requests)
    with pytest.raises(TemporarilyUnavailable):
        http.get(URL)
    assert len(app.requests) == sent  # the run does not ask a service that is down again


def test_patience_does_not_wait_out_a_60_second_throttle(clock, rng):
    app = always(429)
    http = client(app, clock, rng, retry=RetryPolicy(patience=20))
    t0 = clock.monotonic()
    with pytest.raises(TemporarilyUnavailable) as info:
        http.get(URL)
    assert clock.monotonic() == t0 and info.value.status == 429 and len(app.requests) == 1


def test_a_short_retry_after_within_patience_is_waited(clock, rng):
    app = Scripted(json_response({}, 429, retry_after="5"), json_response({"ok": 1}))
    assert client(app, clock, rng, retry=RetryPolicy(patience=20)).get(URL).status_code == 200


def test_without_patience_the_old_bounds_hold(clock, rng):
    app = always(503)
    with pytest.raises(TemporarilyUnavailable) as info:
        client(app, clock, rng).get(URL)
    assert info.value.attempts == 8


def test_no_retry_wait_crosses_the_deadline(clock, rng):
    app = always(503)
    deadline = Deadline(clock, 10)
    with pytest.raises(TemporarilyUnavailable):
        client(app, clock, rng, deadline=deadline).get(URL)
    assert not deadline.expired()  # it gave up before a wait that would have crossed it
    assert clock.monotonic() < 10


def test_after_the_deadline_nothing_is_sent(clock, rng):
    app = Scripted()
    deadline = Deadline(clock, 5)
    clock.advance(6)
    with pytest.raises(Unreachable) as info:
        client(app, clock, rng, deadline=deadline).get(URL)
    assert info.value.kind == "deadline" and "5 s deadline" in info.value.message and not app.requests


def test_the_time_inside_attempts_counts_against_the_total_bound(rng):
    """A service that answers every request after 31 s: the bound is wall time, not only the sleeps."""
    clock = VirtualClock(START)

    def slow(req):
        clock.advance(30)  # the read timeout passes
        raise SimulatedNetworkFault("read_timeout")

    app = Scripted(*[slow] * 20)
    with pytest.raises(Unreachable):
        client(app, clock, rng, retry=RetryPolicy(max_total_wait=180)).get(URL)
    # before: 8 attempts and 375 s; now the waits stop at the bound and a real last attempt is cut to it too
    assert clock.monotonic() <= 180 + 30 and len(app.requests) <= 6
    http = client(Scripted(), clock, rng, retry=RetryPolicy(max_total_wait=180))
    assert http._attempt_timeout(started=clock.monotonic() - 170).read == pytest.approx(10)


def test_attempt_timeout_is_cut_to_the_deadline(clock, rng):
    http = client(Scripted(), clock, rng, deadline=Deadline(clock, 4))
    t = http._attempt_timeout()
    assert t.read == pytest.approx(4) and t.connect == pytest.approx(4)
    assert client(Scripted(), clock, rng)._attempt_timeout().read == 30


def test_clients_on_one_clock_share_one_limiter_per_realm(clock, rng):
    a, b = client(Scripted(), clock, rng), client(Scripted(), clock, rng)
    assert a.limiter is b.limiter
    a.get(URL, limit_key="R1")
    b.get(URL, limit_key="R1")
    assert a.limiter.stats("R1")["total"] == 2
    assert process_limiter(VirtualClock(clock.now())) is not a.limiter  # another sandbox, another time
    assert process_limiter(SystemClock()) is process_limiter(SystemClock())


def test_twenty_clients_of_one_realm_never_exceed_10_in_flight(clock, rng):
    """check --all-profiles over 20 profiles of one company: each profile has its own client."""
    gate = threading.Barrier(10, timeout=2)
    in_flight, peak, lock = [0], [0], threading.Lock()

    def answer(req):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        with contextlib.suppress(threading.BrokenBarrierError):
            gate.wait()  # ten requests meet here only if ten are in flight at once
        with lock:
            in_flight[0] -= 1
        return json_response({"ok": 1})

    clients = [client(Scripted(*[answer] * 3), clock, rng) for _ in range(20)]
    threads = [threading.Thread(target=c.get, args=(URL,), kwargs={"limit_key": "R"}) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert peak[0] <= 10 and clients[0].limiter.stats("R")["total"] == 20


def test_patience_counts_from_when_the_slow_attempt_was_sent(clock, rng):
    """A service that answers nothing for 30 s has already spent the 20 s of patience: no second attempt."""

    def slow(req):
        clock.advance(30)
        raise SimulatedNetworkFault("read_timeout")

    app = Scripted(*[slow] * 5)
    t0 = clock.monotonic()
    with pytest.raises(Unreachable):
        client(app, clock, rng, retry=RetryPolicy(patience=20)).get(URL)
    assert len(app.requests) == 1 and clock.monotonic() - t0 == 30
