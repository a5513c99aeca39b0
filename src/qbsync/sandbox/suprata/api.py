"""The Suprata API (version 1) exactly as docs/suprata-api.md states, mounted at ``/suprata``.

Every response body is produced by a model of ``qbsync.clients.suprata_models``. Retries are queued here and
run by the engine: on its next tick, or on the first poll of ``GET /sync/retries/{id}``.
"""

from __future__ import annotations

import base64
import hmac
import json
import threading
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from qbsync.clients import suprata_models as m
from qbsync.clock import Clock, parse_iso
from qbsync.sandbox.http import Router, SandboxRequest, SandboxResponse
from qbsync.sandbox.suprata.store import RetryState, SuprataStore

if TYPE_CHECKING:
    from qbsync.sandbox.suprata.engine import SyncEngine

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_KEYS = 500
ATTEMPT_VIEWS = 8  # filtered views of the sync log kept for paging (a reader pages a few queries at once)


class ApiProblem(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def _dump(model: BaseModel) -> Any:
    return model.model_dump(mode="json")


def _ok(model: BaseModel, status: int = 200) -> SandboxResponse:
    return SandboxResponse.json(_dump(model), status=status)


class SuprataService:
    """``SandboxRequest -> SandboxResponse`` for the ``/suprata`` mount."""

    def __init__(self, store: SuprataStore, clock: Clock, api_key: str, engine: SyncEngine | None = None) -> None:
        self.store = store
        self.clock = clock
        self.api_key = api_key
        self.engine = engine
        self.requests = 0
        self._attempt_views: dict[tuple[Any, ...], list[m.SyncAttempt]] = {}
        self._views_lock = threading.Lock()
        r = self._router = Router()
        r.add("GET", "/api/v1/account", lambda req: _ok(self.store.account.to_model()))
        r.add("GET", "/api/v1/quickbooks/connection", lambda req: _ok(self.store.connection.to_model()))
        r.add("GET", "/api/v1/sync/attempts", self._attempts)
        r.add("GET", "/api/v1/sync/attempts/summary", self._attempt_summary)
        r.add("GET", "/api/v1/customers", self._customers)
        r.add("GET", "/api/v1/customers/{id}", lambda req: self._one("customer", req))
        r.add("GET", "/api/v1/items", self._items)
        r.add("GET", "/api/v1/items/{id}", lambda req: self._one("item", req))
        r.add("GET", "/api/v1/invoices", self._invoices)
        r.add("GET", "/api/v1/invoices/{id}", lambda req: self._one("invoice", req))
        r.add("GET", "/api/v1/payments", self._payments)
        r.add("GET", "/api/v1/payments/{id}", lambda req: self._one("payment", req))
        r.add("GET", "/api/v1/tax-categories", self._tax_categories)
        r.add("POST", "/api/v1/sync/retries", self._create_retry)
        r.add("GET", "/api/v1/sync/retries/{id}", self._get_retry)

    def __call__(self, req: SandboxRequest) -> SandboxResponse:
        self.requests += 1
        try:
            if not self._authorised(req):
                raise ApiProblem(401, "unauthorized", "Missing or invalid API key")
            resp = self._router.dispatch(req)
            if resp is None:
                raise ApiProblem(404, "not_found", f"No such endpoint: {req.path}")
            if resp.status == 405:
                raise ApiProblem(405, "invalid_request", f"Method {req.method} not allowed on {req.path}")
            return resp
        except ApiProblem as problem:
            body = m.ApiError(error=problem.error, message=problem.message)
            return SandboxResponse.json(_dump(body), status=problem.status)

    def _authorised(self, req: SandboxRequest) -> bool:
        scheme, _, token = req.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), self.api_key.encode())

    # --- lists ----------------------------------------------------------------------------------

    def _customers(self, req: SandboxRequest) -> SandboxResponse:
        rows: Iterable[Any] = self._by_keys(req, "customer", self.store.customers.values(), "numbers")
        q = req.arg("q")
        if q:
            rows = [c for c in rows if q.lower() in c.display_name.lower()]
        return self._page(req, self._by_state(req, list(rows)))

    def _items(self, req: SandboxRequest) -> SandboxResponse:
        rows = self._by_keys(req, "item", self.store.items.values(), "skus")
        return self._page(req, self._by_state(req, rows))

    def _invoices(self, req: SandboxRequest) -> SandboxResponse:
        rows = self._by_keys(req, "invoice", self.store.invoices.values(), "numbers")
        rows = self._by_field(req, rows, "customer_id")
        return self._page(req, self._by_dates(req, self._by_state(req, rows)))

    def _payments(self, req: SandboxRequest) -> SandboxResponse:
        rows = self._by_keys(req, "payment", self.store.payments.values(), "numbers")
        rows = [p for p in rows if not p.deleted]  # a payment deleted in Suprata is gone from its API
        rows = self._by_field(req, rows, "customer_id")
        invoice_id = req.arg("invoice_id")
        if invoice_id:
            rows = [p for p in rows if any(inv == invoice_id for inv, _ in p.applied)]
        return self._page(req, self._by_dates(req, self._by_state(req, rows)))

    def _tax_categories(self, req: SandboxRequest) -> SandboxResponse:
        return self._page(req, list(self.store.tax_categories.values()))

    def _attempts(self, req: SandboxRequest) -> SandboxResponse:
        return self._page(req, self._filtered_attempts(req))

    def _attempt_summary(self, req: SandboxRequest) -> SandboxResponse:
        """The filtered log counted by outcome, error kind and HTTP status, from the log as it stands."""
        rows = self._filtered_attempts(req)
        groups: dict[tuple[str, str | None, int | None], list[Any]] = {}
        for a in rows:
            kind, status = (a.error.kind, a.error.http_status) if a.error is not None else (None, None)
            group = groups.setdefault((a.outcome, kind, status), [0, a.attempted_at])
            group[0] += 1
            group[1] = max(group[1], a.attempted_at)
        ordered = sorted(groups.items(), key=lambda g: (g[0][0], g[0][1] or "", -1 if g[0][2] is None else g[0][2]))
        summary = m.SyncSummary(
            count=len(rows),
            newest_attempted_at=max((a.attempted_at for a in rows), default=None),
            groups=[
                m.SyncSummaryGroup(
                    outcome=outcome,  # type: ignore[arg-type]  # the log's own values
                    error_kind=kind,  # type: ignore[arg-type]
                    http_status=status,
                    count=count,
                    newest_attempted_at=newest,
                )
                for (outcome, kind, status), (count, newest) in ordered
            ],
            last_succeeded_at=self._last_succeeded_at(),
        )
        return _ok(summary)

    def _last_succeeded_at(self) -> datetime | None:
        """The newest success in the whole log (one pass: a summary or two per run)."""
        return max((a.attempted_at for a in self.store.attempts if a.outcome == "succeeded"), default=None)

    def _filtered_attempts(self, req: SandboxRequest) -> list[m.SyncAttempt]:
        """The log filtered as asked, built once per query and reused for every page of it.

        Re-filtering (and re-sorting for ``latest``) the whole log for each page made paging quadratic. The
        log only grows, so its length tells a cached view from a stale one.
        """
        latest = (req.arg("latest") or "").lower() == "true"
        outcome, record_type, record_id = req.arg("outcome"), req.arg("record_type"), req.arg("record_id")
        record_ids = _keys(req, "record_ids")
        wanted = frozenset(record_ids) if record_ids is not None else None
        error_kind = req.arg("error_kind")
        if error_kind is not None and error_kind not in ("http", "timeout", "connection", "oauth"):
            raise ApiProblem(400, "invalid_request", "error_kind must be http, timeout, connection or oauth")
        if outcome is not None and outcome not in ("succeeded", "failed"):
            raise ApiProblem(400, "invalid_request", "outcome must be succeeded or failed")
        if record_type is not None and record_type not in m.RECORD_TYPES:
            raise ApiProblem(400, "invalid_request", f"record_type must be one of {', '.join(m.RECORD_TYPES)}")
        since, until = self._time_arg(req, "since"), self._time_arg(req, "until")
        log = self.store.attempts
        key = (id(log), len(log), latest, outcome, record_type, record_id, wanted, error_kind, since, until)
        with self._views_lock:
            cached = self._attempt_views.get(key)
        if cached is not None:
            return cached
        rows: list[m.SyncAttempt] = log
        if latest:
            newest: dict[tuple[str, str], m.SyncAttempt] = {}
            for attempt in rows:
                newest[(attempt.record_type, attempt.record_id)] = attempt
            rows = sorted(newest.values(), key=lambda a: (a.attempted_at, a.id))
        rows = [
            a
            for a in rows
            if (outcome is None or a.outcome == outcome)
            and (record_type is None or a.record_type == record_type)
            and (record_id is None or a.record_id == record_id)
            and (wanted is None or a.record_id in wanted)
            and (error_kind is None or (a.error is not None and a.error.kind == error_kind))
            and (since is None or a.attempted_at >= since)
            and (until is None or a.attempted_at < until)
        ]
        with self._views_lock:  # served requests run on threads
            if len(self._attempt_views) >= ATTEMPT_VIEWS:
                self._attempt_views.pop(next(iter(self._attempt_views)))
            self._attempt_views[key] = rows
        return rows

    def _one(self, record_type: str, req: SandboxRequest) -> SandboxResponse:
        record = self.store.get(record_type, req.path_params["id"])
        if record is None:
            raise ApiProblem(404, "not_found", f"No {record_type} with id {req.path_params['id']}")
        return _ok(record.to_model())

    # --- retries --------------------------------------------------------------------------------

    def _create_retry(self, req: SandboxRequest) -> SandboxResponse:
        try:
            body = m.RetryCreate.model_validate(req.json())
        except (ValueError, ValidationError) as exc:
            raise ApiProblem(
                422, "invalid_request", f"Body must be {{record_type, record_id}}: {_short(exc)}"
            ) from None
        key = (req.headers.get("idempotency-key") or "").strip()
        if not key:
            raise ApiProblem(400, "invalid_request", "The Idempotency-Key header is required")
        if key in self.store.idempotency:
            retry_id, record_type, record_id = self.store.idempotency[key]
            if (record_type, record_id) != (body.record_type, body.record_id):
                raise ApiProblem(422, "invalid_request", "Idempotency-Key was already used for another record")
            return _ok(self.store.retries[retry_id].to_model(), status=202)
        if self.store.get(body.record_type, body.record_id) is None:
            raise ApiProblem(404, "not_found", f"No {body.record_type} with id {body.record_id}")
        retry = RetryState(
            id=f"rtr_{len(self.store.retries) + 1:06d}",
            record_type=body.record_type,
            record_id=body.record_id,
            requested_at=self.clock.now(),
        )
        self.store.retries[retry.id] = retry
        self.store.idempotency[key] = (retry.id, body.record_type, body.record_id)
        return _ok(retry.to_model(), status=202)

    def _get_retry(self, req: SandboxRequest) -> SandboxResponse:
        retry = self.store.retries.get(req.path_params["id"])
        if retry is None:
            raise ApiProblem(404, "not_found", f"No retry request {req.path_params['id']}")
        if retry.status == "queued" and self.engine is not None:
            self.engine.run_retry(retry)  # the first poll runs it, as Suprata's worker would pick it up
        return _ok(retry.to_model())

    # --- helpers --------------------------------------------------------------------------------

    def _by_keys(self, req: SandboxRequest, record_type: str, rows: Iterable[Any], param: str) -> list[Any]:
        ids, numbers, qbo_ids = _keys(req, "ids"), _keys(req, param), _keys(req, "qbo_ids")
        if ids is None and numbers is None and qbo_ids is None:
            return list(rows)
        if qbo_ids is not None:  # records by their link to QuickBooks (e.g. to tell QBO-only payments apart)
            wanted = set(qbo_ids)
            return [r for r in rows if r.sync.qbo_id in wanted]
        table = self.store.table(record_type)
        picked: list[Any] = []
        for record_id in ids or []:
            if record_id in table:
                picked.append(table[record_id])
        for number in numbers or []:
            record = self.store.by_number(record_type, number)
            if record is not None and record not in picked:
                picked.append(record)
        return picked

    @staticmethod
    def _by_field(req: SandboxRequest, rows: list[Any], name: str) -> list[Any]:
        value = req.arg(name)
        return rows if value is None else [r for r in rows if getattr(r, name) == value]

    @staticmethod
    def _by_state(req: SandboxRequest, rows: list[Any]) -> list[Any]:
        unsynced = req.arg("unsynced")
        if unsynced is not None:
            if unsynced.lower() not in ("true", "false"):
                raise ApiProblem(400, "invalid_request", "unsynced must be true or false")
            if unsynced.lower() == "true":
                rows = [r for r in rows if r.sync.state != "synced"]
        state = req.arg("sync_state")
        if state is None:
            return rows
        if state not in ("synced", "failed", "pending", "not_synced"):
            raise ApiProblem(400, "invalid_request", "sync_state must be synced, failed, pending or not_synced")
        return [r for r in rows if r.sync.state == state]

    @staticmethod
    def _by_dates(req: SandboxRequest, rows: list[Any]) -> list[Any]:
        """``txn_date_from`` / ``txn_date_to``: records dated within the days given (both ends included)."""
        bounds = []
        for name in ("txn_date_from", "txn_date_to"):
            value = req.arg(name)
            try:
                bounds.append(date.fromisoformat(value) if value else None)
            except ValueError:
                raise ApiProblem(400, "invalid_request", f"{name} must be a date (YYYY-MM-DD)") from None
        low, high = bounds
        return [r for r in rows if (low is None or r.txn_date >= low) and (high is None or r.txn_date <= high)]

    @staticmethod
    def _time_arg(req: SandboxRequest, name: str) -> datetime | None:
        value = req.arg(name)
        if value is None:
            return None
        try:
            return parse_iso(value)
        except ValueError:
            raise ApiProblem(400, "invalid_request", f"{name} must be an ISO-8601 timestamp") from None

    @staticmethod
    def _page(req: SandboxRequest, rows: list[Any]) -> SandboxResponse:
        limit = _int_arg(req, "limit", DEFAULT_LIMIT)
        if not 1 <= limit <= MAX_LIMIT:
            raise ApiProblem(400, "invalid_request", f"limit must be between 1 and {MAX_LIMIT}")
        offset = _decode_cursor(req.arg("cursor"))
        chunk = rows[offset : offset + limit]
        next_cursor = _encode_cursor(offset + limit) if offset + limit < len(rows) else None
        data = [_dump(row) if isinstance(row, BaseModel) else _dump(row.to_model()) for row in chunk]
        return SandboxResponse.json({"data": data, "next_cursor": next_cursor})


def _keys(req: SandboxRequest, name: str) -> list[str] | None:
    raw = req.arg(name)
    if raw is None:
        return None
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    if len(keys) > MAX_KEYS:
        raise ApiProblem(400, "invalid_request", f"At most {MAX_KEYS} keys per request")
    return keys


def _int_arg(req: SandboxRequest, name: str, default: int) -> int:
    raw = req.arg(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiProblem(400, "invalid_request", f"{name} must be an integer") from None


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        offset = json.loads(base64.urlsafe_b64decode(padded))["o"]
        if not isinstance(offset, int) or offset < 0:
            raise ValueError
        return offset
    except (ValueError, KeyError, TypeError):
        raise ApiProblem(400, "invalid_request", "cursor is not valid") from None


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200]
