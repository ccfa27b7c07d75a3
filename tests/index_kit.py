"""Helpers for the index tests: an index in a temp folder, its contents in comparable form, a second web3
connection to the same chain (so middleware installed by a test never touches the session client)."""

from __future__ import annotations

from sqlalchemy import select

from tradechain.client import TradeClient
from tradechain.index import db
from tradechain.index.schema import EVENT_TABLES, invoices, logs, orders
from tradechain.indexer import Indexer


def new_index(client, url: str, **kw) -> Indexer:
    return Indexer(client, db.engine_for(url), **kw).open()


def contents(engine) -> dict[str, list]:
    """Everything derived from the chain, in a stable order (blocks' tail bookkeeping left out)."""
    with engine.connect() as conn:
        return {t.name: sorted(tuple(r) for r in conn.execute(select(t)))
                for t in (logs, orders, invoices, *EVENT_TABLES)}


def second_client(client: TradeClient) -> TradeClient:
    """Another TradeClient on the same chain through its own Web3 (embedded: the same eth-tester)."""
    from web3 import EthereumTesterProvider, Web3

    from tradechain.chain import EmbeddedChain, rpc

    chain = client.chain
    if chain.in_process:
        other = EmbeddedChain(chain.tester, Web3(EthereumTesterProvider(chain.tester)))
    else:
        other = rpc(chain.url)
    return TradeClient(other, client.deployment, client.artifacts)


def node_logs(client) -> list:
    return list(client.chain.w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest",
                                         "address": list(client.deployment.addresses.values())}))
