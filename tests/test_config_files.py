"""Config and token files: a second profile, control characters, numeric names, token-file problems."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from clihelp import run_cli
from qbsync.auth.errors import TokenFileUnreadable
from qbsync.auth.tokens import TokenStore
from qbsync.config_view import set_in_toml


def test_a_second_profile_can_be_added_with_config_set(isolated_env: Path) -> None:
    assert run_cli("--profile alpha config set qbo_realm_id 111").exit_code == 0
    result = run_cli("--profile beta config set qbo_realm_id 222")
    assert result.exit_code == 0, result.stderr
    data = tomllib.loads((isolated_env / "config.toml").read_text())
    assert data["profiles"]["alpha"]["qbo_realm_id"] == "111" and data["profiles"]["beta"]["qbo_realm_id"] == "222"
    assert run_cli("--profile gamma status").exit_code == 3  # other commands still refuse an unknown profile


def test_a_control_character_in_a_value_is_refused_and_the_file_still_parses(isolated_env: Path) -> None:
    assert run_cli("config set suprata_base_url http://ok.invalid").exit_code == 0
    result = run_cli(["config", "set", "suprata_base_url", "http://x\x01y.invalid"])
    assert result.exit_code == 3 and "control character" in result.stderr
    tomllib.loads((isolated_env / "config.toml").read_text())
    assert run_cli("config").exit_code == 0


def test_the_writer_escapes_every_control_character() -> None:
    text = set_in_toml("", "profiles.p", "note", "a\x01b\x1fc\x7fd\te\nf")
    assert tomllib.loads(text)["profiles"]["p"]["note"] == "a\x01b\x1fc\x7fd\te\nf"


def test_a_numeric_profile_name_works_on_every_path(isolated_env: Path) -> None:
    assert run_cli("--profile 123 config set qbo_realm_id 5").exit_code == 0
    shown = run_cli("--profile 123 --format json config")
    assert shown.exit_code == 0, shown.stderr
    assert "5" in shown.stdout
    (isolated_env / "config.toml").write_text("[profiles.x]\nqbo_realm_id = 9130\n")
    assert run_cli("--profile x config").exit_code == 0


@pytest.mark.parametrize("kind", ["empty", "folder", "huge", "naive", "not_json"])
def test_token_file_problems_are_could_not_check(tmp_path: Path, kind: str) -> None:
    store = TokenStore(tmp_path)
    tmp_path.mkdir(exist_ok=True)
    if kind == "folder":
        store.path.mkdir()
    elif kind == "empty":
        store.path.write_text("")
    elif kind == "huge":
        store.path.write_bytes(b" " * (30 << 20))
    elif kind == "naive":
        store.path.write_text(
            '{"format": 1, "realm_id": "1", "environment": "sandbox", "access_token": "a", "refresh_token": "r",'
            ' "access_expires_at": "2026-11-24T10:00:00", "refresh_expires_at": "2027-01-01T00:00:00Z",'
            ' "hard_expires_at": null, "connected_at": "2026-11-24T09:00:00Z", "obtained_at": "2026-11-24T09:00:00Z",'
            ' "last_refresh_at": null}'
        )
    else:
        store.path.write_text("{nope")
    with pytest.raises(TokenFileUnreadable) as err:
        store.load()
    assert err.value.exit_code == 3
    if kind == "naive":
        assert "no time zone" in err.value.message
