"""Shared pieces of the auth tests: fixed app/company values, the leak scanner, a consent-page browser.

A plain module (not conftest) so the multiprocessing children and the test modules can import it by name.
"""

from __future__ import annotations

import traceback
from datetime import UTC, datetime
from html.parser import HTMLParser

import httpx

from qbsync.auth.tokens import TokenGrant, TokenStore
from qbsync.clients import oauth as oauth_client
from qbsync.sandbox.oauth import IntuitOAuthService

CLIENT_ID = "ABqbsyncTestClientId0001"
CLIENT_SECRET = "s3cr3t-qbsync-client-secret-value-0001"
REDIRECT_URI = "http://127.0.0.1:8799/callback"
REALM_ID = "9130354950571234"
COMPANY_NAME = "Bright Plumbing Ltd"
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def make_app(environment: str) -> oauth_client.OAuthApp:
    return oauth_client.OAuthApp(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, environment)


class Leaks:
    """Collects what a test captured and checks that no secret value appears in it."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.secrets: set[str] = {CLIENT_SECRET}
        self.services: list[IntuitOAuthService] = []  # emulators whose minted values to scan for

    def capture(self, *items: object) -> None:
        for item in items:
            self.texts.append(repr(item))
            self.texts.append(str(item))
            if isinstance(item, BaseException):
                self.texts.append("".join(traceback.format_exception(item)))
                self.texts.extend(str(getattr(item, name, "")) for name in ("message", "hint", "reason"))

    def collect_from(self, oauth: IntuitOAuthService) -> None:
        # Private attributes on purpose: the scan must know every value the emulator ever minted.
        self.secrets.update(oauth._codes)
        self.secrets.update(oauth._refresh_index)
        self.secrets.update(oauth.registry._tokens)

    def leaked(self) -> list[str]:
        haystack = "\n".join(self.texts)
        return sorted(s for s in self.secrets if s and s in haystack)


class _ConsentForm(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.buttons: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = a.get("action", "")
        elif tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "option" and "realmId" not in self.fields:
            self.fields["realmId"] = a.get("value", "")  # the first company, as a person would leave it
        elif tag == "button":
            self.buttons.append(a.get("value", ""))


def read_consent_form(page: str) -> _ConsentForm:
    form = _ConsentForm()
    form.feed(page)
    return form


def approve_in_browser(browser: httpx.Client, authorize_url: str, decision: str = "approve") -> str:
    """Open the consent page, press a button; return the redirect the browser would follow."""
    page = browser.get(authorize_url)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    form = read_consent_form(page.text)
    assert decision in form.buttons
    answer = browser.post(form.action, data={**form.fields, "decision": decision})
    assert answer.status_code == 302
    return answer.headers["location"]


def seed_store(folder, oauth: IntuitOAuthService, clock) -> TokenStore:
    """A token store seeded straight from the emulator (no browser), token obtained now."""
    seeded = oauth.issue_grant(REALM_ID, CLIENT_ID)
    grant = TokenGrant.from_token_response(seeded.as_token_json(include_hard_expiry=True), clock.now())
    store = TokenStore(folder)
    store.save_connection(grant, realm_id=REALM_ID, environment=oauth.discovery_url)
    return store
