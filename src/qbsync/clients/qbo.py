"""A read-only QuickBooks Online v3 client over the one HTTP layer.

qbsync never writes to QuickBooks: there are no create, update, void or delete methods here, and
``batch`` accepts queries only. Every error path (non-2xx, and HTTP 200 bodies carrying a Fault) raises
``QboApiError`` with the typed ``QboFault``, raw body kept. Bulk lookups cost one request per 1,000 keys.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import httpx

from qbsync.clients import query as q
from qbsync.clients.errors import QboApiError, Unauthorized
from qbsync.clients.faults import QboError, QboFault, parse_batch_item, parse_fault
from qbsync.clients.http import HttpClient, Idempotency, intuit_tid
from qbsync.clients.limiter import QBO_MAX_CONCURRENT
from qbsync.clients.qbo_models import (
    CompanyInfo,
    Entity,
    Invoice,
    Item,
    Preferences,
    Tombstone,
    parse_entity,
)
from qbsync.clients.redact import redact_text

QBO_PRODUCTION_BASE = "https://quickbooks.api.intuit.com"
QBO_SANDBOX_BASE = "https://sandbox-quickbooks.api.intuit.com"
DEFAULT_MINOR_VERSION = 75
BATCH_MAX_ITEMS = 30  # Intuit's recommended maximum payloads per batch
NAME_ENTITIES = ("Customer", "Vendor", "Employee")
DELETED_SUFFIX = (
    " (deleted)"  # QBO renames a deactivated customer, vendor or employee  # DisplayName is unique across these three
)
# Name lists hide inactive rows unless asked for with ``Active IN (true, false)``.
SHORT_NAME_LISTS = frozenset({"Vendor", "Employee"})  # read whole rather than by name when many names are asked
NAMES_BY_LOOKUP = q.MAX_IN_KEYS  # name keys past which the short lists are read whole
NAME_LISTS = frozenset({"Customer", "Vendor", "Employee", "Item", "Account", "Class", "Department", "Term"})
# DocNumber is not unique (allowduplicatedocnum), so those chunks hold 999 keys: a full 1,000-row page then
# proves duplicates exist and is worth a second page; otherwise one request per chunk.
NON_UNIQUE_CHUNK = q.MAX_IN_KEYS - 1

_FROM = re.compile(r"\bFROM\s+([A-Za-z]\w*)", re.IGNORECASE)
_PAGED = re.compile(r"\b(STARTPOSITION|MAXRESULTS)\b", re.IGNORECASE)

T = TypeVar("T")
Row = Entity | Tombstone


def emulator_base(sandbox_base: str) -> str:
    """QBO base URL of the qbsync sandbox served at ``sandbox_base``."""
    return sandbox_base.rstrip("/") + "/qbo"


@dataclass(frozen=True)
class BatchResult:
    """One ``BatchItemResponse``: its rows (query) or entity, or its own fault."""

    bid: str
    rows: list[Row] = field(default_factory=list)
    fault: QboFault | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.fault is None


def run_parallel(calls: Sequence[Callable[[], T]], max_workers: int = QBO_MAX_CONCURRENT) -> list[T]:
    """Run independent lookups on at most ``max_workers`` threads, results in call order.

    The per-realm limiter inside the HTTP layer still bounds what reaches QuickBooks; the pool only
    caps threads. The first exception is re-raised after every call has finished.
    """
    if len(calls) <= 1:
        return [c() for c in calls]
    with ThreadPoolExecutor(max_workers=min(max_workers, QBO_MAX_CONCURRENT, len(calls))) as pool:
        futures = [pool.submit(c) for c in calls]
        return [f.result() for f in futures]


class QboClient:
    def __init__(
        self,
        http: HttpClient,
        realm_id: str,
        minorversion: int = DEFAULT_MINOR_VERSION,
        *,
        base_url: str = QBO_PRODUCTION_BASE,
    ) -> None:
        self.http = http
        self.realm_id = str(realm_id)
        self.minorversion = minorversion
        self.base_url = base_url.rstrip("/")

    @property
    def company_url(self) -> str:
        return f"{self.base_url}/v3/company/{self.realm_id}"

    # --- plumbing -------------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        content: str | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        read_only: bool = True,
        idempotency: Idempotency | None = None,
        allow_batch_faults: bool = False,
    ) -> dict[str, Any]:
        response = self.http.request(
            method,
            f"{self.company_url}/{path}",
            params={**(params or {}), "minorversion": self.minorversion},
            content=content,
            json=json,
            headers=headers,
            read_only=read_only,
            idempotency=idempotency,
            limit_key=self.realm_id,
            describe_error=response_fault,
        )
        ok = 200 <= response.status_code < 300
        if not (ok and allow_batch_faults):
            fault = response_fault(response)
            if fault is not None:
                if response.status_code == 401:
                    raise Unauthorized("QuickBooks", fault.message or "HTTP 401", fault=fault, code=fault.code)
                raise QboApiError(fault, f"{method} {path.split('?')[0]}")
        try:
            data = response.json()
        except (ValueError, RecursionError):  # RecursionError: a body nested deeper than any real answer
            data = None
        if not isinstance(data, dict):
            raise QboApiError(_unreadable(response, "not a JSON object"), f"{method} {path}")
        return data

    def _query_once(self, statement: str) -> dict[str, Any]:
        if len(statement) <= q.LONG_STATEMENT:
            data = self._call("GET", "query", params={"query": statement})
        else:  # long IN lists: the statement goes in the body
            data = self._call(
                "POST", "query", content=statement, headers={"Content-Type": "application/text"}, read_only=True
            )
        return data.get("QueryResponse") or {}

    # --- queries --------------------------------------------------------------------------------------

    def query_pages(self, stmt: q.Select | str, *, expect_at_most: int | None = None) -> Iterator[list[Row]]:
        """Pages of typed rows. Unpaged statements are paged with STARTPOSITION/MAXRESULTS 1000.

        ``expect_at_most`` (the number of unique keys asked for) stops paging as soon as that many rows
        arrived, which saves the empty last page of a key lookup.
        """
        if isinstance(stmt, str):
            entity = _entity_of(stmt)
            if _PAGED.search(stmt):
                yield _rows(self._query_once(stmt), entity)
                return

            def render(start: int) -> str:
                return f"{stmt} STARTPOSITION {start} MAXRESULTS {q.MAX_RESULTS}"
        else:
            entity = stmt.entity
            if stmt.paged:
                yield _rows(self._query_once(stmt.render()), entity)
                return

            def render(start: int) -> str:
                return stmt.page(start, q.MAX_RESULTS).render()

        start, seen = 1, 0
        while True:
            rows = _rows(self._query_once(render(start)), entity)
            yield rows
            seen += len(rows)
            if len(rows) < q.MAX_RESULTS or (expect_at_most is not None and seen >= expect_at_most):
                return
            start += q.MAX_RESULTS

    def query(self, stmt: q.Select | str, *, expect_at_most: int | None = None) -> list[Row]:
        """Every row of a query, typed (``Invoice``, ``Customer`` ...; ``Entity`` for others)."""
        return [row for page in self.query_pages(stmt, expect_at_most=expect_at_most) for row in page]

    def count(self, stmt: q.Select | str) -> int:
        """``SELECT COUNT(*)`` of an entity name, a ``Select`` (conditions kept) or a COUNT statement."""
        if isinstance(stmt, q.Select):
            stmt = replace(stmt, count=True, order=(), start_position=None, max_results=None)
        elif _NAME_ONLY.match(stmt):
            stmt = q.count(stmt)
        return int(self._query_once(str(stmt)).get("totalCount") or 0)

    def get(self, entity: str, entity_id: str) -> Row:
        """``GET /{entity}/{id}``; a missing object raises ``QboApiError`` (fault 610 or similar)."""
        name = entity.lower()
        data = self._call("GET", f"{name}/{entity_id}")
        return parse_entity(entity, _entity_body(data, entity))

    def preferences(self) -> Preferences:
        data = self._call("GET", "preferences")
        return Preferences.model_validate(_entity_body(data, "Preferences"))

    def company_info(self) -> CompanyInfo:
        data = self._call("GET", f"companyinfo/{self.realm_id}")
        return CompanyInfo.model_validate(_entity_body(data, "CompanyInfo"))

    # --- bulk lookups: one request per 1,000 keys --------------------------------------------------------

    def _lookup(
        self, entity: str, key_field: str, keys: Iterable[str], *, chunk: int = q.MAX_IN_KEYS, unique: bool = True
    ) -> list[Row]:
        base = q.select(entity)
        if entity in NAME_LISTS:
            base = base.in_("Active", (True, False))
        statements = q.chunked_in(base, key_field, [str(k) for k in keys], chunk)
        calls = [
            (lambda s=s: self.query(s, expect_at_most=len(s.conditions[-1].value) if unique else None))
            for s in statements
        ]
        return [row for rows in self.parallel(calls) for row in rows]

    def by_ids(self, entity: str, ids: Iterable[str]) -> dict[str, Row]:
        """Objects of ``entity`` by Id (inactive name-list rows included); missing ids are absent."""
        return {row.id: row for row in self._lookup(entity, "Id", ids) if row.id}

    def by_doc_numbers(self, entity: str, numbers: Iterable[str]) -> dict[str, list[Row]]:
        """Transactions by DocNumber; a list per number because DocNumber may repeat."""
        out: dict[str, list[Row]] = {}
        for row in self._lookup(entity, "DocNumber", numbers, chunk=NON_UNIQUE_CHUNK, unique=False):
            out.setdefault(getattr(row, "doc_number", None) or "", []).append(row)
        return out

    def invoices_by_doc_numbers(self, numbers: Iterable[str]) -> dict[str, list[Invoice]]:
        return self.by_doc_numbers("Invoice", numbers)  # type: ignore[return-value]

    def by_display_names(self, names: Iterable[str]) -> dict[str, list[Row]]:
        """Customers, vendors and employees, active or not, by DisplayName; keyed by the name asked for.

        DisplayName is unique across the three lists (a customer fails with 6240 when a vendor holds its
        name), and QBO renames a deactivated one to "<name> (deleted)", so both spellings are asked for:
        one request per list per 500 names (1,000 keys); past 500 names, vendors and employees are read whole.
        """
        wanted = [str(n) for n in q.unique_keys(names)]
        keys = [k for n in wanted for k in (n, f"{n}{DELETED_SUFFIX}")]
        calls: list[Callable[[], list[Row]]] = []
        for entity in NAME_ENTITIES:
            everyone = q.select(entity).in_("Active", (True, False))
            if entity in SHORT_NAME_LISTS and len(keys) > NAMES_BY_LOOKUP:
                # Past one request of names, the whole list is fewer requests: a small business has dozens of
                # vendors and employees, and thousands of customers.
                calls.append(partial(self._whole_list_named, everyone, keys))
                continue
            calls += [partial(self._key_lookup, s) for s in q.chunked_in(everyone, "DisplayName", keys)]
        asked = set(wanted)
        out: dict[str, list[Row]] = {}
        for rows in self.parallel(calls):
            for row in rows:
                name = getattr(row, "display_name", None) or ""
                if name not in asked and name.endswith(DELETED_SUFFIX):
                    name = name.removesuffix(DELETED_SUFFIX)
                out.setdefault(name, []).append(row)
        return out

    def _key_lookup(self, stmt: q.Select) -> list[Row]:
        keys = stmt.conditions[-1].value  # the IN list: at most one row per key
        return self.query(stmt, expect_at_most=len(keys) if isinstance(keys, tuple) else 1)

    def _whole_list_named(self, stmt: q.Select, names: list[str]) -> list[Row]:
        return _named(self.query(stmt), names)

    def items_by_name(self, names: Iterable[str]) -> dict[str, Item]:
        """Items (active or not) by exact Name, keyed by the name asked for. QBO answers a deactivated item as
        "<name> (deleted)" and it still holds the name, so both spellings are asked for (in the same requests)."""
        wanted = [str(n) for n in q.unique_keys(names)]
        keys = [k for n in wanted for k in (n, f"{n}{DELETED_SUFFIX}")]
        return items_named(self._lookup("Item", "Name", keys), wanted)

    def parallel(self, calls: Sequence[Callable[[], T]]) -> list[T]:
        return run_parallel(calls)

    # --- change data capture and batch -------------------------------------------------------------------

    def cdc(self, entities: Iterable[str], changed_since: datetime) -> dict[str, list[Row]]:
        """Objects of ``entities`` changed since ``changed_since`` (QBO keeps 30 days); deletions as
        ``Tombstone``. Every requested entity has a key, empty when nothing changed."""
        names = list(entities)
        if changed_since.tzinfo is None:
            raise ValueError("changed_since must be timezone-aware")
        data = self._call("GET", "cdc", params={"entities": ",".join(names), "changedSince": changed_since.isoformat()})
        out: dict[str, list[Row]] = {name: [] for name in names}
        for block in data.get("CDCResponse") or []:
            for qr in _as_list(block.get("QueryResponse") if isinstance(block, dict) else None):
                if not isinstance(qr, dict):
                    continue
                for key, rows in qr.items():
                    if isinstance(rows, list):
                        target = next((n for n in names if n.lower() == key.lower()), key)
                        out.setdefault(target, []).extend(parse_entity(key, r) for r in rows if isinstance(r, dict))
        return out

    def batch(self, statements: Sequence[q.Select | str]) -> list[BatchResult]:
        """Query statements sent through ``/batch`` in chunks of 30; each item keeps its own fault.

        Query-only, so retrying is safe; each chunk still carries one ``requestid`` reused on its retries.
        """
        results: list[BatchResult] = []
        for offset in range(0, len(statements), BATCH_MAX_ITEMS):
            chunk = statements[offset : offset + BATCH_MAX_ITEMS]
            items = [{"bId": f"q{offset + i}", "Query": str(s)} for i, s in enumerate(chunk)]
            data = self._call(
                "POST",
                "batch",
                json={"BatchItemRequest": items},
                read_only=True,
                idempotency=Idempotency.qbo(),
                allow_batch_faults=True,
            )
            results.extend(_batch_result(item) for item in data.get("BatchItemResponse") or [])
        return results


# --- response helpers ----------------------------------------------------------------------------------

_NAME_ONLY = re.compile(r"^[A-Za-z]\w*$")


def parallel_named(qbo: Any, calls: Mapping[str, Callable[[], Any]]) -> dict[str, Any]:
    """``qbo.parallel`` over named reads: each read's answer under its name (one round of side-by-side reads)."""
    names = list(calls)
    return dict(zip(names, qbo.parallel([calls[n] for n in names]), strict=True))


def items_named(rows: Iterable[Row], names: list[str]) -> dict[str, Item]:
    """The items among ``rows`` named one of ``names`` (any case, as QuickBooks compares), keyed by the name as
    QuickBooks spells it; a deactivated one answers as "<name> (deleted)" and still holds the name."""
    asked = set(names)
    wanted = {k.casefold() for n in names for k in (n, f"{n}{DELETED_SUFFIX}")}
    out: dict[str, Item] = {}
    for row in rows:
        if not isinstance(row, Item) or not row.name or row.name.casefold() not in wanted:
            continue
        name = row.name
        if name not in asked and name.endswith(DELETED_SUFFIX):
            name = name.removesuffix(DELETED_SUFFIX)
        if name not in out or out[name].active is False:  # an active item of that very name comes first
            out[name] = row
    return out


def _named(rows: list[Row], names: Iterable[str]) -> list[Row]:
    """The rows whose DisplayName is one of ``names``, compared as QuickBooks compares strings (any case)."""
    wanted = {n.casefold() for n in names}
    return [r for r in rows if (getattr(r, "display_name", None) or "").casefold() in wanted]


def response_fault(response: httpx.Response) -> QboFault | None:
    """The fault a response carries, if any: every non-2xx, and 2xx bodies that hold a Fault."""
    status = response.status_code
    content = response.content
    if 200 <= status < 300 and content.lstrip()[:1] in (b"{", b"[") and b"ault" not in content:
        return None  # plain success JSON: skip a second parse of a possibly large body
    content_type = response.headers.get("content-type")
    fault = parse_fault(status, content, content_type, dict(response.headers))
    if fault is None and not 200 <= status < 300:
        fault = _unreadable(response, f"HTTP {status}")
    if fault is not None and fault.intuit_tid is None and intuit_tid(response):
        fault = replace(fault, intuit_tid=intuit_tid(response))
    return _scrubbed(fault) if fault is not None else None


def _scrubbed(fault: QboFault) -> QboFault:
    """The fault without secrets: QBO's 401 Detail echoes the start of the rejected token."""

    def clean(text: str | None) -> str | None:
        return redact_text(text) if text else text

    errors = tuple(replace(e, message=clean(e.message), detail=clean(e.detail)) for e in fault.errors)
    return replace(fault, raw=redact_text(fault.raw), errors=errors)


def _unreadable(response: httpx.Response, why: str) -> QboFault:
    from qbsync.clients.faults import RAW_LIMIT

    return QboFault(
        http_status=response.status_code,
        errors=(QboError(message=why),),
        raw=response.text[:RAW_LIMIT],
        content_type=response.headers.get("content-type"),
        intuit_tid=intuit_tid(response),
        body_format="empty" if not response.content.strip() else "text",
    )


def _entity_of(statement: str) -> str:
    match = _FROM.search(statement)
    return match.group(1) if match else "Entity"


def _rows(query_response: dict[str, Any], entity: str) -> list[Row]:
    for key, value in query_response.items():
        if isinstance(value, list) and key.lower() == entity.lower():
            return [parse_entity(key, r) for r in value if isinstance(r, dict)]
    for key, value in query_response.items():  # an entity key spelt differently from the statement
        if isinstance(value, list):
            return [parse_entity(key, r) for r in value if isinstance(r, dict)]
    return []


def _entity_body(data: dict[str, Any], entity: str) -> dict[str, Any]:
    for key, value in data.items():
        if key.lower() == entity.lower() and isinstance(value, dict):
            return value
    qr = data.get("QueryResponse")  # ``select * from Preferences`` style answers
    if isinstance(qr, dict):
        rows = _rows(qr, entity)
        if rows:
            return rows[0].model_dump(by_alias=True)
    raise QboApiError(
        QboFault(http_status=200, errors=(QboError(message=f"no {entity} in the response"),), body_format="json"),
        f"GET {entity}",
    )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _batch_result(item: dict[str, Any]) -> BatchResult:
    bid = str(item.get("bId") or "")
    fault = parse_batch_item(item)
    if fault is not None:
        return BatchResult(bid, fault=fault, raw=item)
    rows: list[Row] = []
    for key, value in item.items():
        if key == "QueryResponse" and isinstance(value, dict):
            entity = next((k for k, v in value.items() if isinstance(v, list)), "Entity")
            rows = _rows(value, entity)
        elif key != "bId" and isinstance(value, dict):
            rows = [parse_entity(key, value)]
    return BatchResult(bid, rows=rows, raw=item)
