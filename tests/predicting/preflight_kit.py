"""The accuracy check of ``qbsync preflight``: predict, let the sandbox's Suprata push the batch, and compare
record by record with what really happened (Suprata's sync state, and diagnose's answer for what failed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qbsync.sandbox.catalog import builtin_names, load_builtin

# How a person lets Suprata push what waits: switch the sync on (a company before its first sync), and release
# the records held from sync (a batch keyed in for later). Each is a no-op where it does not apply.
RELEASE = [{"type": "sync_enabled"}, {"type": "batch_released"}]


def batch_scenarios() -> list[str]:
    """Every built-in scenario with a batch waiting: records held for a later push (``held: true``), or the
    sync not switched on yet (``suprata.sync_enabled: false``, a company before its first sync)."""
    out = []
    for name in builtin_names():
        s = load_builtin(name)
        if not s.suprata.sync_enabled or any(getattr(e, "held", False) for e in s.timeline):
            out.append(name)
    return out


def release(sandbox: Any) -> None:
    for event in RELEASE:
        sandbox.apply_event(event)


@dataclass
class Outcome:
    number: str
    fails: bool
    pattern: str | None = None
    cause: str | None = None
    cause_id: str | None = None  # the root cause (diagnose) or plan entry (preflight) the record is under


def predicted(preflight_data: dict[str, Any]) -> dict[str, Outcome]:
    return {
        r["number"]: Outcome(r["number"], r["outcome"] == "will_fail", r["pattern"], r["cause"], r["cause_id"])
        for r in preflight_data["records"]
        if r["outcome"] != "in_quickbooks"
    }


def actual(states: dict[str, str], diagnose_data: dict[str, Any]) -> dict[str, Outcome]:
    """``states``: Suprata's sync state of each record after the push; a record not synced failed (or waits on
    one that failed), and diagnose says why."""
    why = {}
    for cause in diagnose_data["root_causes"]:
        for r in cause["records"]:
            why.setdefault(r["number"], (r["pattern"], r["cause"], cause["id"]))
    out = {}
    for number, state in states.items():
        fails = state != "synced"
        pattern, kind, cause_id = why.get(number, (None, None, None)) if fails else (None, None, None)
        out[number] = Outcome(number, fails, pattern, kind, cause_id)
    return out


@dataclass
class Accuracy:
    records: int
    agree: int
    failures: int  # records that really failed
    disagreements: list[tuple[Outcome, Outcome | None]]

    @property
    def share(self) -> float:
        return self.agree / self.records if self.records else 1.0


def compare(guess: dict[str, Outcome], truth: dict[str, Outcome]) -> Accuracy:
    """Same outcome, and for a failure the same pattern, cause kind and root cause, for every record."""
    wrong: list[tuple[Outcome, Outcome | None]] = []
    for number, g in guess.items():
        t = truth.get(number)
        same = t is not None and g.fails == t.fails
        if same and g.fails and t is not None:
            same = (g.pattern, g.cause, g.cause_id) == (t.pattern, t.cause, t.cause_id)
        if not same:
            wrong.append((g, t))
    failures = sum(1 for t in truth.values() if t.fails)
    return Accuracy(len(guess), len(guess) - len(wrong), failures, wrong)
