"""The keeper: releases every order whose inspection window has passed and refunds every order past its
shipping or delivery deadline, in batches, with no special rights (anyone may call releaseBatch/refundBatch).

Orders are found from OrderPlaced events (from the escrow's deployment block), or with an index from its orders
table (only those due: a pass then costs what is due, not all history), and what to do from
TradeEscrow.actionable(id) on chain, asked for all candidates in one JSON-RPC batch — read at the newest final
block where the network's profile asks for confirmations. All of a pass's batches are sent before any is waited
for. On a JSON-RPC chain the keeper also journals every batch it sends (hash, nonce, order ids) in
<state dir>/keeper/ once the node holds it and before waiting for the receipt, so a keeper killed and restarted
neither pays gas twice for orders already in a pending batch nor forgets a batch it sent: the next pass settles
the journal first (mined: counted; still pending: its orders wait, and after `speedup_after` seconds it is
replaced at higher fees; unknown to the node, e.g. lost with a crashed node's last second: its orders are due
again). A batch that lands after someone else settled an order skips it: the keeper reports a lost race.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

from web3 import Web3

from tradechain.chain import hash_hex
from tradechain.client import TradeClient
from tradechain.codec import as_int
from tradechain.errors import ChainUnavailable, ContractRevert, Reverted
from tradechain.vocabulary import MAX_TRANCHES

MAX_BATCH = 100  # TradeEscrow.MAX_BATCH
RECEIPT_WAIT = 120.0  # seconds to wait for a batch before leaving it in the journal for the next pass


class Journal:
    """What the keeper sent, one JSON line per fact: sending (kind, orders: written just before the node gets the
    batch, so a kill in between is not a blind spot), sent (hash, nonce), replaced (by a faster transaction with
    the same nonce), mined (block, status), dropped, or abandoned (a `sending` that never reached the pool)."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    @classmethod
    def for_keeper(cls, chain: Any, sender: str) -> Journal | None:
        """The journal of `sender` on `chain` (None on the embedded chain, which ends with the process)."""
        if getattr(chain, "ephemeral", False):
            return None
        base = os.environ.get("TRADECHAIN_STATE_DIR")
        if base:
            folder = Path(base).expanduser()
        else:
            from tradechain.project import project_root

            folder = project_root() / ".state"
        return cls(folder / "keeper" / f"{chain.key}-{sender.lower()}.jsonl")

    def _write(self, **fact: Any) -> None:
        with open(self.path, "a") as f:
            f.write(json.dumps({**fact, "at": round(time.time(), 3)}) + "\n")
            f.flush()
            os.fsync(f.fileno())  # a kill right after must not lose it

    def sending(self, kind: str, orders: list[int]) -> str:
        intent = os.urandom(6).hex()
        self._write(fact="sending", intent=intent, kind=kind, orders=orders)
        return intent

    def sent(self, tx_hash: str, nonce: int | None, kind: str, orders: list[int], intent: str | None = None) -> None:
        self._write(fact="sent", hash=tx_hash, nonce=nonce, kind=kind, orders=orders, intent=intent)

    def abandoned(self, intent: str) -> None:
        self._write(fact="abandoned", intent=intent)

    def replaced(self, old: str, new: str) -> None:
        self._write(fact="replaced", hash=old, by=new)

    def mined(self, tx_hash: str, block: int, status: int) -> None:
        self._write(fact="mined", hash=tx_hash, block=block, status=status)

    def dropped(self, tx_hash: str) -> None:
        self._write(fact="dropped", hash=tx_hash)

    def in_flight(self) -> tuple[list[dict], list[dict]]:
        """(batches sent and not yet mined or dropped: {hashes (oldest first), nonce, kind, orders, since};
        intents announced and never followed by a hash: {intent, kind, orders})."""
        batches: dict[str, dict] = {}  # first hash -> batch
        by_hash: dict[str, str] = {}
        intents: dict[str, dict] = {}
        try:
            lines = self.path.read_text().splitlines()
        except FileNotFoundError:
            return [], []
        for line in lines:
            try:
                fact = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash
            if fact["fact"] == "sending":
                intents[fact["intent"]] = {"intent": fact["intent"], "kind": fact["kind"], "orders": fact["orders"]}
                continue
            if fact["fact"] == "abandoned":
                intents.pop(fact["intent"], None)
                continue
            if fact["fact"] == "sent":
                intents.pop(fact.get("intent"), None)
                batches[fact["hash"]] = {"hashes": [fact["hash"]], "nonce": fact["nonce"], "kind": fact["kind"],
                                         "orders": fact["orders"], "since": fact["at"]}
                by_hash[fact["hash"]] = fact["hash"]
            elif fact["hash"] in by_hash:
                first = by_hash[fact["hash"]]
                if fact["fact"] == "replaced":
                    batches[first]["hashes"].append(fact["by"])
                    batches[first]["since"] = fact["at"]
                    by_hash[fact["by"]] = first
                elif first in batches:  # mined or dropped: settled either way
                    del batches[first]
        return list(batches.values()), list(intents.values())


@dataclass
class Progress:
    seen: int = 0  # orders found on chain
    released: int = 0
    refunded: int = 0
    tranches: int = 0  # tranches of scheduled orders released on their logistics triggers
    lost_races: int = 0  # orders someone else settled between our check and our transaction
    transactions: int = 0
    gas: int = 0
    cost_wei: int = 0
    passes: int = 0

    def line(self) -> str:
        eth = self.cost_wei / 10**18
        return (f"orders seen {self.seen}, released {self.released}, refunded {self.refunded}, "
                + (f"tranches {self.tranches}, " if self.tranches else "") +
                f"lost races {self.lost_races}; {self.transactions} tx, gas {self.gas:,} ({eth:.6f} ETH)")

    def as_dict(self) -> dict:
        return asdict(self)


class Keeper:
    def __init__(self, client: TradeClient, sender: str, *, batch: int = MAX_BATCH,
                 log: Callable[[str], None] = print, speedup_after: float | None = None,
                 journal: Journal | None | bool = True,
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
        self._schedule_topic = client.tx.topic("TradeEscrow", "ScheduleFixed")
        self._first_block = client.deployment.start_block
        self.speedup_after = speedup_after or None  # seconds a batch may wait before it is replaced
        self.journal = Journal.for_keeper(client.chain, self.sender) if journal is True else journal or None
        self._forget()

    def _forget(self) -> None:
        self._open: set[int] = set()  # placed, not yet seen settled
        self._settled: set[int] = set()
        self._scheduled: set[int] = set()  # orders with a payment schedule: their tranches are checked too
        self._schedules_from = self._first_block
        self._next_block = self._first_block
        self._head: tuple[int, bytes] | None = None

    # ---- reading the chain ----
    def scan(self) -> None:
        """Find orders placed since the last scan; start over if the chain went backwards (a devnet restored
        from an older state, a reorg)."""
        if self._due_from is not None:
            candidates, self.progress.seen = self._due_from(self.client.chain.now())
            self._open = set(candidates)
            scheduled = getattr(self._due_from, "scheduled", None)  # the index knows them: no log query
            if scheduled is not None:
                self._scheduled = set(scheduled(self._schedule_topic))
            else:
                self._scan_schedules(self.client.chain.w3.eth.block_number)
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
        self._scan_schedules(latest)
        self._head = (latest, bytes(w3.eth.get_block(latest)["hash"]))
        self.progress.seen = len(self._open) + len(self._settled)

    def _scan_schedules(self, latest: int) -> None:
        """Orders placed with a payment schedule since the last scan (ScheduleFixed)."""
        fixed = self.client.tx.logs("TradeEscrow", [self._schedule_topic], from_block=self._schedules_from,
                                    to_block=latest)
        self._scheduled.update(e["args"]["orderId"] for e in fixed)
        self._schedules_from = latest + 1

    def tranches_due(self, busy: set[int] = frozenset()) -> list[int]:
        """Scheduled orders with a tranche whose trigger is on chain (PaymentSchedules.dueTranches)."""
        due = []
        for order_id in sorted(self._scheduled - self._settled - set(busy)):
            if self.client.tx.call("PaymentSchedules", "dueTranches", [order_id]):
                due.append(order_id)
        return due

    def _rewound(self, latest: int) -> bool:
        number, block_hash = self._head
        if latest < number:
            return True
        return bytes(self.client.chain.w3.eth.get_block(number)["hash"]) != block_hash

    def due(self, busy: set[int] = frozenset()) -> tuple[list[int], list[int]]:
        """(releasable, refundable) order ids, from the escrow's own view of each open order at the newest final
        block; orders in a batch still pending (`busy`) wait for it."""
        from tradechain import finality

        confirmations = getattr(self.client.chain.profile, "confirmations", 0)
        at = finality.final_block(self.client.chain.w3, confirmations) if confirmations not in (0, 1) else "latest"
        ids = sorted(self._open - set(busy))
        if at == "latest":  # one JSON-RPC batch for all of them, not a request each
            answers = self.client.tx.call_many("TradeEscrow", "actionable", [[i] for i in ids])
        else:
            answers = [self.client.tx.call("TradeEscrow", "actionable", [i], block=at) for i in ids]
        release, refund, idle = [], [], []
        for order_id, (releasable, refundable) in zip(ids, answers):
            (release if releasable else refund if refundable else idle).append(order_id)
        for order_id, settled in zip(idle, self.client.tx.call_many("TradeEscrow", "isSettled", [[i] for i in idle])):
            if settled:
                self._settle(order_id)
        return release, refund

    def _settle(self, order_id: int) -> None:
        self._open.discard(order_id)
        self._settled.add(order_id)

    # ---- acting ----
    def run_once(self) -> Progress:
        """One pass: settle the journal, scan, then release and refund everything due. Returns the totals."""
        from tradechain import progress

        busy = self.reconcile()
        self.scan()
        release, refund = self.due(busy)
        tranches = self.tranches_due(busy)
        batches = [("tranche", tranches[i:i + self.batch]) for i in range(0, len(tranches), self.batch)]
        batches += [("release", release[i:i + self.batch]) for i in range(0, len(release), self.batch)]
        batches += [("refund", refund[i:i + self.batch]) for i in range(0, len(refund), self.batch)]
        sent = []  # every batch goes to the node first, then they are waited for: one wait, not one per batch
        for n, (kind, ids) in enumerate(batches, 1):
            if len(batches) > 1:  # a long pass: say how far it is
                progress.step(f"keeper: batch {n}/{len(batches)} ({kind} {len(ids)} orders)")
            tx_hash = self._send(kind, ids)
            if tx_hash is not None:
                sent.append((kind, ids, tx_hash))
        for kind, ids, tx_hash in sent:
            self._settle_batch(kind, ids, tx_hash)
        self.progress.passes += 1
        return self.progress

    def reconcile(self) -> set[int]:
        """Settle what the journal says is in flight; returns the orders of batches still pending."""
        busy: set[int] = set()
        if self.journal is None:
            return busy
        batches, intents = self.journal.in_flight()
        if intents:  # killed between announcing a batch and learning its hash: did the node get it?
            w3 = self.client.chain.w3
            if w3.eth.get_transaction_count(self.sender, "pending") > w3.eth.get_transaction_count(self.sender):
                for intent in intents:  # something of ours still waits in the pool: let it land first
                    busy.update(intent["orders"])
            else:  # nothing pending: it was mined (the chain shows its orders settled) or never arrived
                for intent in intents:
                    self.journal.abandoned(intent["intent"])
                    settled = all(self.client.tx.call("TradeEscrow", "isSettled", [o]) for o in intent["orders"])
                    self.log(f"{intent['kind']} batch {intent['orders']} announced before a restart: "
                             + ("its orders are settled on chain" if settled
                               else "it is not on chain (never sent, or lost with the node's pool): due again"))
        for batch in batches:
            receipt = self._mined(batch["hashes"])
            if receipt is not None:
                self.log(f"{batch['kind']} batch {batch['orders']} sent before a restart was mined")
                self._count(batch["kind"], batch["orders"], receipt)
            elif not any(self._known(h) for h in batch["hashes"]):
                self._dropped(batch["kind"], batch["orders"], batch["hashes"])
            else:
                busy.update(batch["orders"])
                if self.speedup_after and time.time() - batch["since"] > self.speedup_after:
                    self._speed_up(batch["hashes"][-1])
        return busy

    def _send(self, kind: str, ids: list[int]) -> str | None:
        """Hand a batch to the node, journaled (intent, then hash): its hash, or None when it was refused."""
        from tradechain.client.escrow import batch_gas

        fn = {"release": "releaseBatch", "refund": "refundBatch", "tranche": "releaseTrancheBatch"}[kind]
        items = len(ids) * (MAX_TRANCHES - 1) if kind == "tranche" else len(ids)
        tx = {"from": self.sender, "to": self.client.tx.address("TradeEscrow"),
              "data": self.client.tx.encode("TradeEscrow", fn, [ids]), "value": 0, "gas": batch_gas(items)}
        intent = self.journal.sending(kind, ids) if self.journal is not None else None
        try:
            tx_hash, sent = self.client.chain.submit(tx)
        except (Reverted, ContractRevert) as exc:  # nothing in it is due any more, or the keeper cannot pay
            if intent is not None:
                self.journal.abandoned(intent)
            reason = self.client.tx.revert_of(exc) if isinstance(exc, Reverted) else exc
            self.log(f"{kind} batch {ids} was refused: {reason}")
            return None
        tx_hash = hash_hex(tx_hash)
        if self.journal is not None:
            nonce = sent.get("nonce")
            if nonce is None:  # the node numbered it (an account it unlocks): ask which nonce it took
                try:
                    nonce = int(self.client.chain.w3.eth.get_transaction(tx_hash)["nonce"])
                except Exception:  # gone already (a node that died with its pool): the hash is what matters
                    nonce = None
            self.journal.sent(tx_hash, nonce, kind, ids, intent)
        return tx_hash

    def _settle_batch(self, kind: str, ids: list[int], tx_hash: str) -> None:
        """Wait for a sent batch (and its replacements) and count what it did."""
        hashes = [tx_hash]
        receipt = self._await(hashes)
        if receipt is not None:
            self._count(kind, ids, receipt)
        elif not any(self._known(h) for h in hashes):  # a node restarted from older state lost it
            self._dropped(kind, ids, hashes)
        else:
            self.log(f"{kind} batch {ids} (tx {tx_hash}) is not mined after {RECEIPT_WAIT:g} s: left in the journal")

    def _await(self, hashes: list[str]) -> Any:
        """Wait for any of `hashes` (a batch and its replacements) to be mined; replace the newest with higher
        fees each `speedup_after` seconds. None after RECEIPT_WAIT seconds, or as soon as the node knows none of
        them (its pool was lost)."""
        started = waited_since = checked = time.monotonic()
        pause = 0.01  # a devnet mines at once: ask again soon, then less and less often
        while time.monotonic() - started < RECEIPT_WAIT:
            receipt = self._mined(hashes)
            if receipt is not None:
                return receipt
            if time.monotonic() - checked > 1.0:
                if not any(self._known(h) for h in hashes):
                    return None
                checked = time.monotonic()
            if self.speedup_after and time.monotonic() - waited_since > self.speedup_after:
                new = self._speed_up(hashes[-1])
                if new:
                    hashes.append(new)
                waited_since = time.monotonic()
            time.sleep(pause)
            pause = min(pause * 1.5, 0.25)
        return None

    def _dropped(self, kind: str, ids: list[int], hashes: list[str]) -> None:
        if self.journal is not None:
            for h in hashes:
                self.journal.dropped(h)
        self.log(f"{kind} batch {ids} is unknown to the node (dropped): due again")

    def _speed_up(self, tx_hash: str) -> str | None:
        speed_up = getattr(self.client.chain, "speed_up", None)
        if speed_up is None:
            return None
        try:
            result = speed_up(tx_hash)
        except Exception as exc:  # a cap reached, or it was mined meanwhile: keep waiting for it
            self.log(f"could not speed up {tx_hash}: {exc}")
            return None
        if result is None:
            return None
        new, fees = result
        if self.journal is not None:
            self.journal.replaced(tx_hash, new)
        self.log(f"sped up {tx_hash}: now {new} at {fees.describe()}")
        return new

    def _mined(self, hashes: list[str]) -> Any:
        """The first receipt among `hashes` (as the node gave it), journaled as mined; None while all are
        pending."""
        for h in hashes:
            raw = self._receipt(h)
            if raw is None:
                continue
            if self.journal is not None:
                self.journal.mined(h, as_int(raw["blockNumber"]), as_int(raw["status"]))
            return raw
        return None

    def _receipt(self, tx_hash: str) -> Any:
        """The node's receipt of `tx_hash`, None while it is not mined. Over JSON-RPC the raw reply: web3's
        formatting of a 100-order batch's 400 logs cost more than asking."""
        chain = self.client.chain
        if chain.in_process:
            try:
                return chain.w3.eth.get_transaction_receipt(tx_hash)
            except Exception as exc:
                if type(exc).__name__ == "TransactionNotFound":
                    return None
                raise
        reply = chain.rpc.reply("eth_getTransactionReceipt", [tx_hash])  # straight on the connection (jsonrpc.py)
        if "error" in reply:
            raise ChainUnavailable(f"the node refused eth_getTransactionReceipt: {reply['error']}")
        return reply.get("result")

    def _known(self, tx_hash: str) -> bool:
        try:
            self.client.chain.w3.eth.get_transaction(tx_hash)
            return True
        except Exception as exc:
            if type(exc).__name__ == "TransactionNotFound":
                return False
            raise

    def _count(self, kind: str, ids: list[int], receipt: Any) -> None:
        """Count a mined batch from its receipt (as the node gave it): one request for all it needs."""
        gas, tx_hash = as_int(receipt["gasUsed"]), hash_hex(receipt["transactionHash"])
        if kind == "tranche":  # a tranche never settles its order: count and say which were paid
            topic = self.client.tx.topic("TradeEscrow", "TrancheReleased")
            ours = [log for log in receipt["logs"] if log["topics"] and _hex(log["topics"][0]) == topic]
            self.progress.transactions += 1
            self.progress.gas += gas
            self.progress.cost_wei += gas * as_int(receipt.get("effectiveGasPrice", 0))
            for e in self.client.tx.decode_logs(ours):
                self.progress.tranches += 1
                self.log(f"released tranche {e['args']['index'] + 1} of order #{e['args']['orderId']} "
                         f"(tx {tx_hash}, block {as_int(receipt['blockNumber'])})")
            return
        event = "OrderReleased" if kind == "release" else "OrderRefunded"
        topic = self.client.tx.topic("TradeEscrow", event)  # decode only those: a batch emits four events per order
        ours = [log for log in receipt["logs"] if log["topics"] and _hex(log["topics"][0]) == topic]
        done = {e["args"]["orderId"] for e in self.client.tx.decode_logs(ours) if e["event"] == event}
        self.progress.transactions += 1
        self.progress.gas += gas
        self.progress.cost_wei += gas * as_int(receipt.get("effectiveGasPrice", 0))
        for order_id in ids:
            if order_id in done:
                past = "released" if kind == "release" else "refunded"
                setattr(self.progress, past, getattr(self.progress, past) + 1)
                self.log(f"{past} order #{order_id} (tx {tx_hash}, block {as_int(receipt['blockNumber'])})")
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


def due_from_index(indexer: Any) -> Callable[[int], tuple[list[int], int]]:
    """A Keeper's `due_from` over an index: catch the index up, then (ids due at chain time t, orders known) from
    its orders table (index.queries.due_orders)."""
    from sqlalchemy import func, select

    from tradechain.index.queries import due_orders
    from tradechain.index.schema import orders

    def due(now: int) -> tuple[list[int], int]:
        indexer.run()
        with indexer.engine.connect() as conn:
            known = conn.execute(select(func.count()).select_from(orders)).scalar_one()
        return due_orders(indexer.engine, now), known

    def scheduled(topic: bytes) -> list[int]:
        """Unsettled orders placed with a payment schedule (their ScheduleFixed logs, from the index's raw logs)."""
        from tradechain.index.schema import logs
        from tradechain.vocabulary import TERMINAL

        with indexer.engine.connect() as conn:
            rows = conn.execute(select(logs.c.topic1).where(logs.c.topic0 == _hex(topic))).all()
            ids = {int(r[0], 16) for r in rows if r[0]}
            done = {r[0] for r in conn.execute(select(orders.c.id).where(orders.c.id.in_(ids))
                                               .where(orders.c.state.in_(sorted(TERMINAL))))} if ids else set()
        return sorted(ids - done)

    due.scheduled = scheduled
    return due


def _hex(value: Any) -> str:
    return value.lower() if isinstance(value, str) else "0x" + bytes(value).hex()


def _connection_errors() -> tuple[type[BaseException], ...]:
    import requests
    from web3.exceptions import TimeExhausted

    return (requests.ConnectionError, requests.Timeout, TimeExhausted)
