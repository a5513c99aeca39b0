"""The pattern table, as data: the one place that says what each sync failure looks like and what to do.

The classifier reads ``RULES``, ``qbsync explain`` and the planner read ``PATTERNS``, and
``docs/patterns.md`` is generated from both (``patterns_doc.render_patterns_markdown``), so the three cannot
drift.
Never suggest deleting anything in QuickBooks: transactions are voided, names are made inactive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, cast

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
    terms: tuple[str, ...] = ()  # families of TERMS the text must say, every one of them
    subjects: frozenset[str] = frozenset()  # which record the error names (SUBJECTS, or "several"/"none")
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
        if self.terms:
            parts.append("says " + " and ".join(f"*{t}*" for t in self.terms))
        if self.subjects:
            parts.append("names " + "/".join(sorted(self.subjects)))
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
                "Produce the redacted support report (it never contains tokens or keys): qbsync diagnose --report support.md",
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
    for key in ("codes", "statuses", "entities", "kinds", "operations", "subjects"):
        if key in conditions:
            conditions[key] = frozenset(cast("Iterable[str]", conditions[key]))
    return Rule(id=id, pattern=pattern, says=says, confidence=confidence, **conditions)  # type: ignore[arg-type]


INACTIVE_REF = ("610", "2500")
NAME_LIST = frozenset({"customer"})  # QuickBooks' shared name list, as the classifier reads it (see SUBJECTS)

# --- recognition: families of terms, not exact strings ---------------------------------------------------------
#
# Real error texts arrive in many wordings: QuickBooks' own, an SDK's exception, an integration's help page.
# Rules name these families instead of one exact string, so "has been deleted", "is inactive", "not found"
# and "Invalid Customer" all say the same thing: the record cannot be used.

TERMS: dict[str, str] = {
    # the referenced record cannot be used: deleted, inactive, missing, an invalid reference to it
    "unusable": r"inactive|\(deleted\)|\b(has|have) been deleted|\bis deleted|\bwas deleted|deleted in (qbo|quickbooks)"
    r"|not found|could not be found|cannot be found|can ?not find|does ?n[o']t exist|no longer exists"
    r"|invalid reference|invalid (customer|item|product|tax ?code)\b|\bref(erence)? is (invalid|missing)"
    r"|could not be created|never (synced|created)|restore [^.]{0,60}\(deleted\)|deactivated|\bno matching\b"
    r"|has no (quickbooks|qbo)\b[^.]{0,20}\bid\b",
    # an item of the Category type used on a line
    "category_item": r"categor(y|ies) cannot be used|cannot have sub-items|item that has sub-items|called categories",
    # a name QuickBooks already has
    "name_taken": r"duplicate name|name supplied already exists|already (being )?us(ing|ed) this\s+name"
    r"|list element is already in use|name [^.]{0,80} (is )?already (exists|in use)",
    # data QuickBooks needs was not sent
    "missing_data": r"required param|is missing in the request|\bmust (enter|select|supply|specify)\b"
    r"|fields? (are|is) missing|is required\b|missing (an? )?(e-?mail|name)",
    "closed_books": r"account(ing)?\s+period\s+(has\s+)?closed|\bperiod\s+(is\s+)?closed|books\s+(are\s+)?closed"
    r"|closed\s+period|closing date",
    # tax codes, rates and their mappings
    "tax": r"tax\s*codes?\b|tax\s*rates?\b|taxcoderef|taxrateref|sales tax|calculating tax|\bGST\b|\bHST\b|\bVAT\b"
    r"|tax categor(y|ies)|tax mapping|\btax\b",
    "tax_problem": r"not found|not mapped|without|missing|invalid|does ?n[o']t exist|before you save|calculating"
    r"|associated with it|inactive|deleted|not valid|no matching|unable to (fetch|find|map)",
    # authentication and authorisation
    "auth": r"authenticat\w*\s*(failed|failure|error)|authori[sz]\w*\s*(failed|failure)|\bunauthori[sz]ed\b"
    r"|token (has )?(expired|invalid|revoked|not found)|(access|refresh|bearer|oauth\s*2?) token\b[^.]{0,40}"
    r"(expired|revoked|invalid|failed|not found|malformed)|malformed bearer|could not authenticate"
    r"|not authori[sz]ed|re-?authenticat|needs? to be re-?connected|\bdisconnected\b|please re-?connect"
    r"|access (was )?(denied|revoked)|do not have access to use quickbooks|authori[sz]ation (has )?expired"
    r"|token refresh failed|refresh (of the )?token failed|invalid tokens?\b|(failed|error) getting [^.]{0,40}token"
    r"|(access|refresh)\s*token\w*\W{0,3}[^.]{0,30}(must be provided|is missing|not provided)|oauth\w*exception",
    # throttling and outages
    "throttle": r"throttle\s*(limits?\s*)?exceeded|request limit was reached|too many requests|rate limit",
    "outage": r"service (temporarily )?unavailable|bad\s?gateway|gateway\s*time-?out|timed?[ -]?out|\btimeout\b"
    r"|we'?ll be back soon|unexpected character encountered while parsing value: <|error reading json response"
    r"|error while communicating with the server|curl error|connection (refused|reset|aborted|timed out)"
    r"|could not connect|internal server error|\bstatus code \[0\]|response code:\s*\[0\]|no destination found"
    r"|under maintenance|server (is )?busy|error while communicating with the (\w+ )?server|response stream was null"
    r"|server not responding|not responding|unexpected token",
    # duplicates, linking and balances
    "number_taken": r"duplicate doc(ument)?\s*(num(ber)?)?|number has already been used"
    r"|(reference|check|ref|doc(ument)?|invoice)\s*(/\s*check\s*)?(number|#|no\.?)\b[^.]{0,60}already (been )?"
    r"(being )?(used|in use|taken|recorded)",
    "over_applied": r"amount applied is greater|add up to more|exceeds? the (open )?balance|more than the (open )?"
    r"balance|greater than the (open )?balance|can'?t be less than the selected|already been paid|overpa(id|yment)",
    "deposited": r"\bdeposited\b|matched to a downloaded|bank[- ]matched|\bunmatch",
    "linked_elsewhere": r"does not match the customer on that invoice|incorrect customer merge"
    r"|invoice[^.]{0,30} associated with this payment is deleted|related invoice[^.]{0,40}not (imported|synced|found)"
    r"|can[’']?t be linked|cannot be linked",
    # a system failure whose detail is a Java exception: QuickBooks could not read the request (tie-break 1)
    "request_crash": r"java\.lang\.\w+exception|NullPointerException|NumberFormatException|ClassCastException"
    r"|bad arguments passed",
    "txn_deleted": r"deleted this transaction",
}

# Which record an error names: by its element (most reliable), else by the words of its text. The records
# being written (invoice, payment, transaction) are not subjects: the question is what they refer to.
SUBJECTS: dict[str, str] = {
    "customer": r"\bcustomers?\b|customerref|\bclients?\b|\bdonors?\b|\bjob\s*sites?\b|\bsub-?customers?\b",
    "item": r"(?<!list )\bitems?\b|itemref|qbo\s*item|\bservice\s+['\"\u2018]|product\s*/\s*service|products? (or|and) services?|\bproducts?\b|categor(y|ies)\b"
    r"|sub-items",
    "tax": r"tax\s*codes?\b|tax\s*rates?\b|taxcoderef|taxrateref|tax categor|\bGST\b|\bHST\b|\bVAT\b|sales tax"
    r"|\btax\b",
    "account": r"\baccounts?\b|accountref",
    "vendor": r"\bvendors?\b|vendorref",
    "employee": r"\bemployees?\b",
    "class": r"\bclass(es)?\b|classref",
    "location": r"\blocations?\b|departmentref",
}
# An element names its record exactly: ``Line.SalesItemLineDetail.ItemRef`` is an item, ``CustomerRef`` a customer.
ELEMENT_SUBJECTS: tuple[tuple[str, str], ...] = (
    (r"TaxCodeRef|TaxRateRef|TxnTaxCodeRef|TaxCode\b|TaxRate\b", "tax"),
    (r"ItemRef\b", "item"),
    (r"CustomerRef\b", "customer"),
    (r"VendorRef\b", "vendor"),
    (r"AccountRef\b", "account"),
    (r"ClassRef\b", "class"),
    (r"DepartmentRef\b", "location"),
)
# QuickBooks' name list is shared by customers, vendors and employees; a text naming that list (and nothing
# else) is about the customer when Suprata syncs it, since Suprata syncs no vendors or employees.
NAME_LIST_KINDS = frozenset({"customer", "vendor", "employee"})

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
    _r("P7.throttle-text", "P7", "QuickBooks says the request limit was reached.", 0.85, terms=("throttle",)),
    _r(
        "unknown.request-crashed",
        "unknown",
        "QuickBooks failed on the request itself (a Java exception in the detail): the request was malformed, "
        "a Suprata problem rather than an outage.",
        0.6,
        terms=("request_crash",),
    ),
    _r("P7.system-failure", "P7", "QuickBooks had an internal failure (10000).", 0.8, codes={"10000"}),
    _r("P7.proxy-timeout", "P7", "Intuit's gateway timed out waiting for QuickBooks (6002).", 0.85, codes={"6002"}),
    # Outages before auth too: authentication errors seen during an Intuit outage are the outage.
    _r(
        "P7.gateway-server-error",
        "P7",
        "Intuit's gateway reported an internal server error.",
        0.8,
        text=r"InternalServerError|statusCode\s*[:=]\s*5\d\d",
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
        "unknown.wrong-cluster",
        "unknown",
        "QuickBooks says the request went to the wrong server (130): a Suprata problem.",
        0.75,
        codes={"130"},
    ),
    _r(
        "P5.auth-text",
        "P5",
        "The error says authentication or authorisation failed, or the connection needs renewing.",
        0.75,
        terms=("auth",),
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
        terms=("closed_books",),
        needs=("book_close_date", "record_txn_date"),
    ),
    # Duplicates, linking and balances: checked before references, whose words they share.
    _r(
        "P6.duplicate-doc-number",
        "P6",
        "QuickBooks already has a transaction with this number, often a copy "
        "saved by an earlier attempt that timed out.",
        0.8,
        codes={"6140"},
        needs=("qbo_duplicate_count",),
    ),
    _r(
        "P6.number-taken-text",
        "P6",
        "The error says the document or reference number is already used in QuickBooks: often a copy saved by an "
        "earlier attempt.",
        0.75,
        terms=("number_taken",),
        needs=("qbo_duplicate_count",),
    ),
    _r(
        "P6.deposited",
        "P6",
        "QuickBooks says the payment is on a deposit or matched to a bank transaction and cannot be changed (6540).",
        0.75,
        codes={"6540"},
    ),
    _r(
        "P6.deposited-text",
        "P6",
        "The error says the transaction is deposited or matched to a bank download, so it cannot be changed.",
        0.75,
        terms=("deposited",),
    ),
    _r(
        "P6.over-applied",
        "P6",
        "The error says the amount applied is more than the open balance (or the bill or invoice is already paid).",
        0.75,
        terms=("over_applied",),
        needs=("qbo_duplicate_count",),
    ),
    _r(
        "P6.payment-not-linkable",
        "P6",
        "QuickBooks will not link the payment to its invoice (620): the invoice was voided there, or is already "
        "paid there (nothing left open), so Suprata's copy and QuickBooks disagree.",
        0.75,
        codes={"620"},
        entities={"payment"},
        needs=("linked_txn_deleted",),
    ),
    _r(
        "P6.linked-invoice-elsewhere",
        "P6",
        "The error says an invoice this payment is linked to is missing or belongs to another customer.",
        0.75,
        terms=("linked_elsewhere",),
        needs=("linked_txn_deleted",),
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
        terms=("tax",),
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
        terms=("name_taken",),
        subjects={"tax"},
        needs=("tax_code_state",),
    ),
    _r(
        "P4.tax-text",
        "P4",
        "The error says a tax code or rate is missing, unmapped or invalid.",
        0.75,
        terms=("tax", "tax_problem"),
        subjects={"tax"},
        needs=("tax_code_state",),
    ),
    # Duplicate names: the entity of the failing request decides, else the record the text names.
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
        terms=("name_taken",),
        subjects=NAME_LIST,
        needs=("name_conflict_with",),
    ),
    _r(
        "P2.name-duplicate-item-text",
        "P2",
        "QuickBooks says a product or service already uses the name.",
        0.75,
        terms=("name_taken",),
        subjects={"item"},
        needs=("item_conflict",),
    ),
    _r(
        "unknown.name-duplicate-unclear",
        "unknown",
        "QuickBooks refused a duplicate name but does not say whose (a customer's, an item's or a tax rate's).",
        0.4,
        codes={"6240"},
        candidates=("P1", "P2", "P4"),
        needs=("name_conflict_with", "item_conflict"),
    ),
    _r(
        "unknown.name-duplicate-other",
        "unknown",
        "QuickBooks says a name is already in use, but not on a customer, item or tax rate.",
        0.4,
        terms=("name_taken",),
        candidates=("P1", "P2", "P4"),
        needs=("name_conflict_with", "item_conflict"),
    ),
    # A category item on a line.
    _r(
        "P2.category-item",
        "P2",
        "The invoice uses a QuickBooks category (an item with sub-items), which cannot be used on a line.",
        0.8,
        terms=("category_item",),
        needs=("item_inactive", "item_conflict"),
    ),
    # 610/2500 and their wordings: something referenced is gone or inactive. The element, the words and the
    # entity say what; when none of them does, the answer is unknown and the facts decide.
    _r(
        "P6.linked-txn-deleted",
        "P6",
        "QuickBooks says a transaction this payment is linked to was deleted there.",
        0.7,
        codes={"610"},
        terms=("txn_deleted",),
        entities={"payment"},
        needs=("linked_txn_deleted",),
    ),
    _r(
        "unknown.transaction-deleted",
        "unknown",
        "QuickBooks says the transaction was deleted there; unless it is an invoice a payment is linked to, "
        "none of the sync patterns covers it.",
        0.5,
        terms=("txn_deleted",),
        candidates=("P6",),
        needs=("linked_txn_deleted",),
    ),
    _r(
        "P1.inactive-customer-ref",
        "P1",
        "The customer this record uses is inactive, deleted or missing in QuickBooks.",
        0.8,
        codes={*INACTIVE_REF, "6250"},
        subjects={"customer"},
        needs=("customer_state",),
    ),
    _r(
        "P2.inactive-item-ref",
        "P2",
        "The item (product or service) this invoice uses is inactive, deleted or missing in QuickBooks.",
        0.75,
        codes=INACTIVE_REF,
        subjects={"item"},
        needs=("item_inactive", "item_conflict"),
    ),
    _r(
        "P4.inactive-taxcode-ref",
        "P4",
        "The tax code this invoice uses is inactive or missing in QuickBooks.",
        0.8,
        codes=INACTIVE_REF,
        subjects={"tax"},
        needs=("tax_code_state",),
    ),
    _r(
        "P1.customer-unusable-text",
        "P1",
        "The error says the customer is deleted, inactive, invalid or not found in QuickBooks.",
        0.75,
        terms=("unusable",),
        subjects={"customer"},
        needs=("customer_state",),
    ),
    _r(
        "P2.item-unusable-text",
        "P2",
        "The error says the item (product or service) is deleted, inactive, invalid or not found in QuickBooks.",
        0.75,
        terms=("unusable",),
        subjects={"item"},
        needs=("item_inactive", "item_conflict"),
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
        subjects={"none", "several"},
        needs=("customer_state",),
    ),
    _r(
        "P2.inactive-ref-on-item",
        "P2",
        "Updating the item failed because it is inactive or missing in QuickBooks.",
        0.7,
        codes=INACTIVE_REF,
        entities={"item"},
        subjects={"none", "several"},
        needs=("item_inactive",),
    ),
    _r(
        "P4.inactive-ref-on-tax",
        "P4",
        "The tax code or rate is inactive or missing in QuickBooks.",
        0.8,
        codes=INACTIVE_REF,
        entities=TAX_ENTITIES,
        subjects={"none", "several"},
        needs=("tax_code_state",),
    ),
    _r(
        "unknown.inactive-ref-unclear",
        "unknown",
        "Something this record uses (a customer, an item, a tax code, an account...) is inactive or missing in "
        "QuickBooks, and QuickBooks does not say which.",
        0.4,
        codes=INACTIVE_REF,
        entities={"invoice", "payment", NO_ENTITY},
        subjects={"none", "several"},
        candidates=("P1", "P2", "P4"),
        needs=("customer_state", "item_inactive", "tax_code_state"),
    ),
    # Missing details: the customer's, or the request's own.
    _r(
        "P1.customer-missing-info",
        "P1",
        "Creating the customer failed: QuickBooks says details are missing or invalid.",
        0.7,
        codes={"2020", "6080", "2210"},
        entities={"customer"},
        needs=("customer_state",),
    ),
    _r(
        "P1.customer-missing-text",
        "P1",
        "The error says the customer is missing or lacks details QuickBooks requires (an email, a name).",
        0.7,
        terms=("missing_data",),
        subjects=NAME_LIST,
        needs=("customer_state",),
    ),
    _r(
        "P1.no-name-6080",
        "P1",
        "QuickBooks says a name-list record has no name (6080); for Suprata that is a customer missing its name.",
        0.6,
        codes={"6080"},
        entities={"customer", "invoice", "payment", NO_ENTITY},
        needs=("customer_state",),
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
        "unknown.unusable-unclear",
        "unknown",
        "The error says something was deleted, is inactive or was not found, but not whether it is the customer, "
        "an item or a tax code.",
        0.4,
        terms=("unusable",),
        subjects={"none", "several"},
        candidates=("P1", "P2", "P4"),
        needs=("customer_state", "item_inactive", "tax_code_state"),
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
        "The error says QuickBooks was unavailable, timed out, or answered with something that is not an API "
        "answer (an HTML page).",
        0.7,
        no_code=True,
        terms=("outage",),
    ),
)


def rules_for(pattern_id: str) -> tuple[Rule, ...]:
    return tuple(r for r in RULES if r.pattern == pattern_id)


# --- fix steps, as data --------------------------------------------------------------------------------------
#
# One cause kind per thing qbsync can find wrong with one record. Its title and steps are templates whose
# named parameters ({customer}, {holder_kind}, {close_date}, ...) are filled from facts read from QuickBooks
# and Suprata (``diagnosis/blockers.py``). Every command (diagnose, trace, retry, status, check) prints these
# words and no others: what is not here is not advice. ``retry`` is the last step, said once per plan entry.


@dataclass(frozen=True)
class CauseKind:
    id: str
    pattern: PatternId
    title: str
    steps: tuple[str, ...]
    retry: str | None = None  # how to retry once fixed; always the last step
    says: str | None = None  # of one record, where the title speaks of many (retry's reason)
    # Of records not pushed yet (qbsync preflight): a noun phrase with {count} and {records} ("30 invoices in
    # the closed period ..."), the summary's and the plan line's words; the title where there is none.
    ahead: str | None = None

    def params(self) -> set[str]:
        """Every named parameter the templates use (a test fills each kind with exactly these)."""
        from string import Formatter

        texts = (self.title, *self.steps, *(t for t in (self.retry, self.says, self.ahead) if t))
        return {name for text in texts for _, name, _, _ in Formatter().parse(text) if name}


class _Strict(dict[str, str]):
    def __missing__(self, key: str) -> str:
        raise KeyError(f"fix-step parameter {key!r} not filled")


def fill(template: str, params: dict[str, str]) -> str:
    """``template`` with ``params`` filled in. The same step is filled for thousands of records with the same
    few parameters, so each distinct filling is made once and the one string shared."""
    try:
        return _filled(template, tuple(params.items()))
    except TypeError:  # a parameter that does not hash: fill it every time
        return template.format_map(_Strict(params))


@lru_cache(maxsize=8192)
def _filled(template: str, params: tuple[tuple[str, str], ...]) -> str:
    return template.format_map(_Strict(dict(params)))


RETRY_CUSTOMER = "Then retry customer '{customer}', then its invoices, then its payments."
RETRY_OWN_CUSTOMER_RECORDS = "Then retry the invoices and payments of '{customer}'."
RETRY_ITEM = "Then retry item {sku}, then the invoices that use it."
RETRY_ITEM_INVOICES = "Then retry the invoices that use item '{item}'."
RETRY_FAILED = "Then retry the failed records in order: customers, items, invoices, payments."
TRACE_FIRST = "Do not retry until the trace shows exactly what QuickBooks holds: qbsync trace {number}."

CAUSE_KINDS: dict[str, CauseKind] = {
    k.id: k
    for k in (
        # P5: the connection.
        CauseKind(
            "connection_down",
            "P5",
            "Suprata's QuickBooks connection is {status}: every push since {since} failed ({records})",
            ("Reconnect Suprata to QuickBooks{reconnect_at} (this is Suprata's connection, not qbsync's).",),
            RETRY_FAILED,
            says="Suprata's QuickBooks connection is {status}: every push fails until Suprata is reconnected",
            ahead="{count} {records} meeting Suprata's {status} QuickBooks connection",
        ),
        CauseKind(
            "connection_will_lapse",
            "P5",
            "Suprata's QuickBooks connection will have lapsed by the push: its refresh token expired {expired}",
            (
                "Reconnect Suprata to QuickBooks{reconnect_at} before the records are pushed (this is Suprata's "
                "connection, not qbsync's).",
            ),
            RETRY_FAILED,
            says="Suprata's QuickBooks connection will have lapsed: its refresh token expired {expired}",
            ahead="{count} {records} meeting Suprata's lapsed QuickBooks connection",
        ),
        CauseKind(
            "connection_lapsed",
            "P5",
            "Suprata's QuickBooks connection had lapsed: {records} failed while it was down",
            ("Suprata is connected again: retry the records that failed while it was down.",),
            RETRY_FAILED,
            says="it failed while Suprata's connection was down; Suprata is connected again",
        ),
        # P1: the customer.
        CauseKind(
            "customer_name_held",
            "P1",
            "Customer '{customer}' cannot be created: a QuickBooks {holder_kind} already uses the name",
            (
                "Rename the QuickBooks {holder_kind} '{holder}' (e.g. add ' ({holder_label})') or give the Suprata "
                "customer '{customer}' a distinct display name.",
            ),
            RETRY_CUSTOMER,
            ahead="{count} {records} for '{customer}', a QuickBooks {holder_kind}'s name",
        ),
        CauseKind(
            "customer_unlinked",
            "P1",
            "Customer '{customer}' already exists in QuickBooks but is not linked to Suprata",
            (
                "Link Suprata's customer {customer_number} to QuickBooks customer {qbo_id} in Suprata (or rename one "
                "of them); do not create another.",
            ),
            RETRY_CUSTOMER,
            ahead="{count} {records} for '{customer}', in QuickBooks but not linked",
        ),
        CauseKind(
            "customer_inactive",
            "P1",
            "Customer '{customer}' was made inactive in QuickBooks",
            ("Make customer '{customer}' active again in QuickBooks (Customers > filter Inactive > Make active).",),
            RETRY_OWN_CUSTOMER_RECORDS,
            ahead="{count} {records} for '{customer}', inactive in QuickBooks",
        ),
        CauseKind(
            "customer_gone",
            "P1",
            "Customer '{customer}' is linked to QuickBooks customer {qbo_id}, which QuickBooks no longer has",
            (
                "Find what happened to QuickBooks customer {qbo_id} (merged?) and fix the link of '{customer}' in "
                "Suprata; do not retry blindly.",
            ),
            RETRY_OWN_CUSTOMER_RECORDS,
            ahead="{count} {records} for '{customer}', gone from QuickBooks",
        ),
        CauseKind(
            "customer_missing_data",
            "P1",
            "Customer '{customer}' is missing details QuickBooks requires: {missing}",
            ("Complete customer '{customer}' in Suprata: add {missing}.",),
            RETRY_CUSTOMER,
            ahead="{count} {records} for '{customer}', who lacks {missing}",
        ),
        CauseKind(
            "customer_email_missing",
            "P1",
            "Customer '{customer}' has no email address, and its invoices are to be emailed from QuickBooks",
            (
                "Add an email address to customer '{customer}' in Suprata: its invoices go to QuickBooks marked "
                "to be emailed, and QuickBooks refuses one with no address to send it to. (Or stop Suprata "
                "marking this customer's invoices to be emailed.)",
            ),
            RETRY_OWN_CUSTOMER_RECORDS,
            says="QuickBooks refused it: it is to be emailed and customer '{customer}' has no email address",
        ),
        CauseKind(
            "customer_refused",
            "P1",
            "Customer '{customer}' is not in QuickBooks",
            (
                "Find customer '{customer}' in QuickBooks, including inactive ones (Customers list, filter: All), "
                "and fix what QuickBooks refused ({error}).",
            ),
            RETRY_CUSTOMER,
        ),
        # P2: the item.
        CauseKind(
            "item_unlinked",
            "P2",
            "Item '{item}' already exists in QuickBooks but was never linked",
            (
                "Link Suprata's item '{item}' ({sku}) to QuickBooks item {qbo_id} in Suprata's QuickBooks settings, "
                "or rename one of them.",
            ),
            RETRY_ITEM,
            ahead="{count} {records} using '{item}', in QuickBooks but not linked",
        ),
        CauseKind(
            "item_inactive",
            "P2",
            "Item '{item}' was made inactive in QuickBooks",
            ("Make item '{item}' active again in QuickBooks (Products and services > filter Inactive > Make active).",),
            RETRY_ITEM_INVOICES,
            ahead="{count} {records} using '{item}', inactive in QuickBooks",
        ),
        CauseKind(
            "item_gone",
            "P2",
            "Item '{item}' is linked to QuickBooks item {qbo_id}, which QuickBooks no longer has",
            ("Fix the QuickBooks link of item '{item}' ({sku}) in Suprata's QuickBooks settings.",),
            RETRY_ITEM_INVOICES,
            ahead="{count} {records} using '{item}', gone from QuickBooks",
        ),
        CauseKind(
            "item_refused",
            "P2",
            "Item '{item}' is not in QuickBooks",
            (
                "Find item '{item}' in QuickBooks (Products and services, including inactive ones) and fix what "
                "QuickBooks refused ({error}).",
            ),
            RETRY_ITEM,
        ),
        # P3: the books.
        CauseKind(
            "closed_period",
            "P3",
            "{records} dated on or before the books close date ({close_date})",
            (
                "Ask your bookkeeper before changing anything dated on or before {close_date}: QuickBooks' books "
                "are closed through that date.",
                "If they belong in that period: the bookkeeper moves the close date back, you retry, and the "
                "bookkeeper closes it again.",
                "Only if a record truly belongs to the current period, correct its date in Suprata and retry.",
                "Or the bookkeeper enters it by hand in QuickBooks and you mark it synced in Suprata, so it is "
                "never pushed twice.",
            ),
            says="dated on or before the books-close date {close_date} (QuickBooks would refuse it)",
            ahead="{count} {records} in the closed period (through {close_date})",
        ),
        CauseKind(
            "closed_period_unread",
            "P3",
            "{records} dated on or before the books close date",
            (
                "Ask your bookkeeper before changing anything dated in the closed period: QuickBooks refused these "
                "records because their date is on or before its books-close date.",
                *PATTERNS["P3"].steps[1:],
            ),
            says="QuickBooks refused it as dated in a closed period (its close date could not be read)",
        ),
        # P4: tax.
        CauseKind(
            "tax_unmapped",
            "P4",
            "Tax category '{category}' has no QuickBooks tax code for {state}",
            ("In Suprata's QuickBooks settings, map tax category '{category}' for {state} to a QuickBooks tax code.",),
            "Then retry the invoices it blocks.",
            ahead="{count} {state} {records} meeting the tax gap (no tax code for '{category}')",
        ),
        CauseKind(
            "tax_code_unusable",
            "P4",
            "Tax category '{category}' in {state} maps to a QuickBooks tax code that is {code_state}",
            (
                "Point the '{category}' mapping for {state} at an active QuickBooks tax code (code {code} is "
                "{code_state}).",
            ),
            "Then retry the invoices it blocks.",
            ahead="{count} {state} {records} whose '{category}' tax code is {code_state}",
        ),
        CauseKind(
            "tax_refused",
            "P4",
            "Tax setup: a Suprata tax category has no matching QuickBooks tax code",
            PATTERNS["P4"].steps[:-1],
            "Then retry the invoices it blocks.",
        ),
        # P6: the two sides disagree.
        CauseKind(
            "duplicate_invoice",
            "P6",
            "Duplicate invoice {number} in QuickBooks (created by a retry)",
            (
                "Void QuickBooks invoice {void_ids} (the copy Suprata does not link to); do not delete it: voiding "
                "keeps the history.",
                "Check the result on both sides: qbsync trace {number}.",
            ),
        ),
        CauseKind(
            "duplicate_payment",
            "P6",
            "Payment {number} is in QuickBooks {copies} times (a retry after a timeout saved it again)",
            (
                "Void QuickBooks payment {void_ids} (the copy Suprata does not link to); do not delete it and do not "
                "record another copy in Suprata.",
                "Check the result on both sides: qbsync trace {number}.",
            ),
        ),
        CauseKind(
            "qbo_only_payment",
            "P6",
            "Payment for {numbers} was entered directly in QuickBooks and is not in Suprata",
            (
                "With your bookkeeper: record the same payment in Suprata and link it to QuickBooks payment {qbo_id} "
                "(mark it synced) so Suprata never pushes a second copy. If it was entered in QuickBooks by mistake, "
                "void it there (never delete) and let Suprata sync its own record.",
            ),
        ),
        CauseKind(
            "invoice_deleted",
            "P6",
            "Payment {number} cannot sync: its invoice {invoice} was deleted directly in QuickBooks",
            (
                "The bookkeeper re-creates {invoice} by hand in QuickBooks and it is marked synced in Suprata, "
                "linked to the new invoice id.",
                "Then create {number} by hand in QuickBooks against that new invoice and mark it synced in Suprata; "
                "do not remove the Suprata one.",
                "Do not retry the payment until then: it fails with 610 while the invoice is gone.",
            ),
            ahead="{count} {records} ({number}) applied to invoice {invoice}, deleted in QuickBooks",
        ),
        CauseKind(
            "removed_in_qbo",
            "P6",
            "{what} {number} is open in Suprata but was {change} directly in QuickBooks{when}",
            (
                "Ask your bookkeeper why QuickBooks {entity} {qbo_id} was {change}: if that was right, {undo_suprata} "
                "in Suprata too; if it was a mistake, the bookkeeper re-enters it in QuickBooks and {number} is "
                "linked to the new copy.",
                TRACE_FIRST,
            ),
        ),
        CauseKind(
            "unlinked_copy",
            "P6",
            "{number} is already in QuickBooks as {entity} {qbo_id}, but Suprata's link to it is missing",
            (
                "Do not retry {number}: check that QuickBooks {entity} {qbo_id} is {number}, then mark {number} "
                "synced in Suprata, linked to {qbo_id}.",
            ),
            ahead="{count} {records} ({number}) in QuickBooks already, not linked",
        ),
        CauseKind(
            "balance_mismatch",
            "P6",
            "Balance mismatch on {number}",
            (
                "Trace the record on both sides: qbsync trace {number}.",
                "If one side is missing, the bookkeeper creates it by hand and it is marked synced in Suprata.",
                TRACE_FIRST,
            ),
        ),
        # P7: transient.
        CauseKind(
            "transient",
            "P7",
            "QuickBooks {service}: {records} waiting for Suprata's automatic retry",
            PATTERNS["P7"].steps,
            says="QuickBooks was briefly unavailable or throttling ({service})",
        ),
        CauseKind(
            "transient_persisting",
            "P7",
            "QuickBooks {service} has persisted for over a day ({records})",
            ("This has lasted over a day: contact support with the report from 'qbsync diagnose --report'.",),
            says="QuickBooks {service} has persisted for over a day",
        ),
        # Not a known pattern.
        CauseKind("unknown", "unknown", "Not a known pattern: {error}", PATTERNS["unknown"].steps),
    )
}


# The command that comes next for each kind (parameters as in the steps).
NEXT_COMMANDS: dict[str, str | None] = {
    "connection_down": "reconnect in Suprata, then: qbsync retry --pattern P5",
    "connection_lapsed": "qbsync retry --pattern P5",
    "connection_will_lapse": "reconnect in Suprata, then: qbsync preflight",
    "customer_name_held": "qbsync retry {customer_number}",
    "customer_unlinked": 'qbsync trace --customer "{customer}"',
    "customer_inactive": "qbsync retry {customer_number}",
    "customer_gone": 'qbsync trace --customer "{customer}"',
    "customer_missing_data": "qbsync retry {customer_number}",
    "customer_email_missing": "qbsync retry --pattern P1",
    "customer_refused": "qbsync retry {customer_number}",
    "item_unlinked": "qbsync retry {sku}",
    "item_inactive": "qbsync retry {sku}",
    "item_gone": "qbsync retry {sku}",
    "item_refused": "qbsync retry {sku}",
    "closed_period": None,
    "closed_period_unread": None,
    "tax_unmapped": "qbsync retry --pattern P4",
    "tax_code_unusable": "qbsync retry --pattern P4",
    "tax_refused": "qbsync retry --pattern P4",
    "duplicate_invoice": "qbsync trace {number}",
    "duplicate_payment": "qbsync trace {number}",
    "qbo_only_payment": "qbsync trace {first_invoice}",
    "invoice_deleted": "qbsync trace {number}",
    "removed_in_qbo": "qbsync trace {number}",
    "unlinked_copy": "qbsync trace {number}",
    "balance_mismatch": "qbsync trace {number}",
    "transient": None,
    "transient_persisting": "qbsync diagnose --report support.md",
    "unknown": "qbsync diagnose --report support.md",
}
