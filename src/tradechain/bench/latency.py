"""Settlement latency: from the carrier's final Delivered checkpoint to the payment at the invoice holder.

Runs on an anvil devnet in real time with the real keeper (tradechain.keeper.Keeper) making a pass every
`poll` seconds in its own thread, on its own connection, as `tradechain keeper` would. With an inspection
window the window is passed with evm_increaseTime (nobody waits three days); chain seconds then include it.
"""

from __future__ import annotations

import threading
import time

from tradechain.client import TradeClient
from tradechain.vocabulary import hash_bytes

DAY = 86400
PRICE = 10**17


class KeeperThread(threading.Thread):
    """The keeper, one pass every `poll` seconds, on its own connection like a separate process."""

    def __init__(self, url: str, deployment, artifacts: dict, poll: float):
        super().__init__(daemon=True)
        from tradechain.chain import rpc
        from tradechain.keeper import Keeper

        client = TradeClient(rpc(url), deployment, artifacts)
        self.keeper = Keeper(client, deployment.accounts["keeper"], log=lambda _msg: None)
        self.poll, self.stop = poll, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.poll):
            self.keeper.run_once()


def one_settlement(client: TradeClient, window: int) -> dict:
    a = client.deployment.accounts
    now = client.chain.now()
    oid, _ = client.escrow.place_order(buyer=a["buyer"], seller=a["seller"], amount=PRICE, ship_by=now + 2 * DAY,
                                deliver_by=now + 20 * DAY, inspection_window=window)
    client.escrow.ship(oid, a["carrier"], hash_bytes(b"bol"), sender=a["seller"])
    holder = client.invoices.owner(oid)
    before = client.tokens.balance(holder)
    delivered = client.provenance.deliver(oid, "DEHAM", hash_bytes(b"proof of delivery"), sender=a["carrier"])
    wall0 = time.perf_counter()
    if window:
        client.chain.advance(window)
    while client.tokens.balance(holder) <= before:  # funds have arrived when the holder's balance rises
        if time.perf_counter() - wall0 > 30:
            raise RuntimeError(f"order {oid} was not released within 30 s of its window")
        time.sleep(0.01)
    wall = time.perf_counter() - wall0
    # under load the node may answer the new balance a moment before eth_getLogs returns the block's logs
    while (release := next((e for e in client.timeline(oid) if e["event"] == "OrderReleased"), None)) is None:
        if time.perf_counter() - wall0 > 30:
            raise RuntimeError(f"order {oid} was paid out but its OrderReleased event never showed")
        time.sleep(0.05)
    return {"order": oid, "inspectionWindowSeconds": window, "blocks": release["block"] - delivered.block,
            "chainSeconds": client.chain.block_time(release["block"]) - client.chain.block_time(delivered.block),
            "wallSeconds": round(wall, 3)}


def measure(windows: tuple[int, ...] = (0, 3 * DAY), poll: float = 0.25, repeats: int = 3) -> dict:
    from tradechain.bench.devnet import anvil
    from tradechain.chain import rpc
    from tradechain.project import load_artifacts
    from tradechain.deployment import deploy_suite

    artifacts = load_artifacts()
    runs = []
    with anvil() as url:
        chain = rpc(url)
        client = TradeClient(chain, deploy_suite(chain, artifacts), artifacts)
        keeper = KeeperThread(url, client.deployment, artifacts, poll)
        keeper.start()
        try:
            from tradechain import progress

            for window in windows:
                progress.step(f"bench latency: {repeats} settlements with a {window}s inspection window")
                runs += [one_settlement(client, window) for _ in range(repeats)]
        finally:
            keeper.stop.set()
            keeper.join(5)
    summary = {}
    for window in windows:
        mine = [r for r in runs if r["inspectionWindowSeconds"] == window]
        summary[str(window)] = {k: max(r[k] for r in mine) for k in ("blocks", "chainSeconds", "wallSeconds")}
    return {"chain": "anvil devnet (automine, prague)",
            "keeper": f"tradechain.keeper.Keeper, one pass every {poll} s in its own thread and connection",
            "runs": runs, "worstByWindow": summary}
