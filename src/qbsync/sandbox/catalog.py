"""The built-in scenarios (JSON files shipped in ``sandbox/scenarios/``) and how a name or file resolves."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from qbsync.sandbox.scenario import Scenario, load_scenario

SCALE_NAME = re.compile(r"^scale(?:-(\d+))?(?:-(\d+))?$")  # scale, scale-10000, scale-10000-2000


@dataclass(frozen=True)
class ScenarioInfo:
    name: str
    title: str
    description: str
    patterns: tuple[str, ...]  # root-cause patterns planted (from the file's `expected`; for listing only)


def _files() -> dict[str, Any]:
    folder = resources.files("qbsync.sandbox") / "scenarios"
    return {f.name[: -len(".json")]: f for f in folder.iterdir() if f.name.endswith(".json")}


def builtin_names() -> list[str]:
    return sorted(_files())


def load_builtin(name: str) -> Scenario:
    files = _files()
    if name not in files:
        raise KeyError(f"no built-in scenario {name!r} (built-ins: {', '.join(sorted(files))})")
    return load_scenario(files[name].read_text(encoding="utf-8"))


def resolve_scenario(source: str | Path | Scenario | dict[str, Any]) -> Scenario:
    """A built-in name, ``scale[-FAILURES[-CUSTOMERS]]``, a path to a JSON file, a dict or a ``Scenario``."""
    if isinstance(source, Scenario):
        return source
    if isinstance(source, dict):
        return load_scenario(source)
    if isinstance(source, str):
        m = SCALE_NAME.match(source)
        if m:
            from qbsync.sandbox.generator import generate

            return generate(failures=int(m.group(1) or 10_000), customers=int(m.group(2) or 2_000))
        if source in _files():
            return load_builtin(source)
    path = Path(source)
    if not path.exists():
        raise KeyError(f"no built-in scenario or file {str(source)!r} (built-ins: {', '.join(builtin_names())})")
    return load_scenario(path)


def list_scenarios() -> list[ScenarioInfo]:
    infos = []
    for name in builtin_names():
        s = load_builtin(name)
        patterns = tuple(sorted({c.pattern for c in s.expected.root_causes}))
        infos.append(ScenarioInfo(name, s.title, s.description, patterns))
    infos.append(
        ScenarioInfo(
            "scale",
            "Generated at scale",
            "scale[-FAILURES[-CUSTOMERS]]: a generated company, by default 10,000 failures over 2,000 customers",
            ("P1", "P2", "P3", "P4", "P5", "P7", "unknown"),
        )
    )
    return infos
