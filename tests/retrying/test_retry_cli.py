"""``qbsync retry`` against the in-process sandbox, as a user runs it (no timed tests: a VirtualClock)."""

from __future__ import annotations

from retry_kit import rows

from qbsync.retrying.history import RetryHistory


def demo_numbers() -> dict[str, str]:
    """The demo's planted record numbers, from its ``expected`` section (the numbers move when the demo does)."""
    from qbsync.sandbox.catalog import load_builtin

    causes = load_builtin("demo").expected.model_dump()["root_causes"]

    def records(pattern: str, subject: str) -> list[str]:
        return next(c["records"] for c in causes if c["pattern"] == pattern and subject in c["subject"])

    vendor = records("P1", "Front Range Electric")
    invoices = sorted(n for n in vendor if n.startswith("INV-"))
    deleted = records("P6", "deleted")
    return {
        "vendor_customer": next(n for n in vendor if n.startswith("C-")),
        "vendor_invoice_open": invoices[-1],  # dated after the books close
        "vendor_invoice_closed": invoices[0],  # dated in the closed period
        "inactive_invoice": records("P1", "Ben Albright")[0],
        "closed_invoice": records("P3", "2026-10-31")[0],
        "stale_invoice": records("unknown", "edited")[0],
        "deleted_payment": next(n for n in deleted if n.startswith("PMT-")),
        "item": next(n for n in records("P2", "Water Heater Flush") if not n.startswith("INV-")),
    }


def test_all_safe_on_demo_retries_the_transient_failures_only_and_they_clear(company) -> None:
    co = company("demo")
    close = co.sb.qbo_company.book_close_date
    transient = set(co.expected("P7")) | set(co.expected("P5"))

    def dated_in_closed_period(number: str) -> bool:
        rec = co.record("invoice" if number.startswith("INV") else "payment", number)
        return close is not None and rec.txn_date <= close

    def meets_tax_gap(number: str) -> bool:  # a second cause hiding behind the transient one
        if not number.startswith("INV"):
            return False
        rec = co.record("invoice", number)
        category = co.sb.suprata_store.tax_categories.get(rec.tax_category_id or "")
        return category is not None and category.mapped_code(rec.service_state) is None

    sendable = {n for n in transient if not dated_in_closed_period(n) and not meets_tax_gap(n)}
    before = co.retry_requests
    code, env = co.json("--all-safe --yes")
    by = rows(env)

    sent = {n for n, r in by.items() if r["sent"] is not None}
    assert sent == sendable and sent  # the P7s always; P5s only where the period is still open
    assert co.retry_requests - before == len(sendable)
    assert all(by[n]["outcome"]["status"] == "succeeded" for n in sent)
    # The transient ones went through; the others were refused (their cause is still there): docs/cli.md
    # says an action exits 1 when anything was refused, and the status says it partly succeeded.
    assert code == 1 and env["status"] == "partial"
    for n in sent:
        assert co.record("invoice" if n.startswith("INV") else "payment", n).sync.state == "synced"
    assert not (co.failing() & sent)
    # Transient failures with a second cause behind them (6210, a tax gap) are refused, saying why.
    for n in transient - sendable:
        assert by[n]["decision"] == "refuse"
        assert "books-close date" in by[n]["reason"] or "tax code" in by[n]["reason"], by[n]["reason"]
    # Nothing whose cause is still there was sent.
    d = demo_numbers()
    for key in (
        "vendor_customer",
        "item",
        "inactive_invoice",
        "closed_invoice",
        "stale_invoice",
        "deleted_payment",
        "vendor_invoice_open",
    ):
        n = d[key]
        assert by[n]["decision"] == "refuse" and by[n]["sent"] is None, n
    assert by[d["deleted_payment"]]["next_command"] == f"qbsync trace {d['deleted_payment']}"


def test_p5_and_p7_scenarios_clear_completely(company) -> None:
    for name, pattern in (("p5-connection", "P5"), ("p7-throttled", "P7")):
        co = company(name)
        planted = set(co.expected(pattern))
        code, env = co.json("--all-safe --yes")
        assert "records" in env["data"], (name, env["errors"])
        by = rows(env)
        assert {n for n, r in by.items() if r["outcome"] and r["outcome"]["status"] == "succeeded"} == planted
        assert code == 0, (name, env["data"]["summary"])
        assert not co.failing(), name
        # A second run finds nothing to do.
        code, env = co.json("--all-safe --yes")
        assert code == 0 and env["data"]["summary"]["to_send"] == 0


def test_an_invoice_whose_customer_collides_is_refused_with_the_fix(company) -> None:
    co = company("demo")
    d = demo_numbers()
    inv_no, cust_no = d["vendor_invoice_open"], d["vendor_customer"]
    before = co.retry_requests
    code, env = co.json(f"{inv_no} --yes")
    assert code == 1 and env["status"] == "error"
    by = rows(env)
    inv, customer = by[f"{inv_no}"], by[cust_no]
    assert inv["decision"] == "refuse" and inv["code"] == "waits_for"
    assert customer["role"] == "dependency" and customer["decision"] == "refuse"
    assert customer["code"] == "cause_present" and "vendor" in customer["reason"]
    assert "Rename the QuickBooks vendor 'Front Range Electric'" in inv["fix_first"]
    assert env["errors"][0]["code"] == "refused" and "Rename the QuickBooks vendor" in env["errors"][0]["hint"]
    assert co.retry_requests == before

    human = co.cli(f"{inv_no} --yes")
    assert human.exit_code == 1
    assert "Rename the QuickBooks vendor 'Front Range Electric'" in human.stdout


def test_after_fixing_the_collision_the_customer_then_the_invoice_succeed(company) -> None:
    co = company("demo")
    d = demo_numbers()
    inv_no, cust_no, closed_no = d["vendor_invoice_open"], d["vendor_customer"], d["vendor_invoice_closed"]
    co.sb.apply_event(
        {
            "type": "qbo_renamed",
            "entity": "Vendor",
            "key": "Front Range Electric",
            "new_name": "Front Range Electric (Vendor)",
        }
    )
    code, env = co.json(f"{inv_no} --yes")
    by = rows(env)
    assert code == 0, env["data"]["records"]
    assert by[cust_no]["decision"] == "retry" and by[cust_no]["role"] == "dependency"
    assert by[cust_no]["needed_by"] == [f"{inv_no}"] and by[f"{inv_no}"]["depends_on"] == [cust_no]
    assert by[cust_no]["outcome"]["status"] == "succeeded"
    assert by[f"{inv_no}"]["outcome"]["status"] == "succeeded"
    order = [r.record_type for r in co.sb.suprata_store.retries.values()]
    assert order == ["customer", "invoice"]  # the customer first, then the invoice
    assert co.record("customer", cust_no).sync.state == "synced"
    assert co.record("invoice", f"{inv_no}").sync.state == "synced"
    assert co.invoices_per_doc_number()[f"{inv_no}"] == 1
    # An invoice of the same customer dated in the closed period is still refused, and says why.
    code, env = co.json(f"{closed_no} --yes")
    assert code == 1 and "books-close date" in rows(env)[f"{closed_no}"]["reason"]


def test_dry_run_sends_nothing(company) -> None:
    co = company("p7-throttled")
    before, engine_before = co.retry_requests, co.sb.engine.requests_sent
    code, env = co.json("--all-safe --dry-run")
    assert code == 0 and env["data"]["mode"] == "dry_run"
    assert env["data"]["summary"]["to_send"] == 4
    assert all(r["sent"] is None and r["outcome"] is None for r in env["data"]["records"])
    assert co.retry_requests == before and co.sb.engine.requests_sent == engine_before
    assert RetryHistory(co.data_dir, "demo").retries() == []
    human = co.cli("--all-safe --dry-run")
    assert "Dry run: nothing was sent" in human.stdout


def test_without_a_terminal_and_without_yes_nothing_is_written(company) -> None:
    co = company("p7-throttled")
    before = co.retry_requests
    human = co.cli("--all-safe")  # CliRunner's stdin is not a TTY
    assert human.exit_code == 1
    assert "--yes" in human.stderr and "Nothing was sent" in human.stdout
    code, env = co.json("--all-safe")
    assert code == 1 and env["data"]["mode"] == "needs_confirmation"
    assert env["errors"][0]["code"] == "confirmation_required"
    assert co.retry_requests == before
    assert not (co.data_dir / "history").exists() or RetryHistory(co.data_dir, "demo").retries() == []


def _fail_invoice_pushes(co, kind: str = "503") -> None:
    """QuickBooks fails Suprata's invoice writes only; qbsync's own reads still work."""
    co.sb.qbo.faults.set_error_rate("POST invoice", 1.0, kind)


def _heal(co) -> None:
    co.sb.qbo.faults.set_error_rate("POST invoice", 0.0)


def test_same_cause_is_refused_unless_force_and_history_survives(company) -> None:
    co = company("p7-throttled")
    _fail_invoice_pushes(co)
    inv_id = co.record("invoice", "INV-1005").id

    # First retry: QuickBooks answers 503 instead of the old 429: a new error, looked up, not saved.
    code, env = co.json("INV-1005 --yes")
    out = rows(env)["INV-1005"]["outcome"]
    assert code == 1 and out["status"] == "failed" and out["same_cause"] is False and out["in_quickbooks"] is False
    assert co.services().retry_counts() == {}  # its current cause (503) was not retried yet

    # Second retry meets the same 503: now it counts, and the history outlives the run.
    code, env = co.json("INV-1005 --yes")
    assert rows(env)["INV-1005"]["outcome"]["same_cause"] is True
    assert co.services().retry_counts() == {("invoice", inv_id): 1}

    before = co.retry_requests
    code, env = co.json("INV-1005 --yes")
    row = rows(env)["INV-1005"]
    assert code == 1 and row["decision"] == "refuse" and row["code"] == "already_retried"
    assert "--force" in row["fix_first"] and row["qbsync_retries"] == 1
    assert "already retried" in co.cli("INV-1005 --yes").stdout
    assert co.retry_requests == before

    _heal(co)
    code, env = co.json("INV-1005 --yes --force")
    row = rows(env)["INV-1005"]
    assert code == 0 and row["code"] == "forced" and row["outcome"]["status"] == "succeeded"
    assert co.services().retry_counts() == {}
    statuses = [r.status for r in RetryHistory(co.data_dir, "demo").for_record("invoice", inv_id)]
    assert statuses == ["failed", "failed", "succeeded"]


def test_retry_repeat_limit_from_the_profile_allows_one_more(company, monkeypatch) -> None:
    co = company("p7-throttled")
    _fail_invoice_pushes(co)
    monkeypatch.setenv("QBSYNC_RETRY_REPEAT_LIMIT", "2")
    co.json("INV-1005 --yes")  # a new error (503): looked up, not saved
    co.json("INV-1005 --yes")  # the same 503: one retry for this cause
    _, env = co.json("INV-1005 --yes")  # the limit is 2: a second one is still allowed
    assert rows(env)["INV-1005"]["decision"] == "retry", rows(env)["INV-1005"]
    _, env = co.json("INV-1005 --yes")
    assert rows(env)["INV-1005"]["code"] == "already_retried"


def test_diagnose_counts_qbsync_retries_from_the_history(company) -> None:
    from clihelp import run_cli

    co = company("p7-throttled")
    _fail_invoice_pushes(co)
    co.json("INV-1005 --yes")
    co.json("INV-1005 --yes")
    env = run_cli("diagnose --json").json()
    records = {r["number"]: r for c in env["data"]["root_causes"] for r in c["records"]}
    assert records["INV-1005"]["same_cause_retries"] >= 1


def test_stop_early_when_the_same_new_error_repeats(company) -> None:
    co = company("p7-throttled")
    _fail_invoice_pushes(co, "500")
    code, env = co.json("--all-safe --yes")
    data = env["data"]
    assert code == 1 and data["stopped_early"] is not None
    assert len(data["stopped_early"]["records"]) == 3 and data["stopped_early"]["not_sent"] == 1
    statuses = sorted(r["outcome"]["status"] for r in data["records"])
    assert statuses == ["failed", "failed", "failed", "not_sent"]
    assert co.retry_requests == 3
    # 503 after a write may mean QuickBooks saved it: qbsync looked, and found nothing.
    assert all(r["outcome"]["in_quickbooks"] is False for r in data["records"] if r["sent"])


def test_no_wait_returns_at_once_and_the_next_run_settles(company) -> None:
    co = company("p7-throttled")
    code, env = co.json("INV-1006 --yes --no-wait")
    row = rows(env)["INV-1006"]
    assert code == 0 and row["outcome"]["status"] == "queued" and row["sent"]["retry_id"]
    inv_id = co.record("invoice", "INV-1006").id
    assert RetryHistory(co.data_dir, "demo").for_record("invoice", inv_id)[-1].status == "queued"
    code, env = co.json("INV-1006 --dry-run")
    assert rows(env)["INV-1006"]["code"] == "synced" and code == 0
    assert RetryHistory(co.data_dir, "demo").for_record("invoice", inv_id)[-1].status == "succeeded"


def test_references_and_usage(company) -> None:
    co = company("demo")
    throttled = next(
        n
        for n in co.expected("P7")
        if co.sb.suprata_store.tax_categories.get(co.record("invoice", n).tax_category_id or "") is None
        or co.sb.suprata_store.tax_categories[co.record("invoice", n).tax_category_id].mapped_code(
            co.record("invoice", n).service_state
        )
    )
    by_id = co.record("invoice", throttled).id  # a Suprata id works as well as a number
    code, env = co.json(f"C-1048 SVC-WHF {by_id} --dry-run")
    by = rows(env)
    assert {"C-1048", "SVC-WHF", throttled} <= set(by)
    assert by[throttled]["decision"] == "retry" and by["C-1048"]["decision"] == "refuse"
    assert code == 1 and env["status"] == "partial"
    code, env = co.json('"Front Range Electric" --dry-run')
    assert rows(env)["C-1048"]["role"] == "requested"
    bad = co.cli("INV-9999 --dry-run")
    assert bad.exit_code == 3 and "INV-9999" in bad.stderr
    assert co.cli("--dry-run").exit_code == 3
    assert co.cli("INV-1304 --all-safe").exit_code == 3
    assert co.cli("--pattern P9").exit_code == 3


def test_pattern_selection(company) -> None:
    co = company("p7-throttled")
    code, env = co.json("--pattern P7 --dry-run")
    assert code == 0 and env["data"]["summary"]["to_send"] == 4
    code, env = co.json("--pattern P4 --dry-run")
    assert code == 0 and env["data"]["records"] == []


def test_synced_record_is_skipped(company) -> None:
    co = company("healthy")
    number = next(iter(co.sb.suprata_store.invoices.values())).number
    code, env = co.json(f"{number} --yes")
    assert code == 0 and rows(env)[number]["code"] == "synced"
