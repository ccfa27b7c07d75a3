"""A step the contracts refuse sends nothing: no approval left behind, no nonce used, no fee paid.

An order paid in an ERC-20 with an EIP-2612 permit (the demo's tUSD) is one transaction by default: the permit
travels inside it, so a refused order cannot leave an approval behind on any node. A token without a permit
takes two (approve, then the step that spends it); the client preflights both together (eth_simulateV1, or
inside a snapshot where the chain has them) before sending the first. The same on anvil: test_bad_input.py."""

from __future__ import annotations

import pytest

from helpers import DAY, deploy


def _untouched(client, token, who):
    spenders = (client.escrow.address, client.invoices.address)
    permit_nonce = client.tokens.nonce(token, who) if client.tokens.permit_domain(token) else None
    return (client.chain.w3.eth.get_transaction_count(who), client.chain.block_number(),
            tuple(client.tokens.allowance(token, who, s) for s in spenders), client.tokens.balance(who, token),
            permit_nonce)


def _place(client, buyer, seller, token, amount, permit=None, inspection_window=3 * DAY):
    now = client.chain.now()
    return client.escrow.place_order(buyer=buyer, seller=seller, amount=amount, token=token, ship_by=now + DAY,
                                     deliver_by=now + 10 * DAY, inspection_window=inspection_window, permit=permit)


@pytest.mark.parametrize("permit", [None, False], ids=["permit (default)", "approve (asked for)"])
def test_a_refused_token_order_leaves_no_approval(client, buyer, seller, reverts, permit):
    tusd = client.tokens.stablecoin
    before = _untouched(client, tusd, buyer)
    with reverts("InspectionWindowTooLong"):
        _place(client, buyer, seller, tusd, 100 * 10**6, permit, inspection_window=400 * DAY)
    assert _untouched(client, tusd, buyer) == before


def test_a_token_with_a_permit_is_paid_with_it_by_default(client, buyer, seller):
    tusd = client.tokens.stablecoin
    assert client.escrow.payment_method(tusd) == "permit"
    nonce, permits = client.chain.w3.eth.get_transaction_count(buyer), client.tokens.nonce(tusd, buyer)
    oid, r = _place(client, buyer, seller, tusd, 100 * 10**6)
    assert client.chain.w3.eth.get_transaction_count(buyer) == nonce + 1  # one transaction: no approve before it
    assert client.tokens.nonce(tusd, buyer) == permits + 1 and client.escrow.get_order(oid).amount == 100 * 10**6
    assert client.tokens.allowance(tusd, buyer, client.escrow.address) == 0


def test_a_token_without_a_permit_falls_back_to_approve(client, accounts, buyer, seller, reverts):
    token = deploy(client, "NoReturnToken", sender=accounts["admin"])
    client.tx.send(token.name, "mint", [buyer, 10_000], sender=accounts["admin"])
    assert client.tokens.permit_domain(token.address) is None
    assert client.escrow.payment_method(token.address) == "approve"
    with pytest.raises(Exception, match="has no EIP-2612 permit"):
        client.escrow.payment_method(token.address, permit=True)
    before = _untouched(client, token.address, buyer)
    with reverts("InspectionWindowTooLong"):
        _place(client, buyer, seller, token.address, 1000, inspection_window=400 * DAY)
    assert _untouched(client, token.address, buyer) == before
    oid, _ = _place(client, buyer, seller, token.address, 1000)
    assert client.escrow.get_order(oid).amount == 1000


def test_a_purchase_at_a_mismatched_price_leaves_no_approval(client, trade, seller, financier, reverts):
    oid = trade.shipped("tUSD")
    face = client.escrow.get_order(oid).amount
    client.invoices.list(oid, face * 9 // 10, sender=seller)
    before = _untouched(client, client.tokens.stablecoin, financier)
    with reverts("PriceMismatch"):
        client.invoices.buy(oid, face * 8 // 10, sender=financier)
    assert _untouched(client, client.tokens.stablecoin, financier) == before


def test_an_advance_above_face_value_leaves_no_approval(client, trade, financier, reverts):
    oid = trade.shipped("tUSD")
    face = client.escrow.get_order(oid).amount
    before = _untouched(client, client.tokens.stablecoin, financier)
    with reverts("AdvanceTooLarge"):
        client.invoices.offer_advance(oid, face + 1, 200, sender=financier)
    assert _untouched(client, client.tokens.stablecoin, financier) == before


@pytest.mark.parametrize("token", ["ETH", "tUSD"])
def test_an_accepted_step_still_pays(client, trade, token):
    oid = trade.place(token)
    assert client.escrow.get_order(oid).state == "Funded"
