"""Every rule of the pattern table, and the tricky cases where codes alone mislead."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from qbsync.clients.faults import parse_fault
from qbsync.clients.suprata_models import SyncAttempt
from qbsync.diagnosis.classifier import (
    Facts,
    FailureSignal,
    classify,
    signal_from_attempt,
    signal_from_fields,
    signal_from_text,
)
from qbsync.diagnosis.patterns import PATTERNS, RULES

INACTIVE = "Something you're trying to use has been made inactive. Check the fields with accounts, customers, items."

# One example per rule: the fields of an ``explain --jsonl`` line. A new rule needs an example here.
EXAMPLES: dict[str, dict] = {
    "P5.oauth-invalid-grant": {"raw": '{"error":"invalid_grant","error_description":"Token invalid"}'},
    "P5.oauth-refused": {"kind": "oauth", "raw": '{"error":"invalid_client"}'},
    "P7.throttle-code": {"code": "3001", "message": "message=ThrottleExceeded; errorCode=003001; statusCode=429"},
    "P7.throttle-status": {"http_status": 429},
    "P7.throttle-text": {"raw": "429 Too Many Requests"},
    "P7.gateway-server-error": {
        "code": "3100",
        "message": "message=InternalServerError; errorCode=003100; statusCode=500",
    },
    "P5.token-rejected-3200": {"code": "3200", "http_status": 401, "detail": "Token expired: AB01"},
    "P5.authorization-failure-120": {"code": "120", "message": "Authorization Failure", "http_status": 401},
    "P5.authentication-error": {"code": "100", "message": "General Authentication Error"},
    "P5.forbidden-3100": {"code": "3100", "message": "message=AuthorizationFailed; errorCode=003100; statusCode=403"},
    "P5.auth-text": {"message": "Application authentication failed", "http_status": 400},
    "P3.closed-period-code": {"code": "6210", "message": "Account Period Closed, Cannot Update Through Services API"},
    "P3.closed-period-text": {"raw": "Sync failed: the books are closed for that date"},
    "P4.invalid-line-taxcode": {"code": "6100", "message": "Invalid Line TaxCode in the request"},
    "P4.invalid-taxcode-ref": {"code": "6160", "message": "Invalid TaxCodeRef Error"},
    "P4.tax-validation": {
        "code": "6000",
        "detail": "Make sure all your transactions have a GST/HST rate before you save.",
    },
    "P4.tax-text": {"message": "Tax code 'Combined 7.25' not mapped"},
    "P4.tax-name-duplicate": {
        "code": "6240",
        "entity": "TaxRate",
        "detail": "The name supplied already exists. : null",
    },
    "P4.tax-rate-duplicate-text": {"code": "6240", "detail": "Another tax rate is already using this name."},
    "P2.item-name-duplicate": {"code": "6240", "entity": "Item", "detail": "The name supplied already exists. : null"},
    "P1.customer-name-duplicate": {"code": "6240", "entity": "Customer", "detail": "The name supplied already exists."},
    "P1.name-duplicate-text": {
        "code": "6240",
        "detail": "Another customer, vendor or employee is already using this name.",
    },
    "unknown.name-duplicate-unclear": {"code": "6240", "detail": "The name supplied already exists. : null"},
    "P6.payment-not-linkable": {
        "code": "620",
        "entity": "Payment",
        "detail": "The Txn ID (identified by 12) you're trying to use can't be linked.",
    },
    "P6.linked-txn-deleted": {
        "code": "610",
        "entity": "Payment",
        "detail": "Object Not Found : Another user has deleted this transaction.",
    },
    "unknown.transaction-deleted": {
        "code": "610",
        "entity": "SalesReceipt",
        "detail": "Object Not Found : Another user has deleted this transaction.",
    },
    "P6.number-taken-text": {"raw": "Reference/Check number for this payment is already being used in QBO."},
    "P6.deposited-text": {"raw": "This transaction is matched to a downloaded transaction. You need to unmatch it."},
    "P6.over-applied": {"raw": "Amount applied is greater than payment or refund amount."},
    "P6.linked-invoice-elsewhere": {
        "raw": "The customer on one of invoices paid in this transaction does not match the customer on that invoice"
    },
    "P2.name-duplicate-item-text": {"raw": "Another product or service is already using this name."},
    "unknown.name-duplicate-other": {"raw": "The name Lawn care is already in use"},
    "P2.category-item": {"raw": "Invalid Reference Id : Categories cannot be used in transactions"},
    "P1.customer-unusable-text": {"raw": "The customer you have specified has been deleted."},
    "P2.item-unusable-text": {"raw": "Item not found"},
    "unknown.unusable-unclear": {"raw": "Something you're trying to use has been made inactive."},
    "P1.customer-missing-text": {"raw": "Business Validation Error: You must select a customer"},
    "P1.inactive-customer-ref": {"code": "2500", "entity": "Invoice", "element": "CustomerRef", "detail": INACTIVE},
    "P2.inactive-item-ref": {
        "code": "2500",
        "entity": "Invoice",
        "detail": "Invalid Reference Id : Line.SalesItemLineDetail.ItemRef",
    },
    "P4.inactive-taxcode-ref": {
        "code": "610",
        "entity": "Invoice",
        "element": "TxnTaxDetail.TxnTaxCodeRef",
        "detail": INACTIVE,
    },
    "P1.customer-inactive-6250": {"code": "6250", "message": "InvalidSalesCustomer"},
    "P1.inactive-ref-on-customer": {"code": "610", "entity": "Customer", "detail": INACTIVE},
    "P2.inactive-ref-on-item": {"code": "610", "entity": "Item", "detail": INACTIVE},
    "P4.inactive-ref-on-tax": {"code": "610", "entity": "TaxCode", "detail": INACTIVE},
    "unknown.inactive-ref-unclear": {"code": "610", "entity": "Invoice", "detail": INACTIVE},
    "P1.customer-missing-info": {"code": "2020", "entity": "Customer", "message": "Required param missing"},
    "P6.duplicate-doc-number": {"code": "6140", "message": "Duplicate Document Number Error"},
    "P1.no-name-6080": {"code": "6080", "message": "No Name Provided"},
    "P7.company-maintenance": {"code": "150", "message": "Company Under Maintenance"},
    "unknown.request-crashed": {"raw": "System Failure Error: java.lang.NullPointerException"},
    "P7.system-failure": {"code": "10000", "http_status": 500, "message": "An application error has occurred"},
    "P7.proxy-timeout": {
        "code": "6002",
        "message": "message=Timeout occurred while proxying request; errorCode=006002; statusCode=504",
    },
    "unknown.subscription-ended": {"code": "6190", "message": "Invalid Company Status"},
    "unknown.stale-object": {"code": "5010", "message": "Stale Object Error"},
    "unknown.text-too-long": {"code": "2050", "message": "Length exceeds limit"},
    "unknown.request-rejected": {"code": "4001", "message": "Invalid query"},
    "unknown.wrong-cluster": {"code": "130", "message": "Accessing Wrong Cluster", "http_status": 401},
    "P6.deposited": {"code": "6540", "message": "Deposited Transaction cannot be changed"},
    "unknown.business-validation": {
        "code": "6000",
        "detail": "Business Validation Error: You must set a transaction amount.",
    },
    "unknown.inactive-ref-other": {"code": "610", "entity": "JournalEntry", "detail": INACTIVE},
    "P7.server-error-status": {"http_status": 503, "raw": "<html><title>503 Service Unavailable</title></html>"},
    "P7.timeout-on-write": {"kind": "timeout", "operation": "create", "entity": "Payment"},
    "P7.timeout": {"kind": "timeout", "operation": "query"},
    "P7.connection-failed": {"kind": "connection"},
    "P5.unauthorized-status": {"http_status": 401},
    "P5.forbidden-status": {"http_status": 403},
    "P7.outage-text": {"raw": "upstream answered: Bad Gateway"},
}


def test_every_rule_has_an_example_and_ids_are_unique():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(EXAMPLES)
    assert all(r.pattern in PATTERNS for r in RULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_each_rule_fires_on_its_example(rule):
    c = classify(signal_from_fields(EXAMPLES[rule.id]))
    assert (c.rule_id, c.pattern) == (rule.id, rule.pattern), c.reason
    assert 0 < c.confidence <= 1 and c.reason and c.name == PATTERNS[c.pattern].name


# --- the same code means different things -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entity", "detail", "pattern"),
    [
        ("Customer", "The name supplied already exists. : null", "P1"),
        ("Item", "The name supplied already exists. : null", "P2"),
        ("TaxService", "Another tax rate is already using this name.", "P4"),
    ],
)
def test_6240_depends_on_entity(entity, detail, pattern):
    c = classify(signal_from_text(detail, code="6240", status=400, entity=entity))
    assert c.pattern == pattern and c.confidence >= 0.7


def test_invoice_failing_on_its_customer_is_p1():
    s = signal_from_fields({"code": "6240", "entity": "Customer", "record_type": "invoice"})
    assert classify(s).pattern == "P1"


def test_610_without_facts_is_unknown_and_lists_candidates():
    # A generic text that does not name the record at fault: unknown with the candidates, never a guess.
    c = classify(signal_from_fields(EXAMPLES["unknown.inactive-ref-unclear"]))
    assert c.pattern == "unknown" and c.confidence < 0.7 and not c.confirmed
    assert "Could be: P1" in c.reason
    assert c.candidates == ("P1", "P2", "P4")
    assert set(c.needs) == {"customer_state", "item_inactive", "tax_code_state"}


@pytest.mark.parametrize(
    ("facts", "pattern"),
    [
        (Facts(customer_state="inactive"), "P1"),
        (Facts(customer_state="ok", item_inactive=True), "P2"),
        (Facts(customer_state="ok", item_inactive=False, tax_code_state="inactive"), "P4"),
    ],
)
def test_610_facts_decide(facts, pattern):
    c = classify(signal_from_fields(EXAMPLES["unknown.inactive-ref-unclear"]), facts)
    assert c.pattern == pattern and c.confirmed and c.confidence >= 0.8 and c.needs == ()


def test_6240_unclear_facts_point_to_item():
    c = classify(signal_from_fields(EXAMPLES["unknown.name-duplicate-unclear"]), Facts(item_conflict=True))
    assert c.pattern == "P2" and c.confirmed


# --- facts against text -------------------------------------------------------------------------------------


def test_closed_period_confirmed_by_dates():
    s = signal_from_fields(EXAMPLES["P3.closed-period-code"])
    c = classify(s, Facts(book_close_date=date(2026, 6, 30), record_txn_date=date(2026, 6, 30)))
    assert c.pattern == "P3" and c.confirmed and c.confidence >= 0.9


def test_closed_period_contradicted_by_dates():
    s = signal_from_fields(EXAMPLES["P3.closed-period-code"])
    c = classify(s, Facts(book_close_date=date(2026, 6, 30), record_txn_date=date(2026, 7, 2)))
    assert c.pattern == "P3" and not c.confirmed and c.confidence < 0.5
    assert "after the books-close date" in c.reason


def test_expired_token_with_healthy_connection_is_not_confirmed():
    c = classify(signal_from_fields(EXAMPLES["P5.token-rejected-3200"]), Facts(connection_state="ok"))
    assert c.pattern == "P5" and not c.confirmed and c.confidence < 0.5


def test_revoked_connection_confirms_p5():
    c = classify(signal_from_fields(EXAMPLES["P5.unauthorized-status"]), Facts(connection_state="revoked"))
    assert c.pattern == "P5" and c.confirmed


def test_timeout_that_committed_is_a_balance_mismatch():
    s = signal_from_fields(EXAMPLES["P7.timeout-on-write"])
    assert classify(s).candidates == ("P7", "P6")
    assert classify(s).confidence < 0.7
    saved = classify(s, Facts(qbo_duplicate_count=1))
    assert saved.pattern == "P6" and saved.confirmed
    nothing = classify(s, Facts(qbo_duplicate_count=0))
    assert nothing.pattern == "P7" and nothing.confirmed


def test_duplicate_doc_number_confirmed_by_two_copies():
    c = classify(signal_from_fields(EXAMPLES["P6.duplicate-doc-number"]), Facts(qbo_duplicate_count=2))
    assert c.pattern == "P6" and c.confirmed and "2 copies" in c.reason


def test_tax_mapping_ok_contradicts_p4():
    c = classify(signal_from_fields(EXAMPLES["P4.invalid-line-taxcode"]), Facts(tax_code_state="ok"))
    assert c.pattern == "P4" and not c.confirmed and c.confidence < 0.5


def test_name_conflict_none_contradicts_p1():
    s = signal_from_fields(EXAMPLES["P1.customer-name-duplicate"])
    assert not classify(s, Facts(name_conflict_with="none")).confirmed
    assert classify(s, Facts(name_conflict_with="vendor")).confirmed


def test_throttling_over_a_day_escalates():
    now = datetime(2026, 11, 2, 12, tzinfo=UTC)
    s = signal_from_fields(EXAMPLES["P7.throttle-status"])
    assert classify(s, Facts(failing_since=now - timedelta(hours=25), now=now)).escalate
    assert not classify(s, Facts(failing_since=now - timedelta(hours=2), now=now)).escalate
    assert not classify(s).escalate


def test_throttle_before_2017_was_a_403():
    body = (
        '<IntuitResponse><Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; '
        "errorCode=003001; statusCode=403</Message></Error></Fault></IntuitResponse>"
    )
    assert classify(FailureSignal(http_status=403, fault=parse_fault(403, body))).pattern == "P7"


def test_3100_with_status_500_is_an_outage_not_a_connection_problem():
    c = classify(signal_from_text("message=InternalServerError; errorCode=003100; statusCode=500"))
    assert c.pattern == "P7"


def test_wrong_cluster_401_is_unknown_not_p5():
    c = classify(signal_from_fields(EXAMPLES["unknown.wrong-cluster"]))
    assert c.pattern == "unknown"


def test_unrecognised_error_is_unknown_with_reason():
    c = classify(signal_from_text("something odd", code="9999", status=400))
    assert c.pattern == "unknown" and c.confidence < 0.7 and "9999" in c.reason
    assert classify(FailureSignal()).pattern == "unknown"


# --- signals from Suprata attempts ------------------------------------------------------------------------


def _attempt(**error) -> SyncAttempt:
    return SyncAttempt.model_validate(
        {
            "id": "a1",
            "record_type": "invoice",
            "record_id": "i1",
            "record_number": "INV-1042",
            "attempted_at": "2026-11-02T14:03:11Z",
            "attempt": 1,
            "trigger": "auto",
            "outcome": "failed",
            "error": error,
        }
    )


def test_signal_from_attempt_uses_the_failing_request_entity():
    attempt = _attempt(
        kind="http",
        http_status=400,
        content_type="application/json",
        qbo_entity="Customer",
        qbo_operation="create",
        intuit_tid="1-x",
        body='{"Fault":{"Error":[{"Message":"Duplicate Name Exists Error","code":"6240"}],"type":"ValidationFault"}}',
    )
    s = signal_from_attempt(attempt)
    assert (s.record_type, s.qbo_entity, s.kind, s.fault.code, s.fault.intuit_tid) == (
        "invoice",
        "Customer",
        "http",
        "6240",
        "1-x",
    )
    assert classify(s).pattern == "P1"


def test_signal_from_attempt_timeout_and_oauth():
    s = signal_from_attempt(_attempt(kind="timeout", qbo_entity="Payment", qbo_operation="create"))
    assert s.fault is None and classify(s).rule_id == "P7.timeout-on-write"
    s = signal_from_attempt(_attempt(kind="oauth", http_status=400, body='{"error":"invalid_grant"}'))
    assert classify(s).pattern == "P5" and classify(s).confidence >= 0.9


def test_signal_from_attempt_without_error():
    ok = SyncAttempt.model_validate(
        {
            "id": "a",
            "record_type": "item",
            "record_id": "1",
            "attempted_at": "2026-11-02T14:03:11Z",
            "attempt": 1,
            "trigger": "auto",
            "outcome": "succeeded",
        }
    )
    assert classify(signal_from_attempt(ok)).pattern == "unknown"


def test_signal_from_a_message_only_attempt():
    # Suprata's log may keep only its own words: body absent, message present.
    s = signal_from_attempt(
        _attempt(
            kind="http",
            http_status=400,
            qbo_entity="Invoice",
            message="QuickBooks Online Sync Error: Invalid Line TaxCode in the request: Valid line TaxCodes for US "
            "should be TAX or NON. Supplied value: 8",
        )
    )
    assert s.fault is not None and s.fault.code == "6100" and s.qbo_entity == "Invoice" and s.kind == "http"
    assert classify(s).pattern == "P4"


def test_every_error_of_a_fault_is_classified():
    from qbsync.diagnosis.classifier import classify_each, distinct_causes

    body = (
        '{"Fault":{"Error":[{"Message":"Invalid Line TaxCode in the request","code":"6100",'
        '"element":"Line.SalesItemLineDetail.TaxCodeRef"},{"Message":"Object Not Found","Detail":"Object Not Found : '
        'Something you\'re trying to use has been made inactive.","code":"610",'
        '"element":"Line.SalesItemLineDetail.ItemRef"}],"type":"ValidationFault"}}'
    )
    s = FailureSignal(record_type="invoice", http_status=400, qbo_entity="Invoice", fault=parse_fault(400, body))
    each = classify_each(s)
    assert [c.pattern for c in each] == ["P4", "P2"]
    assert [c.pattern for c in distinct_causes(each)] == ["P4", "P2"]
    assert classify(s).pattern == "P2"
