"""``qbsync diagnose --export FILE.csv``: every held-up record, one row each, for a spreadsheet.

Dates and times are written in the company's zone (a bookkeeper reads them); the cause columns repeat on
every row so the sheet can be filtered and sorted without losing what a record belongs to.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TextIO

from qbsync.diagnosis.report import DiagnosisReport
from qbsync.render.words import Clockface, who

COLUMNS = (
    "step",
    "pattern",
    "cause",
    "who",
    "next",
    "record_type",
    "number",
    "customer",
    "date",
    "amount",
    "state",
    "attempts",
    "first_failed",
    "last_failed",
    "quickbooks_code",
    "quickbooks_said",
)


def write_csv(report: DiagnosisReport, out: TextIO) -> int:
    clock = Clockface(report.timezone)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = 0
    for c in report.root_causes:
        for r in c.records:
            writer.writerow(
                (
                    c.step,
                    c.pattern,
                    c.title,
                    who(c.fix_by),
                    c.next_command or "",
                    r.record_type,
                    r.number or r.record_id,
                    r.customer or "",
                    r.txn_date.isoformat() if r.txn_date else "",
                    f"{r.amount:.2f}" if r.amount is not None else "",
                    r.state,
                    r.attempts,
                    clock.when(r.first_failed_at) if r.first_failed_at else "",
                    clock.when(r.last_failed_at) if r.last_failed_at else "",
                    r.error_code or "",
                    r.error or "",
                )
            )
            rows += 1
    return rows


def export_csv(report: DiagnosisReport, path: str, stdout: TextIO) -> int:
    """Write the CSV to ``path`` (``-`` is stdout); returns how many records it holds."""
    if path == "-":
        rows = write_csv(report, stdout)
        stdout.flush()  # the command exits right after; an embedding caller reads the stream as it is
        return rows
    buffer = io.StringIO()
    rows = write_csv(report, buffer)
    # utf-8-sig: Excel opens a UTF-8 file with a BOM in the right encoding ("Plumbing & Heating", "Müller").
    Path(path).expanduser().write_text(buffer.getvalue(), encoding="utf-8-sig")
    return rows
