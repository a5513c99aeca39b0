# ruff: noqa: F811  (pytest fixtures imported from test_reconnect_kit are parameters here)
"""``qbsync reconnect`` end to end over real 127.0.0.1 sockets: the sandbox served by ``serve()``, qbsync's
one-shot callback server, and a browser (another thread, plain HTTP) that approves on the consent page."""

from __future__ import annotations

import socket
import stat

import pytest
from test_reconnect_kit import browser, live, replace_query, scan  # noqa: F401  (fixtures)

from clihelp import run_cli
from qbsync.sandbox.app import QBSYNC_CLIENT_ID

pytestmark = pytest.mark.loopback


def test_browser_flow_connects_stores_and_confirms(live, browser, leaks):
    fake = browser()
    result = run_cli("reconnect")
    page = fake.join()
    scan(leaks, result.stdout, result.stderr, page.text)

    assert result.exit_code == 0, result.stderr
    company = live.sandbox.scenario.company.company_name
    assert f'"{company}"' in result.stdout and "Connected." in result.stdout
    assert "qbsync's own QuickBooks connection" in result.stdout
    # The browser was sent to the emulator's authorize endpoint, with our redirect and a long random state.
    (url,) = fake.opened
    assert url.startswith(live.oauth.endpoints["authorization_endpoint"])
    assert f"redirect_uri={live.redirect_uri}".replace(":", "%3A").replace("/", "%2F") in url
    # ...and was shown a clear page at the end.
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "qbsync is connected to" in page.text and "close this tab" in page.text
    # Tokens stored for the approved company, 0600, and valid at the emulator.
    assert stat.S_IMODE(live.token_file.stat().st_mode) == 0o600
    stored = live.token_store().load()
    assert stored.realm_id == live.sandbox.realm_id and stored.environment == "custom"
    assert live.sandbox.tokens.check(stored.access_token, live.sandbox.realm_id) == "ok"
    assert live.oauth.refresh_token_state(stored.refresh_token) == "valid"
    assert live.oauth.count_events("token", "authorization_code", "ok") == 1
    # The callback server is gone: nothing listens on the port any more.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", live.port), timeout=5).close()


def test_json_envelope_keeps_the_two_connections_apart(live, browser, leaks):
    fake = browser()
    result = run_cli("reconnect --json")
    fake.join()
    scan(leaks, result.stdout, result.stderr)
    assert result.exit_code == 0, result.stderr
    envelope = result.json()
    assert (envelope["command"], envelope["status"], envelope["exit_code"]) == ("reconnect", "ok", 0)
    data = envelope["data"]
    assert data["qbsync_connection"]["status"] == "connected"
    assert data["qbsync_connection"]["company_name"] == live.sandbox.scenario.company.company_name
    assert data["qbsync_connection"]["mode"] == "browser"
    assert data["suprata_connection"]["status"] == "connected"
    assert data["suprata_connection"]["needs_reconnect"] is False
    assert result.stdout.count("\n") == 1  # the envelope and nothing else


def test_state_mismatch_is_refused_and_nothing_is_stored(live, browser, leaks):
    fake = browser(tamper=lambda location: replace_query(location, state="forged-state-value"))
    result = run_cli("reconnect")
    page = fake.join()
    scan(leaks, result.stdout, result.stderr, page.text)

    assert result.exit_code == 1
    assert "state mismatch" in result.stderr
    assert "does not belong to qbsync" in page.text
    assert not live.token_file.exists()
    assert live.oauth.count_events("token", "authorization_code") == 0  # the code was never spent


def test_denied_consent_fails_cleanly(live, browser, leaks):
    fake = browser(decision="cancel")
    result = run_cli("--json reconnect")
    page = fake.join()
    scan(leaks, result.stdout, result.stderr, page.text)
    assert result.exit_code == 1
    envelope = result.json()
    assert envelope["status"] == "error"
    assert envelope["errors"][0]["code"] == "authorization_failed"
    assert "not approved" in envelope["errors"][0]["message"]
    assert envelope["data"]["qbsync_connection"]["status"] == "not_changed"
    assert "not approved" in page.text and not live.token_file.exists()


def test_another_company_is_not_stored(live, browser, leaks):
    live.oauth.register_company("4620816365000000001", "Some Other Company")
    fake = browser(choose_company="4620816365000000001")
    result = run_cli("reconnect")
    page = fake.join()
    scan(leaks, result.stdout, result.stderr, page.text)
    assert result.exit_code == 1
    assert "4620816365000000001" in result.stderr and live.sandbox.realm_id in result.stderr
    assert "not the company" in page.text
    assert not live.token_file.exists()


def test_reconnect_replaces_an_expired_connection(live, browser, leaks):
    from datetime import UTC, datetime, timedelta

    from qbsync.auth.tokens import TokenGrant

    old = live.sandbox.issue_qbsync_grant()
    long_ago = datetime.now(UTC) - timedelta(days=120)
    grant = TokenGrant.from_token_response(old.as_token_json(True), long_ago)
    live.token_store().save_connection(grant, realm_id=live.sandbox.realm_id, environment="custom")
    assert live.token_store().describe(__import__("qbsync.clock").clock.SystemClock()).needs_reconnect

    fake = browser()
    result = run_cli("reconnect")
    fake.join()
    scan(leaks, result.stdout, result.stderr)
    assert result.exit_code == 0, result.stderr
    stored = live.token_store().load()
    assert stored.refresh_token != old.refresh_token and stored.last_refresh_at is None


def test_port_in_use_could_not_start(live, browser, leaks):
    fake = browser()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", live.port))
        taken.listen()
        result = run_cli("reconnect")
    scan(leaks, result.stdout, result.stderr)
    assert result.exit_code == 3
    assert f"127.0.0.1:{live.port}" in result.stderr and "--port" in result.stderr
    assert not fake.opened  # the browser is never sent anywhere qbsync cannot listen


def test_port_option_overrides_the_redirect_port(live, browser, leaks, monkeypatch):
    from test_reconnect_kit import free_port

    other = free_port()
    live.oauth.register_app(
        QBSYNC_CLIENT_ID,
        live.oauth._apps[QBSYNC_CLIENT_ID].client_secret,
        [*live.oauth._apps[QBSYNC_CLIENT_ID].redirect_uris, f"http://127.0.0.1:{other}/callback"],
        name="qbsync",
    )
    fake = browser()
    result = run_cli(f"reconnect --port {other}")
    fake.join()
    scan(leaks, result.stdout, result.stderr)
    assert result.exit_code == 0, result.stderr
    assert f"127.0.0.1%3A{other}" in fake.opened[0]


def test_redirect_uri_that_is_not_local_needs_no_browser(live, browser, leaks, monkeypatch):
    monkeypatch.setenv("QBSYNC_REDIRECT_URI", "https://qbsync.invalid/callback")
    fake = browser()
    result = run_cli("reconnect")
    assert result.exit_code == 3
    assert "--no-browser" in result.stderr and not fake.opened


def test_debug_output_holds_no_secret(live, browser, leaks):
    fake = browser()
    result = run_cli("--debug reconnect")
    page = fake.join()
    assert result.exit_code == 0, result.stderr
    assert "debug:" in result.stderr  # the request log is on, and redacted
    scan(leaks, result.stdout, result.stderr, page.text)


def test_suprata_connection_expired_is_reported_as_suprata(live, browser, leaks):
    sandbox = live.sandbox
    sandbox.lapse_suprata_connection()
    sandbox.connection.bearer()  # Suprata's next push meets invalid_grant and marks its connection expired
    assert sandbox.connection.state.status == "expired"

    fake = browser()
    result = run_cli("reconnect")
    fake.join()
    scan(leaks, result.stdout, result.stderr)
    assert result.exit_code == 0, result.stderr  # qbsync's own connection is fine
    lines = result.stdout.splitlines()
    qbsync_line = next(line for line in lines if line.startswith("Connected."))
    suprata_line = next(line for line in lines if "Suprata's own QuickBooks connection" in line)
    assert "qbsync's own QuickBooks connection" in qbsync_line and "Suprata" not in qbsync_line
    assert "EXPIRED" in suprata_line and "SUPRATA that must be reconnected" in suprata_line
    assert "https://app.suprata.example/settings/integrations/quickbooks" in result.stdout

    fake = browser()
    data = run_cli("reconnect --json").json()["data"]
    fake.join()
    assert data["qbsync_connection"]["status"] == "connected"
    assert data["suprata_connection"] == {
        **data["suprata_connection"],
        "status": "expired",
        "needs_reconnect": True,
        "reconnect_url": "https://app.suprata.example/settings/integrations/quickbooks",
    }


def test_suprata_revoked_is_reported_even_when_qbsync_fails(live, browser, leaks):
    live.sandbox.revoke_suprata_connection()
    fake = browser(decision="cancel")
    result = run_cli("reconnect")
    fake.join()
    scan(leaks, result.stdout, result.stderr)
    assert result.exit_code == 1
    assert "Not connected." in result.stdout
    assert "Suprata's own QuickBooks connection" in result.stdout and "REVOKED" in result.stdout


def test_without_suprata_settings_reconnect_still_works(live, browser, leaks, monkeypatch):
    monkeypatch.delenv("QBSYNC_SUPRATA_BASE_URL")
    monkeypatch.delenv("QBSYNC_SUPRATA_API_KEY")
    fake = browser()
    result = run_cli("--json reconnect")
    fake.join()
    scan(leaks, result.stdout, result.stderr)
    assert result.exit_code == 0, result.stderr
    assert result.json()["data"]["suprata_connection"] is None


def test_missing_intuit_settings_could_not_start(isolated_env, leaks):
    result = run_cli("reconnect")
    assert result.exit_code == 3
    assert "intuit_client_id" in result.stderr and "intuit_client_secret" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2  # one line and a hint


def test_discovery_unreachable_could_not_start(isolated_env, monkeypatch, leaks):
    from test_reconnect_kit import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    for name, value in {
        "QBSYNC_INTUIT_CLIENT_ID": "ABx",
        "QBSYNC_INTUIT_CLIENT_SECRET": "a-secret-value-here",
        "QBSYNC_QBO_ENVIRONMENT": "custom",
        "QBSYNC_QBO_BASE_URL": f"{dead}/qbo",
        "QBSYNC_OAUTH_DISCOVERY_URL": f"{dead}/oauth/.well-known/openid_configuration",
        "QBSYNC_REDIRECT_URI": f"http://127.0.0.1:{free_port()}/callback",
    }.items():
        monkeypatch.setenv(name, value)
    result = run_cli("reconnect --no-browser")
    assert result.exit_code == 3
    assert "Could not reach Intuit's OAuth service" in result.stderr
    assert "a-secret-value-here" not in result.stdout + result.stderr
