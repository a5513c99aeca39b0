"""The one exit-code contract (httpie's ExitStatus, Nagios plugin API).

Checks (``status``, ``diagnose``, ``check``, ``trace``): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
Actions (``retry``, ``reconnect``, ``config set``): 0 success, 1 failure (partial results say so in the
JSON envelope). Any command: 3 when it could not run at all (usage, configuration, unreachable host),
130 on Ctrl-C.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3
    INTERRUPTED = 130

    # Aliases for action commands: same numbers, clearer at the call site.
    SUCCESS = 0
    FAILURE = 1


EXIT_CODES_HELP = (
    "Exit codes: 0 OK / success; 1 WARNING (only transient failures or risks ahead) or, for actions, failure; "
    "2 CRITICAL (something needs action); 3 UNKNOWN (could not check: usage, configuration, network); "
    "130 interrupted."
)

STATUS_BY_CODE = {0: "ok", 1: "warning", 2: "critical", 3: "error", 130: "error"}
