"""Reading through the index, at the JSON-RPC level: `IndexReads.reply` answers eth_getLogs from the index for the
blocks it holds and asks the node only for the blocks after its cursor (in bounded ranges), and
eth_getBlockByNumber (block times) for blocks it stored. Every read path (timelines, traces, the keeper's scan)
then gets the node's answer without asking the node for logs from block 0.

`attach(chain, engine)` hands it to the chain: an RpcChain's own requests (its single requests and batches)
consult it, so a read through the index imports no web3; where reads go through web3 (the embedded chain, and
an RpcChain once something made its web3) a thin web3 middleware hands each request to the same `reply`.
Attach it only to a chain whose index is fresh (`is_fresh`; the CLI runs an indexer pass first, which makes it
so); the indexer itself always reads the node.
"""

from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.engine import Engine

from tradechain.index import db, rawlogs
from tradechain.index.schema import blocks

NODE_RANGE = 2_000  # blocks per eth_getLogs request for the part after the cursor

Ask = Callable[[str, list], dict]  # one JSON-RPC request to the node: its whole reply (result or error)


def _block(value: Any, latest: int) -> int:
    if value in (None, "latest", "pending", "safe", "finalized"):
        return latest
    if value == "earliest":
        return 0
    return int(value, 16) if isinstance(value, str) else int(value)


class IndexReads:
    """The index's answers to a node's read requests, in the node's JSON-RPC shape."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._addresses: set[str] | None = None  # fixed for an index (Indexer.open refuses another suite's)

    def reply(self, method: str, params: list, ask: Ask) -> dict:
        """The reply to one request: from the index where it holds the answer, the rest from the node (`ask`)."""
        if self.covers(method, params):
            return self._logs(ask, params[0])
        held = self.held(method, params)
        return ask(method, params) if held is None else held

    def replies(self, calls: list[tuple[str, list]], ask: Ask,
                ask_batch: Callable[[list[tuple[str, list]]], list[dict]]) -> list[dict]:
        """Replies to a batch, in order: what the index holds from it, the rest from the node in one batch."""
        out = [self._logs(ask, p[0]) if self.covers(m, p) else self.held(m, p) for m, p in calls]
        rest = [i for i, r in enumerate(out) if r is None]
        for i, r in zip(rest, ask_batch([calls[i] for i in rest]) if rest else []):
            out[i] = r
        return out

    def covers(self, method: str, params: list) -> bool:
        """An eth_getLogs by block numbers on the suite's contracts only: the index's to answer."""
        if method != "eth_getLogs" or not params or "blockHash" in params[0]:
            return False
        want = params[0].get("address")
        if not want:
            return False
        if self._addresses is None:
            with self.engine.connect() as conn:
                self._addresses = set(db.read_meta(conn).get("addresses", "").split(","))
        return {a.lower() for a in ([want] if isinstance(want, str) else want)} <= self._addresses

    def held(self, method: str, params: list) -> dict | None:
        """The index's own reply, without the node: eth_getBlockByNumber (no transactions) of a block it stored."""
        if method != "eth_getBlockByNumber" or not params or (len(params) > 1 and params[1]):
            return None
        tag = params[0]
        if not isinstance(tag, (int, str)) or (isinstance(tag, str) and not tag.startswith("0x")):
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(blocks).where(blocks.c.number == _block(tag, 0))).first()
        if row is None or row.timestamp is None:
            return None
        return _result({"number": hex(row.number), "hash": row.hash, "parentHash": row.parent_hash or "0x" + "00" * 32,
                        "timestamp": hex(row.timestamp)})

    def _cursor(self) -> int:
        with self.engine.connect() as conn:
            return int(db.read_meta(conn)["cursor"])

    def _logs(self, ask: Ask, flt: dict) -> dict:
        latest = _block(ask("eth_blockNumber", [])["result"], 0)
        low, high = _block(flt.get("fromBlock"), latest), _block(flt.get("toBlock"), latest)
        cursor = self._cursor()
        out: list[dict] = []
        if low <= min(high, cursor):
            with self.engine.connect() as conn:
                out += [rawlogs.rpc_log(r) for r in conn.execute(rawlogs.select_logs(flt, low, min(high, cursor)))]
        start = max(low, cursor + 1)
        while start <= high:  # what the index does not hold yet, from the node in bounded ranges
            end = min(high, start + NODE_RANGE - 1)
            reply = ask("eth_getLogs", [{**flt, "fromBlock": hex(start), "toBlock": hex(end)}])
            if "error" in reply:
                return reply
            out += reply["result"]
            start = end + 1
        return _result(out)

    def install(self, w3) -> None:
        """Serve the reads of this web3 too (outermost layer, before any other): for reads that go through web3."""
        from web3.middleware import Web3Middleware

        reads = self

        class IndexReadsMiddleware(Web3Middleware):
            def wrap_make_request(self, make_request):
                return lambda method, params: reads.reply(method, params, make_request)

        if "index_reads" in w3.middleware_onion:  # another index attached before: this one replaces it
            w3.middleware_onion.remove("index_reads")
        w3.middleware_onion.inject(IndexReadsMiddleware, name="index_reads", layer=0)


def _result(value: Any) -> dict:
    return {"jsonrpc": "2.0", "id": 0, "result": value}


def is_fresh(engine: Engine, w3) -> tuple[bool, str]:
    """(fresh, why not): the index exists for this chain and its cursor block is still the node's."""
    with engine.connect() as conn:
        state = db.read_meta(conn)
    if not state:
        return False, "the index is empty"
    if state.get("chain_id") != str(w3.eth.chain_id):
        return False, f"the index is for chain {state.get('chain_id')}"
    cursor, want = int(state["cursor"]), state.get("cursor_hash", "")
    if not want:
        return cursor < 0, "the index has no cursor block"
    try:
        have = "0x" + bytes(w3.eth.get_block(cursor)["hash"]).hex()
    except Exception:
        return False, f"the node has no block {cursor} (the chain went back)"
    return (have == want), f"block {cursor} changed since it was indexed (a reorg)"


def attach(chain, engine: Engine) -> None:
    """Serve this chain's log and block-time reads from the index (chain.Chain.attach_index)."""
    chain.attach_index(IndexReads(engine))
