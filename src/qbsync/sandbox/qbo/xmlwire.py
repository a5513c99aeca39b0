"""QBO's XML wire format, for clients that send ``Accept: application/xml`` (the Ruby and PHP SDKs).

The emulator builds every answer as JSON; this turns that JSON into the ``IntuitResponse`` document QBO sends
instead. The shapes follow captured XML: references as ``<ItemRef name="Services">1</ItemRef>``, ``domain``,
``sparse`` and ``status`` as attributes of the entity element, repeated elements for lists, paging numbers as
attributes of ``QueryResponse``, ``code`` and ``element`` as attributes of ``Error``, ``bId`` of
``BatchItemResponse`` (quickbooks-ruby spec/fixtures: invoice_void_success_response.xml, fault.xml,
customer_duplicate_error.xml, batch_response.xml, change_data_capture_response.xml; PHP-SDK#102).
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr

NAMESPACE = "http://schema.intuit.com/finance/v3"
_ENTITY_ATTRS = ("domain", "sparse", "status")
_QUERY_ATTRS = ("startPosition", "maxResults", "totalCount")


def wants_xml(accept: str) -> bool:
    """True when the client asks for XML and not JSON (QBO's default without Accept is unconfirmed: JSON here)."""
    accept = accept.lower()
    return "xml" in accept and "json" not in accept


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _attr(value: Any) -> str:
    return quoteattr("true" if value is True else "false" if value is False else str(value))


def _is_ref(value: Any) -> bool:
    return isinstance(value, dict) and "value" in value and set(value) <= {"value", "name", "type"}


def _element(name: str, value: Any, out: list[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _element(name, item, out)
        return
    if value is None:
        return
    if _is_ref(value):
        attrs = "".join(f" {k}={_attr(value[k])}" for k in ("name", "type") if value.get(k) not in (None, ""))
        out.append(f"<{name}{attrs}>{_text(value['value'])}</{name}>")
        return
    if not isinstance(value, dict):
        out.append(f"<{name}>{_text(value)}</{name}>")
        return
    attr_names: tuple[str, ...] = _QUERY_ATTRS if name == "QueryResponse" else _ENTITY_ATTRS
    if name == "Error":
        attr_names = ("code", "element")
    elif name == "Fault":
        attr_names = ("type",)
    elif name == "BatchItemResponse":
        attr_names = ("bId",)
    attrs = "".join(f" {k}={_attr(value[k])}" for k in attr_names if k in value and value[k] is not None)
    if name == "Error" and "element" not in value:
        attrs += ' element=""'
    out.append(f"<{name}{attrs}>")
    for key, child in value.items():
        if key in attr_names:
            continue
        _element(key, child, out)
    out.append(f"</{name}>")


def intuit_response(payload: dict[str, Any]) -> str:
    """``{"Invoice": {...}, "time": "..."}`` (or a Fault, QueryResponse, BatchItemResponse list, CDCResponse)
    as QBO's XML document."""
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n']
    time_attr = f" time={_attr(payload['time'])}" if "time" in payload else ""
    out.append(f'<IntuitResponse xmlns="{NAMESPACE}"{time_attr}>')
    for key, value in payload.items():
        if key == "time":
            continue
        if key == "CDCResponse":  # one CDCResponse element holding a QueryResponse per entity
            for block in value:
                out.append("<CDCResponse>")
                for query in block.get("QueryResponse") or []:
                    _element("QueryResponse", query, out)
                out.append("</CDCResponse>")
            continue
        _element(key, value, out)
    out.append("</IntuitResponse>")
    return "".join(out)
