"""When a mined transaction counts as final on a network: a depth (N blocks including its own) or the node's
`safe` / `finalized` block tags, as the network's profile sets `confirmations` (networks.Network).

A depth of 0 or 1 is final as soon as the transaction is mined (dev nodes, the embedded chain). The keeper reads
state at `final_block()` so it acts only on what can no longer be reorganised away, where a profile asks for it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from tradechain.errors import ChainUnavailable

TAGS = ("safe", "finalized")


@dataclass(frozen=True)
class Finality:
    final: bool
    detail: str  # for people: "final", "1 of 3 confirmations", "block 12 is not yet safe (safe head: 10)"


def final_block(w3: Any, confirmations: int | str) -> int | str:
    """The newest block whose state counts as final: a number, or "latest" when every mined block does."""
    if confirmations in TAGS:
        return int(w3.eth.get_block(confirmations)["number"])
    if int(confirmations) <= 1:
        return "latest"
    return max(0, int(w3.eth.block_number) - int(confirmations) + 1)


def status(w3: Any, block: int, confirmations: int | str) -> Finality:
    """Whether a transaction mined in `block` is final under `confirmations`."""
    if confirmations in TAGS:
        head = int(w3.eth.get_block(confirmations)["number"])
        if block <= head:
            return Finality(True, f"final ({confirmations})")
        return Finality(False, f"block {block} is not yet {confirmations} ({confirmations} head: {head})")
    depth = int(w3.eth.block_number) - block + 1
    if depth >= int(confirmations):
        return Finality(True, "final")
    return Finality(False, f"{depth} of {int(confirmations)} confirmations")


def wait(w3: Any, block: int, confirmations: int | str, timeout: float = 600.0, poll: float = 1.0) -> Finality:
    """Wait until a transaction mined in `block` is final; raises ChainUnavailable after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        now = status(w3, block, confirmations)
        if now.final:
            return now
        if time.monotonic() >= deadline:
            raise ChainUnavailable(f"not final after {timeout:.0f} s: {now.detail}")
        time.sleep(poll)
