"""Benchmark: build the 10,000-failure sandbox scenario (10,000 failures over 2,000 customers).

Prints the wall time of generating the scenario and of building the sandbox (every push goes through the
emulated QBO's request path, in-process), then the peak memory measured with tracemalloc in a second build
(tracing slows Python down several times, so the timed build runs untraced). Not a test.

    .venv/bin/python bench/bench_build_scenario.py [--failures 10000] [--customers 2000] [--seed 0]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-memory", action="store_true", help="skip the traced second build")
    args = parser.parse_args()

    from qbsync.sandbox.app import build_sandbox
    from qbsync.sandbox.generator import generate

    t0 = time.perf_counter()
    scenario = generate(failures=args.failures, customers=args.customers, seed=args.seed)
    t1 = time.perf_counter()
    sandbox = build_sandbox(scenario)
    t2 = time.perf_counter()
    peak = 0
    if not args.no_memory:
        tracemalloc.start()
        build_sandbox(generate(failures=args.failures, customers=args.customers, seed=args.seed))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    store = sandbox.suprata_store
    latest: dict[tuple[str, str], str] = {}
    for attempt in store.attempts:
        latest[(attempt.record_type, attempt.record_id)] = attempt.outcome
    failed = sum(1 for outcome in latest.values() if outcome == "failed")
    print(f"scenario        {scenario.name} (seed {args.seed}): {len(scenario.timeline)} timeline events")
    print(f"generate        {t1 - t0:8.2f} s")
    print(
        f"build sandbox   {t2 - t1:8.2f} s  (QBO requests: {sandbox.qbo.stats()['total']}, attempts: {len(store.attempts)})"
    )
    print(f"total           {t2 - t0:8.2f} s")
    if peak:
        print(f"peak memory     {peak / 2**20:8.1f} MiB (tracemalloc, second build)")
    print(
        f"records         {len(store.customers)} customers, {len(store.invoices)} invoices, {len(store.payments)} payments"
    )
    print(f"failed records  {failed} (expected {scenario.expected.failed_records})")


if __name__ == "__main__":
    main()
