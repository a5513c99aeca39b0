"""Ctrl-C during start-up: how does ``qbsync`` end when SIGINT arrives N ms after the process is spawned?

Each try spawns the console script (``qbsync --demo diagnose``), sends SIGINT after a delay drawn across the
start-up window, and records how the process ended: exit 130 (what docs/cli.md promises), killed by the
signal itself, or anything else (with the last line of stderr). It also times the two phases of start-up:

- ``python``: the bare interpreter with site (``python -c pass``), before any qbsync code can run;
- ``handler``: until ``qbsync.entry.main`` has installed its SIGINT handler (the console script's own imports,
  then ``qbsync/__init__`` and ``qbsync/entry``), measured as ``python -c 'from qbsync.entry import main'``.

An interrupt before Python installs its own SIGINT handler kills the process by the signal (SIG_DFL); one
after that but before qbsync's handler raises KeyboardInterrupt, which Python (3.8+) turns back into death by
SIGINT. Both windows are Python's start-up, before any line of qbsync runs.

    python bench/bench_sigint_startup.py --tries 60 --max-delay-ms 150
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path


def _timed(argv: list[str], runs: int) -> float:
    """Median wall time in ms of ``argv`` run to completion."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _one(argv: list[str], delay: float, env: dict[str, str]) -> tuple[str, str]:
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    time.sleep(delay)
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return "hung", ""
    text = err.decode(errors="replace")
    last = (text.strip().splitlines() or [""])[-1][:120]
    code = proc.returncode
    if code == 130:
        return "exit 130", last
    if code in (0, 2) and "Traceback" not in text:
        return f"finished (exit {code})", last  # the signal came after the run ended
    how = "killed by SIGINT" if code == -signal.SIGINT else f"exit {code}"
    return f"{how}, {_where(text)}", last


def _where(stderr: str) -> str:
    """Which part of start-up the interrupt landed in, from the traceback's frames (none: before Python's
    own SIGINT handler existed, so the signal's default action ended the process)."""
    if "Traceback" not in stderr:
        return "no traceback (before Python's handler)"
    frames = [line.strip() for line in stderr.splitlines() if line.strip().startswith("File ")]
    if any("/qbsync/" in f for f in frames):
        return "in qbsync's code"
    if any("<frozen site>" in f for f in frames):
        return "in Python's site (the venv's .pth files)"
    if frames and "bin/qbsync" in frames[0]:
        return "in pip's console script, before qbsync"
    return "in Python's start-up"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tries", type=int, default=60)
    parser.add_argument("--max-delay-ms", type=float, default=150.0)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--verbose", action="store_true", help="also list every try that did not exit 130")
    args = parser.parse_args()

    exe = shutil.which("qbsync", path=str(Path(sys.executable).parent)) or "qbsync"
    env = {**os.environ, "COLUMNS": "80"}
    python = _timed([sys.executable, "-c", "pass"], 7)
    handler = _timed([sys.executable, "-c", "from qbsync.entry import main"], 7)
    print(f"start-up: python alone {python:.0f} ms; until qbsync's handler {handler:.0f} ms (median of 7)")

    rng = random.Random(args.seed)
    rows: list[tuple[float, str, str]] = []
    for _ in range(args.tries):
        delay = rng.uniform(0, args.max_delay_ms) / 1000
        outcome, last = _one([exe, "--demo", "diagnose"], delay, env)
        rows.append((delay * 1000, outcome, last))
    counts = Counter(outcome for _, outcome, _ in rows)
    print(f"{args.tries} tries, SIGINT at 0-{args.max_delay_ms:.0f} ms after spawn:")
    for outcome, n in counts.most_common():
        delays = sorted(d for d, o, _ in rows if o == outcome)
        print(f"  {outcome:<62} {n:>3}   delays {delays[0]:.0f}-{delays[-1]:.0f} ms")
    for delay, outcome, last in sorted(rows):
        if outcome != "exit 130" and not outcome.startswith("finished") and args.verbose:
            print(f"    {delay:6.1f} ms  {outcome}  {last}")


if __name__ == "__main__":
    main()
