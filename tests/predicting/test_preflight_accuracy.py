"""``qbsync preflight`` is checked against what really happens: on every scenario with a batch waiting, predict,
let the sandbox's Suprata push the batch (its own sync engine, against the emulated QuickBooks), then compare
record by record. Predicted failures must equal actual failures, with the same cause, for every record."""

from __future__ import annotations

from pathlib import Path

import pytest
from preflight_kit import RELEASE, actual, batch_scenarios, compare, predicted, release

from clihelp import run_cli
from qbsync.sandbox.app import build_sandbox
from qbsync.services import services_for_sandbox

SCENARIOS = batch_scenarios()


def _run(name: str, tmp_path: Path):
    from dataclasses import asdict

    from qbsync.diagnosis.diagnose import Filters, diagnose
    from qbsync.predicting.predict import preflight
    from qbsync.predicting.selection import Selection

    sandbox = build_sandbox(name)
    services = services_for_sandbox(sandbox, tmp_path)
    before = sandbox.qbo.stats()
    report = asdict(preflight(services, Selection(unsynced=True)))
    writes = [k for k in sandbox.qbo.stats() if k not in before]
    release(sandbox)  # Suprata pushes the batch, as a person releasing it would
    states = {r["number"]: sandbox.suprata_store.by_number(r["record_type"], r["number"]).sync.state
              for r in report["records"] if r["outcome"] != "in_quickbooks"}  # fmt: skip
    after = asdict(diagnose(services_for_sandbox(sandbox, tmp_path), Filters()))
    return report, states, after, writes


def test_there_are_batch_scenarios() -> None:
    assert {"year-end-batch", "first-sync"} <= set(SCENARIOS)


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_predicted_failure_happens_with_the_same_cause(name: str, tmp_path: Path) -> None:
    report, states, after, _ = _run(name, tmp_path)
    accuracy = compare(predicted(report), actual(states, after))
    assert accuracy.failures > 0 and accuracy.records > accuracy.failures  # some fail, some sync: not trivial
    assert accuracy.disagreements == [], accuracy.disagreements
    assert accuracy.share == 1.0


def test_year_end_batch_meets_each_planted_cause(tmp_path: Path) -> None:
    report, states, _, _ = _run("year-end-batch", tmp_path)
    kinds = {r["number"]: r["cause"] for r in report["records"]}
    assert kinds["INV-1101"] == "closed_period" and kinds["INV-1116"] == "customer_name_held"
    assert kinds["INV-1108"] == "tax_unmapped" and kinds["INV-1119"] == "customer_name_held"
    assert kinds["INV-1120"] == "customer_unlinked" and kinds["INV-1121"] == "customer_inactive"
    assert kinds["INV-1123"] == "item_inactive" and kinds["INV-1125"] == "item_unlinked"
    # a Wyoming invoice in November meets the tax gap first (QuickBooks reads the lines before the date)
    assert kinds["INV-1113"] == "tax_unmapped" and "closed_period" in next(
        r["also"] for r in report["records"] if r["number"] == "INV-1113"
    )
    # Wyoming labour only: no taxable line, so no tax code is sent, and it syncs
    assert kinds["INV-1114"] is None and states["INV-1114"] == "synced"
    # a payment in the closed period itself; a payment waiting on an invoice whose item collides
    assert kinds["PMT-2102"] == "closed_period" and states["PMT-2102"] == "failed"
    waits = next(r for r in report["records"] if r["number"] == "PMT-2105")
    assert (waits["cause"], waits["waits_on"], states["PMT-2105"]) == ("item_unlinked", "INV-1125", "pending")
    assert kinds["PMT-2101"] is None and states["PMT-2101"] == "synced"
    s = report["summary"]
    assert (s["records"], s["will_sync"], s["will_fail"]) == (45, 18, 27)
    assert s["headline"].startswith("Of 40 invoices and 5 payments, 18 will sync; ")
    assert "6 WY invoices meeting the tax gap" in s["headline"]
    assert "8 records in the closed period (through 2026-11-30)" in s["headline"]


def test_causes_are_in_diagnose_order_with_diagnose_ids(tmp_path: Path) -> None:
    report, _, after, _ = _run("year-end-batch", tmp_path)
    ids = [c["id"] for c in report["causes"]]
    assert [c["pattern"] for c in report["causes"]] == ["P1"] * 4 + ["P2"] * 2 + ["P4", "P3"]
    assert set(ids) == {c["id"] for c in after["root_causes"]}  # the same root causes, once they fail
    assert [c["step"] for c in report["causes"]] == list(range(1, len(ids) + 1))
    poudre = report["causes"][0]
    assert poudre["blocks"] == {"invoice": 3, "payment": 1}
    # the closed period hiding behind the vendor's name is named in its steps, as diagnose does
    assert any(s.startswith("Also for INV-1118: ") for s in poudre["steps"])
    assert not any(s.startswith("Then retry") for c in report["causes"] for s in c["steps"])  # nothing to retry yet


def test_prediction_reads_quickbooks_in_bulk_and_writes_nothing(tmp_path: Path) -> None:
    report, _, _, writes = _run("year-end-batch", tmp_path)
    assert report["qbo_requests"] is not None and report["qbo_requests"] <= 12
    assert writes == []


@pytest.mark.loopback
def test_accuracy_against_a_served_sandbox_as_a_real_company(isolated_env: Path) -> None:
    """Over 127.0.0.1 with a plain profile (no sandbox object in the process's services): what a real company
    does. The batch is released through the sandbox's admin endpoint, as a person would release it in Suprata."""
    import httpx

    from qbsync.sandbox.app import serve

    server = serve("year-end-batch", port=0)
    try:
        services_for_sandbox(
            server.sandbox, isolated_env / "data", profile="default"
        )  # seeds qbsync's own QuickBooks grant
        lines = ["[profiles.default]", *(f'{k} = "{v}"' for k, v in server.profile().items())]
        (isolated_env / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        env = {"QBSYNC_NOW": server.sandbox.clock.now().isoformat()}
        before = run_cli("preflight --json", env=env)
        assert before.exit_code == 2, before.stdout + before.stderr
        httpx.post(f"{server.base_url}/_sandbox/events", json=RELEASE, timeout=30).raise_for_status()
        after = run_cli("diagnose --json", env=env)
        states = {n: server.sandbox.suprata_store.by_number(t, n).sync.state
                  for t, n in (("invoice" if n.startswith("INV") else "payment", n)
                               for n in (r["number"] for r in before.json()["data"]["records"]))}  # fmt: skip
    finally:
        server.stop()
    assert before.exit_code == 2, before.stderr
    accuracy = compare(predicted(before.json()["data"]), actual(states, after.json()["data"]))
    assert accuracy.disagreements == [] and accuracy.records == 45 and accuracy.failures == 27
