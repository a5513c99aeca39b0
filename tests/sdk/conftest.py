"""python-quickbooks 0.9.12 and intuitlib, unchanged, against ``qbsync sandbox serve`` in its own process.

The only things set for them are what any user of the SDK sets: its base URL (``api_url_v3``), the discovery
URL as intuitlib's ``environment``, and ``OAUTHLIB_INSECURE_TRANSPORT`` so requests-oauthlib accepts plain
http on loopback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from sdk_kit import Served, connect

SCENARIO = "healthy"


@pytest.fixture(scope="package")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``qbsync --json sandbox serve --port 0`` as a child process; its JSON line says where it listens."""
    home = tmp_path_factory.mktemp("qbsync-home")
    env = {**os.environ, "QBSYNC_HOME": str(home), "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "qbsync", "--json", "sandbox", "serve", "--scenario", SCENARIO, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line:
            raise RuntimeError(f"sandbox serve printed nothing: {proc.stderr.read() if proc.stderr else ''}")
        data = json.loads(line)["data"]
        envs = data["environment"]
        yield Served(
            base_url=data["base_url"],
            qbo_base_url=data["qbo_base_url"],
            discovery_url=data["discovery_url"],
            realm_id=envs["QBSYNC_QBO_REALM_ID"],
            client_id=envs["QBSYNC_INTUIT_CLIENT_ID"],
            client_secret=envs["QBSYNC_INTUIT_CLIENT_SECRET"],
            redirect_uri=envs["QBSYNC_REDIRECT_URI"],
        )
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(autouse=True)
def _plain_http_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture(scope="package")
def qb(served: Served) -> Any:
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"  # package scope: set before the per-test monkeypatch
    return connect(served)
