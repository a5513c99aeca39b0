"""The parsers and the classifier never raise, whatever they are fed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from qbsync.clients.faults import extract_fault_from_text, parse_batch_item, parse_fault
from qbsync.diagnosis.classifier import Facts, FailureSignal, classify, signal_from_fields, signal_from_text
from qbsync.diagnosis.explain import explain_jsonl

FRAGMENTS = st.sampled_from(
    [
        '{"Fault":{"Error":[',
        '"code":"6240"',
        "<IntuitResponse>",
        '<Fault type="SERVICE">',
        '<Error code="3001">',
        "message=ThrottleExceeded; errorCode=003001; statusCode=429",
        '{"error":"invalid_grant"}',
        '\\"',
        "</html>",
        "Duplicate Name Exists Error:",
        "]}",
        "}",
        "<",
        "status 5",
        "Error code",
    ]
)
TEXTY = st.lists(st.one_of(FRAGMENTS, st.text(max_size=30)), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    status=st.one_of(st.none(), st.integers(-5, 999)),
    body=st.one_of(st.binary(max_size=400), TEXTY),
    content_type=st.one_of(st.none(), st.sampled_from(["text/html", "application/xml", "application/json"])),
)
def test_parse_fault_never_raises(status, body, content_type):
    f = parse_fault(status, body, content_type, {"intuit_tid": "x"})
    if f is not None:
        classify(FailureSignal(http_status=status, fault=f))


@settings(max_examples=300, deadline=None)
@given(TEXTY)
def test_extract_and_classify_never_raise(text):
    extract_fault_from_text(text)
    c = classify(signal_from_text(text), Facts(qbo_duplicate_count=1, customer_state="inactive"))
    assert 0 <= c.confidence <= 1


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=10),
        st.one_of(st.none(), st.integers(), st.text(max_size=20), st.lists(st.integers(), max_size=2)),
        max_size=6,
    )
)
def test_batch_items_and_field_records_never_raise(d):
    parse_batch_item(d)
    parse_batch_item({"Fault": d})
    classify(signal_from_fields(d))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(TEXTY, st.text(max_size=50)), max_size=5))
def test_explain_jsonl_never_raises(lines):
    assert len(list(explain_jsonl(lines))) == len(lines)
