"""Regenerate docs/patterns.md from the pattern table (and the classifier's accuracy on the labelled set).

Run: .venv/bin/python scripts/gen_patterns_doc.py
"""

from __future__ import annotations

from pathlib import Path

from qbsync.diagnosis.patterns_doc import render_patterns_markdown

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "patterns.md"
LABELLED = REPO / "tests" / "data" / "qbo_errors_labelled.jsonl"  # the corpus is test data, not the product's


def main() -> None:
    DOC.write_text(render_patterns_markdown(LABELLED), encoding="utf-8")


if __name__ == "__main__":
    main()
