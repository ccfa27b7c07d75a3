"""The keeper: releases every order whose inspection window has passed and refunds every order past its
shipping or delivery deadline, in batches, with no special rights (anyone may call releaseBatch/refundBatch).

It keeps no state of its own: orders are found from OrderPlaced events (from the escrow's deployment block)
and what to do from TradeEscrow.actionable(id) on chain. So it can be killed at any point and restarted:
a batch whose transaction was already mined finds nothing to do, and one sent twice (a restart, or two
keepers racing) is harmless because the batch functions skip orders that are already settled — the
keeper reports that as a lost race, not an error.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Callable

from web3 import Web3

from tradechain.client import TradeClient
from tradechain.errors import ChainUnavailable, ContractRevert

MAX_BATCH = 100  # TradeEscrow.MAX_BATCH


@dataclass
class Progress:
    seen: int = 0  # orders found on chain
    released: int = 0
    refunded: int = 0
    lost_races: int = 0  # orders someone else settled between our check and our transaction
    transactions: int = 0
    gas: int = 0
    cost_wei: int = 0
    passes: int = 0

    def line(self) -> str:
        eth = self.cost_wei / 10**18
        return (f"orders seen {self.seen}, released {self.released}, refunded {self.refunded}, "
                f"lost races {self.lost_races}; {self.transactions} tx, gas {self.gas:,} ({eth:.6f} ETH)")

    def as_dict(self) -> dict:
        return asdict(self)


class Keeper:
    def __init__(self, client: TradeClient, sender: str, *, batch: int = 50,
                 log: Callable[[str], None] = print,
                 due_from: Callable[[int], tuple[list[int], int]] | None = None):
        if not 1 <= batch <= MAX_BATCH:
            from tradechain.errors import UsageError

            raise UsageError(f"--batch {batch} must be between 1 and {MAX_BATCH} (the escrow's batch limit)")
        self.client = client
        self.sender = Web3.to_checksum_address(sender)
        self.batch = batch
        self.log = log
        self.progress = Progress()
        # With an index: (candidate ids due at chain time t, orders known) from it, so a pass costs what is due,
        # not all history; each candidate is still confirmed on chain (actionable) before anything is sent.
        self._due_from = due_from
        self._placed_topic = client.tx.topic("TradeEscrow", "OrderPlaced")
        self._first_block = client.deployment.start_block
        self._forget()

    def _forget(self) -> None:
        self._open: set[int] = set()  # placed, not yet seen settled
        self._settled: set[int] = set()
        self._next_block = self._first_block
        self._head: tuple[int, bytes] | None = None

    # ---- reading the chain ----
    def scan(self) -> None:
        """Find orders placed since the last scan; start over if the chain went backwards (a devnet restored
        from an older state, a reorg)."""
        if self._due_from is not None:
            candidates, self.progress.seen = self._due_from(self.client.chain.now())
            self._open = set(candidates)
            return
        w3 = self.client.chain.w3
        latest = w3.eth.block_number
        if self._head is not None and self._rewound(latest):
            self.log(f"chain went back from block {self._head[0]} to {latest}: rescanning from the start")
            self._forget()
        placed = self.client.tx.logs("TradeEscrow", [self._placed_topic], from_block=self._next_block,
                                     to_block=latest)
        for event in placed:
            order_id = event["args"]["orderId"]
            if order_id not in self._settled:
                self._open.add(order_id)
        self._next_block = latest + 1
        self._head = (latest, bytes(w3.eth.get_block(latest)["hash"]))
        self.progress.seen = len(self._open) + len(self._settled)

    def _rewound(self, latest: int) -> bool:
        number, block_hash = self._head
        if latest < number:
            return True
        return bytes(self.client.chain.w3.eth.get_block(number)["hash"]) != block_hash

    def due(self) -> tuple[list[int], list[int]]:
        """(releasable, refundable) order ids, from the escrow's own view of each open order."""
        release, refund = [], []
        for order_id in sorted(self._open):
            releasable, refundable = self.client.escrow.actionable(order_id)
            if releasable:
                release.append(order_id)
            elif refundable:
                refund.append(order_id)
            elif self.client.tx.call("TradeEscrow", "isSettled", [order_id]):
                self._settle(order_id)
        return release, refund

    def _settle(self, order_id: int) -> None:
        self._open.discard(order_id)
        self._settled.add(order_id)

    # ---- acting ----
    def run_once(self) -> Progress:
        """One pass: scan, then release and refund everything due. Returns the running totals."""
        from tradechain import progress

        self.scan()
        release, refund = self.due()
        batches = [("release", release[i:i + self.batch]) for i in range(0, len(release), self.batch)]
        batches += [("refund", refund[i:i + self.batch]) for i in range(0, len(refund), self.batch)]
        for n, (kind, ids) in enumerate(batches, 1):
            if len(batches) > 1:  # a long pass: say how far it is
                progress.step(f"keeper: batch {n}/{len(batches)} ({kind} {len(ids)} orders)")
            self._send(kind, ids)
        self.progress.passes += 1
        return self.progress

    def _send(self, kind: str, ids: list[int]) -> None:
        method = self.client.escrow.release_batch if kind == "release" else self.client.escrow.refund_batch
        event = "OrderReleased" if kind == "release" else "OrderRefunded"
        try:
            receipt = method(ids, sender=self.sender)
        except ContractRevert as exc:  # e.g. the keeper account cannot pay gas: say so, keep going
            self.log(f"{kind} batch {ids} was refused: {exc}")
            return
        done = {e["args"]["orderId"] for e in receipt.events if e["event"] == event}
        price = int(self.client.chain.w3.eth.get_transaction_receipt(receipt.tx_hash).get("effectiveGasPrice", 0))
        self.progress.transactions += 1
        self.progress.gas += receipt.gas_used
        self.progress.cost_wei += receipt.gas_used * price
        for order_id in ids:
            if order_id in done:
                past = "released" if kind == "release" else "refunded"
                setattr(self.progress, past, getattr(self.progress, past) + 1)
                self.log(f"{past} order #{order_id} (tx {receipt.tx_hash}, block {receipt.block})")
                self._settle(order_id)
                continue
            state = self.client.escrow.get_order(order_id).state
            if self.client.tx.call("TradeEscrow", "isSettled", [order_id]):
                self.progress.lost_races += 1
                self.log(f"order #{order_id} was already {state} by another transaction (lost race): skipped")
                self._settle(order_id)
            else:
                self.log(f"order #{order_id} is {state} and no longer due: left for a later pass")

    def run(self, *, interval: float = 5.0, passes: int | None = None,
            on_pass: Callable[[Progress], None] | None = None) -> Progress:
        """Pass after pass until stopped (KeyboardInterrupt) or `passes` are done. A node that stops
        answering is waited for, not fatal: the next pass re-reads everything from the chain."""
        done = 0
        while passes is None or done < passes:
            try:
                before = (self.progress.released, self.progress.refunded, self.progress.lost_races)
                self.run_once()
                if on_pass and before != (self.progress.released, self.progress.refunded, self.progress.lost_races):
                    on_pass(self.progress)
            except (ChainUnavailable, OSError, *_connection_errors()) as exc:
                self.log(f"node unreachable ({type(exc).__name__}); retrying in {interval:g} s")
            done += 1
            if passes is None or done < passes:
                time.sleep(interval)
        return self.progress


def _connection_errors() -> tuple[type[BaseException], ...]:
    import requests
    from web3.exceptions import TimeExhausted

    return (requests.ConnectionError, requests.Timeout, TimeExhausted)
