"""QBO's times: MetaData to the second, the envelope ``time`` to the millisecond
(``2020-09-29T05:58:07.300-07:00``), always in Pacific time whatever the company's own zone (Intuit staff in
QuickBooks-V3-Java-SDK#26 and QuickBooks-V3-DotNET-SDK#182). Transaction dates stay the company's."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

PACIFIC = ZoneInfo("America/Los_Angeles")


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
