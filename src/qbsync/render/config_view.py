"""Human views for ``qbsync config``."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from qbsync.render.layout import FitTable


def render_settings(console: Console, data: Any) -> None:
    console.print(f"Profile [bold]{data.profile}[/]   config file: {data.config_file}")
    if data.profiles:
        console.print(f"Profiles in the file: {', '.join(data.profiles)}")
    table = FitTable(show_edge=False, header_style="bold")
    table.add_column("setting")
    table.add_column("value", overflow="fold")
    table.add_column("from", style="dim")
    for row in data.settings:
        table.add_row(row.name, "" if row.value is None else str(row.value), row.source)
    console.print(table)


def render_set(console: Console, data: Any) -> None:
    value = str(data.value).lower() if isinstance(data.value, bool) else data.value
    console.print(f"Set {data.section}.{data.name} = {value} in {data.config_file}", soft_wrap=False)


def render_paths(console: Console, data: Any) -> None:
    console.print(f"config file: {data['config_file']}\ndata:        {data['data_dir']}")
