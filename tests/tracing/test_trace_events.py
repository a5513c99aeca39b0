"""trace on what real companies do in QuickBooks: credit memos explain a balance, refunds and customer merges
show up, each planted with the sandbox's scenario events."""

from __future__ import annotations

from decimal import Decimal


def test_a_credit_memo_entered_in_quickbooks_explains_the_balance(healthy):
    before = healthy.trace(customer="Carmen Delgado")
    healthy.event(type="qbo_credit_memo_entered", customer="Carmen Delgado", amount="40.00", memo="goodwill")
    after = healthy.trace(customer="Carmen Delgado")
    assert after.qbo_balance == before.qbo_balance - Decimal("40.00")
    memo = next(i for i in after.items if i.kind == "credit_memo_in_qbo")
    assert memo.amount == Decimal("40.00") and "goodwill" in memo.says
    assert after.difference == before.difference + Decimal("40.00")
    assert after.unexplained == before.unexplained  # the memo is the whole of the new difference


def test_a_refund_issued_in_quickbooks_appears_in_the_trace(healthy):
    healthy.event(type="qbo_refund_issued", customer="Carmen Delgado", amount="25.00")
    trace = healthy.trace(customer="Carmen Delgado")
    refund = next(i for i in trace.items if i.kind == "refund_in_qbo")
    assert refund.quickbooks == Decimal("25.00") and refund.amount == 0 and "from Checking" in refund.says
    assert trace.unexplained == 0


def test_a_customer_merge_in_quickbooks_appears_in_the_trace(healthy):
    healthy.event(type="invoice_created", number="INV-1100", customer="C-1001", lines=[{"sku": "SVC-CALL"}])
    healthy.event(type="qbo_customers_merged", key="Laura Whitfield", into="Ben Albright")
    trace = healthy.trace(customer="Laura Whitfield")
    assert any("was merged into Ben Albright in QuickBooks" in n for n in trace.notes)
    moved = {i.record: i for i in trace.items if i.kind == "merged_in_qbo"}
    assert {"INV-1001", "INV-1006", "INV-1100"} <= set(moved)
    assert all("moved to Ben Albright" in i.says for i in moved.values())
    open_amount = moved["INV-1100"].amount
    assert open_amount > 0 and moved["INV-1001"].amount == 0  # paid: its payment moved with it
    assert trace.qbo_balance == 0 and trace.difference == open_amount and trace.unexplained == 0


def test_a_job_traces_under_its_parent_in_quickbooks(healthy):
    healthy.event(type="customer_created", customer={"number": "C-2001", "display_name": "Prairie Wind - Bldg C", "parent": "C-1006"})  # fmt: skip
    healthy.event(type="invoice_created", number="INV-1101", customer="C-2001", lines=[{"sku": "SVC-CALL"}])
    trace = healthy.trace(customer="Prairie Wind - Bldg C")
    assert trace.qbo_customer == "Prairie Wind - Bldg C" and trace.difference == 0
    assert healthy.trace("INV-1101").verdict.agree


def test_a_retry_clicked_in_suprata_shows_as_a_manual_retry(healthy):
    healthy.event(type="retry_clicked", record_type="invoice", number="INV-1005")
    trace = healthy.trace("INV-1005")
    assert trace.invoice.attempts[-1].trigger == "manual_retry"
    assert any("a retry pressed in Suprata" in e.what for e in trace.timeline if e.side == "suprata")


def test_a_payment_deleted_in_suprata_is_deleted_in_quickbooks_and_both_balances_agree(healthy):
    healthy.event(type="payment_edited", number="PMT-2004", invoice="INV-1004", amount="100.00")
    edited = healthy.trace("PMT-2004")
    assert edited.verdict.agree
    healthy.event(type="payment_deleted", number="PMT-2004")
    trace = healthy.trace(customer="Old Town Brewing Co")
    assert trace.difference == 0 and trace.suprata_balance > 0
