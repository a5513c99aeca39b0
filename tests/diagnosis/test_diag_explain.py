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
