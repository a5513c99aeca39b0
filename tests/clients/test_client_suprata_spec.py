"""docs/suprata-api.yaml is generated from the models and must be current and well-formed."""

from __future__ import annotations

import pytest
from clients_testkit import REPO, START

from qbsync.clients import suprata_models as m
from qbsync.clients.suprata_spec import build_spec, main, render_yaml

yaml = pytest.importorskip("yaml")
jsonschema = pytest.importorskip("jsonschema")


def test_docs_yaml_is_current():
    assert (REPO / "docs" / "suprata-api.yaml").read_text(encoding="utf-8") == render_yaml(), (
        "docs/suprata-api.yaml is stale: run python -m qbsync.clients.suprata_spec"
    )
    assert main(["--check"]) == 0


def test_spec_is_complete_and_refs_resolve():
    spec = yaml.safe_load(render_yaml())
    assert spec["openapi"] == "3.1.0"
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "The Suprata API key",
    }
    expected = {
        ("get", "/account"),
        ("get", "/quickbooks/connection"),
        ("get", "/sync/attempts"),
        ("get", "/customers"),
        ("get", "/customers/{id}"),
        ("get", "/items"),
        ("get", "/invoices"),
        ("get", "/invoices/{id}"),
        ("get", "/payments"),
        ("get", "/tax-categories"),
        ("post", "/sync/retries"),
        ("get", "/sync/retries/{id}"),
    }
    present = {(method, path) for path, ops in spec["paths"].items() for method in ops}
    assert expected <= present

    refs: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    for ref in refs:
        section, kind, name = ref.removeprefix("#/").split("/")
        assert name in spec[section][kind], ref
    jsonschema.Draft202012Validator.check_schema(spec["components"]["schemas"]["Invoice"])


def test_model_output_validates_against_the_spec():
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    spec = build_spec()
    registry = Registry().with_resource("urn:suprata", Resource(contents=spec, specification=DRAFT202012))

    def check(component: str, instance) -> None:
        jsonschema.Draft202012Validator(
            {"$ref": f"urn:suprata#/components/schemas/{component}"}, registry=registry
        ).validate(instance)

    status = m.QboSyncStatus(state="failed", attempts=2)
    invoice = m.Invoice(
        id="inv_1",
        number="INV-1",
        customer_id="cus_1",
        txn_date="2026-10-01",
        lines=[m.InvoiceLine(line_no=1, item_id="itm_1", quantity=1, unit_price="12.50", amount="12.50")],
        subtotal="12.50",
        tax_total="0.00",
        total="12.50",
        balance="12.50",
        status="open",
        created_at=START,
        updated_at=START,
        qbo=status,
    )
    check("InvoicePage", {"data": [invoice.model_dump(mode="json")], "next_cursor": None})
    check("ApiError", m.ApiError(error="not_found", message="x").model_dump(mode="json"))
    with pytest.raises(jsonschema.ValidationError):
        check("Invoice", {**invoice.model_dump(mode="json"), "total": "12.50"})  # money is a JSON number
