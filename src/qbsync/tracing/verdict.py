"""Verdicts in plain words, and the fixes, following the pattern table (P6: void, never delete; the missing
side is created by hand and marked synced in Suprata; involve the bookkeeper)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from qbsync.diagnosis.patterns import get_pattern
from qbsync.tracing.model import Difference, Finding, Verdict

if TYPE_CHECKING:
    from qbsync.diagnosis.blockers import Blocker

BOOKKEEPER = (
    "Involve your bookkeeper: these changes alter your books in QuickBooks, and reports already sent or filed "
    "may need a note."
)
NEVER_DELETE = "Never delete anything in QuickBooks to fix this: void instead, so the history stays."


class Words:
    """Dates and times in the business's time zone, the way a person writes them (20 Oct, 09:14)."""

    def __init__(self, timezone: str, now: datetime) -> None:
        try:
            self.tz = ZoneInfo(timezone)
        except Exception:  # an odd zone name from Suprata must not stop a trace
            self.tz = ZoneInfo("UTC")
        self.now = now.astimezone(self.tz)

    def day(self, value: date | datetime | None) -> str:
        if value is None:
            return "an unknown date"
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        text = f"{value.day} {value:%b}"
        return text if value.year == self.now.year else f"{text} {value.year}"

    def when(self, value: datetime | None) -> str:
        if value is None:
            return "an unknown time"
        local = value.astimezone(self.tz)
        return f"{self.day(local)} at {local:%H:%M}"


def pattern_warning(pattern: str) -> str | None:
    p = get_pattern(pattern)
    return p.warning or (BOOKKEEPER if p.fix_by == "bookkeeper" else None)


def closed_period_warning(txn_date: date | None, closed_through: date | None) -> str | None:
    if txn_date is None or closed_through is None or txn_date > closed_through:
        return None
    return (
        f"It is dated {txn_date.isoformat()}, inside the period your bookkeeper closed (through "
        f"{closed_through.isoformat()}): ask them before changing it. {get_pattern('P3').warning}"
    )


def build_verdict(
    subject: str, findings: list[Finding], differences: list[Difference], agree_text: str, rerun: str
) -> Verdict:
    if not findings and not differences:
        return Verdict(True, agree_text)
    if not findings:  # differences nobody explained: name them, send to the bookkeeper
        named = "; ".join(d.says for d in differences)
        return Verdict(
            False,
            f"Suprata and QuickBooks differ on {subject}: {named}.",
            [
                "Decide with your bookkeeper which side is right, then correct the other by hand.",
                f"Then re-run: {rerun}",
            ],
            [BOOKKEEPER],
        )
    if len(findings) == 1:
        headline = findings[0].says
    else:
        headline = f"Suprata and QuickBooks differ on {subject} in {len(findings)} ways: " + " ".join(
            f"({n}) {f.says}" for n, f in enumerate(findings, start=1)
        )
    steps: list[str] = []
    for f in findings:
        for step in f.fix:
            if step not in steps:
                steps.append(step)
    final = f"Then re-run: {rerun}"
    if final not in steps and not any(rerun in s for s in steps):
        steps.append(final)
    warnings: list[str] = []
    for f in findings:
        if f.warning and f.warning not in warnings:
            warnings.append(f.warning)
    return Verdict(False, headline, steps, warnings)


def blocker_fix(blocker: Blocker) -> list[str]:
    """A blocked record's steps, as diagnose and retry give them: the first cause's steps, the first step of
    each other cause in fix order, then how to retry once they are done."""
    steps = [*blocker.first.steps, *(c.first_step for c in blocker.causes[1:])]
    if blocker.first.retry_step:
        steps.append(blocker.first.retry_step)
    return list(dict.fromkeys(steps))


def blocker_says(blocker: Blocker) -> str:
    first = blocker.first
    says = first.says
    if first.via is not None and (first.via_number or first.via[1]) not in says:
        says = f"it waits for its {first.via[0]} {first.via_number or first.via[1]}: {says}"
    if first is not blocker.primary:
        says += f"; its last push failed for another reason first: {blocker.primary.says}"
    return says
