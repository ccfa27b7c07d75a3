"""CPU an idle devnet uses while holding many orders: anvil's own --state-interval 1 vs our saver.

A devnet is started in a temporary state folder on a free port, the suite deployed, `orders` full trades
run through it (pipelined), and then nothing happens for `seconds`: the CPU time of anvil and of the saver
(from /proc) over that time is the figure, as a share of one core. The same chain is then restarted the old
way (anvil with --state-interval 1, no saver) and measured the same way.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

LIMIT = 0.02  # of one core, idle at 5,000 orders


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _idle_share(pids: list[int], seconds: float) -> float:
    before = sum(cpu_seconds(p) for p in pids)
    time.sleep(seconds)
    return (sum(cpu_seconds(p) for p in pids) - before) / seconds


def _settle(state_file: Path, pids: list[int], window: float = 3.0, patience: float = 180.0) -> None:
    """Wait until the load is on disk: a window in which the file did not change and anvil and the saver
    were near idle (a 100 MB dump takes seconds, serialising in anvil before the file is touched)."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        stamp = state_file.stat().st_mtime_ns if state_file.exists() else None
        share = _idle_share(pids, window)
        if share < 0.05 and state_file.exists() and state_file.stat().st_mtime_ns == stamp:
            return


def measure(orders: int = 5000, seconds: float = 20.0) -> dict:
    from tradechain.bench.devnet import free_port
    from tradechain.bench.speed import anvil_pipelined
    from tradechain.chain import rpc
    from tradechain.client import TradeClient
    from tradechain.deployment import deploy_suite
    from tradechain.devnet import CHAIN_ID, HOST, Devnet, anvil_binary
    from tradechain.project import load_artifacts, project_root

    artifacts = load_artifacts()
    with tempfile.TemporaryDirectory() as tmp:
        net = Devnet(project_root(), state_dir=Path(tmp))
        port = free_port()
        started = net.start(port)
        try:
            chain = rpc(started.url)
            client = TradeClient(chain, deploy_suite(chain, artifacts), artifacts)
            anvil_pipelined(started.url, client, orders)
            saver = int(net.saver_pid_file.read_text())
            _settle(net.state_file, [started.pid, saver])
            ours = _idle_share([started.pid, saver], seconds)
            state_mb = net.state_file.stat().st_size / 1e6
        finally:
            net.stop()
        # the same chain, the old way: anvil rewriting its state file every second
        proc = subprocess.Popen([str(anvil_binary(project_root())), "--hardfork", "prague", "--host", HOST, "--port",
                                 str(port), "--chain-id", str(CHAIN_ID), "--state", str(net.state_file),
                                 "--state-interval", "1", "--silent"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            time.sleep(3)  # loaded and past its first saves
            old = _idle_share([proc.pid], seconds)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return {"orders": orders, "idleSeconds": seconds, "stateFileMB": round(state_mb, 1), "limit": LIMIT,
            "saver": {"coreShare": round(ours, 4), "pass": ours < LIMIT},
            "anvilStateInterval1": {"coreShare": round(old, 4)}}
