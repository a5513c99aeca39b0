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


PREDICTION = [SRC / "predicting", SRC / "cli" / "preflight.py", SRC / "render" / "preflight_view.py"]


def sandbox_names(path: Path) -> list[int]:
    """Lines that name the sandbox at all: an import, or an attribute such as ``services.sandbox``."""
    lines = sandbox_imports(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
        if "sandbox" in name.lower():
            lines.append(node.lineno)
    return sorted(set(lines))


def test_prediction_reads_only_the_two_apis():
    """qbsync preflight predicts from what Suprata's and QuickBooks' APIs return, as for a real company: it never
    reaches into the in-process sandbox (its QuickBooks validation, its sync engine) even under --demo."""
    files = [f for p in PREDICTION for f in ([p] if p.is_file() else sorted(p.rglob("*.py")))]
    assert len(files) >= 4
    assert {str(f.relative_to(SRC)): sandbox_names(f) for f in files if sandbox_names(f)} == {}
