"""Long-running commands (`index --follow`, `keeper`) stop on Ctrl-C and on `kill` alike, with their summary.

Python raises KeyboardInterrupt on SIGINT only when the process started with SIGINT at its default: a command
started in the background by a non-interactive shell (`tradechain index --follow &` in a script, or under a test
run started that way) inherits SIGINT *ignored*, and then Ctrl-C did nothing. These commands say "Ctrl-C to
stop", so they take SIGINT back, and treat SIGTERM the same way.
"""

from __future__ import annotations

import signal


def stop_on_interrupt() -> None:
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt
