"""The pattern table, as data: the one place that says what each sync failure looks like and what to do.

The classifier reads ``RULES``, ``qbsync explain`` and the planner read ``PATTERNS``, and
``docs/patterns.md`` is generated from both (``render_patterns_markdown``), so the three cannot drift.
Never suggest deleting anything in QuickBooks: transactions are voided, names are made inactive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

PatternId = Literal["P1", "P2", "P3", "P4", "P5", "P6", "P7", "unknown"]
FixBy = Literal["self", "bookkeeper", "support"]
RetrySafety = Literal["safe", "unsafe", "useless_until_fixed"]

TAX_ENTITIES = frozenset({"taxcode", "taxrate", "taxservice", "taxagency"})
NO_ENTITY = "none"  # what a rule lists to match a signal with no known entity at all


@dataclass(frozen=True)
class Pattern:
    id: PatternId
    name: str
    looks_like: str
    why: str
    steps: tuple[str, ...]
    fix_by: FixBy
    retry: RetrySafety
    plan_order: int
    warning: str | None = None

    @property
    def anchor(self) -> str:
        return _slug(f"{self.id} {self.name}")

    @property
    def docs(self) -> str:
        return f"docs/patterns.md#{self.anchor}"


@dataclass(frozen=True)
class Rule:
    """One classification rule. Every condition given must hold; an empty condition matches anything.

    Rules are tried in table order and the first match wins, so specific rules come before broad ones.
    """

    id: str
    pattern: PatternId
    says: str  # the reason, in plain words
    confidence: float
    codes: frozenset[str] = frozenset()
    statuses: frozenset[int] = frozenset()
    entities: frozenset[str] = frozenset()  # lower-case QBO entity of the failing request; NO_ENTITY for none
    kinds: frozenset[str] = frozenset()
    operations: frozenset[str] = frozenset()
    text: str | None = None  # regex over messages and details (or the raw text when nothing was parsed)
    field: str | None = None  # regex over the element QBO names, and the detail that often repeats it
    no_code: bool = False  # only for errors that carry no code
    candidates: tuple[PatternId, ...] = ()  # other patterns the same evidence can mean; facts decide
    needs: tuple[str, ...] = ()  # Facts fields that would confirm (or refute) it

    @property
    def text_re(self) -> re.Pattern[str] | None:
        return _compiled(self.text)

    @property
    def field_re(self) -> re.Pattern[str] | None:
        return _compiled(self.field)

    def conditions(self) -> str:
        """The rule's conditions in words, for the docs."""
        parts = []
        if self.codes:
            parts.append("code " + "/".join(sorted(self.codes, key=_code_key)))
        if self.statuses:
            parts.append("HTTP " + "/".join(str(s) for s in sorted(self.statuses)))
        if self.kinds:
            parts.append("error kind " + "/".join(sorted(self.kinds)))
        if self.operations:
            parts.append("operation " + "/".join(sorted(self.operations)))
        if self.entities:
            parts.append("entity " + "/".join(sorted(self.entities)))
        if self.field:
            parts.append(f"field `{self.field}`")
        if self.text:
            parts.append(f"text `{self.text}`")
        if self.no_code:
            parts.append("no code")
        return ", ".join(parts) or "anything"


_COMPILED: dict[str, re.Pattern[str]] = {}


def _compiled(rx: str | None) -> re.Pattern[str] | None:
    if rx is None:
        return None
    if rx not in _COMPILED:
        _COMPILED[rx] = re.compile(rx, re.IGNORECASE)
    return _COMPILED[rx]


def _code_key(code: str) -> tuple[int, str]:
    return (int(code), code) if code.isdigit() else (10**9, code)


def _slug(title: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^a-z0-9 -]", "", title.lower()).strip().replace(" ", "-")


# --- the seven patterns (and unknown) ------------------------------------------------------------------------

PATTERNS: dict[str, Pattern] = {
    p.id: p
    for p in (
        Pattern(
            id="P1",
            name="Customer not synced",
            looks_like="The customer's own push failed (6240 Duplicate Name Exists on a Customer, 2020/6080 "
            "missing details), or QuickBooks refuses an invoice or payment because its customer is inactive or "
            "missing (610/2500/6250 naming the customer). Every invoice and payment of that customer then fails.",
            why="QuickBooks needs a display name that no other customer, vendor or employee uses, and refuses "
            'transactions for a customer that was made inactive (QuickBooks\' "delete") or never created.',
            steps=(
                "Find the customer in QuickBooks, including inactive ones (Customers list, filter: All).",
                "If a customer, vendor or employee already uses the name: if it is the same customer, link it in "
                "Suprata; otherwise make the Suprata name distinct (add the town, say) and save.",
                "If the QuickBooks customer was made inactive, make it active again.",
                "If details are missing, complete the customer in Suprata.",
                "Retry the customer first, then its invoices, then its payments.",
            ),
            fix_by="self",
            retry="useless_until_fixed",
            plan_order=2,
        ),
        Pattern(
            id="P2",
            name="Item name collision",
            looks_like="Creating an item fails with 6240 Duplicate Name Exists on an Item, or invoices fail "
            "because the item they use is inactive or missing in QuickBooks (610/2500 naming the ItemRef).",
            why="A QuickBooks product or service with the same name exists but was never linked to the Suprata "
            "item, so Suprata tries to create a second one and QuickBooks refuses: item names are unique.",
            steps=(
                "Find the item with that name in QuickBooks (Products and services, including inactive ones).",
                "If it is the same product or service, link the Suprata item to it; otherwise rename the Suprata item.",
                "If the linked QuickBooks item was made inactive, make it active again.",
                "Retry the item, then the invoices that use it.",
            ),
            fix_by="self",
            retry="useless_until_fixed",
            plan_order=3,
        ),
        Pattern(
            id="P3",
            name="Closed period",
            looks_like='6210 "Account Period Closed, Cannot Update Through Services API" (6200 in older tables): '
            "the record is dated on or before the books-close date set in QuickBooks.",
            why="Your bookkeeper closed the books up to a date. QuickBooks refuses any change made through the API "
            "that is dated on or before it, so Suprata cannot add or change those records.",
            steps=(
                "Ask your bookkeeper before changing anything dated in a closed period.",
                "If the record belongs in that period: the bookkeeper reopens it (moves the close date back), "
                "you retry, and the bookkeeper closes it again.",
                "Only if the record truly belongs to the current period, correct its date in Suprata and retry.",
                "Or the bookkeeper enters it by hand in QuickBooks and you mark it synced in Suprata, so it is "
                "never pushed twice.",
            ),
            fix_by="self",
            retry="useless_until_fixed",
            plan_order=5,
            warning="Changing a closed period changes figures your bookkeeper may already have reported or filed.",
        ),
        Pattern(
            id="P4",
            name="Tax mismatch",
            looks_like="6100 Invalid Line TaxCode, 6000 business validation about tax (GST/HST or VAT rate missing, "
            "error while calculating tax, lines without a tax code), 610/2500 naming a tax code, or 6240 on a "
            "tax rate.",
            why="A Suprata tax category has no matching QuickBooks tax code for the state where the work was "
            "done, or it maps to a code that is inactive. US companies accept only TAX or NON on lines; "
            "Canadian and UK companies need a tax code on every line.",
            steps=(
                "Open Suprata's tax categories and check the mapping for the invoice's service state.",
                "Map it to an active QuickBooks tax code (reactivate or create the code in QuickBooks if needed).",
                "If you work in several states, check the mapping for each state.",
                "Retry the failed invoices.",
            ),
            fix_by="self",
            retry="useless_until_fixed",
            plan_order=4,
        ),
        Pattern(
            id="P5",
            name="Connection expired",
            looks_like="Every record fails: 401 AuthenticationFailed (3200), invalid_grant from Intuit's token "
            "service, 120 Authorization Failure, 403 (3100).",
            why="Suprata's permission to use your QuickBooks lapsed: it went unused for 100 days, someone "
            "disconnected or revoked it, or the person who connected it lost admin access.",
            steps=(
                "Sign in to QuickBooks as an admin user.",
                "In Suprata, disconnect QuickBooks and connect it again.",
                "Then retry the failed records in order: customers, items, invoices, payments.",
            ),
            fix_by="self",
            retry="useless_until_fixed",
            plan_order=1,
        ),
        Pattern(
            id="P6",
            name="Balance mismatch",
            looks_like='An invoice synced but its payment did not (610 "Another user has deleted this '
            'transaction"), a payment was entered directly in QuickBooks, or a retry after a timeout made a '
            "duplicate (6140 Duplicate Document Number).",
            why="When QuickBooks does not answer in time it may still have saved the record, and a retry then "
            "makes a second copy or collides on the number. A payment entered by hand in QuickBooks, or a "
            "transaction removed there, leaves the two sides disagreeing.",
            steps=(
                "Trace the record on both sides: qbsync trace INV-1042.",
                "If QuickBooks holds two copies, void the extra one (never delete it).",
                "If one side is missing, the bookkeeper creates it by hand and it is marked synced in Suprata.",
                "Do not retry until the trace shows exactly what QuickBooks holds.",
            ),
            fix_by="bookkeeper",
            retry="unsafe",
            plan_order=6,
        ),
        Pattern(
            id="P7",
            name="Temporarily unavailable",
            looks_like="429 ThrottleExceeded (3001, often an XML body), 503/502/504 pages, 500 with 10000 "
            "system failure, timeouts and failed connections.",
            why="QuickBooks is limiting how fast apps may call it (about 500 requests a minute per company) or is "
            "having an outage. Nothing is wrong with your data.",
            steps=(
                "Wait: Suprata and qbsync retry automatically, and throttling clears within a minute.",
                "If many records fail at once, check Intuit's status page.",
                "If it still fails after a day, escalate to Suprata support with the qbsync report.",
            ),
            fix_by="self",
            retry="safe",
            plan_order=7,
        ),
        Pattern(
            id="unknown",
            name="Unknown",
            looks_like="Anything else, for example 6190 (subscription ended), 2050 (text too long), 5010 (stale "
            "object), or evidence too thin to name a pattern.",
            why="qbsync does not recognise this as one of the seven known patterns, or cannot tell which one it "
            "is. Guessing would be worse than saying so.",
            steps=(
                "Do not retry over and over or change records in QuickBooks on a guess.",
                "Produce the redacted support report with qbsync (it never contains tokens or keys).",
                "Send it to Suprata support.",
            ),
            fix_by="support",
            retry="unsafe",
            plan_order=8,
        ),
    )
}


def get_pattern(pattern_id: str) -> Pattern:
    return PATTERNS.get(pattern_id, PATTERNS["unknown"])


def _r(id: str, pattern: PatternId, says: str, confidence: float, **conditions: object) -> Rule:
    for key in ("codes", "statuses", "entities", "kinds", "operations"):
        if key in conditions:
            conditions[key] = frozenset(conditions[key])  # type: ignore[arg-type]
    return Rule(id=id, pattern=pattern, says=says, confidence=confidence, **conditions)  # type: ignore[arg-type]


INACTIVE_REF = ("610", "2500")

# Ordered: first match wins.
RULES: tuple[Rule, ...] = (
    # Connection first: when permission has lapsed every other error is noise.
    _r(
        "P5.oauth-invalid-grant",
        "P5",
        "Intuit's sign-in service refused the saved connection (invalid_grant): "
        "the QuickBooks permission expired or was revoked.",
        0.95,
        codes={"invalid_grant"},
        needs=("connection_state",),
    ),
    _r(
        "P5.oauth-refused",
        "P5",
        "Intuit's sign-in service refused to renew the QuickBooks connection.",
        0.75,
        kinds={"oauth"},
        needs=("connection_state",),
    ),
    # Throttling before auth: before 2017 QuickBooks sent throttling as 403.
    _r("P7.throttle-code", "P7", "QuickBooks is throttling requests (3001 ThrottleExceeded).", 0.95, codes={"3001"}),
    _r("P7.throttle-status", "P7", "QuickBooks is throttling requests (HTTP 429).", 0.9, statuses={429}),
    _r(
        "P7.throttle-text",
        "P7",
        "QuickBooks says the request limit was reached.",
        0.85,
        text=r"throttle\s*exceeded|request limit was reached|too many requests",
    ),
    _r("P7.system-failure", "P7", "QuickBooks had an internal failure (10000).", 0.8, codes={"10000"}),
    _r("P7.proxy-timeout", "P7", "Intuit's gateway timed out waiting for QuickBooks (6002).", 0.85, codes={"6002"}),
    _r(
        "P7.gateway-server-error",
        "P7",
        "Intuit's gateway reported an internal server error.",
        0.8,
        text=r"InternalServerError|statusCode\s*=\s*5\d\d",
    ),
    _r(
        "P5.token-rejected-3200",
        "P5",
        "QuickBooks rejected Suprata's access (3200 AuthenticationFailed).",
        0.9,
        codes={"3200"},
        needs=("connection_state",),
    ),
    _r(
        "P5.authorization-failure-120",
        "P5",
        "QuickBooks says the connected user no longer has access (120 Authorization Failure).",
        0.85,
        codes={"120"},
        needs=("connection_state",),
    ),
    _r(
        "P5.authentication-error",
        "P5",
        "QuickBooks reported an authentication error.",
        0.75,
        codes={"100", "110"},
        needs=("connection_state",),
    ),
    _r(
        "P5.forbidden-3100",
        "P5",
        "QuickBooks refused the app's access to this company (3100).",
        0.75,
        codes={"3100"},
        needs=("connection_state",),
    ),
    _r(
        "P5.auth-text",
        "P5",
        "The error says authentication or authorisation failed.",
        0.75,
        text=r"authentication\s*failed|authorization\s*failed|token expired|access token .{0,30}(expired|revoked"
        r"|invalid)",
        needs=("connection_state",),
    ),
    # Closed books.
    _r(
        "P3.closed-period-code",
        "P3",
        "QuickBooks refuses changes dated in a closed accounting period (6210).",
        0.9,
        codes={"6210", "6200"},
        needs=("book_close_date", "record_txn_date"),
    ),
    _r(
        "P3.closed-period-text",
        "P3",
        "The error says the accounting period is closed.",
        0.8,
        text=r"account(ing)?\s+period\s+(has\s+)?closed|period\s+closed|books\s+(are\s+)?closed",
        needs=("book_close_date", "record_txn_date"),
    ),
    # Tax.
    _r(
        "P4.invalid-line-taxcode",
        "P4",
        "QuickBooks rejected the tax code on an invoice line (6100).",
        0.9,
        codes={"6100"},
        needs=("tax_code_state",),
    ),
    _r(
        "P4.invalid-taxcode-ref",
        "P4",
        "QuickBooks rejected the tax code or tax amount on the transaction.",
        0.75,
        codes={"6160", "6170", "6230", "2270", "2280"},
        needs=("tax_code_state",),
    ),
    _r(
        "P4.tax-validation",
        "P4",
        "QuickBooks' business validation failed on tax (no tax code or rate, or tax could not be calculated).",
        0.85,
        codes={"6000"},
        text=r"tax\s*(code|rate)|sales tax|calculating tax|\bGST\b|\bHST\b|\bVAT\b",
        needs=("tax_code_state",),
    ),
    _r(
        "P4.tax-text",
        "P4",
        "The error says a tax code or rate is missing or invalid.",
        0.75,
        no_code=True,
        text=r"GST/HST rate|VAT rate|calculating tax|tax code associated|line tax\s*code",
        needs=("tax_code_state",),
    ),
    _r(
        "P4.tax-name-duplicate",
        "P4",
        "A tax code or rate with that name already exists in QuickBooks.",
        0.85,
        codes={"6240"},
        entities=TAX_ENTITIES,
        needs=("tax_code_state",),
    ),
    _r(
        "P4.tax-rate-duplicate-text",
        "P4",
        "QuickBooks says another tax rate already uses that name.",
        0.8,
        codes={"6240"},
        text=r"tax\s+(rate|code|agency)",
        needs=("tax_code_state",),
    ),
    # Duplicate names: the entity of the failing request decides.
    _r(
        "P2.item-name-duplicate",
        "P2",
        "Creating the item failed: QuickBooks already has an item with that name "
        "that is not linked to the Suprata item.",
        0.85,
        codes={"6240"},
        entities={"item"},
        needs=("item_conflict",),
    ),
    _r(
        "P1.customer-name-duplicate",
        "P1",
        "Creating the customer failed: another customer, vendor or employee in QuickBooks already uses that name.",
        0.9,
        codes={"6240"},
        entities={"customer"},
        needs=("name_conflict_with",),
    ),
    _r(
        "P1.name-duplicate-text",
        "P1",
        "QuickBooks says another customer, vendor or employee already uses the name.",
        0.75,
        codes={"6240"},
        text=r"customer|vendor|employee",
        needs=("name_conflict_with",),
    ),
    _r(
        "P1.name-duplicate-unclear",
        "P1",
        "QuickBooks refused a duplicate name but does not say whose; most often it is the customer.",
        0.45,
        codes={"6240"},
        candidates=("P1", "P2", "P4"),
        needs=("name_conflict_with", "item_conflict"),
    ),
    # 610/2500: something referenced is gone or inactive. The detail, element and entity say what.
    _r(
        "P6.transaction-deleted",
        "P6",
        "QuickBooks says the transaction was deleted there, so Suprata's copy and QuickBooks disagree.",
        0.8,
        codes={"610"},
        text=r"deleted\s+this\s+transaction",
        needs=("linked_txn_deleted",),
    ),
    _r(
        "P1.inactive-customer-ref",
        "P1",
        "The customer this record uses is inactive or missing in QuickBooks.",
        0.8,
        codes={*INACTIVE_REF, "6250"},
        field=r"CustomerRef",
        needs=("customer_state",),
    ),
    _r(
        "P2.inactive-item-ref",
        "P2",
        "The item this invoice uses is inactive or missing in QuickBooks.",
        0.75,
        codes=INACTIVE_REF,
        field=r"ItemRef",
        needs=("item_inactive", "item_conflict"),
    ),
    _r(
        "P4.inactive-taxcode-ref",
        "P4",
        "The tax code this invoice uses is inactive or missing in QuickBooks.",
        0.8,
        codes=INACTIVE_REF,
        field=r"TaxCode|TaxRate",
        needs=("tax_code_state",),
    ),
    _r(
        "P1.customer-inactive-6250",
        "P1",
        "QuickBooks says the customer does not exist or is inactive (6250).",
        0.85,
        codes={"6250"},
        needs=("customer_state",),
    ),
    _r(
        "P1.inactive-ref-on-customer",
        "P1",
        "Updating the customer failed because it is inactive or missing in QuickBooks.",
        0.7,
        codes=INACTIVE_REF,
        entities={"customer"},
        needs=("customer_state",),
    ),
    _r(
        "P2.inactive-ref-on-item",
        "P2",
        "Updating the item failed because it is inactive or missing in QuickBooks.",
        0.7,
        codes=INACTIVE_REF,
        entities={"item"},
        needs=("item_inactive",),
    ),
    _r(
        "P4.inactive-ref-on-tax",
        "P4",
        "The tax code or rate is inactive or missing in QuickBooks.",
        0.8,
        codes=INACTIVE_REF,
        entities=TAX_ENTITIES,
        needs=("tax_code_state",),
    ),
    _r(
        "P1.inactive-ref-unclear",
        "P1",
        "Something this record uses (a customer, item or tax code) is inactive or "
        "missing in QuickBooks; QuickBooks does not say which, and most often it is the customer.",
        0.45,
        codes=INACTIVE_REF,
        entities={"invoice", "payment", NO_ENTITY},
        candidates=("P1", "P2", "P4"),
        needs=("customer_state", "item_inactive", "tax_code_state"),
    ),
    _r(
        "P1.customer-missing-info",
        "P1",
        "Creating the customer failed: QuickBooks says details are missing or invalid.",
        0.7,
        codes={"2020", "6080", "2210"},
        entities={"customer"},
        needs=("customer_state",),
    ),
    # Duplicates after retries.
    _r(
        "P6.duplicate-doc-number",
        "P6",
        "QuickBooks already has a transaction with this number, often a copy "
        "saved by an earlier attempt that timed out.",
        0.8,
        codes={"6140"},
        needs=("qbo_duplicate_count",),
    ),
    # Outages.
    _r("P7.company-maintenance", "P7", "QuickBooks says the company is under maintenance.", 0.7, codes={"150"}),
    # Known errors outside the seven patterns: say so plainly.
    _r(
        "unknown.subscription-ended",
        "unknown",
        "QuickBooks says the company's subscription ended or has a "
        "billing problem (6190); none of the sync patterns covers that.",
        0.85,
        codes={"6190"},
    ),
    _r(
        "unknown.stale-object",
        "unknown",
        "QuickBooks says the record changed there while Suprata was updating it (5010 stale object).",
        0.8,
        codes={"5010"},
    ),
    _r("unknown.text-too-long", "unknown", "QuickBooks says a field is too long (2050).", 0.8, codes={"2050"}),
    _r(
        "unknown.request-rejected",
        "unknown",
        "QuickBooks rejected the request itself (unsupported operation, "
        "bad query or unknown property): a Suprata problem, not your data.",
        0.75,
        codes={"500", "2010", "4000", "4001", "4002", "1040", "1050"},
    ),
    _r(
        "unknown.wrong-cluster",
        "unknown",
        "QuickBooks says the request went to the wrong server (130): a Suprata problem.",
        0.75,
        codes={"130"},
    ),
    _r(
        "unknown.deposited",
        "unknown",
        "QuickBooks says the payment is on a deposit and cannot be changed (6540).",
        0.7,
        codes={"6540"},
    ),
    _r(
        "unknown.business-validation",
        "unknown",
        "QuickBooks' business validation failed for a reason that is not about tax.",
        0.6,
        codes={"6000"},
    ),
    _r(
        "unknown.inactive-ref-other",
        "unknown",
        "Something used on a record Suprata does not sync is inactive or missing in QuickBooks.",
        0.6,
        codes=INACTIVE_REF,
    ),
    _r(
        "P7.server-error-status",
        "P7",
        "QuickBooks answered with a server error page (HTTP 5xx).",
        0.85,
        statuses={500, 502, 503, 504},
    ),
    _r(
        "P7.timeout-on-write",
        "P7",
        "QuickBooks did not answer in time; the write may or may not have been saved, so a retry could make a copy.",
        0.55,
        kinds={"timeout"},
        operations={"create", "update", "void", "delete"},
        candidates=("P7", "P6"),
        needs=("qbo_duplicate_count",),
    ),
    _r(
        "P7.timeout", "P7", "QuickBooks did not answer in time.", 0.8, kinds={"timeout"}, needs=("qbo_duplicate_count",)
    ),
    _r("P7.connection-failed", "P7", "QuickBooks could not be reached.", 0.85, kinds={"connection"}),
    _r(
        "P5.unauthorized-status",
        "P5",
        "QuickBooks answered 401 Unauthorized.",
        0.7,
        statuses={401},
        needs=("connection_state",),
    ),
    _r(
        "P5.forbidden-status",
        "P5",
        "QuickBooks answered 403 Forbidden.",
        0.55,
        statuses={403},
        candidates=("P5", "P7"),
        needs=("connection_state",),
    ),
    _r(
        "P7.outage-text",
        "P7",
        "The error says QuickBooks was unavailable or timed out.",
        0.7,
        no_code=True,
        text=r"service (temporarily )?unavailable|bad gateway|gateway time-?out|timed out|read timeout",
    ),
    _r(
        "P5.disconnected-text",
        "P5",
        "The error says QuickBooks is disconnected or needs reconnecting.",
        0.65,
        no_code=True,
        text=r"\bre-?connect|disconnected|refresh token",
        needs=("connection_state",),
    ),
)


def rules_for(pattern_id: str) -> tuple[Rule, ...]:
    return tuple(r for r in RULES if r.pattern == pattern_id)


# --- docs -----------------------------------------------------------------------------------------------------

LABELLED_SET = Path(__file__).resolve().parents[3] / "tests" / "data" / "qbo_errors_labelled.jsonl"

_RETRY_WORDS = {
    "safe": "safe: retrying cannot make things worse",
    "unsafe": "unsafe: a retry can create a duplicate; check first",
    "useless_until_fixed": "useless until the cause is fixed",
}


def render_patterns_markdown(labelled_path: Path | None = None) -> str:
    """``docs/patterns.md``: the table in words, every rule, and the classifier's accuracy on the labelled set."""
    lines = [
        "# Sync failure patterns",
        "",
        "<!-- Generated by scripts/gen_patterns_doc.py from src/qbsync/diagnosis/patterns.py. Do not edit. -->",
        "",
        "qbsync sorts every failed sync into one of seven patterns, or says plainly that it does not know.",
        "Fix them in plan order: the connection first, customers before their invoices, payments last.",
        "Never delete anything in QuickBooks: void transactions, make names inactive.",
        "",
        "| pattern | fixed by | retry | plan order |",
        "|---|---|---|---|",
    ]
    ordered = sorted(PATTERNS.values(), key=lambda p: p.plan_order)
    for p in ordered:
        lines.append(f"| [{p.id} {p.name}](#{p.anchor}) | {p.fix_by} | {p.retry} | {p.plan_order} |")
    for p in (PATTERNS[k] for k in PATTERNS):
        lines += [
            "",
            f"## {p.id} {p.name}",
            "",
            f"**What it looks like.** {p.looks_like}",
            "",
            f"**Why it happens.** {p.why}",
            "",
            "**What to do.**",
            "",
        ]
        lines += [f"{i}. {step}" for i, step in enumerate(p.steps, 1)]
        if p.warning:
            lines += ["", f"> **Careful:** {p.warning}"]
        lines += ["", f"Fixed by: {p.fix_by}. Retry: {_RETRY_WORDS[p.retry]}. Plan order: {p.plan_order}.", ""]
        rules = rules_for(p.id)
        if rules:
            lines += ["| rule | when | confidence | says |", "|---|---|---|---|"]
            for r in rules:
                when = r.conditions().replace("|", "\\|")
                lines.append(f"| `{r.id}` | {when} | {r.confidence:.2f} | {r.says} |")
    lines += [
        "",
        "## Rule order",
        "",
        "Rules are tried in this order; the first that matches decides. Facts read from QuickBooks then "
        "confirm, contradict or choose between the candidates a rule names.",
        "",
    ]
    lines.append(", ".join(f"`{r.id}`" for r in RULES) + ".")
    lines += ["", *_accuracy_section(labelled_path or LABELLED_SET)]
    return "\n".join(lines).rstrip() + "\n"


def _accuracy_section(path: Path) -> list[str]:
    from qbsync.diagnosis.explain import evaluate_labelled  # late: explain imports this module

    out = ["## Accuracy on the labelled set", ""]
    if not path.is_file():
        return [*out, "The labelled set is not available in this installation."]
    report = evaluate_labelled(path.read_text(encoding="utf-8").splitlines())
    out += [
        f"{report.total} real QuickBooks error texts from public sources (`tests/data/{path.name}`), classified "
        'without facts. "Confidently wrong" counts a wrong pattern given with confidence 0.7 or more. The set '
        "was gathered while the rules were written, so these figures are in-sample: new real texts are the true test.",
        "",
        "| expected | lines | correct | accuracy | confidently wrong |",
        "|---|---|---|---|---|",
    ]
    for pid in PATTERNS:
        row = report.per_pattern.get(pid)
        if row:
            out.append(f"| {pid} | {row.total} | {row.correct} | {row.accuracy:.0%} | {row.confidently_wrong} |")
    out.append(f"| all | {report.total} | {report.correct} | {report.accuracy:.0%} | {report.confidently_wrong} |")
    return out
