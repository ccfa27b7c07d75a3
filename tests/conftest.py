"""Shared fixtures: one compile, one embedded chain and one deployment per session; every test runs inside a
chain snapshot that is reverted afterwards, so tests never see each other's orders or time travel.

Rules for new fixtures:
- session-scoped fixtures must not write to the chain (anything written during a test is reverted with it);
  deploy test-only contracts inside the test, with `helpers.deploy` (one transaction).
- chain time: the session chain runs an hour ahead of the wall clock, so every transaction's timestamp is
  exactly the previous block's + 1 and `trade.travel_to(t)` makes the next transaction run at `t`.

Fixtures: chain, artifacts, deployment, client, accounts, one per role (buyer, seller, carrier, customs,
arbiter, financier, keeper, treasury), tc (the CLI on an anvil), trade, place_eth_order, place_token_order,
shipped_order, delivered_order, disputed_order, reverts, conservation_check.
"""

from __future__ import annotations

import pytest

from tradechain.chain import Chain
from tradechain.client import TradeClient

from helpers import Trade, assert_conserved, reverts as _reverts

CHAIN_LEAD = 3600  # seconds the session chain runs ahead of the wall clock


@pytest.fixture(scope="session")
def artifacts() -> dict[str, dict]:
    from tradechain.project import load_artifacts

    return load_artifacts()


@pytest.fixture(scope="session")
def chain() -> Chain:
    from tradechain.chain import embedded

    return embedded()


@pytest.fixture(scope="session")
def deployment(chain, artifacts):
    from tradechain.deployment import deploy_suite

    dep = deploy_suite(chain, artifacts)
    chain.advance(CHAIN_LEAD)  # block time = parent + 1 from now on, never the wall clock
    return dep


@pytest.fixture(scope="session")
def client(chain, deployment, artifacts) -> TradeClient:
    return TradeClient(chain, deployment, artifacts)


@pytest.fixture(scope="session")
def accounts(deployment) -> dict[str, str]:
    """admin, buyer, seller, carrier, customs, arbiter, financier, treasury, keeper, buyer2."""
    return dict(deployment.accounts)


@pytest.fixture(autouse=True)
def _chain_snapshot(request):
    """Snapshot before each test that touches the chain; revert after (eth-tester reverts to one id often).
    Yields the number of the last block before the test (None for tests without a chain)."""
    if "chain" not in request.fixturenames:  # the closure: any test using client, trade, ... uses chain
        yield None
        return
    request.getfixturevalue("deployment")  # deploy before the first snapshot, never inside it
    chain = request.getfixturevalue("chain")
    snap = chain.snapshot()
    yield chain.block_number()
    chain.revert(snap)


def _role_fixture(role: str):
    def account(accounts) -> str:
        return accounts[role]

    account.__doc__ = f"The {role} account's address."
    return pytest.fixture(account, name=role)


admin, buyer, seller, carrier, customs, arbiter, financier, keeper, treasury = (
    _role_fixture(r)
    for r in ("admin", "buyer", "seller", "carrier", "customs", "arbiter", "financier", "keeper", "treasury"))


@pytest.fixture(scope="module")
def tc(tmp_path_factory):
    """`tc(*args, ok=True)`: the `tradechain` CLI against a fresh anvil with the suite deployed (one per module)."""
    from anvil import cli_on_node

    with cli_on_node(tmp_path_factory) as (run, env):
        run.env = env  # for the few steps no CLI command offers (granting a role)
        yield run


@pytest.fixture
def trade(client, chain, accounts) -> Trade:
    """Order-flow driver with defaults (see helpers.Trade): trade.place(), .shipped(), .delivered(), ..."""
    return Trade(client, chain, accounts)


@pytest.fixture
def place_eth_order(trade):
    """place_eth_order(amount=..., buyer=..., seller=..., ship_in=..., ...) -> order id (1 ETH by default)."""
    return lambda **kw: trade.place("ETH", **kw)


@pytest.fixture
def place_token_order(trade):
    """place_token_order(token="tUSD", amount=..., permit=False, ...) -> order id (250 tUSD by default)."""
    return lambda token="tUSD", **kw: trade.place(token, **kw)


@pytest.fixture
def shipped_order(trade):
    """shipped_order(token="ETH", carrier=..., **place) -> id of an order shipped with the carrier."""
    return trade.shipped


@pytest.fixture
def delivered_order(trade):
    """delivered_order(token="ETH", **place) -> id of an order whose delivery the carrier confirmed."""
    return trade.delivered


@pytest.fixture
def disputed_order(trade):
    """disputed_order(token="ETH", **place) -> id of a delivered order the buyer disputed."""
    return trade.disputed


@pytest.fixture
def reverts():
    """The helpers.reverts context manager: `with reverts("NotBuyer", orderId=1): ...`."""
    return _reverts


@pytest.fixture
def conservation_check(client, _chain_snapshot):
    """After the test (before its revert): the escrow holds exactly what it owes. Use per module with
    `pytestmark = pytest.mark.usefixtures("conservation_check")`."""
    yield
    assert_conserved(client, from_block=_chain_snapshot)
