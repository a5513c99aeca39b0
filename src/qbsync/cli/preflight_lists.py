"""qbsync preflight --lists: Suprata's lists against QuickBooks' before the first sync (read-only)."""

from __future__ import annotations

import typer


def run_lists(ctx: typer.Context, details: bool, export: str | None, others: list[str]) -> None:
    """``others``: the record filters given with --lists, which it refuses (it looks at whole lists)."""
    from qbsync.cli._runtime import env_of, finish
    from qbsync.errors import UsageError
    from qbsync.lineup.core import line_up, lists_exit_code
    from qbsync.render.lists_view import export_lists, render_lists
    from qbsync.render.progress import working
    from qbsync.result import Outcome

    if others:
        raise UsageError(
            f"--lists compares whole lists; it takes no {' or '.join(others)}",
            hint="qbsync preflight --lists   or   qbsync preflight --unsynced",
        )
    env = env_of(ctx)
    if env.settings.format == "csv":
        raise UsageError(
            "preflight --lists writes three CSV files (items, customers, tax): give a folder",
            hint="qbsync preflight --lists --export lists/",
        )
    if export == "-":
        raise UsageError("--lists --export takes a folder, not -", hint="qbsync preflight --lists --export lists/")
    with working(env, "Reading both lists: Suprata and QuickBooks"):
        report = line_up(env.services())
    if export:
        report.exported = export_lists(report, export)
    finish(env, Outcome("preflight", lists_exit_code(report), report), lambda c, r: render_lists(c, r, details))
