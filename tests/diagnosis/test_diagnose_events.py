"""diagnose on QuickBooks' real answers to payments the sandbox used to accept: one applied to an invoice voided
in QuickBooks (620), one applied beyond what QuickBooks still has open (6000). Both are P6."""

from __future__ import annotations

from pathlib import Path

from qbsync.diagnosis.diagnose import Filters, diagnose
from qbsync.sandbox.app import build_sandbox
from qbsync.services import services_for_sandbox


def _causes(sandbox, tmp_path: Path):
    return diagnose(services_for_sandbox(sandbox, tmp_path), Filters()).root_causes


def test_payment_on_an_invoice_voided_in_quickbooks_is_p6(tmp_path: Path) -> None:
    sb = build_sandbox("healthy")
    sb.apply_event({"type": "qbo_voided", "key": "INV-1005"})
    sb.apply_event({"type": "payment_created", "number": "PMT-2100", "applied": [{"invoice": "INV-1005"}]})
    causes = _causes(sb, tmp_path)
    assert [c.pattern for c in causes] == ["P6"]
    assert "PMT-2100" in {r.number for r in causes[0].records}


def test_payment_beyond_what_quickbooks_has_open_is_p6(tmp_path: Path) -> None:
    sb = build_sandbox("healthy")
    sb.apply_event({"type": "invoice_created", "number": "INV-1102", "customer": "C-1002", "lines": [{"sku": "SVC-CALL"}]})  # fmt: skip
    sb.apply_event({"type": "qbo_payment_entered", "invoice": "INV-1102", "reference": "ck 77"})
    sb.apply_event({"type": "payment_created", "number": "PMT-2101", "applied": [{"invoice": "INV-1102"}]})
    causes = _causes(sb, tmp_path)
    assert {c.pattern for c in causes} == {"P6"}
    named = {r.number for c in causes for r in c.records}
    assert {"PMT-2101", "INV-1102"} <= named  # the refused payment, and the QuickBooks-only payment behind it
    assert any("entered directly in QuickBooks" in c.title for c in causes)
