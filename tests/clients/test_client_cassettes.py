"""Interactions recorded from the emulator over loopback HTTP, replayed from cassettes/ (no server needed).

Re-record with ``pytest --record-mode=rewrite tests/clients/test_client_cassettes.py`` (docs/testing.md).
In replay mode (the default) requests go to a dead loopback port and vcrpy answers them.
"""

from __future__ import annotations

import contextlib
import json
import re

import pytest
from clients_testkit import CASSETTES, REALM, START, QboEnv

from qbsync.clients import query as q
from qbsync.clients.errors import QboApiError, Unauthorized
from qbsync.clients.http import HttpClient
from qbsync.clients.suprata import SupraClient, emulator_base
from qbsync.sandbox.server import SandboxServer

REPLAY_BASE = "http://127.0.0.1:9"  # the scrubbed form of any loopback base; nothing listens there


@contextlib.contextmanager
def served(app, record_mode):
    """A loopback server while recording; the dead replay base otherwise."""
    if record_mode == "none":
        yield REPLAY_BASE
        return
    with SandboxServer(app) as server:
        yield server.base_url


def seeded_qbo(clock):
    env = QboEnv(clock)
    for name in ("Amy's Bird Sanctuary", "Bill's Windsurf Shop", "Cool Cars"):
        env.company.create("Customer", {"DisplayName": name})
    return env


@pytest.mark.vcr
def test_cassette_qbo_reads(clock, record_mode):
    env = seeded_qbo(clock)
    with served(env.app, record_mode) as base:
        client = env.client(base=base)
        rows = client.query(q.select("Customer").order_by("DisplayName"))
        assert [r.display_name for r in rows] == ["Amy's Bird Sanctuary", "Bill's Windsurf Shop", "Cool Cars"]
        assert sorted(client.by_display_names(["Amy's Bird Sanctuary", "Nobody"])) == ["Amy's Bird Sanctuary"]
        assert client.count("Customer") == 3
        assert client.company_info().company_name == "Peak Plumbing"
        results = client.batch([q.select("Customer").eq("DisplayName", "Cool Cars"), "SELECT * FROM Custmoer"])
        assert results[0].ok and results[1].fault.code == "4001"


@pytest.mark.vcr
def test_cassette_qbo_faults(clock, record_mode):
    env = seeded_qbo(clock)
    with served(env.app, record_mode) as base:
        with pytest.raises(QboApiError) as info:
            env.client(base=base).query("SELECT * FROM Custmoer")
        assert info.value.fault.code == "4001"

        env.sandbox.faults.throttle_burst(1, REALM)
        t0 = clock.monotonic()
        assert env.client(base=base).preferences().tax_prefs.using_sales_tax is True
        assert clock.monotonic() - t0 >= 60  # the recorded 429 replays, and the 60-s rule still applies

        env.tokens.expire_all()
        with pytest.raises(Unauthorized) as denied:
            env.client(base=base).company_info()
        assert denied.value.fault.code == "3200" and "REDACTED" in denied.value.fault.detail


@pytest.mark.vcr
def test_cassette_suprata(clock, record_mode):
    from qbsync.clients import suprata_models as m
    from qbsync.sandbox.http import Mount
    from qbsync.sandbox.suprata.api import SuprataService
    from qbsync.sandbox.suprata.store import AccountInfo, CustomerRec, SuprataStore

    store = SuprataStore(AccountInfo(id="acc_1", name="Peak Plumbing", timezone="America/Denver", home_state="CO"))
    for i in range(1, 4):
        store.add(
            CustomerRec(id=f"cus_{i}", number=f"C-{i}", display_name=f"Cust {i}", created_at=START, updated_at=START)
        )
    app = Mount()
    app.mount("/suprata", SuprataService(store, clock, "sk_test_cassette_key_123456"))
    with served(app, record_mode) as base:
        http = HttpClient(clock=clock)
        client = SupraClient(http, "sk_test_cassette_key_123456", base_url=emulator_base(base))
        assert client.account().timezone == "America/Denver"
        assert [c.id for c in client.customers(ids=["cus_3", "cus_1"])] == ["cus_3", "cus_1"]
        retry = client.request_retry("customer", "cus_2", "idem-key-0001")
        assert isinstance(retry, m.RetryRequest) and retry.status == "queued"


# --- the cassettes hold no secrets -------------------------------------------------------------------------

SECRET_PATTERNS = [
    re.compile(r"(?i)bearer\s+(?!REDACTED)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}"),  # JWT-shaped tokens
    re.compile(r'(?i)"(access_token|refresh_token|id_token|client_secret|api_key)"\s*:\s*"(?!REDACTED)[^"]+"'),
    re.compile(r"(?i)[?&](code|refresh_token|access_token|client_secret|api_key)=(?!REDACTED)"),
    re.compile(r"sk_(test|live)_\w+"),
    re.compile(r"(?i)token expired:\s*(?!REDACTED)\S"),
    re.compile(REALM),
]


def test_cassettes_exist_and_hold_no_secrets():
    files = sorted(CASSETTES.glob("*.json"))
    assert {f.stem for f in files} >= {"test_cassette_qbo_reads", "test_cassette_qbo_faults", "test_cassette_suprata"}
    for path in files:
        text = path.read_text(encoding="utf-8")
        for pattern in SECRET_PATTERNS:
            assert not pattern.search(text), f"{path.name}: {pattern.pattern}"
        for interaction in json.loads(text)["interactions"]:
            names = {h.lower() for h in interaction["request"]["headers"]}
            assert not names & {"authorization", "cookie"}, path.name
            assert not {h.lower() for h in interaction["response"]["headers"]} & {"set-cookie", "intuit_tid"}
