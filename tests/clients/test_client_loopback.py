"""The clients over a real 127.0.0.1 socket (SandboxServer): the default httpx transport, real threads."""

from __future__ import annotations

import pytest
from clients_testkit import REALM, QboEnv

from qbsync.clients import query as q
from qbsync.clients.errors import Unreachable
from qbsync.clients.http import RetryPolicy
from qbsync.sandbox.server import SandboxServer

pytestmark = pytest.mark.loopback


def test_paging_lookup_and_throttle_over_loopback(clock):
    env = QboEnv(clock, latency_ms=2)
    ids = [env.company.create("Customer", {"DisplayName": f"Loop {i:04d}"})["Id"] for i in range(1500)]
    with SandboxServer(env.app) as server:
        client = env.client(base=server.base_url)
        assert len(client.query(q.select("Customer"))) == 1500
        env.sandbox.reset_stats()
        assert len(client.by_ids("Customer", ids)) == 1500
        assert env.stats()["total"] == 2

        env.sandbox.faults.throttle_burst(1, REALM)
        t0 = clock.monotonic()
        assert client.company_info().company_name == "Peak Plumbing"
        assert clock.monotonic() - t0 >= 60

        env.sandbox.reset_stats()
        client.parallel([lambda c=c: client.get("Customer", c) for c in ids[:40]])
        assert env.stats()["peak_in_flight"] <= 10 and env.stats()["limit_violations"] == 0


def test_connection_refused_is_unreachable(clock):
    env = QboEnv(clock)
    with SandboxServer(env.app) as server:
        base = server.base_url
    client = env.client(base=base, retry=RetryPolicy(max_attempts=2))  # the server is gone: nothing listens
    with pytest.raises(Unreachable) as info:
        client.company_info()
    assert info.value.kind == "connect" and "Bearer" not in str(info.value)
