"""A chain with the demo's four trades on it (a released ETH order, a disputed tUSD order, a financed invoice,
a cold-chain batch with a breach), indexed, for the explorer's tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tradechain.client import TradeClient
from tradechain.index.queries import Site
from tradechain.index.reader import attach

from index_kit import new_index, second_client


@dataclass
class DemoIndex:
    client: TradeClient  # reads served by the index
    node: TradeClient  # the same chain read directly
    site: Site
    demo: dict
    indexer: object


def demo_index(client: TradeClient, url: str) -> DemoIndex:
    from tradechain.demo import run_demo

    demo = run_demo(client)
    indexer = new_index(client, url)
    indexer.run()
    reader = second_client(client)
    attach(reader.chain, indexer.engine)
    return DemoIndex(reader, client, Site(reader, indexer.engine), demo, indexer)


@pytest.fixture(scope="module")
def demo(tmp_path_factory, artifacts):
    """The demo's trades on a fresh embedded chain, indexed (one per test module)."""
    from tradechain.chain import embedded
    from tradechain.deployment import deploy_suite

    node = embedded()
    client = TradeClient(node, deploy_suite(node, artifacts), artifacts)
    return demo_index(client, f"sqlite:///{tmp_path_factory.mktemp('ix')}/index.sqlite")


def cold_chain_batch(d: DemoIndex) -> str:
    """'B<n>' of the demo's vaccine batch."""
    from tradechain.vocabulary import BATCH_BASE

    from sqlalchemy import select

    from tradechain.index.schema import anchors

    with d.indexer.engine.connect() as conn:
        items = {int(r[0]) for r in conn.execute(select(anchors.c.item))}
    return f"B{min(i for i in items if i >= BATCH_BASE) - BATCH_BASE}"
