"""Removing secrets from URLs, headers and text before anything is logged, raised or recorded."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
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


MIN_SECRET_LENGTH = 6  # shorter values would erase ordinary words
# Every secret value this process holds (the Suprata API key, access and refresh tokens, the client secret,
# authorization codes): a server that echoes one back in an error body must not get it printed. Shapes alone
# (Bearer ..., "refresh_token": ...) cannot catch a key quoted in free text.
_KNOWN: set[str] = set()


def remember_secret(*values: str | None) -> None:
    """Register secret values: from now on ``redact_text`` removes them from any text, wherever it came from."""
    for value in values:
        if isinstance(value, str) and len(value.strip()) >= MIN_SECRET_LENGTH:
            _KNOWN.add(value)
            stripped = value.strip()
            if stripped != value:
                _KNOWN.add(stripped)


def known_secrets() -> frozenset[str]:
    return frozenset(_KNOWN)


def forget_secrets() -> None:
    """Tests only: start from an empty registry."""
    _KNOWN.clear()


def redact_known(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Only the exact known values (cheap, for output streams); longest first, so no fragment survives."""
    values = {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH} | _KNOWN
    if not values or not text:
        return text
    for secret in sorted(values, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_text(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Scrub bearer credentials, secret JSON/form fields and every known secret value from free text."""
    text = redact_known(text, secrets)
    out = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    out = _JSON_FIELD.sub(lambda m: f'{m.group(1)}"{REDACTED}"', out)
    out = _FORM_FIELD.sub(lambda m: f"{m.group(1)}={REDACTED}", out)
    out = _TOKEN_ECHO.sub(lambda m: f"{m.group(1)}{REDACTED}", out)
    out = _JWT.sub(REDACTED, out)
    return out


class RedactingStream:
    """A text stream that removes every known secret value from what is written through it (stdout, stderr).

    The last line of defence: each view and error already uses redacted text, but one echo of a key in a
    server's error body, rendered anywhere, must still not reach the terminal, a cron mail or a CI log.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(redact_known(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
