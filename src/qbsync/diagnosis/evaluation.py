"""The labelled corpus of real QuickBooks error texts, and an honest measure of the classifier on it.

Honest means split by source, not by row: rows from one help centre or one repository share wording, so a
row-level split would let the classifier be tested on near-copies of what it was tuned on. Every source
belongs to a family (a repository, or a web site), and whole families are held out for validation by a
fixed rule that was chosen before the rules were written and does not look at the texts:
a family is held out when ``sha256(family) mod 10 < 3``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlparse

from qbsync.diagnosis.classifier import CONFIDENT, Facts, classify, signal_from_fields

HOLDOUT_MODULUS = 10
HOLDOUT_BELOW = 3  # families whose hash mod 10 falls below this are validation: about 30% of them

# Sites that host many vendors' help centres under one host: the first path segment names the vendor.
_SHARED_HOSTS = frozenset({"intercom.help", "gist.github.com"})
# Help-desk services that give each vendor a subdomain: the whole host names the vendor.
_VENDOR_SUBDOMAIN_SERVICES = ("zendesk.com", "freshdesk.com", "uservoice.com", "knowledgeowl.com", "helpjuice.com")
_REPO_RE = re.compile(r"^(?:JAVA\s+|[A-Z]+\s+)?([\w.-]+/[\w.-]+):")


def source_family(source: str) -> str:
    """The family a source belongs to: ``owner/repo`` for GitHub, the site (registrable domain) otherwise."""
    s = source.strip()
    m = _REPO_RE.match(s)
    if m:
        return m.group(1).lower()
    url = s.split()[0]
    parsed = urlparse(url if "://" in url else f"https://{url}")
    host = (parsed.hostname or s).lower()
    parts = [p for p in parsed.path.split("/") if p]
    if host == "github.com" and len(parts) >= 2:
        return f"{parts[0]}/{parts[1]}".lower()
    if host in _SHARED_HOSTS and parts:
        return f"{host}/{parts[0]}".lower()
    if host.endswith(_VENDOR_SUBDOMAIN_SERVICES):
        return host
    labels = host.split(".")
    return ".".join(labels[-2:]) if len(labels) >= 2 else host


def is_validation(source: str) -> bool:
    digest = hashlib.sha256(source_family(source).encode("utf-8")).hexdigest()
    return int(digest, 16) % HOLDOUT_MODULUS < HOLDOUT_BELOW


@dataclass
class Tally:
    total: int = 0
    correct: int = 0
    confidently_wrong: int = 0
    predicted: int = 0  # rows the classifier gave this label (for precision)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    recall = accuracy

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0


@dataclass
class LabelledReport:
    total: int = 0
    correct: int = 0
    confidently_wrong: int = 0
    per_pattern: dict[str, Tally] = field(default_factory=dict)
    misses: list[dict[str, Any]] = field(
        default_factory=list
    )  # {"line", "expected", "got", "confidence", "reason", "source"}
    confusions: dict[tuple[str, str], int] = field(default_factory=dict)  # (expected, got) -> rows

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def evaluate_labelled(lines: Iterable[str], split: str = "all") -> LabelledReport:
    """Classify every labelled line (without facts unless the line carries them) and tally the outcome.

    ``split``: ``all``, ``validation`` (held-out families only) or ``train`` (the rest).
    """
    report = LabelledReport()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        record = json.loads(line)
        held_out = is_validation(record.get("source", ""))
        if (split == "validation" and not held_out) or (split == "train" and held_out):
            continue
        expected = record["pattern"]
        got = classify(signal_from_fields(record), _facts(record.get("facts")))
        right = got.pattern == expected
        wrong_and_sure = not right and got.confidence >= CONFIDENT
        tally = report.per_pattern.setdefault(expected, Tally())
        report.per_pattern.setdefault(got.pattern, Tally()).predicted += 1
        for t in (tally, report):
            t.total += 1
            t.correct += right
            t.confidently_wrong += wrong_and_sure
        if not right:
            key = (expected, got.pattern)
            report.confusions[key] = report.confusions.get(key, 0) + 1
            report.misses.append(
                {
                    "line": n,
                    "expected": expected,
                    "got": got.pattern,
                    "confidence": got.confidence,
                    "reason": got.reason,
                    "source": record.get("source"),
                }
            )
    return report


def _facts(data: dict[str, Any] | None) -> Facts | None:
    if not data:
        return None
    values = dict(data)
    for key in ("book_close_date", "record_txn_date"):
        if isinstance(values.get(key), str):
            values[key] = date.fromisoformat(values[key])
    for key in ("failing_since", "now"):
        if isinstance(values.get(key), str):
            values[key] = datetime.fromisoformat(values[key])
    return Facts(**values)
