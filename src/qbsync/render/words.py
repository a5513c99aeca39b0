"""The words and clock people read: one glossary for every view, and times in the company's own zone.

JSON keeps machine values (``self``, ``scheduled_retry``, UTC); only what a person reads passes through here.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from qbsync import wording

# Who does a fix (the pattern table's fix_by).
WHO = {
    "self": "you",
    "bookkeeper": "your bookkeeper",
    "support": "support",
}
# Short forms for a one-line plan.
WHO_SHORT = {"self": "you", "bookkeeper": "bookkeeper", "support": "support"}

RETRY = {
    "safe": "safe",
    "unsafe": "not safe (it could create a duplicate)",
    "useless_until_fixed": "useless until the cause is fixed",
}

# Suprata's attempt triggers.
TRIGGER = {
    "auto": "first push",
    "scheduled_retry": "Suprata's automatic retry",
    "manual_retry": "retried in Suprata",
    "api_retry": "retried by qbsync",
}

# Suprata's sync states of a record.
SYNC_STATE = {
    "synced": "in QuickBooks",
    "failed": "failed to sync",
    "pending": "waiting to sync",
    "never": "never synced",
    "not_synced": "not synced",
}

# Connection states.
CONNECTION = {
    "connected": "connected",
    "expired": "expired: reconnect",
    "revoked": "disconnected at Intuit: reconnect",
    "disconnected": "disconnected",
    "not_configured": "not set up",
    "unknown": "could not tell",
}


def who(fix_by: str, short: bool = False) -> str:
    return (WHO_SHORT if short else WHO).get(fix_by, fix_by)


def pattern_label(cause: object) -> str:
    """The pattern's name as it applies now: a connection that lapsed and is connected again is not "expired"."""
    pattern, name = getattr(cause, "pattern", ""), getattr(cause, "pattern_name", "")
    if pattern == "P5" and getattr(cause, "retry", "") == "safe":
        return "Connection lapsed (connected again)"
    return name


def trigger(value: str) -> str:
    return TRIGGER.get(value, value.replace("_", " "))


def sync_state(value: str) -> str:
    return SYNC_STATE.get(value, value.replace("_", " "))


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 record``, ``3 records``: never ``record(s)`` (one rule for core and views: qbsync.wording)."""
    return wording.plural(n, one, many)


def zone(name: str | None) -> ZoneInfo:
    return wording.zone(name)


class Clockface:
    """Formats instants in the company's zone. One per view, so every time on a screen reads the same way."""

    def __init__(self, timezone: str | None) -> None:
        self.name = timezone or "UTC"
        self.tz = zone(self.name)

    def when(self, value: datetime | None) -> str:
        """``2026-11-18 10:23``: date and time are kept together by the layout."""
        if value is None:
            return "?"
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")

    def day(self, value: datetime | date | None) -> str:
        if value is None:
            return "?"
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            return value.astimezone(self.tz).date().isoformat()
        return value.isoformat()

    def abbreviation(self, at: datetime | None = None) -> str:
        """MST / MDT / UTC, as of ``at`` (now when not given)."""
        moment = (at or datetime.now(UTC)).astimezone(self.tz)
        return moment.tzname() or self.name

    def note(self) -> str:
        return f"times in {self.name}"


_UTC_STAMP = re.compile(r"\b(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(?::\d{2})?(?: ?UTC|Z)")
_COUNTED = re.compile(r"\b(\d[\d,]*) ((?:[\w/-]+ ){0,3}[\w/-]*?[a-z])\((s|es)\)")


def plainly(text: str, clock: Clockface | None = None) -> str:
    """What core wrote for people, read the way people read: "7 record(s)" -> "7 records", "1 push(es)" ->
    "1 push", and a UTC time ("2026-11-18 17:23 UTC") in the company's zone when ``clock`` is given."""

    def counted(m: re.Match[str]) -> str:
        n = int(m.group(1).replace(",", ""))
        return f"{m.group(1)} {m.group(2)}{'' if n == 1 else m.group(3)}"

    text = _COUNTED.sub(counted, text)
    if clock is not None and clock.name != "UTC":

        def local(m: re.Match[str]) -> str:
            moment = datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}").replace(tzinfo=UTC)
            return clock.when(moment)

        text = _UTC_STAMP.sub(local, text)
    return text
