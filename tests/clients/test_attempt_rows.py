"""Sync attempts read straight into rows must be what the model would have read, field for field."""

from __future__ import annotations

import dataclasses
import json
import typing

import pytest
from pydantic import ValidationError

from qbsync.clients import suprata_models as m
from qbsync.clients.attempt_rows import Attempt, AttemptError, attempt_page_adapter, row_of

ENTRY = {
    "id": "att_1",
    "record_type": "invoice",
    "record_id": "inv_1",
    "record_number": "INV-1",
    "customer_id": "cus_1",
    "attempted_at": "2026-09-01T14:12:57Z",
    "attempt": 2,
    "trigger": "scheduled_retry",
    "outcome": "failed",
    "qbo_request_id": "e9e3",
    "error": {
        "kind": "http",
        "http_status": 400,
        "content_type": "application/json",
        "body": '{"Fault":{"Error":[{"Message":"Invalid Line TaxCode in the request","code":"6100"}]}}',
        "qbo_entity": "Invoice",
        "qbo_operation": "create",
        "intuit_tid": "1-6a96",
    },
}


@pytest.mark.parametrize(("row", "model"), [(Attempt, m.SyncAttempt), (AttemptError, m.SyncError)])
def test_rows_have_the_models_fields_and_types(row: type, model: type[m.SyncAttempt]) -> None:
    hints = typing.get_type_hints(row)
    names = {f.name for f in dataclasses.fields(row)} - {"malformed"}
    assert names == set(model.model_fields)
    for name, info in model.model_fields.items():
        if name == "error":
            continue  # the row's error is the row type, the model's is the model
        assert hints[name] == info.annotation, name
        default = next(f.default for f in dataclasses.fields(row) if f.name == name)
        required = default is dataclasses.MISSING
        assert required == info.is_required(), name
        if not required:
            assert default == info.default, name


def test_a_page_reads_into_the_same_rows_as_through_the_model() -> None:
    minimal = {k: ENTRY[k] for k in ("id", "record_type", "record_id", "attempted_at", "attempt", "trigger", "outcome")}
    page = json.dumps({"data": [ENTRY, minimal], "next_cursor": "c2"})
    direct = attempt_page_adapter().validate_json(page)
    through_model = [row_of(a) for a in m.Page[m.SyncAttempt].model_validate_json(page).data]
    assert direct["data"] == through_model
    assert direct["next_cursor"] == "c2"
    assert isinstance(direct["data"][0].error, AttemptError)


@pytest.mark.parametrize(
    "bad", [{"record_type": "estimate"}, {"trigger": "cron"}, {"attempted_at": "yesterday"}, {"error": {"kind": "x"}}]
)
def test_what_the_model_refuses_the_rows_refuse(bad: dict[str, object]) -> None:
    page = json.dumps({"data": [{**ENTRY, **bad}]})
    with pytest.raises(ValidationError):
        m.Page[m.SyncAttempt].model_validate_json(page)
    with pytest.raises(ValidationError):
        attempt_page_adapter().validate_json(page)
