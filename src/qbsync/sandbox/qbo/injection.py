"""Fault injection for tests and benchmarks: latency, seeded error rates, "timeout after commit", damaged
bodies, outage windows and throttle bursts. Deterministic: error rolls come from one seeded RNG and are
drawn only for endpoints that have a rate."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import datetime

ERROR_KINDS = ("500", "503", "504", "read_timeout", "connect_error")


@dataclass
class Outage:
    start: datetime
    end: datetime
    status: int  # 503 (HTML page) or 504 (gateway page)
    realm_id: str | None


class Faults:
    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self.seed = seed
        self.reset()

    def reset(self, seed: int | None = None) -> None:
        with self._lock:
            if seed is not None:
                self.seed = seed
            self._rng = random.Random(self.seed)
            self.latency_ms: float = 0.0
            self._endpoint_latency: dict[str, float] = {}
            self._rates: dict[str, tuple[float, str]] = {}
            self._timeouts: dict[str, int] = {}
            self._corrupt: list[tuple[str | None, str, int]] = []
            self._outages: list[Outage] = []
            self._throttle: dict[str | None, int] = {}

    # --- configuration ----------------------------------------------------------------------------

    def set_latency(self, ms: float, endpoint: str | None = None) -> None:
        """Real wall-time delay per request (``endpoint`` like ``"POST invoice"``; None: every request)."""
        with self._lock:
            if endpoint is None:
                self.latency_ms = ms
            else:
                self._endpoint_latency[endpoint] = ms

    def set_error_rate(self, endpoint: str, rate: float, kind: str = "500") -> None:
        """Fail a share of requests to ``endpoint`` (``"*"`` for all) before they reach QBO's logic."""
        if kind not in ERROR_KINDS:
            raise ValueError(f"kind must be one of {ERROR_KINDS}")
        with self._lock:
            self._rates[endpoint] = (rate, kind)

    def timeout_after_commit(self, entity: str, count: int = 1) -> None:
        """The next ``count`` writes of ``entity`` commit, then the response is lost (read timeout)."""
        with self._lock:
            self._timeouts[entity.lower()] = self._timeouts.get(entity.lower(), 0) + count

    def corrupt_next(self, count: int = 1, mode: str = "truncate", endpoint: str | None = None) -> None:
        """Damage the next ``count`` response bodies: ``truncate`` (cut mid-JSON) or ``non_json``."""
        if mode not in ("truncate", "non_json"):
            raise ValueError("mode must be truncate or non_json")
        with self._lock:
            self._corrupt.append((endpoint, mode, count))

    def add_outage(self, start: datetime, end: datetime, status: int = 503, realm_id: str | None = None) -> None:
        """Clock-time window during which QBO answers 503 (HTML) or 504 (gateway page)."""
        if status not in (503, 504):
            raise ValueError("status must be 503 or 504")
        with self._lock:
            self._outages.append(Outage(start, end, status, realm_id))

    def throttle_burst(self, count: int, realm_id: str | None = None) -> None:
        """Answer the next ``count`` requests (of a realm) with 429 regardless of the real limits."""
        with self._lock:
            self._throttle[realm_id] = self._throttle.get(realm_id, 0) + count

    # --- consulted by the service -----------------------------------------------------------------

    def latency_seconds(self, endpoint: str) -> float:
        with self._lock:
            return (self.latency_ms + self._endpoint_latency.get(endpoint, 0.0)) / 1000.0

    def outage_status(self, now: datetime, realm_id: str) -> int | None:
        with self._lock:
            for o in self._outages:
                if (o.realm_id in (None, realm_id)) and o.start <= now < o.end:
                    return o.status
        return None

    def take_throttle(self, realm_id: str) -> bool:
        with self._lock:
            for key in (realm_id, None):
                if self._throttle.get(key, 0) > 0:
                    self._throttle[key] -= 1
                    return True
        return False

    def roll_error(self, endpoint: str) -> str | None:
        with self._lock:
            spec = self._rates.get(endpoint) or self._rates.get("*")
            if spec is None:
                return None
            rate, kind = spec
            return kind if self._rng.random() < rate else None

    def take_timeout_after_commit(self, entities: set[str]) -> bool:
        with self._lock:
            for entity in entities:
                key = entity.lower()
                if self._timeouts.get(key, 0) > 0:
                    self._timeouts[key] -= 1
                    return True
        return False

    def take_corruption(self, endpoint: str) -> str | None:
        with self._lock:
            for i, (ep, mode, count) in enumerate(self._corrupt):
                if ep in (None, endpoint) and count > 0:
                    self._corrupt[i] = (ep, mode, count - 1)
                    return mode
        return None
