"""Run qbsync in-process exactly as the console script does (through ``run``, so exit-code mapping is tested)."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from typer.testing import CliRunner


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(args: str | list[str], *, input: str | None = None, env: dict[str, str] | None = None) -> CliResult:
    from qbsync.cli.app import run

    argv = shlex.split(args) if isinstance(args, str) else list(args)
    runner = CliRunner()
    with runner.isolation(input=input, env=env) as streams:
        code = run(argv)
        out, err = streams[0], streams[1]
        result = CliResult(code, out.getvalue().decode(), err.getvalue().decode())
    from secrets_scan import record_stream

    record_stream(result.stdout, result.stderr)  # the suite-wide secrets scan reads every stream
    return result
