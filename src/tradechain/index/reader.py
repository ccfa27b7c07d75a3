"""Reading through the index: a web3 middleware that answers eth_getLogs from the index for the blocks it holds
and asks the node only for the blocks after its cursor, and eth_getBlockByNumber (block times) for blocks it
stored. Every read path (timelines, traces, the keeper's scan) then gets the node's answer without asking the
node for logs from block 0.

`attach` installs it only on a chain whose index is fresh: the block at the index's cursor still has the hash
the index stored (no reorg since it was written); otherwise reads go to the node as before.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from web3.middleware import Web3Middleware

from tradechain.index import db, rawlogs
from tradechain.index.schema import blocks

NODE_RANGE = 2_000  # blocks per eth_getLogs request for the part after the cursor


def _block(value: Any, latest: int) -> int:
    if value in (None, "latest", "pending", "safe", "finalized"):
        return latest
    if value == "earliest":
        return 0
    return int(value, 16) if isinstance(value, str) else int(value)


class IndexReads(Web3Middleware):
    engine: Engine  # set by `middleware_for`

    def wrap_make_request(self, make_request):
        def middleware(method, params):
            if method == "eth_getLogs" and params and "blockHash" not in params[0] and self._covers(params[0]):
                return self._logs(make_request, params[0])
            if method == "eth_getBlockByNumber" and params and not params[1]:
                stored = self._stored_block(params[0])
                if stored is not None:
                    return {"jsonrpc": "2.0", "id": 0, "result": stored}
            return make_request(method, params)

        return middleware

    def _covers(self, flt: dict) -> bool:
        """Only filters on the suite's contracts are the index's to answer."""
        want = flt.get("address")
        if not want:
            return False
        with self.engine.connect() as conn:
            held = set(db.read_meta(conn).get("addresses", "").split(","))
        return {a.lower() for a in ([want] if isinstance(want, str) else want)} <= held

    def _cursor(self) -> int:
        with self.engine.connect() as conn:
            return int(db.read_meta(conn)["cursor"])

    def _logs(self, make_request, flt: dict) -> dict:
        latest = _block(make_request("eth_blockNumber", [])["result"], 0)
        low, high = _block(flt.get("fromBlock"), latest), _block(flt.get("toBlock"), latest)
        cursor = self._cursor()
        out: list[dict] = []
        if low <= min(high, cursor):
            with self.engine.connect() as conn:
                out += [rawlogs.rpc_log(r) for r in conn.execute(rawlogs.select_logs(flt, low, min(high, cursor)))]
        start = max(low, cursor + 1)
        while start <= high:  # what the index does not hold yet, from the node in bounded ranges
            end = min(high, start + NODE_RANGE - 1)
            reply = make_request("eth_getLogs", [{**flt, "fromBlock": hex(start), "toBlock": hex(end)}])
            if "error" in reply:
                return reply
            out += reply["result"]
            start = end + 1
        return {"jsonrpc": "2.0", "id": 0, "result": out}

    def _stored_block(self, tag: Any) -> dict | None:
        if not isinstance(tag, (int, str)) or (isinstance(tag, str) and not tag.startswith("0x")):
            return None
        number = _block(tag, 0)
        with self.engine.connect() as conn:
            row = conn.execute(select(blocks).where(blocks.c.number == number)).first()
        if row is None or row.timestamp is None:
            return None
        return {"number": hex(row.number), "hash": row.hash, "parentHash": row.parent_hash or "0x" + "00" * 32,
                "timestamp": hex(row.timestamp)}


def middleware_for(engine: Engine):
    return type("IndexReadsOn", (IndexReads,), {"engine": engine})


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


def attach(w3, engine: Engine) -> None:
    """Serve this web3's log and block-time reads from the index (outermost layer, before any other)."""
    w3.middleware_onion.inject(middleware_for(engine), name="index_reads", layer=0)
