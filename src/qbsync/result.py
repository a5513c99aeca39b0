"""The versioned JSON envelope every command prints on stdout with ``--format json`` (pipx style).

``docs/envelope.schema.json`` is generated from ``Envelope``; a test keeps it current.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, Final, Literal, cast

from pydantic import BaseModel, Field

from qbsync.clock import format_iso
from qbsync.exit_codes import STATUS_BY_CODE, ExitCode

SCHEMA_VERSION: Final = 1
Status = Literal["ok", "warning", "critical", "partial", "error"]


class EnvelopeError(BaseModel):
    code: str = Field(description="Stable machine code, e.g. usage, config, not_found, unreachable, P5")
    message: str
    hint: str | None = None


class Envelope(BaseModel):
    schema_version: Literal[1] = SCHEMA_VERSION
    command: str
    status: Status
    exit_code: int
    data: dict[str, Any] = Field(default_factory=dict)
    errors: list[EnvelopeError] = Field(default_factory=list)


@dataclass
class Outcome:
    """What a command hands to the renderer: typed data plus the exit code it earned."""

    command: str
    exit_code: ExitCode
    data: Any = None  # a pydantic model, a dataclass or a dict
    status: Status | None = None
    errors: list[EnvelopeError] = field(default_factory=list)

    def envelope(self) -> Envelope:
        return Envelope(
            command=self.command,
            status=self.status or STATUS_BY_CODE.get(int(self.exit_code), "error"),  # type: ignore[arg-type]
            exit_code=int(self.exit_code),
            data=to_jsonable(self.data) if self.data is not None else {},
            errors=self.errors,
        )


def to_jsonable(value: Any) -> Any:
    """Models, dataclasses, dates and Decimals to plain JSON values."""
    if isinstance(value, str | int | float | bool) or value is None:  # most leaves: answered first
        return value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    names = _dataclass_fields(cast(Hashable, type(value)))
    if names is not None:
        return {name: to_jsonable(getattr(value, name)) for name in names}
    if isinstance(value, datetime):
        return format_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return value.value
    return value


@cache
def _dataclass_fields(cls: type) -> tuple[str, ...] | None:
    """Field names of a dataclass type, looked up once per type (reports hold tens of thousands of rows)."""
    return tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else None


def envelope_json_schema() -> dict[str, Any]:
    schema = Envelope.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://github.com/qbsync/qbsync/docs/envelope.schema.json"
    return schema
