"""A full or read-only token folder never costs the QuickBooks connection: no refresh grant is spent unless
its result can be stored, and a failed store stops further refreshes and says so plainly."""

from __future__ import annotations

import errno
import os
from datetime import timedelta

import pytest
from auth_testkit import seed_store

from faultkit import refusing_writes, small_disk
from qbsync.auth.errors import TokenStoreUnwritable
from qbsync.auth.tokens import TokenStore
from qbsync.clients import oauth as oauth_client

__all__ = ["small_disk"]

RUNS = 24  # the count: a run every hour for a day while the disk stayed full


def _grants(oauth) -> int:
    return oauth.count_events(endpoint="token", grant_type="refresh_token")


def test_a_full_disk_spends_no_refresh_grant_in_a_day_of_runs(data_dir, oauth, clock, client, monkeypatch, leaks):
    store = seed_store(data_dir, oauth, clock)
    before = store.path.read_bytes()
    errors = []
    with refusing_writes(monkeypatch, data_dir) as refused:
        for _ in range(RUNS):
            clock.advance(3600)  # every run finds the access token expired
            run = TokenStore(data_dir)  # a new process each hour
            with pytest.raises(TokenStoreUnwritable) as err:
                run.get_valid_access_token(oauth_client.make_refresher(client, clock), clock)
            errors.append(err.value)
    leaks.capture(*errors)
    assert _grants(oauth) == 0 and refused["refused"] == RUNS
    assert all(not e.spent and "did not refresh" in e.message and e.exit_code == 3 for e in errors)
    assert store.path.read_bytes() == before
    assert [p for p in data_dir.iterdir() if p.name.endswith(".tmp")] == []
    # Space is back: the stored refresh token is still the current one, one refresh, connection kept.
    TokenStore(data_dir).get_valid_access_token(oauth_client.make_refresher(client, clock), clock)
    assert _grants(oauth) == 1
    assert oauth.refresh_token_state(TokenStore(data_dir).load().refresh_token) == "valid"


def test_a_store_that_fails_after_the_grant_stops_further_refreshes(data_dir, oauth, clock, client, monkeypatch, leaks):
    store = seed_store(data_dir, oauth, clock)
    before = store.load()
    clock.advance(3500)
    real_replace = os.replace

    def replace_fails(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", replace_fails)
    with pytest.raises(TokenStoreUnwritable) as first:
        store.get_valid_access_token(oauth_client.make_refresher(client, clock), clock)
    with pytest.raises(TokenStoreUnwritable) as second:  # a 401 later in the same run: no second grant
        store.get_valid_access_token(oauth_client.make_refresher(client, clock), clock, margin=timedelta(days=1))
    monkeypatch.setattr(os, "replace", real_replace)
    leaks.capture(first.value, second.value)
    assert first.value.spent and "could not store them" in first.value.message
    assert "will not refresh again" in first.value.message
    assert _grants(oauth) == 1
    assert store.load() == before and oauth.refresh_token_state(before.refresh_token) == "in_grace"
    assert [p for p in data_dir.iterdir() if p.name.endswith(".tmp")] == []


def test_a_real_full_tmpfs_spends_no_grant(small_disk, oauth, clock, client, leaks):
    folder = small_disk.path / "tokens"
    store = seed_store(folder, oauth, clock)
    before = store.path.read_bytes()
    small_disk.fill()
    for _ in range(3):
        clock.advance(3600)
        with pytest.raises(TokenStoreUnwritable) as err:
            TokenStore(folder).get_valid_access_token(oauth_client.make_refresher(client, clock), clock)
        leaks.capture(err.value)
    assert _grants(oauth) == 0 and store.path.read_bytes() == before
    small_disk.free()
    TokenStore(folder).get_valid_access_token(oauth_client.make_refresher(client, clock), clock)
    assert _grants(oauth) == 1


def test_a_read_only_token_folder_spends_no_grant(small_disk, oauth, clock, client, leaks):
    folder = small_disk.path / "tokens"
    store = seed_store(folder, oauth, clock)
    small_disk.read_only()
    clock.advance(3600)
    with pytest.raises(TokenStoreUnwritable) as err:
        TokenStore(folder).get_valid_access_token(oauth_client.make_refresher(client, clock), clock)
    leaks.capture(err.value)
    assert _grants(oauth) == 0 and store.load() is not None
    assert "Read-only" in err.value.message or "read-only" in err.value.message.lower()
