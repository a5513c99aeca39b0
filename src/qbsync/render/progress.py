"""A transient spinner on stderr for long work: only on a terminal, never with -q or --format json."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qbsync.context import Env


@contextmanager
def working(env: Env, what: str) -> Iterator[None]:
    status = env.err.status(what, spinner="dots") if env.show_progress else nullcontext()
    with status:
        yield
