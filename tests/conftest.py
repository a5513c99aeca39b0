"""Every test runs with its own QBSYNC_HOME, no colour, a wide terminal, and no QBSYNC_* leaking in."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("QBSYNC_") or name in {"SUPRATA_API_KEY", "FORCE_COLOR", "TTY_COMPATIBLE"}:
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "qbsync-home"
    monkeypatch.setenv("QBSYNC_HOME", str(home))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    return home


@pytest.fixture(autouse=True)
def secrets_scan(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """After every test: no secret value of any sandbox it used is in a stream or file it wrote."""
    from qbsync.sandbox import app as sandbox_app
    from qbsync.sandbox.oauth import IntuitOAuthService
    from secrets_scan import SecretsScan

    scan = SecretsScan(tmp_path)
    real_init = IntuitOAuthService.__init__

    def tracking_init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        scan.services.append(self)

    monkeypatch.setattr(IntuitOAuthService, "__init__", tracking_init)
    real_profile = sandbox_app.Sandbox.profile

    def tracking_profile(self, *args, **kwargs):
        if self not in scan.sandboxes:
            scan.sandboxes.append(self)
        return real_profile(self, *args, **kwargs)

    monkeypatch.setattr(sandbox_app.Sandbox, "profile", tracking_profile)
    yield scan
    if request.node.get_closest_marker("shows_sandbox_secrets"):
        return
    leaks = scan.leaks()
    assert not leaks, "secret values in what the test wrote:\n" + "\n".join(leaks[:20])
