"""qbsync explain: what a pasted QuickBooks error means and how to fix it."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from qbsync.cli._help import command_help


def register(app: typer.Typer) -> None:
    app.command(
        "explain",
        **command_help(
            "Explain an error pasted from Suprata or anywhere else: the pattern, why, and the fix steps.",
            "qbsync explain 6240",
            'qbsync explain "Duplicate Name Exists Error: The name supplied already exists" --entity Customer',
            "qbsync explain P1",
            "qbsync explain --jsonl errors.jsonl",
            more="--jsonl reads and writes JSON Lines: one JSON object per line, no envelope.",
        ),
    )(explain)


def explain(
    ctx: typer.Context,
    text: Annotated[str | None, typer.Argument(help="The error text, JSON or XML as you have it.")] = None,
    code: Annotated[str | None, typer.Option("--code", help="QuickBooks error code, e.g. 6240.")] = None,
    http_status: Annotated[int | None, typer.Option("--status", help="HTTP status, e.g. 400.")] = None,
    entity: Annotated[
        str | None, typer.Option("--entity", help="Record type: Customer, Item, Invoice, Payment.")
    ] = None,
    jsonl: Annotated[
        str | None, typer.Option("--jsonl", metavar="FILE|-", help="One JSON error per line in, one out.")
    ] = None,
) -> None:
    from qbsync.cli._runtime import env_of, finish
    from qbsync.diagnosis.explain import explain_pattern, explain_text
    from qbsync.errors import UsageError
    from qbsync.exit_codes import ExitCode
    from qbsync.render.explain_view import render_explanation, write_jsonl
    from qbsync.result import Outcome

    env = env_of(ctx)
    if jsonl is not None:
        if text is not None:
            raise UsageError("give either TEXT or --jsonl, not both", hint="qbsync explain --jsonl errors.jsonl")
        write_jsonl(env, _open_lines(env, jsonl))
        raise typer.Exit(0)
    if text is None or text == "-":
        if env.stdin_isatty:
            raise UsageError(
                "no error text given", hint='qbsync explain "Duplicate Name Exists Error: ..." (or pipe it in)'
            )
        text = env.stdin.read()
    if not text.strip() and code is None:
        raise UsageError("the error text is empty", hint="paste the error exactly as Suprata shows it")
    if code is None and re.fullmatch(r"[Pp][1-7]", text.strip()):  # `qbsync explain P1`: the pattern itself
        finish(env, Outcome("explain", ExitCode.OK, explain_pattern(text.strip().upper())), render_explanation)
    if code is None and text.strip().isdigit():  # `qbsync explain 6210`: a bare code, as people type it
        code = text.strip()
    explanation = explain_text(text, code=code, status=http_status, entity=entity)
    finish(env, Outcome("explain", ExitCode.OK, explanation), render_explanation)


def _open_lines(env, source: str):  # -> Iterable[str]
    from pathlib import Path

    from qbsync.errors import UsageError

    if source == "-":
        raw = getattr(env.stdin, "buffer", None)
        return _lines(raw) if raw is not None else env.stdin
    path = Path(source).expanduser()
    try:
        return _lines(path.open("rb"))
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}", hint="give a readable file, or - for stdin") from None


def _lines(handle):  # -> Iterator[str]
    """Lines split on \\n only, as ``wc -l`` counts them: a bare CR or binary garbage inside a line must not
    shift the line numbers of the answers against the input."""
    with handle:
        for raw in handle:
            yield raw.decode("utf-8", errors="replace").rstrip("\r\n")
