"""TradeClient: typed reads, the timeline, and reverts decoded into readable errors. (Units parsing: test_units.py.)"""

from __future__ import annotations

import pytest
from eth_abi import encode as abi_encode
from web3 import Web3

from tradechain.client import Order
from tradechain.errors import ContractRevert, Reverted, TradechainError, UsageError
from tradechain.vocabulary import ETH, ZERO32, hash_bytes, location_code

from helpers import DAY, ETHER, TUSD, calldata, reverts

BOL = hash_bytes(b"bill of lading")


# ============================================================================ orders


def test_get_order_gives_every_field(client, trade, accounts):
    start = trade.now()
    order_id = trade.place(amount=2 * ETHER, ship_by=start + DAY, deliver_by=start + 9 * DAY, inspection_window=DAY)
    order = client.escrow.get_order(order_id)
    assert order == Order(
        id=order_id, state="Funded", buyer=accounts["buyer"], seller=accounts["seller"], token=ETH, amount=2 * ETHER,
        fee_bps=100, ship_by=start + DAY, deliver_by=start + 9 * DAY, inspection_window=DAY, delivered_at=0,
        inspection_ends_at=0, ruling_deadline=0, proposed_refund_bps=0, proposer=None, carrier=None,
    )
    assert order.is_eth and not order.terminal

    trade.ship(order_id)
    delivered_at = client.chain.block_time(trade.deliver(order_id).block)
    client.escrow.dispute(order_id, sender=accounts["buyer"])
    client.escrow.propose_settlement(order_id, 1_500, sender=accounts["seller"])
    order = client.escrow.get_order(order_id)
    assert (order.carrier, order.delivered_at, order.inspection_ends_at) == (
        accounts["carrier"], delivered_at, delivered_at + DAY)
    assert (order.proposer, order.proposed_refund_bps, order.ruling_deadline > delivered_at) == (
        accounts["seller"], 1_500, True)


def test_effective_states_through_an_orders_life(client, trade, accounts):
    order_id = trade.place("tUSD")
    seen = [client.escrow.get_order(order_id).state]
    trade.ship(order_id)
    seen.append(client.escrow.get_order(order_id).state)
    trade.deliver(order_id)
    seen.append(client.escrow.get_order(order_id).state)  # Delivered is read from Provenance, never stored
    trade.dispute(order_id)
    seen.append(client.escrow.get_order(order_id).state)
    client.escrow.resolve(order_id, 0, sender=accounts["arbiter"])
    seen.append(client.escrow.get_order(order_id).state)
    assert seen == ["Funded", "Shipped", "Delivered", "Disputed", "Resolved"]
    assert client.escrow.get_order(order_id).terminal and not client.escrow.get_order(order_id).is_eth

    ended = [trade.released(), trade.refunded(), trade.cancelled()]
    assert [client.escrow.get_order(i).state for i in ended] == ["Released", "Refunded", "Cancelled"]
    assert [o.id for o in client.escrow.list_orders()] == list(range(1, client.escrow.order_count() + 1)) == [1, 2, 3, 4]


def test_place_order_approves_only_what_is_missing(client, chain, trade, accounts):
    buyer, tusd = accounts["buyer"], client.tokens.stablecoin
    client.tokens.approve(tusd, client.escrow.address, 1_000 * TUSD, sender=buyer)
    nonce = chain.w3.eth.get_transaction_count(buyer)
    order_id, receipt = client.escrow.place_order(buyer=buyer, seller=accounts["seller"], amount=100 * TUSD,
                                           ship_by=trade.now() + DAY, deliver_by=trade.now() + 2 * DAY,
                                           inspection_window=0, token=tusd)
    assert chain.w3.eth.get_transaction_count(buyer) == nonce + 1  # no second approval
    assert receipt.gas_used > 0 and receipt.event("OrderPlaced")["orderId"] == order_id
    with pytest.raises(KeyError):
        receipt.event("OrderShipped")


def test_balances_credits_roles_and_actionable(client, trade, accounts):
    order_id = trade.released()
    assert client.escrow.credits(accounts["treasury"]) == ETHER // 100
    assert client.escrow.credits(accounts["treasury"], client.tokens.stablecoin) == 0
    assert client.tokens.balance(client.escrow.address) == ETHER // 100
    assert client.tokens.balance(accounts["buyer"], client.tokens.stablecoin) == 1_000_000 * TUSD
    assert client.escrow.actionable(order_id) == (False, False)
    assert client.has_role("TradeEscrow", "ARBITER", accounts["arbiter"])
    assert client.has_role("TradeEscrow", "ADMIN", accounts["admin"])
    assert not client.has_role("Provenance", "CARRIER", accounts["buyer"])


def test_tokens_by_name(client):
    assert client.tokens.address(None) == client.tokens.address("eth") == ETH
    assert client.tokens.address("tUSD") == client.tokens.stablecoin
    assert client.tokens.address(client.tokens.stablecoin.lower()) == client.tokens.stablecoin
    assert client.tokens.info(client.tokens.stablecoin) == ("tUSD", 6)
    assert client.tokens.info(ETH) == ("ETH", 18)
    with pytest.raises(UsageError, match="unknown token 'DOGE'"):
        client.tokens.address("DOGE")


def test_an_order_in_a_token_that_is_not_a_contract_is_a_clear_error(client, trade, accounts):
    with pytest.raises(TradechainError, match="has no contract on this chain"):
        trade.place(accounts["buyer2"], amount=100)  # an account, not an ERC-20
    args = [accounts["seller"], accounts["buyer2"], 100, trade.now() + DAY, trade.now() + 2 * DAY, 0, b"\0" * 32, 0, 0]
    with reverts("InvalidAddress", field="token", value=accounts["buyer2"]):  # the contract refuses it too
        client.tx.send("TradeEscrow", "placeOrder", [tuple(args)], sender=accounts["buyer"])


def test_documents_and_places_as_chain_values():
    assert hash_bytes(b"") == bytes.fromhex("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
    assert location_code(" cnsha ") == b"CNSHA\x00\x00\x00"
    assert location_code("") == b"\x00" * 8
    with pytest.raises(UsageError, match="longer than 8"):
        location_code("ROTTERDAM")


# ============================================================================ timeline


def test_the_timeline_tells_the_trade_in_chain_order(client, trade, accounts):
    other = trade.place()  # another order's events stay out
    order_id = trade.place(terms_hash=hash_bytes(b"terms"))
    client.escrow.ship(order_id, accounts["carrier"], BOL, sender=accounts["seller"])
    client.provenance.checkpoint(order_id, "PickedUp", "CNSZX", sender=accounts["carrier"])
    client.provenance.checkpoint(order_id, "ExportCleared", "CNSZX", sender=accounts["customs"])
    trade.deliver(order_id)
    trade.ship(other)
    trade.travel_to(client.escrow.get_order(order_id).inspection_ends_at)
    client.escrow.release(order_id, sender=accounts["keeper"])

    timeline = client.timeline(order_id)

    assert [(e["contract"], e["event"]) for e in timeline] == [
        ("TradeEscrow", "OrderPlaced"),
        ("TradeEscrow", "OrderShipped"), ("Provenance", "ShipmentOpened"), ("InvoiceToken", "Transfer"),
        ("Provenance", "Checkpoint"), ("Provenance", "Checkpoint"), ("Provenance", "Checkpoint"),
        ("TradeEscrow", "OrderReleased"), ("TradeEscrow", "Payout"), ("TradeEscrow", "Payout"),
    ]
    assert timeline[0]["args"]["termsHash"] == hash_bytes(b"terms")
    assert timeline[1]["args"]["billOfLadingHash"] == BOL
    assert timeline[3]["args"] == {"from": ETH, "to": accounts["seller"], "tokenId": order_id}
    assert [e["args"]["kind"] for e in timeline[4:7]] == [1, 6, 9]  # PickedUp, ExportCleared, Delivered
    assert [e["args"]["to"] for e in timeline[8:]] == [accounts["treasury"], accounts["seller"]]
    assert all(e["args"].get("orderId", e["args"].get("shipmentId", e["args"].get("tokenId"))) == order_id
               for e in timeline)
    keys = [(e["block"], e["logIndex"]) for e in timeline]
    assert keys == sorted(keys)
    for e in timeline:
        assert e["timestamp"] == client.chain.w3.eth.get_block(e["block"])["timestamp"]
        assert e["tx_hash"].startswith("0x") and len(e["tx_hash"]) == 66
    assert timeline[-1]["timestamp"] == client.escrow.get_order(order_id).inspection_ends_at


def test_timeline_timestamps_survive_a_chain_revert(client, chain, trade):
    snap = chain.snapshot()
    trade.travel_to(chain.now() + DAY)
    order_id = trade.place()
    client.timeline(order_id)  # caches the time of the order's block
    chain.revert(snap)
    chain.mine()
    order_id = trade.place()  # mined at the same height, a day earlier

    event = client.timeline(order_id)[0]
    assert event["timestamp"] == client.chain.w3.eth.get_block(event["block"])["timestamp"]


# ============================================================================ reverts


def test_a_revert_names_the_rule_in_plain_words(client, accounts):
    with reverts("UnknownOrder", orderId=99) as caught:
        client.escrow.ship(99, accounts["carrier"], sender=accounts["seller"])
    exc = caught.value
    assert isinstance(exc, TradechainError) and exc.exit_code == 1
    assert "there is no order 99" in str(exc)
    assert str(exc).endswith("[UnknownOrder]") and "\n" not in str(exc)
    assert exc.data == Web3.keccak(text="UnknownOrder(uint256)")[:4] + (99).to_bytes(32, "big")


def test_a_revert_in_a_read_is_decoded_too(client):
    with reverts("UnknownOrder", orderId=99) as caught:
        client.escrow.get_order(99)
    assert "there is no order 99" in str(caught.value)


def test_error_arguments_are_shown_by_name(client, trade, accounts):
    order_id = trade.shipped()
    with reverts("WrongState", actual="Shipped", required="Funded") as caught:
        client.escrow.cancel(order_id, sender=accounts["seller"])
    assert str(caught.value).startswith(f"order {order_id} is Shipped; this needs it to be Funded")

    with reverts("AccessControlUnauthorizedAccount", neededRole="ARBITER") as caught:
        client.escrow.resolve(order_id, 0, sender=accounts["keeper"])
    assert "lacks the role this needs (ARBITER)" in str(caught.value)


def test_a_transaction_sent_with_explicit_gas_that_reverts_is_still_decoded(client, chain, accounts):
    block = chain.block_number()
    with reverts("UnknownOrder", orderId=99):
        client.tx.send("TradeEscrow", "ship", [99, accounts["carrier"], ZERO32, ZERO32], sender=accounts["seller"],
                        gas=300_000)
    assert chain.block_number() == block + 1  # it was mined and failed: the reason came from a replay

    tx = {"from": accounts["seller"], "to": client.escrow.address, "gas": 300_000, "value": 0,
          "data": calldata(client, "TradeEscrow", "release", 99)}
    with pytest.raises(Reverted) as caught:
        chain.send(tx)
    assert caught.value.receipt["status"] == 0 and caught.value.receipt["gasUsed"] < 300_000
    assert client.tx.decoder.decode(caught.value.data).name == "UnknownOrder"


def test_a_revert_caused_by_a_deadline_passing_in_that_very_block_is_decoded(client, trade):
    order_id = trade.place()
    ship_by = client.escrow.get_order(order_id).ship_by
    trade.travel_to(ship_by + 1)  # the transaction runs one second after the deadline
    with reverts("ShipDeadlinePassed", orderId=order_id, shipBy=ship_by):
        trade.ship(order_id)


def test_panics_and_string_reasons_are_decoded(client):
    with reverts("Panic", code=0x11) as caught:  # arithmetic overflow
        client.tx.call("TradeEscrow", "split", [2**256 - 1, 2, 0])
    assert "panic 0x11" in str(caught.value)

    reason = client.tx.decoder.decode(bytes.fromhex("08c379a0") + abi_encode(["string"], ["out of stock"]))
    assert (reason.name, reason.args_, str(reason)) == ("Error", {"reason": "out of stock"}, "reverted: out of stock")
    unknown = client.tx.decoder.decode(bytes.fromhex("deadbeef"))
    assert unknown.name == "Unknown" and "0xdeadbeef" in str(unknown)
    assert client.tx.decoder.decode(b"").name == "Unknown"


def test_a_checkpoint_kind_is_checked_before_sending(client, trade, accounts):
    order_id = trade.shipped()
    with pytest.raises(UsageError, match="unknown checkpoint kind 'Teleported'"):
        client.provenance.checkpoint(order_id, "Teleported", sender=accounts["carrier"])
    assert not isinstance(UsageError("x"), ContractRevert)
