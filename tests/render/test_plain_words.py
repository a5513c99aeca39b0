"""What every command prints over the demo says "1 record" and "3 records", never "record(s)", and its times
are the company's (America/Denver), never UTC; the JSON's prose too (its timestamps stay UTC, written with Z).

The demo's refusals, stops and notes come from core (retry's one-line error, diagnose's evidence, check's
risks), so this reads what core wrote as well as what the views add.
"""

from __future__ import annotations

import json
import re

import pytest

from clihelp import run_cli

COMMANDS = [
    "diagnose --details",
    "diagnose --payments --details",
    "status",
    "check",
    "check --history",
    "trace INV-1238 --details",
    "trace INV-1245 --details",
    "trace INV-1293 --details",
    "trace PMT-2213 --details",
    'trace --customer "Front Range Electric" --details',
    "retry --all-safe --dry-run --details",
    "retry INV-1170 --yes",
    "retry --all-safe --yes",
    "explain P3",
    "explain P5",
    "config",
    "sandbox scenarios",
]
GUESSED_PLURAL = re.compile(r"\w\((?:s|es|ies)\)")
UTC_IN_WORDS = re.compile(r"\bUTC\b")


def _prose(value: object) -> list[str]:
    """Every string of a JSON document (timestamps are ISO with Z, never the word UTC)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _prose(v)]
    if isinstance(value, list):
        return [s for v in value for s in _prose(v)]
    return []


@pytest.mark.parametrize("args", COMMANDS)
def test_people_read_real_plurals_and_the_company_clock(args: str) -> None:
    human = run_cli(f"--demo {args}", env={"COLUMNS": "120"})
    assert human.exit_code in (0, 1, 2), human.stderr
    text = human.stdout + human.stderr
    assert not GUESSED_PLURAL.findall(text), [line for line in text.splitlines() if GUESSED_PLURAL.search(line)]
    assert not UTC_IN_WORDS.findall(text), [line for line in text.splitlines() if UTC_IN_WORDS.search(line)]

    machine = run_cli(f"--demo --format json {args}")
    envelope = json.loads(machine.stdout)
    prose = _prose(envelope)
    assert not [s for s in prose if GUESSED_PLURAL.search(s)]
    assert not [s for s in prose if UTC_IN_WORDS.search(s) and s != "UTC"]  # a zone field may name UTC itself


def test_retry_refusal_counts_in_words() -> None:
    refused = run_cli("--demo retry INV-1170 --yes")
    assert refused.exit_code == 1
    assert "nothing to retry: 2 records refused" in refused.stderr  # was "2 record(s) refused"
