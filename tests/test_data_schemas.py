"""Each command's ``--format json`` data validates against its published schema (docs/schemas/), and the
published schemas are the ones the code generates (``python -m qbsync.schemas`` rewrites them)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from clihelp import run_cli
from qbsync.schemas import command_types, schema_text

DOCS = Path(__file__).parent.parent / "docs" / "schemas"
RUNS = [
    ("diagnose", "--demo diagnose"),
    ("diagnose", "--scenario healthy diagnose"),
    ("status", "--demo status"),
    ("check", "--demo check"),
    ("check", "--demo check --history"),
    ("trace", "--demo trace INV-1238"),
    ("trace", '--demo trace --customer "Front Range Electric"'),
    ("trace", "--demo trace INV-1255 --watch --wait 30"),
    ("trace", "--demo trace INV-9999 --watch --wait 10"),
    ("retry", "--demo retry --all-safe --dry-run"),
    ("explain", "explain 6240"),
    ("explain", "explain P1"),
    ("config", "config"),
    ("config", "config path"),
    ("preflight", "--scenario year-end-batch preflight"),
    ("preflight", "--scenario healthy preflight"),
    ("preflight", "--scenario first-sync preflight --lists"),
    ("preflight", "--scenario healthy preflight --lists"),
]


@pytest.mark.parametrize("command", sorted(command_types()))
def test_published_schema_is_current(command: str) -> None:
    path = DOCS / f"{command}.data.schema.json"
    assert path.read_text(encoding="utf-8") == schema_text(command), f"run: python -m qbsync.schemas ({path})"


@pytest.mark.parametrize(("command", "args"), RUNS, ids=[a for _, a in RUNS])
def test_real_output_validates(command: str, args: str) -> None:
    result = run_cli(f"--json {args}")
    envelope = json.loads(result.stdout)
    assert envelope["command"] == command and envelope["data"], result.stderr
    schema = json.loads((DOCS / f"{command}.data.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(envelope["data"], schema, format_checker=jsonschema.FormatChecker())


def test_the_schema_catches_a_wrong_shape() -> None:
    schema = json.loads((DOCS / "diagnose.data.schema.json").read_text(encoding="utf-8"))
    data = run_cli("--json --demo diagnose").json()["data"]
    data["summary"]["failures"] = "forty-two"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)
