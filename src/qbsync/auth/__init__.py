"""The QuickBooks connection: the token store and the errors it can raise."""
