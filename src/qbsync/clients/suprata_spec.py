"""The OpenAPI 3.1 document of the Suprata API, built from ``suprata_models`` (the single source).

Components come from the models' JSON schemas (serialization mode for responses: that is what goes on
the wire; validation mode for the one request body). Paths are written here as data. Run
``python -m qbsync.clients.suprata_spec`` to rewrite ``docs/suprata-api.yaml``; ``--check`` fails when
the file is stale (a test does the same).
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from qbsync.clients import suprata_models as m

DEFAULT_OUTPUT = Path(__file__).resolve().parents[3] / "docs" / "suprata-api.yaml"
REF = "#/components/schemas/{model}"

# Response models, by component name. Pages get explicit names (``Page[Customer]`` is not a valid key).
RESPONSE_MODELS: dict[str, type[BaseModel]] = {
    "Account": m.Account,
    "QboConnection": m.QboConnection,
    "SyncAttempt": m.SyncAttempt,
    "SyncSummary": m.SyncSummary,
    "Customer": m.Customer,
    "Item": m.Item,
    "Invoice": m.Invoice,
    "Payment": m.Payment,
    "TaxCategory": m.TaxCategory,
    "RetryRequest": m.RetryRequest,
    "ApiError": m.ApiError,
}
PAGED = ("SyncAttempt", "Customer", "Item", "Invoice", "Payment", "TaxCategory")
REQUEST_MODELS: dict[str, type[BaseModel]] = {"RetryCreate": m.RetryCreate}

ERRORS = {
    "400": "invalid_request: a parameter is malformed (bad cursor, limit out of range, too many keys)",
    "401": "unauthorized: missing or wrong API key",
    "404": "not_found",
    "422": "invalid_request: the body does not validate",
    "429": "rate_limited; wait Retry-After seconds",
    "500": "unavailable",
    "503": "unavailable",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _add(schemas: dict[str, Any], name: str, model: type[BaseModel], mode: str) -> None:
    schema = model.model_json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
    for def_name, def_schema in schema.pop("$defs", {}).items():
        schemas.setdefault(def_name, def_schema)
    schema["title"] = name
    schemas[name] = schema


def components() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for name, model in RESPONSE_MODELS.items():
        _add(schemas, name, model, "serialization")
    for name in PAGED:
        _add(schemas, f"{name}Page", m.Page[RESPONSE_MODELS[name]], "serialization")  # type: ignore[valid-type]  # a model chosen at run time
    for name, model in REQUEST_MODELS.items():
        _add(schemas, name, model, "validation")
    return {
        "schemas": dict(sorted(schemas.items())),
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "description": "The Suprata API key"}},
        "responses": {
            f"Error{code}": {
                "description": text,
                "content": {"application/json": {"schema": _ref("ApiError")}},
                **(
                    {"headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}}
                    if code == "429"
                    else {}
                ),
            }
            for code, text in ERRORS.items()
        },
    }


# --- parameters -------------------------------------------------------------------------------------------


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _enum(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


PAGING = [
    _query("limit", "Page size", {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}),
    _query("cursor", "The next_cursor of the previous page"),
]
SYNC_STATE = _query(
    "sync_state", "Only records in this QuickBooks sync state", _enum("synced", "failed", "pending", "not_synced")
)
# Records not in QuickBooks yet (status's backlog, preflight's batch, the look-ahead's unlinked customers and
# items): every state but synced, in one paged list per type.
NOT_IN_QUICKBOOKS = _query(
    "unsynced",
    "true: only records not in QuickBooks yet (sync_state not_synced, pending or failed)",
    {"type": "boolean"},
)
TXN_DATES = [
    _query("txn_date_from", "Only records dated on or after this day", {"type": "string", "format": "date"}),
    _query("txn_date_to", "Only records dated on or before this day", {"type": "string", "format": "date"}),
]
RECORD_TYPE = _enum(*m.RECORD_TYPES)
ERROR_KINDS = ("http", "timeout", "connection", "oauth")  # SyncError.kind


def _keys(name: str, what: str) -> dict[str, Any]:
    return _query(name, f"Comma-separated {what}, at most 500", {"type": "string", "pattern": "^[^,]+(,[^,]+)*$"})


ATTEMPT_FILTERS = [  # the sync log's filters: its list and its summary take the same
    _query("outcome", "succeeded or failed", _enum("succeeded", "failed")),
    _query("record_type", "Record type", RECORD_TYPE),
    _query("record_id", "One record's attempts"),
    _keys("record_ids", "record ids: only these records' attempts"),
    _query("error_kind", "Only failed attempts whose error has this kind", _enum(*ERROR_KINDS)),
    _query("since", "Attempts at or after this time", {"type": "string", "format": "date-time"}),
    _query("until", "Attempts before this time", {"type": "string", "format": "date-time"}),
    _query("latest", "Only each record's most recent attempt (the current red marks)", {"type": "boolean"}),
]


def _id_path(name: str = "id") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: {"$ref": f"#/components/responses/Error{code}"} for code in codes}


def _get(op_id: str, summary: str, schema: str, params: list[dict[str, Any]], *errors: str) -> dict[str, Any]:
    return {
        "get": {
            "operationId": op_id,
            "summary": summary,
            "parameters": params,
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": _ref(schema)}}},
                **_errors("401", *errors, "429", "500", "503"),
            },
        }
    }


def paths() -> dict[str, Any]:
    by_id = [_id_path()]
    return {
        "/account": _get("getAccount", "The Suprata account: name, timezone, home state", "Account", []),
        "/quickbooks/connection": _get("getQboConnection", "Suprata's own QuickBooks connection", "QboConnection", []),
        "/sync/attempts": _get(
            "listSyncAttempts",
            "Every push to QuickBooks, oldest first",
            "SyncAttemptPage",
            [*ATTEMPT_FILTERS, *PAGING],
            "400",
        ),
        "/sync/attempts/summary": _get(
            "summariseSyncAttempts",
            "The attempts GET /sync/attempts would list with these filters, counted by outcome, error kind and HTTP "
            "status (count and newest each), and the log's last success: one answer, no entries",
            "SyncSummary",
            copy.deepcopy(ATTEMPT_FILTERS),  # written out again, not as YAML aliases of the list's
            "400",
        ),
        "/customers": _get(
            "listCustomers",
            "Customers",
            "CustomerPage",
            [
                _keys("ids", "customer ids"),
                _keys("numbers", "customer numbers (C-1001)"),
                _keys("qbo_ids", "ids of the linked QuickBooks customers"),
                _query("q", "Case-insensitive substring of the display name"),
                SYNC_STATE,
                NOT_IN_QUICKBOOKS,
                *PAGING,
            ],
            "400",
        ),
        "/customers/{id}": _get("getCustomer", "One customer", "Customer", by_id, "404"),
        "/items": _get(
            "listItems",
            "Price-list items; qbo.qbo_id links an item to QuickBooks",
            "ItemPage",
            [
                _keys("ids", "item ids"),
                _keys("skus", "item SKUs"),
                _keys("qbo_ids", "ids of the linked QuickBooks items"),
                SYNC_STATE,
                NOT_IN_QUICKBOOKS,
                *PAGING,
            ],
            "400",
        ),
        "/items/{id}": _get("getItem", "One item", "Item", by_id, "404"),
        "/invoices": _get(
            "listInvoices",
            "Invoices",
            "InvoicePage",
            [
                _keys("ids", "invoice ids"),
                _keys("numbers", "invoice numbers (INV-1042)"),
                _keys("qbo_ids", "ids of the linked QuickBooks invoices"),
                _query("customer_id", "One customer's invoices"),
                SYNC_STATE,
                NOT_IN_QUICKBOOKS,
                *TXN_DATES,
                *PAGING,
            ],
            "400",
        ),
        "/invoices/{id}": _get("getInvoice", "One invoice with lines, tax category, totals", "Invoice", by_id, "404"),
        "/payments": _get(
            "listPayments",
            "Payments",
            "PaymentPage",
            [
                _keys("ids", "payment ids"),
                _keys("numbers", "payment numbers (PMT-2001)"),
                _keys("qbo_ids", "ids of the linked QuickBooks payments"),
                _query("customer_id", "One customer's payments"),
                _query("invoice_id", "Payments applied to this invoice"),
                SYNC_STATE,
                NOT_IN_QUICKBOOKS,
                *TXN_DATES,
                *PAGING,
            ],
            "400",
        ),
        "/payments/{id}": _get("getPayment", "One payment", "Payment", by_id, "404"),
        "/tax-categories": _get(
            "listTaxCategories",
            "Tax categories with per-state QuickBooks tax code mappings",
            "TaxCategoryPage",
            PAGING,
            "400",
        ),
        "/sync/retries": {
            "post": {
                "operationId": "createRetry",
                "summary": "Ask Suprata to push one record again",
                "description": "The same Idempotency-Key returns the same request and never a second push.",
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": True,
                        "description": "Fixed once per logical request and reused on every retry of it",
                        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                    }
                ],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("RetryCreate")}}},
                "responses": {
                    "202": {"description": "Queued", "content": {"application/json": {"schema": _ref("RetryRequest")}}},
                    **_errors("400", "401", "404", "422", "429", "500", "503"),
                },
            }
        },
        "/sync/retries/{id}": _get(
            "getRetry", "A retry request and, once finished, its attempt", "RetryRequest", by_id, "404"
        ),
    }


def build_spec() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Suprata API (as qbsync expects it)",
            "version": "1",
            "description": "Generated from src/qbsync/clients/suprata_models.py by qbsync.clients.suprata_spec; "
            "see docs/suprata-api.md. Do not edit by hand.",
        },
        "servers": [
            {
                "url": "{base}/api/v1",
                "variables": {"base": {"default": "http://sandbox.invalid/suprata", "description": "Suprata base URL"}},
            }
        ],
        "security": [{"bearerAuth": []}],
        "paths": paths(),
        "components": components(),
    }


def render_yaml(spec: dict[str, Any] | None = None) -> str:
    import yaml  # a test extra; only this script needs it

    text: str = yaml.safe_dump(spec or build_spec(), sort_keys=False, allow_unicode=True, width=120)
    return text


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    rest = [a for a in args if a != "--check"]
    output = Path(rest[0]) if rest else DEFAULT_OUTPUT
    text = render_yaml()
    if check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            sys.stderr.write(f"{output} is stale: run python -m qbsync.clients.suprata_spec\n")
            return 1
        return 0
    output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
