"""The token store: one JSON file per profile, mode 0600, replaced atomically, guarded by a file lock.

Intuit rotates refresh tokens on every refresh and keeps the previous value usable for 24 hours. So the
rules are: refresh under the lock, re-read first (another process may just have refreshed), and persist the
new refresh token before handing out the new access token. The file is only ever replaced whole, so a
crash at any point leaves either the old refresh token (still inside its grace period) or the new one.

A file that cannot be read is never overwritten, except by ``save_connection`` (a successful reconnect).
The OS keyring is not used: the file store is the only backend for now.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from qbsync.auth.errors import (
    ConnectionExpired,
    NotConnected,
    TokenFileUnreadable,
    TokenStoreBusy,
    TokenStoreUnwritable,
)
from qbsync.clients.redact import remember_secret
from qbsync.clock import Clock, format_iso, parse_iso
from qbsync.fileio import ReservedFile, write_text_atomically

FILE_FORMAT = 1
FILE_MODE = 0o600
REFRESH_MARGIN = timedelta(minutes=5)  # refresh this long before the access token expires
DEFAULT_LOCK_TIMEOUT = 60.0
MAX_FILE_BYTES = 1 << 20  # a real token file is about 1 KB: anything near this is not one
RESERVE_MIN_BYTES = 8192  # room reserved for the refreshed file before a refresh is spent
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class TokenGrant:
    """Fresh tokens from Intuit's token endpoint, with absolute expiry times."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_expires_at: datetime
    hard_expires_at: datetime | None
    obtained_at: datetime

    def __post_init__(self) -> None:
        remember_secret(self.access_token, self.refresh_token)

    @classmethod
    def from_token_response(cls, body: Mapping[str, Any], obtained_at: datetime) -> TokenGrant:
        """Build from Intuit's token JSON; ``obtained_at`` is taken before the request, so expiries err early."""
        hard = body.get("x_refresh_token_hard_expires_in")
        return cls(
            access_token=str(body["access_token"]),
            refresh_token=str(body["refresh_token"]),
            access_expires_at=obtained_at + timedelta(seconds=int(body["expires_in"])),
            refresh_expires_at=obtained_at + timedelta(seconds=int(body["x_refresh_token_expires_in"])),
            hard_expires_at=obtained_at + timedelta(seconds=int(hard)) if hard is not None else None,
            obtained_at=obtained_at,
        )


Refresher = Callable[[str], TokenGrant]
"""Takes the stored refresh token, returns the rotated grant; raises ``ConnectionExpired`` on invalid_grant."""


@dataclass(frozen=True)
class StoredConnection:
    realm_id: str
    environment: str
    access_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_token: str = field(repr=False)
    refresh_expires_at: datetime  # rolling: moves 100 days ahead on every refresh
    hard_expires_at: datetime | None  # the 5-year ceiling, when Intuit told us
    connected_at: datetime  # when the user approved the connection
    obtained_at: datetime  # when the current access token was obtained
    last_refresh_at: datetime | None

    def __post_init__(self) -> None:
        remember_secret(self.access_token, self.refresh_token)

    def after_refresh(self, grant: TokenGrant) -> StoredConnection:
        return replace(
            self,
            access_token=grant.access_token,
            access_expires_at=grant.access_expires_at,
            refresh_token=grant.refresh_token,
            refresh_expires_at=grant.refresh_expires_at,
            hard_expires_at=grant.hard_expires_at or self.hard_expires_at,
            obtained_at=grant.obtained_at,
            last_refresh_at=grant.obtained_at,
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, datetime):
                data[key] = format_iso(value)
        return {"format": FILE_FORMAT, **data}

    @classmethod
    def from_json(cls, data: Any) -> StoredConnection:
        """Raises ``ValueError`` naming the first bad field (never its value)."""
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        if data.get("format") != FILE_FORMAT:
            raise ValueError("unknown file format (written by another qbsync version?)")
        text = {name: _text(data, name) for name in ("realm_id", "environment", "access_token", "refresh_token")}
        times = {
            name: _time(data, name, optional=name in ("hard_expires_at", "last_refresh_at"))
            for name in (
                "access_expires_at",
                "refresh_expires_at",
                "hard_expires_at",
                "connected_at",
                "obtained_at",
                "last_refresh_at",
            )
        }
        return cls(**text, **times)  # type: ignore[arg-type]  # _text and _time checked each field's type


@dataclass(frozen=True)
class ConnectionFacts:
    """What ``status`` and ``check`` may show: no token values."""

    profile: str
    token_file: Path
    realm_id: str
    environment: str
    connected_at: datetime
    last_refresh_at: datetime | None
    access_expires_at: datetime
    access_seconds_left: int  # 0 once expired
    refresh_expires_at: datetime
    refresh_days_left: int  # whole days, 0 once expired
    hard_expires_at: datetime | None
    hard_days_left: int | None
    needs_reconnect: bool  # the refresh token (or the hard limit) has expired


class TokenStore:
    def __init__(self, data_dir: Path, profile: str = "default", *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        if not _PROFILE_NAME.match(profile):
            raise ValueError(f"profile name {profile!r} cannot be used in a file name")
        self.profile = profile
        self.path = Path(data_dir) / f"{profile}.tokens.json"
        self.lock_path = Path(data_dir) / f"{profile}.tokens.lock"
        self.lock_timeout = lock_timeout
        self._store_failed: str | None = None  # set once new tokens could not be stored: no further refresh

    # --- reading ---------------------------------------------------------------------------------

    def load(self) -> StoredConnection | None:
        """The stored connection, ``None`` when there is none; ``TokenFileUnreadable`` when the file is bad."""
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise TokenFileUnreadable(self.path, exc.strerror or "cannot stat") from None
        if not stat.S_ISREG(info.st_mode):
            raise TokenFileUnreadable(self.path, "not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise TokenFileUnreadable(self.path, f"{info.st_size} bytes; a token file is about 1 KB")
        if info.st_mode & 0o077:
            self._tighten_mode()
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise TokenFileUnreadable(self.path, exc.strerror or "cannot read") from None
        try:
            return StoredConnection.from_json(json.loads(raw.decode("utf-8")))
        except UnicodeDecodeError:
            raise TokenFileUnreadable(self.path, "not UTF-8 text") from None
        except json.JSONDecodeError as exc:
            raise TokenFileUnreadable(self.path, f"not valid JSON at line {exc.lineno}") from None
        except ValueError as exc:
            raise TokenFileUnreadable(self.path, str(exc)) from None

    def describe(self, clock: Clock) -> ConnectionFacts | None:
        conn = self.load()
        if conn is None:
            return None
        now = clock.now()
        hard_left = _days_left(conn.hard_expires_at, now) if conn.hard_expires_at else None
        return ConnectionFacts(
            profile=self.profile,
            token_file=self.path,
            realm_id=conn.realm_id,
            environment=conn.environment,
            connected_at=conn.connected_at,
            last_refresh_at=conn.last_refresh_at,
            access_expires_at=conn.access_expires_at,
            access_seconds_left=max(0, int((conn.access_expires_at - now).total_seconds())),
            refresh_expires_at=conn.refresh_expires_at,
            refresh_days_left=_days_left(conn.refresh_expires_at, now),
            hard_expires_at=conn.hard_expires_at,
            hard_days_left=hard_left,
            needs_reconnect=_expiry_reason(conn, now) is not None,
        )

    # --- the access token ------------------------------------------------------------------------

    def get_valid_access_token(
        self, refresher: Refresher, clock: Clock, *, margin: timedelta = REFRESH_MARGIN, rejected: str | None = None
    ) -> str:
        """An access token good for at least ``margin``, refreshing (once, across processes) when needed.

        ``rejected`` is a token QuickBooks just refused (401): it is refreshed whatever its expiry says, unless
        another thread or process has already replaced it, so a herd of 401s spends one refresh grant.
        """
        current = self._load_required()
        if rejected is None and clock.now() + margin < current.access_expires_at:
            return current.access_token  # no lock needed: the file is only ever replaced whole
        if rejected is not None and current.access_token != rejected:
            return current.access_token  # already replaced since it was refused
        with self._locked(refreshing=True):
            current = self._load_required()
            now = clock.now()
            if rejected is not None and current.access_token != rejected:
                return current.access_token  # another thread or process refreshed while we waited
            if rejected is None and now + margin < current.access_expires_at:
                return current.access_token  # another process refreshed while we waited
            reason = _expiry_reason(current, now)
            if reason is not None:
                raise ConnectionExpired(_expired_message(current.realm_id, reason), reason=reason)
            if self._store_failed is not None:
                raise TokenStoreUnwritable(self.path, self._store_failed, spent=True)
            # Prove the new tokens can be stored before Intuit rotates them: a grant whose result cannot be
            # kept would leave only the superseded refresh token on disk (the connection is lost a day later).
            reserved = self._reserve(current)
            try:
                grant = refresher(current.refresh_token)
            except ConnectionExpired as exc:
                reserved.abort()
                raise ConnectionExpired(
                    _expired_message(current.realm_id, exc.reason), reason=exc.reason, intuit_tid=exc.intuit_tid
                ) from None
            except BaseException:
                reserved.abort()
                raise
            updated = current.after_refresh(grant)
            try:
                # The rotated refresh token is on disk before the access token leaves.
                reserved.commit(_serialize(updated))
                self._fsync_dir()
            except OSError as exc:
                self._store_failed = exc.strerror or str(exc)
                raise TokenStoreUnwritable(self.path, self._store_failed, spent=True) from None
            return updated.access_token

    # --- writing ---------------------------------------------------------------------------------

    def save_connection(self, grant: TokenGrant, *, realm_id: str, environment: str) -> StoredConnection:
        """Store a new connection (connect or reconnect); the only write that may replace an unreadable file."""
        conn = StoredConnection(
            realm_id=realm_id,
            environment=environment,
            access_token=grant.access_token,
            access_expires_at=grant.access_expires_at,
            refresh_token=grant.refresh_token,
            refresh_expires_at=grant.refresh_expires_at,
            hard_expires_at=grant.hard_expires_at,
            connected_at=grant.obtained_at,
            obtained_at=grant.obtained_at,
            last_refresh_at=None,
        )
        with self._locked():
            self._write(conn)
        return conn

    def delete(self) -> bool:
        """Forget the connection (after a revoke). True when a file was removed."""
        with self._locked():
            try:
                self.path.unlink()
            except FileNotFoundError:
                return False
            self._fsync_dir()
            return True

    # --- internals -------------------------------------------------------------------------------

    def _load_required(self) -> StoredConnection:
        conn = self.load()
        if conn is None:
            raise NotConnected(self.path)
        return conn

    @contextmanager
    def _locked(self, *, refreshing: bool = False) -> Iterator[None]:
        from filelock import FileLock, Timeout  # imported here: keeps `qbsync --help` light

        try:
            self._ensure_dir()
            lock = FileLock(self.lock_path, timeout=self.lock_timeout, mode=FILE_MODE)
            lock.acquire()
        except Timeout:
            raise TokenStoreBusy(self.lock_path, self.lock_timeout) from None
        except OSError as exc:  # a read-only or full folder: the lock file cannot even be opened for writing
            raise TokenStoreUnwritable(
                self.path, exc.strerror or str(exc), spent=False, refreshing=refreshing
            ) from None
        try:
            yield
        finally:
            lock.release()

    def _ensure_dir(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _write(self, conn: StoredConnection) -> None:
        """Temp file in the same directory, fsync, rename over the old file, fsync the directory."""
        self._remove_stale_temp_files()  # left by a process killed mid-write; we hold the lock
        write_text_atomically(self.path, _serialize(conn), mode=FILE_MODE)
        self._fsync_dir()

    def _reserve(self, current: StoredConnection) -> ReservedFile:
        """Room for the refreshed file, on disk and synced, or ``TokenStoreUnwritable`` before any grant."""
        self._remove_stale_temp_files()
        size = max(RESERVE_MIN_BYTES, 2 * len(_serialize(current).encode("utf-8")))
        try:
            return ReservedFile(self.path, size, mode=FILE_MODE)
        except OSError as exc:
            raise TokenStoreUnwritable(self.path, exc.strerror or str(exc), spent=False) from None

    def _remove_stale_temp_files(self) -> None:
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            with suppress(OSError):  # gone already, or a read-only folder: the reserve step says so
                stale.unlink()

    def _fsync_dir(self) -> None:
        if os.name != "posix":
            return
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _tighten_mode(self) -> None:
        with suppress(OSError):  # not our file to chmod: reading it is still fine
            os.chmod(self.path, FILE_MODE)


def _serialize(conn: StoredConnection) -> str:
    return json.dumps(conn.to_json(), indent=2)


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"missing or invalid field {name!r}")
    return value


def _time(data: dict[str, Any], name: str, *, optional: bool = False) -> datetime | None:
    value = data.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ValueError(f"missing or invalid field {name!r}")
    if not re.search(r"(Z|[+-]\d\d:?\d\d)$", value.strip()):
        # qbsync always writes UTC with an offset; a time without one was written by something else
        raise ValueError(f"time in field {name!r} has no time zone")
    try:
        return parse_iso(value)
    except ValueError:
        raise ValueError(f"invalid time in field {name!r}") from None


def _days_left(when: datetime, now: datetime) -> int:
    return max(0, int((when - now).total_seconds() // 86400))


def _expiry_reason(conn: StoredConnection, now: datetime) -> str | None:
    if conn.hard_expires_at is not None and now >= conn.hard_expires_at:
        return "hard_expiry_passed"
    if now >= conn.refresh_expires_at:
        return "refresh_token_expired"
    return None


def _expired_message(realm_id: str, reason: str) -> str:
    why = {
        "invalid_grant": "Intuit answered invalid_grant: the refresh token expired, was revoked or was replaced",
        "refresh_token_expired": "the refresh token expired after 100 days without a refresh",
        "hard_expiry_passed": "the connection reached Intuit's 5-year limit",
    }.get(reason, reason)
    return f"QuickBooks no longer accepts qbsync's connection to company {realm_id}: {why}."
