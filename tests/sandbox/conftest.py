"""Fixtures for the QBO emulator tests; the helpers live in ``qbo_kit`` (a unique module name, so test folders
never shadow each other's ``conftest``)."""

from qbo_kit import api, app, bearer, clock, company, http, qbo, seeded, tokens

__all__ = ["api", "app", "bearer", "clock", "company", "http", "qbo", "seeded", "tokens"]
