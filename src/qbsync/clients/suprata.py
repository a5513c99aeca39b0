"""Client for the Suprata API (docs/suprata-api.md) over the one HTTP layer.

Reads plus one write: ``request_retry`` asks Suprata to push a record again, with an idempotency key
that the caller fixes once per logical request (the HTTP layer reuses it on every retry; Suprata
answers the same key with the same request and never pushes twice).
"""

from __future__ import annotations

import heapq
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from qbsync.clients import suprata_models as m
from qbsync.clients.attempt_rows import Attempt, attempt_page_adapter, row_of
from qbsync.clients.compact import Compactor, compact_page_adapter
from qbsync.clients.errors import SupraApiError, Unauthorized
from qbsync.clients.http import HttpClient, Idempotency, StaticToken
from qbsync.clients.redact import remember_secret
from qbsync.clock import parse_iso

API_PREFIX = "/api/v1"
PAGE_LIMIT = 500  # Suprata's maximum page size
MAX_KEYS = 500  # Suprata's maximum ids/numbers per request
MAX_CONCURRENT = 4  # Suprata requests in flight at once (docs/suprata-api.md), however many threads ask
# How a Suprata that predates a read or a filter answers it: 404 for an endpoint it lacks, 400 for a parameter
# it refuses. The caller then asks as it did before the read existed.
PREDATES = frozenset({400, 404})
UNSYNCED_STATES = ("not_synced", "failed", "pending")  # what ``unsynced=true`` lists, in one read

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def emulator_base(sandbox_base: str) -> str:
    """Suprata base URL of the qbsync sandbox served at ``sandbox_base``."""
    return sandbox_base.rstrip("/") + "/suprata"


@cache
def _page_adapter(model: type[M]) -> TypeAdapter[m.Page[M]]:
    return TypeAdapter(m.Page[model])  # type: ignore[valid-type]


def _lenient_page(content: bytes, model: type[M], lenient: Callable[[Any, str], M]) -> m.Page[M]:
    """A page with bad items: keep the good ones as they are and let ``lenient`` describe each bad one."""
    try:
        raw = json.loads(content)
    except (ValueError, RecursionError):
        raise SupraApiError(200, "bad_response", "Suprata answered with something that is not JSON") from None
    items = raw.get("data") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        raise SupraApiError(200, "bad_response", "Suprata's page has no data list")
    rows: list[M] = []
    for item in items:
        try:
            rows.append(model.model_validate(item))
        except ValidationError as exc:
            rows.append(lenient(item, _first_problem(exc)))
    cursor = raw.get("next_cursor")
    return m.Page[model](data=rows, next_cursor=cursor if isinstance(cursor, str) else None)  # type: ignore[valid-type]


def _first_problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ())) or "entry"
    return f"{where}: {err.get('msg', 'invalid')}"


def malformed_attempt(item: Any, problem: str) -> m.SyncAttempt:
    """A sync-log entry qbsync cannot read, kept as a failed attempt so the diagnosis can say so (never crash)."""
    data: dict[str, Any] = item if isinstance(item, dict) else {}
    error: dict[str, Any] = data["error"] if isinstance(data.get("error"), dict) else {}
    body = error.get("body") if isinstance(error.get("body"), str) else (json.dumps(error) if error else None)
    status = error.get("http_status") if isinstance(error.get("http_status"), int) else None
    when = _lenient_time(data.get("attempted_at"))
    return m.SyncAttempt.model_construct(
        id=str(data.get("id") or f"malformed-{abs(hash(json.dumps(data, sort_keys=True, default=str))) % 10**8}"),
        record_type=str(data.get("record_type") or "unknown"),  # type: ignore[arg-type]  # kept as read: malformed
        record_id=str(data.get("record_id") or "?"),
        record_number=data.get("record_number") if isinstance(data.get("record_number"), str) else None,
        customer_id=data.get("customer_id") if isinstance(data.get("customer_id"), str) else None,
        attempted_at=when,
        attempt=data["attempt"] if isinstance(data.get("attempt"), int) else 1,
        trigger="auto",
        outcome="failed",
        qbo_id=None,
        qbo_request_id=None,
        error=m.SyncError.model_construct(
            kind="http",
            http_status=status,
            content_type=None,
            body=body,
            qbo_entity=None,
            qbo_operation=None,
            intuit_tid=None,
        ),
        malformed=problem,
    )


def _lenient_time(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            return parse_iso(value)
        except ValueError:
            pass
    return datetime(1970, 1, 1, tzinfo=UTC)


def _timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _chunks(keys: Iterable[str], size: int = MAX_KEYS) -> list[list[str]]:
    seen: dict[str, None] = {}
    for key in keys:
        if key:
            seen.setdefault(str(key), None)
    values = list(seen)
    return [values[i : i + size] for i in range(0, len(values), size)]


def _converted(rows: list[Any], convert: Callable[[Any], Any] | None) -> list[Any]:
    return rows if convert is None else [convert(r) for r in rows]


def run_side_by_side(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Independent Suprata reads on threads, results in call order; the client's own gate keeps at most
    ``MAX_CONCURRENT`` requests on the wire. The first exception is re-raised after every call has finished."""
    if len(calls) <= 1:
        return [c() for c in calls]
    with ThreadPoolExecutor(max_workers=min(len(calls), 2 * MAX_CONCURRENT)) as pool:
        futures = [pool.submit(c) for c in calls]
        return [f.result() for f in futures]


def _parse(model: type[M], content: bytes, path: str) -> M:
    try:
        return model.model_validate_json(content)
    except ValidationError as exc:
        raise _unreadable(path, exc) from None


def _unreadable(path: str, exc: ValidationError) -> SupraApiError:
    """A 200 answer qbsync cannot read (not JSON, nested too deeply, fields missing): one line, no body."""
    first: dict[str, Any] = dict(exc.errors()[0]) if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ())) or "the body"
    return SupraApiError(
        200, "bad_response", f"Suprata's answer to {path} is unreadable ({where}: {first.get('type')})"
    )


def supra_error(response: httpx.Response) -> SupraApiError:
    """The typed error of a non-2xx Suprata response (body ``{"error", "message"}``, or whatever came)."""
    try:
        body = m.ApiError.model_validate_json(response.content)
        code, message = body.error, body.message
    except ValueError:
        code, message = "unavailable" if response.status_code >= 500 else "unknown", response.text[:300]
    return SupraApiError(response.status_code, code, message)


class SupraClient:
    def __init__(self, http: HttpClient, api_key: str, *, base_url: str) -> None:
        self.http = http
        remember_secret(api_key)  # a server that echoes the key in an error body must not get it printed
        self._token = StaticToken(api_key)
        self.base_url = base_url.rstrip("/") + API_PREFIX
        self._gate = threading.BoundedSemaphore(MAX_CONCURRENT)
        # the reads this Suprata answered 404 or 400 (it predates them): not asked again in this run; copies of
        # the client (status's request counter) share the set
        self._predates: set[str] = set()

    def __repr__(self) -> str:
        return f"SupraClient(base_url={self.base_url!r})"

    # --- plumbing -------------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        idempotency: Idempotency | None = None,
    ) -> httpx.Response:
        with self._gate:
            response = self.http.request(
                method,
                f"{self.base_url}{path}",
                params={k: v for k, v in (params or {}).items() if v is not None},
                json=json,
                token=self._token,
                idempotency=idempotency,
                describe_error=supra_error,
            )
        if response.status_code == 401:
            err = supra_error(response)
            raise Unauthorized("Suprata", err.detail, code=err.code)
        if not 200 <= response.status_code < 300:
            raise supra_error(response)
        return response

    def _one(self, path: str, model: type[M]) -> M:
        return _parse(model, self._call("GET", path).content, path)

    def _pages(
        self,
        path: str,
        model: type[M],
        params: dict[str, Any],
        lenient: Callable[[Any, str], M] | None = None,
        *,
        compact: bool = False,
        attempt_rows: bool = False,
    ) -> Iterator[list[Any]]:
        """The rows of every page: models, with ``compact`` their slotted mirrors (clients/compact.py), with
        ``attempt_rows`` sync attempts as ``Attempt`` rows (clients/attempt_rows.py)."""
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            if compact:
                rows, cursor = self._compact_page(path, model, params, cursor)
                yield rows
            elif attempt_rows:
                rows, cursor = self._attempt_rows_page(path, params, cursor)
                yield rows
            else:
                page = self._page(path, model, params, cursor, lenient)
                yield page.data
                cursor = page.next_cursor
            if not cursor:
                return
            if cursor in seen:  # a server bug must not become an endless loop
                raise SupraApiError(200, "cursor_loop", f"{path} returned the same next_cursor twice")
            seen.add(cursor)

    def _page(
        self,
        path: str,
        model: type[M],
        params: dict[str, Any],
        cursor: str | None,
        lenient: Callable[[Any, str], M] | None = None,
    ) -> m.Page[M]:
        content = self._call("GET", path, params={**params, "limit": PAGE_LIMIT, "cursor": cursor}).content
        try:
            return _page_adapter(model).validate_json(content)
        except ValidationError as exc:
            if lenient is None:
                raise _unreadable(path, exc) from None
            return _lenient_page(content, model, lenient)

    def _compact_page(
        self, path: str, model: type[M], params: dict[str, Any], cursor: str | None
    ) -> tuple[list[Any], str | None]:
        return self._rows_page(path, params, cursor, compact_page_adapter(model))

    def _attempt_rows_page(self, path: str, params: dict[str, Any], cursor: str | None) -> tuple[list[Any], str | None]:
        def entry_by_entry(content: bytes) -> tuple[list[Any], str | None]:  # each bad entry kept, malformed
            lenient = _lenient_page(content, m.SyncAttempt, malformed_attempt)
            return [row_of(a) for a in lenient.data], lenient.next_cursor

        return self._rows_page(path, params, cursor, attempt_page_adapter(), entry_by_entry)

    def _rows_page(
        self,
        path: str,
        params: dict[str, Any],
        cursor: str | None,
        adapter: TypeAdapter[Any],
        unreadable: Callable[[bytes], tuple[list[Any], str | None]] | None = None,
    ) -> tuple[list[Any], str | None]:
        """One page validated straight into slotted rows; a page that does not validate goes to ``unreadable``
        (or is refused in one line)."""
        content = self._call("GET", path, params={**params, "limit": PAGE_LIMIT, "cursor": cursor}).content
        try:
            page = adapter.validate_json(content)
        except ValidationError as exc:
            if unreadable is None:
                raise _unreadable(path, exc) from None
            return unreadable(content)
        return page["data"], page.get("next_cursor")

    def _list(
        self, path: str, model: type[M], params: dict[str, Any], convert: Callable[[M], Any] | None = None
    ) -> list[Any]:
        """Every page; ``convert`` is applied as each page arrives, so the parsed models of one page at a time
        are alive, not the whole list's. A ``Compactor`` has pages validated straight into compact mirrors."""
        if isinstance(convert, Compactor):
            pages = self._pages(path, model, params, compact=True)
            return [row for page in pages for row in convert.pool.share(page)]
        if convert is None:
            return [row for page in self._pages(path, model, params) for row in page]
        return [convert(row) for page in self._pages(path, model, params) for row in page]

    def _bulk(
        self,
        path: str,
        model: type[M],
        key_param: str,
        keys: Iterable[str],
        params: dict[str, Any],
        convert: Callable[[M], Any] | None = None,
    ) -> list[Any]:
        """One paged fetch per 500 keys, the chunks side by side."""
        calls = [
            lambda chunk=chunk: self._list(path, model, {**params, key_param: ",".join(chunk)}, convert)
            for chunk in _chunks(keys)
        ]
        return [row for rows in run_side_by_side(calls) for row in rows]

    # --- account and connection -----------------------------------------------------------------------

    def account(self) -> m.Account:
        return self._one("/account", m.Account)

    def connection(self) -> m.QboConnection:
        """Suprata's own QuickBooks connection (status, realm, token expiry, last token-endpoint error)."""
        return self._one("/quickbooks/connection", m.QboConnection)

    # --- sync attempts ------------------------------------------------------------------------------------

    def iter_attempts(
        self,
        *,
        outcome: str | None = None,
        record_type: str | None = None,
        record_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        latest: bool = False,
        error_kind: str | None = None,
    ) -> Iterator[m.SyncAttempt]:
        """Sync attempts page by page, oldest first, without holding the log."""
        params = {
            "outcome": outcome,
            "record_type": record_type,
            "record_id": record_id,
            "error_kind": error_kind,
            "since": _timestamp(since) if since else None,
            "until": _timestamp(until) if until else None,
            "latest": "true" if latest else None,
        }
        for page in self._pages("/sync/attempts", m.SyncAttempt, params, lenient=malformed_attempt):
            yield from page

    def attempts(self, **filters: Any) -> list[m.SyncAttempt]:
        """Sync attempts, oldest first. ``latest=True`` gives each record's most recent attempt only."""
        return list(self.iter_attempts(**filters))

    def attempt_summary(self, **filters: Any) -> m.SyncSummary | None:
        """``GET /sync/attempts/summary``: the attempts ``attempts(**filters)`` would list, counted by outcome,
        error kind and HTTP status, and the log's last success, in one request. None when this Suprata predates
        the read: the caller then reads the log itself, as before."""
        if "attempt_summary" in self._predates:
            return None
        params = {k: (_timestamp(v) if isinstance(v, datetime) else v) for k, v in filters.items()}
        if "latest" in params:
            params["latest"] = "true" if params["latest"] else None
        path = "/sync/attempts/summary"
        try:
            return _parse(m.SyncSummary, self._call("GET", path, params=params).content, path)
        except SupraApiError as exc:
            if exc.status not in PREDATES:
                raise
            self._predates.add("attempt_summary")
            return None

    def latest_attempts_by_type(self, convert: Callable[[Attempt], T] | None = None, **filters: Any) -> list[Any]:
        """``attempts(latest=True, ...)`` as slotted ``Attempt`` rows (``convert``, when given, applied to each).
        One page answers a small account in one request; beyond it, one stream per record type, side by side,
        merged back into Suprata's order (attempted_at, then id)."""
        params = {k: (_timestamp(v) if isinstance(v, datetime) else v) for k, v in filters.items()}
        rows, cursor = self._attempt_rows_page("/sync/attempts", {**params, "latest": "true"}, None)
        if not cursor:
            return _converted(rows, convert)
        types = [filters.pop("record_type")] if filters.get("record_type") else list(m.RECORD_TYPES)
        streams = run_side_by_side(
            [lambda t=t: self._attempt_list({**params, "latest": "true", "record_type": t}) for t in types]  # type: ignore[misc]
        )
        return _converted(list(heapq.merge(*streams, key=lambda a: (a.attempted_at, a.id))), convert)

    def _attempt_list(self, params: dict[str, Any]) -> list[Attempt]:
        """Every page of ``/sync/attempts`` with these (already encoded) filters, as rows."""
        return [a for page in self._pages("/sync/attempts", m.SyncAttempt, params, attempt_rows=True) for a in page]

    def attempts_of(
        self, record_type: str, record_ids: Iterable[str], convert: Callable[[Attempt], T] | None = None, **filters: Any
    ) -> list[Any]:
        """The attempts of just these records (500 ids a request, the chunks side by side), oldest first
        within each chunk, as ``Attempt`` rows (``convert``, when given, applied to each)."""

        def chunk_rows(chunk: list[str]) -> list[Any]:
            params = {**filters, "record_type": record_type, "record_ids": ",".join(chunk)}
            if "since" in params and params["since"] is not None:
                params["since"] = _timestamp(params["since"])
            return _converted(self._attempt_list(params), convert)

        calls = [lambda c=c: chunk_rows(c) for c in _chunks(record_ids)]
        return [row for rows in run_side_by_side(calls) for row in rows]

    # --- records ------------------------------------------------------------------------------------------

    def customers(
        self,
        *,
        ids: Iterable[str] | None = None,
        numbers: Iterable[str] | None = None,
        q: str | None = None,
        sync_state: str | None = None,
        convert: Callable[[Any], Any] | None = None,
    ) -> list[m.Customer]:
        params = {"q": q, "sync_state": sync_state}
        if ids is not None:
            return self._bulk("/customers", m.Customer, "ids", ids, params, convert)
        if numbers is not None:
            return self._bulk("/customers", m.Customer, "numbers", numbers, params)
        return self._list("/customers", m.Customer, params)

    def customer(self, customer_id: str) -> m.Customer:
        return self._one(f"/customers/{customer_id}", m.Customer)

    def items(
        self,
        *,
        ids: Iterable[str] | None = None,
        skus: Iterable[str] | None = None,
        sync_state: str | None = None,
        convert: Callable[[Any], Any] | None = None,
    ) -> list[m.Item]:
        params = {"sync_state": sync_state}
        if ids is not None:
            return self._bulk("/items", m.Item, "ids", ids, params, convert)
        if skus is not None:
            return self._bulk("/items", m.Item, "skus", skus, params)
        return self._list("/items", m.Item, params)

    def item_catalog(self) -> tuple[list[m.Item], bool]:
        """The first page of the whole item list (up to 500 items, one request), and whether it is the whole
        list. A price list usually is: then it holds both the items not linked to QuickBooks and every item a
        read by id asks for."""
        page = self._page("/items", m.Item, {}, None)
        return page.data, page.next_cursor is None

    def item(self, item_id: str) -> m.Item:
        return self._one(f"/items/{item_id}", m.Item)

    def invoices(
        self,
        *,
        ids: Iterable[str] | None = None,
        numbers: Iterable[str] | None = None,
        customer_id: str | None = None,
        sync_state: str | None = None,
        txn_date_from: date | None = None,
        convert: Callable[[Any], Any] | None = None,
    ) -> list[m.Invoice]:
        params = {
            "customer_id": customer_id,
            "sync_state": sync_state,
            "txn_date_from": txn_date_from.isoformat() if txn_date_from else None,
        }
        if ids is not None:
            return self._bulk("/invoices", m.Invoice, "ids", ids, params, convert)
        if numbers is not None:
            return self._bulk("/invoices", m.Invoice, "numbers", numbers, params)
        return self._list("/invoices", m.Invoice, params)

    def not_in_quickbooks(
        self,
        record_type: str,
        *,
        txn_from: date | None = None,
        txn_to: date | None = None,
        convert: Callable[[Any], Any] | None = None,
    ) -> list[Any]:
        """Records Suprata has not put in QuickBooks yet (never pushed, queued or failed), in one paged list:
        invoices or payments dated within the days given (the batch a pre-flight looks at, status's backlog),
        or customers or items (the look-ahead's unlinked ones; they have no dates). ``convert`` as for
        ``_list`` (a ``Compactor`` keeps compact mirrors).

        A Suprata that predates ``unsynced`` on customers and items (400) is asked once per state instead,
        the rows in Suprata's order within each state."""
        table: dict[str, tuple[str, type[Any]]] = {
            "invoice": ("/invoices", m.Invoice),
            "payment": ("/payments", m.Payment),
            "customer": ("/customers", m.Customer),
            "item": ("/items", m.Item),
        }
        path, model = table[record_type]
        if record_type in ("customer", "item"):
            if txn_from is not None or txn_to is not None:
                raise ValueError(f"a {record_type} has no date to bound it by")
            return self._unlinked(path, model, convert)
        params = {
            "unsynced": "true",
            "txn_date_from": txn_from.isoformat() if txn_from else None,
            "txn_date_to": txn_to.isoformat() if txn_to else None,
        }
        return self._list(path, model, params, convert)

    def _unlinked(self, path: str, model: type[M], convert: Callable[[Any], Any] | None) -> list[Any]:
        if "unsynced_records" not in self._predates:
            try:
                rows = self._list(path, model, {"unsynced": "true"}, convert)
                # a Suprata that ignores the filter it does not know answers every record: the linked ones go
                return [r for r in rows if getattr(getattr(r, "qbo", None), "state", None) != "synced"]
            except SupraApiError as exc:
                if exc.status not in PREDATES:
                    raise
                self._predates.add("unsynced_records")
        return [row for state in UNSYNCED_STATES for row in self._list(path, model, {"sync_state": state}, convert)]

    def invoice(self, invoice_id: str) -> m.Invoice:
        return self._one(f"/invoices/{invoice_id}", m.Invoice)

    def payments(
        self,
        *,
        ids: Iterable[str] | None = None,
        numbers: Iterable[str] | None = None,
        customer_id: str | None = None,
        invoice_id: str | None = None,
        sync_state: str | None = None,
        convert: Callable[[Any], Any] | None = None,
    ) -> list[m.Payment]:
        params = {"customer_id": customer_id, "invoice_id": invoice_id, "sync_state": sync_state}
        if ids is not None:
            return self._bulk("/payments", m.Payment, "ids", ids, params, convert)
        if numbers is not None:
            return self._bulk("/payments", m.Payment, "numbers", numbers, params)
        return self._list("/payments", m.Payment, params)

    def payment(self, payment_id: str) -> m.Payment:
        return self._one(f"/payments/{payment_id}", m.Payment)

    def by_qbo_ids(self, record_type: str, qbo_ids: Iterable[str]) -> list[Any]:
        """Suprata records linked to these QuickBooks ids (500 keys a request); unknown ids are simply absent."""
        table: dict[str, tuple[str, type[Any]]] = {
            "customer": ("/customers", m.Customer),
            "item": ("/items", m.Item),
            "invoice": ("/invoices", m.Invoice),
            "payment": ("/payments", m.Payment),
        }
        path, model = table[record_type]
        return self._bulk(path, model, "qbo_ids", qbo_ids, {})

    def tax_categories(self) -> list[m.TaxCategory]:
        return self._list("/tax-categories", m.TaxCategory, {})

    # --- retries (the only write) -------------------------------------------------------------------------

    def request_retry(self, record_type: str, record_id: str, idempotency_key: str) -> m.RetryRequest:
        """Ask Suprata to push one record again. Reuse ``idempotency_key`` for the same logical request."""
        body = m.RetryCreate(record_type=record_type, record_id=record_id)
        response = self._call(
            "POST",
            "/sync/retries",
            json=body.model_dump(mode="json", exclude_none=True),
            idempotency=Idempotency.header_key(idempotency_key),
        )
        return _parse(m.RetryRequest, response.content, "/sync/retries")

    def get_retry(self, retry_id: str) -> m.RetryRequest:
        return self._one(f"/sync/retries/{retry_id}", m.RetryRequest)
