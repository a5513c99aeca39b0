"""Trace cases planted in a healthy company: voided and deleted QuickBooks records, partial payments, one
payment applied to several invoices, a duplicate left by a timeout, and customer balances fully explained."""

from __future__ import annotations

from decimal import Decimal

from qbsync.tracing import exit_code_for


def _explained(result) -> None:
    assert result.unexplained == 0, result.notes
    assert sum(i.amount for i in result.items) == result.difference == result.suprata_balance - result.qbo_balance


def test_healthy_company_agrees_everywhere(healthy) -> None:
    for ref in ("INV-1001", "INV-1004", "PMT-2001", "PMT-2003"):
        result = healthy.trace(ref)
        assert result.verdict.agree, (ref, result.verdict.headline)
        assert int(exit_code_for(result)) == 0
    customer = healthy.trace(customer="C-1001")
    assert customer.verdict.agree and customer.items == [] and customer.difference == 0


def test_invoice_voided_in_quickbooks_only(healthy) -> None:
    healthy.event(type="qbo_voided", key="INV-1005")
    result = healthy.trace("INV-1005")
    [finding] = result.findings
    assert finding.kind == "voided_in_qbo_only"
    assert result.qbo_invoices[0].status == "voided"
    assert not any("delete" in step.lower() and "never" not in step.lower() for step in finding.fix)
    customer = healthy.trace(customer="C-1005")
    assert [i.kind for i in customer.items] == ["voided_in_qbo_only"]
    _explained(customer)


def test_voiding_a_paid_invoice_leaves_its_payment_unapplied(healthy) -> None:
    healthy.event(type="qbo_voided", key="INV-1003")
    invoice = healthy.trace("INV-1003")
    assert {f.kind for f in invoice.findings} == {"voided_in_qbo_only", "payment_differs"}
    payment = healthy.trace("PMT-2003")
    [finding] = payment.findings
    assert finding.kind == "payment_differs" and "unapplied $520.00" in finding.says
    customer = healthy.trace(customer="C-1003")
    assert customer.difference == Decimal("520.00")
    _explained(customer)


def test_payment_deleted_in_quickbooks(healthy) -> None:
    qbo_id = healthy.qbo_id("payment", "PMT-2002")
    healthy.event(type="qbo_deleted", entity="Payment", key="PMT-2002")
    payment = healthy.trace("PMT-2002")
    [finding] = payment.findings
    assert finding.kind == "payment_deleted_in_qbo"
    assert f"QuickBooks payment {qbo_id}" in finding.says and "deleted directly in QuickBooks" in finding.says
    assert payment.qbo_payments[0].status == "deleted" and payment.qbo_payments[0].deleted_at is not None
    invoice = healthy.trace("INV-1002")
    assert [f.kind for f in invoice.findings] == ["payment_deleted_in_qbo"]
    assert any(d.field == "balance" for d in invoice.differences)
    customer = healthy.trace(customer="C-1002")
    assert [i.kind for i in customer.items] == ["payment_deleted_in_qbo"]
    _explained(customer)


def test_partial_payments_agree_and_show_partly_paid(healthy) -> None:
    healthy.event(type="payment_created", number="PMT-2006", applied=[{"invoice": "INV-1005", "amount": "100"}])
    first = healthy.trace("INV-1005")
    assert first.verdict.agree, first.verdict.headline
    assert first.qbo_invoices[0].status == "partly_paid"
    assert first.invoice.balance == first.qbo_invoices[0].balance == Decimal("164.00")
    healthy.event(type="payment_created", number="PMT-2007", applied=[{"invoice": "INV-1005", "amount": "50"}])
    second = healthy.trace("INV-1005")
    assert second.verdict.agree and len(second.payments) == 2 and second.invoice.balance == Decimal("114.00")
    assert healthy.trace(customer="C-1005").verdict.agree


def test_one_payment_applied_to_several_invoices(healthy) -> None:
    healthy.event(type="invoice_created", number="INV-1007", customer="C-1006", lines=[{"sku": "SVC-CALL"}])
    healthy.event(type="invoice_created", number="INV-1008", customer="C-1006", lines=[{"sku": "SVC-AC"}])
    healthy.event(
        type="payment_created",
        number="PMT-2008",
        applied=[{"invoice": "INV-1007"}, {"invoice": "INV-1008", "amount": "50"}],
    )
    payment = healthy.trace("PMT-2008")
    assert payment.verdict.agree, payment.verdict.headline
    assert len(payment.payments[0].applied) == 2 and len(payment.qbo_payments[0].applied) == 2
    assert any("pays 2 invoices" in n for n in payment.notes)
    assert healthy.trace("INV-1008").verdict.agree
    assert healthy.trace(customer="C-1006").verdict.agree

    # one of the two invoices is deleted in QuickBooks: the payment there keeps $50 unapplied
    healthy.event(type="qbo_deleted", key="INV-1008")
    payment = healthy.trace("PMT-2008")
    assert {f.kind for f in payment.findings} == {"payment_differs", "deleted_in_qbo"}
    assert healthy.trace("INV-1007").verdict.agree  # its own part still matches
    customer = healthy.trace(customer="C-1006")
    assert {i.record: i.kind for i in customer.items} == {"INV-1008": "deleted_in_qbo", "PMT-2008": "payment_differs"}
    _explained(customer)


def test_timeout_after_commit_then_retry_makes_a_duplicate(healthy) -> None:
    healthy.event(type="timeout_after_commit")
    healthy.event(type="invoice_created", number="INV-1009", customer="C-1002", lines=[{"sku": "SVC-CALL"}])
    waiting = healthy.trace("INV-1009")  # the retry has not run yet: one copy, not linked
    [finding] = waiting.findings
    assert finding.kind == "unlinked_copy"
    assert any("Do not retry" in s for s in finding.fix)
    healthy.sandbox.advance(600)
    result = healthy.trace("INV-1009")
    [finding] = result.findings
    assert finding.kind == "duplicate" and "timed out" in finding.says
    copy = next(q for q in result.qbo_invoices if not q.linked)
    assert result.verdict.fix[0].startswith(f"Void invoice {copy.id} in QuickBooks")


def test_customer_with_several_causes_is_fully_explained(healthy) -> None:
    healthy.event(type="invoice_created", number="INV-1010", customer="C-1001", lines=[{"sku": "SVC-DRAIN"}])
    healthy.event(type="qbo_payment_entered", invoice="INV-1010", amount="45", reference="ck 77")
    healthy.event(type="qbo_voided", key="INV-1001")
    healthy.event(type="qbo_deleted", entity="Payment", key="PMT-2005")
    result = healthy.trace(customer="Laura Whitfield")
    kinds = sorted(i.kind for i in result.items)
    assert kinds == ["payment_deleted_in_qbo", "payment_differs", "payment_only_in_qbo", "voided_in_qbo_only"]
    _explained(result)
    assert not result.verdict.agree and "fully explained" in result.verdict.headline
    assert int(exit_code_for(result)) == 2


def test_unexplained_remainder_is_named(healthy) -> None:
    # Something trace does not read (a credit memo, a journal entry) moved the QuickBooks balance by $25.
    # The emulator models neither, so the customer's balance is edited in its store directly.
    co = healthy.sandbox.qbo_company
    customer_id = healthy.qbo_id("customer", "C-1004")
    record = co.store.get("Customer", customer_id)
    record["Balance"] = float(Decimal(str(record["Balance"])) - Decimal("25"))
    result = healthy.trace(customer="C-1004")
    assert result.items == []
    assert result.difference == result.unexplained == Decimal("25.00")
    assert any("remains unexplained" in n and "credit memos" in n for n in result.notes)
    assert "unexplained" in result.verdict.headline and not result.verdict.agree
