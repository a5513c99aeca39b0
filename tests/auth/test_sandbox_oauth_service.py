"""The emulated Intuit OAuth service, spoken to directly over HTTP (in-process, httpx)."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from auth_testkit import CLIENT_ID, CLIENT_SECRET, COMPANY_NAME, REALM_ID, REDIRECT_URI, approve_in_browser

from qbsync.sandbox import IN_PROCESS_BASE
from qbsync.sandbox.oauth import HARD_EXPIRY, REFRESH_TOKEN_SECONDS
from qbsync.sandbox.tokens import ACCOUNTING_SCOPE
from qbsync.sandbox.transport import SandboxTransport

TOKEN_URL = f"{IN_PROCESS_BASE}/oauth/token"
INVALID_GRANT_BODY = b'{"error_description":"Token invalid","error":"invalid_grant"}'
BARE_INVALID_GRANT = b'{"error":"invalid_grant"}'  # 25 bytes, as in oauth-jsclient#128


@pytest.fixture
def http(sandbox_app) -> httpx.Client:
    return httpx.Client(transport=SandboxTransport(sandbox_app))


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def authorize_url(**overrides: str) -> str:
    params = {
        "client_id": CLIENT_ID,
        "response_type": "code",
        "scope": ACCOUNTING_SCOPE,
        "redirect_uri": REDIRECT_URI,
        "state": "st-1",
        **overrides,
    }
    return f"{IN_PROCESS_BASE}/oauth/authorize?{urlencode(params)}"


def get_code(http: httpx.Client) -> str:
    location = approve_in_browser(http, authorize_url())
    return parse_qs(urlsplit(location).query)["code"][0]


def redeem(http: httpx.Client, code: str, redirect_uri: str = REDIRECT_URI, **headers: str) -> httpx.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    return http.post(TOKEN_URL, data=form, headers={**basic(), **headers})


def refresh(http: httpx.Client, refresh_token: str) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return http.post(TOKEN_URL, data=form, headers=basic())


def test_discovery_points_back_at_the_sandbox(http, oauth):
    doc = http.get(oauth.discovery_url).json()
    root = f"{IN_PROCESS_BASE}/oauth"
    assert doc["issuer"] == root
    assert doc["authorization_endpoint"] == f"{root}/authorize"
    assert doc["token_endpoint"] == f"{root}/token"
    assert doc["revocation_endpoint"] == f"{root}/revoke"
    assert doc["userinfo_endpoint"] == f"{root}/userinfo"
    assert doc["jwks_uri"] == f"{root}/jwks"


def test_consent_page_names_app_and_company_and_redirects_with_code_state_and_realm(http):
    page = http.get(authorize_url()).text
    assert "qbsync" in page and COMPANY_NAME in page and "Approve" in page
    location = approve_in_browser(http, authorize_url(state="abc"))
    assert location.startswith(REDIRECT_URI + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["abc"] and query["realmId"] == [REALM_ID] and query["code"][0]


def test_get_with_approve_redirects_like_the_form(http):
    answer = http.get(authorize_url(approve="1"))
    assert answer.status_code == 302
    assert parse_qs(urlsplit(answer.headers["location"]).query)["realmId"] == [REALM_ID]


def test_cancel_redirects_with_access_denied(http):
    location = approve_in_browser(http, authorize_url(), decision="cancel")
    assert parse_qs(urlsplit(location).query)["error"] == ["access_denied"]


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"client_id": "nobody"}, 400, None),
        ({"redirect_uri": "https://evil.invalid/cb"}, 400, None),
        ({"response_type": "token"}, 302, "unsupported_response_type"),
        ({"scope": "openid email"}, 302, "invalid_scope"),
    ],
)
def test_authorize_validates_the_request(http, overrides, status, error):
    answer = http.get(authorize_url(**overrides))
    assert answer.status_code == status
    if error is None:
        assert "location" not in answer.headers  # never redirect to an unverified redirect_uri
    else:
        assert parse_qs(urlsplit(answer.headers["location"]).query)["error"] == [error]


def test_code_exchange_returns_intuit_shaped_tokens(http, registry):
    answer = redeem(http, get_code(http))
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in", "x_refresh_token_expires_in"}
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["x_refresh_token_expires_in"] == REFRESH_TOKEN_SECONDS == 8_726_400
    assert registry.check(body["access_token"], REALM_ID) == "ok"


def test_hard_expiry_only_when_asked(http):
    body = redeem(http, get_code(http), **{"x-include-refresh-token-hard-expires-in": "true"}).json()
    assert body["x_refresh_token_hard_expires_in"] == int(HARD_EXPIRY.total_seconds())


def test_code_is_single_use_bound_to_redirect_uri_and_short_lived(http, clock, oauth):
    code = get_code(http)
    assert redeem(http, code, redirect_uri="http://127.0.0.1:1/other").content == INVALID_GRANT_BODY
    first = redeem(http, code)
    assert first.status_code == 200
    reused = redeem(http, code)
    assert (reused.status_code, reused.content) == (400, BARE_INVALID_GRANT)  # oauth-jsclient#173
    assert reused.headers["intuit_tid"]
    # Re-using the code invalidated what it had given (RFC 6749 4.1.2; Intuit in oauth-jsclient#173).
    assert refresh(http, first.json()["refresh_token"]).content == INVALID_GRANT_BODY
    assert oauth.refresh_token_state(first.json()["refresh_token"]) == "revoked"
    late = get_code(http)
    clock.advance(301)
    assert redeem(http, late).content == BARE_INVALID_GRANT
    reasons = [e.reason for e in oauth.events if e.outcome == "invalid_grant"]
    assert reasons == [
        "redirect_uri differs from the authorize request",
        "code already used",
        "revoked",
        "code expired",
    ]


def test_wrong_client_secret_is_invalid_client(http):
    form = {"grant_type": "refresh_token", "refresh_token": "x"}
    answer = http.post(TOKEN_URL, data=form, headers=basic(secret="wrong"))
    assert (answer.status_code, answer.json()) == (401, {"error": "invalid_client"})
    assert answer.headers["intuit_tid"]
    assert http.post(TOKEN_URL, data=form).status_code == 401  # no Authorization header at all


def test_refresh_rotates_and_old_value_has_a_24_hour_grace(http, clock, oauth):
    first = redeem(http, get_code(http)).json()
    clock.advance(3000)
    second = refresh(http, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["x_refresh_token_expires_in"] == REFRESH_TOKEN_SECONDS  # a fresh rolling expiry
    assert oauth.refresh_token_state(first["refresh_token"]) == "in_grace"
    clock.advance(23 * 3600)
    assert refresh(http, first["refresh_token"]).status_code == 200  # still inside the grace period
    clock.advance(3601)
    late = refresh(http, first["refresh_token"])
    # "Refresh token not found" in Intuit's log, a bare body on the wire (oauth-jsclient#77)
    assert (late.status_code, late.content) == (400, BARE_INVALID_GRANT)
    assert oauth.refresh_token_state(first["refresh_token"]) == "superseded"


def test_refresh_token_expires_after_its_rolling_lifetime(http, clock):
    first = redeem(http, get_code(http)).json()
    clock.advance(REFRESH_TOKEN_SECONDS)
    assert refresh(http, first["refresh_token"]).content == INVALID_GRANT_BODY


def test_revoke_ends_the_whole_grant(http, oauth, registry):
    first = redeem(http, get_code(http)).json()
    second = refresh(http, first["refresh_token"]).json()
    answer = http.post(f"{IN_PROCESS_BASE}/oauth/revoke", json={"token": second["refresh_token"]}, headers=basic())
    assert answer.status_code == 200
    for token in (first, second):
        assert registry.check(token["access_token"], REALM_ID) == "revoked"
        assert refresh(http, token["refresh_token"]).content == INVALID_GRANT_BODY
    bad_client = http.post(f"{IN_PROCESS_BASE}/oauth/revoke", json={"token": "x"}, headers=basic(secret="no"))
    assert bad_client.status_code == 401


def test_scenario_hooks(http, oauth, clock, registry):
    seeded = oauth.issue_grant(REALM_ID, CLIENT_ID)
    assert registry.check(seeded.access_token, REALM_ID) == "ok"
    assert refresh(http, seeded.refresh_token).status_code == 200

    expiring = oauth.issue_grant(REALM_ID, CLIENT_ID)
    assert oauth.expire_refresh_token(expiring.refresh_token) == 1
    assert refresh(http, expiring.refresh_token).content == INVALID_GRANT_BODY

    revoked = oauth.issue_grant(REALM_ID, CLIENT_ID)
    assert oauth.revoke_grant(refresh_token=revoked.refresh_token) == 1
    assert registry.check(revoked.access_token, REALM_ID) == "revoked"

    aged = oauth.issue_grant(REALM_ID, CLIENT_ID)
    oauth.age_grant(102, realm_id=REALM_ID)
    assert registry.check(aged.access_token, REALM_ID) == "expired"
    assert oauth.refresh_token_state(aged.refresh_token) == "expired"

    old = oauth.issue_grant(REALM_ID, CLIENT_ID, issued_at=clock.now().replace(year=2020))
    assert oauth.refresh_token_state(old.refresh_token) == "expired"  # past the 5-year hard limit too
