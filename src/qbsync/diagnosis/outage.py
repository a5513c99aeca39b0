"""When QuickBooks is down or throttling while qbsync runs: the plan from Suprata's log alone.

Suprata's sync log says what failed and what QuickBooks answered at the time; only the confirmation (is the
vendor still holding that name? are the books still closed?) needs QuickBooks now. So when QuickBooks cannot
be read, the causes are still listed, from the recorded errors, each marked "not confirmed: QuickBooks
unreachable (HTTP 503 since 09:12)"; the one cause QuickBooks' silence does confirm, P7 (throttled or
unavailable), is confirmed now. The exit code stays that of the plan (docs/cli.md): 2 or 1, not 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from qbsync.clients.errors import TemporarilyUnavailable, Unreachable
from qbsync.wording import local_clock, plural

if TYPE_CHECKING:
    from qbsync.diagnosis.report import RootCause

QUICKBOOKS = "QuickBooks"


@dataclass(frozen=True)
class QuickBooksDown:
    """QuickBooks could not be read in this run: what it answered (or that it did not), and since when."""

    status: int | None  # 429, 5xx, or None when it did not answer at all
    kind: str  # throttled | unavailable | unreachable
    since: datetime
    error: str  # the HTTP layer's one line, already redacted (for --debug and support, not for the note)
    now: datetime
    timezone: str = "UTC"  # the company's zone, for the time in the sentence
    attempts: int = 1
    waited: float = 0.0

    @property
    def reason(self) -> str:
        """'QuickBooks unreachable (HTTP 503 since 09:12 MST)', for each cause it leaves unconfirmed."""
        what = {"throttled": "throttling", "unavailable": "unreachable", "unreachable": "unreachable"}[self.kind]
        answer = f"HTTP {self.status}" if self.status is not None else "no answer"
        return f"QuickBooks {what} ({answer} since {local_clock(self.since, self.now, self.timezone)})"

    @property
    def unconfirmed(self) -> str:
        return f"not confirmed: {self.reason}"


def quickbooks_down(exc: BaseException, now: datetime, timezone: str = "UTC") -> QuickBooksDown | None:
    """The outage behind ``exc`` when it is QuickBooks (not Suprata) refusing or silent; None otherwise."""
    if not isinstance(exc, TemporarilyUnavailable | Unreachable) or getattr(exc, "service", None) != QUICKBOOKS:
        return None
    status = exc.status if isinstance(exc, TemporarilyUnavailable) else None
    kind = "throttled" if status == 429 else ("unavailable" if status is not None else "unreachable")
    attempts, waited = getattr(exc, "attempts", 1), getattr(exc, "waited", 0.0)
    # Since this run first met it: the log's older 429s or 503s may belong to an earlier burst.
    return QuickBooksDown(status, kind, exc.since or now, exc.message, now, timezone, attempts, waited)


def mark_unconfirmed(causes: list[RootCause], down: QuickBooksDown) -> list[RootCause]:
    """Every cause read from the log alone says so; P7 is what QuickBooks is doing right now (a cause of its
    own when the log has none: Suprata's next pushes meet the same answer). Returns the plan, in order."""
    from qbsync.diagnosis.planner import order_plan
    from qbsync.diagnosis.report import EvidenceItem

    if not any(c.pattern == "P7" for c in causes):
        causes = [*causes, _now_cause(down)]
    for cause in causes:
        if cause.pattern == "P7":
            cause.confirmed = True
            cause.evidence.insert(0, EvidenceItem("quickbooks", f"confirmed now: {down.reason}"))
            continue
        if cause.pattern == "P5" and any(e.source == "suprata" and e.supports for e in cause.evidence):
            continue  # Suprata's own connection status confirms it; QuickBooks is not needed for that
        cause.confirmed = False
        cause.unconfirmed = down.unconfirmed
        cause.evidence.insert(0, EvidenceItem("qbsync", down.unconfirmed, supports=False))
    return order_plan(causes)


def _now_cause(down: QuickBooksDown) -> RootCause:
    from qbsync.diagnosis.patterns import get_pattern
    from qbsync.diagnosis.report import RootCause

    p7 = get_pattern("P7")
    return RootCause(
        id="P7:quickbooks:now",
        pattern="P7",
        pattern_name=p7.name,
        title=f"{down.reason}: Suprata's next pushes will wait for it",
        subject_type="quickbooks",
        subject=QUICKBOOKS,
        confirmed=True,
        confidence=1.0,
        reason=p7.why,
        evidence=[],  # mark_unconfirmed adds what this run saw
        steps=list(p7.steps),
        fix_by=p7.fix_by,
        retry=p7.retry,
        next_command=None,
        warnings=[],
        blocks={},
        records=[],
        first_seen=down.since,
        last_seen=down.now,
    )


def note(down: QuickBooksDown) -> str:
    # Plain words for the person: how hard qbsync tried, not the URL and realm (those stay in --debug).
    tried = "once" if down.attempts == 1 else plural(down.attempts, "time")
    if down.waited >= 1:
        tried += f" over {round(down.waited):,} s"
    return (
        f"{down.reason}: the plan comes from Suprata's sync log alone (qbsync asked QuickBooks {tried}). "
        "Run qbsync again once QuickBooks answers to confirm each cause."
    )
