"""Every command's default view, rendered at 60, 80 and 120 columns, never breaks inside a word, a date, a
code, a record number or a command, and never cuts one off with an ellipsis.

Each command runs once against the demo; its human view is then rendered at each width from the same data.
A word is broken when a piece of it ends (or starts) a line or a cell: such edge pieces must all be whole
words of the same view rendered 1,000 columns wide.
"""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from clihelp import run_cli

WIDTHS = (60, 80, 120)
COMMANDS = [
    "diagnose",
    "diagnose --step 2",
    "diagnose --details",
    "status",
    "check",
    "trace INV-1238",
    "trace INV-1245",
    'trace --customer "Front Range Electric"',
    "retry --all-safe --dry-run",
    "explain 6240",
    "explain P5",
    "config",
    "sandbox scenarios",
]
_CELL = re.compile(r"[│┃║|]|\s{2,}")
_BOX = str.maketrans("", "", "╭╮╰╯─━┏┓┗┛┡┩└┘├┤┼╇╋┳┻┃│═║╞╡")


def _capture(args: str, monkeypatch: pytest.MonkeyPatch):
    import qbsync.render.output as output

    seen = {}
    original = output.emit

    def capture(env, outcome, human=None):
        seen["human"], seen["data"] = human, outcome.data
        original(env, outcome, human)

    monkeypatch.setattr(output, "emit", capture)
    result = run_cli(f"--demo {args}")
    assert result.exit_code in (0, 1, 2), result.stderr
    return seen["human"], seen["data"]


def _render(human, data, width: int) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True, highlight=False, soft_wrap=False, height=10_000)
    human(console, data)
    return buffer.getvalue()


def _words(text: str) -> set[str]:
    return {_norm(w) for w in text.translate(_BOX).split()}


def _norm(word: str) -> str:
    # A narrow view may list "header: value" where the wide one has a column header: the colon is layout.
    return word.rstrip(":")


def _unavoidable(piece: str, whole: set[str], width: int) -> bool:
    """Only a word longer than the line (a long file path) may be folded: there is no other way to show it."""
    return any(len(w) > width - 8 and piece.strip("…") in w for w in whole)


def _edges(text: str) -> list[tuple[str, str]]:
    """(piece, line) for the first and last word of every cell of every line."""
    out = []
    for line in text.splitlines():
        for cell in _CELL.split(line.translate(str.maketrans("", "", "╭╮╰╯─━┏┓┗┛┡┩└┘├┤┼╇╋┳┻═╞╡"))):
            words = cell.split()
            if words:
                out += [(words[0], line), (words[-1], line)]
    return out


@pytest.mark.parametrize("args", COMMANDS)
def test_no_word_is_broken_at_60_80_120(args: str, monkeypatch: pytest.MonkeyPatch) -> None:
    human, data = _capture(args, monkeypatch)
    whole = _words(_render(human, data, 1000))
    for width in WIDTHS:
        text = _render(human, data, width)
        assert "…" not in text or "…" in "".join(whole), f"{args} at {width}: something was cut off"
        broken = [
            (piece, line)
            for piece, line in _edges(text)
            if _norm(piece) not in whole and not _unavoidable(piece, whole, width)
        ]
        assert not broken, f"{args} at {width} columns breaks inside a word: {broken[:5]}"
        lines = text.splitlines()
        if args == "check":  # the Nagios status line stays one line: monitoring reads perfdata after its "|"
            lines = lines[1:]
        assert max(len(line.rstrip()) for line in lines) <= width


def test_demo_diagnose_fits_one_80x24_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    human, data = _capture("diagnose", monkeypatch)
    text = _render(human, data, 80)
    assert len(text.splitlines()) <= 23, text  # 24 rows, one left for the prompt
    assert "\n    qbsync retry --pattern P5\n" in text  # the first command, whole, on its own line
