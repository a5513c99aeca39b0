"""The emulated Suprata API against docs/suprata-api.md and the OpenAPI file generated from the models."""

from __future__ import annotations

import pytest
from _fixtures import fresh, shared, suprata_client, validate_against_spec


@pytest.fixture(scope="module")
def demo_api():
    sandbox = shared("demo")
    with suprata_client(sandbox) as client:
        yield sandbox, client


def _all_pages(client, path, **params):
    rows, cursor, pages = [], None, 0
    while True:
        resp = client.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        rows.extend(body["data"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return rows, pages


def test_missing_or_wrong_key_is_401_with_the_error_shape():
    sandbox = shared("healthy")
    for key in ("", "sk_wrong"):
        with suprata_client(sandbox, api_key=key) as client:
            resp = client.get("/account")
            assert resp.status_code == 401
            assert resp.json()["error"] == "unauthorized"
            validate_against_spec("/account", "get", resp)


def test_every_endpoint_answers_as_the_spec_says(demo_api):
    sandbox, client = demo_api
    store = sandbox.suprata_store
    inv = next(iter(store.invoices.values()))
    pay = next(iter(store.payments.values()))
    cus = next(iter(store.customers.values()))
    itm = next(iter(store.items.values()))
    calls = [
        ("/account", "/account", {}),
        ("/quickbooks/connection", "/quickbooks/connection", {}),
        ("/sync/attempts", "/sync/attempts", {"limit": 500}),
        ("/sync/attempts", "/sync/attempts", {"latest": "true", "outcome": "failed", "limit": 500}),
        ("/customers", "/customers", {"limit": 500}),
        ("/customers/{id}", f"/customers/{cus.id}", {}),
        ("/items", "/items", {}),
        ("/items/{id}", f"/items/{itm.id}", {}),
        ("/invoices", "/invoices", {"limit": 500}),
        ("/invoices/{id}", f"/invoices/{inv.id}", {}),
        ("/payments", "/payments", {"limit": 500}),
        ("/payments/{id}", f"/payments/{pay.id}", {}),
        ("/tax-categories", "/tax-categories", {}),
        ("/customers/{id}", "/customers/cus_nope", {}),
        ("/invoices", "/invoices", {"limit": 0}),
        ("/sync/attempts", "/sync/attempts", {"cursor": "not-a-cursor"}),
        ("/sync/attempts", "/sync/attempts", {"since": "yesterday"}),
    ]
    for template, path, params in calls:
        validate_against_spec(template, "get", client.get(path, params=params))


def test_cursor_paging_walks_every_row_once(demo_api):
    sandbox, client = demo_api
    rows, pages = _all_pages(client, "/invoices", limit=50)
    assert [r["id"] for r in rows] == list(sandbox.suprata_store.invoices)
    assert pages == -(-len(rows) // 50)
    attempts, _ = _all_pages(client, "/sync/attempts", limit=500)
    assert len(attempts) == len(sandbox.suprata_store.attempts)
    assert attempts == sorted(attempts, key=lambda a: a["attempted_at"])  # oldest first


def test_bulk_fetch_by_ids_and_numbers(demo_api):
    sandbox, client = demo_api
    invoices = list(sandbox.suprata_store.invoices.values())[:3]
    by_number = client.get("/invoices", params={"numbers": ",".join(i.number for i in invoices)}).json()["data"]
    assert [r["number"] for r in by_number] == [i.number for i in invoices]
    by_id = client.get("/invoices", params={"ids": f"{invoices[0].id},inv_missing"}).json()["data"]
    assert [r["id"] for r in by_id] == [invoices[0].id]
    too_many = client.get("/customers", params={"ids": ",".join(f"c{i}" for i in range(501))})
    assert too_many.status_code == 400
    skus = client.get("/items", params={"skus": "SVC-WHF"}).json()["data"]
    assert skus[0]["qbo"]["state"] == "failed" and skus[0]["qbo"]["qbo_id"] is None


def test_latest_true_gives_the_current_red_marks(demo_api):
    sandbox, client = demo_api
    rows, _ = _all_pages(client, "/sync/attempts", latest="true", outcome="failed", limit=500)
    red = [r for t in ("customer", "item", "invoice", "payment") for r in sandbox.suprata_store.table(t).values()
           if r.sync.state in ("failed", "pending")]  # fmt: skip
    assert {(r["record_type"], r["record_id"]) for r in rows} == {(r.record_type, r.id) for r in red}
    assert len({(r["record_type"], r["record_id"]) for r in rows}) == len(rows)


def test_filters(demo_api):
    sandbox, client = demo_api
    inv = next(i for i in sandbox.suprata_store.invoices.values() if i.sync.state == "failed")
    rows = client.get("/sync/attempts", params={"record_type": "invoice", "record_id": inv.id}).json()["data"]
    assert rows and all(r["record_id"] == inv.id for r in rows)
    failed = client.get("/invoices", params={"sync_state": "failed", "limit": 500}).json()["data"]
    assert inv.id in {r["id"] for r in failed} and all(r["qbo"]["state"] == "failed" for r in failed)
    mine = client.get("/invoices", params={"customer_id": inv.customer_id, "limit": 500}).json()["data"]
    assert mine and all(r["customer_id"] == inv.customer_id for r in mine)
    q = client.get("/customers", params={"q": "front range"}).json()["data"]
    assert [c["display_name"] for c in q] == ["Front Range Electric"]
    since = client.get("/sync/attempts", params={"since": "2026-11-24T00:00:00Z", "limit": 500}).json()["data"]
    assert since and all(r["attempted_at"] >= "2026-11-24T00:00:00" for r in since)
    pay = next(iter(sandbox.suprata_store.payments.values()))
    by_invoice = client.get("/payments", params={"invoice_id": pay.applied[0][0]}).json()["data"]
    assert pay.id in {p["id"] for p in by_invoice}
    assert client.get("/sync/attempts", params={"outcome": "maybe"}).status_code == 400


def test_tax_categories_show_the_missing_wyoming_mapping(demo_api):
    _, client = demo_api
    cats = client.get("/tax-categories").json()["data"]
    mappings = {m["state"]: m["qbo_tax_code_id"] for m in cats[0]["mappings"]}
    assert mappings["CO"] is not None and mappings["WY"] is None


def test_retry_is_idempotent_and_runs_on_first_poll():
    sandbox = fresh("p5-connection")  # failed in the lapsed window, connection since restored
    inv = sandbox.suprata_store.by_number("invoice", "INV-1006")
    before = len(sandbox.suprata_store.attempts)
    with suprata_client(sandbox) as client:
        body = {"record_type": "invoice", "record_id": inv.id}
        first = client.post("/sync/retries", json=body, headers={"Idempotency-Key": "k-1"})
        assert first.status_code == 202 and first.json()["status"] == "queued"
        validate_against_spec("/sync/retries", "post", first)
        again = client.post("/sync/retries", json=body, headers={"Idempotency-Key": "k-1"})
        assert again.json()["id"] == first.json()["id"]
        assert len(sandbox.suprata_store.attempts) == before  # queued, nothing pushed yet
        polled = client.get(f"/sync/retries/{first.json()['id']}")
        validate_against_spec("/sync/retries/{id}", "get", polled)
        result = polled.json()
        assert result["status"] == "succeeded"
        assert result["attempt"]["trigger"] == "api_retry" and result["attempt"]["outcome"] == "succeeded"
        third = client.post("/sync/retries", json=body, headers={"Idempotency-Key": "k-1"})
        assert third.json()["status"] == "succeeded"
        client.get(f"/sync/retries/{first.json()['id']}")
    assert len(sandbox.suprata_store.attempts) == before + 1  # one push, however often asked
    assert inv.sync.state == "synced"


def test_retry_request_errors():
    sandbox = fresh("healthy")
    with suprata_client(sandbox) as client:
        body = {"record_type": "invoice", "record_id": "inv_1001"}
        no_key = client.post("/sync/retries", json=body)
        assert no_key.status_code == 400
        validate_against_spec("/sync/retries", "post", no_key)
        bad = client.post("/sync/retries", json={"record_type": "estimate"}, headers={"Idempotency-Key": "a"})
        assert bad.status_code == 422
        validate_against_spec("/sync/retries", "post", bad)
        missing = client.post("/sync/retries", json={"record_type": "invoice", "record_id": "inv_9"}, headers={"Idempotency-Key": "b"})  # fmt: skip
        assert missing.status_code == 404
        client.post("/sync/retries", json=body, headers={"Idempotency-Key": "c"})
        reuse = client.post("/sync/retries", json={**body, "record_id": "inv_1002"}, headers={"Idempotency-Key": "c"})
        assert reuse.status_code == 422
        assert client.get("/sync/retries/rtr_nope").status_code == 404


def test_queued_retry_runs_on_the_engines_next_tick():
    sandbox = fresh("p5-connection")
    inv = sandbox.suprata_store.by_number("invoice", "INV-1005")
    with suprata_client(sandbox) as client:
        created = client.post(
            "/sync/retries", json={"record_type": "invoice", "record_id": inv.id}, headers={"Idempotency-Key": "t"}
        ).json()
        sandbox.tick()
        assert sandbox.suprata_store.retries[created["id"]].status == "succeeded"
        assert client.get(f"/sync/retries/{created['id']}").json()["attempt"]["outcome"] == "succeeded"


def test_connection_shows_suprata_state_not_tokens():
    sandbox = shared("p5-connection")
    with suprata_client(sandbox) as client:
        conn = client.get("/quickbooks/connection").json()
    assert conn["status"] == "connected" and conn["realm_id"] == sandbox.realm_id
    assert conn["connected_at"].startswith("2026-10-29")
    assert "access_token" not in conn and "refresh_token" not in conn


def test_paging_the_log_filters_it_once_per_query_and_sees_new_attempts():
    sandbox = fresh("demo")
    service = sandbox.suprata
    with suprata_client(sandbox) as client:
        rows, pages = _all_pages(client, "/sync/attempts", outcome="failed", limit=5)
        assert pages > 2
        assert len(service._attempt_views) == 1  # every page of the query read the one filtered view
        expected = [a.id for a in sandbox.suprata_store.attempts if a.outcome == "failed"]
        assert [r["id"] for r in rows] == expected
        failed = next(a for a in sandbox.suprata_store.attempts if a.outcome == "failed")
        sandbox.suprata_store.attempts.append(failed.model_copy(update={"id": "att_9999999", "attempt": 99}))
        again, _ = _all_pages(client, "/sync/attempts", outcome="failed", limit=500)
        assert [r["id"] for r in again] == [*expected, "att_9999999"]  # a grown log is a new view


def test_attempts_of_these_records_and_of_one_error_kind(demo_api):
    sandbox, client = demo_api
    log = sandbox.suprata_store.attempts
    some = sorted({a.record_id for a in log if a.outcome == "failed"})[:3]
    rows, _ = _all_pages(client, "/sync/attempts", record_ids=",".join(some), outcome="failed", limit=500)
    assert [r["id"] for r in rows] == [a.id for a in log if a.record_id in some and a.outcome == "failed"]
    kinds = {a.error.kind for a in log if a.error is not None}
    for kind in kinds:
        rows, _ = _all_pages(client, "/sync/attempts", error_kind=kind, limit=500)
        assert [r["id"] for r in rows] == [a.id for a in log if a.error is not None and a.error.kind == kind]
    assert client.get("/sync/attempts", params={"error_kind": "bogus"}).status_code == 400
    validate_against_spec("/sync/attempts", "get", client.get("/sync/attempts", params={"record_ids": some[0]}))


def test_records_not_in_quickbooks_dated_within_days():
    """``unsynced=true`` with ``txn_date_from``/``txn_date_to``: the batch qbsync preflight reads."""
    sandbox = shared("year-end-batch")
    with suprata_client(sandbox) as client:
        rows, _ = _all_pages(client, "/invoices", unsynced="true", limit=10)
        assert len(rows) == 40 and all(r["qbo"]["state"] != "synced" for r in rows)
        december = client.get(
            "/invoices", params={"unsynced": "true", "txn_date_from": "2026-12-01", "txn_date_to": "2026-12-31"}
        )
        validate_against_spec("/invoices", "get", december)
        dates = [r["txn_date"] for r in december.json()["data"]]
        assert dates and all("2026-12-01" <= d <= "2026-12-31" for d in dates) and len(dates) == 31
        payments = client.get("/payments", params={"unsynced": "true", "txn_date_from": "2026-12-01"}).json()["data"]
        assert sorted(p["number"] for p in payments) == ["PMT-2101", "PMT-2103", "PMT-2104", "PMT-2105"]
        bad = client.get("/invoices", params={"txn_date_from": "December"})
        assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"
        assert client.get("/invoices", params={"unsynced": "maybe"}).status_code == 400


def test_the_log_summary_counts_the_log_as_it_stands():
    """``GET /sync/attempts/summary``: what the list would hold with the same filters, counted by outcome, error
    kind and HTTP status (newest each), and the log's last success; worked out from the log, so a push added
    later is in the next answer."""
    from collections import Counter

    sandbox = fresh("p7-throttled")
    log = sandbox.suprata_store.attempts
    with suprata_client(sandbox) as client:
        since = "2026-11-24T00:00:00Z"
        resp = client.get("/sync/attempts/summary", params={"outcome": "failed", "since": since})
        validate_against_spec("/sync/attempts/summary", "get", resp)
        body = resp.json()
        listed, _ = _all_pages(client, "/sync/attempts", outcome="failed", since=since, limit=500)
        assert body["count"] == len(listed) > 0
        assert body["newest_attempted_at"] == max(r["attempted_at"] for r in listed)
        by_group = Counter(
            (r["outcome"], (r["error"] or {}).get("kind"), (r["error"] or {}).get("http_status")) for r in listed
        )
        assert {(g["outcome"], g["error_kind"], g["http_status"]): g["count"] for g in body["groups"]} == by_group
        for g in body["groups"]:
            same = [r for r in listed if ((r["error"] or {}).get("kind"), (r["error"] or {}).get("http_status"))
                    == (g["error_kind"], g["http_status"])]  # fmt: skip
            assert g["newest_attempted_at"] == max(r["attempted_at"] for r in same)
        newest_success = max(a.attempted_at for a in log if a.outcome == "succeeded")
        assert body["last_succeeded_at"] == newest_success.strftime("%Y-%m-%dT%H:%M:%SZ")  # the whole log's

        late = next(a for a in log if a.outcome == "failed" and a.error is not None and a.error.http_status == 429)
        when = sandbox.clock.now()
        log.append(late.model_copy(update={"id": "att_9999999", "attempt": 99, "attempted_at": when}))
        log.append(late.model_copy(update={"id": "att_9999998", "outcome": "succeeded", "error": None,
                                           "attempted_at": when}))  # fmt: skip
        again = client.get("/sync/attempts/summary", params={"outcome": "failed", "since": since}).json()
        assert again["count"] == body["count"] + 1
        assert again["last_succeeded_at"] == when.strftime("%Y-%m-%dT%H:%M:%SZ")
        empty = client.get("/sync/attempts/summary", params={"since": "2099-01-01T00:00:00Z"}).json()
        assert empty["count"] == 0 and empty["groups"] == [] and empty["newest_attempted_at"] is None
        assert client.get("/sync/attempts/summary", params={"outcome": "maybe"}).status_code == 400


def test_customers_and_items_not_in_quickbooks_in_one_list():
    """``unsynced=true`` on customers and items: every state but synced, in Suprata's order (the look-ahead)."""
    sandbox = shared("scale-300-60")
    store = sandbox.suprata_store
    with suprata_client(sandbox) as client:
        for path, table in (("/customers", store.customers), ("/items", store.items)):
            resp = client.get(path, params={"unsynced": "true", "limit": 500})
            validate_against_spec(path, "get", resp)
            ids = [r["id"] for r in resp.json()["data"]]
            assert ids == [r.id for r in table.values() if r.sync.state != "synced"] and ids
