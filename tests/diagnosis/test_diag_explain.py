"""explain_text and explain_jsonl: the core of ``qbsync explain``."""

from __future__ import annotations

import json

from qbsync.diagnosis.explain import explain_jsonl, explain_text


def test_explain_text_gives_steps_and_docs():
    e = explain_text("Duplicate Name Exists Error: The name supplied already exists. : null", entity="Item")
    assert e.classification.pattern == "P2" and e.fix_by == "self" and e.retry == "useless_until_fixed"
    assert e.steps and e.docs == "docs/patterns.md#p2-item-name-collision"


def test_explain_text_with_explicit_code_and_status():
    e = explain_text("whatever the tool printed", code=6210, status=400)
    assert e.classification.pattern == "P3" and e.warning


def test_explain_jsonl_one_object_per_line_in_order():
    lines = [
        json.dumps({"code": "3001", "http_status": 429}),
        "not json",
        json.dumps([1, 2]),
        "",
        json.dumps({"message": None, "detail": None, "code": None}),
        json.dumps({"raw": '{"error":"invalid_grant"}'}),
        json.dumps({"code": "6240", "entity": "Customer", "fault_type": "ValidationFault"}),
    ]
    out = list(explain_jsonl(lines))
    assert [o["line"] for o in out] == list(range(1, 8))
    assert out[0]["pattern"] == "P7"
    assert out[1]["error"]["code"] == "bad_line" and out[2]["error"]["code"] == "bad_line"
    assert out[3]["error"]["code"] == "bad_line"
    assert out[4]["pattern"] == "unknown"
    assert out[5]["pattern"] == "P5"
    assert out[6]["pattern"] == "P1"
    for o in out:
        assert "error" in o or {"pattern", "name", "confidence", "reason"} <= set(o)
        json.dumps(o)  # serialisable as is


def test_explain_jsonl_tolerates_odd_field_types():
    lines = [json.dumps({"code": 6240, "http_status": "400", "entity": "Item", "detail": ["x"], "raw": {"a": 1}})]
    (out,) = explain_jsonl(lines)
    assert out["pattern"] == "P2"


TWO_ERRORS = (
    '{"Fault":{"Error":['
    '{"Message":"Invalid Line TaxCode in the request","Detail":"Valid line TaxCodes for US should be TAX or NON. '
    'Supplied value: 8","code":"6100","element":"Line.SalesItemLineDetail.TaxCodeRef"},'
    '{"Message":"Invalid Reference Id","Detail":"Invalid Reference Id : Line.SalesItemLineDetail.ItemRef",'
    '"code":"2500","element":"Line.SalesItemLineDetail.ItemRef"}],"type":"ValidationFault"}}'
)


def test_explain_lists_each_error_of_a_multi_error_fault():
    e = explain_text(TWO_ERRORS, status=400, entity="Invoice")
    assert [x.classification.pattern for x in e.errors] == ["P4", "P2"]
    assert [x.code for x in e.errors] == ["6100", "2500"]
    assert e.classification.pattern == "P2"  # items come before tax in the plan


def test_explain_jsonl_carries_every_error():
    (out,) = explain_jsonl([json.dumps({"raw": TWO_ERRORS, "entity": "Invoice"})])
    assert [x["pattern"] for x in out["errors"]] == ["P4", "P2"]


def test_a_single_error_has_no_error_list():
    assert explain_text("Duplicate Name Exists Error: The name supplied already exists.", entity="Item").errors == ()


def test_connector_prefix_and_sdk_wrapper_are_read_through():
    for text, pattern in [
        ("QuickBooks Online Sync Error: The customer you have specified has been deleted.", "P1"),
        (
            "Quickbooks::IntuitRequestException: Invalid Reference Id:\n\tInvalid Reference Id : Line.SalesItemLineDetail.ItemRef",
            "P2",
        ),
        (
            "QuickBooks error (ValidationFault): Object Not Found : Something you're trying to use has been made inactive.",
            "unknown",
        ),
    ]:
        assert explain_text(text).classification.pattern == pattern, text


def test_a_message_contradicting_its_code_wins():
    e = explain_text("Duplicate Document Number Error: You must specify a different number.", code=6210)
    assert e.classification.pattern == "P6"


def test_generic_text_is_unknown_with_candidates():
    c = explain_text("Something you're trying to use has been made inactive.").classification
    assert c.pattern == "unknown" and set(c.candidates) == {"P1", "P2", "P4"}
