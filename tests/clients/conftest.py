"""Fixtures for the client tests: a virtual clock, scripted services for shapes the emulator cannot
produce, and the vcrpy configuration for the cassettes in ``cassettes/`` at the repo root.

Cassettes are only ever replayed in CI (pytest-recording's default record mode is ``none``); see
docs/testing.md for re-recording. Never put ``record_mode`` in ``vcr_config``: it would override the
``--record-mode`` flag.
"""

from __future__ import annotations

import os
import random
import re
from typing import Any

import pytest
from clients_testkit import CASSETTES, REALM, START

from qbsync.clients.redact import redact_text
from qbsync.clock import VirtualClock

_REALM_IN_PATH = re.compile(r"/company/[^/?]+")
_SECRET_JSON = re.compile(r'("(?:access_token|refresh_token|id_token|api_key|client_secret)"\s*:\s*)"[^"]*"')


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(START)


@pytest.fixture
def rng() -> random.Random:
    return random.Random(7)


# --- vcrpy -------------------------------------------------------------------------------------------------

# Realm ids to replace with REALM everywhere: the emulator's test realm and, when re-recording against a real
# Intuit sandbox company, the one in QBO_REALM_ID.
REALM_IDS = tuple(r for r in (REALM, os.environ.get("QBO_REALM_ID")) if r)
_REALM_IN_PATH = re.compile(r"/company/[^/?]+")
_LOOPBACK_PORT = re.compile(r"^http://127\.0\.0\.1:\d+")


def _scrub_text(text: str) -> str:
    for realm in REALM_IDS:
        text = text.replace(realm, "REALM")
    return redact_text(text)


def _scrub_request(request: Any) -> Any:
    uri = _REALM_IN_PATH.sub("/company/REALM", request.uri)
    # The loopback port changes every run; replays match whatever port (or none) the test uses.
    request.uri = _LOOPBACK_PORT.sub("http://127.0.0.1:9", _scrub_text(uri))
    if isinstance(request.body, bytes) and request.body:
        request.body = _scrub_text(request.body.decode("utf-8", errors="replace")).encode()
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    body = response.get("body", {}).get("string")
    if isinstance(body, bytes) and body:
        response["body"]["string"] = _scrub_text(body.decode("utf-8", errors="replace")).encode()
    headers = response.get("headers", {})
    for name in list(headers):
        # Date/Server vary per recording (wall clock, Python version): dropped so re-records diff cleanly.
        if name.lower() in {"set-cookie", "intuit_tid", "intuit-tid", "www-authenticate", "date", "server"}:
            del headers[name]
    return response


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    # No record_mode here: it would override --record-mode, and CI must replay (pytest-recording's "none").
    return {
        "cassette_library_dir": str(CASSETTES),
        "filter_headers": ["authorization", "cookie", "set-cookie", "intuit_tid", "intuit-tid", "host"],
        "filter_query_parameters": [
            "code",
            "refresh_token",
            "access_token",
            "client_secret",
            "api_key",
            ("requestid", "REQUESTID"),  # random per logical write; replays must still match
        ],
        "filter_post_data_parameters": ["refresh_token", "code", "client_secret", "client_id"],
        "before_record_request": _scrub_request,
        "before_record_response": _scrub_response,
        "decode_compressed_response": True,
        "serializer": "json",
        "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
    }


@pytest.fixture
def vcr_cassette_dir() -> str:
    return str(CASSETTES)
