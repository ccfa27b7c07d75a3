"""eth_getLogs on the embedded chain, read from py-evm's blocks and receipts in one pass over the range.

eth-tester's own get_logs looks each transaction of the range up by hash, and that lookup walks back from the
head block by block: O(blocks²) for a range from the deployment. On a demo-sized chain a timeline took seconds,
and a test comparing every trace with the index took minutes. Here each block of the range is read once.

The logs come in a node's JSON shape (hex strings), which every reader of Chain.get_logs takes
(Transactions.decode_logs). Log indexes count within each transaction's receipt, as eth-tester numbers them (one
transaction per block here, so that is also the index within the block).
"""

from __future__ import annotations

from typing import Any


def _wanted(want: list) -> list[set[str] | None]:
    """A filter's topics, position by position, as the set of hex topics each accepts (None: anything)."""
    return [None if wanted is None else {_topic(w) for w in (wanted if isinstance(wanted, (list, tuple)) else [wanted])}
            for wanted in want]


def _matches(topics: list[str], want: list[set[str] | None]) -> bool:
    """JSON-RPC topic filtering: position by position, None matches anything, a set any of its entries."""
    if len(want) > len(topics):
        return False
    return all(options is None or have in options for have, options in zip(topics, want))


def _topic(value: Any) -> str:
    return ("0x" + bytes(value).hex() if not isinstance(value, str) else value).lower()


def _number(value: Any, head: int) -> int:
    if value is None or value in ("latest", "pending", "safe", "finalized"):
        return head
    if value == "earliest":
        return 0
    return int(value, 16) if isinstance(value, str) else int(value)


def logs(tester: Any, flt: dict) -> list[dict]:
    """The logs `flt` selects (fromBlock/toBlock as ints or tags, address one or a list, topics), in chain order."""
    chain = tester.backend.chain
    head = chain.get_canonical_head().block_number
    low, high = _number(flt.get("fromBlock"), head), min(_number(flt.get("toBlock"), head), head)
    address = flt.get("address")
    wanted = None if not address else {a.lower() for a in ([address] if isinstance(address, str) else address)}
    want_topics = _wanted(list(flt.get("topics") or []))
    out: list[dict] = []
    for number in range(max(low, 0), high + 1):
        block = chain.get_canonical_block_by_number(number)
        if not block.transactions:
            continue
        block_hash = "0x" + block.hash.hex()
        for tx_index, (tx, receipt) in enumerate(zip(block.transactions, block.get_receipts(chain.chaindb))):
            for log_index, log in enumerate(receipt.logs):
                emitter = "0x" + log.address.hex()
                if wanted is not None and emitter not in wanted:
                    continue
                topics = ["0x" + t.to_bytes(32, "big").hex() for t in log.topics]
                if want_topics and not _matches(topics, want_topics):
                    continue
                out.append({"address": emitter, "topics": topics, "data": "0x" + log.data.hex(),
                            "blockNumber": hex(number), "blockHash": block_hash, "transactionHash": "0x" + tx.hash.hex(),
                            "transactionIndex": hex(tx_index), "logIndex": hex(log_index), "removed": False})
    return out
