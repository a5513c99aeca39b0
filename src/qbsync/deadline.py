"""How long one qbsync command may run, and how long it keeps asking a service that does not answer.

Two bounds, both documented in docs/cli.md ("Deadlines"):

- the **deadline** of the whole command (``--timeout``, ``QBSYNC_TIMEOUT``): no request starts after it, no
  answer is awaited past it, no retry wait crosses it;
- the **patience** with one service: once QuickBooks (or Suprata) has answered 429/5xx or not at all for this
  many seconds in a row, the run stops asking it and says what it could not confirm.

Both are measured on the run's ``Clock``, so a ``VirtualClock`` test waits for neither.
"""

from __future__ import annotations

from qbsync.clock import Clock

CHECK_DEADLINE_SECONDS = 60.0  # status, check, diagnose, trace and everything else that only reads
RETRY_DEADLINE_SECONDS = 900.0  # retry paces its sends (Suprata's limit) and waits for the outcomes
RECONNECT_DEADLINE_SECONDS = 360.0  # reconnect waits up to 300 s for the person at the browser
SERVICE_PATIENCE_SECONDS = 20.0  # retrying one service that keeps refusing or not answering
ANSWER_TIMEOUT_SECONDS = 30.0  # the longest qbsync waits for one answer
WATCHDOG_GRACE_SECONDS = 15.0  # past the deadline plus this, the process ends with a one-line error

COMMAND_DEADLINES: dict[str, float | None] = {
    "retry": RETRY_DEADLINE_SECONDS,
    "reconnect": RECONNECT_DEADLINE_SECONDS,
    "sandbox": None,  # `sandbox serve` serves until Ctrl-C; `sandbox scenarios` is local
}


def default_deadline(command: str) -> float | None:
    """The documented default deadline of ``command`` in seconds (None: runs until stopped)."""
    return COMMAND_DEADLINES.get(command, CHECK_DEADLINE_SECONDS)


class Deadline:
    """The moment (on ``clock``'s monotonic time) by which a command must have ended."""

    def __init__(self, clock: Clock, seconds: float | None) -> None:
        self.clock = clock
        self.seconds = seconds
        self._at = None if seconds is None else clock.monotonic() + seconds

    def remaining(self) -> float | None:
        """Seconds left (never below 0), or None when there is no deadline."""
        if self._at is None:
            return None
        return max(0.0, self._at - self.clock.monotonic())

    def expired(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0.0

    def allows(self, seconds: float) -> bool:
        """Whether waiting ``seconds`` from now still ends before the deadline."""
        left = self.remaining()
        return left is None or seconds < left

    def describe(self) -> str:
        return "no deadline" if self.seconds is None else f"the {self.seconds:g} s deadline"
