"""Benchmark: diagnose the 10,000-failure scenario (10,000 failures over 2,000 customers).

Reports the QuickBooks requests diagnose issued (counted at the transport and by the emulator), the wall time
with 100 ms of real latency added to every QuickBooks request, the Suprata requests, and peak memory. Not a test.

    .venv/bin/python bench/bench_diagnose.py [--failures 10000] [--customers 2000] [--latency-ms 100]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    args = parser.parse_args()

    from qbsync.diagnosis.diagnose import Filters, diagnose
    from qbsync.sandbox.app import build_sandbox
    from qbsync.services import services_for_sandbox

    t0 = time.perf_counter()
    sandbox = build_sandbox(f"scale-{args.failures}-{args.customers}")
    built = time.perf_counter() - t0
    sandbox.qbo.latency_ms = args.latency_ms
    sandbox.qbo.reset_stats()
    suprata_before = _suprata_requests(sandbox)

    with tempfile.TemporaryDirectory() as tmp:
        services = services_for_sandbox(sandbox, Path(tmp))
        t1 = time.perf_counter()
        report = diagnose(services, Filters())
        wall = time.perf_counter() - t1
        stats = sandbox.qbo.stats()
        suprata_requests = _suprata_requests(sandbox) - suprata_before
        # Memory in a second run: tracing slows Python several times, so it must not touch the timing.
        sandbox.qbo.latency_ms = 0
        tracemalloc.start()
        diagnose(services_for_sandbox(sandbox, Path(tmp) / "again"), Filters())
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    print(f"scenario           scale-{args.failures}-{args.customers} (built in {built:.1f} s, not measured below)")
    print(f"failed records     {report.summary.failures}; root causes {report.summary.root_causes}")
    print(
        f"QBO requests       {report.qbo_requests} at the transport; {stats['total']} at the emulator "
        f"(peak {stats['peak_in_flight']} in flight, {stats['limit_violations']} limit violations)"
    )
    print(f"  by endpoint      {dict(sorted(stats['endpoints'].items()))}")
    print(f"Suprata requests   {suprata_requests}")
    print(f"wall time          {wall:.2f} s with {args.latency_ms:.0f} ms latency per QBO request")
    print(f"peak memory        {peak / 2**20:.1f} MiB (tracemalloc, a second diagnose run)")


def _suprata_requests(sandbox) -> int:  # the Suprata emulator counts what it serves
    counter = getattr(sandbox.suprata, "requests", None)
    return int(counter) if counter is not None else -1


if __name__ == "__main__":
    main()
