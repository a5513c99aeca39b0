"""Fault injection across commands (bounded, in-process or 127.0.0.1 only): servers that echo secrets,
hostile bodies, a full or read-only QBSYNC_HOME, FIFOs and symlinks where qbsync reads or writes.

Each case must end with a result or one line of error with a documented exit code, lose no file and print
no secret (the suite-wide secrets scan in conftest.py checks every stream and file as well).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from clihelp import run_cli
from qbsync.sandbox.app import build_sandbox
from qbsync.sandbox.http import SandboxResponse
from qbsync.services import services_for_sandbox

DOCUMENTED_EXITS = {0, 1, 2, 3, 130}


class EchoingServer:
    """Wraps the sandbox app: Suprata (or QuickBooks) answers an error that quotes the caller's credential."""

    def __init__(self, inner, *, service: str = "/suprata", status: int = 400, as_json: bool = True) -> None:
        self.inner, self.service, self.status, self.as_json = inner, service, status, as_json

    def __call__(self, req):
        if not req.path.startswith(self.service):
            return self.inner(req)
        credential = req.headers.get("authorization", "").partition(" ")[2].strip()
        said = f"the key {credential} is not allowed to do this; your key was: {credential}"
        if self.service == "/qbo":
            fault = {"Fault": {"Error": [{"Message": "denied", "Detail": said, "code": "3100"}], "type": "AUTH"}}
            return SandboxResponse.json(fault, status=self.status)
        if self.as_json:
            return SandboxResponse.json({"error": "bad_request", "message": said}, status=self.status)
        return SandboxResponse.text(said, status=self.status)


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    sb = build_sandbox("p7-throttled")
    data = tmp_path / "data"
    monkeypatch.setattr("qbsync.services.build_services", lambda env: services_for_sandbox(sb, data))
    return sb


def _secrets(sb) -> set[str]:
    values = {sb.scenario.suprata.api_key, sb.profile()["intuit_client_secret"]}
    if sb.qbsync_tokens is not None:
        values |= {sb.qbsync_tokens.access_token, sb.qbsync_tokens.refresh_token}
    return values


def _one_line_error(result) -> None:
    assert result.exit_code in DOCUMENTED_EXITS, (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr and "unexpected error" not in result.stderr + result.stdout


COMMANDS = [
    "diagnose",
    "--debug diagnose",
    "--format json diagnose",
    "retry --all-safe --yes",
    "--debug retry --all-safe --yes",
    "--format json retry INV-1005 --yes",
    "trace INV-1005",
    "--debug trace INV-1005",
    "status",
]


@pytest.mark.parametrize("service", ["/suprata", "/qbo"])
@pytest.mark.parametrize("as_json", [True, False])
def test_a_server_that_echoes_the_credential_never_gets_it_printed(sandbox, service, as_json) -> None:
    sandbox.app = EchoingServer(sandbox.app, service=service, as_json=as_json)
    secrets = _secrets(sandbox)
    for args in COMMANDS:
        result = run_cli(args)
        _one_line_error(result)
        shown = result.stdout + result.stderr
        leaked = [s[:6] for s in secrets if s in shown]
        assert not leaked, (args, leaked, shown[-400:])
        if service == "/suprata":
            assert "REDACTED" in shown or result.exit_code == 0, (args, shown[-400:])


def test_the_support_report_never_holds_an_echoed_key(sandbox, tmp_path: Path) -> None:
    sandbox.app = EchoingServer(sandbox.app, service="/suprata", status=500, as_json=False)
    report = tmp_path / "support.md"
    result = run_cli(f"diagnose --report {report}")
    _one_line_error(result)
    if report.exists():
        text = report.read_text()
        assert not [s for s in _secrets(sandbox) if s in text]


def test_the_debug_log_of_a_normal_run_holds_no_token(sandbox) -> None:
    result = run_cli("--debug diagnose")
    _one_line_error(result)
    assert not [s[:6] for s in _secrets(sandbox) if s in result.stdout + result.stderr]
    assert json.dumps  # the scan in conftest also checks every stream of this test


# --- hostile bodies ---------------------------------------------------------------------------------------


class HostileBody:
    """QuickBooks (or Suprata) answers 200 with a body no real server sends."""

    def __init__(self, inner, service: str, body: bytes, times: int = 1_000_000) -> None:
        self.inner, self.service, self.body, self.times = inner, service, body, times

    def __call__(self, req):
        if not req.path.startswith(self.service) or self.times <= 0:
            return self.inner(req)
        self.times -= 1
        return SandboxResponse(200, self.body, {"Content-Type": "application/json"})


DEEP = b"[" * 200_000 + b"]" * 200_000
BODIES = {
    "deep": DEEP,
    "deep_object": b'{"QueryResponse": ' + b'{"a":' * 100_000 + b"1" + b"}" * 100_000 + b"}",
    # 50 MB in one value, and 50 MB of millions of small objects (minutes to parse before the HTTP layer's
    # size cap): both are refused as they stream in, before a byte is parsed.
    "fifty_mb": b'{"QueryResponse": {"Customer": [{"Id": "1", "Notes": "' + b"x" * 50_000_000 + b'"}]}}',
    "fifty_mb_small_objects": b'{"QueryResponse": {"Customer": [' + b'{"Id":"1"},' * 4_999_999 + b'{"Id":"1"}]}}',
    "invalid_utf8": b'{"QueryResponse": {"Customer": [{"Id": "\xff\xfe\x80"}]}}',
    "not_json": b"\x00\x01\x02 binary garbage \xff",
}


@pytest.mark.parametrize("service", ["/qbo", "/suprata"])
@pytest.mark.parametrize("kind", sorted(BODIES))
def test_a_hostile_body_ends_with_a_result_or_one_line(sandbox, service: str, kind: str) -> None:
    hostile = HostileBody(sandbox.app, service, BODIES[kind], times=2 if kind.startswith("fifty_mb") else 1_000_000)
    sandbox.app = hostile
    for args in ("diagnose", "--format json status", "trace INV-1005"):
        result = run_cli(args)
        _one_line_error(result)
    assert hostile.times < 1_000_000


@pytest.mark.parametrize("service", ["/qbo", "/suprata"])
def test_a_body_over_the_size_cap_is_one_line_with_exit_3(sandbox, service: str) -> None:
    sandbox.app = HostileBody(sandbox.app, service, BODIES["fifty_mb_small_objects"], times=1_000_000)
    result = run_cli("--format json diagnose")
    _one_line_error(result)
    assert result.exit_code == 3  # could not check: docs/cli.md
    error = result.json()["errors"][0]
    assert error["code"] == "response_too_large" and "too large to read" in error["message"]
    assert "33,554,432" in error["message"]  # the cap, stated


def _loopback_server(total: int, declare_length: bool):
    """A 127.0.0.1 server answering every GET with ``total`` bytes of small JSON objects, 64 KiB at a time,
    counting what it managed to send before the client hung up."""
    import http.server
    import threading

    sent = {"bytes": 0}
    piece = b'{"Id":"1"},' * 5958  # 65,538 bytes

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if declare_length:
                self.send_header("Content-Length", str(total))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            try:
                while sent["bytes"] < total:
                    self.wfile.write(piece[: total - sent["bytes"]])
                    sent["bytes"] += min(len(piece), total - sent["bytes"])
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading at its cap: what this test wants

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, sent


@pytest.mark.parametrize("declare_length", [True, False])
def test_the_http_layer_stops_reading_at_the_cap_over_loopback(declare_length: bool) -> None:
    from qbsync.clients.errors import ResponseTooLarge
    from qbsync.clients.http import MAX_RESPONSE_BYTES, HttpClient, RetryPolicy
    from qbsync.clock import VirtualClock

    total = 50_000_000
    server, sent = _loopback_server(total, declare_length)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v3/company/1/query"
        client = HttpClient(clock=VirtualClock(datetime(2026, 12, 1, tzinfo=UTC)), retry=RetryPolicy(max_attempts=1))
        with client, pytest.raises(ResponseTooLarge) as caught:
            client.get(url)
        assert f"{MAX_RESPONSE_BYTES:,}" in caught.value.message
        # Stopped at the cap, not after the whole body: the rest was never sent (socket buffers aside).
        assert sent["bytes"] < (8_000_000 if declare_length else MAX_RESPONSE_BYTES + 8_000_000)
    finally:
        server.shutdown()
        server.server_close()


def test_a_body_under_the_cap_reads_as_before() -> None:
    from qbsync.clients.http import HttpClient, RetryPolicy
    from qbsync.clock import VirtualClock

    server, _ = _loopback_server(655_380, declare_length=False)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v3/company/1/query"
        with HttpClient(
            clock=VirtualClock(datetime(2026, 12, 1, tzinfo=UTC)), retry=RetryPolicy(max_attempts=1)
        ) as client:
            response = client.get(url)
        assert response.status_code == 200 and len(response.content) == 655_380
        assert response.content.count(b'{"Id":"1"}') == 59_580
    finally:
        server.shutdown()
        server.server_close()


# --- explain, since, config and scenario inputs ------------------------------------------------------------


def test_diagnose_since_a_huge_duration_is_every_failure(sandbox) -> None:
    result = run_cli("--format json diagnose --since 99999999d")
    _one_line_error(result)
    assert result.exit_code in (1, 2) and result.json()["data"]["summary"]["failures"] == 4
    result = run_cli("diagnose --since 9999999999999999999999d")
    assert result.exit_code == 3 and "not a duration" in result.stderr


def test_explain_jsonl_with_a_deeply_nested_line_reports_that_line(tmp_path: Path) -> None:
    lines = tmp_path / "errors.jsonl"
    lines.write_bytes(b'{"code": "6240"}\n' + DEEP + b"\n" + b'{"code": "6000"}\n')
    result = run_cli(f"explain --jsonl {lines}")
    _one_line_error(result)
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert [o["line"] for o in out] == [1, 2, 3] and out[1]["error"]["code"] == "bad_line"


def test_explain_jsonl_keeps_line_numbers_on_bare_cr_and_binary_input(tmp_path: Path) -> None:
    lines = tmp_path / "errors.jsonl"
    body = b"".join(
        (b'{"code": "6240"}\r{"code": "6000"}' if i % 2 else b"\xff\xfe\x00\x85\x0c garbage \x1c\x1d\x1e") + b"\n"
        for i in range(51)
    )
    lines.write_bytes(body)
    result = run_cli(f"explain --jsonl {lines}")
    _one_line_error(result)
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert [o["line"] for o in out] == list(range(1, 52))


def test_a_deeply_nested_config_file_is_one_line(isolated_env: Path) -> None:
    isolated_env.mkdir(parents=True, exist_ok=True)
    (isolated_env / "config.toml").write_text("a = " + "[" * 100_000 + "\n")
    result = run_cli("status")
    assert result.exit_code == 3 and "nested too deeply" in result.stderr
    assert "unexpected error" not in result.stderr


@pytest.mark.parametrize("content", [b"", b"{}", b"[]", b"{not json", b"\xff\xfe", DEEP])
def test_a_bad_scenario_file_is_one_line(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    result = run_cli(f"diagnose --demo --scenario {path}")
    assert result.exit_code == 3, result.stderr
    assert "scenario file" in result.stderr and "unexpected error" not in result.stderr


# --- where reports go: symlinks, FIFOs, devices ------------------------------------------------------------


def test_a_report_onto_a_symlink_follows_it_and_keeps_the_link(sandbox, tmp_path: Path) -> None:
    real = tmp_path / "reports" / "support.md"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "latest.md"
    link.symlink_to(real)
    result = run_cli(f"diagnose --report {link}")
    _one_line_error(result)
    assert link.is_symlink() and link.resolve() == real
    assert real.read_text() != "old" and "qbsync" in real.read_text().lower()


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_a_report_onto_a_fifo_device_or_folder_is_refused_and_the_node_kept(sandbox, tmp_path: Path, kind) -> None:
    import os
    import stat

    if kind == "fifo":
        target = tmp_path / "pipe"
        os.mkfifo(target)
    elif kind == "device":
        target = Path("/dev/full")
        if not target.exists():
            pytest.skip("no /dev/full here")
    else:
        target = tmp_path / "a-folder"
        target.mkdir()
    before = os.stat(target).st_mode
    result = run_cli(f"diagnose --report {target}")
    assert result.exit_code == 3, (result.exit_code, result.stderr)
    assert "not a regular file" in result.stderr and "unexpected error" not in result.stderr
    assert stat.S_IFMT(os.stat(target).st_mode) == stat.S_IFMT(before)


def test_a_client_that_disconnects_early_leaves_no_traceback(capfd) -> None:
    import socket

    from qbsync.sandbox.app import serve

    with serve("p7-throttled") as server:
        for _ in range(5):
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                sock.sendall(b"GET /suprata/api/v1/sync/attempts?limit=500 HTTP/1.1\r\nHost: x\r\n\r\n")
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(b"GET /_sandbox/clock HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert sock.recv(100).startswith(b"HTTP/1.1 200")
    err = capfd.readouterr().err
    assert "Traceback" not in err and "BrokenPipe" not in err and "ConnectionReset" not in err


# --- FIFOs and symlinks where qbsync keeps its files ----------------------------------------------------


def test_a_fifo_as_retry_history_ends_in_one_line_and_nothing_is_sent(sandbox, tmp_path: Path) -> None:
    import os

    history = tmp_path / "data" / "history"
    history.mkdir(parents=True)
    os.mkfifo(history / "demo.retries.jsonl")
    before = len(sandbox.suprata_store.retries)
    result = run_cli("retry --all-safe --yes")
    assert result.exit_code == 3, (result.exit_code, result.stderr)
    assert "not a regular file" in result.stderr and "unexpected error" not in result.stderr
    assert len(sandbox.suprata_store.retries) == before


def test_a_symlinked_token_file_and_config_stay_links(sandbox, tmp_path: Path, isolated_env: Path) -> None:
    real_dir = tmp_path / "elsewhere"
    real_dir.mkdir()
    tokens = tmp_path / "data" / "tokens"
    tokens.mkdir(parents=True)
    run_cli("status")  # seeds the token file
    store_file = tokens / "demo.tokens.json"
    assert store_file.exists()
    if store_file.exists():
        (real_dir / "demo.tokens.json").write_bytes(store_file.read_bytes())
        store_file.unlink()
        store_file.symlink_to(real_dir / "demo.tokens.json")
    isolated_env.mkdir(parents=True, exist_ok=True)
    (real_dir / "config.toml").write_text("")
    (isolated_env / "config.toml").symlink_to(real_dir / "config.toml")
    assert run_cli("config set token_warn_days 10").exit_code == 0
    assert (isolated_env / "config.toml").is_symlink() and "token_warn_days" in (real_dir / "config.toml").read_text()
    sandbox.clock.advance(3600 * 2)  # the next QuickBooks call refreshes and rewrites the token file
    result = run_cli("diagnose")
    _one_line_error(result)
    assert store_file.is_symlink(), "the refresh replaced the link with a file"
    assert (real_dir / "demo.tokens.json").read_text().count("refresh_token") == 1
