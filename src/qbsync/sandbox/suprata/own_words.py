"""Suprata's own words for a failed push: what a log that keeps no QuickBooks body says instead.

Real integrations often log only a sentence ("QuickBooks Online Sync Error: ..."), not QuickBooks' response.
This is how the sandbox's Suprata words it when a scenario asks for a message-only log: QuickBooks' Message
and Detail of every Error, no codes, no elements, no JSON. It reads the response with its own few lines of
parsing (Suprata is not qbsync, and must not borrow qbsync's parser).
"""

from __future__ import annotations

import json
import re
from typing import Any

PREFIX = "QuickBooks Online Sync Error: "
_XML_ERROR = re.compile(r"<Error\b[^>]*>(.*?)</Error>", re.DOTALL | re.IGNORECASE)
_XML_FIELD = re.compile(r"<(Message|Detail)>(.*?)</\1>", re.DOTALL | re.IGNORECASE)


def own_words(http_status: int | None, body: str | None) -> str:
    """One sentence per QuickBooks error, joined; a status line when the body says nothing readable."""
    sentences = _from_json(body) or _from_xml(body) or _from_oauth(body)
    if not sentences:
        return f"{PREFIX}QuickBooks answered HTTP {http_status}" if http_status else f"{PREFIX}no answer"
    return "; ".join(f"{PREFIX}{s}" for s in sentences)


def _sentence(message: Any, detail: Any) -> str | None:
    parts = [str(p).strip() for p in (message, detail) if p not in (None, "")]
    if len(parts) == 2 and parts[1].startswith(parts[0]):
        parts = parts[1:]  # QuickBooks often repeats the message at the start of the detail
    return ": ".join(parts) or None


def _from_json(body: str | None) -> list[str]:
    try:
        obj = json.loads(body or "")
    except ValueError:
        return []
    if not isinstance(obj, dict):
        return []
    fault = obj.get("Fault") or obj.get("fault")
    if not isinstance(fault, dict):
        return []
    errors = fault.get("Error") or fault.get("error") or []
    out = []
    for e in errors if isinstance(errors, list) else []:
        if isinstance(e, dict):
            s = _sentence(e.get("Message") or e.get("message"), e.get("Detail") or e.get("detail"))
            if s:
                out.append(s)
    return out


def _from_xml(body: str | None) -> list[str]:
    out = []
    for block in _XML_ERROR.findall(body or ""):
        fields = {k.lower(): v.strip() for k, v in _XML_FIELD.findall(block)}
        s = _sentence(fields.get("message"), fields.get("detail"))
        if s:
            out.append(s)
    return out


def _from_oauth(body: str | None) -> list[str]:
    try:
        obj = json.loads(body or "")
    except ValueError:
        return []
    if isinstance(obj, dict) and isinstance(obj.get("error"), str):
        words = obj["error"] + (f" ({obj['error_description']})" if obj.get("error_description") else "")
        return [f"Intuit refused to renew the connection: {words}"]
    return []
