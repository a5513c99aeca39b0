"""Layout helpers every terminal view shares: text that wraps only between words, commands on their own line,
short record lists, and a pager for long detail on a terminal.

Rich wraps a paragraph at spaces and breaks a word only when it is longer than the line. The words that broke
before ("2026-11-1 / 8", "McAlliste / r") came from narrow table columns, so views here use paragraphs with a
hanging indent (a two-column grid whose first column never wraps) and tables only where every column but the
last is short and whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.markup import escape
from rich.table import Table
from rich.text import Text

# A run of record numbers ("INV-1, INV-2, ...") long enough to be worth shortening for a person.
_NUMBER = r"[A-Z]{1,4}-\d+|[a-z]{2,4}_\w+"
_LIST = re.compile(rf"(?:(?:{_NUMBER}), ){{5,}}(?:{_NUMBER})")
FIRST_FEW = 3


def hanging(label: str, text: str | Text, *, label_style: str = "bold") -> Table:
    """``label`` then ``text``; wrapped lines of the text stay under the text, never under the label."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, style=label_style)
    grid.add_column()
    grid.add_row(label, text)
    return grid


def rows(items: Iterable[tuple[str, str | Text]], *, label_style: str = "bold", indent: int = 0) -> Table:
    """Several hanging rows sharing one label column (numbered steps, evidence marks)."""
    grid = Table.grid(padding=(0, 1))
    if indent:
        grid.add_column(width=indent - 1 if indent > 1 else 0, no_wrap=True)
    grid.add_column(no_wrap=True, style=label_style, justify="right")
    grid.add_column()
    for label, text in items:
        grid.add_row(*([""] if indent else []), label, text)
    return grid


def command(cmd: str, *, indent: int = 4) -> Text:
    """A command on its own line, whole, so it can be copied (never wrapped: it is short by design)."""
    return Text(" " * indent + cmd, style="bold", no_wrap=True, overflow="ignore")


def split_command(step: str) -> tuple[str, str | None]:
    """A step that ends with a qbsync command ("..., then run: qbsync trace INV-1") -> (words, command)."""
    m = re.search(
        r"(?:[:,]\s*|\s+)\(?(?:run\s*:?\s*|with\s+)?[`']?"
        r"(qbsync (?:status|diagnose|trace|retry|reconnect|explain|check|config|sandbox)\b[^`']*?)[`']?\s*[.)]?\s*$",
        step,
    )
    if not m:
        return step, None
    words = step[: m.start()].rstrip(" ,:;")
    return (words + ":" if words and not words.endswith(":") else words), m.group(1).strip()


def short_lists(text: str, *, first: int = FIRST_FEW) -> str:
    """``INV-1, INV-2, … INV-900`` -> ``INV-1, INV-2, INV-3 and 897 more``: a person reads the first few."""

    def shorten(m: re.Match[str]) -> str:
        items = m.group(0).split(", ")
        return ", ".join(items[:first]) + f" and {len(items) - first:,} more"

    return _LIST.sub(shorten, text)


def steps_with_commands(steps: Iterable[str]) -> list[RenderableType]:
    """Numbered steps; a command a step names goes on its own line under it."""
    out: list[RenderableType] = []
    for i, step in enumerate(steps, 1):
        words, cmd = split_command(step)
        out.append(rows([(f"{i}.", escape(words))], indent=2))
        if cmd:
            out.append(command(cmd, indent=6))
    return out


def lines_of(console: Console, renderables: list[Any]) -> int:
    with console.capture() as capture:
        for r in renderables:
            console.print(r)
    return capture.get().count("\n")


def show(console: Console, renderables: list[Any], *, page: bool) -> None:
    """Print, or page on a terminal when it is taller than the screen (``less -R`` keeps the colour)."""
    if page and console.is_terminal and lines_of(console, renderables) > console.height - 1:
        with console.pager(styles=True):
            for r in renderables:
                console.print(r)
        return
    for r in renderables:
        console.print(r)


class FitTable(Table):
    """A table that, when its columns cannot fit the terminal without breaking a word, becomes a list.

    Each row is then its first cell in bold and the other cells under it, one per line, each after its
    column's header. Rich's measurement gives the narrowest width the table can take with every word whole
    (the longest word of each column, plus padding and borders); below that it would fold words in two.
    """

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not self.columns:
            yield from super().__rich_console__(console, options)
            return
        wide = options.update_width(10_000)
        measures = [self._measure_column(console, wide, column) for column in self.columns]
        maxs = [max(m.maximum, m.minimum) for m in measures]
        # A column that must not wrap (a time, a code) needs its full width.
        mins = [hi if c.no_wrap else m.minimum for c, m, hi in zip(self.columns, measures, maxs, strict=True)]
        room = options.max_width - self._extra_width
        if sum(mins) > room:
            yield from self._as_list()
            return
        # Rich shrinks the widest column first, below its longest word if need be; fixing each column's width
        # here (its longest word, plus a share of the spare room) keeps every word whole.
        spare, grow = room - sum(mins), [hi - lo for lo, hi in zip(mins, maxs, strict=True)]
        share = [lo + spare * g // max(1, sum(grow)) for lo, g in zip(mins, grow, strict=True)]
        widths = list(maxs) if sum(grow) <= spare else share
        if self.expand:  # fill the line: the widest column that may wrap takes what is left
            flexible = [i for i, c in enumerate(self.columns) if not c.no_wrap] or [len(widths) - 1]
            widths[max(flexible, key=lambda i: widths[i])] += room - sum(widths)
            self.expand = False  # the widths are final; Rich's own expansion would shift them again
        for index, (column, width) in enumerate(zip(self.columns, widths, strict=True)):
            column.width = max(1, width - self._get_padding_width(index))
        yield from super().__rich_console__(console, options)

    def _as_list(self) -> Iterator[RenderableType]:
        if self.title:
            yield Text.from_markup(self.title, style="bold") if isinstance(self.title, str) else self.title
        headers = [c.header if isinstance(c.header, str | Text) else "" for c in self.columns]
        for index in range(self.row_count):
            cells = [list(c.cells)[index] if index < len(list(c.cells)) else "" for c in self.columns]
            first = next((i for i, cell in enumerate(cells) if _plain(cell)), 0)
            head = cells[first]
            yield Text.from_markup(head, style="bold") if isinstance(head, str) else head
            grid = Table.grid(padding=(0, 1))
            grid.add_column(width=1)
            grid.add_column(style="dim")
            grid.add_column()
            for i, cell in enumerate(cells):
                if i == first or not _plain(cell):
                    continue
                label = _plain(headers[i]).replace("\n", " ").strip()
                grid.add_row("", f"{escape(label)}:" if label else "", cell)
            if grid.row_count:
                yield grid


def _plain(value: Any) -> str:
    if isinstance(value, Text):
        return value.plain.strip()
    if isinstance(value, str):
        return Text.from_markup(value).plain.strip()
    return "?"
