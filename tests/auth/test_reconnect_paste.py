# ruff: noqa: F811  (pytest fixtures imported from test_reconnect_kit are parameters here)
"""``qbsync reconnect --no-browser``: the URL is printed, the person approves elsewhere and pastes back."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from auth_testkit import approve_in_browser
from test_reconnect_kit import live, scan  # noqa: F401  (fixtures)

from clihelp import run_cli
from qbsync.sandbox.app import QBSYNC_CLIENT_ID
from qbsync.sandbox.tokens import ACCOUNTING_SCOPE

pytestmark = pytest.mark.loopback


FIXED_STATE = "fixed-state-for-this-test-0123456789abcdefghijklmno"


@pytest.fixture
def fixed_state(monkeypatch) -> str:
    """qbsync's next ``state`` is known in advance, so the person can approve before the run and paste back
    (typer's test runner takes stdin as a ready string). Only ``qbsync.clients.oauth`` sees the stub."""
    from types import SimpleNamespace

    from qbsync.clients import oauth

    monkeypatch.setattr(oauth, "secrets", SimpleNamespace(token_urlsafe=lambda nbytes=32: FIXED_STATE))
    return FIXED_STATE


def approve_elsewhere(live, state: str = "a-state-qbsync-never-made", decision: str = "approve") -> str:
    """A person approving from another authorize link (for the same app and redirect): the redirect address."""
    query = urlencode(
        {
            "client_id": QBSYNC_CLIENT_ID,
            "response_type": "code",
            "scope": ACCOUNTING_SCOPE,
            "redirect_uri": live.redirect_uri,
            "state": state,
        }
    )
    with httpx.Client(trust_env=False) as browser:
        return approve_in_browser(browser, f"{live.oauth.endpoints['authorization_endpoint']}?{query}", decision)


def test_pasted_redirect_url_connects(live, fixed_state, leaks):
    pasted = approve_elsewhere(live, state=fixed_state) + "\n"
    result = run_cli("reconnect --no-browser", input=pasted)
    scan(leaks, result.stdout, result.stderr)
    assert result.exit_code == 0, result.stderr
    assert "Open this address in a browser" in result.stderr
    printed = next(line.strip() for line in result.stderr.splitlines() if "/oauth/authorize?" in line)
    assert printed.startswith(live.oauth.endpoints["authorization_endpoint"])
    assert parse_qs(urlsplit(printed).query)["state"] == [fixed_state]
    assert "Copy the whole address" in result.stderr
    assert live.sandbox.scenario.company.company_name in result.stdout
    assert live.token_store().load().realm_id == live.sandbox.realm_id


def test_pasted_code_and_realm_id_connect(live, leaks):
    location = approve_elsewhere(live)
    query = parse_qs(urlsplit(location).query)
    pasted = f"code={query['code'][0]} realmId={query['realmId'][0]}\n"
    result = run_cli("--json reconnect --no-browser", input=pasted)
    scan(leaks, result.stdout, result.stderr)
    assert result.exit_code == 0, result.stderr
    data = result.json()["data"]["qbsync_connection"]
    assert (data["status"], data["mode"]) == ("connected", "paste")
    assert live.oauth.count_events("token", "authorization_code", "ok") == 1


def test_pasted_code_only_uses_the_profiles_realm(live, leaks):
    code = parse_qs(urlsplit(approve_elsewhere(live)).query)["code"][0]
    result = run_cli("reconnect --no-browser", input=f"code={code}\n")
    scan(leaks, result.stdout, result.stderr)
    assert result.exit_code == 0, result.stderr


def test_pasted_redirect_with_another_state_is_refused(live, leaks):
    result = run_cli("reconnect --no-browser", input=approve_elsewhere(live) + "\n")
    scan(leaks, result.stdout, result.stderr)
    assert result.exit_code == 1
    assert "state mismatch" in result.stderr
    assert not live.token_file.exists()
    assert live.oauth.count_events("token", "authorization_code") == 0


def test_a_code_is_used_once(live, leaks):
    query = parse_qs(urlsplit(approve_elsewhere(live)).query)
    pasted = f"code={query['code'][0]}&realmId={query['realmId'][0]}\n"
    assert run_cli("reconnect --no-browser", input=pasted).exit_code == 0
    again = run_cli("reconnect --no-browser", input=pasted)
    scan(leaks, again.stdout, again.stderr)
    assert again.exit_code == 1
    assert "refused the authorization code" in again.stderr


def test_no_tty_and_no_input_fails_with_one_line(live, leaks):
    result = run_cli("reconnect --no-browser")  # CliRunner's stdin: not a terminal, empty
    scan(leaks, result.stdout, result.stderr)
    assert result.exit_code == 3
    assert result.stdout == ""
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("qbsync: error:")]
    assert len(error_lines) == 1 and "--no-browser needs the address" in error_lines[0]
    assert result.stderr.rstrip().splitlines()[-1].lstrip().startswith("hint:")
    assert not live.token_file.exists()


def test_pasted_text_without_a_code_fails(live, leaks):
    result = run_cli("reconnect --no-browser", input="I approved it\n")
    assert result.exit_code == 1
    assert "no authorization code" in result.stderr


def test_denied_consent_pasted_back(live, fixed_state, leaks):
    pasted = approve_elsewhere(live, state=fixed_state, decision="cancel") + "\n"
    result = run_cli("reconnect --no-browser", input=pasted)
    assert result.exit_code == 1
    assert "not approved" in result.stderr
