"""The scale generator: the failures it plants are the failures the engine meets, deterministically."""

from __future__ import annotations

from _fixtures import blocked_by_cause, expected_blocked, fingerprint

from qbsync.sandbox.app import build_sandbox
from qbsync.sandbox.catalog import resolve_scenario
from qbsync.sandbox.generator import generate


def test_generated_failures_match_the_plan():
    sandbox = build_sandbox(generate(failures=400, customers=80, seed=3))
    found = blocked_by_cause(sandbox)
    assert found == expected_blocked(sandbox)
    assert sum(sum(c.values()) for c in found.values()) == sandbox.scenario.expected.failed_records == 400
    assert set(found) == {"P1", "P2", "P3", "P4", "P5", "P7", "unknown"}
    assert len(sandbox.suprata_store.customers) == 80


def test_generator_is_deterministic_and_the_wire_changes_nothing():
    spec = generate(failures=120, customers=30, seed=5)
    assert spec == generate(failures=120, customers=30, seed=5)
    assert spec != generate(failures=120, customers=30, seed=6)
    direct = build_sandbox(spec)  # generated scenarios use the direct wire by default
    via_httpx = build_sandbox(spec, wire="httpx")
    assert fingerprint(direct) == fingerprint(via_httpx)


def test_scale_names_resolve_to_the_generator():
    spec = resolve_scenario("scale-200-40")
    assert spec.name == "scale-200-40" and len(spec.suprata.customers) == 40
