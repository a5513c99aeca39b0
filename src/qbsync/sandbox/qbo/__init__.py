"""Emulated QuickBooks Online Accounting API v3 (mounted at ``/qbo``; paths ``/v3/company/{realm}/...``).

Seed a company with ``QboSandbox.add_company`` and act on it "directly in QuickBooks" through
``QboSandbox.company(realm)`` (a ``QboCompany``). Faithful to docs/qbo-api reference sections 1-8 and 11.
"""

from qbsync.sandbox.qbo.company import QboCompany
from qbsync.sandbox.qbo.faults import QboError
from qbsync.sandbox.qbo.injection import Faults
from qbsync.sandbox.qbo.service import QboSandbox
from qbsync.sandbox.qbo.validation import WriteContext

__all__ = ["Faults", "QboCompany", "QboError", "QboSandbox", "WriteContext"]
