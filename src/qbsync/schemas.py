"""JSON Schemas for each command's ``data`` in the envelope, generated from the typed results.

``docs/schemas/<command>.data.schema.json`` are written from here (``python -m qbsync.schemas``); a test
keeps them current and validates every command's real ``--format json`` output against its schema. They are
validation schemas: a money amount may be a number, a time is an RFC 3339 string in UTC, and a field added
later does not invalidate an older consumer (no ``additionalProperties: false``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def command_types() -> dict[str, Any]:
    """Command -> the Python type of its ``data`` (a union where a command has several shapes)."""
    from qbsync.auth.reconnect import ReconnectReport
    from qbsync.config_view import EffectiveSettings, SetResult
    from qbsync.diagnosis.explain import Explanation
    from qbsync.diagnosis.report import DiagnosisReport
    from qbsync.health.check import AllProfilesReport, CheckReport
    from qbsync.health.status import StatusReport
    from qbsync.lineup.model import ListsReport
    from qbsync.predicting.model import PreflightReport
    from qbsync.retrying.models import RetryReport
    from qbsync.tracing.model import CustomerTrace, RecordTrace
    from qbsync.tracing.watch import WatchResult

    return {
        "diagnose": DiagnosisReport,
        "status": StatusReport,
        "check": CheckReport | AllProfilesReport | dict[str, Any],  # dict: --history
        "trace": RecordTrace | CustomerTrace | WatchResult,
        "retry": RetryReport,
        "reconnect": ReconnectReport,
        "explain": Explanation,
        "config": EffectiveSettings | SetResult | dict[str, str],
        "preflight": PreflightReport | ListsReport,  # ListsReport: --lists
    }


def data_schema(command: str) -> dict[str, Any]:
    from pydantic import TypeAdapter

    schema = TypeAdapter(command_types()[command]).json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"qbsync/{command}.data.schema.json",
        "title": f"qbsync {command}: the envelope's data",
        **schema,
    }


def schema_text(command: str) -> str:
    return json.dumps(data_schema(command), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for command in command_types():
        path = folder / f"{command}.data.schema.json"
        path.write_text(schema_text(command), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # python -m qbsync.schemas [folder]
    import sys

    for p in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schemas")):
        print(p)
