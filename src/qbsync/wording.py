"""Words core writes for people: counted nouns with real plurals, and instants in the company's own zone.

Titles, steps and evidence are sentences a person reads (and the JSON carries as prose), so they say
"1 record", "3 records" and "2026-11-18 10:23 MST", never "record(s)" or a UTC time. Machine fields in the
JSON (timestamps, counts) stay UTC and numbers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def company_timezone(services: Any) -> str:
    """The company's zone (Suprata's account) for the words core writes; UTC for a bare test double."""
    return str(services.company_timezone()) if hasattr(services, "company_timezone") else "UTC"


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 record``, ``3 records``, ``1,200 records``: never ``record(s)``."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def zone(name: str | None) -> ZoneInfo:
    """The company's IANA zone; UTC for a missing or unknown name (an odd zone must not stop a run)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local(value: datetime, timezone: str | None) -> datetime:
    if value.tzinfo is None:  # core keeps aware UTC; a naive value is read as UTC, never as local
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone(timezone))


def local_time(value: datetime | None, timezone: str | None) -> str:
    """``2026-11-18 10:23 MST``: the zone's abbreviation keeps the sentence unambiguous in JSON too."""
    if value is None:
        return "?"
    local = _local(value, timezone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or 'UTC'}"


def local_clock(value: datetime, now: datetime, timezone: str | None) -> str:
    """``09:12 MST`` on the same local day as ``now``, else with the date."""
    local, today = _local(value, timezone), _local(now, timezone)
    if local.date() == today.date():
        return f"{local:%H:%M} {local.tzname() or 'UTC'}"
    return local_time(value, timezone)
