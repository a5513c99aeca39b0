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
    for endpoint in ("GET preferences", "GET companyinfo", "GET cdc"):
        assert check_qbo.get(endpoint) == 1, (endpoint, check_qbo)
    assert check_supra.count("/api/v1/quickbooks/connection") == 1
    assert len(check_supra) < len(diag_supra) + len(status_supra) + len(ahead_supra)
