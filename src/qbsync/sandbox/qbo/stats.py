"""Request statistics for tests and benchmarks: counts per endpoint, peak concurrency, throttled responses
and a bounded request log."""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

LOG_SIZE = 2000


@dataclass
class RealmStats:
    endpoints: Counter[str] = field(default_factory=Counter)
    total: int = 0
    peak_in_flight: int = 0
    limit_violations: int = 0
    log: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=LOG_SIZE))


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._realms: dict[str, RealmStats] = {}

    def _realm(self, realm: str) -> RealmStats:
        return self._realms.setdefault(realm, RealmStats())

    def record(self, realm: str, endpoint: str, method: str, path: str, status: int, when: str) -> None:
        with self._lock:
            st = self._realm(realm)
            st.endpoints[endpoint] += 1
            st.total += 1
            if status == 429:
                st.limit_violations += 1
            st.log.append({"method": method, "path": path, "status": status, "time": when, "endpoint": endpoint})

    def observe_in_flight(self, realm: str, n: int) -> None:
        with self._lock:
            st = self._realm(realm)
            st.peak_in_flight = max(st.peak_in_flight, n)

    def snapshot(self, realm: str | None = None) -> dict[str, Any]:
        with self._lock:
            picked = {realm: self._realms.get(realm, RealmStats())} if realm is not None else dict(self._realms)
            endpoints: Counter[str] = Counter()
            log: list[dict[str, Any]] = []
            for name, st in picked.items():
                endpoints.update(st.endpoints)
                log.extend({**entry, "realm": name} for entry in st.log)
            return {
                "total": sum(st.total for st in picked.values()),
                "endpoints": dict(sorted(endpoints.items())),
                "peak_in_flight": max((st.peak_in_flight for st in picked.values()), default=0),
                "limit_violations": sum(st.limit_violations for st in picked.values()),
                "log": log[-LOG_SIZE:],
                "by_realm": {
                    name: {
                        "total": st.total,
                        "peak_in_flight": st.peak_in_flight,
                        "limit_violations": st.limit_violations,
                    }
                    for name, st in picked.items()
                },
            }

    def reset(self) -> None:
        with self._lock:
            self._realms.clear()
