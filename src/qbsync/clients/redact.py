"""Removing secrets from URLs, headers and text before anything is logged, raised or recorded."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "REDACTED"

# Query parameters and JSON/form fields that carry secrets (compared lower-case).
SECRET_PARAMS = frozenset(
    {
        "code",
        "refresh_token",
        "access_token",
        "id_token",
        "token",
        "client_secret",
        "api_key",
        "apikey",
        "password",
        "secret",
        "assertion",
    }
)
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"})

# JSON fields holding secrets: as above except ``code``, which in JSON is a QBO error code, not an OAuth code.
SECRET_FIELDS = SECRET_PARAMS - {"code"}

# A credential after Bearer/Basic: 8+ characters with a digit or punctuation (so "bearer token" survives).
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+(?=[A-Za-z._~+/=-]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{8,}")
_JSON_FIELD = re.compile(r'(?i)("(?:' + "|".join(sorted(SECRET_FIELDS)) + r')"\s*:\s*)"[^"]*"')
# QBO's 401 Detail echoes the start of the rejected token ("Token expired: AB0160139..."); JWT-looking strings.
_TOKEN_ECHO = re.compile(r"(?i)(token expired:\s*)[^\s\"'<>,;]+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]+)*")
_FORM_FIELD = re.compile(r"(?i)\b(" + "|".join(sorted(SECRET_PARAMS)) + r")=[^&\s\"']+")


def redact_url(url: str) -> str:
    """The URL with secret query parameters and any user:password removed; other parameters kept."""
    parts = urlsplit(str(url))
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if not parts.query:
        return urlunsplit((parts.scheme, netloc, parts.path, "", parts.fragment))
    pairs = [
        (k, REDACTED if k.lower() in SECRET_PARAMS else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(pairs, safe="*,:()'="), parts.fragment))


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {k: (REDACTED if k.lower() in SECRET_HEADERS else v) for k, v in items}


def redact_text(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Scrub bearer credentials, secret JSON/form fields and every known secret value from free text."""
    out = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    out = _JSON_FIELD.sub(lambda m: f'{m.group(1)}"{REDACTED}"', out)
    out = _FORM_FIELD.sub(lambda m: f"{m.group(1)}={REDACTED}", out)
    out = _TOKEN_ECHO.sub(lambda m: f"{m.group(1)}{REDACTED}", out)
    out = _JWT.sub(REDACTED, out)
    for secret in secrets:
        if secret and len(secret) >= 6:  # short values would erase ordinary words
            out = out.replace(secret, REDACTED)
    return out
