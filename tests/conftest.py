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
