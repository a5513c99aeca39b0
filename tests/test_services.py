"""The services factory: qbsync's own QuickBooks token survives a 401, and bad profile names are one-line errors."""

from __future__ import annotations

from pathlib import Path

from clihelp import run_cli
from qbsync.sandbox.app import build_sandbox
from qbsync.services import services_for_sandbox


def test_a_401_on_qbsyncs_own_token_refreshes_once_and_carries_on(tmp_path: Path) -> None:
    sandbox = build_sandbox("healthy")
    services = services_for_sandbox(sandbox, tmp_path)
    first = services.bearer()
    assert services.qbo.company_info().company_name
    sandbox.tokens.revoke(first)  # revoked at Intuit's side before its expiry
    assert services.qbo.company_info().company_name  # 401, one refresh, then success
    assert services.bearer() != first


def test_a_profile_name_that_cannot_be_a_file_name_is_a_config_error(isolated_env: Path) -> None:
    isolated_env.mkdir(parents=True)
    (isolated_env / "config.toml").write_text(
        '[profiles."a/b"]\nsuprata_base_url = "http://127.0.0.1:9"\nsuprata_api_key = "k"\nqbo_realm_id = "1"\n'
    )
    result = run_cli(["--profile", "a/b", "diagnose"])
    assert result.exit_code == 3
    assert "unexpected error" not in result.stderr and "profile name" in result.stderr


def test_a_herd_of_401s_spends_one_refresh_grant(tmp_path: Path, monkeypatch) -> None:
    """Parallel lookups all meet the 401 of one revoked token: one refresh between them, not one per thread."""
    import qbsync.clients.oauth as oauth

    sandbox = build_sandbox("healthy")
    services = services_for_sandbox(sandbox, tmp_path)
    first = services.bearer()
    sandbox.tokens.revoke(first)
    grants = []
    real = oauth.refresh_tokens

    def counting(*args, **kwargs):
        grants.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(oauth, "refresh_tokens", counting)
    qbo = services.qbo
    names = qbo.parallel([qbo.company_info for _ in range(10)])
    assert all(n.company_name for n in names)
    assert len(grants) == 1
