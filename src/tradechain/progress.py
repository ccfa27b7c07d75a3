"""Progress lines for long work (the first compile, deploying the suite, the demo's scenarios, bench runs): one
line on stderr per stage, so a person knows the tool is working and what it waits for.

Shown when stderr is a terminal, or with TRADECHAIN_PROGRESS=1; never with TRADECHAIN_PROGRESS=0. Programs that
read stdout (--json) are never disturbed: progress goes to stderr only.
"""

from __future__ import annotations

import os
import sys
import time

ENV = "TRADECHAIN_PROGRESS"
_started: list[float] = []


def enabled() -> bool:
    setting = os.environ.get(ENV, "")
    if setting in ("0", "1"):
        return setting == "1"
    return sys.stderr.isatty()


def step(message: str) -> None:
    """Say what is starting now ("compiling 23 sources with solc-js (first build, about 25 s)")."""
    if enabled():
        if not _started:
            _started.append(time.perf_counter())
        print(f"… {message}", file=sys.stderr, flush=True)
