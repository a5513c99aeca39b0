"""Fixtures for trace: the demo company built once per module, and a healthy company to plant cases in.

Everything is in-process through the sandbox (no vcr markers). Cases are planted with the sandbox's own
Python APIs: scenario events (``sandbox.apply_event``) and acting "directly in QuickBooks".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qbsync.sandbox.app import Sandbox, build_sandbox
from qbsync.services import services_for_sandbox


class Company:
    """One sandbox and the services qbsync uses against it."""

    def __init__(self, sandbox: Sandbox, data_dir: Path) -> None:
        self.sandbox = sandbox
        self.data_dir = data_dir

    def services(self) -> Any:
        return services_for_sandbox(self.sandbox, self.data_dir)

    def trace(self, ref: str | None = None, customer: str | None = None) -> Any:
        from qbsync.tracing import trace

        return trace(self.services(), ref, customer)

    def event(self, **event: Any) -> None:
        self.sandbox.apply_event(event)

    def qbo_id(self, kind: str, number: str) -> str:
        rec = self.sandbox.suprata_store.by_number(kind, number)
        assert rec is not None and rec.sync.qbo_id, (kind, number)
        return rec.sync.qbo_id


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Company:
    return Company(build_sandbox("demo"), tmp_path_factory.mktemp("demo"))


@pytest.fixture
def healthy(tmp_path: Path) -> Company:
    return Company(build_sandbox("healthy"), tmp_path / "data")


@pytest.fixture
def scenario_company(tmp_path: Path) -> Any:
    """A factory: the company of any built-in scenario."""
    return lambda name: Company(build_sandbox(name), tmp_path / name)
