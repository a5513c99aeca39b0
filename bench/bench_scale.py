"""Benchmark: qbsync at 1k, 10k and 50k failures against a sandbox served in its own process.

The sandbox (``scale-FAILURES-CUSTOMERS``, one customer per five failures unless --customers is given) is built
and served on 127.0.0.1 by a child process with real latency added to every QuickBooks request; qbsync runs as
a second child process (``python -m qbsync diagnose``; ``--json`` for the envelope), as a user would. Per run:

- QuickBooks and Suprata requests, counted by the server (``/_sandbox/stats``), and the floor for QuickBooks
- the failures qbsync saw (``--json`` runs only: the table has no count to read)
- wall time of the qbsync process, its own CPU (user + system, from ``wait4``) and its peak RSS (``ru_maxrss``)
- the server process's CPU over the run (from ``/proc``), to show what the sandbox costs

Then the per-record baseline against the same server: a script that asks QuickBooks about each failing record
once, paced by QuickBooks' own limits (500 a minute). Running it over 50,000 records would take 100 minutes,
so it runs over a sample (``--baseline-sample``) and is scaled to the size (requests per record measured,
wall at least the 500-a-minute pace); both numbers are given as a ratio to qbsync's.

    .venv/bin/python bench/bench_scale.py [--sizes 1000,10000,50000] [--runs 1] [--latency-ms 100]
        [--command diagnose|check|status] [--src DIR] [--baseline-sample 60] [--no-baseline]

``--src`` runs both children on another source tree (e.g. an exported older commit) to measure "before".
Not a test; the numbers depend on the machine (report whether it was shared).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
SRC = HERE.parent.parent / "src"
PROFILE = "bench"
QBO_PER_MINUTE = 500
# The QuickBooks floor for diagnose (and check) at any size: the questions asked whatever the size, one request
# each: the preferences, the change feed, the old voids (one /batch), the tax codes, the items, the linked
# customers' state, and the names held by customers, by vendors and by employees. The company's name comes from
# Suprata. The floor then grows by what the size makes unavoidable (``floor_of``): one request per 1,000 keys of
# a lookup by key past the first (QuickBooks' IN list), and one per 1,000 rows of a list past the first page.
FLOOR_FIXED = 9
KEYS_PER_REQUEST = 1000
# lookups by key that one of the fixed questions asks (their first request is in FLOOR_FIXED); any other is a
# question the scenario calls for (DocNumbers for the duplicate check, say): every request of it counts
FIXED_LOOKUPS = {"Customer.DisplayName", "Vendor.DisplayName", "Employee.DisplayName", "Customer.Id", "Item.Name",
                 "Item.Id"}  # fmt: skip


# --- the server child ---------------------------------------------------------------------------------------


def serve_child(scenario: str, home: Path, latency_ms: float) -> None:
    """Build and serve ``scenario``; seed qbsync's own tokens and profile under ``home``; wait for stdin EOF."""
    from qbsync.sandbox.app import serve
    from qbsync.services import services_for_sandbox

    t0 = time.perf_counter()
    server = serve(scenario, port=0, latency_ms=latency_ms)
    built = time.perf_counter() - t0
    _count_keys(server.sandbox.app)
    services_for_sandbox(server.sandbox, home / "data", profile=PROFILE)  # seeds qbsync's own tokens
    lines = [f"[profiles.{PROFILE}]"] + [f'{k} = "{v}"' for k, v in server.profile().items()]
    (home / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    tokens = server.sandbox.qbsync_tokens
    ready = {
        "base_url": server.base_url,
        "now": server.sandbox.clock.now().isoformat(),
        "built_s": built,
        "realm": server.sandbox.realm_id,
        "api_key": server.sandbox.scenario.suprata.api_key,
        "qbo_token": tokens.access_token if tokens is not None else None,  # for the baseline; never printed
    }
    sys.stdout.write(json.dumps(ready) + "\n")
    sys.stdout.flush()
    sys.stdin.read()  # the parent closes stdin when it is done
    server.stop()


IN_LIST = re.compile(r"([\w.]+) IN \(((?:'(?:[^'\\]|\\.)*'\s*,?\s*)+)\)")  # a lookup by quoted keys
QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")
FROM = re.compile(r"\bFROM\s+(\w+)", re.IGNORECASE)
START = re.compile(r"STARTPOSITION\s+(\d+)", re.IGNORECASE)


def _count_keys(app: Any) -> None:
    """What the floor grows by, seen by the server: the distinct keys of each lookup by key (entity and field) and
    the pages past a list's first, for every query (``/query``, and each of a ``/batch``). Read at
    ``/_bench/keys``, emptied at ``/_bench/reset``: the bench's own window on the wire, not the sandbox's."""
    from qbsync.sandbox.http import SandboxResponse

    keys: dict[str, set[str]] = {}
    pages = [0]
    at = next(i for i, (prefix, _) in enumerate(app._mounts) if prefix == "/qbo")
    qbo = app._mounts[at][1]

    def statements(req: Any) -> list[str]:
        if req.path.endswith("/query"):
            return [req.arg("query") or req.body.decode("utf-8", errors="replace")]
        if req.path.endswith("/batch"):
            try:
                items = json.loads(req.body or b"{}").get("BatchItemRequest") or []
            except ValueError:
                return []
            return [item["Query"] for item in items if isinstance(item, dict) and "Query" in item]
        return []

    def counting(req: Any) -> Any:
        for text in statements(req):
            entity = FROM.search(text)
            for field, values in IN_LIST.findall(text):
                keys.setdefault(f"{entity.group(1) if entity else '?'}.{field}", set()).update(QUOTED.findall(values))
            start = START.search(text)
            if start and int(start.group(1)) > 1:
                pages[0] += 1
        return qbo(req)

    def bench(req: Any) -> Any:
        if req.path.endswith("/reset"):
            keys.clear()
            pages[0] = 0
        return SandboxResponse.json({"keys": {k: len(v) for k, v in sorted(keys.items())}, "pages": pages[0]})

    app._mounts[at] = ("/qbo", counting)
    app.mount("/_bench", bench)


def floor_of(seen: dict[str, Any]) -> int:
    """FLOOR_FIXED plus what the size made unavoidable, from what the server saw asked."""
    extra = seen.get("pages", 0)
    for lookup, count in seen.get("keys", {}).items():
        requests = -(-count // KEYS_PER_REQUEST)
        extra += max(0, requests - 1) if lookup in FIXED_LOOKUPS else requests
    return FLOOR_FIXED + extra


class ServedSandbox:
    def __init__(self, scenario: str, latency_ms: float, src: Path) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="qbsync-bench-"))
        self.env = {**os.environ, "PYTHONPATH": str(src), "NO_COLOR": "1"}
        for name in [n for n in self.env if n.startswith("QBSYNC_")]:
            del self.env[name]
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(HERE),
                "--serve-child",
                scenario,
                "--home",
                str(self.home),
                "--latency-ms",
                str(latency_ms),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=self.env,
            text=True,
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            raise SystemExit("the sandbox server did not start")
        self.info: dict[str, Any] = json.loads(line)
        import httpx

        self.admin = httpx.Client(base_url=self.info["base_url"] + "/_sandbox", timeout=30)
        self.keys = httpx.Client(base_url=self.info["base_url"] + "/_bench", timeout=30)

    def reset_keys(self) -> None:
        self.keys.get("/reset")

    def keys_seen(self) -> dict[str, Any]:
        return self.keys.get("/keys").json()

    def stats(self) -> dict[str, Any]:
        return self.admin.get("/stats").json()

    def cpu(self) -> float:
        """User + system CPU seconds of the server process so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self.admin.close()
        self.keys.close()
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# --- one qbsync run -----------------------------------------------------------------------------------------


def run_qbsync(sb: ServedSandbox, command: str, as_json: bool) -> dict[str, Any]:
    """One qbsync process: the JSON envelope (``--json``, what cron reads) or the table people read."""
    output = ["--json"] if as_json else []
    # a generous deadline: at 50k on a shared machine the command's default one can pass before it is done
    env = {**sb.env, "QBSYNC_HOME": str(sb.home), "QBSYNC_NOW": sb.info["now"], "QBSYNC_TIMEOUT": "1800"}
    sb.reset_keys()
    before, cpu_before = sb.stats(), sb.cpu()
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "qbsync", "--profile", PROFILE, *output, *command.split()],
            env=env,
            stdout=out_file,
            stderr=err_file,
        )
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own CPU and peak RSS, not the whole tree's
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read(), err_file.read()
    after, cpu_after = sb.stats(), sb.cpu()
    seen = sb.keys_seen()
    envelope = json.loads(out) if out.strip().startswith(b"{") else {}
    if proc.returncode not in (0, 1, 2):
        sys.stderr.write(err.decode(errors="replace")[-2000:])
    return {
        "exit": proc.returncode,
        "qbo": after["qbo"]["total"] - before["qbo"]["total"],
        "floor": floor_of(seen),
        "keys": seen["keys"],
        "qbo_endpoints": _diff(after["qbo"].get("endpoints", {}), before["qbo"].get("endpoints", {})),
        "throttled": after["qbo"].get("limit_violations", 0) - before["qbo"].get("limit_violations", 0),
        "suprata": after["suprata"]["api_requests"] - before["suprata"]["api_requests"],
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "server_cpu": cpu_after - cpu_before,
        "failures": _failures_seen(command, envelope.get("data") or {}),
    }


def _failures_seen(command: str, data: dict[str, Any]) -> int | None:
    """The failures the command saw, from its envelope: diagnose's summary, check's diagnosis, status's red marks."""
    name = command.split()[0] if command.split() else ""
    if name == "check":
        data = data.get("diagnosis") or {}
    if name == "status":
        total = (data.get("failures") or {}).get("total")
        return int(total) if total is not None else None
    failures = (data.get("summary") or {}).get("failures")
    return int(failures) if failures is not None else None


def _diff(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in sorted(after.items()) if v - before.get(k, 0)}


# --- the per-record baseline --------------------------------------------------------------------------------


def baseline(sb: ServedSandbox, sample: int) -> dict[str, Any]:
    """One QuickBooks query per failing record (the obvious script), over the first ``sample`` records."""
    import httpx

    base, realm = sb.info["base_url"], sb.info["realm"]
    supra = httpx.Client(
        base_url=f"{base}/suprata/api/v1", headers={"Authorization": f"Bearer {sb.info['api_key']}"}, timeout=60
    )
    qbo = httpx.Client(
        base_url=f"{base}/qbo/v3/company/{realm}",
        headers={"Authorization": f"Bearer {sb.info['qbo_token']}", "Accept": "application/json"},
        timeout=60,
    )
    before = sb.stats()
    page = supra.get("/sync/attempts", params={"latest": "true", "outcome": "failed", "limit": sample}).json()
    t0 = time.perf_counter()
    for attempt in page["data"][:sample]:
        entity = attempt["record_type"].capitalize()
        number = (attempt.get("record_number") or "").replace("'", "\\'")
        field = {"Customer": "DisplayName", "Item": "Sku"}.get(entity, "DocNumber")
        if entity == "Customer":
            number = attempt["record_id"]
            field = "Id"
        qbo.get("/query", params={"query": f"SELECT * FROM {entity} WHERE {field} = '{number}'"})
    wall = time.perf_counter() - t0
    after = sb.stats()
    supra.close()
    qbo.close()
    n = len(page["data"][:sample])
    return {"records": n, "qbo": after["qbo"]["total"] - before["qbo"]["total"], "wall": wall}


# --- main ---------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--customers", type=int, default=None, help="customers per scenario (default failures/5)")
    parser.add_argument("--runs", type=int, default=1, help="runs per size (median reported)")
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--command", default="diagnose")
    parser.add_argument("--json", action="store_true", help="qbsync writes its JSON envelope (default: the table)")
    parser.add_argument("--src", type=Path, default=SRC, help="source tree for both children")
    parser.add_argument("--baseline-sample", type=int, default=60)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--json-out", type=Path, default=None)
    parser.add_argument("--serve-child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_child:
        serve_child(args.serve_child, args.home, args.latency_ms)
        return

    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        customers = args.customers or max(1, size // 5)
        scenario = f"scale-{size}-{customers}"
        sb = ServedSandbox(scenario, args.latency_ms, args.src.resolve())
        try:
            runs = [run_qbsync(sb, args.command, args.json) for _ in range(args.runs)]
            row = {"size": size, "customers": customers, "built_s": sb.info["built_s"], "runs": runs}
            for key in ("qbo", "floor", "suprata", "wall", "cpu", "rss_mb", "server_cpu", "throttled"):
                row[key] = statistics.median(r[key] for r in runs)
            row["qbo_endpoints"] = runs[-1]["qbo_endpoints"]
            row["keys"] = runs[-1]["keys"]
            row["failures"] = runs[-1]["failures"]
            row["exit"] = runs[-1]["exit"]
            if not args.no_baseline:
                base = baseline(sb, args.baseline_sample)
                per_record = base["qbo"] / max(1, base["records"])
                row["baseline_qbo"] = round(per_record * (row["failures"] or size))
                row["baseline_wall"] = max(
                    base["wall"] / max(1, base["records"]) * (row["failures"] or size),
                    row["baseline_qbo"] / QBO_PER_MINUTE * 60,
                )
                row["baseline_sample"] = base
        finally:
            sb.close()
        results.append(row)
        _print_row(row, args)
    _print_table(results, args)
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")


def _print_row(row: dict[str, Any], args: argparse.Namespace) -> None:
    print(
        f"{row['size']:>6} failures / {row['customers']} customers: exit {row['exit']}, "
        f"failures seen {row['failures']}, server built in {row['built_s']:.1f} s; "
        f"QBO by endpoint {row['qbo_endpoints']}; keys per lookup {row['keys']}; throttled {row['throttled']}",
        flush=True,
    )


def _print_table(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    sizes = [f"{r['size'] // 1000}k" for r in results]
    print()
    print(f"| {args.command}, {args.latency_ms:.0f} ms latency, median of {args.runs} | " + " | ".join(sizes) + " |")
    print("|---|" + "---|" * len(results))
    rows = [
        ("QuickBooks requests", lambda r: f"{r['qbo']:.0f}"),
        ("Suprata requests", lambda r: f"{r['suprata']:.0f}"),
        ("wall", lambda r: f"{r['wall']:.2f} s"),
        ("qbsync CPU / sandbox CPU", lambda r: f"{r['cpu']:.2f} / {r['server_cpu']:.2f} s"),
        ("qbsync CPU per failure", lambda r: f"{r['cpu'] / max(1, r['failures'] or r['size']) * 1000:.3f} ms"),
        ("peak RSS of the qbsync process", lambda r: f"{r['rss_mb']:.0f} MB"),
    ]
    if args.command.split()[0] in ("diagnose", "check"):  # the floor is diagnose's questions (check asks the same)
        floor = ("QuickBooks floor / floor + 3 (the target)", lambda r: f"{r['floor']:.0f} / {r['floor'] + 3:.0f}")
        rows.insert(1, floor)
    if results and "baseline_qbo" in results[0]:
        rows += [
            ("per-record baseline: QuickBooks requests (ratio)", lambda r: f"{r['baseline_qbo']} ({r['baseline_qbo'] / max(1, r['qbo']):.0f}x)"),
            ("per-record baseline: wall (ratio)", lambda r: f"{r['baseline_wall']:.0f} s ({r['baseline_wall'] / max(0.01, r['wall']):.0f}x)"),
        ]  # fmt: skip
    for label, cell in rows:
        print(f"| {label} | " + " | ".join(cell(r) for r in results) + " |")


if __name__ == "__main__":
    main()
