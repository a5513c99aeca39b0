"""Large buffers handed back to the system as soon as they are freed.

A diagnosis reads hundreds of Suprata pages of several hundred kilobytes each. glibc serves the first from their
own memory maps, then, seeing them freed, raises its threshold and serves the rest from the heap, where the
long-lived rows parsed from them pin the freed space: at 50,000 failures that was 20 to 25 MB of resident
memory holding nothing. A fixed threshold (glibc's default, 128 KiB) keeps every page buffer in its own map.
Elsewhere (macOS, musl) there is nothing to do.
"""

from __future__ import annotations

import sys

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
THRESHOLD = 128 * 1024

_done = False


def keep_large_buffers_unmapped() -> None:
    """Once per process; never raises."""
    global _done
    if _done or not sys.platform.startswith("linux"):
        return
    _done = True
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        mallopt = getattr(libc, "mallopt", None)
        if mallopt is not None:
            mallopt(M_MMAP_THRESHOLD, THRESHOLD)
    except (OSError, AttributeError, ValueError):  # not glibc, or no symbol table: the default stays
        pass
