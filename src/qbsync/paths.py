"""Where qbsync keeps its files: platformdirs, or everything under ``QBSYNC_HOME`` when set (tests, containers)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "qbsync"


@dataclass(frozen=True)
class Paths:
    config_dir: Path
    data_dir: Path
    state_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def tokens_dir(self) -> Path:
        """TokenStore keeps ``<profile>.tokens.json`` (0600) and its lock here."""
        return self.data_dir / "tokens"

    @property
    def check_history_db(self) -> Path:
        return self.data_dir / "history" / "checks.sqlite3"


def resolve_paths(environ: dict[str, str] | None = None) -> Paths:
    env = os.environ if environ is None else environ
    home = env.get("QBSYNC_HOME")
    if home:
        root = Path(home).expanduser()
        return Paths(config_dir=root, data_dir=root / "data", state_dir=root / "state")
    import platformdirs  # only when needed: keeps --help fast

    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return Paths(config_dir=dirs.user_config_path, data_dir=dirs.user_data_path, state_dir=dirs.user_state_path)
