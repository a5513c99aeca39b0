"""Typed QuickBooks Online faults.

Every error body QBO can send (``Fault``/``fault``, ``Error``/``error``, XML throttle bodies, HTML 5xx
pages, HTTP 200 bodies carrying a Fault, several errors in one body, batch items with their own
faults) becomes a ``QboFault``. Nothing is lost: the raw body is kept for the support report.

The parsers never raise: QuickBooks, proxies and the tools that wrap them send truncated, mislabelled
and mixed-case bodies, and a diagnosis tool that crashes on the evidence is useless.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

# Raw text kept on a fault is capped so a 5 MB HTML page never ends up in a report.
RAW_LIMIT = 20_000
# Bodies longer than this are not fed to the XML/JSON parsers whole (they are still scanned by regex).
PARSE_LIMIT = 2_000_000

OAUTH_ERROR_CODES = frozenset(
    {
        "invalid_grant",
        "invalid_client",
        "invalid_request",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "access_denied",
        "invalid_token",
    }
)


@dataclass(frozen=True)
class QboError:
    """One ``Error`` entry of a Fault."""

    code: str | None = None
    message: str | None = None
    detail: str | None = None
    element: str | None = None


@dataclass(frozen=True)
class QboFault:
    http_status: int | None
    fault_type: str | None = None
    errors: tuple[QboError, ...] = ()
    raw: str = ""
    content_type: str | None = None
    intuit_tid: str | None = None
    body_format: str = "json"  # json | xml | html | text | empty
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def primary(self) -> QboError:
        return self.errors[0] if self.errors else QboError()

    @property
    def code(self) -> str | None:
        return self.primary.code

    @property
    def message(self) -> str | None:
        return self.primary.message

    @property
    def detail(self) -> str | None:
        return self.primary.detail

    @property
    def element(self) -> str | None:
        return self.primary.element

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(e.code for e in self.errors if e.code)

    @property
    def text(self) -> str:
        """Every message and detail in one string, for message rules."""
        parts = [p for e in self.errors for p in (e.message, e.detail) if p]
        return " | ".join(parts)

    @property
    def is_oauth(self) -> bool:
        return self.fault_type == "oauth"


# --- helpers ----------------------------------------------------------------------------------------------


def _decode(body: bytes | str | None) -> str:
    if type(body) is str:  # the log's case, once per failure: no union isinstance check
        return body
    if body is None:
        return ""
    if isinstance(body, (bytes, bytearray, memoryview)):  # a tuple checks faster than a union
        return bytes(body).decode("utf-8", errors="replace")
    return str(body)


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    try:
        for key, value in headers.items():
            if str(key).lower() == name:
                return str(value)
    except Exception:  # headers of an odd type: not worth failing a diagnosis over
        return None
    return None


def _get(d: Mapping[str, Any], *names: str) -> Any:
    """Case-insensitive key lookup: QBO sends ``Fault`` and ``fault``, ``Message`` and ``message``."""
    wanted = {n.lower() for n in names}
    for key, value in d.items():
        if isinstance(key, str) and key.lower() in wanted:
            return value
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | str):
        s = str(value).strip()
        return s or None
    return None


def _clean_code(value: Any) -> str | None:
    code = _text(value)
    if code is None:
        return None
    # "003001" in gateway messages and 3001 in the code field are the same error.
    if code.isdigit():
        return code.lstrip("0") or "0"
    return code


_GATEWAY_RE = re.compile(
    r"message\s*=\s*(?P<reason>[A-Za-z_]+)\s*;\s*errorCode\s*=\s*(?P<code>\d+)\s*;\s*statusCode\s*=\s*(?P<status>\d{3})",
    re.IGNORECASE,
)


def gateway_parts(message: str | None) -> tuple[str, str, int] | None:
    """Split Intuit's gateway message ``message=ThrottleExceeded; errorCode=003001; statusCode=429``."""
    if not message:
        return None
    m = _GATEWAY_RE.search(message)
    if not m:
        return None
    return m.group("reason"), m.group("code").lstrip("0") or "0", int(m.group("status"))


def _extra_from_errors(errors: tuple[QboError, ...]) -> dict[str, str]:
    for e in errors:
        parts = gateway_parts(e.message) or gateway_parts(e.detail)
        if parts:
            return {"gateway_reason": parts[0], "gateway_status": str(parts[2])}
    return {}


# --- JSON -------------------------------------------------------------------------------------------------


def _errors_from_json_fault(fault: Mapping[str, Any]) -> tuple[QboError, ...]:
    entries = _get(fault, "Error")
    if isinstance(entries, Mapping):
        entries = [entries]
    if not isinstance(entries, list):
        return ()
    errors = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        errors.append(
            QboError(
                code=_clean_code(_get(entry, "code")),
                message=_text(_get(entry, "Message")),
                detail=_text(_get(entry, "Detail")),
                element=_text(_get(entry, "element")),
            )
        )
    return tuple(errors)


def _find_fault_json(obj: Any, depth: int = 0) -> Mapping[str, Any] | None:
    """The Fault object of a body, also inside wrappers (``{"response": {"body": {...}}}``)."""
    if depth > 6:
        return None
    if isinstance(obj, Mapping):
        fault = _get(obj, "Fault")
        if isinstance(fault, Mapping) and _get(fault, "Error") is not None:
            return fault
        for value in obj.values():
            found = _find_fault_json(value, depth + 1)
            if found is not None:
                return found
    elif isinstance(obj, list):
        for value in obj[:50]:
            found = _find_fault_json(value, depth + 1)
            if found is not None:
                return found
    return None


def _oauth_error(obj: Mapping[str, Any]) -> QboError | None:
    error = _get(obj, "error")
    if not isinstance(error, str):
        return None
    description = _text(_get(obj, "error_description")) or _text(_get(obj, "message"))
    return QboError(code=error.strip(), message=description)


def _fault_from_json(obj: Any, **common: Any) -> QboFault | None:
    batch = _get(obj, "BatchItemResponse") if isinstance(obj, Mapping) else None
    if isinstance(batch, list) and batch and not isinstance(_get(obj, "Fault"), Mapping):
        return None  # a batch reply is judged item by item (parse_batch_item), not as one failure
    fault = _find_fault_json(obj)
    if fault is not None:
        errors = _errors_from_json_fault(fault)
        return QboFault(
            fault_type=_text(_get(fault, "type")), errors=errors, extra=_extra_from_errors(errors), **common
        )
    if isinstance(obj, Mapping):
        oauth = _oauth_error(obj)
        if oauth is not None:
            fault_type = "oauth" if oauth.code in OAUTH_ERROR_CODES or _get(obj, "error_description") else None
            return QboFault(fault_type=fault_type, errors=(oauth,), **common)
    return None


# --- XML --------------------------------------------------------------------------------------------------


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _fault_from_xml(text: str, **common: Any) -> QboFault | None:
    try:
        root = ElementTree.fromstring(text.encode("utf-8") if text.lstrip().startswith("<?xml") else text)
    except Exception:  # truncated or not XML after all: the regex fallback takes over
        return None
    fault = next((el for el in root.iter() if _local(el.tag) == "Fault"), None)
    if fault is None:
        return None
    errors = []
    for el in fault:
        if _local(el.tag) != "Error":
            continue
        children = {_local(c.tag): (c.text or "").strip() or None for c in el}
        errors.append(
            QboError(
                code=_clean_code(el.get("code")),
                message=children.get("Message"),
                detail=children.get("Detail"),
                element=(el.get("element") or None),
            )
        )
    return QboFault(
        fault_type=fault.get("type"), errors=tuple(errors), extra=_extra_from_errors(tuple(errors)), **common
    )


# --- regex fallback (truncated JSON/XML, prose) -------------------------------------------------------------

# Keys quoted (JSON), bare (a JavaScript console: ``Message: '...'``) or in a Python repr (``u'Detail': u'...'``).
_FIELD_RES = {
    "code": re.compile(
        r"""(?:u?["']code["']\s*[:=]\s*u?["']?|\bcode\s*=\s*["']|\bcode\s*:\s*u?["'])(\d{1,6})""", re.IGNORECASE
    ),
    "message": re.compile(
        r"""(?:u?["']message["']|\bmessage)\s*[:=]\s*u?["']((?:[^"'\\]|\\.){1,1000})""", re.IGNORECASE
    ),
    "detail": re.compile(r"""(?:u?["']detail["']|\bdetail)\s*[:=]\s*u?["']((?:[^"'\\]|\\.){1,2000})""", re.IGNORECASE),
    "type": re.compile(r"""(?:["']type["']\s*[:=]\s*["']|<Fault\s+type=["'])([A-Za-z]+)""", re.IGNORECASE),
    "xml_message": re.compile(r"<Message>(.*?)(?:</Message>|$)", re.IGNORECASE | re.DOTALL),
    "xml_detail": re.compile(r"<Detail>(.*?)(?:</Detail>|$)", re.IGNORECASE | re.DOTALL),
    "xml_code": re.compile(r"""<Error\s+[^>]*?code=["'](\d+)""", re.IGNORECASE),
}


def _first(name: str, text: str) -> str | None:
    m = _FIELD_RES[name].search(text)
    if not m:
        return None
    value = m.group(1).strip()
    return value or None


def _fault_by_regex(text: str, **common: Any) -> QboFault | None:
    code = _first("code", text) or _first("xml_code", text)
    message = _first("message", text) or _first("xml_message", text)
    detail = _first("detail", text) or _first("xml_detail", text)
    if not (code or message or detail):
        return None
    error = QboError(code=_clean_code(code), message=message, detail=detail)
    extra = {"partial": "true", **_extra_from_errors((error,))}
    return QboFault(fault_type=_first("type", text), errors=(error,), extra=extra, **common)


# --- HTML ---------------------------------------------------------------------------------------------------

_TITLE_RE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_H_RE = re.compile(r"<h[12][^>]*>(.*?)</h[12]>", re.IGNORECASE | re.DOTALL)


def _html_title(text: str) -> str | None:
    m = _TITLE_RE.search(text) or _H_RE.search(text)
    if not m:
        return None
    title = re.sub(r"<[^>]+>|\s+", " ", m.group(1)).strip()
    return title or None


def _looks_html(text: str, content_type: str | None) -> bool:
    head = text[:512].lower()
    return "html" in (content_type or "").lower() or "<html" in head or "<!doctype html" in head


# --- public -------------------------------------------------------------------------------------------------


def parse_fault(
    http_status: int | None,
    body: bytes | str | None,
    content_type: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> QboFault | None:
    """The fault a QBO response carries, or ``None`` for a success (a 2xx body without a Fault)."""
    if headers is None and isinstance(body, str | bytes | None) and (http_status is None or type(http_status) is int):
        # A sync log repeats the same few bodies thousands of times; faults are immutable, so share them.
        return _parse_fault_cached(http_status, body, content_type)
    return _parse_fault_safely(http_status, body, content_type, headers)


# QuickBooks stamps every body with the moment it answered (JSON ``"time"``, XML ``time=""``); nothing else
# differs between the thousands of bodies one cause leaves in a sync log. Each pattern starts with a literal, so
# the search skips ahead (an alternation or a leading \b made it ten times slower, once per failure).
_JSON_TIME = re.compile(r'"time"\s*:\s*(?:"[^"]*"|\d+)')
_XML_TIME = re.compile(r' time="[^"]*"')


def without_timestamp(body: str) -> str:
    """``body`` with its time stamp's value blanked: the same fault, and equal for every answer of one cause."""
    # Each search only where its literal is (a substring test costs a twentieth of a search through the body)
    if '"time"' in body:
        body = _JSON_TIME.sub('"time":""', body)
    if ' time="' in body:
        body = _XML_TIME.sub(' time=""', body)
    return body


def parse_logged_fault(
    http_status: int | None, body: str | None, content_type: str | None, intuit_tid: str | None = None
) -> QboFault | None:
    """``parse_fault`` of a response a sync log kept (its body, and its ``intuit_tid`` header): the same fault,
    but parsed once per distinct body up to its timestamp, which the parse never reads. Each answer is a copy
    carrying this response's own raw body and intuit_tid."""
    shared = _parse_fault_cached(http_status, without_timestamp(body) if body else body, content_type)
    if shared is None:
        return None
    # A field-for-field copy of a frozen dataclass with two fields changed; ``dataclasses.replace`` would run
    # __init__ again and costs four times as much, once per failure.
    own: QboFault = object.__new__(QboFault)
    fields = own.__dict__
    fields.update(shared.__dict__)
    fields["raw"] = _decode(body)[:RAW_LIMIT]
    fields["intuit_tid"] = intuit_tid or None
    fields[_SHARED] = shared  # not a field: equality, replace() and asdict() never see it
    return own


_SHARED = "_parsed_once"


def parsed_once(fault: QboFault) -> QboFault | None:
    """The fault ``parse_logged_fault`` copied ``fault`` from: equal to every other answer of the same cause but
    for their raw bodies and intuit_tids, and the same object for all of them. ``None`` for any other fault."""
    return fault.__dict__.get(_SHARED)


def logged_fault_code(http_status: int | None, body: str, content_type: str | None) -> str | None:
    """The code of a logged response's fault (``parse_logged_fault(...).code``, without the copy)."""
    shared = _parse_fault_cached(http_status, without_timestamp(body), content_type)
    return shared.code if shared is not None else None


@functools.lru_cache(maxsize=4096)
def _parse_fault_cached(http_status: int | None, body: bytes | str | None, content_type: str | None) -> QboFault | None:
    return _parse_fault_safely(http_status, body, content_type, None)


def _parse_fault_safely(
    http_status: int | None,
    body: bytes | str | None,
    content_type: str | None,
    headers: Mapping[str, str] | None,
) -> QboFault | None:
    try:
        return _parse_fault(http_status, body, content_type, headers)
    except Exception:  # the contract is "never raise"; keep the evidence and say nothing more
        raw = _decode(body) if isinstance(body, bytes | str | None) else ""
        failed = http_status is not None and not 200 <= http_status < 300
        return QboFault(http_status=http_status, raw=raw[:RAW_LIMIT], body_format="text") if failed else None


def _parse_fault(
    http_status: int | None, body: bytes | str | None, content_type: str | None, headers: Mapping[str, str] | None
) -> QboFault | None:
    text = _decode(body)
    content_type = content_type or _header(headers, "content-type")
    status = http_status if isinstance(http_status, int) and not isinstance(http_status, bool) else None
    common: dict[str, Any] = {
        "http_status": status,
        "raw": text[:RAW_LIMIT],
        "content_type": content_type,
        "intuit_tid": _header(headers, "intuit_tid"),
    }
    failed = status is not None and not 200 <= status < 300
    stripped = text.strip()
    if not stripped:
        return QboFault(body_format="empty", **common) if failed else None

    parseable = len(stripped) <= PARSE_LIMIT
    found: QboFault | None = None
    if stripped[0] in "{[":
        fmt = "json"
        try:
            obj = json.loads(stripped) if parseable else None
        except (ValueError, RecursionError):
            obj = None
        found = _fault_from_json(obj, body_format=fmt, **common) if obj is not None else None
        if found is None and obj is None:
            found = _fault_by_regex(stripped, body_format=fmt, **common)
    elif _looks_html(stripped, content_type):
        fmt = "html"
        title = _html_title(stripped)
        if failed or title:
            error = QboError(message=title) if title else None
            return QboFault(errors=(error,) if error else (), body_format=fmt, **common) if failed else None
    elif stripped[0] == "<":
        fmt = "xml"
        found = _fault_from_xml(stripped, body_format=fmt, **common) if parseable else None
        if found is None:
            found = _fault_by_regex(stripped, body_format=fmt, **common)
    else:
        fmt = "text"
        found = extract_fault_from_text(stripped)
        if found is not None:
            found = QboFault(
                fault_type=found.fault_type, errors=found.errors, extra=found.extra, body_format=fmt, **common
            )
    if found is not None:
        return found
    if not failed:
        return None
    # An error status whose body we could not read: keep the text as the message for the message rules.
    return QboFault(errors=(QboError(message=stripped[:1000]),), body_format=fmt, **common)


def parse_batch_item(item: Mapping[str, Any]) -> QboFault | None:
    """The fault of one ``BatchItemResponse`` entry (batch replies are HTTP 200 even when items fail)."""
    try:
        if not isinstance(item, Mapping):
            return None
        fault = _get(item, "Fault")
        if not isinstance(fault, Mapping):
            return None
        errors = _errors_from_json_fault(fault)
        extra = {**_extra_from_errors(errors)}
        bid = _text(_get(item, "bId"))
        if bid:
            extra["bId"] = bid
        raw = json.dumps(item, default=str)[:RAW_LIMIT]
        return QboFault(http_status=200, fault_type=_text(_get(fault, "type")), errors=errors, raw=raw, extra=extra)
    except Exception:
        return None


# --- pasted text ------------------------------------------------------------------------------------------

# Messages QuickBooks sends, mapped to their codes, for text pasted without a code.
KNOWN_MESSAGES: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(rx, re.IGNORECASE), code, title)
    for rx, code, title in (
        (r"duplicate\s+name\s+exists", "6240", "Duplicate Name Exists Error"),
        (r"name\s+supplied\s+already\s+exists", "6240", "Duplicate Name Exists Error"),
        (
            r"already\s+using\s+this\s+name|list\s+element\s+is\s+already\s+in\s+use",
            "6240",
            "Duplicate Name Exists Error",
        ),
        (r"account\s+period\s+(has\s+)?closed", "6210", "Account Period Closed, Cannot Update Through Services API"),
        (r"duplicate\s+document\s+number", "6140", "Duplicate Document Number Error"),
        (
            r"invalid\s+line\s+tax\s*code|valid\s+line\s+tax\s*codes\s+for",
            "6100",
            "Invalid Line TaxCode in the request",
        ),
        (r"no\s+name\s+provided", "6080", "No Name Provided"),
        (r"invalid\s+reference\s+id", "2500", "Invalid Reference Id"),
        (r"object\s+not\s+found", "610", "Object Not Found"),
        (r"stale\s+object", "5010", "Stale Object Error"),
        (r"invalid\s+company\s+status", "6190", "Invalid Company Status"),
        (
            r"business\s+validation\s+error",
            "6000",
            "A business validation error has occurred while processing your request",
        ),
        (r"throttle\s*exceeded|request\s+limit\s+was\s+reached", "3001", "ThrottleExceeded"),
        (r"authorization\s*failure", "120", "Authorization Failure"),
        (r"accessing\s+wrong\s+cluster|wrongclustererror", "130", "Accessing Wrong Cluster"),
        (r"length\s+exceeds\s+limit", "2050", "Length exceeds limit"),
        (r"required\s+param(eter)?\s+\S*\s*(is\s+)?missing", "2020", "Required param missing"),
        (r"deposited\s+transaction\s+cannot\s+be\s+changed", "6540", "Deposited Transaction cannot be changed"),
        (r"system\s+failure\s+error", "10000", "An application error has occurred while processing your request"),
    )
)

_EXPLICIT_CODE_RE = re.compile(
    r"(?:error\s*code|errorcode|(?<!status)(?<!status\s)code|error|validationfault\s*/)\s*[:=#\"'\s]{0,4}\s*(\d{3,5})\b",
    re.IGNORECASE,
)
_STATUS_RE = re.compile(
    r"""(?:http\s*(?:status)?(?:\s*code)?|status\s*code|statuscode|status|response\s*code)["'\s]*[:=\[\s]{0,4}\s*(\d{3})\b""",
    re.IGNORECASE,
)
_OAUTH_RE = re.compile(r"\b(" + "|".join(sorted(OAUTH_ERROR_CODES)) + r")\b", re.IGNORECASE)
# What integrations and SDKs put in front of QuickBooks' words: "QuickBooks Online Sync Error:", "QuickBooks
# error (ValidationFault):", "Error syncing invoice:", "Validation Exception was thrown. Details:", exception
# class names ("Intuit.Ipp.Exception.IdsException:", "Quickbooks::IntuitRequestException:", "QuickbooksException:").
_WRAPPER_RE = re.compile(
    r"""^\s*(?:
        (?:fatal\s+error:\s*)?(?:uncaught\s+)?[\w.:\\]*(?:exception|error)\b(?:\s+exception)?(?:\s*\[\d+\])?\s*:
      | (?:quickbooks(?:\s+online)?|qbo)\s+(?:sync\s+)?error\s*(?:\([^)]{0,40}\))?\s*:
      | (?:sync\s+)?error(?:\s+syncing\s+\w+)?\s*(?:\([^)]{0,40}\))?\s*:
      | validation\s+exception\s+was\s+thrown\.?\s*:?\s*(?:details?\s*:)?
      | :?\s*details?\s*:
    )\s*""",
    re.IGNORECASE | re.VERBOSE,
)
_XML_FAULT_RE = re.compile(r"<(?:\w+:)?(IntuitResponse|Fault)\b.*?</(?:\w+:)?\1\s*>", re.IGNORECASE | re.DOTALL)
_MAX_JSON_STARTS = 40


def strip_wrappers(text: str) -> str:
    """QuickBooks' own words, without the prefixes integrations and SDKs put in front of them."""
    for _ in range(5):
        stripped = _WRAPPER_RE.sub("", text, count=1)
        if stripped == text or not stripped.strip():
            break
        text = stripped
    return text


def codes_named_in(text: str) -> list[str]:
    """The codes whose known QuickBooks messages appear in a text, in the order they appear."""
    return list(_codes_named_in(text or ""))


@functools.lru_cache(maxsize=4096)
def _codes_named_in(text: str) -> tuple[str, ...]:
    # A sync log repeats a handful of messages thousands of times; each is searched for every known one once.
    found = sorted((m.start(), code) for rx, code, _ in KNOWN_MESSAGES if (m := rx.search(text)))
    return tuple(dict.fromkeys(code for _, code in found))


def _embedded_json_faults(text: str) -> QboFault | None:
    decoder = json.JSONDecoder()
    starts = 0
    pos = text.find("{")
    while pos != -1 and starts < _MAX_JSON_STARTS:
        starts += 1
        try:
            obj, _end = decoder.raw_decode(text, pos)
        except ValueError:
            obj = None
        if obj is not None:
            found = _fault_from_json(obj, http_status=None, raw=text[:RAW_LIMIT], body_format="json")
            if found is not None and found.errors:
                return found
        pos = text.find("{", pos + 1)
    return None


def _unescape(text: str) -> str:
    # Tools log bodies as JSON strings inside JSON: {"body": "{\"Fault\": ...}"}.
    return text.replace('\\\\"', '"').replace('\\"', '"').replace("\\n", " ").replace("\\r", " ").replace("\\t", " ")


def http_status_in_text(text: str) -> int | None:
    """An HTTP status mentioned in prose: ``HTTP status 400``, ``Status Code [403]``, ``"status":400``."""
    m = _STATUS_RE.search(text)
    if m:
        value = int(m.group(1))
        if 100 <= value <= 599:
            return value
    return None


def extract_fault_from_text(text: str) -> QboFault | None:
    """Find a QBO error in pasted text: embedded JSON or XML, gateway strings, known messages, codes."""
    try:
        return _extract(text)
    except Exception:
        return None


def _extract(text: str) -> QboFault | None:
    if not isinstance(text, str):
        text = _decode(text)
    raw = text[:RAW_LIMIT]
    text = text[:PARSE_LIMIT]
    if not text.strip():
        return None
    best: QboFault | None = None
    for candidate in (text, _unescape(text)) if "\\" in text else (text,):
        found = _structured_in(candidate, raw)
        if found is not None and (best is None or (found.codes and not best.codes)):
            best = found
    if best is not None:
        return best
    flat = re.sub(r"\s+", " ", _unescape(text) if "\\" in text else text).strip()
    status = http_status_in_text(flat)

    gateway = gateway_parts(flat)
    if gateway:
        reason, code, gw_status = gateway
        detail = _after(flat, _GATEWAY_RE)
        gateway_text = _GATEWAY_RE.search(flat)
        error = QboError(code=code, message=gateway_text.group(0) if gateway_text else flat, detail=detail)
        fault_type = "AUTHENTICATION" if code == "3200" else "SERVICE"
        extra = {"gateway_reason": reason, "gateway_status": str(gw_status)}
        return QboFault(status or gw_status, fault_type, (error,), raw, body_format="text", extra=extra)

    oauth = _OAUTH_RE.search(flat)
    if oauth:
        desc = re.search(r"error_description\W+([^\"'}]+)", flat, re.IGNORECASE)
        error = QboError(code=oauth.group(1).lower(), message=desc.group(1).strip() if desc else None)
        return QboFault(status, "oauth", (error,), raw, body_format="text")

    errors = [e for e in (_known_error(strip_wrappers(part)) for part in _ERROR_SEPARATOR.split(flat)) if e]
    if len({e.code for e in errors}) > 1:
        # A log line that joined several errors ("...; QuickBooks Online Sync Error: ..."): one Error each.
        return QboFault(status, None, tuple(errors), raw, body_format="text", extra={"inferred_code": "true"})
    body = strip_wrappers(flat)
    known = _known_error(body)
    if known is not None:
        return QboFault(status, None, (known,), raw, body_format="text", extra={"inferred_code": "true"})

    explicit = _EXPLICIT_CODE_RE.search(body)
    if explicit:
        error = QboError(code=explicit.group(1).lstrip("0") or "0", message=body[:1000])
        return QboFault(status, None, (error,), raw, body_format="text")
    return None


# Where a log joins the words of several errors: "; " or " | " between them.
_ERROR_SEPARATOR = re.compile(r";\s+|\s\|\s")


def _known_error(body: str) -> QboError | None:
    """The error a known QuickBooks message in the text names, with an explicit code if the text gives one."""
    for rx, code, title in KNOWN_MESSAGES:
        m = rx.search(body)
        if m:
            explicit = _EXPLICIT_CODE_RE.search(body)
            message, detail = _split_message(body, m.start(), title)
            return QboError(code=explicit.group(1) if explicit else code, message=message, detail=detail)
    return None


def _structured_in(candidate: str, raw: str) -> QboFault | None:
    """A JSON or XML fault embedded in the text, if any."""
    if "{" in candidate:
        found = _embedded_json_faults(candidate)
        if found is not None:
            return _with(found, raw=raw, http_status=found.http_status or http_status_in_text(candidate))
    m = _XML_FAULT_RE.search(candidate)
    if m:
        found = _fault_from_xml(m.group(0), http_status=None, raw=raw, body_format="xml")
        found = found or _fault_by_regex(m.group(0), http_status=None, raw=raw, body_format="xml")
        if found is not None:
            return _with(found, http_status=http_status_in_text(candidate))
    return None


def _after(text: str, rx: re.Pattern[str]) -> str | None:
    m = rx.search(text)
    rest = text[m.end() :].strip(" ;:,.-|\"'") if m else ""
    rest = re.sub(r"^(detail|details)\s*[:=]\s*", "", rest, flags=re.IGNORECASE)
    return rest[:2000] or None


def _split_message(body: str, start: int, title: str) -> tuple[str, str | None]:
    """``Duplicate Name Exists Error: The name supplied ...`` -> (message, detail)."""
    segment = body[start:]
    head, sep, tail = segment.partition(":")
    if start == 0 and sep and len(head) <= 120:
        return head.strip(), (tail.strip() or None)
    # The known words sit inside a sentence ("Another customer ... is already using this name"): keep it all,
    # since the words before them say which record is meant.
    return title, body[:2000]


def _with(fault: QboFault, **changes: Any) -> QboFault:
    from dataclasses import replace

    return replace(fault, **{k: v for k, v in changes.items() if v is not None})
