"""qbsync: find out why invoices and payments are not reaching QuickBooks Online, and what to do about it."""

__version__ = "0.1.0"
