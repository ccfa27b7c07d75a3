"""Raw logs between the node's shape and the table's: stored as the node gave them, served back the same way.

`select` answers an eth_getLogs filter (addresses, topic positions with None / one value / a list) from the
logs table, so any read path that asks the node for logs gets the same answer from the index.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, select

from tradechain.codec import checksum
from tradechain.index.schema import logs


def _hex(value: Any) -> str:
    if isinstance(value, str):
        return value.lower() if value.startswith("0x") else "0x" + value.lower()
    return "0x" + bytes(value).hex()


def as_int(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


def row_of(log: Any) -> dict:
    """A node's log (web3-formatted or raw JSON-RPC) as a row of the logs table."""
    topics = [_hex(t) for t in log["topics"]] + [None] * 4
    return {
        "block_hash": _hex(log["blockHash"]), "log_index": as_int(log["logIndex"]),
        "block_number": as_int(log["blockNumber"]), "tx_hash": _hex(log["transactionHash"]),
        "tx_index": as_int(log["transactionIndex"]), "address": _hex(log["address"]),
        "topic0": topics[0], "topic1": topics[1], "topic2": topics[2], "topic3": topics[3],
        "data": _hex(log["data"]),
    }


def rpc_log(row: Any) -> dict:
    """A stored row as eth_getLogs returns it over JSON-RPC (hex strings; web3 formats it from there)."""
    return {
        "address": checksum(row.address), "blockHash": row.block_hash,
        "blockNumber": hex(row.block_number), "transactionHash": row.tx_hash,
        "transactionIndex": hex(row.tx_index), "logIndex": hex(row.log_index), "data": row.data,
        "topics": [t for t in (row.topic0, row.topic1, row.topic2, row.topic3) if t is not None],
        "removed": False,
    }


def _one_or_many(column, value):
    if isinstance(value, (list, tuple)):
        return column.in_([_hex(v) for v in value])
    return column == _hex(value)


def select_logs(flt: dict, low: int, high: int):
    """The SELECT answering eth_getLogs filter `flt` for blocks low..high, in chain order."""
    cond = [logs.c.block_number >= low, logs.c.block_number <= high]
    if flt.get("address"):
        cond.append(_one_or_many(logs.c.address, flt["address"]))
    columns = (logs.c.topic0, logs.c.topic1, logs.c.topic2, logs.c.topic3)
    for column, want in zip(columns, flt.get("topics") or []):
        if want is None or (isinstance(want, (list, tuple)) and not want):
            continue
        cond.append(_one_or_many(column, want))
    return select(logs).where(and_(*cond)).order_by(logs.c.block_number, logs.c.log_index)



