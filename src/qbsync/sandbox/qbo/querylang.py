"""The QBO query language: ``SELECT * | COUNT(*) FROM Entity [WHERE ...] [ORDERBY ...] [STARTPOSITION n]
[MAXRESULTS n]``.

Errors mimic QBO's JavaCC parser (4000 ``QueryParserError: Encountered ...``) and its validator (4001
``QueryValidationError: ...``). The grammar accepts ``OR`` (the real parser lists ``<OR>`` among expected
tokens) and the validator then refuses it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from qbsync.sandbox.qbo import faults
from qbsync.sandbox.qbo.schema import QUERYABLE, TIMESTAMP_FIELDS, canonical

DEFAULT_MAX_RESULTS = 100  # Intuit staff: "Default maxresults for any query is 100"
MAX_RESULTS_CAP = 1000

_KEYWORDS = {
    "select", "count", "from", "where", "and", "or", "orderby", "order", "by", "asc", "desc", "startposition",
    "maxresults", "in", "like", "true", "false", "iterator",
}  # fmt: skip
_NAMED = {"and": "<AND>", "or": "<OR>"}
_AFTER_CONDITION = ["<EOF>", "<AND>", '"iterator"', '"maxresults"', "<OR>", '"order"', '"orderby"', '"startposition"']
_TOKEN_RE = re.compile(
    r"\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<op><=|>=|<>|!=|=|<|>)|(?P<punct>[*(),])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)|(?P<quote>'))"
)


@dataclass
class Token:
    kind: str  # word | keyword | num | str | op | punct | eof
    text: str
    value: Any
    col: int


@dataclass
class Condition:
    field: str
    op: str  # = < > <= >= IN LIKE
    value: Any


@dataclass
class Query:
    entity: str
    count: bool = False
    where: list[Condition] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    start: int = 1
    max_results: int = DEFAULT_MAX_RESULTS

    def mentions(self, name: str) -> bool:
        return any(c.field.lower() == name.lower() for c in self.where)


def _lex_error(col: int, ch: str) -> faults.QboError:
    return faults.query_parser_error(
        f'Invalid content. Lexical error at line 1, column {col}.  Encountered: "{ch}" ({ord(ch)}), after : ""'
    )


def tokenize(text: str) -> list[Token]:
    """All tokens; a lexical error becomes a final ``lexerr`` token so that, as in JavaCC, a parse error
    earlier in the statement is reported first."""
    tokens: list[Token] = []
    try:
        _lex(text, tokens)
    except faults.QboError as err:
        tokens.append(Token("lexerr", "", err, 0))
    return tokens


def _lex(text: str, tokens: list[Token]) -> None:
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            tokens.append(Token("eof", "<EOF>", None, pos + 1))
            return
        m = _TOKEN_RE.match(text, pos)
        if not m:
            raise _lex_error(pos + 1, text[pos])
        col = m.start(m.lastgroup or 0) + 1
        if m.group("num") is not None:
            raw = m.group("num")
            tokens.append(Token("num", raw, float(raw) if "." in raw else int(raw), col))
            pos = m.end()
        elif m.group("op") is not None:
            if m.group("op") in ("<>", "!="):
                raise _lex_error(col, m.group("op")[0] if m.group("op") == "!=" else ">")
            tokens.append(Token("op", m.group("op"), m.group("op"), col))
            pos = m.end()
        elif m.group("punct") is not None:
            tokens.append(Token("punct", m.group("punct"), m.group("punct"), col))
            pos = m.end()
        elif m.group("word") is not None:
            word = m.group("word")
            kind = "keyword" if word.lower() in _KEYWORDS else "word"
            tokens.append(Token(kind, word, word.lower() if kind == "keyword" else word, col))
            pos = m.end()
        else:  # a quoted string; backslash escapes the next character (``'Amy\'s Bird Sanctuary'``)
            i = m.end()
            out: list[str] = []
            while True:
                if i >= len(text):
                    raise faults.query_parser_error(  # an unterminated string literal
                        f'Invalid content. Lexical error at line 1, column {len(text) + 1}.  Encountered: <EOF> after : ""'
                    )
                ch = text[i]
                if ch == "\\" and i + 1 < len(text):
                    out.append(text[i + 1])
                    i += 2
                elif ch == "'":
                    i += 1
                    break
                else:
                    out.append(ch)
                    i += 1
            tokens.append(Token("str", text[col - 1 : i], "".join(out), col))
            pos = i


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.extras: list[str] = []  # properties named after ``*``

    @property
    def tok(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind == "lexerr":
            raise tok.value
        return tok

    def advance(self) -> Token:
        tok = self.tok
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return tok

    def fail(self, expected: list[str]) -> faults.QboError:
        tok = self.tok
        if tok.kind == "eof":
            found = '"<EOF>"'
        elif tok.kind == "keyword":
            found = f'" {_NAMED.get(tok.value, repr(tok.value).replace(chr(39), chr(34)))} "{tok.text} ""'
        else:
            kind = {"word": "<IDENTIFIER>", "num": "<INTEGER>", "str": "<STRING>"}.get(tok.kind, f'"{tok.text}"')
            found = f'" {kind} "{tok.text} ""'
        if len(expected) == 1:
            want = f"Was expecting:\n    {expected[0]} ...\n    "
        else:
            want = (
                "Was expecting one of:\n"
                + "".join(f"    {e} \n" if e == "<EOF>" else f"    {e} ...\n" for e in expected)
                + "    "
            )
        return faults.query_parser_error(f"Encountered {found} at line 1, column {self.tok.col}.\n{want}")

    def keyword(self, *words: str) -> bool:
        if self.tok.kind == "keyword" and self.tok.value in words:
            self.advance()
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            raise self.fail([f'"{word}"'])

    def expect_punct(self, p: str) -> None:
        if self.tok.kind == "punct" and self.tok.text == p:
            self.advance()
            return
        raise self.fail([f'"{p}"'])

    def identifier(self) -> str:
        if self.tok.kind == "word":
            return self.advance().text
        raise self.fail(["<IDENTIFIER>"])

    def literal(self) -> Any:
        tok = self.tok
        if tok.kind in ("str", "num"):
            return self.advance().value
        if tok.kind == "keyword" and tok.value in ("true", "false"):
            self.advance()
            return tok.value == "true"
        raise self.fail(["<STRING>", "<INTEGER>", '"true"', '"false"'])

    def integer(self) -> int:
        if self.tok.kind == "num" and isinstance(self.tok.value, int):
            return self.advance().value
        if self.tok.kind == "str" and re.fullmatch(r"-?\d+", self.tok.value):
            return int(self.advance().value)
        raise self.fail(["<INTEGER>"])

    def parse(self) -> tuple[Query, bool]:
        self.expect_keyword("select")
        count = False
        if self.tok.kind == "punct" and self.tok.text == "*":
            self.advance()
            # ``SELECT *, Sku FROM Item`` (python-quickbooks' Item.all) is accepted: every property comes back
            # anyway, so the named extras change nothing (python-quickbooks PR #379, issue #373).
            while self.tok.kind == "punct" and self.tok.text == ",":
                self.advance()
                q_extra = self.identifier()
                self.extras.append(q_extra)
        elif self.keyword("count"):
            self.expect_punct("(")
            self.expect_punct("*")
            self.expect_punct(")")
            count = True
        else:
            raise self.fail(['"*"', '"count"'])
        self.expect_keyword("from")
        entity = self.identifier()
        q = Query(entity=entity, count=count)
        used_or = False
        if self.keyword("where"):
            while True:
                q.where.append(self.condition())
                if self.keyword("and"):
                    continue
                if self.keyword("or"):
                    used_or = True
                    continue
                break
        while self.tok.kind != "eof":
            if self.keyword("order"):
                self.expect_keyword("by")
                self.tokens.insert(self.i, Token("keyword", "orderby", "orderby", self.tok.col))
            if self.keyword("orderby"):
                while True:
                    name = self.identifier()
                    desc = self.keyword("desc")
                    if not desc:
                        self.keyword("asc")
                    q.order.append((name, desc))
                    if not (self.tok.kind == "punct" and self.tok.text == ","):
                        break
                    self.advance()
            elif self.keyword("startposition"):
                q.start = self.integer()
            elif self.keyword("maxresults"):
                q.max_results = self.integer()
            else:
                raise self.fail(
                    _AFTER_CONDITION if q.where else ["<EOF>", '"where"', *_AFTER_CONDITION[2:4], *_AFTER_CONDITION[5:]]
                )
        return q, used_or

    def condition(self) -> Condition:
        name = self.identifier()
        if self.keyword("in"):
            self.expect_punct("(")
            values = [self.literal()]
            while self.tok.kind == "punct" and self.tok.text == ",":
                self.advance()
                values.append(self.literal())
            self.expect_punct(")")
            return Condition(name, "IN", values)
        if self.keyword("like"):
            if self.tok.kind != "str":
                raise self.fail(["<STRING>"])
            return Condition(name, "LIKE", self.advance().value)
        if self.tok.kind == "op":
            op = self.advance().text
            return Condition(name, op, self.literal())
        raise self.fail(['"="', '"<"', '">"', '"<="', '">="', '"in"', '"like"'])


def parse(text: str) -> Query:
    """Parse and validate a statement; raises ``QboError`` 4000/4001 like QBO."""
    if not text.strip():
        raise faults.query_parser_error(
            'Encountered "<EOF>" at line 0, column 0.\nWas expecting:\n    "select" ...\n    '
        )
    parser = _Parser(text.strip())
    q, used_or = parser.parse()
    entity = canonical(q.entity)
    if entity is None:
        raise faults.query_validation_error(f"invalid context declaration: {q.entity}")
    q.entity = entity
    allowed_extras = QUERYABLE.get(entity)
    for extra in parser.extras:
        if allowed_extras is not None and extra.lower() not in {f.lower() for f in allowed_extras}:
            raise faults.query_validation_error(f"property '{extra}' is not queryable")  # wording unconfirmed
    if used_or:
        # Unconfirmed wording; OR is documented as unsupported and the parser itself accepts the token.
        raise faults.query_validation_error("OR operator is not supported")
    allowed = QUERYABLE.get(entity)
    if allowed is not None:
        by_lower = {f.lower(): f for f in allowed}
        for cond in q.where:
            if cond.field.lower() not in by_lower:
                raise faults.query_validation_error(f"property '{cond.field}' is not queryable")
            cond.field = by_lower[cond.field.lower()]
        q.order = [(by_lower.get(f.lower(), f), d) for f, d in q.order]
        for f, _ in q.order:
            if f not in allowed:
                raise faults.query_validation_error(f"property '{f}' is not queryable")
    for value in (q.start, q.max_results):
        if value < 1:
            raise faults.query_validation_error(f"value {value} is too small. Min allowed value is 1")
    if q.max_results > MAX_RESULTS_CAP:  # refused, not capped (quickbooks-ruby #24)
        raise faults.query_validation_error(
            f"value {q.max_results} is too large. Max allowed value is {MAX_RESULTS_CAP}"
        )
    return q


# --- evaluation -----------------------------------------------------------------------------------


def _lookup(row: dict[str, Any], dotted: str) -> Any:
    value: Any = row
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if isinstance(value, dict):  # references compare on their value; addresses on Address
        value = value.get("value", value.get("Address", value.get("FreeFormNumber")))
    return value


def _parse_ts(text: str, tz: ZoneInfo) -> datetime | None:
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return dt.replace(tzinfo=tz) if dt.tzinfo is None else dt


def _coerce(field_name: str, stored: Any, literal: Any, tz: ZoneInfo) -> tuple[Any, Any] | None:
    """Bring a stored value and a literal to one comparable type, or None if they cannot be compared."""
    if stored is None:
        return None
    if field_name in TIMESTAMP_FIELDS:
        a, b = _parse_ts(str(stored), tz), _parse_ts(str(literal), tz)
        return (a, b) if a and b else None
    if isinstance(stored, bool):
        if isinstance(literal, str):
            literal = literal.lower() == "true"
        return stored, bool(literal)
    if isinstance(stored, int | float) or field_name == "Id" or field_name.endswith("Ref"):
        try:
            return float(stored), float(literal)
        except (TypeError, ValueError):
            return str(stored).casefold(), str(literal).casefold()
    return str(stored).casefold(), str(literal).casefold()


_OPS = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def matches(cond: Condition, row: dict[str, Any], tz: ZoneInfo) -> bool:
    stored = _lookup(row, cond.field)
    if cond.op == "IN":
        if stored is None:
            return False
        if cond.field in TIMESTAMP_FIELDS or isinstance(stored, bool):
            return any((p := _coerce(cond.field, stored, lit, tz)) and p[0] == p[1] for lit in cond.value)
        return _in(cond.field, stored, tuple(cond.value))
    if cond.op == "LIKE":
        if stored is None:
            return False
        pattern = ".*".join(re.escape(part) for part in cond.value.split("%"))
        return re.fullmatch(pattern, str(stored), re.IGNORECASE | re.DOTALL) is not None
    pair = _coerce(cond.field, stored, cond.value, tz)
    if pair is None:
        return False
    try:
        return bool(_OPS[cond.op](*pair))
    except TypeError:
        return False


def _in(field_name: str, stored: Any, literals: tuple[Any, ...]) -> bool:
    """``IN`` as set lookups, same rules as ``_coerce``: numbers when both sides are numbers, else text."""
    numbers, texts_of_non_numbers, all_texts = _in_sets(literals)
    text = str(stored).casefold()
    if isinstance(stored, int | float) or field_name == "Id" or field_name.endswith("Ref"):
        try:
            number = float(stored)
        except (TypeError, ValueError):
            return text in all_texts
        return number in numbers or text in texts_of_non_numbers
    return text in all_texts


@functools.lru_cache(maxsize=64)
def _in_sets(literals: tuple[Any, ...]) -> tuple[frozenset[float], frozenset[str], frozenset[str]]:
    # A 1,000-key IN over thousands of rows was 1,000 coercions a row; now it is one set lookup.
    numbers, non_numbers = set(), set()
    for literal in literals:
        try:
            numbers.add(float(literal))
        except (TypeError, ValueError):
            non_numbers.add(str(literal).casefold())
    return frozenset(numbers), frozenset(non_numbers), frozenset(str(lit).casefold() for lit in literals)


def _sort_key(field_name: str, tz: ZoneInfo):
    def key(row: dict[str, Any]) -> tuple[int, Any]:
        value = _lookup(row, field_name)
        if value is None:
            return (1, "")
        if field_name in TIMESTAMP_FIELDS:
            return (0, _parse_ts(str(value), tz))
        if field_name == "Id":
            return (0, int(value))
        if isinstance(value, int | float) and not isinstance(value, bool):
            return (0, float(value))
        return (0, str(value).casefold())

    return key


@dataclass
class QueryResult:
    entity: str
    rows: list[dict[str, Any]]
    start: int
    total: int | None = None  # COUNT(*) only

    def response(self) -> dict[str, Any]:
        if self.total is not None:
            return {"totalCount": self.total}
        if not self.rows:
            return {}  # exact empty shape unconfirmed; QBO leaves the entity key out
        return {self.entity: self.rows, "startPosition": self.start, "maxResults": len(self.rows)}


def execute(q: Query, rows: list[dict[str, Any]], tz: ZoneInfo, *, hide_inactive: bool) -> QueryResult:
    """Filter, order and page ``rows`` (already QBO-shaped, without deleted transactions)."""
    if hide_inactive and not q.mentions("Active"):
        rows = [r for r in rows if r.get("Active", True)]
    rows = [r for r in rows if all(matches(c, r, tz) for c in q.where)]
    if q.count:
        return QueryResult(q.entity, [], q.start, total=len(rows))
    rows.sort(key=_sort_key("Id", tz))
    for name, desc in reversed(q.order):
        present = [r for r in rows if _lookup(r, name) is not None]
        absent = [r for r in rows if _lookup(r, name) is None]
        present.sort(key=_sort_key(name, tz), reverse=desc)
        rows = present + absent
    page = rows[q.start - 1 : q.start - 1 + q.max_results]
    return QueryResult(q.entity, page, q.start)
