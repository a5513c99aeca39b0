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
    "trace INV-1293",
    "trace PMT-2213",
    "trace INV-1001",
    "trace --customer C-1004",
    'trace --customer "Front Range Electric"',
    "trace INV-1238 --details",
    'trace --customer "Front Range Electric" --details',
    "retry --all-safe --dry-run",
    "preflight",
    "preflight --details",
    "--scenario year-end-batch preflight",
    "--scenario first-sync preflight --lists",
    "--scenario first-sync preflight --lists --details",
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


TRACES = [
    "INV-1238",
    "INV-1245",
    "INV-1293",
    "INV-1170",
    "PMT-2213",
    '--customer "Front Range Electric"',
    "--customer C-1004",
]


@pytest.mark.parametrize("args", TRACES)
def test_demo_trace_fits_one_80x24_screen(args: str, monkeypatch: pytest.MonkeyPatch) -> None:
    human, data = _capture(f"trace {args}", monkeypatch)
    text = _render(human, data, 80)
    assert len(text.splitlines()) <= 23, text  # 24 rows, one left for the prompt
    assert "\nThe two sides differ.\n" in text
    rerun = f"--customer {data.number}" if args.startswith("--customer") else args
    assert f"\n    qbsync trace {rerun} --details\n" in text  # the way to the rest, whole, on its own line
    assert "Timeline" not in text and "(s)" not in text


def test_trace_next_step_command_is_on_its_own_line(monkeypatch: pytest.MonkeyPatch) -> None:
    human, data = _capture("trace INV-1238", monkeypatch)
    text = _render(human, data, 80)
    assert "Next step, for your bookkeeper:" in text
    assert "\n    qbsync trace INV-1238\n" in text  # the step's own command, split from its words
    assert "invoice 227 (same number) · open · $201.96, balance $201.96" in text  # the other side's key facts


def test_customer_trace_says_a_shared_cause_once(monkeypatch: pytest.MonkeyPatch) -> None:
    human, data = _capture('trace --customer "Front Range Electric"', monkeypatch)
    for text in (_render(human, data, 80), _render_details(data)):
        flat = " ".join(text.translate(_BOX).split())
        assert flat.count("cannot be created: a QuickBooks vendor already uses the name") == 1, text
        assert "INV-1170, INV-1233, INV-1285, PMT-2147 ($465.50)" in flat
        assert "QuickBooks -" not in flat  # the Balance header names the QuickBooks customer, or that there is none


def _render_details(data) -> str:
    from qbsync.render.trace_view import render_trace

    buffer = io.StringIO()
    render_trace(Console(file=buffer, width=80, no_color=True, highlight=False, height=10_000), data, details=True)
    return buffer.getvalue()


def test_an_agreeing_trace_says_so_once_and_a_fragment_step_reads_as_a_sentence(monkeypatch) -> None:
    human, data = _capture("trace INV-1001", monkeypatch)
    text = _render(human, data, 80)
    assert text.count("agree") == 1 and len(text.splitlines()) <= 12, text
    human, data = _capture("trace --customer C-1004", monkeypatch)
    text = _render(human, data, 80)
    # The shared fix "re-create it ... (qbsync trace INV-1250)": a sentence, its command on its own line.
    assert "\n  Re-create it by hand in QuickBooks and link it:" in text
    assert "\n    qbsync trace INV-1250\n" in text
