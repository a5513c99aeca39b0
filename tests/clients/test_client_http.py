"""The HTTP layer against scripted services: shapes the emulator does not produce (HTTP-date Retry-After,
network failures on demand, 401 then refresh), plus the retry rules themselves."""

from __future__ import annotations

import logging
from email.utils import format_datetime

import pytest
from clients_testkit import Scripted, json_response

from qbsync.clients.errors import TemporarilyUnavailable, Unreachable
from qbsync.clients.http import HttpClient, Idempotency, RetryPolicy, StaticToken
from qbsync.sandbox.http import SandboxResponse, SimulatedNetworkFault
from qbsync.sandbox.transport import SandboxTransport

URL = "http://sandbox.invalid/qbo/v3/company/123/query"


def client(app, clock, rng, **kw) -> HttpClient:
    return HttpClient(transport=SandboxTransport(app), clock=clock, rng=rng, **kw)


def fault(kind):
    def raise_(req):
        raise SimulatedNetworkFault(kind)

    return raise_


def test_5xx_retried_with_backoff_then_success(clock, rng):
    app = Scripted(json_response({}, 503), json_response({}, 502), json_response({"ok": 1}))
    t0 = clock.monotonic()
    resp = client(app, clock, rng).get(URL)
    assert resp.json() == {"ok": 1} and len(app.requests) == 3
    waited = clock.monotonic() - t0
    assert 0.5 + 1.0 <= waited <= 1.0 + 2.0  # equal jitter around 1 s then 2 s


def test_429_without_retry_after_waits_qbo_60_seconds(clock, rng):
    app = Scripted(SandboxResponse.text("<Fault/>", 429, "application/xml"), json_response({"ok": 1}))
    t0 = clock.monotonic()
    client(app, clock, rng).get(URL)
    assert 60 <= clock.monotonic() - t0 < 61


@pytest.mark.parametrize("header", ["7", "date"])
def test_retry_after_seconds_or_http_date_wins(clock, rng, header):
    from datetime import timedelta

    value = "7" if header == "7" else format_datetime(clock.now() + timedelta(seconds=7), usegmt=True)
    app = Scripted(json_response({}, 429, retry_after=value), json_response({"ok": 1}))
    t0 = clock.monotonic()
    client(app, clock, rng).get(URL)
    assert clock.monotonic() - t0 == pytest.approx(7, abs=0.01)


def test_total_wait_bound_surfaces_temporarily_unavailable(clock, rng):
    app = Scripted(*[json_response({"Fault": {}}, 429, retry_after="50") for _ in range(10)])
    http = client(app, clock, rng, retry=RetryPolicy(max_total_wait=120))
    with pytest.raises(TemporarilyUnavailable) as info:
        http.get(URL, describe_error=lambda r: ("described", r.status_code))
    err = info.value
    assert (err.status, err.retry_after, err.attempts, err.waited) == (429, 50, 3, 100)
    assert err.fault == ("described", 429)
    assert len(app.requests) == 3


def test_write_without_idempotency_key_is_not_retried(clock, rng):
    app = Scripted(json_response({}, 503), json_response({"ok": 1}))
    with pytest.raises(TemporarilyUnavailable) as info:
        client(app, clock, rng).request("POST", "http://sandbox.invalid/x", json={"a": 1})
    assert info.value.attempts == 1 and len(app.requests) == 1


def test_write_with_requestid_retried_with_the_same_key(clock, rng):
    app = Scripted(
        json_response({}, 503), fault("read_timeout"), json_response({}, 429, retry_after="1"), json_response({"ok": 1})
    )
    key = Idempotency.qbo()
    resp = client(app, clock, rng).request(
        "POST", "http://sandbox.invalid/v3/company/1/invoice", json={}, idempotency=key
    )
    assert resp.status_code == 200
    assert [r.arg("requestid") for r in app.requests] == [key.key] * 4
    assert len(key.key) <= 36


def test_idempotency_header_reused(clock, rng):
    app = Scripted(json_response({}, 504), json_response({"ok": 1}))
    client(app, clock, rng).request(
        "POST", "http://sandbox.invalid/x", json={}, idempotency=Idempotency.header_key("k-1")
    )
    assert [r.headers["idempotency-key"] for r in app.requests] == ["k-1", "k-1"]


def test_network_failures(clock, rng):
    app = Scripted(fault("connect_error"), fault("read_timeout"), json_response({"ok": 1}))
    assert client(app, clock, rng).get(URL).status_code == 200

    down = Scripted(*[fault("connect_error")] * 20)
    with pytest.raises(Unreachable) as info:
        client(down, clock, rng, retry=RetryPolicy(max_attempts=4)).get(URL)
    assert info.value.kind == "connect" and info.value.attempts == 4 and not info.value.outcome_uncertain

    write = Scripted(fault("read_timeout"))
    with pytest.raises(Unreachable) as info:
        client(write, clock, rng).request("POST", "http://sandbox.invalid/x", json={})
    assert info.value.outcome_uncertain and info.value.kind == "timeout" and len(write.requests) == 1


class Refreshing:
    def __init__(self):
        self.value, self.refreshes = "eyJold-token-value", 0

    def __call__(self):
        return self.value

    def refresh(self):
        self.refreshes += 1
        self.value = "eyJnew-token-value"
        return True


def test_401_retried_once_after_refresh(clock, rng):
    token = Refreshing()
    app = Scripted(json_response({}, 401), json_response({"ok": 1}))
    assert client(app, clock, rng, token=token).get(URL).status_code == 200
    assert [r.headers["authorization"] for r in app.requests] == [
        "Bearer eyJold-token-value",
        "Bearer eyJnew-token-value",
    ]

    still = Scripted(json_response({}, 401), json_response({}, 401), json_response({}, 401))
    assert client(still, clock, rng, token=token).get(URL).status_code == 401
    assert len(still.requests) == 2  # one refresh, one retry, then the 401 is the caller's


def test_debug_log_is_redacted(clock, rng, caplog):
    app = Scripted(json_response({}, 503, intuit_tid="1-abc"), json_response({"ok": 1}, intuit_tid="1-def"))
    http = client(app, clock, rng, token=StaticToken("eyJsecret-access-token"))
    with caplog.at_level(logging.DEBUG, logger="qbsync.http"):
        http.get(URL, params={"query": "select * from Customer", "access_token": "AT-leak", "api_key": "K-leak1"})
    text = caplog.text
    assert "eyJsecret-access-token" not in text and "AT-leak" not in text and "K-leak1" not in text
    assert "Authorization" not in text and "Bearer" not in text
    assert "-> 503" in text and "-> 200" in text and "intuit_tid=1-def" in text and "/v3/company/123/query" in text
    assert repr(StaticToken("eyJsecret")) == "StaticToken(REDACTED)"


def test_a_read_response_is_freed_when_its_reader_drops_it_not_at_the_next_collection(clock, rng):
    """httpx binds a response's stream to the response; qbsync breaks that cycle once the body is in, so a
    page's bytes go when the page is parsed, not whenever the cycle collector next runs."""
    import gc
    import weakref

    app = Scripted(json_response({"data": ["x" * 1000]}))
    resp = client(app, clock, rng).get(URL)
    assert resp.json()["data"][0] == "x" * 1000 and resp.content
    gone = weakref.ref(resp)
    gc.disable()
    try:
        del resp
        assert gone() is None
    finally:
        gc.enable()
