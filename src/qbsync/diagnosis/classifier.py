"""Classify one sync failure into a pattern of the table, from what QuickBooks said and what it holds now.

Pure functions, no I/O. The rules live in ``patterns.RULES``; this module matches them against a
``FailureSignal`` and lets ``Facts`` (read from QuickBooks by the evidence layer) confirm, contradict or
choose between candidates. When the evidence does not support a pattern the answer is ``unknown``: a
confident wrong pattern sends a small business to fix the wrong thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields
from datetime import date, datetime, timedelta
from functools import lru_cache
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Literal

from qbsync.clients.faults import (
    QboError,
    QboFault,
    codes_named_in,
    extract_fault_from_text,
    http_status_in_text,
    parse_logged_fault,
    parsed_once,
)
from qbsync.diagnosis.patterns import (
    ELEMENT_SUBJECTS,
    NAME_LIST_KINDS,
    NO_ENTITY,
    PATTERNS,
    RULES,
    SUBJECTS,
    TERMS,
    Rule,
    get_pattern,
)

if TYPE_CHECKING:
    from qbsync.clients.suprata_models import SyncAttempt

ErrorKind = Literal["http", "timeout", "connection", "oauth"]
ESCALATE_AFTER = timedelta(hours=24)
CONFIDENT = 0.7

_ENTITY_OF_RECORD = {"customer": "customer", "item": "item", "invoice": "invoice", "payment": "payment"}


@dataclass(frozen=True, slots=True)
class FailureSignal:
    """What one failure says: the record, the kind of failure, and QuickBooks' answer."""

    record_type: str | None = None  # customer | item | invoice | payment
    kind: ErrorKind | None = None
    http_status: int | None = None
    qbo_entity: str | None = None  # entity of the failing QBO request; may differ from record_type
    qbo_operation: str | None = None
    fault: QboFault | None = None
    raw: str = ""

    @property
    def entity(self) -> str:
        """Lower-case entity to match rules on: the request's, else the record's, else ``none``."""
        if self.qbo_entity:
            return self.qbo_entity.strip().lower()
        return _ENTITY_OF_RECORD.get((self.record_type or "").lower(), NO_ENTITY)

    @property
    def entity_inferred(self) -> bool:
        return not self.qbo_entity and self.record_type is not None

    @property
    def status(self) -> int | None:
        return self.http_status if self.http_status is not None else (self.fault.http_status if self.fault else None)

    @property
    def code(self) -> str | None:
        """QuickBooks' error code (the first error's), if it gave one."""
        return self.fault.code if self.fault else None

    @property
    def codes(self) -> tuple[str, ...]:
        return self.fault.codes if self.fault else ()

    @property
    def text(self) -> str:
        words = self.fault.text if self.fault else ""
        return words or self.raw[:5000]

    @property
    def fields(self) -> str:
        if not self.fault:
            return ""
        return " ".join(p for e in self.fault.errors for p in (e.element, e.detail) if p)

    @property
    def subject(self) -> str:
        """The record the error names: a SUBJECTS kind, ``several`` or ``none``."""
        return named_subject(self)

    def each_error(self) -> tuple[FailureSignal, ...]:
        """One signal per Error of the Fault (a Fault can carry several), each with its code read honestly."""
        if self.fault is None or len(self.fault.errors) <= 1:
            return (self._honest_code(),)
        return tuple(replace(self, fault=replace(self.fault, errors=(e,)))._honest_code() for e in self.fault.errors)

    def _honest_code(self) -> FailureSignal:
        """A message that contradicts its code wins: a duplicate-document text sent with a closed-period code."""
        if self.fault is None or len(self.fault.errors) != 1:
            return self
        error = self.fault.errors[0]
        named = codes_named_in(" ".join(p for p in (error.message, error.detail) if p))
        if not named or not error.code or error.code in named or not error.code.isdigit():
            return self
        honest = replace(error, code=named[0])
        extra = {**self.fault.extra, "code_contradicted": error.code}
        return replace(self, fault=replace(self.fault, errors=(honest,), extra=extra))


@dataclass(frozen=True, slots=True)
class Facts:
    """What QuickBooks holds now, read by the evidence layer. ``None`` means not known."""

    book_close_date: date | None = None
    record_txn_date: date | None = None
    customer_state: Literal["ok", "missing", "inactive", "deleted"] | None = None
    name_conflict_with: Literal["customer", "vendor", "employee", "none"] | None = None
    item_conflict: bool | None = None  # an unlinked QBO item with that name exists
    item_inactive: bool | None = None
    tax_code_state: Literal["ok", "unmapped", "inactive", "missing"] | None = None
    linked_txn_deleted: bool | None = None
    qbo_duplicate_count: int | None = None  # copies of the record QuickBooks holds
    connection_state: Literal["ok", "expired", "revoked"] | None = None
    failing_since: datetime | None = None
    now: datetime | None = None

    @property
    def in_closed_period(self) -> bool | None:
        """Whether the record is dated on or before the books-close date; ``None`` when either is unknown."""
        if not (self.book_close_date and self.record_txn_date):
            return None
        return self.record_txn_date <= self.book_close_date


@dataclass(frozen=True)
class Classification:
    pattern: str
    name: str
    confidence: float
    reason: str
    rule_id: str
    confirmed: bool = False
    needs: tuple[str, ...] = ()
    escalate: bool = False
    candidates: tuple[str, ...] = ()

    @property
    def docs(self) -> str:
        return get_pattern(self.pattern).docs


# --- building signals -----------------------------------------------------------------------------------------

_TIMEOUT_RE = re.compile(r"timed?\s*out|readtimeout|read timeout|deadline exceeded", re.IGNORECASE)
_CONNECTION_RE = re.compile(
    r"connection (refused|reset|error|aborted)|could not connect|name or service not known|failed to establish",
    re.IGNORECASE,
)


def signal_from_attempt(attempt: SyncAttempt) -> FailureSignal:
    """The signal of one Suprata sync attempt: the QuickBooks response exactly as Suprata kept it."""
    error = attempt.error
    if error is None:
        return FailureSignal(record_type=attempt.record_type)
    if not error.body and error.message:
        return _message_only_signal(
            error.message, error.http_status, error.qbo_entity, attempt.record_type, error.kind, error.qbo_operation
        )
    fault = parse_logged_fault(error.http_status, error.body, error.content_type, error.intuit_tid)
    if fault is None and error.kind == "oauth" and error.body:
        fault = extract_fault_from_text(error.body)
    return FailureSignal(
        record_type=attempt.record_type,
        kind=error.kind,
        http_status=error.http_status,
        qbo_entity=error.qbo_entity,
        qbo_operation=error.qbo_operation,
        fault=fault,
        raw=error.body or "",
    )


@lru_cache(maxsize=4096)
def _message_only_signal(
    message: str,
    status: int | None,
    entity: str | None,
    record_type: str,
    kind: ErrorKind | None,
    operation: str | None,
) -> FailureSignal:
    """A message-only log: Suprata's words, read as a person's paste would be, with the status and entity it
    kept. Signals are immutable and a log repeats a few messages thousands of times: each is read once."""
    signal = signal_from_text(message, status=status, entity=entity, kind=kind if kind != "http" else None)
    return replace(signal, record_type=record_type, kind=kind, qbo_operation=operation)


def signal_from_text(
    text: str,
    code: str | int | None = None,
    status: int | None = None,
    entity: str | None = None,
    *,
    record_type: str | None = None,
    kind: ErrorKind | None = None,
    operation: str | None = None,
) -> FailureSignal:
    """The signal of an error pasted by a person: parsed tolerantly; explicit arguments win."""
    text = text if isinstance(text, str) else str(text or "")
    fault = extract_fault_from_text(text)
    if code is not None and str(code).strip():
        fault = _with_code(fault, str(code).strip(), text)
    if status is None:
        status = fault.http_status if fault and fault.http_status else http_status_in_text(text)
    if kind is None:
        kind = _kind_from_text(text, fault)
    return FailureSignal(
        record_type=record_type,
        kind=kind,
        http_status=status,
        qbo_entity=entity or None,
        qbo_operation=operation,
        fault=fault,
        raw=text,
    )


def signal_from_fields(fields: dict[str, Any]) -> FailureSignal:
    """The signal of one structured record (``explain --jsonl`` input, labelled-set lines)."""
    raw = _str(fields.get("raw")) or ""
    message, detail = _str(fields.get("message")), _str(fields.get("detail"))
    status = _int(fields.get("http_status"))
    base = signal_from_text(
        raw or " ".join(p for p in (message, detail) if p),
        code=_str(fields.get("code")),
        status=status,
        entity=_str(fields.get("entity")),
        record_type=_str(fields.get("record_type")),
        kind=_str(fields.get("kind")),  # type: ignore[arg-type]
        operation=_str(fields.get("operation")),
    )
    if message or detail or fields.get("fault_type") or fields.get("element"):
        # Explicit fields describe the fault better than anything found in the text.
        old = base.fault.primary if base.fault else QboError()
        error = QboError(
            code=_str(fields.get("code")) or old.code,
            message=message or old.message,
            detail=detail or old.detail,
            element=_str(fields.get("element")) or old.element,
        )
        fault = base.fault or QboFault(http_status=status, raw=raw, body_format="text")
        rest = fault.errors[1:] if base.fault else ()
        fault = replace(fault, errors=(error, *rest), fault_type=_str(fields.get("fault_type")) or fault.fault_type)
        base = replace(base, fault=fault)
    return base


def _with_code(fault: QboFault | None, code: str, text: str) -> QboFault:
    if fault is None:
        return QboFault(
            http_status=None, errors=(QboError(code=code, message=text[:1000] or None),), raw=text, body_format="text"
        )
    first = replace(fault.primary, code=code)
    return replace(fault, errors=(first, *fault.errors[1:]))


def _kind_from_text(text: str, fault: QboFault | None) -> ErrorKind | None:
    if fault is not None and fault.is_oauth:
        return "oauth"
    if fault is None or not fault.codes:
        if _TIMEOUT_RE.search(text):
            return "timeout"
        if _CONNECTION_RE.search(text):
            return "connection"
    return None


def _str(value: object) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    s = str(value).strip()
    return s or None


def _int(value: object) -> int | None:
    try:
        return int(str(value).strip()) if value is not None and not isinstance(value, bool) else None
    except ValueError:
        return None


# --- classifying --------------------------------------------------------------------------------------------


def classify(signal: FailureSignal, facts: Facts | None = None) -> Classification:
    """The pattern this failure belongs to, how sure we are, and why, in plain words.

    A Fault with several Errors gets the cause to fix first (plan order); ``classify_each`` gives them all.
    """
    return first_to_fix(classify_each(signal, facts))


def first_to_fix(each: tuple[Classification, ...]) -> Classification:
    """Of one Fault's classifications (``classify_each``), the cause to fix first: what ``classify`` answers."""
    known = [c for c in each if c.pattern != "unknown"]
    return min(known, key=lambda c: PATTERNS[c.pattern].plan_order) if known else each[0]


def classify_each(signal: FailureSignal, facts: Facts | None = None) -> tuple[Classification, ...]:
    """One classification per Error of the Fault, in the Fault's order."""
    try:
        return tuple(_classify_safely(s, facts) for s in signal.each_error())
    except Exception as exc:  # a diagnosis must never crash on odd evidence
        return (unknown(f"qbsync could not read this error ({type(exc).__name__}).", "unknown.unreadable", 0.1),)


# Every fact but when the record began failing and when it was judged: of those the rules read only whether
# the failure is over a day old (and whether they are known). Derived, so a fact added later is in the key.
_JUDGED_FACTS = tuple(f.name for f in dataclass_fields(Facts) if f.name not in ("failing_since", "now"))
_judged_facts = attrgetter(*_JUDGED_FACTS)  # one call for all of them: the key is made for every failure


def classification_key(signal: FailureSignal, facts: Facts) -> tuple[Any, ...] | None:
    """What ``classify_each(signal, facts)`` depends on, as a key: equal keys, equal classifications. Signals of
    one logged cause differ only in their raw bodies' time stamps and their intuit_tids, which the rules never
    read (``parsed_once``); facts differ in when the record began failing, of which the rules read only whether
    that was over a day ago. ``None`` (do not share) for a signal built any other way. The key names the shared
    parse by identity (a Fault holds a dict, so it does not hash): keep ``signal`` alive as long as the key."""
    fault = signal.fault
    if fault is None:
        said: Any = signal.raw  # no Fault: the text the rules read is the raw body itself
    else:
        shared = parsed_once(fault)
        if shared is None:
            return None
        said = id(shared) if fault.text else (id(shared), signal.raw[:5000])  # no words: the rules read the body
    return (
        said,
        signal.record_type,
        signal.kind,
        signal.http_status,
        signal.qbo_entity,
        signal.qbo_operation,
        *_judged_facts(facts),
        facts.failing_since is None,
        facts.now is None,
        _failing_over_a_day(facts),
    )


def distinct_causes(each: tuple[Classification, ...]) -> tuple[Classification, ...]:
    """The classifications of one failure that name different causes (first of each pattern)."""
    seen: dict[str, Classification] = {}
    for c in each:
        seen.setdefault(c.pattern, c)
    known = [c for c in seen.values() if c.pattern != "unknown"]
    return tuple(known) if known else tuple(seen.values())[:1]


def _classify_safely(signal: FailureSignal, facts: Facts | None) -> Classification:
    try:
        return _classify(signal, facts)
    except Exception as exc:  # a diagnosis must never crash on odd evidence
        return unknown(f"qbsync could not read this error ({type(exc).__name__}).", "unknown.unreadable", 0.1)


def _classify(signal: FailureSignal, facts: Facts | None) -> Classification:
    rule = first_rule(signal)
    if rule is None:
        return _no_rule(signal)
    confidence = rule.confidence
    if rule.entities and signal.entity_inferred:
        confidence -= 0.1  # the request's entity was guessed from the record type
    if signal.fault and signal.fault.extra.get("partial"):
        confidence -= 0.1  # read from a truncated body
    pattern, reason, confirmed = rule.pattern, rule.says, False
    facts = facts or Facts()

    candidates = rule.candidates or (rule.pattern,)
    verdicts = {pid: _verdict(pid, facts, signal) for pid in candidates}
    chosen = next((pid for pid in candidates if verdicts[pid][0] == "confirms"), None)
    if chosen is not None:
        pattern, confirmed = chosen, True
        why = verdicts[chosen][1]
        reason = f"{reason} Confirmed: {why}." if chosen == rule.pattern else f"{why[0].upper()}{why[1:]}."
        confidence = min(0.98, max(confidence, 0.75) + 0.1)
    elif verdicts.get(rule.pattern, (None, ""))[0] == "contradicts":
        reason = f"{reason} But {verdicts[rule.pattern][1]}, so this is not confirmed."
        confidence = min(confidence, 0.35)
    elif len(candidates) > 1 or (rule.candidates and rule.pattern == "unknown"):
        names = ", ".join(f"{pid} {get_pattern(pid).name}" for pid in candidates)
        reason = f"{reason} Could be: {names}; what QuickBooks holds now would tell."

    known = {f.name for f in dataclass_fields(facts) if getattr(facts, f.name) is not None}
    needs = () if confirmed else tuple(n for n in rule.needs if n not in known)
    escalate = pattern == "P7" and _failing_over_a_day(facts)
    if escalate:
        reason += " It has been failing for over a day: escalate to support."
    p = get_pattern(pattern)
    return Classification(
        pattern=p.id,
        name=p.name,
        confidence=round(max(0.05, confidence), 2),
        reason=reason,
        rule_id=rule.id,
        confirmed=confirmed,
        needs=needs,
        escalate=escalate,
        candidates=tuple(candidates) if len(candidates) > 1 or (rule.candidates and rule.pattern == "unknown") else (),
    )


_RULE_MEMO: dict[tuple[Any, ...], Rule | None] = {}
_RULE_MEMO_MAX = 8192  # distinct error texts held; past it the memo starts again (a bound, not a working size)


def first_rule(signal: FailureSignal) -> Rule | None:
    """The first rule of the table the signal matches. ``matches`` reads nothing but the parts of the signal in
    ``_match_key``, so signals equal in those share one answer: a log of 50,000 failures holds a few dozen
    distinct errors, and each is matched against the table's regular expressions once."""
    key = _match_key(signal)
    try:
        return _RULE_MEMO[key]
    except KeyError:
        pass
    rule = next((r for r in RULES if matches(r, signal)), None)
    if len(_RULE_MEMO) >= _RULE_MEMO_MAX:
        _RULE_MEMO.clear()
    _RULE_MEMO[key] = rule
    return rule


def _match_key(signal: FailureSignal) -> tuple[Any, ...]:
    """Everything ``matches`` (and ``named_subject``) reads of a signal."""
    fault = signal.fault
    elements = tuple(e.element for e in fault.errors) if fault is not None else ()
    return (
        signal.codes,
        signal.status,
        signal.kind,
        signal.qbo_operation or "",
        signal.entity,
        signal.text,
        signal.fields,
        elements,
    )


def matches(rule: Rule, signal: FailureSignal) -> bool:
    """Whether every condition the rule sets holds for the signal."""
    codes = signal.codes
    if rule.codes and not any(c in rule.codes for c in codes):
        return False
    if rule.no_code and codes:
        return False
    if rule.statuses and signal.status not in rule.statuses:
        return False
    if rule.kinds and signal.kind not in rule.kinds:
        return False
    if rule.operations and (signal.qbo_operation or "") not in rule.operations:
        return False
    if rule.entities and signal.entity not in rule.entities:
        return False
    if rule.text_re is not None and not rule.text_re.search(signal.text):
        return False
    if rule.terms and not all(_term(t).search(signal.text) for t in rule.terms):
        return False
    if rule.subjects and signal.subject not in rule.subjects:
        return False
    return rule.field_re is None or bool(rule.field_re.search(signal.fields))


_TERM_RES: dict[str, re.Pattern[str]] = {}


def _term(name: str) -> re.Pattern[str]:
    if name not in _TERM_RES:
        _TERM_RES[name] = re.compile(TERMS[name], re.IGNORECASE)
    return _TERM_RES[name]


_SUBJECT_RES = {kind: re.compile(rx, re.IGNORECASE) for kind, rx in SUBJECTS.items()}
_ELEMENT_RES = tuple((re.compile(rx), kind) for rx, kind in ELEMENT_SUBJECTS)


def named_subject(signal: FailureSignal) -> str:
    """Which record an error names: by its element first, then by references and words in its text."""
    elements = [e.element for e in signal.fault.errors if e.element] if signal.fault else []
    found = {kind for el in elements for rx, kind in _ELEMENT_RES if rx.search(el)}
    text = signal.text
    if not found:
        found = {kind for rx, kind in _ELEMENT_RES if rx.search(text)}
    if not found:
        found = {kind for kind, rx in _SUBJECT_RES.items() if rx.search(text)}
    if not found:
        return "none"
    if "customer" in found and found <= NAME_LIST_KINDS:
        return "customer"  # QuickBooks' shared name list; Suprata syncs only its customers
    return next(iter(found)) if len(found) == 1 else "several"


def _verdict(pattern: str, f: Facts, signal: FailureSignal) -> tuple[str | None, str]:
    """("confirms" | "contradicts" | None, why): what the facts say about one pattern."""
    if pattern == "P1":
        if f.customer_state in ("missing", "inactive", "deleted"):
            return "confirms", f"the customer is {f.customer_state} in QuickBooks"
        if f.name_conflict_with in ("customer", "vendor", "employee"):
            return "confirms", f"a {f.name_conflict_with} in QuickBooks already uses that name"
        if f.customer_state == "ok" and f.name_conflict_with in (None, "none"):
            return "contradicts", "the customer is active in QuickBooks and no other name clashes with it"
        if f.name_conflict_with == "none":
            return "contradicts", "no customer, vendor or employee in QuickBooks uses that name"
    elif pattern == "P2":
        if f.item_conflict:
            return "confirms", "QuickBooks has an item of that name that is not linked to Suprata"
        if f.item_inactive:
            return "confirms", "the linked QuickBooks item is inactive"
        if f.item_conflict is False:  # and not inactive: that returned above
            return "contradicts", "QuickBooks has no unlinked item of that name"
    elif pattern == "P3":
        if f.in_closed_period is not None:
            if f.in_closed_period:
                return "confirms", (
                    f"the record is dated {f.record_txn_date}, on or before the books-close date {f.book_close_date}"
                )
            return "contradicts", (
                f"the record is dated {f.record_txn_date}, after the books-close date {f.book_close_date}"
            )
    elif pattern == "P4":
        if f.tax_code_state in ("unmapped", "inactive", "missing"):
            return "confirms", f"the tax code for this invoice is {f.tax_code_state}"
        if f.tax_code_state == "ok":
            return "contradicts", "the tax mapping and QuickBooks tax code look fine"
    elif pattern == "P5":
        if f.connection_state in ("expired", "revoked"):
            return "confirms", f"the QuickBooks connection is {f.connection_state}"
        if f.connection_state == "ok":
            return "contradicts", (
                "the QuickBooks connection works now (likely a short-lived access token that is renewed by itself)"
            )
    elif pattern == "P6":
        if f.linked_txn_deleted:
            return "confirms", "the linked transaction was deleted in QuickBooks"
        if f.qbo_duplicate_count is not None and f.qbo_duplicate_count >= 2:
            return "confirms", f"QuickBooks holds {f.qbo_duplicate_count} copies of the record"
        if f.qbo_duplicate_count == 1 and signal.kind == "timeout":
            return "confirms", "QuickBooks saved the record although the attempt timed out"
        if f.qbo_duplicate_count == 0:  # and nothing deleted: that returned above
            return "contradicts", "QuickBooks holds no copy of the record"
    elif pattern == "P7":
        if signal.kind == "timeout" and f.qbo_duplicate_count == 0:
            return "confirms", "nothing was saved in QuickBooks, so a retry is safe"
        if signal.kind == "timeout" and f.qbo_duplicate_count:
            return "contradicts", "QuickBooks did save the record"
    return None, ""


def _failing_over_a_day(f: Facts) -> bool:
    if f.failing_since is None or f.now is None:
        return False
    try:
        return f.now - f.failing_since > ESCALATE_AFTER
    except TypeError:  # naive vs aware datetimes: do not guess
        return False


def _no_rule(signal: FailureSignal) -> Classification:
    fault = signal.fault
    if fault is None and not signal.raw.strip() and signal.status is None and signal.kind is None:
        return unknown("There is nothing to go on: no QuickBooks answer was recorded.", "unknown.no-evidence", 0.1)
    bits = []
    if fault and fault.code:
        bits.append(f"code {fault.code}")
    if fault and fault.message:
        bits.append(f'"{fault.message[:120]}"')
    if signal.status:
        bits.append(f"HTTP {signal.status}")
    if signal.qbo_entity:
        bits.append(f"on {signal.qbo_entity}")
    said = ", ".join(bits) or "this text"
    return unknown(f"No pattern fits {said}; qbsync will not guess.", "unknown.no-rule")


def unknown(reason: str, rule_id: str, confidence: float = 0.3) -> Classification:
    """The ``unknown`` answer, with why."""
    p = get_pattern("unknown")
    return Classification(pattern=p.id, name=p.name, confidence=confidence, reason=reason, rule_id=rule_id)
