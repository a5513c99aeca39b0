"""The injected environment (httpie's Environment): streams, TTY facts, settings, paths, clock, services.

Commands receive an ``Env`` instead of touching ``sys`` or ``os.environ``, so tests swap it wholesale.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from qbsync.clock import Clock, SystemClock
from qbsync.config import Settings
from qbsync.paths import Paths

if TYPE_CHECKING:
    from rich.console import Console

    from qbsync.services import Services


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


@dataclass
class Env:
    settings: Settings
    paths: Paths
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    clock: Clock = field(default_factory=SystemClock)
    deadline_seconds: float | None = None  # the command's overall deadline (qbsync.deadline)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        from qbsync.clients.redact import RedactingStream

        # Everything qbsync prints goes through these: no secret value it holds can reach the screen or a log.
        if not isinstance(self.stdout, RedactingStream):
            self.stdout = RedactingStream(self.stdout)  # type: ignore[assignment]
        if not isinstance(self.stderr, RedactingStream):
            self.stderr = RedactingStream(self.stderr)  # type: ignore[assignment]

    @property
    def json_output(self) -> bool:
        return self.settings.format == "json"

    @property
    def stdin_isatty(self) -> bool:
        return _isatty(self.stdin)

    @property
    def stderr_isatty(self) -> bool:
        return _isatty(self.stderr)

    @property
    def can_prompt(self) -> bool:
        """Never prompt when stdin is not a terminal (cron, pipes, CI)."""
        return self.stdin_isatty and not self.json_output

    @property
    def show_progress(self) -> bool:
        return self.stderr_isatty and not self.settings.quiet and not self.json_output

    def _color_off(self) -> bool:
        return bool(self.settings.no_color) or self.environ.get("TERM") == "dumb"

    @property
    def out(self) -> Console:
        """Console for results on stdout (human format only)."""
        if "out" not in self._cache:
            from rich.console import Console

            self._cache["out"] = Console(
                file=self.stdout, no_color=self._color_off() or None, highlight=False, soft_wrap=False
            )
        return self._cache["out"]

    @property
    def err(self) -> Console:
        """Console for messages and progress on stderr."""
        if "err" not in self._cache:
            from rich.console import Console

            self._cache["err"] = Console(file=self.stderr, no_color=self._color_off() or None, highlight=False)
        return self._cache["err"]

    def services(self) -> Services:
        """The clients for this run (real company or in-process sandbox), built on first use."""
        if "services" not in self._cache:
            from qbsync.services import build_services

            self._cache["services"] = build_services(self)
        services: Services = self._cache["services"]
        return services
