"""Real processes against a loopback emulator: 20 refreshers at once, and a process killed mid-refresh.

Children are started with the ``spawn`` context, so each is a fresh interpreter that shares nothing with
the test but the token directory and the socket. Each child gets its own VirtualClock set to the test's
"now", so the token is equally close to expiry for everyone.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest
from auth_testkit import CLIENT_ID, REALM_ID, make_app

from qbsync.auth.tokens import TokenGrant, TokenStore
from qbsync.sandbox.server import SandboxServer

pytestmark = pytest.mark.loopback

WORKERS = 20
CRASH_EXIT_CODE = 17


def refresh_in_child(data_dir: str, discovery_url: str, now_iso: str, barrier, results) -> None:
    from qbsync.clients import oauth as oauth_client
    from qbsync.clock import VirtualClock, parse_iso

    try:
        clock = VirtualClock(parse_iso(now_iso))
        client = oauth_client.open_auth_client(make_app(discovery_url), timeout=30)
        store = TokenStore(Path(data_dir))
        barrier.wait(timeout=60)  # everyone is ready: now race
        token = store.get_valid_access_token(oauth_client.make_refresher(client, clock), clock)
        results.put(("ok", token))
    except BaseException as exc:  # report, never hang the parent
        results.put(("error", f"{type(exc).__name__}: {exc}"))


def refresh_then_die(data_dir: str, discovery_url: str, now_iso: str) -> None:
    """Intuit rotates the refresh token, then the process dies before the store can write it."""
    from qbsync.clients import oauth as oauth_client
    from qbsync.clock import VirtualClock, parse_iso

    clock = VirtualClock(parse_iso(now_iso))
    client = oauth_client.open_auth_client(make_app(discovery_url), timeout=30)

    def refresher(refresh_token: str) -> TokenGrant:
        oauth_client.refresh_tokens(client, refresh_token, clock)
        os._exit(CRASH_EXIT_CODE)  # no cleanup, no finally blocks: like kill -9 while holding the lock

    TokenStore(Path(data_dir)).get_valid_access_token(refresher, clock)


@pytest.fixture
def server(oauth, sandbox_app):
    with SandboxServer(sandbox_app) as running:
        oauth.base_url = running.base_url
        yield running


@pytest.fixture
def expiring_store(data_dir, oauth, clock, server) -> TokenStore:
    seeded = oauth.issue_grant(REALM_ID, CLIENT_ID)
    grant = TokenGrant.from_token_response(seeded.as_token_json(include_hard_expiry=True), clock.now())
    store = TokenStore(data_dir)
    store.save_connection(grant, realm_id=REALM_ID, environment=oauth.discovery_url)
    clock.advance(3500)  # 100 s left: every process decides to refresh
    return store


def test_twenty_processes_refresh_once(expiring_store, oauth, registry, clock, leaks):
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(WORKERS), ctx.Queue()
    args = (str(expiring_store.path.parent), oauth.discovery_url, clock.now().isoformat(), barrier, results)
    workers = [ctx.Process(target=refresh_in_child, args=args) for _ in range(WORKERS)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    leaks.capture(*(detail for status, detail in outcomes if status == "error"))

    assert [status for status, _ in outcomes] == ["ok"] * WORKERS, [d for s, d in outcomes if s == "error"]
    assert all(worker.exitcode == 0 for worker in workers)
    stored = expiring_store.load()
    assert {token for _, token in outcomes} == {stored.access_token}  # all 20 use the one stored token
    assert registry.check(stored.access_token, REALM_ID) == "ok"
    assert oauth.refresh_token_state(stored.refresh_token) == "valid"
    assert oauth.count_events(endpoint="token", grant_type="refresh_token") == 1


def test_killed_between_refresh_and_store_leaves_a_usable_refresh_token(expiring_store, oauth, registry, clock):
    before = expiring_store.load()
    ctx = multiprocessing.get_context("spawn")
    child = ctx.Process(
        target=refresh_then_die, args=(str(expiring_store.path.parent), oauth.discovery_url, clock.now().isoformat())
    )
    child.start()
    child.join(timeout=120)
    assert child.exitcode == CRASH_EXIT_CODE
    assert oauth.count_events(endpoint="token", grant_type="refresh_token", outcome="ok") == 1

    assert expiring_store.load() == before  # the store still holds the pre-rotation refresh token...
    assert oauth.refresh_token_state(before.refresh_token) == "in_grace"  # ...which Intuit still accepts

    # The next run (here: this process, over the same socket) takes the lock the dead child held and recovers.
    from qbsync.clients import oauth as oauth_client

    client = oauth_client.open_auth_client(make_app(oauth.discovery_url), timeout=30)
    access = expiring_store.get_valid_access_token(oauth_client.make_refresher(client, clock), clock)
    after = expiring_store.load()
    assert after.access_token == access and registry.check(access, REALM_ID) == "ok"
    assert oauth.refresh_token_state(after.refresh_token) == "valid"
