"""Benchmark: N concurrent ``qbsync retry --all-safe --yes`` processes against one served sandbox, R rounds.

Each round serves a fresh scenario on 127.0.0.1, optionally makes QuickBooks lose the answer of the first
writes after committing them (``--lost-answers``), starts the processes at once and counts QuickBooks
documents that exist more than once afterwards. Prints one line per round and a summary. Not a test (the
suite runs one round per case in tests/retrying/test_concurrent_retry.py).

    .venv/bin/python bench/bench_concurrent_retry.py [--runs 2 5] [--rounds 20] [--lost-answers 0 2] [--scenario demo]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
# The kit lives with the tests and imports their helpers (clihelp, secrets_scan) from tests/ itself.
sys.path[:0] = [str(TESTS / "retrying"), str(TESTS)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[2, 5])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--lost-answers", type=int, nargs="+", default=[0, 2])
    parser.add_argument("--scenario", default="demo")
    args = parser.parse_args()

    from concurrency_kit import ServedCompany

    bad = 0
    for runs in args.runs:
        for lost in args.lost_answers:
            dups = problems = sent_by_many = 0
            t0 = time.perf_counter()
            for i in range(args.rounds):
                with tempfile.TemporaryDirectory(prefix="qbsync-bench-") as home:
                    co = ServedCompany(args.scenario, Path(home))
                    try:
                        rnd = co.retry_round(runs, lost_answers=lost)
                    finally:
                        co.close()
                senders = sum(
                    1 for r in rnd.runs if (r.envelope() or {}).get("data", {}).get("summary", {}).get("sent")
                )
                dups += sum(rnd.duplicates.values())
                problems += len(rnd.problems)
                sent_by_many += senders > 1
                codes = [r.code for r in rnd.runs]
                print(
                    f"runs={runs} lost={lost} round={i + 1}: duplicates={sum(rnd.duplicates.values())} "
                    f"created={rnd.created} senders={senders} exit={codes} problems={rnd.problems}",
                    flush=True,
                )
            bad += dups + problems
            print(
                f"== runs={runs} lost_answers={lost} rounds={args.rounds}: duplicate documents={dups}, "
                f"runs with unacceptable output={problems}, rounds where more than one run sent={sent_by_many}, "
                f"{time.perf_counter() - t0:.0f} s",
                flush=True,
            )
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
