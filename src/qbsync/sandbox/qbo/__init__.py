"""Emulated QuickBooks Online Accounting API v3 (mounted at ``/qbo``; paths ``/v3/company/{realm}/...``).

Seed a company with ``service.QboSandbox.add_company`` and act on it "directly in QuickBooks" through
``QboSandbox.company(realm)`` (a ``company.QboCompany``). Faithful to docs/qbo-api reference sections 1-8 and
11. Import from the modules themselves: this package re-exports nothing, so importing one of its modules never
imports the rest (and no module of it can import itself back through here).
"""
