"""QBO shows times in the company's local offset: MetaData to the second, the envelope ``time`` to the
millisecond (``2020-09-29T05:58:07.300-07:00``)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def local(dt: datetime, tz: ZoneInfo) -> datetime:
    return dt.astimezone(tz)


def meta_time(dt: datetime, tz: ZoneInfo) -> str:
    return local(dt, tz).isoformat(timespec="seconds")


def envelope_time(dt: datetime, tz: ZoneInfo) -> str:
    return local(dt, tz).isoformat(timespec="milliseconds")


def local_date(dt: datetime, tz: ZoneInfo) -> date:
    return local(dt, tz).date()


def epoch_millis(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)
