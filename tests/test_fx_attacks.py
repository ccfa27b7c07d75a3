"""Attacks on the rate lock: a buyer who prices an order off a feed that went quiet, a compromised oracle key that
signs a negative answer, a buyer who replays a cheap signed quote. In each the order is refused with the named
error, and nobody pays or is paid at a rate that is not the market's."""

from __future__ import annotations

import pytest

from tradechain.client.fx import parse_rate
from tradechain.vocabulary import ETH, currency_code

from helpers import DAY, reverts

pytestmark = pytest.mark.usefixtures("conservation_check")

PRICE = 1_000_000  # 10,000.00 EUR


def _place_at(client, trade, accounts, token, amount, quote=None):
    """placeOrderFx as an attacker sends it: the amount it wants to pay, the quote it holds."""
    now = trade.now()
    terms = (accounts["seller"], token, amount, now + DAY, now + 10 * DAY, 3 * DAY, b"\0" * 32, 0, 0)  # OrderTerms: acceptBy, schedule
    fx = (currency_code("EUR"), PRICE, quote.as_tuple() if quote else (b"\0" * 8, ETH, 0, 0, ETH, 0),
          bytes.fromhex(quote.signature[2:]) if quote else b"")
    client.tokens.approve(token, client.escrow.address, amount, sender=accounts["buyer"])
    return client.tx.send("TradeEscrow", "placeOrderFx", [terms, fx], sender=accounts["buyer"])


def test_a_buyer_cannot_lock_the_rate_of_a_feed_that_went_quiet(client, trade, accounts, chain):
    tusd = client.tokens.stablecoin
    client.fx.publish_round("1.0988", updated_at=chain.now() - 60, sender=accounts["keeper"])
    client.fx.publish_round("1.0937", sender=accounts["keeper"])
    # the oracle stops publishing; four days on the euro is ~2.5 % cheaper, but the feed still says 1.0937
    trade.travel_to(trade.now() + 4 * DAY)
    stale_amount = 10_937 * 10**6
    with reverts("FxFeedStale", heartbeat=26 * 3600):
        _place_at(client, trade, accounts, tusd, stale_amount)
    assert client.escrow.order_count() == 0


def test_a_compromised_oracle_key_cannot_price_an_order_with_a_negative_answer(client, trade, accounts, chain):
    tusd = client.tokens.stablecoin
    client.fx.publish_round("1.0772", updated_at=chain.now() - 60, sender=accounts["keeper"])
    # the key signs whatever it is given: SignedFxFeed stores it as a Chainlink aggregator would
    client.fx.publish_round(-1, sender=accounts["keeper"])
    with reverts("FxRateNotPositive", answer=-1):
        _place_at(client, trade, accounts, tusd, 1)
    assert client.escrow.order_count() == 0


def test_a_buyer_cannot_replay_a_cheap_signed_quote_for_a_second_order(client, trade, accounts):
    tusd = client.tokens.stablecoin
    cheap = client.fx.sign_quote("EUR", tusd, parse_rate("1.0625"), buyer=accounts["buyer"],
                                 signer=accounts["admin"], expiry=trade.now() + 30 * DAY)
    _place_at(client, trade, accounts, tusd, 10_625 * 10**6, cheap)
    # the euro rose; the buyer tries the old quote again for another 10,000 EUR of goods
    with reverts("QuoteUsed", nonce=cheap.nonce):
        _place_at(client, trade, accounts, tusd, 10_625 * 10**6, cheap)
    assert client.escrow.order_count() == 1
