"""Helpers for the Suprata, engine and scenario tests (tests/sandbox/conftest.py belongs to the QBO tests).

``cause_of`` is a deliberately small, test-side reading of a failure: just enough to check that each planted
cause produced the failures it should. It is not qbsync's classifier and must not become one.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import httpx

from qbsync.clients import suprata_models as m
from qbsync.sandbox import IN_PROCESS_BASE
from qbsync.sandbox.app import Sandbox, build_sandbox
from qbsync.sandbox.transport import SandboxTransport

REPO = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO / "docs" / "suprata-api.yaml"


def fresh(name: str, **kw: Any) -> Sandbox:
    return build_sandbox(name, **kw)


@cache
def shared(name: str) -> Sandbox:
    """A build reused across read-only tests (never mutate it)."""
    return build_sandbox(name)


def suprata_client(sandbox: Sandbox, api_key: str | None = None) -> httpx.Client:
    key = sandbox.scenario.suprata.api_key if api_key is None else api_key
    return httpx.Client(
        transport=SandboxTransport(sandbox.app),
        base_url=f"{IN_PROCESS_BASE}/suprata/api/v1",
        headers={"Authorization": f"Bearer {key}"} if key else {},
    )


def admin_client(sandbox: Sandbox) -> httpx.Client:
    return httpx.Client(transport=SandboxTransport(sandbox.app), base_url=f"{IN_PROCESS_BASE}/_sandbox")


def latest_attempts(sandbox: Sandbox) -> dict[tuple[str, str], m.SyncAttempt]:
    latest: dict[tuple[str, str], m.SyncAttempt] = {}
    for attempt in sandbox.suprata_store.attempts:
        latest[(attempt.record_type, attempt.record_id)] = attempt
    return latest


def qbo_code(error: m.SyncError | None) -> str | None:
    if error is None or not error.body:
        return None
    found = re.search(r'"code":"(\d+)"|code="(\d+)"', error.body)
    return (found.group(1) or found.group(2)) if found else None


def cause_of(attempt: m.SyncAttempt) -> str:
    e = attempt.error
    assert e is not None
    code = qbo_code(e)
    if e.kind == "oauth":
        return "P5"
    if code == "6240":
        return "P1" if e.qbo_entity == "Customer" else "P2"
    if code == "610":
        return "P6" if "deleted this transaction" in (e.body or "") else "P1"
    if code == "6210":
        return "P3"
    if code == "6100":
        return "P4"
    if code == "3001" or e.http_status == 429:
        return "P7"
    return "unknown"


def blocked_by_cause(sandbox: Sandbox) -> dict[str, Counter[str]]:
    """Records whose current state is failed or pending, by the cause their latest attempt shows."""
    out: dict[str, Counter[str]] = {}
    for (record_type, record_id), attempt in latest_attempts(sandbox).items():
        record = sandbox.suprata_store.get(record_type, record_id)
        assert record is not None
        if record.sync.state in ("failed", "pending"):
            assert attempt.outcome == "failed"
            out.setdefault(cause_of(attempt), Counter())[record_type] += 1
    return out


def expected_blocked(sandbox: Sandbox) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    for cause in sandbox.scenario.expected.root_causes:
        counter = out.setdefault(cause.pattern, Counter())
        counter.update(cause.blocked)
    return {k: v for k, v in out.items() if sum(v.values())}


def qbo_duplicate_doc_numbers(sandbox: Sandbox) -> list[str]:
    counts = Counter(inv.get("DocNumber") for inv in sandbox.qbo_company.all("Invoice"))
    return sorted(doc for doc, n in counts.items() if doc and n > 1)


def qbo_only_payments(sandbox: Sandbox) -> list[dict[str, Any]]:
    """QuickBooks payments no Suprata payment links to: entered directly in QuickBooks."""
    known = {p.sync.qbo_id for p in sandbox.suprata_store.payments.values() if p.sync.qbo_id}
    return [p for p in sandbox.qbo_company.all("Payment") if p["Id"] not in known]


def fingerprint(sandbox: Sandbox) -> list[Any]:
    """Everything deterministic about a build: records, attempts (bodies verbatim) and QBO's state."""
    store = sandbox.suprata_store
    records = [
        r.to_model().model_dump(mode="json")
        for table in (store.customers, store.items, store.invoices, store.payments)
        for r in table.values()
    ]
    attempts = [a.model_dump(mode="json") for a in store.attempts]
    for attempt in attempts:  # the OAuth emulator draws its intuit_tid at random (not the sandbox's to change)
        if attempt["error"] and attempt["error"]["kind"] == "oauth":
            attempt["error"]["intuit_tid"] = "<random>"
    qbo = {entity: sandbox.qbo_company.all(entity) for entity in ("Customer", "Item", "Invoice", "Payment")}
    return [records, attempts, qbo, sandbox.clock.now().isoformat()]


@cache
def openapi_spec() -> dict[str, Any]:
    import yaml

    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


def validate_against_spec(path_template: str, method: str, response: httpx.Response) -> None:
    """Validate one Suprata response body against docs/suprata-api.yaml (JSON Schema 2020-12 components)."""
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    spec = openapi_spec()
    operation = spec["paths"][path_template][method.lower()]
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {path_template} answered {status}, not in the spec"
    entry = operation["responses"][status]
    if "$ref" in entry:
        entry = spec["components"]["responses"][entry["$ref"].rsplit("/", 1)[-1]]
    schema = entry["content"]["application/json"]["schema"]
    uri = "urn:qbsync:suprata-api"
    registry = Registry().with_resource(uri, Resource.from_contents(spec, default_specification=DRAFT202012))
    wrapped = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": f"{uri}#{_pointer(schema)}"}
    if "$ref" not in schema:  # an inline schema: validate it directly with the registry for nested refs
        wrapped = {"$schema": "https://json-schema.org/draft/2020-12/schema", **_rebase(schema, uri)}
    validator = jsonschema.Draft202012Validator(wrapped, registry=registry)
    errors = sorted(validator.iter_errors(response.json()), key=lambda e: list(e.path))
    assert not errors, f"{method} {path_template} {status}: {errors[0].message} at {list(errors[0].path)}"


def _pointer(schema: dict[str, Any]) -> str:
    return schema["$ref"][1:] if schema.get("$ref", "").startswith("#") else ""


def _rebase(node: Any, uri: str) -> Any:
    if isinstance(node, dict):
        return {
            k: (f"{uri}{v}" if k == "$ref" and isinstance(v, str) and v.startswith("#") else _rebase(v, uri))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase(v, uri) for v in node]
    return node
