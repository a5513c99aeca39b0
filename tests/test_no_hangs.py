"""Inputs that used to hang qbsync or print nothing: a terminal size Rich cannot use, FIFOs where a file is
expected. Each runs in its own process with a timeout, so a regression fails instead of hanging the suite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clihelp import run_cli


def qbsync(args: list[str], home: Path, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("QBSYNC_")}
    environ.update({"QBSYNC_HOME": str(home), "NO_COLOR": "1", **env})
    code = "import sys; from qbsync.cli.app import run; sys.exit(run(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args], env=environ, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.parametrize("columns", ["0", "-3", "abc", ""])
def test_an_unusable_columns_still_prints_the_result(isolated_env, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", columns)
    result = run_cli("status --demo")
    assert result.exit_code == 2 and "Suprata → QuickBooks" in result.stdout


def test_columns_zero_still_prints_help(tmp_path):
    result = qbsync(["--help"], tmp_path, COLUMNS="0")
    assert result.returncode == 0 and "Usage: qbsync" in result.stdout


def test_a_huge_columns_is_capped_not_laid_out(tmp_path):
    result = qbsync(["diagnose", "--demo"], tmp_path, COLUMNS="99999999")
    assert result.returncode == 2
    assert result.stdout and max(len(line) for line in result.stdout.splitlines()) <= 1000
    help_ = qbsync(["--help"], tmp_path, COLUMNS="99999999")
    assert help_.returncode == 0 and len(help_.stdout) < 200_000  # was 300 MB of padding


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_as_config_file_is_refused_at_once(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    os.mkfifo(home / "config.toml")
    result = qbsync(["status"], home, timeout=30)
    assert result.returncode == 3 and "is not a regular file" in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_as_scenario_is_refused_at_once(tmp_path):
    fifo = tmp_path / "scenario.json"
    os.mkfifo(fifo)
    result = qbsync(["--scenario", str(fifo), "diagnose"], tmp_path / "home", timeout=30)
    assert result.returncode == 3 and "is not a regular file" in result.stderr
