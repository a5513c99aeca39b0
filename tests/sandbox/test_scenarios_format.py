"""The scenario file format: built-ins current with their builders, the JSON Schema current, the catalogue."""

from __future__ import annotations

import json

import httpx
import jsonschema
import pytest
from _fixtures import REPO

from qbsync.sandbox import scenario as sc
from qbsync.sandbox.builtins import all_builtins
from qbsync.sandbox.catalog import builtin_names, list_scenarios, load_builtin, resolve_scenario

SCHEMA_PATH = REPO / "docs" / "scenario.schema.json"


def test_builtin_files_are_what_their_builders_write():
    for scenario in all_builtins():
        path = REPO / "src" / "qbsync" / "sandbox" / "scenarios" / f"{scenario.name}.json"
        assert path.read_text(encoding="utf-8") == sc.dump_scenario(scenario), (
            f"rerun: python -m qbsync.sandbox.builtins ({path.name})"
        )


def test_schema_file_is_current_and_validates_every_builtin():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema == sc.scenario_json_schema(), "regenerate docs/scenario.schema.json (see docs/sandbox.md)"
    validator = jsonschema.Draft202012Validator(schema)
    for name in builtin_names():
        path = REPO / "src" / "qbsync" / "sandbox" / "scenarios" / f"{name}.json"
        validator.validate(json.loads(path.read_text(encoding="utf-8")))


def test_invalid_scenarios_are_refused_with_a_reason():
    data = json.loads(sc.dump_scenario(load_builtin("healthy")))
    data["timeline"].append({"type": "invoice_created", "at": "2020-01-01T00:00:00Z", "number": "X", "customer": "C-1001", "lines": [{"sku": "SVC-CALL"}]})  # fmt: skip
    with pytest.raises(ValueError, match="outside the clock window"):
        sc.Scenario.model_validate(data)
    data["timeline"][-1] = {"type": "made_up", "at": "2026-10-10T00:00:00Z"}
    with pytest.raises(ValueError):
        sc.Scenario.model_validate(data)


def test_catalogue_lists_every_builtin_and_resolves_names_and_files(tmp_path):
    names = [info.name for info in list_scenarios()]
    assert names[:-1] == builtin_names() and names[-1] == "scale"
    assert {"demo", "healthy", "unknown", "p1-customer", "p7-throttled"} <= set(names)
    assert next(i for i in list_scenarios() if i.name == "demo").patterns == (
        "P1",
        "P2",
        "P3",
        "P4",
        "P5",
        "P6",
        "P7",
        "unknown",
    )
    path = tmp_path / "mine.json"
    path.write_text(sc.dump_scenario(load_builtin("p2-item")), encoding="utf-8")
    assert resolve_scenario(str(path)).name == "p2-item"
    with pytest.raises(KeyError):
        resolve_scenario("no-such-scenario")


@pytest.mark.loopback
def test_serve_answers_on_loopback_with_a_working_profile():
    from qbsync.sandbox.app import serve

    with serve("healthy", port=0) as server:
        profile = server.profile()
        assert profile["suprata_base_url"].startswith("http://127.0.0.1:")
        headers = {"Authorization": f"Bearer {profile['suprata_api_key']}"}
        account = httpx.get(f"{profile['suprata_base_url']}/api/v1/account", headers=headers, timeout=5)
        assert account.status_code == 200 and account.json()["name"] == "Peak Flow Plumbing & Heating"
        discovery = httpx.get(profile["oauth_discovery_url"], timeout=5).json()
        assert discovery["token_endpoint"].startswith(server.base_url)
