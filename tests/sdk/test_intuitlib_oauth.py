"""intuitlib (Intuit's own OAuth client), unchanged, through the whole OAuth cycle against
``qbsync sandbox serve``: discovery, authorize, code exchange, refresh, revoke, and a re-used code."""

from __future__ import annotations

import pytest

# python-quickbooks is in the test extra; a venv made before it was added needs: pip install -e '.[test]'
pytest.importorskip("quickbooks", reason="python-quickbooks missing: re-run pip install -e '.[test]'")

import re
import warnings

import requests
from intuitlib.exceptions import AuthClientError
from quickbooks.exceptions import AuthorizationException
from quickbooks.objects.company_info import CompanyInfo
from sdk_kit import approve, auth_client, connect

pytestmark = pytest.mark.loopback

TID = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{24}$")  # 1-<epoch seconds, hex>-<24 hex>, as Intuit's


def test_discovery_points_every_endpoint_at_the_sandbox(served):
    client = auth_client(served)
    for url in (client.auth_endpoint, client.token_endpoint, client.revoke_endpoint):
        assert url.startswith(served.base_url)
    doc = requests.get(served.discovery_url, timeout=10).json()
    assert doc["token_endpoint_auth_methods_supported"] == ["client_secret_post", "client_secret_basic"]


def test_authorize_exchange_refresh_and_revoke(served):
    client = auth_client(served)
    code, realm = approve(served, client)
    assert realm == served.realm_id
    client.get_bearer_token(code, realm_id=realm)
    first_refresh, first_access = client.refresh_token, client.access_token
    assert client.expires_in == 3600 and client.x_refresh_token_expires_in > 8_000_000
    client.refresh()
    assert client.refresh_token != first_refresh and client.access_token != first_access
    assert client.revoke() is True
    with pytest.raises(AuthClientError) as info:
        client.refresh()
    assert info.value.status_code == 400
    assert TID.match(info.value.intuit_tid)


def test_a_reused_code_invalidates_the_tokens_it_gave(served):
    client = auth_client(served)
    code, realm = approve(served, client)
    client.get_bearer_token(code, realm_id=realm)
    issued = client.refresh_token
    second = auth_client(served)
    with pytest.raises(AuthClientError) as info:
        second.get_bearer_token(code, realm_id=realm)  # a double callback, as in oauth-jsclient#173
    assert (info.value.status_code, info.value.content) == (400, b'{"error":"invalid_grant"}')
    with pytest.raises(AuthClientError):
        client.refresh(refresh_token=issued)


def test_the_sdk_sees_a_revoked_connection_as_401(served):
    qb = connect(served)
    assert CompanyInfo.get(served.realm_id, qb=qb).CompanyName
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        qb.auth_client.revoke()
    with pytest.raises(AuthorizationException) as info:
        CompanyInfo.get(served.realm_id, qb=qb)
    assert info.value.error_code == 401


def test_client_secret_post_is_accepted_by_the_token_endpoint(served):
    client = auth_client(served)
    code, _ = approve(served, client)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": served.redirect_uri,
        "client_id": served.client_id,
        "client_secret": served.client_secret,
    }
    resp = requests.post(client.token_endpoint, data=form, headers={"Accept": "application/json"}, timeout=10)
    assert resp.status_code == 200 and resp.json()["token_type"] == "bearer"
    assert TID.match(resp.headers["intuit_tid"])
