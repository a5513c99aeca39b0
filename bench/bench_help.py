"""Benchmark: ``qbsync diagnose --help`` against a two-command Typer app's subcommand ``--help``, same venv.

Each is started as a fresh process ``--runs`` times, alternating; the medians of wall time and of the process's
own CPU (user + system, from ``wait4``; less sensitive than wall to a shared machine) are compared as a ratio.
Not a test.

    .venv/bin/python bench/bench_help.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TWO_COMMANDS = """
from typing import Annotated

import typer

app = typer.Typer(rich_markup_mode="rich")


@app.command(help="First command.\\n\\nExample: [bold]two first --since 7d[/bold]")
def first(since: Annotated[str | None, typer.Option("--since", help="Since when.")] = None) -> None:
    print(since)


@app.command(help="Second command.")
def second() -> None:
    print("second")


app()
"""


def one(argv: list[str]) -> tuple[float, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv} failed")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        two = Path(tmp) / "two.py"
        two.write_text(TWO_COMMANDS, encoding="utf-8")
        commands = {
            "two-command Typer app: first --help": [sys.executable, str(two), "first", "--help"],
            "qbsync diagnose --help": [sys.executable, "-m", "qbsync", "diagnose", "--help"],
        }
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for argv in commands.values():  # warm the file cache and the bytecode once each
            one(argv)
        for _ in range(args.runs):
            for name, argv in commands.items():
                samples[name].append(one(argv))
    medians = {
        name: (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
        for name, runs in samples.items()
    }
    for name, (wall, cpu) in medians.items():
        print(f"{name:40} wall {wall * 1000:6.0f} ms   CPU {cpu * 1000:6.0f} ms   (median of {args.runs})")
    (base_wall, base_cpu), (ours_wall, ours_cpu) = medians.values()
    print(f"{'ratio':40} wall {ours_wall / base_wall:6.2f} x    CPU {ours_cpu / base_cpu:6.2f} x")


if __name__ == "__main__":
    main()
