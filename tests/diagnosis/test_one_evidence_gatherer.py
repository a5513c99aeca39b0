"""One evidence gatherer: trace's side reads and retry's duplicate guard ask QuickBooks through the reads the
evidence gatherer makes, not on their own. Counted on the sandbox, request by request."""

from __future__ import annotations

from pathlib import Path

import pytest

from qbsync.retrying import preflight
from qbsync.retrying.preflight import build_plan
from qbsync.retrying.targets import Selection
from qbsync.sandbox.app import build_sandbox
from qbsync.services import services_for_sandbox
from qbsync.tracing import trace


def _traced(name: str, ref: str | None, tmp_path: Path, customer: str | None = None) -> tuple[dict[str, int], int]:
    sandbox = build_sandbox(name)
    services = services_for_sandbox(sandbox, tmp_path)
    sandbox.qbo.reset_stats()
    before = services.qbo_request_count()
    trace(services, ref=ref, customer=customer)
    return sandbox.qbo.stats()["endpoints"], services.qbo_request_count() - before


@pytest.mark.parametrize(
    ("ref", "customer", "most"),
    [("INV-1170", None, 12), ("PMT-2147", None, 11), ("INV-1282", None, 10), (None, "Front Range Electric", 11)],
)
def test_a_trace_and_its_blocker_ask_the_change_feed_and_preferences_once(ref, customer, most, tmp_path) -> None:
    """A record Suprata could not push gets the diagnosis's blocker, whose evidence is gathered in a round of
    its own: the change feed and the preferences it needs are the ones trace's side reads already asked."""
    endpoints, sent = _traced("demo", ref, tmp_path, customer)
    assert endpoints.get("GET cdc") == 1 and endpoints.get("GET preferences") == 1, endpoints
    assert sent <= most, endpoints  # before the reads were shared: 14, 13, 12 and 16


def _plan_counting_the_guard(services, selection: Selection) -> tuple[int, int]:
    """(QuickBooks requests of the whole plan, of the duplicate guard's lookups after the gatherer)."""
    guard = []
    real = preflight._lookups

    def counted(*args):
        before = services.qbo_request_count()
        try:
            return real(*args)
        finally:
            guard.append(services.qbo_request_count() - before)

    before = services.qbo_request_count()
    preflight._lookups = counted
    try:
        build_plan(services, selection)
    finally:
        preflight._lookups = real
    return services.qbo_request_count() - before, sum(guard)


@pytest.mark.parametrize(
    ("name", "selection", "most"),
    [
        ("demo", Selection(all_safe=True), 14),  # 19 when the guard read on its own
        ("demo", Selection(refs=["INV-1170", "PMT-2147"]), 12),
        ("p1-customer", Selection(all_safe=True), 13),  # 16
        ("p5-expired", Selection(all_safe=True), 13),  # 16
    ],
)
def test_the_duplicate_guard_asks_in_the_gatherers_round(name, selection, most, tmp_path) -> None:
    services = services_for_sandbox(build_sandbox(name), tmp_path)
    sent, by_guard = _plan_counting_the_guard(services, selection)
    assert by_guard == 0 and sent <= most, (sent, by_guard)


def test_a_selection_by_pattern_reads_only_what_the_gatherer_did_not(tmp_path) -> None:
    """Which records --pattern picks is known once they are classified: the guard then reads the rest itself
    (customers and items the gatherer already asked for are not asked again), no more than before (17)."""
    services = services_for_sandbox(build_sandbox("demo"), tmp_path)
    sent, by_guard = _plan_counting_the_guard(services, Selection(pattern="P1"))
    assert 0 < by_guard <= 5 and sent <= 17, (sent, by_guard)
