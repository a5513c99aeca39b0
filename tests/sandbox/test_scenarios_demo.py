"""The demo company holds every pattern, each arising from state, with the counts its ``expected`` states."""

from __future__ import annotations

from _fixtures import (
    blocked_by_cause,
    expected_blocked,
    fingerprint,
    fresh,
    qbo_duplicate_doc_numbers,
    qbo_only_payments,
    shared,
)


def test_demo_contains_all_seven_patterns_and_an_unknown():
    sandbox = shared("demo")
    found = blocked_by_cause(sandbox)
    assert found == expected_blocked(sandbox)
    assert set(found) == {"P1", "P2", "P3", "P4", "P5", "P6", "P7", "unknown"}


def test_demo_p6_state_in_quickbooks_matches_expected():
    sandbox = shared("demo")
    p6 = [c for c in sandbox.scenario.expected.root_causes if c.pattern == "P6"]
    duplicate = next(c for c in p6 if "duplicated" in c.subject).records[0]
    assert qbo_duplicate_doc_numbers(sandbox) == [duplicate]
    paid_in_qbo = next(c for c in p6 if "entered only" in c.subject).records[0]
    [payment] = qbo_only_payments(sandbox)
    assert (
        payment["Line"][0]["LinkedTxn"][0]["TxnId"]
        == sandbox.suprata_store.by_number("invoice", paid_in_qbo).sync.qbo_id
    )


def test_demo_is_a_believable_company():
    sandbox = shared("demo")
    store = sandbox.suprata_store
    assert 40 <= len(store.customers) <= 80 and 250 <= len(store.invoices) <= 450 and len(store.payments) >= 150
    assert {c.state for c in store.customers.values()} == {"CO", "WY"}
    dates = sorted(i.txn_date for i in store.invoices.values())
    assert (dates[-1] - dates[0]).days > 150
    assert sandbox.clock.now() == sandbox.scenario.clock.now
    assert store.connection.status == "connected"
    assert sandbox.oauth.refresh_token_state(sandbox.qbsync_tokens.refresh_token) == "valid"


def test_same_scenario_and_seed_give_the_same_data_and_failures():
    assert fingerprint(fresh("demo")) == fingerprint(shared("demo"))
    assert fingerprint(fresh("p6-duplicate")) == fingerprint(fresh("p6-duplicate"))
