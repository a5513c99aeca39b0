"""Regenerate docs/patterns.md from the pattern table (and the classifier's accuracy on the labelled set).

Run: .venv/bin/python scripts/gen_patterns_doc.py
"""

from __future__ import annotations

from pathlib import Path

from qbsync.diagnosis.patterns import render_patterns_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "patterns.md"


def main() -> None:
    DOC.write_text(render_patterns_markdown(), encoding="utf-8")


if __name__ == "__main__":
    main()
