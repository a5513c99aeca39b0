"""Helpers for the SDK tests: intuitlib's client for the served sandbox, the browser's approve step, a
connected python-quickbooks client."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

MINOR_VERSION = 75


@dataclass
class Served:
    base_url: str
    qbo_base_url: str
    discovery_url: str
    realm_id: str
    client_id: str
    client_secret: str
    redirect_uri: str

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        resp = requests.request(method, f"{self.base_url}/_sandbox{path}", json=body, timeout=10)
        resp.raise_for_status()
        return resp.json()


def auth_client(served: Served) -> Any:
    from intuitlib.client import AuthClient

    return AuthClient(served.client_id, served.client_secret, served.redirect_uri, served.discovery_url)


def approve(served: Served, client: Any) -> tuple[str, str]:
    """What the user's browser does: open the authorization URL, approve, follow the redirect's query."""
    from intuitlib.enums import Scopes

    url = client.get_authorization_url([Scopes.ACCOUNTING])
    resp = requests.get(url, params={"approve": "1"}, allow_redirects=False, timeout=10)
    assert resp.status_code == 302, resp.text
    query = parse_qs(urlsplit(resp.headers["Location"]).query)
    assert query["state"] == [client.state_token]
    return query["code"][0], query["realmId"][0]


def connect(served: Served) -> Any:
    """A python-quickbooks client after a full authorize + code exchange, pointed at the sandbox."""
    from quickbooks import QuickBooks

    client = auth_client(served)
    code, realm = approve(served, client)
    client.get_bearer_token(code, realm_id=realm)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        qb = QuickBooks(
            auth_client=client,
            refresh_token=client.refresh_token,
            company_id=realm,
            minorversion=MINOR_VERSION,
        )
    qb.api_url_v3 = f"{served.qbo_base_url}/v3"  # the SDK's base URL: the one thing changed
    return qb
