"""``with_query`` writes a request's query as httpx would have, so servers read the same values."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qbsync.clients.http import with_query

BASE = "http://127.0.0.1:9/suprata/api/v1/invoices"


@pytest.mark.parametrize(
    "params",
    [
        {"ids": ",".join(f"inv_{i}" for i in range(500)), "limit": 500},
        {"query": "SELECT * FROM Vendor WHERE DisplayName IN ('Amy\\'s Bird', 'Nobody (deleted)')", "minorversion": 75},
        {"latest": True, "unsynced": False, "cursor": None, "since": "2026-11-24T16:30:00Z"},
        {"record_type": ["invoice", "payment"], "q": "Ünïcode & co = 100%"},
        {},
    ],
)
def test_the_server_reads_what_httpx_would_have_sent(params: dict[str, object]) -> None:
    ours, theirs = httpx.URL(with_query(BASE, params)), httpx.URL(BASE, params=params)
    assert list(ours.params.multi_items()) == list(theirs.params.multi_items())
    assert (ours.scheme, ours.host, ours.path) == (theirs.scheme, theirs.host, theirs.path)


def test_a_query_already_in_the_url_is_kept() -> None:
    url = httpx.URL(with_query(f"{BASE}?minorversion=75", {"query": "SELECT 1"}))
    assert list(url.params.multi_items()) == [("minorversion", "75"), ("query", "SELECT 1")]


def test_commas_of_a_bulk_read_are_not_escaped() -> None:
    assert with_query(BASE, {"ids": "inv_1,inv_2"}).endswith("?ids=inv_1,inv_2")


@given(st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=40), max_size=4))
def test_any_text_reads_back_the_same(params: dict[str, str]) -> None:
    ours, theirs = httpx.URL(with_query(BASE, params)), httpx.URL(BASE, params=params)
    assert list(ours.params.multi_items()) == list(theirs.params.multi_items())
