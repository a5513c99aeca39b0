"""One sandbox kept across ``qbsync retry`` runs: the CLI's services are built on it, history under tmp."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clihelp import CliResult, run_cli
from qbsync.sandbox.app import build_sandbox
from qbsync.sandbox.catalog import load_builtin
from qbsync.services import services_for_sandbox


class Company:
    """A sandbox plus helpers to run the CLI against it and to count what happened on both sides."""

    def __init__(self, name: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.name = name
        self.sb = build_sandbox(name)
        self.data_dir = data_dir
        monkeypatch.setattr("qbsync.services.build_services", lambda env: self.services())

    def services(self) -> Any:
        return services_for_sandbox(self.sb, self.data_dir)

    def cli(self, args: str, *, input: str | None = None) -> CliResult:
        return run_cli(f"retry {args}", input=input)

    def json(self, args: str) -> tuple[int, dict]:
        result = self.cli(f"{args} --json")
        return result.exit_code, result.json()

    @property
    def retry_requests(self) -> int:
        """Retry requests Suprata ever accepted (each one a logical retry)."""
        return len(self.sb.suprata_store.retries)

    def record(self, rtype: str, number: str) -> Any:
        return self.sb.suprata_store.by_number(rtype, number)

    def failing(self) -> set[str]:
        return {f"{a.record_number}" for a in self.services().suprata.attempts(latest=True, outcome="failed")}

    def invoices_per_doc_number(self) -> Counter[str]:
        co = self.sb.qbo_company
        live = [
            r
            for r in co.all("Invoice")
            if not (str(r.get("PrivateNote") or "").lower().startswith("voided") and not float(r.get("TotalAmt") or 0))
        ]
        return Counter(str(r.get("DocNumber")) for r in live)

    def expected(self, pattern: str) -> list[str]:
        spec = load_builtin(self.name).expected
        data = spec.model_dump() if hasattr(spec, "model_dump") else spec
        return [n for c in data["root_causes"] if c["pattern"] == pattern for n in c["records"]]


@pytest.fixture
def company(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Company]:
    made: list[Company] = []

    def make(name: str = "demo") -> Company:
        # Each company keeps its own data folder: qbsync's tokens belong to one sandbox.
        made.append(Company(name, tmp_path / f"data-{len(made)}-{name}", monkeypatch))
        return made[-1]

    return make


def rows(envelope: dict) -> dict[str, dict]:
    return {r["number"] or r["record_id"]: r for r in envelope["data"]["records"]}
