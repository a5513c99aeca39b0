"""diagnose on QuickBooks' real answers to payments the sandbox used to accept: one applied to an invoice voided
in QuickBooks, one applied beyond what QuickBooks still has open (both 620 "Txn ID Cannot Be Linked"). Both P6."""

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
    assert [(c.pattern, c.kind) for c in causes] == [("P6", "removed_in_qbo")]  # one cause: the void
    assert "INV-1005" in causes[0].title and "PMT-2100" in {r.number for r in causes[0].records}


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


def test_throttling_of_suprata_alone_is_p7_and_qbsync_still_confirms_it(tmp_path: Path) -> None:
    sb = build_sandbox("healthy")
    sb.apply_event({"type": "throttle_burst", "seconds": 3600, "app": "suprata"})
    sb.apply_event({"type": "invoice_created", "number": "INV-1103", "customer": "C-1002", "lines": [{"sku": "SVC-CALL"}]})  # fmt: skip
    report = diagnose(services_for_sandbox(sb, tmp_path), Filters())  # qbsync's own reads are not throttled
    assert [c.pattern for c in report.root_causes] == ["P7"]
    assert "INV-1103" in {r.number for r in report.root_causes[0].records}


def test_a_rename_in_suprata_into_a_name_quickbooks_holds_is_p1(tmp_path: Path) -> None:
    sb = build_sandbox("healthy")
    sb.apply_event({"type": "customer_edited", "customer": "C-1005", "display_name": "Xcel Energy"})  # a vendor's name
    causes = _causes(sb, tmp_path)
    assert [c.pattern for c in causes] == ["P1"]
    assert "C-1005" in {r.number for r in causes[0].records}


def test_an_item_rename_in_suprata_into_a_name_quickbooks_holds_is_p2(tmp_path: Path) -> None:
    sb = build_sandbox("healthy")
    taken = sb.suprata_store.item_by_ref("PRT-FAUC").name  # synced with INV-1001, like SVC-CALL
    assert sb.qbo_company.find_by_name("Item", taken) is not None
    sb.apply_event({"type": "item_edited", "sku": "SVC-CALL", "name": taken})
    causes = _causes(sb, tmp_path)
    assert [c.pattern for c in causes] == ["P2"]
