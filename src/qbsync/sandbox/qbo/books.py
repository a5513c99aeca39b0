"""What the write checks (``validation``) and the transaction arithmetic (``txnmath``) read of a company, as a
structural type: ``company.QboCompany`` is one. They name this rather than the company, which imports them,
so the package has no import cycle, not even one for types only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Protocol


class Records(Protocol):
    """The company's entity store (``store.EntityStore``), as the checks read it."""

    @property
    def meta(self) -> Mapping[tuple[str, str], Any]: ...

    def get(self, entity: str, id_: str) -> dict[str, Any] | None: ...

    def all(self, entity: str) -> list[dict[str, Any]]: ...

    def holder_of_name(self, entity: str, name: str) -> tuple[str, str] | None: ...

    def is_deleted(self, entity: str, id_: str) -> bool: ...


class Books(Protocol):
    """A company's books and settings, as a write is checked and its amounts are worked out against them."""

    @property
    def store(self) -> Records: ...

    @property
    def country(self) -> str: ...

    @property
    def book_close_date(self) -> date | None: ...

    @property
    def close_password_required(self) -> bool: ...

    @property
    def custom_txn_numbers(self) -> bool: ...

    @property
    def duplicate_doc_number_check(self) -> bool: ...

    @property
    def partner_tax_enabled(self) -> bool: ...

    @property
    def using_sales_tax(self) -> bool: ...

    @property
    def voided(self) -> set[tuple[str, str]]: ...  # (entity, Id) of the transactions voided

    def today(self) -> date: ...

    def next_doc_number(self, entity: str) -> str: ...
