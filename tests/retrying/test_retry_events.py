"""retry on what the new scenario events produce: a payment QuickBooks refuses because its invoice was voided
there is not retried into the same wall."""

from __future__ import annotations

from retry_kit import rows


def test_a_payment_on_an_invoice_voided_in_quickbooks_is_refused_not_retried(company) -> None:
    co = company("healthy")
    co.sb.apply_event({"type": "qbo_voided", "key": "INV-1005"})
    co.sb.apply_event({"type": "payment_created", "number": "PMT-2100", "applied": [{"invoice": "INV-1005"}]})
    before = co.retry_requests
    code, env = co.json("PMT-2100 --yes")
    row = rows(env)["PMT-2100"]
    assert code == 1 and row["decision"] == "refuse"
    assert co.retry_requests == before  # nothing sent: QuickBooks would answer 620 again
