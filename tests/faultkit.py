"""File-system faults for tests: a real small tmpfs that is full or read-only (needs root; skipped
otherwise), and an injected ENOSPC for ``os.write`` into one folder (works everywhere)."""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

TMPFS_SIZE = "256k"


def _target(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


@contextmanager
def refusing_writes(monkeypatch: pytest.MonkeyPatch, folder: Path, err: int = errno.ENOSPC) -> Iterator[dict]:
    """Every ``os.write`` of data into a file under ``folder`` fails with ``err``; counts the refusals."""
    root = str(Path(folder).resolve())
    stats = {"refused": 0}
    real_write = os.write

    def write(fd, data):
        where = _target(fd)
        if (where == root or where.startswith(root + os.sep)) and len(data):
            stats["refused"] += 1
            raise OSError(err, os.strerror(err))
        return real_write(fd, data)

    with monkeypatch.context() as m:
        m.setattr(os, "write", write)
        yield stats


class SmallDisk:
    """A tmpfs of ``TMPFS_SIZE`` mounted at ``path``: ``fill()`` makes it full, ``read_only()`` remounts it ro."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE},mode=0700", "tmpfs", str(path)],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip() or 'not root'})")

    def fill(self) -> None:
        ballast = self.path / ".ballast"
        with suppress(OSError), open(ballast, "ab") as fh:
            for _ in range(4096):  # bounded: 4096 x 64 KiB is far more than the disk holds
                fh.write(b"\0" * 65536)
                fh.flush()
        with suppress(OSError), open(self.path / ".ballast-small", "ab") as fh:
            for _ in range(65536):
                fh.write(b"\0" * 64)
                fh.flush()

    def free(self) -> None:
        for name in (".ballast", ".ballast-small"):
            (self.path / name).unlink(missing_ok=True)

    def read_only(self) -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(self.path)], check=True, timeout=10)

    def writable(self) -> None:
        subprocess.run(["mount", "-o", "remount,rw", str(self.path)], check=True, timeout=10)

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True, timeout=10)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    if os.geteuid() != 0:
        pytest.skip("a small tmpfs needs root")
    disk = SmallDisk(tmp_path / "small-disk")
    try:
        yield disk
    finally:
        disk.unmount()


__all__ = ["SmallDisk", "errno", "refusing_writes", "small_disk"]
