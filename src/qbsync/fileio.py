"""Writing files people keep: atomically (temporary file in the same folder, then rename), so an interrupted
run never leaves half a report or half a config behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_text_atomically(path: Path, text: str, *, mode: int | None = None) -> Path:
    """Write ``text`` to ``path`` (folders created; ``mode`` e.g. 0o600 for files that may hold a secret).

    The temporary file is ``.<name>.<random>.tmp`` (created 0600, ``O_EXCL``), so a folder's leftovers from a
    killed writer are easy to find. Raises ``OSError``; callers turn it into their own one-line error.
    """
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
