"""``qbsync trace`` on the demo company: each planted balance mismatch gets the right verdict, and a healthy
invoice says both sides agree. The scenario's ``expected`` section is read here only, never by product code."""

from __future__ import annotations

from decimal import Decimal

from clihelp import run_cli
from qbsync.sandbox.catalog import load_builtin
from qbsync.tracing import exit_code_for


def _p6_records(name: str = "demo") -> list[str]:
    expected = load_builtin(name).expected
    data = expected.model_dump() if hasattr(expected, "model_dump") else expected
    return [r for cause in data["root_causes"] if cause["pattern"] == "P6" for r in cause["records"]]


def test_every_planted_p6_record_is_traced_as_differing(demo) -> None:
    records = _p6_records()
    assert {"INV-1238", "INV-1245", "INV-1250"} <= set(records)
    for number in records:
        result = demo.trace(number)
        assert not result.verdict.agree, number
        assert int(exit_code_for(result)) == 2
        assert all(f.pattern == "P6" for f in result.findings), (number, [f.kind for f in result.findings])


def test_duplicate_from_timeout_after_commit(demo) -> None:
    result = demo.trace("INV-1238")
    linked = demo.qbo_id("invoice", "INV-1238")
    [finding] = result.findings
    assert finding.kind == "duplicate"
    copies = [q for q in result.qbo_invoices if not q.linked]
    assert len(copies) == 1 and copies[0].found_by == "DocNumber"
    copy = copies[0].id
    assert copy != linked
    says = result.verdict.headline
    assert f"numbered INV-1238 (ids {min(copy, linked, key=int)} and {max(copy, linked, key=int)}" in says
    assert f"Suprata links {linked}" in says
    assert "timed out" in says and "attempt 1" in says
    fix = " ".join(result.verdict.fix)
    assert f"Void invoice {copy} in QuickBooks" in fix and "do not delete" in fix and "re-run" in fix
    assert linked not in fix.split("Void ")[1].split(" in QuickBooks")[0]  # never the linked one
    assert finding.amount == -copies[0].total
    # the merged timeline shows the timed-out push, the copy it left, then the retry and its invoice
    whats = [e.what for e in result.timeline]
    timed_out = next(i for i, w in enumerate(whats) if "timed out" in w)
    created_copy = next(i for i, w in enumerate(whats) if f"invoice {copy} created" in w)
    retried = next(i for i, w in enumerate(whats) if "attempt 2" in w)
    assert timed_out < retried and created_copy < retried


def test_payment_entered_directly_in_quickbooks(demo) -> None:
    result = demo.trace("INV-1245")
    [finding] = result.findings
    assert finding.kind == "payment_only_in_qbo"
    direct = [p for p in result.qbo_payments if p.suprata_number is None]
    assert len(direct) == 1
    assert direct[0].reference == "ck 5521"
    assert f"QuickBooks payment {direct[0].id}" in finding.says and "entered directly in QuickBooks" in finding.says
    assert any("mark it synced" in step for step in finding.fix)
    assert any(f"Do not delete QuickBooks payment {direct[0].id}" in step for step in finding.fix)
    balance = next(d for d in result.differences if d.field == "balance")
    assert balance.suprata == "$174.07" and balance.quickbooks == "$0.00"
    assert finding.amount == Decimal("174.07")


def test_invoice_deleted_in_quickbooks_and_its_payment_failed(demo) -> None:
    result = demo.trace("INV-1250")
    [finding] = result.findings
    assert finding.kind == "deleted_in_qbo"
    assert "deleted directly in QuickBooks" in finding.says and "PMT-2213" in finding.says and "610" in finding.says
    [q] = result.qbo_invoices
    assert q.status == "deleted" and q.deleted_at is not None
    steps = " ".join(result.verdict.fix)
    assert "re-creates INV-1250 by hand" in steps and "PMT-2213" in steps and "Do not remove the Suprata" in steps

    payment = demo.trace("PMT-2213")
    [pf] = payment.findings
    assert pf.kind == "payment_missing_in_qbo"
    assert "INV-1250" in pf.says and "deleted directly in QuickBooks" in pf.says
    assert any("do not remove the Suprata one" in s for s in pf.fix)
    assert any("against that new invoice" in s for s in pf.fix)
    assert payment.payments[0].attempts[-1].error_code == "610"


def test_a_healthy_invoice_and_payment_agree(demo) -> None:
    result = demo.trace("INV-1001")
    assert result.verdict.agree and result.findings == [] and result.differences == []
    assert result.verdict.headline.startswith("Both sides agree")
    assert int(exit_code_for(result)) == 0
    assert demo.trace("PMT-2194").verdict.agree  # the payment of the duplicated invoice went to the linked copy


def test_edited_in_both_systems_names_each_difference(demo) -> None:
    result = demo.trace("INV-1255")
    fields = {d.field for d in result.differences}
    assert {"lines", "total", "tax"} <= fields
    lines = next(d for d in result.differences if d.field == "lines")
    assert "only in Suprata" in lines.says and "Furnace Filter" in lines.says
    # Suprata's last change failed (5010): the diagnosis's answer for it comes first, then the differences.
    assert result.findings[0].kind == "change_failed"
    differs = next(f for f in result.findings if f.kind == "differs")
    assert "after Suprata's last sync" in differs.says


def test_demo_customers_balances_are_fully_explained(demo) -> None:
    for number in ("C-1002", "C-1003", "C-1004"):
        result = demo.trace(customer=number)
        assert result.items, number
        assert result.unexplained == 0, (number, result.notes)
        assert sum(i.amount for i in result.items) == result.difference
        assert result.suprata_balance - result.qbo_balance == result.difference
    kinds = {i.kind for i in demo.trace(customer="C-1003").items}
    assert kinds == {"duplicate"}
    assert {i.kind for i in demo.trace(customer="Old Town Brewing Co").items} == {"payment_only_in_qbo"}
    stove = {i.record: i.kind for i in demo.trace(customer="C-1004").items}
    assert stove["INV-1250"] == "deleted_in_qbo" and stove["PMT-2213"] == "payment_missing_in_qbo"


def test_cli_exit_codes_and_json_envelope() -> None:
    ok = run_cli("trace INV-1001 --demo --json")
    assert ok.exit_code == 0
    envelope = ok.json()
    assert envelope["command"] == "trace" and envelope["status"] == "ok"
    assert envelope["data"]["verdict"]["agree"] is True
    assert envelope["data"]["invoice"]["number"] == "INV-1001"

    human = run_cli("trace INV-1238 --demo")  # one screen: the verdict, the next step, each side in a line
    assert human.exit_code == 2
    assert "The two sides differ." in human.stdout and "\n    qbsync trace INV-1238 --details\n" in human.stdout
    assert "Timeline" not in human.stdout and "Traceback" not in human.stderr
    full = run_cli("trace INV-1238 --demo --details")
    assert full.exit_code == 2
    assert (
        "both $201.96" in " ".join(full.stdout.split()) and "Timeline" in full.stdout and "Side by side" in full.stdout
    )


def test_trace_is_read_only(demo) -> None:
    sandbox = demo.sandbox
    before = sandbox.stats()
    demo.trace("INV-1238")
    demo.trace(customer="C-1004")
    after = sandbox.stats()
    new = after["qbo"]["total"] - before["qbo"]["total"]
    assert 0 < new < 40
    # POST /query and POST /batch (qbsync's batch carries queries only: QboClient.batch) read, never write.
    reads = ("/query", "/batch")
    writes = [e for e in after["qbo"]["log"][-new:] if e["method"] != "GET" and not e["path"].endswith(reads)]
    assert writes == []
    assert after["suprata"]["attempts"] == before["suprata"]["attempts"]


def test_json_data_of_a_difference_serialises_money_and_times(demo) -> None:
    from qbsync.result import Outcome

    result = demo.trace("INV-1238")
    data = Outcome("trace", exit_code_for(result), result).envelope().model_dump(mode="json")
    assert data["exit_code"] == 2 and data["status"] == "critical"
    finding = data["data"]["findings"][0]
    assert finding["kind"] == "duplicate" and finding["amount"] == -201.96
    assert data["data"]["timeline"][0]["at"].endswith("Z")


def test_the_p6_scenario_records_differ_too(scenario_company) -> None:
    company = scenario_company("p6-duplicate")
    for number in _p6_records("p6-duplicate"):
        result = company.trace(number)
        assert not result.verdict.agree and result.findings, number
    kinds = {f.kind for n in ("INV-1005", "INV-1004", "INV-1002") for f in company.trace(n).findings}
    assert kinds == {"duplicate", "payment_only_in_qbo", "deleted_in_qbo"}
