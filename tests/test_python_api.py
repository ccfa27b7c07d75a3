"""The Python API as a user meets it: one import, one line to a ready client, typed results."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import tradechain


def test_one_import_and_one_line_give_a_ready_client_on_the_embedded_chain(monkeypatch):
    monkeypatch.delenv("TRADECHAIN_NETWORK", raising=False)
    monkeypatch.delenv("TRADECHAIN_RPC", raising=False)
    from tradechain import TradeClient, connect

    client = connect()
    assert isinstance(client, TradeClient) and client.chain.ephemeral
    buyer, seller = client.deployment.accounts["buyer"], client.deployment.accounts["seller"]
    order_id, receipt = client.escrow.place_order_in(buyer=buyer, seller=seller, amount=10**18, ship_in=86400,
                                                     deliver_in=86400, inspection_window=86400)
    order = client.escrow.get_order(order_id)
    assert dataclasses.is_dataclass(order) and order.state is tradechain.OrderState.FUNDED
    assert order.state == "Funded" and f"{order.state}" == "Funded"
    assert receipt.tx_hash.startswith("0x") and len(receipt.tx_hash) == 66
    shipped = client.escrow.ship(order_id, client.deployment.accounts["carrier"], b"\xab" * 32, sender=seller)
    bol = shipped.event("OrderShipped")["billOfLadingHash"]
    assert isinstance(bol, str) and bol == "0x" + "ab" * 32  # hashes in events are hex strings ...
    assert bytes(bol) == b"\xab" * 32 and bol == b"\xab" * 32  # ... that still convert back to their bytes


def test_connect_to_a_devnet_by_url(tmp_path, monkeypatch):
    from anvil import anvil

    monkeypatch.setenv("TRADECHAIN_DEPLOY_DIR", str(tmp_path))
    with anvil() as url:
        client = tradechain.connect(rpc=url, deploy_if_missing=True)
        assert not client.chain.ephemeral and (tmp_path / f"{client.chain.chain_id}.json").exists()
        again = tradechain.connect(rpc=url)  # from the manifest just written
        assert again.deployment.addresses == client.deployment.addresses


def test_version_typed_marker_and_public_exceptions():
    from tradechain import ChainUnavailable, ContractRevert, DeploymentError, TradechainError, UsageError

    assert tradechain.__version__[0].isdigit()
    assert (Path(tradechain.__file__).parent / "py.typed").exists()
    for exc in (UsageError, ContractRevert, ChainUnavailable, DeploymentError):
        assert issubclass(exc, TradechainError)
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for name in tradechain.__all__:
        if name.endswith("Error") or name in ("ContractRevert", "ChainUnavailable"):
            assert f"`{name}`" in readme, f"the README does not list the exception {name}"
