# ruff: noqa: F811  (pytest fixtures imported from test_reconnect_kit are parameters here)
"""The pieces of ``qbsync reconnect`` on their own, and the ``--demo`` flow (in-process, simulated browser)."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import httpx
import pytest
from test_reconnect_kit import live  # noqa: F401  (fixture)

from clihelp import run_cli
from qbsync.auth import reconnect as rc
from qbsync.auth.callback_server import CallbackPage, CallbackReceiver, LoopbackCallbackServer
from qbsync.auth.errors import AuthorizationFailed
from qbsync.errors import ConfigError

# --- the demo ---------------------------------------------------------------------------------------------


def test_demo_reconnect_drives_the_sandbox_consent_page(leaks):
    result = run_cli("--demo --json reconnect")
    assert result.exit_code == 0, result.stderr
    data = result.json()["data"]
    assert data["qbsync_connection"]["status"] == "connected"
    assert data["qbsync_connection"]["mode"] == "demo"
    assert data["qbsync_connection"]["company_name"]
    assert data["suprata_connection"]["status"] in ("connected", "expired", "revoked", "disconnected")


def test_demo_reconnect_human_and_paste_and_revoke(leaks):
    human = run_cli("--scenario healthy reconnect")
    assert human.exit_code == 0 and "Connected." in human.stdout
    assert "simulated browser" in human.stderr
    pasted = run_cli("--scenario healthy reconnect --no-browser")
    assert pasted.exit_code == 0 and "Connected." in pasted.stdout
    revoked = run_cli("--scenario healthy reconnect --revoke")
    assert revoked.exit_code == 0 and "Disconnected." in revoked.stdout


def test_demo_flow_in_process_uses_the_consent_page(leaks, tmp_path):
    from qbsync.sandbox.app import build_sandbox
    from qbsync.services import services_for_sandbox

    sandbox = build_sandbox("demo")
    leaks.services.append(sandbox.oauth)
    services = services_for_sandbox(sandbox, tmp_path)
    env = SimpleNamespace(settings=SimpleNamespace(demo=True), services=lambda: services)
    deps = rc.deps_from_env(env)
    ui = RecordingUi()
    outcome = rc.connect(deps, rc.ConnectOptions(timeout=30), ui)
    assert outcome.failure is None
    assert outcome.report.qbsync_connection.status == "connected"
    assert ui.shown == ["demo"]
    stored = services.token_store.load()
    assert sandbox.tokens.check(stored.access_token, sandbox.realm_id) == "ok"
    assert sandbox.oauth.count_events("approve", outcome="ok") == 1  # the consent page was really used
    leaks.capture(outcome.report, outcome)


class RecordingUi:
    def __init__(self, pasted: str | None = None) -> None:
        self.shown: list[str] = []
        self.pasted = pasted
        self.not_opened = 0

    def show_authorize_url(self, url: str, *, mode: str, redirect_uri: str) -> None:
        self.shown.append(mode)

    def browser_not_opened(self, url: str) -> None:
        self.not_opened += 1

    def waiting(self, timeout: float) -> None:
        pass

    def read_pasted(self) -> str | None:
        return self.pasted


@pytest.mark.loopback
def test_browser_that_never_comes_back_times_out(live, leaks):
    from qbsync.cli._runtime import build_env

    deps = rc.deps_from_env(build_env({}, "reconnect"))  # the profile from live's QBSYNC_* variables
    ui = RecordingUi()
    outcome = rc.connect(deps, rc.ConnectOptions(timeout=0.05), ui, opener=lambda url: False)
    assert ui.shown == ["browser"] and ui.not_opened == 1
    assert isinstance(outcome.failure, AuthorizationFailed) and outcome.failure.reason == "timeout"
    assert int(outcome.failure.exit_code) == 1 and outcome.status == "error"
    assert outcome.report.qbsync_connection.status == "not_changed"
    assert not live.token_file.exists()
    leaks.capture(outcome.report, outcome.failure)


# --- pasted answers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "http://127.0.0.1:8765/callback?code=AB123&state=S&realmId=42",
        "code=AB123&state=S&realmId=42",
        "?code=AB123&state=S&realmId=42",
        "  code=AB123 realmId=42  ",
        "code=AB123\nrealmId=42",
        "code=AB123&realmId=42",
    ],
)
def test_pasted_forms_are_understood(text):
    answer = rc._parse_answer(text, "S", None)
    assert (answer.code, answer.realm_id) == ("AB123", "42")
    assert "AB123" not in repr(answer)


def test_pasted_code_without_realm_uses_the_profile():
    assert rc._parse_answer("code=AB1", "S", "777").realm_id == "777"
    with pytest.raises(AuthorizationFailed) as missing:
        rc._parse_answer("code=AB1", "S", None)
    assert missing.value.reason == "missing_code"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("http://127.0.0.1:8765/callback?code=AB1&state=OTHER&realmId=42", "state_mismatch"),
        ("http://127.0.0.1:8765/callback?error=access_denied&state=S", "access_denied"),
        ("hello", "missing_code"),
    ],
)
def test_pasted_answers_refused(text, reason):
    with pytest.raises(AuthorizationFailed) as refused:
        rc._parse_answer(text, "S", "42")
    assert refused.value.reason == reason


# --- redirect URI and browser ---------------------------------------------------------------------------


def test_port_option_replaces_the_redirect_port():
    assert rc.effective_redirect_uri("http://127.0.0.1:8765/callback", None) == "http://127.0.0.1:8765/callback"
    assert rc.effective_redirect_uri("http://127.0.0.1:8765/callback", 9000) == "http://127.0.0.1:9000/callback"
    assert rc.effective_redirect_uri("http://localhost/cb", 9000) == "http://localhost:9000/cb"


@pytest.mark.parametrize(
    "uri", ["https://127.0.0.1:8765/callback", "http://example.com:8765/callback", "http://0.0.0.0:8765/cb"]
)
def test_only_local_http_redirects_can_be_received(uri):
    with pytest.raises(ConfigError) as refused:
        rc.loopback_target(uri)
    assert "--no-browser" in refused.value.hint


def test_localhost_redirect_is_served_on_127_0_0_1():
    assert rc.loopback_target("http://localhost:8765/callback") == (8765, "/callback")


def test_no_display_means_no_text_browser_in_this_terminal(monkeypatch):
    import webbrowser

    calls: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, new=0: calls.append(url) or True)
    monkeypatch.setattr(rc.sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    assert rc.open_system_browser("http://127.0.0.1/x") is False and calls == []
    monkeypatch.setenv("DISPLAY", ":0")
    assert rc.open_system_browser("http://127.0.0.1/x") is True and calls == ["http://127.0.0.1/x"]


# --- the one-shot callback server ------------------------------------------------------------------------


@pytest.mark.loopback
def test_callback_server_takes_one_answer_and_shows_the_verdict():
    receiver = CallbackReceiver("/callback")
    pages: dict[str, httpx.Response] = {}
    with LoopbackCallbackServer(receiver, 0) as server:
        assert server.httpd.server_address[0] == "127.0.0.1"
        base = f"http://127.0.0.1:{server.port}"
        with httpx.Client(trust_env=False, timeout=30) as browser:
            assert browser.get(f"{base}/favicon.ico").status_code == 404  # not the answer; still waiting

            def first() -> None:
                pages["first"] = browser.get(f"{base}/callback?code=AB-secret-code&state=s&realmId=1")

            t = threading.Thread(target=first)
            t.start()
            target = receiver.wait(30)
            assert target == "/callback?code=AB-secret-code&state=s&realmId=1"
            with httpx.Client(trust_env=False, timeout=30) as other:
                second = other.get(f"{base}/callback?code=another&state=s&realmId=1")
            assert second.status_code == 409 and "not used" in second.text
            receiver.respond(CallbackPage(True, "qbsync is connected to Bright & Co <Ltd>"))
            t.join(30)
    page = pages["first"]
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Bright &amp; Co &lt;Ltd&gt;" in page.text  # escaped
    assert "AB-secret-code" not in page.text


def test_receiver_wait_returns_none_when_nothing_comes():
    assert CallbackReceiver("/cb").wait(0.01) is None


def test_receiver_waits_in_short_slices_so_ctrl_c_is_seen(monkeypatch):
    """A long lock wait is not woken when SIGINT lands on the server's thread: Ctrl-C hung until the timeout."""
    import queue

    from qbsync.auth import callback_server

    receiver = CallbackReceiver("/cb")
    asked: list[float] = []

    def get(timeout: float) -> str:
        asked.append(timeout)
        if len(asked) < 3:
            raise queue.Empty
        return "/cb?code=x"

    monkeypatch.setattr(receiver._targets, "get", get)
    assert receiver.wait(300) == "/cb?code=x"
    assert len(asked) == 3 and max(asked) <= callback_server.WAIT_SLICE_SECONDS
