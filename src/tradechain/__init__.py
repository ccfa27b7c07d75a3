"""tradechain: escrow settlement, invoice financing and provenance for cross-border trade, on any EVM chain.

    import tradechain
    client = tradechain.connect()                    # the in-process chain, suite deployed: ready in one line
    client = tradechain.connect(network="devnet")    # or a devnet / a network of tradechain.toml / rpc="http://…"

Names are imported on first use, so `import tradechain` (and the CLI's --help) stays instant.
"""

from __future__ import annotations

import os

from tradechain import deferred

# eth-hash takes its keccak backend from this variable on its first hash, else pycryptodome before pysha3.
# safe-pysha3 (eth-tester[py-evm] brings it for this) is about 5x faster per hash, and the embedded chain hashes a
# few hundred trie nodes per transaction. A backend the user chose stands.
os.environ.setdefault("ETH_HASH_BACKEND", "pysha3")

deferred.install()  # before anything imports web3: keystore/BLS and aiohttp code load only when used

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (~20 ms): the CLI imports this package

if TYPE_CHECKING:
    from typing import Any

    from tradechain.client import Invoice, Order, Receipt, SellerRecord, TradeClient
    from tradechain.errors import (
        ChainUnavailable, CompileError, ContractRevert, DeploymentError, TradechainError, UsageError,
    )
    from tradechain.vocabulary import InvoiceStatus, OrderState

__all__ = [
    "__version__", "connect", "TradeClient", "Order", "Invoice", "SellerRecord", "Receipt", "OrderState",
    "InvoiceStatus", "TradechainError", "UsageError", "ContractRevert", "ChainUnavailable", "DeploymentError",
    "CompileError",
]

_LAZY = {
    "TradeClient": "tradechain.client", "Order": "tradechain.client", "Invoice": "tradechain.client",
    "SellerRecord": "tradechain.client", "Receipt": "tradechain.client",
    "OrderState": "tradechain.vocabulary", "InvoiceStatus": "tradechain.vocabulary",
    **{name: "tradechain.errors" for name in ("TradechainError", "UsageError", "ContractRevert", "ChainUnavailable",
                                              "DeploymentError", "CompileError")},
}


def __getattr__(name: str) -> Any:
    if name == "__version__":  # importlib.metadata costs ~0.1 s: only when asked
        from importlib import metadata

        try:
            return metadata.version("tradechain")
        except metadata.PackageNotFoundError:  # a source tree that was never installed
            return "0.0.0+unknown"
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'tradechain' has no attribute {name!r}")


def connect(network: str | None = None, rpc: str | None = None, *, deploy_if_missing: bool = False) -> "TradeClient":
    """A ready TradeClient. No arguments: $TRADECHAIN_NETWORK / $TRADECHAIN_RPC, else the embedded chain (a
    fresh in-process chain with the suite deployed). `network`: "embedded", "devnet" or a name from
    tradechain.toml; `rpc`: a node URL. On a node, the suite comes from its manifest (deploy/<chain id>.json);
    `deploy_if_missing` deploys it (and writes the manifest) where there is none."""
    from tradechain.client import client_for
    from tradechain.errors import UsageError
    from tradechain.networks import connect as connect_chain
    from tradechain.project import load_artifacts, project_root

    if network and rpc:
        raise UsageError("give either network or rpc, not both")
    return client_for(connect_chain(network, rpc, project_root()), load_artifacts(), deploy_if_missing=deploy_if_missing)
