# ruff: noqa: F811  (pytest fixtures imported from test_reconnect_kit are parameters here)
"""``qbsync reconnect --revoke``: revoke qbsync's grant at Intuit, then delete the local tokens."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from test_reconnect_kit import free_port, live, scan  # noqa: F401  (fixtures)

from clihelp import run_cli
from qbsync.auth.tokens import TokenGrant

pytestmark = pytest.mark.loopback


def seed_connection(live):
    """qbsync connected earlier: a grant at the emulator, its tokens in the profile's token file."""
    issued = live.sandbox.issue_qbsync_grant()
    grant = TokenGrant.from_token_response(issued.as_token_json(True), datetime.now(UTC))
    live.token_store().save_connection(grant, realm_id=live.sandbox.realm_id, environment="custom")
    return issued


def test_revoke_revokes_at_intuit_and_deletes_local_tokens(live, leaks):
    issued = seed_connection(live)
    suprata_refresh = live.sandbox.connection.state.refresh_token

    result = run_cli("reconnect --revoke")
    scan(leaks, result.stdout, result.stderr)
    assert result.exit_code == 0, result.stderr
    assert "Disconnected." in result.stdout and "qbsync's own QuickBooks connection" in result.stdout
    assert "Suprata's own QuickBooks connection is not affected" in result.stdout
    # Local tokens gone.
    assert not live.token_file.exists() and live.token_store().load() is None
    # The grant is revoked at Intuit: the emulator's event log and the tokens themselves say so.
    revokes = [e for e in live.oauth.events if e.endpoint == "revoke"]
    assert [(e.outcome, e.reason, e.realm_id) for e in revokes] == [("ok", "", live.sandbox.realm_id)]
    assert live.oauth.refresh_token_state(issued.refresh_token) == "revoked"
    assert live.sandbox.tokens.check(issued.access_token, live.sandbox.realm_id) == "revoked"
    # Suprata's own grant is untouched.
    assert live.oauth.refresh_token_state(suprata_refresh) == "valid"


def test_revoke_json(live, leaks):
    seed_connection(live)
    result = run_cli("--json reconnect --revoke")
    scan(leaks, result.stdout, result.stderr)
    envelope = result.json()
    assert (envelope["status"], envelope["exit_code"]) == ("ok", 0)
    conn = envelope["data"]["qbsync_connection"]
    assert (conn["status"], conn["revoked_at_intuit"], conn["tokens_deleted"]) == ("disconnected", True, True)
    assert envelope["data"]["action"] == "disconnect"


def test_revoke_with_nothing_stored_is_a_no_op(live, leaks):
    result = run_cli("reconnect --revoke")
    assert result.exit_code == 0, result.stderr
    assert "Nothing to disconnect" in result.stdout
    assert live.oauth.count_events("revoke") == 0


def test_revoke_when_intuit_already_ended_the_grant(live, leaks):
    issued = seed_connection(live)
    live.oauth.revoke_grant(refresh_token=issued.refresh_token)  # disconnected from inside QuickBooks
    result = run_cli("reconnect --revoke")
    scan(leaks, result.stdout, result.stderr)
    assert result.exit_code == 0, result.stderr
    assert not live.token_file.exists()


def test_revoke_refused_by_intuit_keeps_the_tokens(live, monkeypatch, leaks):
    seed_connection(live)
    before = live.token_file.read_bytes()
    monkeypatch.setenv("QBSYNC_INTUIT_CLIENT_SECRET", "not-the-right-secret-value")
    result = run_cli("reconnect --revoke")
    scan(leaks, result.stdout, result.stderr)
    assert result.exit_code == 1
    assert "invalid_client" in result.stderr and "kept" in result.stderr
    assert "not-the-right-secret-value" not in result.stdout + result.stderr
    assert live.token_file.read_bytes() == before


def test_revoke_with_intuit_unreachable_could_not_start(live, monkeypatch, leaks):
    seed_connection(live)
    dead = f"http://127.0.0.1:{free_port()}/oauth/.well-known/openid_configuration"
    monkeypatch.setenv("QBSYNC_OAUTH_DISCOVERY_URL", dead)
    result = run_cli("reconnect --revoke")
    scan(leaks, result.stdout, result.stderr)
    assert result.exit_code == 3
    assert "Could not reach Intuit's OAuth service" in result.stderr
    assert live.token_file.exists()


def test_revoke_with_a_corrupt_token_file_leaves_it(live, leaks):
    live.token_file.parent.mkdir(parents=True, exist_ok=True)
    live.token_file.write_text("{not json")
    result = run_cli("reconnect --revoke")
    assert result.exit_code == 1
    assert str(live.token_file) in result.stderr and "qbsync reconnect" in result.stderr
    assert live.token_file.read_text() == "{not json"


def test_revoke_takes_no_browser_options(live, leaks):
    result = run_cli("reconnect --revoke --no-browser")
    assert result.exit_code == 3
    assert "--revoke" in result.stderr


def test_reconnect_then_revoke_then_reconnect(live, leaks):
    """The whole life of a connection, pasted codes standing in for the browser."""
    from test_reconnect_paste import approve_elsewhere

    def pasted() -> str:
        from urllib.parse import parse_qs, urlsplit

        q = parse_qs(urlsplit(approve_elsewhere(live)).query)
        return f"code={q['code'][0]} realmId={q['realmId'][0]}\n"

    assert run_cli("reconnect --no-browser", input=pasted()).exit_code == 0
    first = live.token_store().load()
    assert run_cli("reconnect --revoke").exit_code == 0
    assert live.oauth.refresh_token_state(first.refresh_token) == "revoked"
    again = run_cli("reconnect --no-browser", input=pasted())
    scan(leaks, again.stdout, again.stderr)
    assert again.exit_code == 0, again.stderr
    assert live.oauth.refresh_token_state(live.token_store().load().refresh_token) == "valid"


@pytest.mark.parametrize("kind", ["empty", "folder", "huge", "naive_times"])
def test_revoke_with_an_unreadable_token_file_keeps_it_and_says_how_to_revoke_at_intuit(live, leaks, kind):
    import json

    live.token_file.parent.mkdir(parents=True, exist_ok=True)
    if kind == "folder":
        live.token_file.mkdir()
    elif kind == "empty":
        live.token_file.write_text("")
    elif kind == "huge":
        live.token_file.write_bytes(b" " * (30 << 20))
    else:
        seed_connection(live)
        data = json.loads(live.token_file.read_text())
        data["access_expires_at"] = data["access_expires_at"].replace("Z", "")
        live.token_file.write_text(json.dumps(data))
    before = live.token_file.is_dir() or live.token_file.stat().st_size
    result = run_cli("reconnect --revoke")
    assert result.exit_code == 1, result.stderr
    assert "Manage your apps" in result.stderr and "kept" in result.stderr
    assert live.token_file.exists() and (live.token_file.is_dir() or live.token_file.stat().st_size) == before
    status = run_cli("--format json status")
    assert "unexpected error" not in status.stderr
