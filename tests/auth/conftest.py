"""Fixtures for the OAuth emulator, qbsync's OAuth client and the token store.

``leaks`` is autouse: after every test it gathers every secret the emulator handed out (access and refresh
tokens, authorization codes) plus the client secret, and asserts that none appears in what the test
captured: log records at DEBUG (qbsync, intuitlib, urllib3, httpx), the emulator's event log, and every
exception or result the test passed to ``leaks.capture``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from auth_testkit import CLIENT_ID, CLIENT_SECRET, COMPANY_NAME, REALM_ID, REDIRECT_URI, START, Leaks

from qbsync.clock import VirtualClock
from qbsync.sandbox.http import Mount
from qbsync.sandbox.oauth import IntuitOAuthService
from qbsync.sandbox.tokens import AccessTokenRegistry


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def registry(clock: VirtualClock) -> AccessTokenRegistry:
    return AccessTokenRegistry(clock)


@pytest.fixture
def oauth(clock: VirtualClock, registry: AccessTokenRegistry, leaks: Leaks) -> IntuitOAuthService:
    service = IntuitOAuthService(clock, registry)
    leaks.services.append(service)
    service.register_app(CLIENT_ID, CLIENT_SECRET, [REDIRECT_URI], name="qbsync")
    service.register_company(REALM_ID, COMPANY_NAME)
    return service


@pytest.fixture
def sandbox_app(oauth: IntuitOAuthService) -> Mount:
    app = Mount()
    app.mount("/oauth", oauth)
    return app


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "qbsync-data"


@pytest.fixture(autouse=True)
def leaks(caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    tracker = Leaks()
    yield tracker
    for service in tracker.services:
        tracker.collect_from(service)
        tracker.capture(*service.events)
    tracker.texts.append(caplog.text)
    leaked = tracker.leaked()
    assert not leaked, f"{len(leaked)} secret value(s) appeared in captured text"


@pytest.fixture
def client(oauth: IntuitOAuthService, sandbox_app: Mount):
    """qbsync's OAuth client (intuitlib underneath) talking to the in-process emulator."""
    from auth_testkit import make_app

    from qbsync.clients import oauth as oauth_client
    from qbsync.sandbox.transport import requests_adapter

    return oauth_client.open_auth_client(make_app(oauth.discovery_url), sandbox_adapter=requests_adapter(sandbox_app))
