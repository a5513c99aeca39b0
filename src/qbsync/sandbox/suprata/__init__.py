"""Emulated Suprata: the account's data (``store``), its API (``api``), its QuickBooks connection and sync
engine (``connection``, ``engine``). Import from the modules themselves: this package re-exports nothing."""
