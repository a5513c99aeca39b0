"""``qbsync preflight``: what each record not in QuickBooks yet will meet when Suprata pushes it. Read-only."""
