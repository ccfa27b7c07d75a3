"""A real devnet for the devnet and keeper tests: `tradechain.devnet` itself runs anvil on a free 127.0.0.1 port,
with its state and manifests in temp folders (never the project's), and stops it at teardown.

Import the `devnet_node` fixture into a test module; it is module-scoped (tests/conftest.py is shared with
other work, so it lives here): one node and one deployment per module.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tradechain.devnet import Devnet, rpc_request

from helpers import free_port

ROOT = Path(__file__).resolve().parents[1]
DAY = 86400


@dataclass
class Node:
    devnet: Devnet
    port: int
    env: dict[str, str]  # what a `tradechain` process needs to find this node as --network devnet

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rpc(self, method: str, *params):
        return rpc_request(self.url, method, list(params))

    def client(self):
        """A fresh TradeClient over --network devnet (as every command builds it)."""
        from tradechain.client import TradeClient
        from tradechain.project import load_artifacts
        from tradechain.deployment import load_manifest
        from tradechain.networks import connect

        artifacts = load_artifacts()
        chain = connect("devnet", root=ROOT)
        return TradeClient(chain, load_manifest(chain, ROOT, artifacts), artifacts)

    def start(self):
        return self.devnet.start(self.port)

    def kill9(self) -> None:
        pid = self.devnet.pid()
        assert pid is not None, "the devnet is not running"
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while self.devnet.running() and time.monotonic() < deadline:
            time.sleep(0.02)

    def spawn(self, *args: str, **env: str) -> subprocess.Popen:
        """`tradechain ARGS` as its own process (so a test can kill it), output captured."""
        return subprocess.Popen([sys.executable, "-m", "tradechain", *args], env={**os.environ, **self.env, **env},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def pending(self) -> int:
        return int(self.rpc("txpool_status")["pending"], 16)

    def wait_pending(self, count: int, procs: list[subprocess.Popen], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.pending() < count:
            for p in procs:
                if p.poll() is not None:
                    raise AssertionError(f"keeper exited early ({p.returncode}): {p.stdout.read()}")
            assert time.monotonic() < deadline, "no transaction reached the node's pool"
            time.sleep(0.05)

    def automine(self, on: bool) -> None:
        self.rpc("evm_setAutomine", on)


@pytest.fixture(scope="module")
def devnet_node(tmp_path_factory):
    from tradechain.project import load_artifacts
    from tradechain.deployment import ensure_suite
    from tradechain.networks import connect

    base = tmp_path_factory.mktemp("devnet")
    env = {"TRADECHAIN_STATE_DIR": str(base / "state"), "TRADECHAIN_DEPLOY_DIR": str(base / "deploy"),
           "TRADECHAIN_NETWORK": "devnet", "TRADECHAIN_RPC": ""}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    node = Node(Devnet(ROOT), free_port(), env)
    try:
        node.start()
        ensure_suite(connect("devnet", root=ROOT), ROOT, load_artifacts())
        yield node
    finally:
        try:
            node.devnet.stop()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def released_events(client, order_id: int) -> list[dict]:
    """Every OrderReleased event of `order_id`: exactly one for an order paid once."""
    from tradechain.transactions import word

    return [e for e in client.tx.logs("TradeEscrow", [None, word(order_id)])
            if e["event"] in ("OrderReleased", "OrderRefunded")]


def shipped_order(client, amount: int = 10**17, *, inspection_window: int = DAY) -> int:
    """An ETH order from the buyer to the seller, shipped with the named carrier (deliver within 9 days)."""
    a = client.deployment.accounts
    now = client.chain.now()
    oid, _r = client.escrow.place_order(buyer=a["buyer"], seller=a["seller"], amount=amount, ship_by=now + DAY,
                                        deliver_by=now + 10 * DAY, inspection_window=inspection_window)
    client.escrow.ship(oid, a["carrier"], sender=a["seller"])
    return oid


def due_orders(client, n: int, amount: int = 10**17) -> list[int]:
    """`n` ETH orders delivered and past their one-day inspection window (releasable now)."""
    carrier = client.deployment.accounts["carrier"]
    ids = []
    for _ in range(n):
        ids.append(shipped_order(client, amount))
        client.provenance.deliver(ids[-1], "DEHAM", sender=carrier)
    client.chain.advance(DAY + 1)
    return ids


def tc(node: Node, *args: str, ok: bool = True, **env: str):
    """`tradechain ARGS` against the devnet (extra environment in `env`), checked: exit 0 when `ok`, no traceback."""
    from helpers import checked_cli

    return checked_cli({**node.env, **env}, *args, ok=ok)


def json_out(text: str) -> dict:
    return json.loads(text[text.index("{"):])
