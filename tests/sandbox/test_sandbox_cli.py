"""``qbsync sandbox serve`` answers on the URLs it prints; ``qbsync sandbox scenarios`` lists the built-ins."""

from __future__ import annotations

import threading

import httpx

from clihelp import run_cli
from qbsync.cli._runtime import build_env
from qbsync.sandbox_service import ServingInfo, serve_forever


def test_serve_answers_on_the_printed_urls() -> None:
    env = build_env({"scenario": "healthy"}, command="sandbox")
    ready: list[ServingInfo] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=serve_forever, kwargs={"env": env, "port": 0, "latency_ms": 0, "on_ready": ready.append, "stop": stop}
    )
    thread.start()
    try:
        for _ in range(400):
            if ready:
                break
            stop.wait(0.05)
        info = ready[0]
        assert info.base_url.startswith("http://127.0.0.1:")
        key = info.profile["suprata_api_key"]
        with httpx.Client(trust_env=False, timeout=5) as client:
            conn = client.get(
                f"{info.suprata_base_url}/api/v1/quickbooks/connection", headers={"Authorization": f"Bearer {key}"}
            )
            assert conn.status_code == 200 and conn.json()["status"] == "connected"
            discovery = client.get(info.discovery_url).json()
            assert discovery["token_endpoint"].startswith(info.base_url)
            no_token = client.get(f"{info.qbo_base_url}/v3/company/{info.profile['qbo_realm_id']}/companyinfo/1")
            assert no_token.status_code == 401  # a real QBO answer: the lower-case auth fault
            assert no_token.json()["fault"]["error"][0]["code"] == "3200"
    finally:
        stop.set()
        thread.join(timeout=10)


def test_scenarios_lists_the_builtins() -> None:
    result = run_cli("sandbox scenarios --json")
    names = [s["name"] for s in result.json()["data"]["scenarios"]]
    assert {"demo", "healthy", "p1-customer", "p7-throttled", "unknown", "scale"} <= set(names)


def test_bad_port_is_usage_error() -> None:
    result = run_cli("sandbox serve --port 70000")
    assert result.exit_code == 3 and "--port must be between" in result.stderr
