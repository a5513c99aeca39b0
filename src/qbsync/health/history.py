"""Each ``qbsync check`` run's figures, one row per run per profile, in a local SQLite database
(``paths.check_history_db``: the platformdirs data folder, or ``$QBSYNC_HOME/data``).

The trend compares this run with the previous one and shows the last four weeks (the last run of each week).
Safe for ``--all-profiles`` threads and overlapping cron runs: one short connection per call, a busy timeout.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from qbsync.errors import ConfigError

FIGURES = ("failures", "root_causes", "blocked", "backlog", "oldest_backlog_days", "risks", "needs_action")
WEEK_AGO_MIN = timedelta(days=6)  # "a week ago": the latest run at least 6 days old...
WEEK_AGO_MAX = timedelta(days=14)  # ...and not older than two weeks
WEEKS = 4

_SCHEMA = """
CREATE TABLE IF NOT EXISTS check_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    profile TEXT NOT NULL,
    ran_at TEXT NOT NULL,
    exit_code INTEGER NOT NULL,
    company TEXT,
    failures INTEGER NOT NULL,
    root_causes INTEGER NOT NULL,
    blocked INTEGER NOT NULL,
    backlog INTEGER NOT NULL,
    oldest_backlog_days INTEGER,
    risks INTEGER NOT NULL,
    needs_action INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS check_runs_profile_time ON check_runs (profile, ran_at);
"""
_write_lock = threading.Lock()


@dataclass
class RunFigures:
    profile: str
    ran_at: datetime
    exit_code: int
    company: str | None
    failures: int
    root_causes: int
    blocked: int
    backlog: int
    oldest_backlog_days: int | None
    risks: int
    needs_action: int


@dataclass
class Change:
    figure: str
    before: int | None
    now: int | None

    @property
    def delta(self) -> int | None:
        if self.before is None or self.now is None:
            return None
        return self.now - self.before


@dataclass
class WeekPoint:
    week_start: datetime  # the start of the 7-day window (counted back from now)
    run: RunFigures | None  # the last run in that window, if any


@dataclass
class Trend:
    previous: RunFigures | None  # the run before this one
    since_last: list[Change] = field(default_factory=list)
    week_ago: RunFigures | None = None
    weeks: list[WeekPoint] = field(default_factory=list)  # oldest first, WEEKS of them
    backlog_growing: bool = False

    @property
    def first_run(self) -> bool:
        return self.previous is None


class CheckHistory:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"cannot open the check history {self.path}: {exc}",
                hint="set QBSYNC_HOME to a writable folder (cron may run without HOME)",
            ) from None
        try:
            conn.executescript(_SCHEMA)
            yield conn
            conn.commit()
        except sqlite3.DatabaseError as exc:
            raise ConfigError(
                f"the check history {self.path} cannot be used: {exc}",
                hint="move the file away; qbsync starts a new history",
            ) from None
        finally:
            conn.close()

    def record(self, run: RunFigures) -> None:
        with _write_lock, self._db() as db:
            db.execute(
                "INSERT INTO check_runs (profile, ran_at, exit_code, company, failures, root_causes, blocked, backlog,"
                " oldest_backlog_days, risks, needs_action) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run.profile,
                    _iso(run.ran_at),
                    run.exit_code,
                    run.company,
                    run.failures,
                    run.root_causes,
                    run.blocked,
                    run.backlog,
                    run.oldest_backlog_days,
                    run.risks,
                    run.needs_action,
                ),
            )

    def runs(self, profile: str, *, since: datetime | None = None, before: datetime | None = None) -> list[RunFigures]:
        """Runs of ``profile`` oldest first, optionally within [since, before)."""
        sql = "SELECT profile, ran_at, exit_code, company, " + ", ".join(FIGURES) + " FROM check_runs WHERE profile = ?"
        args: list[object] = [profile]
        if since is not None:
            sql += " AND ran_at >= ?"
            args.append(_iso(since))
        if before is not None:
            sql += " AND ran_at < ?"
            args.append(_iso(before))
        sql += " ORDER BY ran_at, id"
        with self._db() as db:
            rows = db.execute(sql, args).fetchall()
        return [_row(r) for r in rows]

    def profiles(self) -> list[str]:
        with self._db() as db:
            return [r[0] for r in db.execute("SELECT DISTINCT profile FROM check_runs ORDER BY profile")]

    def trend(self, current: RunFigures) -> Trend:
        """This run against the previous one, a week ago, and the last four weeks (call before ``record``)."""
        now = current.ran_at
        past = self.runs(current.profile, since=now - timedelta(days=7 * WEEKS), before=now + timedelta(seconds=1))
        past = [r for r in past if r.ran_at <= now]
        earlier = self.runs(current.profile, before=now)
        previous = earlier[-1] if earlier else None
        trend = Trend(previous=previous)
        if previous is not None:
            trend.since_last = [Change(f, getattr(previous, f), getattr(current, f)) for f in FIGURES]
        week_ago = [r for r in past if now - WEEK_AGO_MAX <= r.ran_at <= now - WEEK_AGO_MIN]
        trend.week_ago = week_ago[-1] if week_ago else None
        if trend.week_ago is not None:
            trend.backlog_growing = current.backlog > trend.week_ago.backlog
        for i in range(WEEKS, 0, -1):
            start, end = now - timedelta(days=7 * i), now - timedelta(days=7 * (i - 1))
            in_week = [r for r in past if start <= r.ran_at < end]
            trend.weeks.append(WeekPoint(start, in_week[-1] if in_week else None))
        trend.weeks.append(WeekPoint(now, current))
        return trend


def _iso(when: datetime) -> str:
    """Sortable UTC text (naive times are taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _row(r: tuple[Any, ...]) -> RunFigures:
    ran_at = datetime.strptime(r[1], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return RunFigures(r[0], ran_at, r[2], r[3], *r[4:])
