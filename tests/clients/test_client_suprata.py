"""SupraClient against the in-process Suprata emulator (sandbox/suprata), mounted at /suprata."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from clients_testkit import START, Scripted, json_response

from qbsync.clients import suprata_models as m
from qbsync.clients.errors import SupraApiError, TemporarilyUnavailable, Unauthorized
from qbsync.clients.http import HttpClient, RetryPolicy
from qbsync.clients.suprata import SupraClient, emulator_base
from qbsync.sandbox import IN_PROCESS_BASE
from qbsync.sandbox.http import Mount
from qbsync.sandbox.transport import SandboxTransport

API_KEY = "sk_test_suprata_0123456789abcdef"


class CountingMount:
    """The sandbox mount plus a count of requests per path (the Suprata service has no per-path stats)."""

    def __init__(self, service):
        self.mount = Mount()
        self.mount.mount("/suprata", service)
        self.paths: list[str] = []

    def __call__(self, req):
        self.paths.append(req.path)
        return self.mount(req)


@pytest.fixture
def store():
    from qbsync.sandbox.suprata.store import (
        AccountInfo,
        CustomerRec,
        InvoiceRec,
        LineRec,
        PaymentRec,
        SuprataStore,
    )

    s = SuprataStore(AccountInfo(id="acc_1", name="Peak Plumbing", timezone="America/Denver", home_state="CO"))
    for i in range(1, 1201):
        s.add(
            CustomerRec(
                id=f"cus_{i:05d}",
                number=f"C-{1000 + i}",
                display_name=f"Customer {i}",
                created_at=START,
                updated_at=START,
            )
        )
    for i in range(1, 1101):
        s.add(
            InvoiceRec(
                id=f"inv_{i:05d}",
                number=f"INV-{1000 + i}",
                customer_id=f"cus_{(i % 7) + 1:05d}",
                txn_date=date(2026, 10, 1),
                lines=[LineRec(item_id="itm_00001", quantity=Decimal(1), unit_price=Decimal("125.00"))],
                created_at=START,
                updated_at=START,
            )
        )
    s.add(
        PaymentRec(
            id="pay_00001",
            number="PMT-2001",
            customer_id="cus_00002",
            txn_date=date(2026, 10, 2),
            applied=[("inv_00001", Decimal("125.00"))],
            created_at=START,
            updated_at=START,
        )
    )
    for i in range(1, 8):
        s.attempts.append(
            m.SyncAttempt(
                id=f"att_{i}",
                record_type="invoice",
                record_id=f"inv_{(i % 3) + 1:05d}",
                attempted_at=START + timedelta(minutes=i),
                attempt=i,
                trigger="auto",
                outcome="failed" if i % 2 else "succeeded",
            )
        )
    return s


@pytest.fixture
def app(store, clock):
    from qbsync.sandbox.suprata.api import SuprataService

    return CountingMount(SuprataService(store, clock, API_KEY))


def make(app, clock, rng, key=API_KEY, **kw):
    http = HttpClient(transport=SandboxTransport(app), clock=clock, rng=rng, **kw)
    return SupraClient(http, key, base_url=emulator_base(IN_PROCESS_BASE))


def test_account_connection_and_lists(app, clock, rng):
    client = make(app, clock, rng)
    assert client.account().name == "Peak Plumbing"
    assert client.connection().status == "disconnected"
    app.paths.clear()
    customers = client.customers()
    assert len(customers) == 1200 and customers[0].id == "cus_00001"
    assert app.paths.count("/suprata/api/v1/customers") == 3  # pages of 500


def test_bulk_by_ids_and_numbers_in_chunks_of_500(app, clock, rng):
    client = make(app, clock, rng)
    ids = [f"cus_{i:05d}" for i in range(1, 1201)] + ["cus_99999", "cus_00001"]
    app.paths.clear()
    found = client.customers(ids=ids)
    assert {c.id for c in found} == set(ids) - {"cus_99999"}
    assert len(app.paths) == 3  # 1,201 unique keys: 500 + 500 + 201

    app.paths.clear()
    numbers = [f"INV-{1000 + i}" for i in range(1, 1101)]
    invoices = client.invoices(numbers=numbers)
    assert [i.number for i in invoices] == numbers and invoices[0].total == Decimal("125.00")
    assert len(app.paths) == 3
    assert len(client.invoices(customer_id="cus_00002")) == len([i for i in range(1, 1101) if i % 7 == 1])
    assert client.invoice("inv_00002").lines[0].unit_price == Decimal("125.00")
    assert [p.number for p in client.payments(invoice_id="inv_00001")] == ["PMT-2001"]


def test_attempts_filters_and_latest(app, clock, rng):
    client = make(app, clock, rng)
    assert len(client.attempts()) == 7
    assert {a.outcome for a in client.attempts(outcome="failed")} == {"failed"}
    latest = client.attempts(latest=True)
    assert sorted(a.record_id for a in latest) == ["inv_00001", "inv_00002", "inv_00003"]
    assert [a.id for a in client.attempts(since=START + timedelta(minutes=6))] == ["att_6", "att_7"]


def test_retry_request_is_idempotent_across_transport_retries(store, app, clock, rng):
    flaky = Scripted(json_response({"error": "unavailable", "message": "try later"}, 503), then=app)
    client = make(flaky, clock, rng)
    first = client.request_retry("invoice", "inv_00001", "key-0001")
    again = client.request_retry("invoice", "inv_00001", "key-0001")
    assert first.id == again.id and first.status == "queued"
    assert [r.headers["idempotency-key"] for r in flaky.requests] == ["key-0001"] * 3
    assert len(store.retries) == 1
    assert client.get_retry(first.id).record_id == "inv_00001"


def test_errors_are_typed(app, clock, rng):
    with pytest.raises(Unauthorized) as info:
        make(app, clock, rng, key="wrong-key-123456").account()
    assert "wrong-key" not in str(info.value) and info.value.code == "unauthorized"
    client = make(app, clock, rng)
    with pytest.raises(SupraApiError) as err:
        client.invoice("inv_nope")
    assert (err.value.status, err.value.code) == (404, "not_found")
    with pytest.raises(SupraApiError) as err:
        client.attempts(outcome="maybe")
    assert err.value.code == "invalid_request"

    throttled = Scripted(*[json_response({"error": "rate_limited", "message": "slow"}, 429, retry_after="30")] * 9)
    with pytest.raises(TemporarilyUnavailable) as busy:
        make(throttled, clock, rng, retry=RetryPolicy(max_total_wait=60)).account()
    assert busy.value.retry_after == 30 and isinstance(busy.value.fault, SupraApiError)
    assert busy.value.fault.code == "rate_limited"


class InFlight:
    """The sandbox mount, counting Suprata requests in flight at once (threads hold here a moment)."""

    def __init__(self, inner):
        import threading

        self.inner, self.now, self.peak = inner, 0, 0
        self._lock = threading.Lock()

    def __call__(self, req):
        import time

        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        try:
            time.sleep(0.002)  # a few ms, so chunks sent side by side overlap
            return self.inner(req)
        finally:
            with self._lock:
                self.now -= 1


def test_bulk_chunks_go_side_by_side_but_never_more_than_four_at_once(app, clock, rng):
    from qbsync.clients.suprata import MAX_CONCURRENT

    gauge = InFlight(app)
    client = make(gauge, clock, rng)
    ids = [f"cus_{i:05d}" for i in range(1, 1201)] * 1 + [f"inv_{i}" for i in range(3000)]
    found = client.customers(ids=ids)  # 9 chunks of at most 500 keys
    assert len(found) == 1200 and [c.id for c in found] == [f"cus_{i:05d}" for i in range(1, 1201)]
    assert 1 < gauge.peak <= MAX_CONCURRENT == 4


def test_attempts_of_these_records_and_latest_by_type_in_suprata_order(app, clock, rng, store):
    client = make(app, clock, rng)
    mine = client.attempts_of("invoice", ["inv_00002", "inv_00003"], lambda a: a.id, outcome="failed")
    expected = [a.id for a in store.attempts if a.record_id in ("inv_00002", "inv_00003") and a.outcome == "failed"]
    assert mine == expected
    merged = client.latest_attempts_by_type(lambda a: (a.record_type, a.record_id))
    assert merged == [(a.record_type, a.record_id) for a in client.attempts(latest=True)]
