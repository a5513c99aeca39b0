"""Malformed sync-log entries (missing fields, non-JSON bodies, unknown record types) are diagnosed as
``unknown`` with a reason, and never sink the run."""

from __future__ import annotations

import json
from pathlib import Path

from qbsync.diagnosis.diagnose import Filters, diagnose
from qbsync.sandbox.app import build_sandbox
from qbsync.sandbox.http import SandboxRequest, SandboxResponse
from qbsync.services import services_for_sandbox

BAD_ENTRIES = [
    {
        "id": "att_bad_1",
        "record_type": "job",
        "record_id": "job_7",
        "record_number": "JOB-7",
        "attempted_at": "2026-11-24T10:00:00Z",
        "attempt": 1,
        "trigger": "auto",
        "outcome": "failed",
        "error": {"kind": "http", "http_status": 400, "body": '{"Fault":{"Error":[{"code":"2010"}]}}'},
    },
    {
        "id": "att_bad_2",
        "record_type": "invoice",
        "record_id": "inv_x",
        "attempted_at": "yesterday",
        "outcome": "failed",
        "error": {"http_status": 502, "body": "<html><body>Bad gateway</body></html>"},
    },
    {"id": "att_bad_3", "outcome": "failed", "error": "QuickBooks said no"},
]


def _with_bad_entries(app):
    def tampered(req: SandboxRequest) -> SandboxResponse:
        resp = app(req)
        if req.path.endswith("/api/v1/sync/attempts") and (req.arg("outcome") == "failed") and resp.status == 200:
            page = json.loads(resp.body)
            if not req.arg("cursor"):
                page["data"].extend(BAD_ENTRIES)
            return SandboxResponse.json(page)
        return resp

    return tampered


def test_malformed_entries_become_unknown_with_a_reason(tmp_path: Path) -> None:
    sandbox = build_sandbox("p3-closed-period")
    sandbox.app = _with_bad_entries(sandbox.app)
    report = diagnose(services_for_sandbox(sandbox, tmp_path), Filters())
    patterns = [c.pattern for c in report.root_causes]
    assert "P3" in patterns  # the real cause is still found
    unknown = [c for c in report.root_causes if c.pattern == "unknown"]
    numbers = {r.number or r.record_id for c in unknown for r in c.records}
    assert {"JOB-7", "inv_x"} <= numbers and len(numbers) >= 3
    reasons = " ".join(c.reason for c in unknown)
    assert "could not be read" in reasons or "does not know" in reasons
