"""Fixtures for the client tests: a virtual clock, scripted services for shapes the emulator cannot
produce, and the vcrpy configuration for the cassettes in ``cassettes/`` at the repo root.

Cassettes are only ever replayed in CI (pytest-recording's default record mode is ``none``); see
docs/testing.md for re-recording. Never put ``record_mode`` in ``vcr_config``: it would override the
``--record-mode`` flag.
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from clients_testkit import CASSETTES, START

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


def _scrub_request(request: Any) -> Any:
    request.uri = _REALM_IN_PATH.sub("/company/REALM", request.uri)
    # The loopback port changes every run; replays must match whatever port the server got.
    request.uri = re.sub(r"^http://127\.0\.0\.1:\d+", "http://127.0.0.1:PORT", request.uri)
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    body = response.get("body", {}).get("string")
    if isinstance(body, bytes):
        text = body.decode("utf-8", errors="replace")
        text = _SECRET_JSON.sub(lambda m: f'{m.group(1)}"REDACTED"', text)
        response["body"]["string"] = text.encode()
    for name in list(response.get("headers", {})):
        if name.lower() in {"set-cookie", "intuit_tid", "intuit-tid"}:
            del response["headers"][name]
    return response


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "cassette_library_dir": str(CASSETTES),
        "filter_headers": ["authorization", "cookie", "set-cookie", "intuit_tid", "intuit-tid"],
        "filter_query_parameters": ["code", "refresh_token", "access_token", "client_secret", "api_key"],
        "filter_post_data_parameters": ["refresh_token", "code", "client_secret", "client_id"],
        "before_record_request": _scrub_request,
        "before_record_response": _scrub_response,
        "decode_compressed_response": True,
        "serializer": "json",
        "match_on": ["method", "scheme", "path", "query", "body"],
    }
