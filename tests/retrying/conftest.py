"""Fixtures for the retry tests; the helpers live in ``retry_kit`` (a unique module name)."""

from retry_kit import company

__all__ = ["company"]
