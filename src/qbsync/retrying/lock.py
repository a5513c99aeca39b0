"""One ``qbsync retry`` at a time per QuickBooks company, across processes and machines sharing QBSYNC_HOME.

Two runs that plan at the same moment both see the same failed records and both send them: the duplicate
guard in the plan cannot see a retry another process is about to send. So a sending run holds a lock on
the company (keyed by its realm id, not the profile: two profiles can point at one company) from its
pre-flight to its last outcome. A second run waits for it, bounded, then plans again from what the first run
left (usually: nothing left to do); past the bound it refuses with who holds the lock.

The lock is an OS file lock (``filelock``: fcntl on POSIX, also honoured over NFS), so a run killed with
``kill -9`` releases it with its process; the holder file beside it only says who holds it, and is never
trusted as the lock itself.
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from qbsync.clock import format_iso
from qbsync.errors import QbsyncError
from qbsync.exit_codes import ExitCode

DEFAULT_LOCK_WAIT = 300.0  # above the default 120 s outcome wait plus pacing of a typical plan
POLL_SECONDS = 0.2
FILE_MODE = 0o600


class RetryInProgress(QbsyncError):
    """Another run holds the company's retry lock past the wait: nothing was sent."""

    code = "retry_in_progress"
    exit_code = ExitCode.UNKNOWN


class LockUnavailable(QbsyncError):
    """The lock file cannot be created (read-only or full QBSYNC_HOME): sending without it is not safe."""

    code = "lock_unavailable"
    exit_code = ExitCode.UNKNOWN


def lock_paths(data_dir: Path | str, realm_id: str) -> tuple[Path, Path]:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", str(realm_id) or "unknown")
    base = Path(data_dir) / "locks"
    return base / f"retry-{safe}.lock", base / f"retry-{safe}.holder.json"


def describe_holder(holder_path: Path) -> str:
    try:
        info = json.loads(holder_path.read_text(encoding="utf-8"))
        return (
            f"a retry run of profile {info.get('profile')!r} (process {info.get('pid')} on {info.get('host')}, "
            f"started {info.get('started_at')})"
        )
    except (OSError, ValueError, AttributeError):
        return "another retry run"


@contextmanager
def company_retry_lock(
    data_dir: Path | str,
    realm_id: str,
    *,
    profile: str,
    now: datetime,
    wait_seconds: float = DEFAULT_LOCK_WAIT,
    on_wait: Callable[[str], None] | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[dict[str, Any]]:
    """Hold the company's retry lock; yields facts about the wait (``waited_seconds``, ``waited_for``)."""
    from filelock import FileLock, Timeout  # imported here: keeps `qbsync --help` light

    lock_path, holder_path = lock_paths(data_dir, realm_id)
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(lock_path), mode=FILE_MODE)
        acquired = _try(lock, Timeout)
    except OSError as exc:
        raise LockUnavailable(
            f"cannot create the retry lock in {lock_path.parent}: {exc.strerror or exc}; nothing was sent",
            hint="qbsync needs a writable QBSYNC_HOME to send retries safely (check free space and permissions)",
        ) from None
    facts: dict[str, Any] = {"waited_seconds": 0.0, "waited_for": None}
    if not acquired:
        holder = describe_holder(holder_path)
        facts["waited_for"] = holder
        if on_wait is not None:
            on_wait(f"waiting for {holder} to finish (up to {wait_seconds:g} s) before planning again")
        start = monotonic()
        while not acquired:
            if monotonic() - start >= wait_seconds:
                raise RetryInProgress(
                    f"nothing was sent: {holder} is still sending retries to this company after {wait_seconds:g} s",
                    hint="run again once it has finished (its records are then planned afresh), or raise --lock-wait",
                )
            sleep(POLL_SECONDS)
            acquired = _try(lock, Timeout)
        facts["waited_seconds"] = round(monotonic() - start, 1)
    try:
        _write_holder(holder_path, profile, now)
        yield facts
    finally:
        with suppress(OSError):
            holder_path.unlink(missing_ok=True)
        lock.release()


def _try(lock: Any, timeout_error: type[Exception]) -> bool:
    try:
        lock.acquire(timeout=0)
        return True
    except timeout_error:
        return False


def _write_holder(path: Path, profile: str, now: datetime) -> None:
    info = {"pid": os.getpid(), "host": socket.gethostname(), "profile": profile, "started_at": format_iso(now)}
    try:
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(info), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # who holds it is only information; the OS lock itself is held
