"""Under QuickBooks timeouts-after-commit, no sequence of ``qbsync retry`` calls creates a duplicate.

Suprata's own automatic retry after a timeout sends a new requestid (that is how the demo's INV-1242 got
its copy), so the sandbox's engine is never ticked here: every push comes from a retry qbsync asked for.
"""

from __future__ import annotations

import random

import pytest
from retry_kit import rows

SCENARIOS = ("p7-throttled", "p5-connection", "demo")


def test_an_uncertain_outcome_is_looked_up_and_never_resent(company) -> None:
    co = company("p7-throttled")
    co.sb.qbo_faults.timeout_after_commit("Invoice", 1)
    code, env = co.json("INV-1005 --yes")
    out = rows(env)["INV-1005"]["outcome"]
    assert code == 1 and env["status"] == "error"
    assert out["status"] == "uncertain" and out["in_quickbooks"] is True and out["qbo_id"]
    assert out["next_step"] == "qbsync trace INV-1005"
    assert co.invoices_per_doc_number()["INV-1005"] == 1

    before = co.retry_requests
    # Classified again with fresh evidence, it is a P6 now (QuickBooks holds it, Suprata has no link).
    code, env = co.json("--pattern P7 --yes --force")
    assert "INV-1005" not in rows(env)
    for args in ("INV-1005 --yes", "INV-1005 --yes --force", "--all-safe --yes", "--pattern P6 --yes --force"):
        code, env = co.json(args)
        row = rows(env).get("INV-1005")
        assert row is not None and row["decision"] == "refuse", args
        assert row["code"] == "already_in_quickbooks" and "link" in row["fix_first"].lower()
        assert row["next_command"] == "qbsync trace INV-1005"
    assert co.invoices_per_doc_number()["INV-1005"] == 1
    assert co.retry_requests - before == 3  # the other three P7 invoices went out once, with --all-safe


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_many_rounds_of_retries_under_timeouts_after_commit_never_duplicate(company, scenario: str) -> None:
    co = company(scenario)
    rng = random.Random(f"no-duplicates-{scenario}")
    baseline = co.invoices_per_doc_number()
    invoices = sorted(
        {a.record_number for a in co.services().suprata.attempts(latest=True, outcome="failed")}
        & {i.number for i in co.sb.suprata_store.invoices.values()}
    )
    commands = ["--all-safe --yes", "--all-safe --yes --force", "--pattern P7 --yes", "--pattern P5 --yes --force"]
    sent = uncertain = 0
    for _ in range(30):
        injected = rng.choice([0, 1, 1, 2, 3])
        if injected:
            co.sb.qbo_faults.timeout_after_commit("Invoice", injected)
        pick = rng.random()
        if pick < 0.5 and invoices:
            refs = " ".join(rng.sample(invoices, k=min(len(invoices), rng.randint(1, 3))))
            args = f"{refs} --yes" + (" --force" if rng.random() < 0.5 else "")
        else:
            args = rng.choice(commands)
        if rng.random() < 0.2:
            args += " --no-wait"
        code, env = co.json(args)
        assert code in (0, 1), (args, env.get("errors"))
        for r in env["data"].get("records", []):
            sent += r["sent"] is not None
            uncertain += bool(r["outcome"] and r["outcome"]["status"] == "uncertain")
        now = co.invoices_per_doc_number()
        grown = {n: (baseline.get(n, 0), c) for n, c in now.items() if c > max(1, baseline.get(n, 0))}
        assert not grown, (args, grown)
    assert sent > 0
    if scenario != "demo":
        assert uncertain > 0  # the injected timeouts really hit qbsync's retries
