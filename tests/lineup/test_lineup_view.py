"""preflight --lists on screen (one screen at 80 columns) and as the bookkeeper's CSV files."""

from __future__ import annotations

import csv
import io

import pytest
from rich.console import Console

from qbsync.lineup.core import line_up
from qbsync.render.lists_view import FILES, export_lists, render_lists
from qbsync.sandbox import first_sync_builder as fs
from qbsync.sandbox.app import build_sandbox
from qbsync.services import services_for_sandbox


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    sandbox = build_sandbox(fs.NAME)
    return line_up(services_for_sandbox(sandbox, tmp_path_factory.mktemp("qbsync")))


def _screen(report, **kw) -> list[str]:
    out = io.StringIO()
    render_lists(Console(file=out, width=80, color_system=None, force_terminal=False), report, **kw)
    return out.getvalue().splitlines()


def test_the_compact_screen_fits_one_terminal(report):
    lines = _screen(report)
    assert len(lines) <= 24 and max(len(line.rstrip()) for line in lines) <= 80
    text = "\n".join(lines)
    assert "Will fail on the first sync (10 records)" in text
    assert "and 7 more" in text  # the first three, then a count
    assert "Parts & materials in WY  not mapped: 7 of 8 invoices will fail" in text and "NE  never set up" in text
    assert "qbsync preflight --lists --export lists/" in text
    assert "1 QuickBooks request" in text


def test_details_show_every_row_with_its_steps(report):
    text = "\n".join(_screen(report, details=True))
    for number in ("C-1001", "C-1003", "C-1004", "C-1007", "C-1008", "SVC-CALL", "SVC-FURN", "PRT-PRV", "SVC-EMER"):
        assert number in text, number
    assert "- Rename the QuickBooks employee 'Tyler Brandt'" in text
    assert "and 7 more" not in text


def test_csv_files_hold_every_row_for_the_bookkeeper(report, tmp_path):
    written = export_lists(report, str(tmp_path / "lists"))
    assert sorted(p.rsplit("/", 1)[-1] for p in written) == sorted(FILES.values())
    items_file = tmp_path / "lists" / "items.csv"
    assert items_file.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
    items = list(csv.DictReader(items_file.read_text(encoding="utf-8-sig").splitlines()))
    assert len(items) == len(report.items)
    furnace = next(r for r in items if r["suprata_number"] == "SVC-FURN")
    assert furnace["bucket"] == "same_name" and furnace["differs_by"] == "case" and furnace["will_fail"] == "yes"
    assert furnace["quickbooks_name"] == "FURNACE TUNE-UP" and furnace["fix"].startswith("Link Suprata's item")
    customers = list(
        csv.DictReader((tmp_path / "lists" / "customers.csv").read_text(encoding="utf-8-sig").splitlines())
    )
    assert {r["suprata_number"] for r in customers} == {c.number for c in report.customers}
    tax = list(csv.DictReader((tmp_path / "lists" / "tax.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert {(r["state"], r["status"]) for r in tax} == {("CO", "mapped"), ("WY", "unmapped"), ("NE", "not_set_up")}
