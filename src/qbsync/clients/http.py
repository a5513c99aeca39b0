"""The one HTTP layer under every qbsync client (stripe-python style).

One place decides what is retried and how long to wait:

- 429, 502, 503, 504 and connection errors/timeouts are retried with exponential backoff and jitter;
  ``Retry-After`` (seconds or HTTP date) wins when present, otherwise a 429 waits QuickBooks' 60 seconds;
- reads (GET, ``POST /query``) are retried freely; other writes only when they carry an idempotency key
  (QBO ``requestid``, Suprata ``Idempotency-Key``) fixed once per logical operation and reused on every retry;
- the total time spent waiting is bounded; past it the caller gets ``TemporarilyUnavailable`` (or
  ``Unreachable`` for network failures) carrying what the last answer said, never a crash;
- every attempt to a QuickBooks realm holds a slot of the per-realm limiter (``limiter.py``);
- a 401 is retried once after the token provider refreshes;
- the debug log (logger ``qbsync.http``) shows method, redacted URL, status, elapsed time and intuit_tid,
  never a header value or a secret.

Waiting goes through an injected ``Clock`` so tests with a ``VirtualClock`` never really sleep.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, runtime_checkable

import httpx

from qbsync.clients.errors import TemporarilyUnavailable, Unreachable
from qbsync.clients.limiter import RealmLimiter
from qbsync.clients.redact import REDACTED, redact_text, redact_url
from qbsync.clock import Clock, SystemClock

log = logging.getLogger("qbsync.http")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
USER_AGENT = "qbsync/0.1"
RETRY_STATUSES = frozenset({429, 502, 503, 504})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Failures that happen before the request left this machine: safe to retry even for a write.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_RETRYABLE_NETWORK = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


class TokenProvider(Protocol):
    """Returns the current bearer token. May also offer ``refresh() -> bool`` (see ``RefreshableToken``)."""

    def __call__(self) -> str: ...


@runtime_checkable
class RefreshableToken(Protocol):
    def __call__(self) -> str: ...

    def refresh(self) -> bool:
        """Get a new token after a 401; False when it cannot (then the 401 surfaces as ``Unauthorized``)."""
        ...


class StaticToken:
    """A fixed bearer credential (Suprata API key). Its repr never shows the value."""

    def __init__(self, value: str) -> None:
        self._value = value

    def __call__(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"StaticToken({REDACTED})"


def new_idempotency_key() -> str:
    """32 hex characters: within QBO's 36-character batch requestid limit and Suprata's key format."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Idempotency:
    """An idempotency key for one logical write, sent as a query parameter or a header on every attempt."""

    key: str
    param: str | None = None
    header: str | None = None

    @classmethod
    def qbo(cls, key: str | None = None) -> Idempotency:
        return cls(key or new_idempotency_key(), param="requestid")

    @classmethod
    def header_key(cls, key: str | None = None, name: str = "Idempotency-Key") -> Idempotency:
        return cls(key or new_idempotency_key(), header=name)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    max_total_wait: float = 180.0  # seconds of sleeping across all retries of one call
    base_delay: float = 1.0
    max_backoff: float = 30.0
    throttle_wait: float = 60.0  # Intuit: "If you see [429], wait 60 seconds before retrying"
    retry_statuses: frozenset[int] = RETRY_STATUSES

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Equal-jitter exponential backoff for the wait after ``attempt`` (1-based)."""
        delay = min(self.max_backoff, self.base_delay * 2 ** (attempt - 1))
        return delay / 2 + rng.random() * delay / 2


def parse_retry_after(value: str | None, clock: Clock) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - clock.now()).total_seconds())


def intuit_tid(response: httpx.Response) -> str | None:
    return response.headers.get("intuit_tid") or response.headers.get("intuit-tid")


ErrorDescriber = Callable[[httpx.Response], object | None]


class HttpClient:
    """A sync ``httpx.Client`` with qbsync's retry, limiter, auth and logging rules. Safe to share across threads."""

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        retry: RetryPolicy | None = None,
        limiter: RealmLimiter | None = None,
        token: TokenProvider | None = None,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self.retry = retry or RetryPolicy()
        self.limiter = limiter if limiter is not None else RealmLimiter(self.clock)
        self.token = token
        self._client = httpx.Client(
            transport=transport,
            timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            headers={"User-Agent": user_agent, "Accept": "application/json"},
            follow_redirects=False,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        token: TokenProvider | None = None,
        read_only: bool = False,
        idempotency: Idempotency | None = None,
        limit_key: str | None = None,
        describe_error: ErrorDescriber | None = None,
    ) -> httpx.Response:
        """Send one logical request; returns the final response (any status) or raises a typed error.

        ``read_only`` marks a POST that changes nothing (QBO ``/query``, a query-only batch) as freely
        retryable. ``limit_key`` (the realm id) makes every attempt hold a limiter slot. ``describe_error``
        turns the last retryable response into the fault carried by ``TemporarilyUnavailable``.
        """
        method = method.upper()
        retry_safe = read_only or method in _SAFE_METHODS or idempotency is not None
        params = dict(params or {})
        hdrs = dict(headers or {})
        if idempotency is not None:
            if idempotency.param:
                params[idempotency.param] = idempotency.key
            if idempotency.header:
                hdrs[idempotency.header] = idempotency.key
        provider = token or self.token
        attempt, waited, refreshed = 0, 0.0, False
        shown_url = redact_url(str(self._client.build_request(method, url, params=params).url))

        while True:
            attempt += 1
            if provider is not None:
                hdrs["Authorization"] = f"Bearer {provider()}"
            request = self._client.build_request(method, url, params=params, json=json, content=content, headers=hdrs)
            try:
                response = self._send(request, limit_key, attempt)
            except _RETRYABLE_NETWORK as exc:
                kind = "timeout" if isinstance(exc, httpx.TimeoutException) else "connect"
                if isinstance(exc, httpx.RemoteProtocolError):
                    kind = "protocol"
                reason = redact_text(f"{type(exc).__name__}: {exc}")
                if not retry_safe and not isinstance(exc, _NOT_SENT):
                    raise Unreachable(shown_url, reason, attempts=attempt, kind=kind, outcome_uncertain=True) from None
                delay = self.retry.backoff(attempt, self.rng)
                if attempt >= self.retry.max_attempts or waited + delay > self.retry.max_total_wait:
                    raise Unreachable(shown_url, reason, attempts=attempt, kind=kind) from None
                waited += self._wait(delay, shown_url, attempt, reason)
                continue
            except httpx.TransportError as exc:  # invalid URL, proxy or protocol misuse: retrying cannot help
                raise Unreachable(shown_url, redact_text(f"{type(exc).__name__}: {exc}"), kind="connect") from None

            status = response.status_code
            if status == 401 and not refreshed and isinstance(provider, RefreshableToken):
                refreshed = True
                if provider.refresh():
                    log.debug("%s %s: 401, token refreshed, retrying once", method, shown_url)
                    continue
            if status not in self.retry.retry_statuses:
                return response

            retry_after = parse_retry_after(response.headers.get("retry-after"), self.clock)
            if retry_after is not None:
                delay = retry_after
            elif status == 429:
                delay = self.retry.throttle_wait + self.rng.random()
            else:
                delay = self.retry.backoff(attempt, self.rng)
            if not retry_safe or attempt >= self.retry.max_attempts or waited + delay > self.retry.max_total_wait:
                raise TemporarilyUnavailable(
                    shown_url,
                    status,
                    fault=describe_error(response) if describe_error else None,
                    retry_after=retry_after,
                    attempts=attempt,
                    waited=waited,
                    intuit_tid=intuit_tid(response),
                )
            waited += self._wait(delay, shown_url, attempt, f"HTTP {status}")

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def _send(self, request: httpx.Request, limit_key: str | None, attempt: int) -> httpx.Response:
        started = time.perf_counter()  # wall time for the log; waits go through the clock
        try:
            if limit_key is None:
                response = self._client.send(request)
            else:
                with self.limiter.slot(limit_key):
                    response = self._client.send(request)
        except httpx.TransportError as exc:
            log.debug(
                "%s %s -> %s after %.0f ms (attempt %d)",
                request.method,
                redact_url(str(request.url)),
                type(exc).__name__,
                (time.perf_counter() - started) * 1000,
                attempt,
            )
            raise
        log.debug(
            "%s %s -> %d in %.0f ms intuit_tid=%s (attempt %d)",
            request.method,
            redact_url(str(request.url)),
            response.status_code,
            (time.perf_counter() - started) * 1000,
            intuit_tid(response) or "-",
            attempt,
        )
        return response

    def _wait(self, delay: float, shown_url: str, attempt: int, why: str) -> float:
        log.debug("%s: %s, waiting %.1f s before attempt %d", shown_url, why, delay, attempt + 1)
        self.clock.sleep(delay)
        return delay
