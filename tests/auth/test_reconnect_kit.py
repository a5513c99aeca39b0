"""Shared pieces of the ``qbsync reconnect`` tests (fixtures are imported by the test_reconnect_* modules).

``live``: a scenario served on 127.0.0.1 (``serve``), qbsync's sandbox app registered for a free local
redirect port, and the profile set through ``QBSYNC_*`` variables, as a user would. Every value the
emulator mints, the client secrets and the Suprata API key are added to the autouse ``leaks`` scan.

``FakeBrowser``: stands in for ``webbrowser.open``. Like a person's browser it runs apart from qbsync (a
thread): it opens the consent page over HTTP, presses a button, and follows the redirect to qbsync's
one-shot callback server, keeping the page it was shown.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from auth_testkit import approve_in_browser

from qbsync.sandbox.app import (
    QBSYNC_CLIENT_ID,
    QBSYNC_CLIENT_SECRET,
    QBSYNC_REDIRECT_URIS,
    SUPRATA_CLIENT_SECRET,
    ScenarioServer,
    serve,
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Live:
    server: ScenarioServer
    redirect_uri: str
    port: int
    home: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def sandbox(self):
        return self.server.sandbox

    @property
    def oauth(self):
        return self.server.sandbox.oauth

    @property
    def token_file(self) -> Path:
        return self.home / "data" / "tokens" / "default.tokens.json"

    def token_store(self):
        from qbsync.auth.tokens import TokenStore

        return TokenStore(self.home / "data" / "tokens", "default")


def profile_env(profile: dict[str, str], redirect_uri: str) -> dict[str, str]:
    env = {f"QBSYNC_{key.upper()}": value for key, value in profile.items()}
    env["QBSYNC_REDIRECT_URI"] = redirect_uri
    return env


@pytest.fixture
def live(isolated_env: Path, monkeypatch: pytest.MonkeyPatch, leaks) -> Iterator[Live]:
    server = serve("healthy")
    try:
        port = free_port()
        redirect_uri = f"http://127.0.0.1:{port}/callback"
        # qbsync's app as registered at Intuit, with this run's redirect address added.
        server.sandbox.oauth.register_app(
            QBSYNC_CLIENT_ID, QBSYNC_CLIENT_SECRET, [*QBSYNC_REDIRECT_URIS, redirect_uri], name="qbsync"
        )
        profile = server.profile()
        env = profile_env(profile, redirect_uri)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        leaks.services.append(server.sandbox.oauth)
        leaks.secrets.update({QBSYNC_CLIENT_SECRET, SUPRATA_CLIENT_SECRET, profile["suprata_api_key"]})
        yield Live(server, redirect_uri, port, isolated_env, env)
    finally:
        server.stop()


def replace_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(changes)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


class FakeBrowser:
    """``webbrowser.open`` for tests: a person who approves (or not) in a browser that qbsync does not own."""

    def __init__(
        self,
        decision: str = "approve",
        tamper: Callable[[str], str] | None = None,
        choose_company: str | None = None,
    ) -> None:
        self.decision = decision
        self.tamper = tamper
        self.choose_company = choose_company
        self.opened: list[str] = []
        self.page: httpx.Response | None = None
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def __call__(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        self.opened.append(url)
        self._thread = threading.Thread(target=self._browse, args=(url,), daemon=True)
        self._thread.start()
        return True

    def _browse(self, url: str) -> None:
        try:
            with httpx.Client(trust_env=False, timeout=30) as browser:
                if self.choose_company:
                    page = browser.get(url)
                    from auth_testkit import read_consent_form

                    form = read_consent_form(page.text)
                    answer = browser.post(
                        form.action, data={**form.fields, "realmId": self.choose_company, "decision": "approve"}
                    )
                    location = answer.headers["location"]
                else:
                    location = approve_in_browser(browser, url, self.decision)
                if self.tamper is not None:
                    location = self.tamper(location)
                self.page = browser.get(location)
        except BaseException as exc:  # surfaced by join()
            self.error = exc

    def join(self) -> httpx.Response:
        assert self._thread is not None, "qbsync never opened the browser"
        self._thread.join(30)
        if self.error is not None:
            raise self.error
        assert self.page is not None
        return self.page


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Callable[..., FakeBrowser]:
    """Install a FakeBrowser as ``webbrowser.open`` (with a display, so qbsync tries to open it)."""
    import webbrowser

    def install(**kwargs) -> FakeBrowser:
        fake = FakeBrowser(**kwargs)
        monkeypatch.setattr(webbrowser, "open", fake)
        monkeypatch.setenv("DISPLAY", ":99")
        return fake

    return install


def scan(leaks, *texts: str) -> None:
    """Add what the CLI printed to the autouse leak scan (checked when the test ends)."""
    leaks.texts.extend(texts)
