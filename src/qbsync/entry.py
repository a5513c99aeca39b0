"""The console script's entry: tiny on purpose, so Ctrl-C during start-up also ends with exit 130.

Loading the CLI (typer, rich) takes a moment; a SIGINT in that window used to end the process with a
KeyboardInterrupt traceback (exit 1) or by the signal itself. Until ``run`` is ready to turn Ctrl-C into its
own exit 130, an interrupt simply ends the process with 130: nothing has been started that needs cleaning up.
"""

from __future__ import annotations

import os
import signal
import sys

INTERRUPTED = 130


def _early_interrupt(signum: int, frame: object) -> None:
    os._exit(INTERRUPTED)


def main() -> None:
    previous = signal.signal(signal.SIGINT, _early_interrupt)
    from qbsync.cli.app import run

    signal.signal(signal.SIGINT, previous)  # from here on, run() maps KeyboardInterrupt to 130
    sys.exit(run())
