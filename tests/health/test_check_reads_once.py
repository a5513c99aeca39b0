"""check asks each question once: status, diagnose and the look-ahead share one read of what they share."""

from __future__ import annotations

import copy

import pytest

from qbsync.health.read_once import ReadOnce


class Source:
    def __init__(self):
        self.asked: list[tuple] = []
        self.http = "http-1"
        self.fail_next = False

    def rows(self, *, outcome=None, ids=None):
        self.asked.append(("rows", outcome, ids))
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("down")
        return [1, 2, 3]

    def iter_attempts(self):
        self.asked.append(("iter",))
        yield from (1, 2)


def test_a_repeated_read_is_answered_from_the_first_and_handed_out_as_a_copy():
    src = Source()
    view = ReadOnce(src)
    first = view.rows(outcome="failed", ids=["a", "b"])
    first.append(99)  # one reader's change never shows in another's
    assert view.rows(outcome="failed", ids=["a", "b"]) == [1, 2, 3]
    assert view.rows(outcome="succeeded") == [1, 2, 3]
    assert src.asked == [("rows", "failed", ["a", "b"]), ("rows", "succeeded", None)]
    list(view.iter_attempts())
    list(view.iter_attempts())
    assert src.asked.count(("iter",)) == 2  # streams pass straight through


def test_a_read_that_raised_is_asked_again_and_a_copy_shares_the_answers():
    src = Source()
    view = ReadOnce(src)
    src.fail_next = True
    with pytest.raises(RuntimeError):
        view.rows()
    assert view.rows() == [1, 2, 3] and len(src.asked) == 2
    twin = copy.copy(view)
    twin.http = "http-2"  # status's request counter: a copy of the client gets it
    assert twin.http == "http-2" and view.http == "http-1" and src.http == "http-1"
    assert twin.rows() == [1, 2, 3] and len(src.asked) == 2  # answered from the shared first read


class Row:
    def __init__(self, rid, state):
        self.id, self.state = rid, state


class Records:
    def __init__(self):
        self.asked: list[tuple] = []
        self.table = {f"inv_{n}": Row(f"inv_{n}", "failed" if n % 2 else "synced") for n in range(6)}

    def invoices(self, *, ids=None, sync_state=None, convert=None):
        self.asked.append(("invoices", tuple(ids) if ids is not None else None, sync_state))
        if ids is not None:
            rows = [self.table[i] for i in ids if i in self.table]
        else:
            rows = [r for r in self.table.values() if sync_state in (None, r.state)]
        return [convert(r) for r in rows] if convert is not None else rows


def test_records_a_list_read_holds_answer_a_read_by_id_in_the_order_asked():
    from qbsync.clients.compact import Compactor

    src = Records()
    view = ReadOnce(src)
    failed = view.invoices(sync_state="failed")
    assert [r.id for r in failed] == ["inv_1", "inv_3", "inv_5"]

    class Mark(Compactor):  # a caller's own conversion is applied to the rows held, as to the rows asked
        def __call__(self, value):
            return Row(value.id, "converted")

    rows = view.invoices(ids=["inv_5", "inv_0", "inv_9", "inv_1", "inv_5"], convert=Mark())
    assert [(r.id, r.state) for r in rows] == [(i, "converted") for i in ("inv_5", "inv_0", "inv_1", "inv_5")]
    assert src.asked[-1] == ("invoices", ("inv_0", "inv_9"), None)  # only the ids not held, once each
    view.invoices(ids=["inv_3"])
    assert len(src.asked) == 2  # all held: nothing asked


def test_check_reads_the_connection_and_quickbooks_settings_once(tmp_path):
    from qbsync.diagnosis.diagnose import Filters, diagnose
    from qbsync.health.check import run_check
    from qbsync.health.preflight import lookahead_risks
    from qbsync.health.status import read_status
    from qbsync.sandbox.app import build_sandbox
    from qbsync.services import services_for_sandbox

    sandbox = build_sandbox("demo")
    paths: list[str] = []
    mounts = sandbox.app._mounts
    at = next(i for i, (prefix, _) in enumerate(mounts) if prefix == "/suprata")
    suprata_service = mounts[at][1]

    def recording(req):
        paths.append(req.path)
        return suprata_service(req)

    mounts[at] = ("/suprata", recording)

    def requests(name, run):
        services = services_for_sandbox(sandbox, tmp_path / name)
        sandbox.qbo.reset_stats()
        paths.clear()
        run(services)
        return sandbox.qbo.stats()["endpoints"], list(paths)

    _, diag_supra = requests("diagnose", lambda s: diagnose(s, Filters()))
    _, status_supra = requests("status", read_status)
    _, ahead_supra = requests("look-ahead", lambda s: lookahead_risks(s, set()))
    check_qbo, check_supra = requests("check", lambda s: run_check(s, record=False))
    for endpoint in ("GET preferences", "GET cdc"):
        assert check_qbo.get(endpoint) == 1, (endpoint, check_qbo)
    assert "GET companyinfo" not in check_qbo  # Suprata's connection to the same company names it
    assert check_supra.count("/api/v1/quickbooks/connection") == 1
    assert len(check_supra) < len(diag_supra) + len(status_supra) + len(ahead_supra)


# --- a check run against diagnose alone, request by request ----------------------------------------------------

RECORD_PATHS = ("/api/v1/customers", "/api/v1/invoices", "/api/v1/payments", "/api/v1/items")


def _recorded(sandbox):
    """The sandbox's Suprata service wrapped to keep each request and the record ids each answer held."""
    import json

    log: list[tuple[str, dict, list[str]]] = []
    mounts = sandbox.app._mounts
    at = next(i for i, (prefix, _) in enumerate(mounts) if prefix == "/suprata")
    service = mounts[at][1]

    def recording(req):
        response = service(req)
        ids: list[str] = []
        if req.path.endswith(RECORD_PATHS) and response.status == 200:
            ids = [row["id"] for row in json.loads(response.body).get("data", [])]
        log.append((req.path, {k: v[0] for k, v in req.query.items()}, ids))
        return response

    mounts[at] = ("/suprata", recording)
    return log


def _run(sandbox, log, tmp_path, name, command):
    from qbsync.services import services_for_sandbox

    services = services_for_sandbox(sandbox, tmp_path / name)
    log.clear()
    before = services.qbo_request_count()
    command(services)
    return services.qbo_request_count() - before, list(log)


@pytest.fixture(scope="module")
def scale_runs(tmp_path_factory):
    """diagnose, check, then status, on one sandbox of 1,000 failures over 200 customers (nothing is pushed
    between)."""
    from qbsync.diagnosis.diagnose import Filters, diagnose
    from qbsync.health.check import run_check
    from qbsync.health.status import read_status
    from qbsync.sandbox.app import build_sandbox

    sandbox = build_sandbox("scale-1000-200")
    log = _recorded(sandbox)
    tmp = tmp_path_factory.mktemp("scale")
    return {
        "diagnose": _run(sandbox, log, tmp, "diagnose", lambda s: diagnose(s, Filters())),
        "check": _run(sandbox, log, tmp, "check", lambda s: run_check(s, record=False)),
        "status": _run(sandbox, log, tmp, "status", read_status),
    }


def test_check_asks_quickbooks_no_more_than_diagnose_does(scale_runs):
    """status's and the look-ahead's QuickBooks questions are diagnose's (its one round holds the look-ahead's
    names; Suprata's connection names the company), so check costs QuickBooks what diagnose costs it."""
    (diagnose_qbo, _), (check_qbo, _) = scale_runs["diagnose"], scale_runs["check"]
    assert check_qbo <= diagnose_qbo, (check_qbo, diagnose_qbo)


def test_check_reads_each_suprata_record_once(scale_runs):
    """A record status's backlog or the look-ahead already read is not asked for again by id."""
    from collections import Counter

    _, check_log = scale_runs["check"]
    seen = Counter((path, rid) for path, _, ids in check_log for rid in ids)
    twice = [key for key, n in seen.items() if n > 1]
    assert not twice, (len(twice), twice[:5])


def test_check_sends_diagnose_s_suprata_reads_and_only_status_s_and_the_look_ahead_s_own_beside_them(scale_runs):
    """Every Suprata request of check is one diagnose sends, or one of the questions diagnose never asks:
    the unsynced records (status's backlog and the look-ahead's unlinked customers and items, one list per
    type), and the summary of the last day's failures. None is asked twice, and no record is read by id
    beyond what diagnose reads by id."""
    from collections import Counter

    _, diagnose_log = scale_runs["diagnose"]
    _, check_log = scale_runs["check"]

    def question(path, query):
        return (path, tuple(sorted((k, v) for k, v in query.items() if k != "cursor")))

    diagnose_asks = Counter(question(p, q) for p, q, _ in diagnose_log if "ids" not in q)
    extra = Counter(question(p, q) for p, q, _ in check_log if "ids" not in q) - diagnose_asks
    own = {"unsynced", "since", "outcome", "limit"}
    for path, query in extra:
        assert {k for k, _ in query} <= own, (path, query)  # no latest-attempt stream or history of its own

    def ids_asked(log):
        return {(p, rid) for p, q, _ in log if "ids" in q for rid in q["ids"].split(",")}

    assert ids_asked(check_log) <= ids_asked(diagnose_log)
    assert sum(1 for _, q, _ in check_log if "ids" in q) <= sum(1 for _, q, _ in diagnose_log if "ids" in q)


def _newest_success(sandbox):
    return max((a.attempted_at for a in sandbox.suprata_store.attempts if a.outcome == "succeeded"), default=None)


@pytest.mark.parametrize("name", ["demo", "healthy", "p5-expired", "p7-throttled", "first-sync", "scale-300-60"])
def test_status_finds_the_last_success_without_reading_the_whole_log(name, tmp_path):
    from qbsync.health.status import read_status
    from qbsync.sandbox.app import build_sandbox
    from qbsync.services import services_for_sandbox

    sandbox = build_sandbox(name)
    report = read_status(services_for_sandbox(sandbox, tmp_path))
    assert report.last_success_at == _newest_success(sandbox)


def test_a_record_s_last_success_that_no_logged_push_matches_only_costs_windows(tmp_path):
    """The backlog's newest last-success bounds the search from below; one that the log does not hold (a
    record marked synced with no push logged near it) leads to the earlier windows, never to a wrong answer."""
    from datetime import timedelta

    from qbsync.health.status import read_status
    from qbsync.sandbox.app import build_sandbox
    from qbsync.services import services_for_sandbox

    sandbox = build_sandbox("scale-300-60")
    unsynced = next(r for r in sandbox.suprata_store.invoices.values() if r.sync.state != "synced")
    unsynced.sync.synced_at = sandbox.clock.now() - timedelta(days=9)  # no success logged then
    for attempt in list(sandbox.suprata_store.attempts):
        if attempt.outcome == "succeeded" and attempt.attempted_at > sandbox.clock.now() - timedelta(days=10):
            sandbox.suprata_store.attempts.remove(attempt)
    report = read_status(services_for_sandbox(sandbox, tmp_path))
    assert report.last_success_at == _newest_success(sandbox)


def test_check_sends_no_more_suprata_requests_than_diagnose_plus_status_s_connection_reads(scale_runs):
    """The issue's bound. Status's own questions cost one summary of the last day's failed pushes (its
    throttling figure, and the log's last success, which diagnose's "every push failed since" question is
    answered from), the look-ahead's one list of unlinked customers and the price list (one page); status's
    and the look-ahead's lists answer diagnose's reads of the same records (the waiting payments, the failing
    invoices, their items). So check sends no more than diagnose, let alone diagnose plus status's
    connection read."""
    _, diagnose_log = scale_runs["diagnose"]
    _, check_log = scale_runs["check"]
    _, status_log = scale_runs["status"]
    connection_reads = sum(1 for p, _, _ in status_log if p.endswith("/quickbooks/connection"))
    assert connection_reads == 1
    assert len(check_log) <= len(diagnose_log), (len(check_log), len(diagnose_log))
    summaries = [q for p, q, _ in check_log if p.endswith("/sync/attempts/summary")]
    assert len(summaries) == 1 and summaries[0]["outcome"] == "failed"  # status's; diagnose's answered from it
    assert not [q for p, q, _ in check_log if p.endswith("/sync/attempts") and ("since" in q or "until" in q)]
