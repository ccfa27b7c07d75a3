"""Start-up time of commands that touch no chain, and cold and warm compile times."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

LIMIT = 0.3  # seconds, for `tradechain --help` and other offline commands
COMMANDS = (["--help"], ["bench", "--help"], ["order", "--help"], ["--version"])
PROBE = "import sys, tradechain.cli; print(sorted(m for m in ('web3', 'eth_tester', 'matplotlib') if m in sys.modules))"


def measure(repeats: int = 5) -> dict:
    exe = Path(sys.executable).with_name("tradechain")
    cmds = {}
    for args in COMMANDS:
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            subprocess.run([str(exe), *args], check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - t)
        cmds["tradechain " + " ".join(args)] = {"median": round(statistics.median(times), 3),
                                                "max": round(max(times), 3), "pass": statistics.median(times) < LIMIT}
    heavy = subprocess.run([sys.executable, "-c", PROBE], check=True, capture_output=True, text=True).stdout.strip()
    return {"limitSeconds": LIMIT, "commands": cmds, "heavyModulesImportedByCli": heavy, "compile": compile_times()}


def compile_times() -> dict:
    """A cold compile (cache ignored, compiler run) and a warm one (build cache hit)."""
    from tradechain.compiler import compile_contracts
    from tradechain.project import project_root

    cold = compile_contracts(project_root(), force=True)
    warm = compile_contracts(project_root())
    return {"backend": cold.backend, "coldSeconds": round(cold.seconds, 3),
            "warmSeconds": round(warm.seconds, 4), "warmCached": warm.cached, "cpus": os.cpu_count()}
