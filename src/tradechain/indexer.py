"""The indexer: follows the suite's events into the index (index.schema), restart-safe and reorg-safe.

One pass = a series of ranges, each read and written in ONE database transaction that also moves the cursor:
a kill at any moment leaves the index at the end of the last committed range (logs are keyed by block hash and
log index, so nothing is doubled either). At the start of every range the stored hash of the cursor block is
compared with the node's (a block is the same only if all its ancestors are); on a mismatch the stored hashes
are compared a window at a time down to the fork point, everything above it is deleted, the
orders it touched are re-derived from the logs below it, and reading resumes from the fork point — in the
same transaction. Ranges start at FIRST_RANGE blocks, shrink when a node refuses a range (public nodes cap
eth_getLogs by blocks or results) and grow again after successes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from tradechain.codec import checksum
from tradechain.errors import ChainMoved, ChainUnavailable, RangeRefused, UsageError
from tradechain.index import db, derive, rawlogs
from tradechain.index.schema import EVENT_TABLES, blocks, invoices, logs, meta, orders

REORG_WINDOW = 12  # hashes kept of the last blocks read; deeper than this a block counts as final on pages
FIRST_RANGE = 2_000
MAX_RANGE = 10_000


@dataclass
class PassReport:
    start: int  # first block read this pass
    end: int  # cursor after the pass
    logs: int = 0
    seconds: float = 0.0
    reorgs: list[tuple[int, int]] = field(default_factory=list)  # (old cursor, fork point) per rollback
    ranges: int = 0
    refusals: int = 0

    @property
    def rate(self) -> float:
        return self.logs / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        rb = "".join(f"; reorg: rolled back from block {a} to fork point {b}" for a, b in self.reorgs)
        return (f"indexed blocks {self.start}..{self.end}: {self.logs:,} events in {self.seconds:.1f} s "
                f"({self.rate:,.0f} events/s, {self.ranges} ranges, {self.refusals} refused){rb}")


class Indexer:
    def __init__(self, client, engine: Engine, *, window: int = REORG_WINDOW, max_range: int = MAX_RANGE,
                 progress: Callable[[str], None] | None = None):
        self.client = client
        self.chain = client.chain
        # In-process chains answer web3's requests only; a JSON-RPC node is read over the chain's own connection
        # (no web3: importing it costs more than a pass that finds nothing new)
        self.w3 = client.chain.w3 if client.chain.in_process else None
        self.engine = engine
        self.window = window
        self.max_range = max_range
        self.range = min(FIRST_RANGE, max_range)
        self.progress = progress
        self.addresses = sorted(a.lower() for a in client.deployment.addresses.values())
        self.decoder = derive.Decoder(client)
        self.first_block = client.deployment.start_block

    # ------------------------------------------------------------------ opening
    def open(self) -> "Indexer":
        """Migrate the schema; bind a new index to this chain and suite, refuse one bound to another."""
        db.upgrade(self.engine)
        want = {"chain_id": str(self.client.chain.chain_id), "addresses": ",".join(self.addresses)}
        with db.writing(self.engine) as conn:
            have = db.read_meta(conn)
            if not have or "cursor" not in have:  # new, or emptied by a migration that re-reads the logs
                db.write_meta(conn, {**want, "cursor": self.first_block - 1, "cursor_hash": ""})
            elif {k: have.get(k) for k in want} != want:
                raise UsageError(
                    f"this index holds chain {have.get('chain_id')} with other contracts than the suite on chain "
                    f"{want['chain_id']} (a redeployed suite?); give another --db, or delete the index file")
        return self

    def cursor(self) -> int:
        with self.engine.connect() as conn:
            return int(db.read_meta(conn)["cursor"])

    # ------------------------------------------------------------------ a pass
    def run(self, until: int | None = None) -> PassReport:
        """Catch up to the node's latest block (or `until`): range after range, each its own transaction."""
        began = time.monotonic()
        report = PassReport(start=self.cursor() + 1, end=self.cursor())
        target = self._latest() if until is None else until
        last_note = 0.0
        while True:
            try:
                done = self._one_range(target, report)
            except ChainMoved:
                target = self._latest() if until is None else until
                continue
            if done:
                break
            if self.progress and time.monotonic() - last_note > 1.0 and target > report.start:
                last_note = time.monotonic()
                share = (report.end - report.start + 1) / (target - report.start + 1)
                rate = report.logs / (time.monotonic() - began)
                self.progress(f"block {report.end:,} of {target:,} ({share:.0%}), {report.logs:,} events, "
                              f"{rate:,.0f} events/s, range {self.range:,} blocks")
        report.seconds = time.monotonic() - began
        return report

    def follow(self, interval: float = 1.0, *, passes: int | None = None,
               on_pass: Callable[[PassReport], None] | None = None) -> None:
        """Keep up with new blocks: a pass every `interval` seconds (forever, or `passes` times)."""
        n = 0
        while passes is None or n < passes:
            report = self.run()
            if on_pass:
                on_pass(report)
            n += 1
            time.sleep(interval)

    def _latest(self) -> int:
        try:
            return self.chain.block_number()
        except Exception as exc:
            raise ChainUnavailable(f"the node stopped answering ({type(exc).__name__}: {exc})") from None

    def _one_range(self, target: int, report: PassReport) -> bool:
        """Check for a reorg, then read and store one range, all in one transaction. True when caught up."""
        with db.writing(self.engine) as conn:
            state = _lock_meta(conn)
            cursor = int(state["cursor"])
            fork = self._fork_point(conn, cursor)
            if fork is not None:
                self._rollback(conn, fork)
                report.reorgs.append((cursor, fork))
                cursor = fork
                target = max(target, self._latest())
                _set_cursor(conn, fork, self._stored_hash(conn, fork))
            if cursor >= target:
                report.end = cursor
                return True
            high = min(target, cursor + self.range)
            got = self._get_logs(cursor + 1, high, report)
            high = got[0]
            self._store(conn, cursor + 1, high, got[1])
            report.logs += len(got[1])
            report.ranges += 1
            report.end = high
            return high >= target

    # ------------------------------------------------------------------ reading the node
    def _get_logs(self, low: int, high: int, report: PassReport) -> tuple[int, list]:
        """Logs of the suite in low..high, shrinking the range while the node refuses it. Returns (high, logs)."""
        while True:
            flt = {"fromBlock": low, "toBlock": high, "address": [checksum(a) for a in self.addresses]}
            try:
                if self.w3 is not None:  # eth-tester answers web3-formatted requests only
                    found = self.w3.eth.get_logs(flt)
                else:  # raw JSON-RPC from the node itself: no web3 formatting, never an attached index
                    reply = self.chain.node_reply("eth_getLogs", [{**flt, "fromBlock": hex(low), "toBlock": hex(high)}])
                    if "error" in reply:
                        raise RangeRefused(str(reply["error"].get("message", reply["error"])))
                    found = reply["result"]
            except Exception as exc:  # providers refuse in many words: range, result count, timeout
                if _unreachable(exc):
                    raise ChainUnavailable(f"the node stopped answering ({type(exc).__name__})") from None
                report.refusals += 1
                if high == low:
                    raise RangeRefused(f"the node refuses eth_getLogs even for block {low}: {exc}") from None
                self.range = max(1, (high - low + 1) // 2)
                high = low + self.range - 1
                continue
            if self.range < self.max_range and high - low + 1 >= self.range:
                self.range = min(self.max_range, self.range * 2)
            return high, list(found)

    def _headers(self, numbers: list[int]) -> dict[int, dict | None]:
        """(hash, parent hash, timestamp) of blocks by number; None for a block the node does not have."""
        out: dict[int, dict | None] = {}
        if self.w3 is None:  # one JSON-RPC batch from the node itself, not a request each
            try:
                replies = self.chain.node_batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
            except Exception as exc:
                if _unreachable(exc):
                    raise ChainUnavailable(f"the node stopped answering ({type(exc).__name__})") from None
                raise
            for n, reply in zip(numbers, replies):
                b = reply.get("result")  # None: the node has no such block (yet, or any more)
                out[n] = None if b is None else {"hash": b["hash"], "parent_hash": b["parentHash"],
                                                 "timestamp": int(b["timestamp"], 16)}
            return out
        for n in numbers:
            try:
                b = self.w3.eth.get_block(n)
            except Exception as exc:
                if _unreachable(exc):
                    raise ChainUnavailable(f"the node stopped answering ({type(exc).__name__})") from None
                b = None  # BlockNotFound: the chain is shorter than the index (a restored devnet, a reorg)
            out[n] = None if b is None else {"hash": "0x" + bytes(b["hash"]).hex(),
                                             "parent_hash": "0x" + bytes(b["parentHash"]).hex(),
                                             "timestamp": int(b["timestamp"])}
        return out

    # ------------------------------------------------------------------ reorgs
    def _stored_hash(self, conn, number: int) -> str:
        return conn.execute(select(blocks.c.hash).where(blocks.c.number == number)).scalar() or ""

    def _fork_point(self, conn, cursor: int) -> int | None:
        """None when the node still has the stored cursor block (then, by the hash chain, every block below it
        too: one header per range); else the highest stored block both agree on, found a window at a time."""
        top = conn.execute(select(blocks.c.number, blocks.c.hash).where(blocks.c.number <= cursor)
                           .order_by(blocks.c.number.desc()).limit(1)).first()
        if top is None:
            return None
        node = self._headers([top.number])[top.number]
        if node is not None and node["hash"] == top.hash:
            return None
        below = top.number + 1
        while True:
            stored = conn.execute(select(blocks.c.number, blocks.c.hash).where(blocks.c.number < below)
                                  .order_by(blocks.c.number.desc()).limit(self.window)).all()
            if not stored:
                return self.first_block - 1
            node = self._headers([n for n, _ in stored])
            for n, h in stored:
                if node[n] is not None and node[n]["hash"] == h:
                    return n
            below = stored[-1][0]

    def _rollback(self, conn, fork: int) -> None:
        """Delete everything above `fork` and re-derive the orders that changed above it."""
        touched = [r[0] for r in conn.execute(select(orders.c.id).where(
            orders.c.updated_block > fork, orders.c.placed_block <= fork))]
        moved = [r[0] for r in conn.execute(select(invoices.c.id).where(
            invoices.c.updated_block > fork, invoices.c.minted_block <= fork))]
        for table in (logs, *EVENT_TABLES):  # rows of one log each: gone with their block
            conn.execute(delete(table).where(table.c.block_number > fork))
        conn.execute(delete(blocks).where(blocks.c.number > fork))
        conn.execute(delete(orders).where(orders.c.placed_block > fork))
        conn.execute(delete(invoices).where(invoices.c.minted_block > fork))
        for oid in touched:
            conn.execute(delete(orders).where(orders.c.id == oid))
            self._replay_order(conn, oid)
        for tid in moved:
            conn.execute(delete(invoices).where(invoices.c.id == tid))
            self._replay(conn, [logs.c.address == self.client.invoices.address.lower(),
                                logs.c.topic3 == "0x" + tid.to_bytes(32, "big").hex()])

    def _replay_order(self, conn, oid: int) -> None:
        addresses = [self.client.escrow.address.lower(), self.client.provenance.address.lower()]
        self._replay(conn, [logs.c.topic1 == "0x" + oid.to_bytes(32, "big").hex(), logs.c.address.in_(addresses)])

    def _replay(self, conn, where: list) -> None:
        """Re-derive orders and invoices from the stored logs matching `where` (all below the fork point)."""
        rows = conn.execute(select(logs).where(*where).order_by(logs.c.block_number, logs.c.log_index)).all()
        events = [e for row in rows if (e := self.decoder.decode(row._asdict())) is not None]
        derive.apply_orders(conn, events, {e["block"]: derive.block_time(conn, e["block"]) for e in events})
        derive.apply_invoices(conn, events)

    # ------------------------------------------------------------------ writing
    def _store(self, conn, low: int, high: int, found: list) -> None:
        """Blocks, logs and typed rows of low..high; the cursor moves to high."""
        times: dict[int, int] = {}
        hashes: dict[int, str] = {}
        rows_ = [rawlogs.row_of(log) for log in found]
        for log, row in zip(found, rows_):
            n = row["block_number"]
            hashes.setdefault(n, row["block_hash"])
            if log.get("blockTimestamp") is not None:  # anvil (and newer nodes) say it: no header to fetch
                times[n] = rawlogs.as_int(log["blockTimestamp"])
        tail = list(range(max(low, high - self.window + 1), high + 1))
        need = sorted(set(tail) | {n for n in hashes if n not in times})
        headers = self._headers(need)
        for n, h in headers.items():
            if h is None or (n in hashes and hashes[n] != h["hash"]):
                raise ChainMoved(f"block {n} changed while it was read")
        rows = {n: {"number": n, "hash": h, "parent_hash": "", "timestamp": times.get(n)} for n, h in hashes.items()}
        for n, h in headers.items():
            rows[n] = {"number": n, **h}
        conn.execute(delete(blocks).where(blocks.c.number >= low, blocks.c.number <= high))
        conn.execute(blocks.insert(), sorted(rows.values(), key=lambda r: r["number"]))
        # blocks without logs are kept only while they are in the re-checked tail
        kept = select(logs.c.block_number).where(logs.c.block_number < high - self.window + 1)
        conn.execute(delete(blocks).where(blocks.c.number < high - self.window + 1,
                                          blocks.c.number >= low - self.window,
                                          blocks.c.number.not_in(kept)))
        if rows_:
            conn.execute(logs.insert(), rows_)
            decoded = [(e, row["block_hash"]) for row in rows_ if (e := self.decoder.decode(row)) is not None]
            derive.apply(conn, decoded, {n: r["timestamp"] for n, r in rows.items()})
        _set_cursor(conn, high, rows[high]["hash"] if high in rows else "")


def _lock_meta(conn) -> dict[str, str]:
    """Read the index state holding the write lock (PostgreSQL: row locks; SQLite: BEGIN IMMEDIATE)."""
    stmt = select(meta.c.key, meta.c.value)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return {k: v for k, v in conn.execute(stmt)}


def _set_cursor(conn, number: int, block_hash: str) -> None:
    db.write_meta(conn, {"cursor": number, "cursor_hash": block_hash})


def _unreachable(exc: Exception) -> bool:
    name = type(exc).__name__
    return "ConnectionError" in name or "ConnectTimeout" in name
