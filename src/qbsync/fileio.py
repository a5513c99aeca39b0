"""Writing files people keep: atomically (temporary file in the same folder, then rename), so an interrupted
run never leaves half a report or half a config behind."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from contextlib import suppress
from pathlib import Path


def write_text_atomically(path: Path, text: str, *, mode: int | None = None) -> Path:
    """Write ``text`` to ``path`` (folders created; ``mode`` e.g. 0o600 for files that may hold a secret).

    The temporary file is ``.<name>.<random>.tmp`` (created 0600, ``O_EXCL``), so a folder's leftovers from a
    killed writer are easy to find. A symlink is followed (the file it points to is replaced; the link, e.g. a
    config.toml kept in a dotfiles folder, stays). Raises ``OSError``; callers turn it into their own error.
    """
    if path.is_symlink():
        path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_report_file(path: Path, text: str) -> Path:
    """A report a person asked for (``--report``): known secret values removed, written atomically.

    A symlink is followed (the file it points to is replaced, the link stays); a FIFO, device, socket or
    folder is refused (``OSError`` EINVAL): renaming over it would replace the node itself with a file, and
    writing into it could block or vanish. Returns the path actually written.
    """
    from qbsync.clients.redact import redact_known

    target = Path(path)
    if target.is_symlink():
        target = target.resolve()
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EINVAL, "not a regular file (a FIFO, device or folder); give a file path", str(target))
    return write_text_atomically(target, redact_known(text))


class ReservedFile:
    """A temporary file beside ``path`` that already holds ``size`` bytes on disk, written and fsynced.

    For a write that must not fail after something irreversible has happened (a refresh grant spent at
    Intuit): reserve first, and when that fails do not start; the final ``commit`` then overwrites blocks
    the filesystem has already handed out, so a disk that filled up meanwhile cannot refuse it (on
    copy-on-write filesystems it still can: ``commit`` raises ``OSError`` then, and the old file stays).
    """

    def __init__(self, path: Path, size: int, *, mode: int | None = None) -> None:
        if path.is_symlink():
            path = path.resolve()  # as write_text_atomically: replace the file the link points to
        self.path = path
        self.size = size
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fd, self.tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            if mode is not None:
                os.fchmod(self.fd, mode)
            _write_all(self.fd, b" " * size)
            os.fsync(self.fd)
        except BaseException:
            self.abort()
            raise

    def commit(self, text: str) -> Path:
        data = text.encode("utf-8")
        try:
            os.lseek(self.fd, 0, os.SEEK_SET)
            _write_all(self.fd, data)
            os.ftruncate(self.fd, len(data))
            os.fsync(self.fd)
            os.close(self.fd)
            self.fd = -1
            os.replace(self.tmp, self.path)
        except BaseException:
            self.abort()
            raise
        return self.path

    def abort(self) -> None:
        if self.fd >= 0:
            with suppress(OSError):
                os.close(self.fd)
            self.fd = -1
        Path(self.tmp).unlink(missing_ok=True)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
