from datetime import date
from decimal import Decimal

import pytest

from qbsync.clients import query as q


def test_quote_escapes_quotes_and_backslashes():
    assert q.quote("Amy's Bird Sanctuary") == r"'Amy\'s Bird Sanctuary'"
    assert q.quote("a\\b") == r"'a\\b'"
    assert q.quote("\\'") == r"'\\\''"
    assert q.quote(True) == "true"
    assert q.quote(Decimal("10.50")) == "10.50"
    assert q.quote(date(2026, 1, 31)) == "'2026-01-31'"


def test_select_renders_conditions_with_and_order_and_paging():
    stmt = (
        q.select("Invoice")
        .eq("DocNumber", "INV-1'2")
        .in_("Id", ["1", "2"])
        .like("PrivateNote", "%Void%")
        .where("TxnDate", ">=", date(2026, 1, 1))
        .order_by("TxnDate", descending=True)
        .page(1001, 1000)
    )
    assert stmt.render() == (
        "SELECT * FROM Invoice WHERE DocNumber = 'INV-1\\'2' AND Id IN ('1', '2') AND PrivateNote LIKE '%Void%' "
        "AND TxnDate >= '2026-01-01' ORDERBY TxnDate DESC STARTPOSITION 1001 MAXRESULTS 1000"
    )
    assert q.count("Customer").in_("Active", (True, False)).render() == (
        "SELECT COUNT(*) FROM Customer WHERE Active IN (true, false)"
    )


@pytest.mark.parametrize("bad", ["Id OR 1", "Id;", "x'", "", "1Id"])
def test_names_cannot_carry_syntax(bad):
    with pytest.raises(ValueError):
        q.select("Invoice").eq(bad, "1")


def test_no_or_and_limits():
    with pytest.raises(ValueError):
        q.select("Invoice").where("Id", "OR", "1")
    with pytest.raises(ValueError):
        q.select("Invoice").in_("Id", [])
    with pytest.raises(ValueError):
        q.select("Invoice").in_("Id", [str(i) for i in range(1001)])
    with pytest.raises(ValueError):
        q.select("Invoice").page(0)
    with pytest.raises(ValueError):
        q.select("Invoice").page(1, 1001)


def test_chunked_in_dedupes_and_caps_at_1000_keys():
    keys = [str(i) for i in range(2500)] + ["5", "", "7"]
    stmts = q.chunked_in(q.select("Customer").eq("Active", True), "Id", keys)
    assert [len(s.conditions[-1].value) for s in stmts] == [1000, 1000, 500]
    assert stmts[0].render().startswith("SELECT * FROM Customer WHERE Active = true AND Id IN ('0', '1', ")
    assert q.chunked_in("Item", "Name", []) == []
