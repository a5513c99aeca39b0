"""Emulated Suprata: the account's data (store), its API (api), its QuickBooks connection and sync engine."""

from qbsync.sandbox.suprata.api import SuprataService
from qbsync.sandbox.suprata.engine import SyncEngine
from qbsync.sandbox.suprata.store import SuprataStore

__all__ = ["SuprataService", "SuprataStore", "SyncEngine"]
