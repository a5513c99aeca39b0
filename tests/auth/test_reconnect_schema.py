# ruff: noqa: F811  (pytest fixtures imported from test_reconnect_kit are parameters here)
"""``reconnect``'s ``--format json`` data validates against its published schema (docs/schemas/), from real
runs: the demo's connect, paste and revoke flows in-process, and the browser flow over 127.0.0.1 (approved
and denied), so every status the report can carry is checked, not only the happy one."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from test_reconnect_kit import browser, live, scan  # noqa: F401  (fixtures)

from clihelp import run_cli

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "docs" / "schemas" / "reconnect.data.schema.json").read_text(encoding="utf-8")
)


def validated(stdout: str) -> dict:
    envelope = json.loads(stdout)
    assert envelope["command"] == "reconnect" and envelope["data"], envelope
    jsonschema.validate(envelope["data"], SCHEMA, format_checker=jsonschema.FormatChecker())
    return envelope["data"]


@pytest.mark.parametrize(
    ("args", "status"),
    [
        ("--demo reconnect", "connected"),
        ("--scenario healthy reconnect --no-browser", "connected"),
        ("--scenario healthy reconnect --revoke", "disconnected"),
    ],
)
def test_demo_reconnect_json_matches_the_schema(args: str, status: str, leaks) -> None:
    result = run_cli(f"--json {args}")
    assert result.exit_code == 0, result.stderr
    data = validated(result.stdout)
    assert data["qbsync_connection"]["status"] == status


@pytest.mark.loopback
def test_browser_reconnect_json_matches_the_schema(live, browser, leaks) -> None:
    fake = browser()
    result = run_cli("--json reconnect")
    fake.join()
    scan(leaks, result.stdout, result.stderr)
    assert result.exit_code == 0, result.stderr
    assert validated(result.stdout)["qbsync_connection"]["mode"] == "browser"


@pytest.mark.loopback
def test_denied_reconnect_json_matches_the_schema(live, browser, leaks) -> None:
    fake = browser(decision="cancel")
    result = run_cli("--json reconnect")
    fake.join()
    assert result.exit_code == 1
    assert validated(result.stdout)["qbsync_connection"]["status"] == "not_changed"


def test_the_reconnect_schema_catches_a_wrong_shape(leaks) -> None:
    data = json.loads(run_cli("--json --demo reconnect").stdout)["data"]
    data["qbsync_connection"]["status"] = 7
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA)
