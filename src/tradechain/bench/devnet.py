"""A throwaway anvil devnet for a benchmark: started on a free port of ours, stopped (by its own pid) after."""

from __future__ import annotations

import contextlib
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


@contextlib.contextmanager
def anvil(*extra: str, port: int | None = None) -> Iterator[str]:
    """Start anvil (prague, 127.0.0.1) and yield its URL; terminate that process on exit."""
    import requests

    from tradechain.project import project_root
    from tradechain.devnet import anvil_binary

    port = port or free_port()
    proc = subprocess.Popen([str(anvil_binary(project_root())), "--hardfork", "prague", "--host", "127.0.0.1",
                             "--port", str(port),
                             "--silent", *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=1)
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"anvil did not start on port {port}") from None
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
