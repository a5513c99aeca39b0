"""qbsync's intuitlib-based OAuth client against the emulator, in-process and over a loopback socket."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from auth_testkit import CLIENT_ID, REALM_ID, approve_in_browser, make_app

from qbsync.auth.errors import (
    AuthorizationFailed,
    ConnectionExpired,
    OAuthClientRejected,
    OAuthUnavailable,
)
from qbsync.auth.tokens import TokenStore
from qbsync.clients import oauth as oauth_client
from qbsync.sandbox.http import SandboxRequest, SimulatedNetworkFault
from qbsync.sandbox.server import SandboxServer
from qbsync.sandbox.tokens import ACCOUNTING_SCOPE
from qbsync.sandbox.transport import SandboxTransport, requests_adapter


@dataclass
class Wiring:
    client: Any  # QbsyncAuthClient
    browser: httpx.Client


@pytest.fixture(params=["in_process", pytest.param("loopback", marks=pytest.mark.loopback)])
def wiring(request, oauth, sandbox_app) -> Iterator[Wiring]:
    if request.param == "in_process":
        client = oauth_client.open_auth_client(
            make_app(oauth.discovery_url), sandbox_adapter=requests_adapter(sandbox_app)
        )
        with httpx.Client(transport=SandboxTransport(sandbox_app)) as browser:
            yield Wiring(client, browser)
        return
    with SandboxServer(sandbox_app) as server:
        oauth.base_url = server.base_url
        client = oauth_client.open_auth_client(make_app(oauth.discovery_url), timeout=10)
        with httpx.Client(trust_env=False) as browser:
            yield Wiring(client, browser)
        client.close()


def connect(wiring: Wiring, clock, store: TokenStore, environment: str) -> None:
    request = oauth_client.build_authorization_request(wiring.client)
    location = approve_in_browser(wiring.browser, request.url)
    answer = oauth_client.parse_callback(location, request.state)
    grant = oauth_client.exchange_code(wiring.client, answer.code, answer.realm_id, clock)
    store.save_connection(grant, realm_id=answer.realm_id, environment=environment)


def test_full_cycle_authorize_code_token_refresh_revoke(wiring, oauth, registry, clock, data_dir, leaks):
    from intuitlib.client import AuthClient

    assert isinstance(wiring.client, oauth_client.QbsyncAuthClient) and isinstance(wiring.client, AuthClient)
    assert wiring.client.token_endpoint == oauth.endpoints["token_endpoint"]  # from the emulator's discovery
    request = oauth_client.build_authorization_request(wiring.client)
    query = parse_qs(urlsplit(request.url).query)
    assert query["scope"] == [ACCOUNTING_SCOPE]  # the accounting scope only: no id_token, no JWKS fetch
    assert query["state"] == [request.state] and len(request.state) >= 43  # secrets.token_urlsafe(32)
    assert request.url.startswith(oauth.endpoints["authorization_endpoint"])

    location = approve_in_browser(wiring.browser, request.url)
    answer = oauth_client.parse_callback(location, request.state)
    assert answer.realm_id == REALM_ID
    grant = oauth_client.exchange_code(wiring.client, answer.code, answer.realm_id, clock)
    assert registry.check(grant.access_token, REALM_ID) == "ok"
    assert grant.hard_expires_at is not None  # asked for with x-include-refresh-token-hard-expires-in

    store = TokenStore(data_dir)
    store.save_connection(grant, realm_id=answer.realm_id, environment=oauth.discovery_url)
    refresher = oauth_client.make_refresher(wiring.client, clock)
    assert store.get_valid_access_token(refresher, clock) == grant.access_token  # still fresh: no refresh

    clock.advance(3400)  # inside the 5-minute margin
    access = store.get_valid_access_token(refresher, clock)
    stored = store.load()
    assert access != grant.access_token and stored.access_token == access
    assert stored.refresh_token != grant.refresh_token  # rotated, and persisted
    assert oauth.refresh_token_state(stored.refresh_token) == "valid"
    assert oauth.refresh_token_state(grant.refresh_token) == "in_grace"
    assert registry.check(access, REALM_ID) == "ok"
    facts = store.describe(clock)
    assert facts.last_refresh_at == clock.now() and facts.refresh_days_left == 101
    leaks.capture(facts, stored, grant, answer, request)

    oauth_client.revoke(wiring.client, stored.refresh_token)
    assert store.delete() and store.load() is None
    assert registry.check(access, REALM_ID) == "revoked"
    with pytest.raises(ConnectionExpired) as expired:
        oauth_client.refresh_tokens(wiring.client, stored.refresh_token, clock)
    leaks.capture(expired.value)
    assert oauth.count_events(endpoint="token", grant_type="refresh_token", outcome="ok") == 1


def test_state_mismatch_is_refused(wiring, leaks):
    request = oauth_client.build_authorization_request(wiring.client)
    location = approve_in_browser(wiring.browser, request.url)
    for expected in ("someone-elses-state", ""):
        with pytest.raises(AuthorizationFailed) as refused:
            oauth_client.parse_callback(location, expected)
        assert refused.value.reason == "state_mismatch"
        leaks.capture(refused.value)


def test_denied_consent_is_reported(wiring, leaks):
    request = oauth_client.build_authorization_request(wiring.client)
    location = approve_in_browser(wiring.browser, request.url, decision="cancel")
    with pytest.raises(AuthorizationFailed) as denied:
        oauth_client.parse_callback(location, request.state)
    assert denied.value.reason == "access_denied"
    leaks.capture(denied.value)


def test_used_code_is_refused(wiring, clock, leaks):
    request = oauth_client.build_authorization_request(wiring.client)
    answer = oauth_client.parse_callback(approve_in_browser(wiring.browser, request.url), request.state)
    oauth_client.exchange_code(wiring.client, answer.code, answer.realm_id, clock)
    with pytest.raises(AuthorizationFailed) as refused:
        oauth_client.exchange_code(wiring.client, answer.code, answer.realm_id, clock)
    assert refused.value.reason == "code_rejected"
    leaks.capture(refused.value)


def test_old_refresh_token_after_grace_is_p5(wiring, oauth, clock, data_dir, leaks):
    store = TokenStore(data_dir)
    connect(wiring, clock, store, oauth.discovery_url)
    stale = store.load()
    # Another copy of the connection refreshed (rotating the token) and its result never reached this store.
    oauth_client.refresh_tokens(wiring.client, stale.refresh_token, clock)
    clock.advance(25 * 3600)
    with pytest.raises(ConnectionExpired) as expired:
        store.get_valid_access_token(oauth_client.make_refresher(wiring.client, clock), clock)
    error = expired.value
    assert (error.pattern, error.reason, error.code) == ("P5", "invalid_grant", "connection_expired")
    assert "qbsync reconnect" in error.hint and REALM_ID in error.message
    assert error.intuit_tid
    assert store.load() == stale  # the file is left alone
    leaks.capture(error)


def test_wrong_client_secret_is_typed(oauth, sandbox_app, clock, leaks):
    app = make_app(oauth.discovery_url)
    bad = oauth_client.OAuthApp(app.client_id, "not-the-secret", app.redirect_uri, app.environment)
    client = oauth_client.open_auth_client(bad, sandbox_adapter=requests_adapter(sandbox_app))
    seeded = oauth.issue_grant(REALM_ID, CLIENT_ID)
    with pytest.raises(OAuthClientRejected) as rejected:
        oauth_client.refresh_tokens(client, seeded.refresh_token, clock)
    assert rejected.value.status == 401 and rejected.value.intuit_tid
    leaks.capture(rejected.value)


def test_timeout_from_token_endpoint_is_could_not_check(oauth, sandbox_app, clock, leaks):
    def stalls_on_token(req: SandboxRequest):
        if req.path.endswith("/token"):
            raise SimulatedNetworkFault("read_timeout")
        return sandbox_app(req)

    client = oauth_client.open_auth_client(
        make_app(oauth.discovery_url), sandbox_adapter=requests_adapter(stalls_on_token)
    )
    seeded = oauth.issue_grant(REALM_ID, CLIENT_ID)
    with pytest.raises(OAuthUnavailable) as unavailable:
        oauth_client.refresh_tokens(client, seeded.refresh_token, clock)
    assert unavailable.value.reason == "timeout"
    assert unavailable.value.endpoint == "http://sandbox.invalid"
    leaks.capture(unavailable.value)


@pytest.mark.loopback
def test_constructor_discovery_get_has_a_timeout(leaks):
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts connections, never answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/oauth/.well-known/openid_configuration"
        with pytest.raises(OAuthUnavailable) as unavailable:
            oauth_client.open_auth_client(make_app(url), timeout=0.05)
    assert unavailable.value.reason == "timeout"
    leaks.capture(unavailable.value)


@pytest.mark.loopback
def test_unreachable_host_is_could_not_check(leaks):
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(OAuthUnavailable) as unavailable:
        oauth_client.open_auth_client(make_app(f"http://127.0.0.1:{port}/oauth/.well-known/openid_configuration"))
    assert unavailable.value.reason == "unreachable"
    leaks.capture(unavailable.value)


def test_sandbox_routing_refuses_other_hosts(sandbox_app, leaks):
    with pytest.raises(OAuthUnavailable) as refused:
        oauth_client.open_auth_client(
            make_app("https://elsewhere.invalid/.well-known/openid_configuration"),
            sandbox_adapter=requests_adapter(sandbox_app),
        )
    assert refused.value.reason == "unreachable"
    leaks.capture(refused.value)


def test_importing_the_client_and_store_does_not_import_intuitlib():
    code = (
        "import sys, qbsync.clients.oauth, qbsync.auth.tokens, qbsync.auth.errors\n"
        "heavy = [m for m in ('intuitlib.client', 'requests', 'filelock', 'httpx') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
