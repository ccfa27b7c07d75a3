"""Throughput with concurrent senders sharing one key, on anvil and on Hardhat's node.

A trade is the four transactions of `bench speed` (place+pay, ship, Delivered, release). The buyer is one key
we hold and sign for (nonces from tradechain.nonces), shared by every sender; seller, carrier and keeper are the
node's unlocked accounts (the node numbers their transactions). Measured:

- one process, 1 sender, then N senders (threads, one client each, as separate programs would have);
- two processes sharing the key, N/2 senders each.

Afterwards every run is checked: exactly as many new orders as trades, each with the shared buyer, and the
key's nonces contiguous (nothing lost, nothing doubled); a mismatch raises.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from unittest import mock

from tradechain.bench.speed import PRICE

DAY = 86400
KEY_INDEX = 9  # anvil's and Hardhat's tenth dev account (buyer2): funded on both


def _client(url: str, key: str):
    from tradechain.chain import rpc
    from tradechain.client import TradeClient
    from tradechain.deployment import load_manifest
    from tradechain.project import load_artifacts, project_root

    chain = rpc(url)
    chain.add_signer(key)
    artifacts = load_artifacts()
    return TradeClient(chain, load_manifest(chain, project_root(), artifacts), artifacts)


def _trades(c, buyer: str, count: int) -> None:
    a = c.deployment.accounts
    now = c.chain.now()
    for _ in range(count):
        oid, _r = c.escrow.place_order(buyer=buyer, seller=a["seller"], amount=PRICE, ship_by=now + 2 * DAY,
                                       deliver_by=now + 20 * DAY, inspection_window=0)
        c.escrow.ship(oid, a["carrier"], sender=a["seller"])
        c.provenance.deliver(oid, "DEHAM", sender=a["carrier"])
        c.escrow.release(oid, sender=a["keeper"])


def threads(url: str, key: str, senders: int, per_sender: int, ready=None) -> None:
    """`senders` threads, each with its own client, each running `per_sender` trades (after `ready()`)."""
    from eth_account import Account

    buyer = Account.from_key(key).address
    clients = [_client(url, key) for _ in range(senders)]
    if ready is not None:
        ready()
    errors: list[BaseException] = []

    def work(c) -> None:
        try:
            _trades(c, buyer, per_sender)
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(c,)) for c in clients]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        raise errors[0]


def _run(url: str, key: str, senders: int, per_sender: int, processes: int) -> dict:
    from eth_account import Account

    c = _client(url, key)
    buyer = Account.from_key(key).address
    w3 = c.chain.w3
    before, nonce, block = c.escrow.order_count(), w3.eth.get_transaction_count(buyer), w3.eth.block_number
    if processes == 1:
        started = time.perf_counter()
        threads(url, key, senders, per_sender)
    else:  # processes start, connect and load the manifest first; the clock starts when all say "ready"
        env = {**os.environ, "TRADECHAIN_BENCH_KEY": key}
        procs = [subprocess.Popen([sys.executable, "-m", "tradechain.bench.concurrency", url,
                                   str(senders // processes), str(per_sender)], env=env, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for _ in range(processes)]
        for p in procs:
            line = p.stdout.readline()
            if line.strip() != "ready":
                raise RuntimeError(f"a sender process failed to start: {line}{p.stdout.read()[-500:]}")
        started = time.perf_counter()
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        for p in procs:
            out, _ = p.communicate(timeout=600)
            if p.returncode != 0:
                raise RuntimeError(f"a sender process failed: {out[-500:]}")
    seconds = time.perf_counter() - started
    trades = senders * per_sender
    _check(c, buyer, before, trades, nonce, block)
    return {"senders": senders, "processes": processes, "trades": trades, "seconds": round(seconds, 3),
            "tradesPerSecond": round(trades / seconds, 2), "checked": "no order lost or doubled, nonces contiguous"}


def _check(c, buyer: str, before: int, trades: int, nonce: int, block: int) -> None:
    after = c.escrow.order_count()
    if after - before != trades:
        raise RuntimeError(f"{trades} trades sent, {after - before} orders recorded")
    if any(c.escrow.get_order(i).buyer != buyer or c.escrow.get_order(i).state != "Released"
           for i in range(before + 1, after + 1)):
        raise RuntimeError("an order of the run is not the shared buyer's, or not released")
    w3 = c.chain.w3
    used = sorted(t["nonce"] for n in range(block + 1, w3.eth.block_number + 1)
                  for t in w3.eth.get_block(n, full_transactions=True)["transactions"] if t["from"] == buyer)
    if used != list(range(nonce, nonce + trades)):
        raise RuntimeError(f"the shared key's nonces are not contiguous: {used[:5]}… ({len(used)} for {trades})")


def measure(node: str, senders: int = 4, per_sender: int = 5) -> dict:
    """Trades per second on a fresh `node` ("anvil" or "hardhat"): 1 sender, `senders` threads, and two
    processes with `senders`/2 threads each, all sharing one key."""
    from tradechain.bench.devnet import anvil, dev_keys, hardhat
    from tradechain.chain import rpc
    from tradechain.deployment import ensure_suite
    from tradechain.project import load_artifacts, project_root

    key = "0x" + bytes(dev_keys(KEY_INDEX + 1)[KEY_INDEX].key).hex()
    with tempfile.TemporaryDirectory() as tmp, (anvil() if node == "anvil" else hardhat()) as url, \
            mock.patch.dict(os.environ, {"TRADECHAIN_DEPLOY_DIR": str(Path(tmp) / "deploy"),
                                         "TRADECHAIN_STATE_DIR": str(Path(tmp) / "state")}):
        ensure_suite(rpc(url), project_root(), load_artifacts())
        threads(url, key, 1, 1)  # warm-up: first-ever storage writes, Python caches
        one = _run(url, key, 1, per_sender * 2, 1)
        many = _run(url, key, senders, per_sender, 1)
        two = _run(url, key, senders, per_sender, 2)
    return {"node": node, "oneSender": one, "threads": many, "twoProcesses": two,
            "ratios": {f"{senders} threads / 1 sender": round(many["tradesPerSecond"] / one["tradesPerSecond"], 2),
                       f"2 processes x {senders // 2} / {senders} threads":
                           round(two["tradesPerSecond"] / many["tradesPerSecond"], 2)}}


if __name__ == "__main__":  # a sender process of the two-process run
    url_arg, senders_arg, per_sender_arg = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    def _ready() -> None:
        print("ready", flush=True)
        sys.stdin.readline()  # "go"

    threads(url_arg, os.environ["TRADECHAIN_BENCH_KEY"], senders_arg, per_sender_arg, ready=_ready)
    print(json.dumps({"ok": True}))
