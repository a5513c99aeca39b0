"""Several real ``qbsync retry`` processes against one served sandbox (127.0.0.1 only).

The sandbox is served from this process (so a test can inject faults and count QuickBooks documents); each
run is a separate interpreter started with ``python -m qbsync`` and the ``QBSYNC_*`` settings that
``qbsync sandbox serve`` prints, sharing one ``QBSYNC_HOME``. Used by the suite (few rounds) and by
``bench/bench_concurrent_retry.py`` (20 rounds).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qbsync.auth.tokens import TokenGrant, TokenStore
from qbsync.clock import format_iso
from qbsync.sandbox.app import serve
from secrets_scan import record_stream

RUN_TIMEOUT = 240.0  # seconds per round, for every process together: a hang fails the round, never the machine


@dataclass
class Run:
    code: int | None
    stdout: str
    stderr: str

    def envelope(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.stdout)
        except ValueError:
            return None


@dataclass
class Round:
    runs: list[Run]
    duplicates: dict[str, int]  # document key -> copies beyond the first
    created: int  # QuickBooks documents created during the round
    problems: list[str] = field(default_factory=list)


def document_keys(sandbox: Any) -> Counter[str]:
    """Live invoices by DocNumber and payments by (customer, amount, date): a copy shows as a count above one."""
    co = sandbox.qbo_company
    keys: Counter[str] = Counter()
    for r in co.all("Invoice"):
        voided = str(r.get("PrivateNote") or "").lower().startswith("voided") and not float(r.get("TotalAmt") or 0)
        if not voided:
            keys[f"Invoice {r.get('DocNumber')}"] += 1
    for r in co.all("Payment"):
        ref = (r.get("CustomerRef") or {}).get("value")
        keys[f"Payment {ref} {r.get('TotalAmt')} {r.get('TxnDate')}"] += 1
    for r in co.all("Customer"):
        keys[f"Customer {r.get('DisplayName')}"] += 1
    return keys


class ServedCompany:
    """One scenario served on loopback, qbsync's grant seeded into a shared QBSYNC_HOME."""

    def __init__(self, scenario: str, home: Path) -> None:
        self.server = serve(scenario, port=0)
        self.sandbox = self.server.sandbox
        self.home = home
        self.profile = "default"
        issued = self.sandbox.qbsync_tokens
        if issued is not None:
            grant = TokenGrant.from_token_response(
                issued.as_token_json(include_hard_expiry=True), self.sandbox.clock.now()
            )
            TokenStore(home / "data" / "tokens", self.profile).save_connection(
                grant, realm_id=self.sandbox.realm_id, environment=self.server.profile()["oauth_discovery_url"]
            )

    def close(self) -> None:
        self.server.stop()

    def environ(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("QBSYNC_")}
        env.update({f"QBSYNC_{k.upper()}": v for k, v in self.server.profile().items()})
        env["QBSYNC_NOW"] = format_iso(self.sandbox.clock.now())
        env["QBSYNC_HOME"] = str(self.home)
        env["COLUMNS"] = "120"
        env.update(extra)
        return env

    def run_together(self, count: int, args: list[str], timeout: float = RUN_TIMEOUT, **extra: str) -> list[Run]:
        """Start ``count`` processes at once and wait for all; a process still running at the bound is killed."""
        env = self.environ(**extra)
        argv = [sys.executable, "-m", "qbsync", *args]
        procs = [
            subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(count)
        ]
        end = time.monotonic() + timeout
        runs = []
        for p in procs:
            try:
                out, err = p.communicate(timeout=max(1.0, end - time.monotonic()))
                runs.append(Run(p.returncode, out, err))
            except subprocess.TimeoutExpired:
                p.kill()
                out, err = p.communicate()
                runs.append(Run(None, out, err + "\n[killed: still running at the bound]"))
        record_stream(*(t for r in runs for t in (r.stdout, r.stderr)))  # for the suite's secrets scan
        return runs

    def retry_round(self, count: int, *, lost_answers: int = 0, extra_args: tuple[str, ...] = ()) -> Round:
        if lost_answers:
            self.sandbox.qbo_faults.timeout_after_commit("Invoice", lost_answers)
            self.sandbox.qbo_faults.timeout_after_commit("Payment", lost_answers)
        before = document_keys(self.sandbox)
        runs = self.run_together(count, ["retry", "--all-safe", "--yes", "--json", *extra_args])
        after = document_keys(self.sandbox)
        dups = {k: n - max(1, before.get(k, 0)) for k, n in after.items() if n > max(1, before.get(k, 0))}
        created = sum(after.values()) - sum(before.values())
        return Round(runs, dups, created, [p for r in runs for p in problems_of(r)])


def problems_of(run: Run) -> list[str]:
    """What makes a run's output unacceptable: no envelope, a crash, or a run that says nothing of what it did."""
    out: list[str] = []
    env = run.envelope()
    if run.code is None:
        out.append("hung (killed at the bound)")
    if "Traceback" in run.stderr or "unexpected error" in (run.stderr + run.stdout).lower():
        out.append(f"crashed: {run.stderr.strip()[-300:]}")
    if env is None:
        out.append(f"no JSON envelope (exit {run.code}): {run.stdout[:200]!r} {run.stderr[-300:]!r}")
        return out
    data = env.get("data") or {}
    said = data.get("records") is not None or env.get("errors")
    if not said:
        out.append(f"says neither what it did nor why it stopped: {run.stdout[:300]}")
    return out
