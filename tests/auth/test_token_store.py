"""The token store on its own: file safety, refresh rules, crash safety, errors. In-process emulator."""

from __future__ import annotations

import json
import os
import stat
from datetime import timedelta

import pytest
from auth_testkit import CLIENT_ID, REALM_ID, Leaks, seed_store

from qbsync.auth.errors import ConnectionExpired, NotConnected, TokenFileUnreadable, TokenStoreUnwritable
from qbsync.auth.tokens import TokenGrant, TokenStore
from qbsync.clients import oauth as oauth_client


@pytest.fixture
def store(data_dir, oauth, clock) -> TokenStore:
    return seed_store(data_dir, oauth, clock)


class CountingRefresher:
    def __init__(self, client, clock) -> None:
        self.inner = oauth_client.make_refresher(client, clock)
        self.calls = 0

    def __call__(self, refresh_token: str) -> TokenGrant:
        self.calls += 1
        return self.inner(refresh_token)


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_file_is_0600_and_written_whole(store, clock, client):
    assert mode_of(store.path) == 0o600
    assert mode_of(store.lock_path) == 0o600
    clock.advance(3500)
    store.get_valid_access_token(oauth_client.make_refresher(client, clock), clock)
    assert mode_of(store.path) == 0o600
    assert [p.name for p in store.path.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert json.loads(store.path.read_text())["format"] == 1


def test_loose_mode_of_an_existing_file_is_tightened(store):
    os.chmod(store.path, 0o644)
    assert store.load() is not None
    assert mode_of(store.path) == 0o600


def test_fresh_token_is_used_without_refreshing(store, clock, client):
    refresher = CountingRefresher(client, clock)
    clock.advance(3600 - 301)
    assert store.get_valid_access_token(refresher, clock) == store.load().access_token
    assert refresher.calls == 0
    clock.advance(2)  # now inside the 5-minute margin
    store.get_valid_access_token(refresher, clock)
    assert refresher.calls == 1


def test_a_refresh_by_another_store_is_picked_up_under_the_lock(store, clock, client, oauth):
    other = TokenStore(store.path.parent)
    clock.advance(3500)
    # This process read the (expiring) file first; another process refreshes before we take the lock.
    stale_read = store.load()
    refreshed_elsewhere = other.get_valid_access_token(oauth_client.make_refresher(client, clock), clock)

    refresher = CountingRefresher(client, clock)
    original_load = store.load
    loads = iter([stale_read])

    def load_as_if_racing():  # first (unlocked) read returns the stale copy, the locked re-read the real file
        return next(loads, None) or original_load()

    store.load = load_as_if_racing
    assert store.get_valid_access_token(refresher, clock) == refreshed_elsewhere
    assert refresher.calls == 0
    assert oauth.count_events(endpoint="token", grant_type="refresh_token") == 1


def test_crash_between_refresh_and_store_keeps_a_valid_refresh_token(store, clock, client, oauth, monkeypatch, leaks):
    before = store.load()
    clock.advance(3500)

    def crash_on_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash_on_replace)  # the refresh succeeds, the store step fails
    with pytest.raises(TokenStoreUnwritable) as crash:  # says plainly that new tokens could not be kept
        store.get_valid_access_token(oauth_client.make_refresher(client, clock), clock)
    monkeypatch.undo()
    leaks.capture(crash.value)

    assert store.load() == before  # the old file is intact, no half-written file
    assert [p for p in store.path.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert oauth.refresh_token_state(before.refresh_token) == "in_grace"  # Intuit rotated; old one still works

    clock.advance(600)
    next_run = TokenStore(store.path.parent)  # this run refreshes no more; the next one recovers
    access = next_run.get_valid_access_token(oauth_client.make_refresher(client, clock), clock)
    after = store.load()
    assert after.access_token == access and oauth.refresh_token_state(after.refresh_token) == "valid"


def test_temp_file_left_by_a_killed_writer_is_ignored_and_cleaned(store, clock, client):
    leftover = store.path.parent / f".{store.path.name}.deadbeef.tmp"
    leftover.write_text("{half a fil")
    assert store.load() is not None
    clock.advance(3500)
    store.get_valid_access_token(oauth_client.make_refresher(client, clock), clock)
    assert not leftover.exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[]", "not a JSON object"),
        (b'{"format": 1, "realm_id": "1"}', "missing or invalid field"),
        (b'{"format": 99}', "unknown file format"),
    ],
)
def test_corrupt_file_is_a_clear_error_and_never_overwritten(
    store, clock, client, oauth, content, reason, leaks: Leaks
):
    store.path.write_bytes(content)
    refresher = CountingRefresher(client, clock)
    with pytest.raises(TokenFileUnreadable) as unreadable:
        store.get_valid_access_token(refresher, clock)
    error = unreadable.value
    assert str(store.path) in error.message and reason in error.message
    assert "qbsync reconnect" in error.hint
    assert refresher.calls == 0 and store.path.read_bytes() == content
    with pytest.raises(TokenFileUnreadable):
        store.describe(clock)
    leaks.capture(error)

    # Only a successful reconnect replaces it.
    seeded = oauth.issue_grant(REALM_ID, CLIENT_ID)
    grant = TokenGrant.from_token_response(seeded.as_token_json(), clock.now())
    store.save_connection(grant, realm_id=REALM_ID, environment="sandbox")
    assert store.load().refresh_token == seeded.refresh_token


def test_unreadable_file_is_a_clear_error(store, clock, client, leaks):
    store.path.unlink()
    store.path.mkdir()  # something that is not a regular file
    with pytest.raises(TokenFileUnreadable) as unreadable:
        store.get_valid_access_token(oauth_client.make_refresher(client, clock), clock)
    assert "not a regular file" in unreadable.value.message
    leaks.capture(unreadable.value)


def test_missing_file_is_not_connected(data_dir, clock, client, leaks):
    store = TokenStore(data_dir)
    assert store.load() is None and store.describe(clock) is None
    with pytest.raises(NotConnected) as missing:
        store.get_valid_access_token(oauth_client.make_refresher(client, clock), clock)
    assert "qbsync reconnect" in missing.value.hint
    leaks.capture(missing.value)


def test_expired_refresh_token_is_p5_without_asking_intuit(store, clock, client, oauth, leaks):
    clock.advance(8_726_400)
    refresher = CountingRefresher(client, clock)
    with pytest.raises(ConnectionExpired) as expired:
        store.get_valid_access_token(refresher, clock)
    assert (expired.value.pattern, expired.value.reason) == ("P5", "refresh_token_expired")
    assert refresher.calls == 0
    assert store.describe(clock).needs_reconnect
    leaks.capture(expired.value)


def test_revoked_grant_is_p5(store, clock, client, oauth, leaks):
    oauth.revoke_grant(REALM_ID)
    clock.advance(3500)
    with pytest.raises(ConnectionExpired) as expired:
        store.get_valid_access_token(oauth_client.make_refresher(client, clock), clock)
    assert expired.value.reason == "invalid_grant"
    leaks.capture(expired.value)


def test_describe_shows_facts_not_secrets(store, clock, leaks):
    clock.advance(86_400 * 10)
    facts = store.describe(clock)
    assert facts.realm_id == REALM_ID and facts.profile == "default" and facts.token_file == store.path
    assert facts.access_seconds_left == 0
    assert facts.refresh_days_left == 91 and facts.hard_days_left == 5 * 365 - 10
    assert facts.last_refresh_at is None and not facts.needs_reconnect
    assert facts.connected_at == clock.now() - timedelta(days=10)
    leaks.capture(facts, store.load())  # repr of the stored connection hides token values


def test_profiles_are_separate_files_and_names_are_checked(data_dir):
    assert TokenStore(data_dir, "work").path != TokenStore(data_dir, "home").path
    for bad in ("../x", ".hidden", "a/b", ""):
        with pytest.raises(ValueError):
            TokenStore(data_dir, bad)


def test_delete(store):
    assert store.delete() is True
    assert store.delete() is False


def test_the_leak_scanner_would_notice_a_leak(oauth):
    scanner = Leaks()
    seeded = oauth.issue_grant(REALM_ID, CLIENT_ID)
    scanner.collect_from(oauth)
    scanner.capture(RuntimeError(f"refresh failed for {seeded.refresh_token}"))
    assert scanner.leaked() == [seeded.refresh_token]
