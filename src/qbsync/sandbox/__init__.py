"""A local emulator of QuickBooks Online v3, Intuit OAuth 2.0 and the Suprata API.

Usable in-process (an httpx transport and a requests adapter, no sockets) and as a real server on
127.0.0.1. Failures arise from the state of the emulated systems, never from canned strings.
"""

IN_PROCESS_BASE = "http://sandbox.invalid"
"""Base URL of the in-process sandbox. ``.invalid`` can never resolve, so a leak can never reach a real host."""
