"""The product never imports the sandbox except where ``--demo`` is wired (services.py); the sandbox command's
own core (sandbox_service.py) is the sandbox's front door, not the product."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "qbsync"
WIRES_THE_DEMO = {"services.py"}
SANDBOX_COMMAND = {"sandbox_service.py"}


def is_sandbox(module: str) -> bool:
    return module == "qbsync.sandbox" or module.startswith("qbsync.sandbox.")


def sandbox_imports(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            modules = [node.module or ""]
        elif isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        else:
            continue
        if any(is_sandbox(m) for m in modules):
            lines.append(node.lineno)
    return lines


def test_only_services_imports_the_sandbox():
    offenders = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if rel.parts[0] == "sandbox" or str(rel) in WIRES_THE_DEMO | SANDBOX_COMMAND:
            continue
        found = sandbox_imports(path)
        if found:
            offenders[str(rel)] = found
    assert offenders == {}
    assert sandbox_imports(SRC / "services.py")  # and the demo is still wired there
