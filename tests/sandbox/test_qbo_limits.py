"""Per-realm limits (500 per sliding minute, 10 in flight), stats, fault injection, determinism, and the
emulator over a real loopback socket."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import httpx
import pytest
from qbo_kit import REALM, QboApi, invoice_body

from qbsync.clock import VirtualClock
from qbsync.sandbox.http import Mount
from qbsync.sandbox.qbo.service import QboSandbox
from qbsync.sandbox.server import SandboxServer
from qbsync.sandbox.tokens import ACCOUNTING_SCOPE, AccessTokenRegistry
from qbsync.sandbox.transport import SandboxTransport


def test_500_per_sliding_minute(api, company, qbo, clock):
    for _ in range(500):
        clock.advance(0.05)
        assert api.get("/preferences").status_code == 200
    throttled = api.get("/preferences")
    assert throttled.status_code == 429 and "ThrottleExceeded" in throttled.text
    clock.advance(35.1)  # t=60.1: the first request (t=0.05) and the second (t=0.1) leave the window
    assert api.get("/preferences").status_code == 200
    stats = qbo.stats(company.realm_id)
    assert stats["limit_violations"] == 1 and stats["total"] == 502
    assert stats["endpoints"] == {"GET preferences": 502}


def test_limits_are_per_realm(api, qbo, tokens, http, company):
    other = qbo.add_company("222", "Other")
    token = tokens.issue("222", "c", {ACCOUNTING_SCOPE}).value
    qbo.limiter.per_minute = 3
    for _ in range(3):
        api.get("/preferences")
    assert api.get("/preferences").status_code == 429
    resp = http.get(f"/qbo/v3/company/{other.realm_id}/preferences", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200


def test_more_than_10_in_flight_is_throttled(app, qbo, company, bearer):
    qbo.faults.set_latency(300)  # real wall time keeps requests in flight together, even on a slow CI machine
    barrier = threading.Barrier(14)
    statuses: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(transport=SandboxTransport(app), base_url="http://sandbox.invalid") as client:
            barrier.wait()
            resp = client.get(
                f"/qbo/v3/company/{company.realm_id}/preferences", headers={"Authorization": f"Bearer {bearer}"}
            )
            with lock:
                statuses.append(resp.status_code)

    threads = [threading.Thread(target=worker) for _ in range(14)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats = qbo.stats(company.realm_id)
    assert stats["peak_in_flight"] == 10
    assert statuses.count(429) >= 1 and statuses.count(200) >= 10
    assert stats["limit_violations"] == statuses.count(429)
    assert qbo.limiter.in_flight(company.realm_id) == 0


def test_stats_and_log(api, seeded, qbo):
    api.query("select * from Customer")
    api.http.post(api.url("/query"), content=b"select * from Item", headers={"Content-Type": "application/text"})
    api.post("/invoice", invoice_body("1"))
    api.post("/batch", {"BatchItemRequest": []})
    api.get("/cdc", entities="Invoice", changedSince="2024-03-01T00:00:00Z")
    stats = qbo.stats()
    assert stats["endpoints"] == {"GET query": 1, "POST query": 1, "POST invoice": 1, "POST batch": 1, "GET cdc": 1}
    assert stats["total"] == 5
    assert [(e["method"], e["status"]) for e in stats["log"]][:3] == [("GET", 200), ("POST", 200), ("POST", 200)]
    assert stats["log"][0]["path"] == f"/v3/company/{REALM}/query"
    qbo.reset_stats()
    assert qbo.stats()["total"] == 0


def test_timeout_after_commit(api, seeded, qbo):
    qbo.faults.timeout_after_commit("Invoice", 1)
    with pytest.raises(httpx.ReadTimeout):
        api.post("/invoice", invoice_body("1"), requestid="r-1")
    assert seeded.query("select count(*) from Invoice") == {"totalCount": 1}  # it committed
    retry = api.post("/invoice", invoice_body("1"), requestid="r-1")  # the careful client's retry
    assert retry.status_code == 200 and retry.json()["Invoice"]["Id"] == "1"
    assert seeded.query("select count(*) from Invoice") == {"totalCount": 1}


def test_truncated_and_non_json_bodies(api, company, qbo):
    qbo.faults.corrupt_next(1, mode="truncate")
    qbo.faults.corrupt_next(1, mode="non_json", endpoint="GET preferences")
    first = api.get("/preferences")
    with pytest.raises(ValueError):
        first.json()
    assert first.content.startswith(b'{"Preferences"')
    second = api.get("/preferences")
    assert second.headers["content-type"].startswith("application/json") and second.text.lstrip().startswith(
        "<!DOCTYPE"
    )
    assert api.get("/preferences").json()["Preferences"]["Id"] == "1"


def test_error_rates_are_seeded_and_deterministic(company, qbo, api):
    def run() -> list[int]:
        qbo.faults.reset(seed=7)
        qbo.faults.set_error_rate("GET preferences", 0.3, kind="503")
        return [api.get("/preferences").status_code for _ in range(40)]

    first, second = run(), run()
    assert first == second and 503 in first and 200 in first
    qbo.faults.reset()
    qbo.faults.set_error_rate("*", 1.0, kind="connect_error")
    with pytest.raises(httpx.ConnectError):
        api.get("/preferences")


def _scripted_run() -> list[bytes]:
    clock = VirtualClock(datetime(2024, 5, 1, 12, tzinfo=UTC))
    tokens = AccessTokenRegistry(clock)
    qbo = QboSandbox(clock, tokens)
    co = qbo.add_company("1", "Det Co")
    co.create("Item", {"Name": "Services", "UnitPrice": 10})
    app = Mount()
    app.mount("/qbo", qbo)
    token = tokens.issue("1", "c", {ACCOUNTING_SCOPE}).value
    bodies = []
    with httpx.Client(
        transport=SandboxTransport(app), base_url="http://sandbox.invalid", headers={"Authorization": f"Bearer {token}"}
    ) as http:
        api = QboApi(http, "1")
        for i in range(5):
            clock.advance(1.5)
            resp = api.post("/customer", {"DisplayName": f"C{i}"})
            bodies.append(resp.content + resp.headers["intuit_tid"].encode())
            bodies.append(api.post("/invoice", invoice_body(str(i + 1))).content)
        bodies.append(api.query("select * from Invoice orderby TotalAmt desc").content)
        bodies.append(api.get("/cdc", entities="Customer,Invoice", changedSince="2024-05-01T00:00:00Z").content)
    return bodies


def test_determinism():
    assert _scripted_run() == _scripted_run()


@pytest.mark.loopback
def test_over_a_real_loopback_socket(qbo, company, bearer):
    company.create("Customer", {"DisplayName": "Socket Customer"})
    app = Mount()
    app.mount("/qbo", qbo)
    with (
        SandboxServer(app) as server,
        httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {bearer}"}) as http,
    ):
        assert server.base_url.startswith("http://127.0.0.1:")
        resp = http.get(f"/qbo/v3/company/{company.realm_id}/query", params={"query": "select * from Customer"})
        assert (
            resp.status_code == 200 and resp.json()["QueryResponse"]["Customer"][0]["DisplayName"] == "Socket Customer"
        )
        dup = http.post(f"/qbo/v3/company/{company.realm_id}/vendor", json={"DisplayName": "socket customer"})
        assert dup.status_code == 400 and dup.json()["Fault"]["Error"][0]["code"] == "6240"
        qbo.faults.throttle_burst(1)
        assert http.get(f"/qbo/v3/company/{company.realm_id}/preferences").status_code == 429


def test_served_window_slides_in_real_time_as_well_as_virtual_time():
    from qbsync.sandbox.qbo.limits import RealmLimiter, ServedTime

    virtual = VirtualClock(datetime(2026, 11, 24, tzinfo=UTC))
    wall = [1000.0]
    limiter = RealmLimiter(ServedTime(virtual, wall=lambda: wall[0]))
    limiter.per_minute = 3
    for _ in range(3):
        assert limiter.enter("r")
        limiter.leave("r")
    assert not limiter.enter("r")  # the window is full ...
    wall[0] += 60.5  # ... and a real minute later (the scenario's clock standing still) it has slid
    assert limiter.enter("r")
    limiter.leave("r")
    for _ in range(2):
        assert limiter.enter("r")
        limiter.leave("r")
    assert not limiter.enter("r")
    virtual.advance(61)  # the admin clock moving slides it too
    assert limiter.enter("r")


def test_sandbox_serve_uses_the_sliding_served_window_and_no_nagle():
    from qbsync.sandbox.app import serve
    from qbsync.sandbox.qbo.limits import ServedTime

    server = serve("healthy", port=0)
    try:
        assert isinstance(server.sandbox.qbo.limiter.clock, ServedTime)
        # Each small keep-alive reply would otherwise wait for the client's delayed ACK (about 40 ms).
        assert server.httpd.RequestHandlerClass.disable_nagle_algorithm is True
    finally:
        server.stop()
