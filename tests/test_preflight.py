"""A step the contracts refuse sends nothing: no approval left behind, no nonce used, no fee paid.

Paying an ERC-20 takes two transactions (approve, then the step that spends it); the client preflights both
together (eth_simulateV1, or inside a snapshot where the chain has them) before sending the first."""

from __future__ import annotations

import pytest

from helpers import DAY


def _untouched(client, token, who):
    spenders = (client.escrow.address, client.invoices.address)
    return (client.chain.w3.eth.get_transaction_count(who), client.chain.block_number(),
            tuple(client.tokens.allowance(token, who, s) for s in spenders), client.tokens.balance(who, token))


def test_a_refused_token_order_leaves_no_approval(client, trade, buyer, reverts):
    tusd = client.tokens.stablecoin
    before = _untouched(client, tusd, buyer)
    with reverts("InspectionWindowTooLong"):
        trade.place("tUSD", inspection_window=400 * DAY)
    assert _untouched(client, tusd, buyer) == before


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
