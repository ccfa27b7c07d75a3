"""Start-up time of commands that touch no chain and of one that reads a devnet, and compile times."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

LIMIT = 0.3  # seconds, for `tradechain --help` and other offline commands
COMMANDS = (["--help"], ["bench", "--help"], ["order", "--help"], ["--version"])
PROBE = "import sys, tradechain.cli; print(sorted(m for m in ('web3', 'eth_tester', 'matplotlib') if m in sys.modules))"
CHAIN_LIMIT = 0.8  # CPU seconds, for a command that reads a chain over JSON-RPC
CHAIN_COMMAND = ["order", "show", "1"]
# A read over JSON-RPC needs none of these: web3 (the chain's own requests go straight over the connection),
# its signing stack, SQLAlchemy while no index is kept; keystore/BLS code and async HTTP (tradechain.deferred)
NOT_FOR_READS = ("web3", "eth_account", "sqlalchemy", "eth_keyfile", "py_ecc", "aiohttp")
# Reads served by an index need SQLAlchemy, and still none of the others (the index answers at the chain layer)
NOT_FOR_INDEXED_READS = tuple(m for m in NOT_FOR_READS if m != "sqlalchemy")
# Nor does `--help` need anything that talks to a chain
NOT_FOR_HELP = NOT_FOR_READS + ("eth_abi", "eth_utils", "requests", "eth_tester", "matplotlib")


def probe(modules: tuple[str, ...]) -> str:
    """Python code that runs the CLI with its arguments, then prints which of `modules` it imported (a
    stand-in of tradechain.deferred does not count)."""
    return ("import sys, runpy; sys.argv = ['tradechain', *sys.argv[1:]]\n"
            "try:\n    runpy.run_module('tradechain.cli', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "print('LOADED', sorted(m for m in %r if type(sys.modules.get(m)).__name__ == 'module'))" % (modules,))


CHAIN_PROBE = probe(NOT_FOR_READS)


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
    return {"limitSeconds": LIMIT, "commands": cmds, "heavyModulesImportedByCli": heavy,
            "chainCommand": chain_command(repeats), "compile": compile_times()}


def _timed(cmd: list[str], env: dict) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child, its stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), out


def chain_command(repeats: int = 5) -> dict:
    """`tradechain order show 1` against a throwaway anvil holding the suite and one order: wall and CPU
    time, and which of the modules a read does not need it loaded. Judged by CPU time: on a shared machine the
    wall time is mostly waiting for a core (the load average is recorded beside it)."""
    import tempfile

    from tradechain.bench.devnet import anvil
    from tradechain.chain import rpc
    from tradechain.deployment import deploy_suite
    from tradechain.project import load_artifacts

    exe = str(Path(sys.executable).with_name("tradechain"))
    with tempfile.TemporaryDirectory() as manifests, anvil() as url:
        from tradechain.client import TradeClient

        chain = rpc(url)
        artifacts = load_artifacts()
        dep = deploy_suite(chain, artifacts)
        env = {**os.environ, "TRADECHAIN_RPC": url, "TRADECHAIN_DEPLOY_DIR": manifests, "TRADECHAIN_NETWORK": ""}
        (Path(manifests) / f"{dep.chain_id}.json").write_text(json.dumps(dep.manifest))
        a = dep.accounts
        TradeClient(chain, dep, artifacts).escrow.place_order_in(buyer=a["buyer"], seller=a["seller"], amount=10**15,
                                                                 ship_in=86400, deliver_in=86400, inspection_window=0)
        walls, cpus = [], []
        for _ in range(repeats):
            wall, cpu, _ = _timed([exe, *CHAIN_COMMAND], env)
            walls.append(wall)
            cpus.append(cpu)
        probe = _timed([sys.executable, "-c", CHAIN_PROBE, *CHAIN_COMMAND], env)[2]
    loaded = probe.rsplit("LOADED", 1)[-1].strip()
    return {"command": "tradechain " + " ".join(CHAIN_COMMAND) + " --rpc <anvil>", "limitSeconds": CHAIN_LIMIT,
            "wallMedian": round(statistics.median(walls), 3), "wallMax": round(max(walls), 3),
            "cpuMedian": round(statistics.median(cpus), 3), "cpuMax": round(max(cpus), 3),
            "loadAverage": round(os.getloadavg()[0], 2),
            "pass": statistics.median(cpus) < CHAIN_LIMIT, "deferredModulesLoaded": loaded}


def compile_times() -> dict:
    """A cold compile (cache ignored, compiler run) and a warm one (build cache hit)."""
    from tradechain.compiler import compile_contracts
    from tradechain.project import project_root

    cold = compile_contracts(project_root(), force=True)
    warm = compile_contracts(project_root())
    return {"backend": cold.backend, "coldSeconds": round(cold.seconds, 3),
            "warmSeconds": round(warm.seconds, 4), "warmCached": warm.cached, "cpus": os.cpu_count()}
