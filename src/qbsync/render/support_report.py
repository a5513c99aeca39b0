"""The redacted Markdown report a user hands to support: what failed, what qbsync concluded, QuickBooks' own words.

Never contains tokens, keys or codes: every text from QuickBooks goes through the redaction helper, and the
realm id is shortened.
"""

from __future__ import annotations

from pathlib import Path

from qbsync import __version__
from qbsync.clients.redact import redact_text
from qbsync.diagnosis.report import DiagnosisReport, RootCause
from qbsync.errors import UsageError
from qbsync.fileio import write_report_file


def write_support_report(path: str, report: DiagnosisReport) -> Path:
    target = Path(path).expanduser()
    text = redact_text(support_markdown(report))
    try:
        target = write_report_file(target, text)
    except OSError as exc:
        raise UsageError(
            f"cannot write the report to {target}: {exc.strerror}", hint="choose a writable path"
        ) from None
    return target


def support_markdown(report: DiagnosisReport) -> str:
    s = report.summary
    realm = f"…{report.realm_id[-4:]}" if report.realm_id else "?"
    lines = [
        "# QuickBooks sync report",
        "",
        f"- Company: {report.company or '?'} (QuickBooks company {realm})",
        f"- Generated: {report.generated_at:%Y-%m-%d %H:%M} UTC by qbsync {__version__}",
        f"- Failed records: {s.failures}; blocked in all: {s.blocked_records}; root causes: {s.root_causes}",
        f"- Books closed through: {report.books_closed_through or 'not closed'}",
    ]
    for c in report.connections:
        lines.append(
            f"- {c.who} connection to QuickBooks: {c.status}"
            + (f", refresh token {c.days_left} days left" if c.days_left is not None else "")
        )
    if s.all_failing_since:
        lines.append(f"- Every push has failed since {s.all_failing_since:%Y-%m-%d %H:%M} UTC")
    lines += ["", "## Plan", "", "| step | pattern | what | blocks | fixed by |", "|---|---|---|---|---|"]
    for c in report.root_causes:
        blocks = ", ".join(f"{n} {k}" for k, n in c.blocks.items())
        lines.append(f"| {c.step} | {c.pattern} | {_cell(c.title)} | {blocks} | {c.fix_by} |")
    for c in report.root_causes:
        lines += _cause_section(c)
    return "\n".join(lines) + "\n"


def _cause_section(c: RootCause) -> list[str]:
    lines = ["", f"## Step {c.step}: {c.pattern} {c.pattern_name}", "", c.title, ""]
    lines += [f"- {e.source}: {e.summary}" for e in c.evidence]
    lines += ["", "Steps:", *(f"{i}. {step}" for i, step in enumerate(c.steps, 1))]
    lines += ["", "| record | date | attempts | QuickBooks code | intuit_tid |", "|---|---|---|---|---|"]
    for r in c.records[:50]:
        lines.append(
            f"| {r.record_type} {r.number or r.record_id} | {r.txn_date or ''} | {r.attempts} | "
            f"{r.error_code or ''} | {r.intuit_tid or ''} |"
        )
    raw = [r for r in c.records if r.raw_error]
    for r in raw[:3]:
        lines += ["", f"QuickBooks' response for {r.number or r.record_id}:", "", "```", r.raw_error or "", "```"]
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
