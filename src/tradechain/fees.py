"""What a transaction offers to pay per gas on a JSON-RPC network: EIP-1559 fees from `eth_feeHistory`, capped
by the network's fee policy (networks.FeePolicy), or a legacy gas price where the chain has no base fee.

  tip     = the policy's percentile of the tips paid in recent blocks (blocks with no transactions ignored),
            at most max_priority_fee_gwei
  max fee = 2 x the next block's base fee + tip (room for six full blocks of +12.5 %), at most max_fee_gwei

A cap below the next block's base fee cannot be mined: that is refused with the figures, not sent to wait.
A replacement (speed-up) must raise both by at least 10 % over the transaction it replaces (geth's rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import Any

from tradechain.errors import UsageError

GWEI = 10**9
HISTORY_BLOCKS = 10
REPLACEMENT_BUMP = 1.125  # geth and most pools ask for +10 %; 12.5 % leaves room for rounding


@dataclass(frozen=True)
class Fees:
    """EIP-1559 (max_fee, tip) or legacy (gas_price): exactly one kind is set."""

    max_fee: int | None = None
    tip: int | None = None
    gas_price: int | None = None

    @property
    def legacy(self) -> bool:
        return self.gas_price is not None

    def tx_fields(self) -> dict[str, int]:
        if self.legacy:
            return {"gasPrice": self.gas_price}
        return {"maxFeePerGas": self.max_fee, "maxPriorityFeePerGas": self.tip}

    def per_gas(self) -> int:
        """The most this offers per gas: what the sender's balance must cover."""
        return self.gas_price if self.legacy else self.max_fee

    def bumped(self, policy: Any = None) -> Fees:
        """Fees that replace a pending transaction offering these (at least +10 % on each), still under the caps."""
        def up(value: int) -> int:
            return int(value * REPLACEMENT_BUMP) + 1

        if self.legacy:
            return Fees(gas_price=_cap(up(self.gas_price), getattr(policy, "max_fee_gwei", None), "max_fee_gwei"))
        tip = _cap(up(self.tip), getattr(policy, "max_priority_fee_gwei", None), "max_priority_fee_gwei")
        return Fees(max_fee=_cap(max(up(self.max_fee), tip), getattr(policy, "max_fee_gwei", None), "max_fee_gwei"),
                    tip=tip)

    def describe(self) -> str:
        if self.legacy:
            return f"gas price {self.gas_price / GWEI:.4g} gwei"
        return f"max fee {self.max_fee / GWEI:.4g} gwei, tip {self.tip / GWEI:.4g} gwei"


def _cap(value: int, cap_gwei: float | None, name: str) -> int:
    if cap_gwei is None:
        return value
    cap = int(cap_gwei * GWEI)
    if value > cap:
        raise UsageError(f"replacing the transaction needs {value / GWEI:.4g} gwei, above fees.{name} = "
                         f"{cap_gwei:g}; raise the cap in the network's profile to speed it up")
    return value


def from_history(history: dict, policy: Any) -> Fees:
    """Fees from an eth_feeHistory answer (asked with the policy's percentile) under the policy's caps."""
    base_fees = history.get("baseFeePerGas") or []
    next_base = int(base_fees[-1]) if base_fees else 0  # the last entry is the next block's
    ratios = history.get("gasUsedRatio") or []
    rewards = history.get("reward") or []
    paid = [int(r[0]) for r, used in zip(rewards, ratios) if r and used > 0]
    tip = int(median(paid)) if paid else 0
    if policy.max_priority_fee_gwei is not None:
        tip = min(tip, int(policy.max_priority_fee_gwei * GWEI))
    max_fee = 2 * next_base + tip
    if policy.max_fee_gwei is not None:
        cap = int(policy.max_fee_gwei * GWEI)
        if cap < next_base:
            raise UsageError(f"the next block's base fee is {next_base / GWEI:.4g} gwei, above this network's cap "
                             f"fees.max_fee_gwei = {policy.max_fee_gwei:g}: nothing would be mined; wait or raise "
                             "the cap")
        max_fee = min(max_fee, cap)
    return Fees(max_fee=max_fee, tip=min(tip, max_fee))


def suggest(w3: Any, policy: Any) -> Fees:
    """Ask the node behind a Web3 object (see suggest_from)."""
    def request(method: str, params: list) -> Any:
        reply = w3.provider.make_request(method, params)
        if "error" in reply:
            raise ValueError(f"{method}: {reply['error']}")
        return reply["result"]

    return suggest_from(request, policy)


def suggest_from(request: Any, policy: Any) -> Fees:
    """Ask the node through `request(method, params)` (its raw JSON-RPC result): EIP-1559 fees from its fee
    history, or a legacy gas price when the policy says legacy or the latest block has no base fee."""
    latest = request("eth_getBlockByNumber", ["latest", False])
    if policy.legacy or latest.get("baseFeePerGas") is None:
        price = int(request("eth_gasPrice", []), 16)
        if policy.max_fee_gwei is not None:
            price = min(price, int(policy.max_fee_gwei * GWEI))
        return Fees(gas_price=price)
    raw = request("eth_feeHistory", [hex(HISTORY_BLOCKS), "latest", [float(policy.priority_percentile)]])
    history = {"baseFeePerGas": [int(b, 16) for b in raw.get("baseFeePerGas") or []],
               "gasUsedRatio": raw.get("gasUsedRatio") or [],
               "reward": [[int(r, 16) for r in block] for block in raw.get("reward") or []]}
    return from_history(history, policy)
