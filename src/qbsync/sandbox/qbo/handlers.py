"""The QBO v3 resource endpoints of one company: entity CRUD, void/delete, query, CDC, batch,
preferences and companyinfo. Gateway concerns (auth, limits, injected faults) live in service.py."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from qbsync.sandbox.http import SandboxRequest, SandboxResponse
from qbsync.sandbox.qbo import faults
from qbsync.sandbox.qbo.company import QboCompany
from qbsync.sandbox.qbo.schema import MODELLED, NAME_LISTS, SINGLETONS, TRANSACTIONS, canonical
from qbsync.sandbox.qbo.validation import WriteContext
from qbsync.sandbox.qbo.xmlbody import XmlBodyError, parse_entity

BATCH_LIMIT = 30  # the best-supported number (limits page, client defaults); the hard cap is unconfirmed
CDC_WINDOW = timedelta(days=30)
_OPERATIONS = ("create", "update", "delete", "void")


@dataclass
class Outcome:
    response: SandboxResponse
    written: set[str] = field(default_factory=set)  # entities committed by this request


def _ok(co: QboCompany, payload: dict[str, Any]) -> SandboxResponse:
    return SandboxResponse.json({**payload, "time": co.envelope_time()})


def fault_response(co: QboCompany, err: faults.QboError) -> SandboxResponse:
    return SandboxResponse.json({"Fault": err.fault(), "time": co.envelope_time()}, status=err.status)


def _body_json(req: SandboxRequest) -> Any:
    try:
        return json.loads(req.body.decode("utf-8")) if req.body else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise faults.invalid_property("Unable to parse the request body as JSON") from None


def _write_body(req: SandboxRequest) -> Any:
    """A write's body: JSON, or XML when the client says so (quickbooks-ruby sends ``application/xml``)."""
    if "xml" not in req.headers.get("content-type", "").lower():
        return _body_json(req)
    try:
        return parse_entity(req.body)[1] if req.body else {}
    except (UnicodeDecodeError, XmlBodyError):
        raise faults.invalid_property("Unable to parse the request body as XML") from None


def _write_op(req: SandboxRequest, data: dict[str, Any]) -> str:
    operation = (req.arg("operation") or "").lower()
    include = (req.arg("include") or "").lower()
    if operation == "delete":
        return "delete"
    if operation == "void" or include == "void":
        return "void"
    if operation == "update" or data.get("Id") not in (None, ""):
        return "sparse" if data.get("sparse") is True else "update"
    if operation in ("", "create"):
        return "create"
    raise faults.unsupported_operation(operation)


def _ctx(req: SandboxRequest) -> WriteContext:
    return WriteContext(allow_duplicate_doc="allowduplicatedocnum" in (req.arg("include") or "").lower())


def handle(co: QboCompany, req: SandboxRequest, rest: list[str]) -> Outcome:
    """``rest``: the path segments after ``/v3/company/{realm}``."""
    try:
        return _route(co, req, rest)
    except faults.QboError as err:
        return Outcome(fault_response(co, err))


def _route(co: QboCompany, req: SandboxRequest, rest: list[str]) -> Outcome:
    path = "/v3/company/" + co.realm_id + "/" + "/".join(rest)
    if not rest:
        raise faults.unknown_resource(path)
    head = rest[0].lower()
    if head == "query" and len(rest) == 1:
        if req.method == "GET":
            statement = req.arg("query") or ""
        elif req.method == "POST":
            statement = req.text
        else:
            raise faults.unknown_resource(path)
        return Outcome(_ok(co, {"QueryResponse": co.query(statement)}))
    if head == "cdc" and len(rest) == 1 and req.method == "GET":
        return Outcome(_cdc(co, req))
    if head == "batch" and len(rest) == 1 and req.method == "POST":
        return _batch(co, req)
    entity = canonical(rest[0])
    if entity not in MODELLED:
        raise faults.unknown_resource(path)
    if entity in SINGLETONS:
        if req.method != "GET" or len(rest) > 2:
            raise faults.unknown_resource(path)
        if entity == "CompanyInfo" and (len(rest) != 2 or rest[1] != co.realm_id):
            raise faults.made_inactive()
        return Outcome(_ok(co, {entity: co.read(entity, "1")}))
    if req.method == "GET" and len(rest) == 2:
        return Outcome(_ok(co, {entity: _read(co, entity, rest[1])}))
    if req.method == "POST" and len(rest) == 1:
        data = _write_body(req)
        if not isinstance(data, dict):
            raise faults.invalid_property("request body")
        op = _write_op(req, data)
        result = co.apply(entity, op, data, _ctx(req))
        return Outcome(_ok(co, {entity: result}), written={entity})
    raise faults.unknown_resource(path)


def _read(co: QboCompany, entity: str, id_: str) -> dict[str, Any]:
    if not id_.isdigit():
        raise faults.invalid_id(id_)
    found = co.read(entity, id_)
    if found is None:
        raise faults.txn_deleted() if co.is_deleted(entity, id_) else faults.made_inactive()
    return found


def _cdc(co: QboCompany, req: SandboxRequest) -> SandboxResponse:
    from qbsync.clock import parse_iso

    raw_entities = req.arg("entities")
    raw_since = req.arg("changedSince")
    if not raw_entities:
        raise faults.required_param("entities")
    if not raw_since:
        raise faults.required_param("changedSince")
    names = []
    for part in raw_entities.split(","):
        name = canonical(part)
        if name is None:
            raise faults.query_validation_error(f"invalid context declaration: {part.strip()}")
        names.append(name)
    try:
        since = parse_iso(raw_since)
    except ValueError:
        raise faults.QboError("2070", "Invalid Date", f"Invalid date : {raw_since}") from None  # wording unconfirmed
    if since < co.clock.now() - CDC_WINDOW:
        # Real text seen in QuickBooksSharp#19; QBO answers with code 500 "Unsupported Operation".
        raise faults.unsupported_operation(f"cdc with changedSince date {raw_since} which is older than fixed days")
    responses = []
    for entity, objects in co.changes(names, since):
        responses.append({entity: objects, "startPosition": 1, "maxResults": len(objects)} if objects else {})
    return _ok(co, {"CDCResponse": [{"QueryResponse": responses}]})


def _batch(co: QboCompany, req: SandboxRequest) -> Outcome:
    body = _body_json(req)
    items = body.get("BatchItemRequest") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise faults.required_param("BatchItemRequest")
    if len(items) > BATCH_LIMIT:
        raise faults.batch_too_large(BATCH_LIMIT)
    ctx = _ctx(req)
    written: set[str] = set()
    out = []
    # Serial execution; an item cannot reference what an earlier item of the same batch created.
    for item in items:
        bid = item.get("bId") if isinstance(item, dict) else None
        try:
            result = _batch_item(co, item, ctx, written)
        except faults.QboError as err:
            result = {"Fault": err.fault()}
        result["bId"] = bid
        out.append(result)
    return Outcome(_ok(co, {"BatchItemResponse": out}), written=written)


def _batch_item(co: QboCompany, item: Any, ctx: WriteContext, written: set[str]) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise faults.invalid_property("BatchItemRequest")
    if "Query" in item:
        return {"QueryResponse": co.query(str(item["Query"]))}
    if "CDCQuery" in item:
        spec = item["CDCQuery"] or {}
        fake = SandboxRequest(
            "GET", "", {"entities": [spec.get("Entities", "")], "changedSince": [spec.get("ChangedSince", "")]}
        )
        payload = json.loads(_cdc(co, fake).body)
        return {"CDCResponse": payload["CDCResponse"]}
    keys = [k for k in item if canonical(k) in NAME_LISTS + TRANSACTIONS]
    if len(keys) != 1:
        raise faults.invalid_property("BatchItemRequest")
    entity = canonical(keys[0])
    assert entity is not None
    data = item[keys[0]]
    if not isinstance(data, dict):
        raise faults.invalid_property(keys[0])
    operation = str(item.get("operation") or "create").lower()
    if operation not in _OPERATIONS:
        raise faults.unsupported_operation(operation)
    op = "sparse" if operation == "update" and data.get("sparse") is True else operation
    result = co.apply(entity, op, data, ctx)
    written.add(entity)
    if operation == "create":
        ctx.hidden.add((entity, result["Id"]))
    return {entity: result}
