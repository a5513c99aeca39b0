"""``qbsync retry``: one safe retry per record, in dependency order, that can never create a duplicate.

targets.py resolves what to retry, preflight.py decides per record with fresh evidence, executor.py sends
and waits, history.py remembers every retry qbsync sent, core.py ties them together.
"""
