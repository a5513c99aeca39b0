"""Placeholder for commands whose core has not landed yet: one honest line, exit 3."""

from __future__ import annotations

from qbsync.errors import QbsyncError


def not_yet(command: str, issue: str) -> QbsyncError:
    return QbsyncError(
        f"'qbsync {command}' is not available in this build yet ({issue})",
        hint="run 'qbsync diagnose' for the triage plan",
        code="not_available",
    )
