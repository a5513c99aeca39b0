"""The one HTTP layer under every qbsync client (stripe-python style).

One place decides what is retried and how long to wait:

- 429, 502, 503, 504 and connection errors/timeouts are retried with exponential backoff and jitter;
  ``Retry-After`` (seconds or HTTP date) wins when present, otherwise a 429 waits QuickBooks' 60 seconds;
  a 500 is retried once (Intuit: "Resubmit the request once");
- reads (GET, ``POST /query``) are retried freely; other writes only when they carry an idempotency key
  (QBO ``requestid``, Suprata ``Idempotency-Key``) fixed once per logical operation and reused on every retry;
- the time one call spends (attempts and waits together) is bounded; past it the caller gets
  ``TemporarilyUnavailable`` (or ``Unreachable`` for network failures) carrying what the last answer said;
- the run's ``Deadline`` is never crossed: no attempt starts after it, no answer is awaited past it;
- ``patience``: once the service has refused or not answered for that long in a row, the client gives up and
  every later call of the run fails at once with the same error (no run hammers a service that is down);
- every attempt to a QuickBooks realm holds a slot of the per-realm limiter (``limiter.py``);
- a 401 is retried once after the token provider refreshes (``refresh`` learns which token was refused, so a
  herd of parallel 401s spends one refresh grant, not one per thread);
- an answer larger than ``MAX_RESPONSE_BYTES`` is refused while it streams in (``ResponseTooLarge``), before
  a byte of it is parsed: a hostile 50 MB body of millions of small objects would take minutes to parse;
- the debug log (logger ``qbsync.http``) shows method, redacted URL, status, elapsed time and intuit_tid,
  never a header value or a secret.

Waiting goes through an injected ``Clock`` so tests with a ``VirtualClock`` never really sleep.
"""

from __future__ import annotations

import functools
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlencode

import httpx

from qbsync.clients.errors import ApiError, ResponseTooLarge, TemporarilyUnavailable, Unreachable
from qbsync.clients.limiter import RealmLimiter, process_limiter
from qbsync.clients.redact import REDACTED, redact_text, redact_url
from qbsync.clock import Clock, SystemClock
from qbsync.deadline import Deadline

log = logging.getLogger("qbsync.http")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
USER_AGENT = "qbsync/0.1"
RETRY_STATUSES = frozenset({429, 502, 503, 504})
RETRY_ONCE_STATUSES = frozenset({500})  # Intuit: "Resubmit the request once"
# The largest answer qbsync reads (after gzip is undone, so a small compressed bomb is caught too). A full page
# of 1,000 QuickBooks invoices with their lines, or a /batch of 30 such queries on a large company, is a few
# MB; 32 MiB leaves room for that and bounds the parse of a hostile body to seconds.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
MIN_ATTEMPT_TIMEOUT = 0.05  # seconds; an attempt started just before the deadline still gets a sliver
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Failures that happen before the request left this machine: safe to retry even for a write.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_RETRYABLE_NETWORK = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


class TokenProvider(Protocol):
    """Returns the current bearer token. May also offer ``refresh() -> bool`` (see ``RefreshableToken``)."""

    def __call__(self) -> str: ...


def with_query(url: str, params: Mapping[str, Any]) -> str:
    """``url`` with ``params`` added as httpx would add them (a list repeats its key; True is "true", None is
    empty), encoded by ``urlencode`` with commas left as they are. Handed a dict, httpx quotes commas, then
    re-scans the query in Python for each escape it made: a bulk read's 500 ids cost 5 ms a request that way,
    1.5 ms this way."""
    pairs = [
        (str(k), _query_text(item)) for k, v in params.items() for item in (v if isinstance(v, list | tuple) else [v])
    ]
    if not pairs:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode(pairs, safe=',')}"


def _query_text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


@runtime_checkable
class RefreshableToken(Protocol):
    def __call__(self) -> str: ...

    def refresh(self) -> bool:
        """Get a new token after a 401; False when it cannot (then the 401 surfaces as ``Unauthorized``).

        Called on the thread whose request was refused, right after it read the token with ``__call__``:
        a provider that remembers what it handed out on each thread can tell a token another thread already
        replaced from one that still needs a refresh."""
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
    retry_once_statuses: frozenset[int] = RETRY_ONCE_STATUSES
    # Seconds of refusals/silence in a row after which the client stops asking for the rest of the run
    # (None: only max_attempts and max_total_wait bound a call).
    patience: float | None = None

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Equal-jitter exponential backoff for the wait after ``attempt`` (1-based)."""
        delay = min(self.max_backoff, self.base_delay * 2.0 ** (attempt - 1))
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
    tid: str | None = response.headers.get("intuit_tid") or response.headers.get("intuit-tid")
    return tid


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
        deadline: Deadline | None = None,
        service: str | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.clock = clock or SystemClock()
        self.max_response_bytes = max_response_bytes
        self.rng = rng or random.Random()
        self.retry = retry or RetryPolicy()
        # QuickBooks counts its limits per realm across every connection of one app: every client of the
        # process on this clock shares one limiter unless a test hands its own.
        self.limiter = limiter if limiter is not None else process_limiter(self.clock)
        self.token = token
        self.deadline = deadline
        self.service = service  # named on every error this client raises ("QuickBooks", "Suprata")
        self.timeout = _as_timeout(timeout if timeout is not None else DEFAULT_TIMEOUT)
        self._trouble = _Trouble()
        self._client = httpx.Client(
            transport=transport,
            timeout=self.timeout,
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
        try:
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
            started = self.clock.monotonic()
            # Encoded once for every attempt, and by the standard library (``with_query``).
            target = self._client.build_request(method, with_query(url, params)).url
            # redacted only when something is said about it (an error, a wait): a 500-id URL costs 0.4 ms
            shown_url = functools.cache(lambda: redact_url(str(target)))
            last_error: Callable[[], ApiError] | None = None

            while True:
                attempt += 1
                tripped = self._trouble.tripped
                if tripped is not None:
                    raise tripped()
                if self.deadline is not None and self.deadline.expired():
                    raise (last_error or self._deadline_error(shown_url(), attempt - 1))()
                if provider is not None:
                    hdrs["Authorization"] = f"Bearer {provider()}"
                request = self._client.build_request(
                    method,
                    target,
                    json=json,
                    content=content,
                    headers=hdrs,
                    timeout=self._attempt_timeout(started),
                )
                sent_at = (self.clock.monotonic(), self.clock.now())  # a slow failure's trouble began when it was sent
                try:
                    response = self._send(request, limit_key, attempt)
                except _RETRYABLE_NETWORK as exc:
                    kind = "timeout" if isinstance(exc, httpx.TimeoutException) else "connect"
                    if isinstance(exc, httpx.RemoteProtocolError):
                        kind = "protocol"
                    reason = redact_text(f"{type(exc).__name__}: {exc}")
                    if not retry_safe and not isinstance(exc, _NOT_SENT):
                        raise Unreachable(
                            shown_url(), reason, attempts=attempt, kind=kind, outcome_uncertain=True
                        ) from None
                    since = self._trouble.begin(*sent_at)
                    last_error = _network_error(shown_url(), reason, attempt, kind, since)
                    delay = self.retry.backoff(attempt, self.rng)
                    if self._give_up(attempt, started, delay):
                        self._trouble.trip(last_error)
                        raise last_error() from None
                    waited += self._wait(delay, shown_url(), attempt, reason)
                    continue
                except httpx.TransportError as exc:  # invalid URL, proxy or protocol misuse: retrying cannot help
                    raise Unreachable(
                        shown_url(), redact_text(f"{type(exc).__name__}: {exc}"), kind="connect"
                    ) from None

                status = response.status_code
                if status == 401 and not refreshed and isinstance(provider, RefreshableToken):
                    refreshed = True
                    if provider.refresh():
                        log.debug("%s %s: 401, token refreshed, retrying once", method, shown_url())
                        continue
                once = status in self.retry.retry_once_statuses and attempt == 1
                if status not in self.retry.retry_statuses and not (once and retry_safe):
                    self._trouble.end()
                    return response

                since = self._trouble.begin(*sent_at)
                retry_after = parse_retry_after(response.headers.get("retry-after"), self.clock)
                if retry_after is not None:
                    delay = retry_after
                elif status == 429:
                    delay = self.retry.throttle_wait + self.rng.random()
                else:
                    delay = self.retry.backoff(attempt, self.rng)
                last_error = _status_error(
                    shown_url(),
                    status,
                    describe_error(response) if describe_error else None,
                    retry_after,
                    attempt,
                    waited,
                    intuit_tid(response),
                    since,
                )
                if once and status not in self.retry.retry_statuses:
                    if self._give_up(attempt, started, delay):
                        return response  # a 500 keeps its own body (a QuickBooks fault) when it cannot be retried
                    waited += self._wait(delay, shown_url(), attempt, f"HTTP {status}")
                    continue
                if not retry_safe or self._give_up(attempt, started, delay):
                    if retry_safe:
                        self._trouble.trip(last_error)
                    raise last_error()
                waited += self._wait(delay, shown_url(), attempt, f"HTTP {status}")
        except ApiError as exc:
            if exc.service is None:
                exc.service = self.service
            raise

    def _give_up(self, attempt: int, started: float, delay: float) -> bool:
        """No more attempts: too many, too long for this call, past the run's deadline, or out of patience."""
        if attempt >= self.retry.max_attempts:
            return True
        if self.clock.monotonic() - started + delay > self.retry.max_total_wait:
            return True  # time inside the attempts counts: a slow service is no faster than a refusing one
        if self.deadline is not None and not self.deadline.allows(delay):
            return True
        return self._is_patience_spent(delay)

    def _is_patience_spent(self, delay: float) -> bool:
        patience = self.retry.patience
        return patience is not None and self._trouble.lasted(self.clock) + delay > patience

    def _attempt_timeout(self, started: float | None = None) -> httpx.Timeout:
        """The client's timeouts, cut to what is left of the deadline, of this call's total bound and (once in
        trouble) of the patience: the last attempt cannot carry a call past any of them."""
        left = self.deadline.remaining() if self.deadline is not None else None
        if started is not None:
            rest = max(0.0, self.retry.max_total_wait - (self.clock.monotonic() - started))
            left = rest if left is None else min(left, rest)
        patience = self.retry.patience
        if patience is not None and self._trouble.active:
            rest = max(0.0, patience - self._trouble.lasted(self.clock))
            left = rest if left is None else min(left, rest)
        if left is None:
            return self.timeout
        cap = max(MIN_ATTEMPT_TIMEOUT, left)
        t = self.timeout
        return httpx.Timeout(
            connect=_cut(t.connect, cap), read=_cut(t.read, cap), write=_cut(t.write, cap), pool=_cut(t.pool, cap)
        )

    def _deadline_error(self, shown_url: str, attempts: int) -> Callable[[], ApiError]:
        what = self.deadline.describe() if self.deadline is not None else "the deadline"
        since = self._trouble.since_at
        return _network_error(shown_url, f"{what} of this command passed", attempts, "deadline", since)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def _send(self, request: httpx.Request, limit_key: str | None, attempt: int) -> httpx.Response:
        started = time.perf_counter()  # wall time for the log; waits go through the clock
        try:
            if limit_key is None:
                response = self._send_capped(request)
            else:
                with self.limiter.slot(limit_key):  # the slot is held until the whole body is in
                    response = self._send_capped(request)
        except httpx.TransportError as exc:
            if not log.isEnabledFor(logging.DEBUG):  # the URL is redacted only for a log that is written
                raise
            log.debug(
                "%s %s -> %s after %.0f ms (attempt %d)",
                request.method,
                redact_url(str(request.url)),
                type(exc).__name__,
                (time.perf_counter() - started) * 1000,
                attempt,
            )
            raise
        if not log.isEnabledFor(logging.DEBUG):
            return response
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

    def _send_capped(self, request: httpx.Request) -> httpx.Response:
        """Send, then read the body in chunks and stop at the cap: a body over it is never held whole or parsed."""
        cap = self.max_response_bytes
        response = self._client.send(request, stream=True)
        try:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cap:
                raise ResponseTooLarge(redact_url(str(request.url)), cap, int(declared), declared=True)
            body = bytearray()
            for chunk in response.iter_bytes():  # decoded: the cap is on what would be parsed
                body += chunk
                if len(body) > cap:
                    raise ResponseTooLarge(redact_url(str(request.url)), cap, len(body), declared=False)
            # What httpx's own read() does once the stream is consumed; content and json() then work as usual.
            response._content = bytes(body)
        finally:
            response.close()  # refusing mid-body drops the connection instead of draining the rest
        # httpx binds the stream to its response (a reference cycle), so a read response and its body (a whole
        # page, hundreds of kilobytes) outlive their last use until the cycle collector next runs: at 50,000
        # failures that was 80 MB held. A plain stream of the same bytes breaks the cycle; reference counting
        # then frees each response as soon as its reader is done with it.
        response.stream = httpx.ByteStream(response._content)
        return response

    def _wait(self, delay: float, shown_url: str, attempt: int, why: str) -> float:
        log.debug("%s: %s, waiting %.1f s before attempt %d", shown_url, why, delay, attempt + 1)
        self.clock.sleep(delay)
        return delay


def _as_timeout(value: httpx.Timeout | float) -> httpx.Timeout:
    return value if isinstance(value, httpx.Timeout) else httpx.Timeout(value)


def _cut(value: float | None, cap: float) -> float:
    return cap if value is None else min(value, cap)


def _network_error(url: str, reason: str, attempts: int, kind: str, since: datetime | None) -> Callable[[], ApiError]:
    """A fresh ``Unreachable`` per raise: the same error may be raised again by other threads of the run."""

    def make() -> ApiError:
        err = Unreachable(url, reason, attempts=attempts, kind=kind)
        err.since = since
        return err

    return make


def _status_error(
    url: str,
    status: int,
    fault: object | None,
    retry_after: float | None,
    attempts: int,
    waited: float,
    tid: str | None,
    since: datetime | None,
) -> Callable[[], ApiError]:
    def make() -> ApiError:
        err = TemporarilyUnavailable(
            url, status, fault=fault, retry_after=retry_after, attempts=attempts, waited=waited, intuit_tid=tid
        )
        err.since = since
        return err

    return make


class _Trouble:
    """A run's streak of refusals or silence from one service, shared by every thread of the client.

    ``since_at`` (wall time) is when the streak began, for "QuickBooks unreachable (HTTP 503 since 09:12)".
    Once tripped (a call gave up after retrying: attempts, time, deadline or patience spent), later calls of
    the run fail at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since: float | None = None
        self.since_at: datetime | None = None
        self.tripped: Callable[[], ApiError] | None = None

    @property
    def active(self) -> bool:
        return self._since is not None

    def begin(self, monotonic: float, at: datetime) -> datetime:
        """The streak began (if it had not yet) when the failed attempt was sent: ``monotonic`` and ``at``."""
        with self._lock:
            if self._since is None:
                self._since, self.since_at = monotonic, at
            assert self.since_at is not None
            return self.since_at

    def end(self) -> None:
        with self._lock:
            if self.tripped is None:
                self._since, self.since_at = None, None

    def lasted(self, clock: Clock) -> float:
        with self._lock:
            return 0.0 if self._since is None else clock.monotonic() - self._since

    def trip(self, error: Callable[[], ApiError]) -> None:
        """A call gave up after retrying: every later call of this client raises the same error at once."""
        with self._lock:
            self.tripped = self.tripped or error
