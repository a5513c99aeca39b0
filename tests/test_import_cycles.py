"""No import cycle in src/qbsync: not at module level, not inside a function, not for types only.

Every ``import`` statement of a module counts, wherever it stands (a deferred import inside a function or
under ``TYPE_CHECKING`` still ties the two modules together), and importing ``a.b.c`` also loads ``a.b`` and
``a`` (so a package that re-exports its modules is one node with them). A module's own packages are not an
edge of it: they are loaded before it, whatever it imports. Also: the product never reaches into tests/.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def modules() -> dict[str, Path]:
    out = {}
    for path in (SRC / "qbsync").rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The qbsync modules ``name`` imports (and the packages those load), its own packages left out."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*up, base] if base else up)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            while target:
                if target != name and not name.startswith(target + "."):
                    found.add(target)
                target = target.rpartition(".")[0] if "." in target else ""
    return {t for t in found if t.startswith("qbsync")}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_src_has_no_import_cycle() -> None:
    known = modules()
    graph = {name: imports(name, path, known) for name, path in known.items()}
    assert cycles(graph) == []


def test_the_cycle_finder_finds_one() -> None:
    """A type-only import back is a cycle too (the test above cannot pass by seeing none)."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    known = modules()
    graph = {name: imports(name, path, known) for name, path in known.items()}
    graph["qbsync.diagnosis.patterns"].add("qbsync.diagnosis.evaluation")  # the cycle this file was written for
    assert ["qbsync.diagnosis.classifier", "qbsync.diagnosis.evaluation", "qbsync.diagnosis.patterns"] in cycles(graph)


def test_the_product_never_reaches_into_tests() -> None:
    """What the product needs lives in src/: no path is built into tests/ (the labelled corpus is test data,
    only its generator, scripts/gen_patterns_doc.py, and the tests open it)."""
    into_tests = re.compile(r"""["']tests["']""")
    offenders = [
        str(p.relative_to(SRC))
        for p in (SRC / "qbsync").rglob("*.py")
        if into_tests.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
