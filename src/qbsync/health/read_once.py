"""One read of each source per ``check`` run: status, diagnose and the look-ahead ask the same questions.

``ReadOnce`` wraps a client (Suprata's or QuickBooks') for the length of one run and answers a repeated read
(the same method with the same arguments) from what the first one returned. Only plain reads are remembered:
streams (``iter_attempts``), writes (``request_retry``), ``parallel`` and private plumbing pass straight
through, and a read that raised is asked again. Lists and dicts are handed out as shallow copies, so one
reader's filtering never shows in another's.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

PASS_THROUGH = frozenset({"parallel", "iter_attempts", "request_retry", "get_retry", "close"})


def _key(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_key(v) for v in value)
    if isinstance(value, set | frozenset):
        return frozenset(_key(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _key(v)) for k, v in value.items()))
    return value


def _handout(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


class ReadOnce:
    def __init__(self, inner: Any) -> None:
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "_answers", {})
        object.__setattr__(self, "_lock", threading.Lock())

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name.startswith("_") or name in PASS_THROUGH or not callable(attr):
            return attr

        def read(*args: Any, **kwargs: Any) -> Any:
            try:
                key = (name, _key(args), _key(kwargs))
                hash(key)
            except TypeError:  # an argument that cannot be a key: just ask
                return attr(*args, **kwargs)
            with self._lock:
                if key in self._answers:
                    return _handout(self._answers[key])
            value = attr(*args, **kwargs)
            with self._lock:
                self._answers.setdefault(key, value)
            return _handout(value)

        return read

    def __setattr__(self, name: str, value: Any) -> None:
        # e.g. status's request counter replacing ``http``: a copy of the client gets it, the answers stay shared
        inner = copy.copy(self._inner)
        setattr(inner, name, value)
        object.__setattr__(self, "_inner", inner)

    def __copy__(self) -> ReadOnce:
        twin = ReadOnce(self._inner)
        object.__setattr__(twin, "_answers", self._answers)
        object.__setattr__(twin, "_lock", self._lock)
        return twin

    def __repr__(self) -> str:
        return f"ReadOnce({self._inner!r})"
