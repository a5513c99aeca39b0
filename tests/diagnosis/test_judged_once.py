"""Failures of one cause with the same facts are judged once: the shared answer is exactly each one's own."""

from __future__ import annotations

import dataclasses

import pytest

from qbsync.clients.faults import parse_logged_fault, parsed_once
from qbsync.diagnosis.classifier import Facts, classification_key, classify_each, distinct_causes, first_to_fix
from qbsync.diagnosis.evidence import facts_for, gather
from qbsync.diagnosis.failures import load_failures
from qbsync.diagnosis.planner import classify_all
from qbsync.sandbox.app import build_sandbox
from qbsync.sandbox.catalog import builtin_names
from qbsync.services import services_for_sandbox
from qbsync.wording import company_timezone


@pytest.mark.parametrize("name", builtin_names())
def test_every_failure_gets_what_judging_it_alone_gives(name, tmp_path):
    services = services_for_sandbox(build_sandbox(name), tmp_path)
    fs = load_failures(services.suprata)
    ev = gather(services.qbo, services.suprata, fs, services.clock.now(), timezone=company_timezone(services))
    shared = classify_all(fs, ev)
    alone = []
    for f in fs.failures:
        each = classify_each(f.signal, facts_for(f, fs, ev))
        primary = first_to_fix(each)
        alone += [(f.key, primary)] + [(f.key, c) for c in distinct_causes(each) if c.pattern != primary.pattern]
    assert [(c.failure.key, c.cls) for c in shared] == alone


BODY = '{"Fault":{"Error":[{"Message":"Duplicate Name Exists Error","code":"6240"}]},"time":"%s"}'


def test_answers_of_one_cause_share_their_parse_but_keep_their_own_words():
    one = parse_logged_fault(400, BODY % "2026-09-01T07:12:57.000-07:00", "application/json", "tid-1")
    two = parse_logged_fault(400, BODY % "2026-09-02T08:00:00.000-07:00", "application/json", "tid-2")
    assert one is not None and two is not None
    assert parsed_once(one) is parsed_once(two) is not None
    assert (one.intuit_tid, two.intuit_tid) == ("tid-1", "tid-2")
    assert "2026-09-02" in two.raw and one != two  # equality still sees every field, and only fields
    assert "_parsed_once" not in dataclasses.asdict(one)


def test_a_key_keeps_apart_what_the_rules_read(tmp_path):
    services = services_for_sandbox(build_sandbox("demo"), tmp_path)
    f = load_failures(services.suprata).failures[0]
    facts = Facts(customer_state="ok")
    assert classification_key(f.signal, facts) == classification_key(f.signal, Facts(customer_state="ok"))
    assert classification_key(f.signal, facts) != classification_key(f.signal, Facts(customer_state="missing"))
    copied = dataclasses.replace(f.signal, fault=dataclasses.replace(f.signal.fault)) if f.signal.fault else None
    if copied is not None:
        assert classification_key(copied, facts) is None  # not a parse of the log: never shared
