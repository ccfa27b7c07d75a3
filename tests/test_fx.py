"""Orders priced in one currency and paid in another at a rate locked at order time (FxRates, SignedFxFeed,
signed quotes): every rule and every revert, and that nothing after the order reads a rate."""

from __future__ import annotations

import pytest

from tradechain.client.fx import RATE_ONE, Quote, parse_price, parse_rate
from tradechain.errors import UsageError
from tradechain.vocabulary import ETH, currency_code

from helpers import DAY, reverts

pytestmark = pytest.mark.usefixtures("conservation_check")

PRICE = 1_000_000  # 10,000.00 EUR in cents
EUR = "EUR"


@pytest.fixture
def tusd(client) -> str:
    return client.tokens.stablecoin


@pytest.fixture
def publish(client, chain, accounts):
    """publish("1.0772") signs a round with the oracle's key (the admin's) and relays it (as the keeper)."""
    def go(rate, *, at: int | None = None, oracle: str | None = None):
        if at is None:
            at = chain.now()
        return client.fx.publish_round(rate, updated_at=at, sender=accounts["keeper"], oracle=oracle)
    return go


@pytest.fixture
def feed(publish, chain):
    """Two fresh rounds of the EUR/USD feed: 1.0772, then 1.0814 (ECB fixes of 12 and 13 January 2023)."""
    publish("1.0772", at=chain.now() - 60)
    publish("1.0814")
    return parse_rate("1.0814")


def place(client, trade, accounts, token, *, quote=None, buyer=None, price=PRICE, amount=None):
    buyer = buyer or accounts["buyer"]
    now = trade.now()
    if amount is None:
        return client.fx.place_order(buyer=buyer, seller=accounts["seller"], currency=EUR, price=price, token=token,
                                     ship_by=now + DAY, deliver_by=now + 10 * DAY, inspection_window=3 * DAY,
                                     quote=quote)
    # a raw call with the amount given (the client computes it)
    terms = (accounts["seller"], token, amount, now + DAY, now + 10 * DAY, 3 * DAY, b"\0" * 32, 0, 0)  # OrderTerms: acceptBy, schedule
    fx = (currency_code(EUR), price, quote.as_tuple() if quote else (b"\0" * 8, ETH, 0, 0, ETH, 0),
          bytes.fromhex(quote.signature[2:]) if quote else b"")
    if token != ETH:
        client.tokens.approve(token, client.escrow.address, amount, sender=buyer)
    return client.tx.send("TradeEscrow", "placeOrderFx", [terms, fx], sender=buyer,
                          value=amount if token == ETH else 0)


def quote(client, accounts, token, rate="1.05", *, buyer=None, signer=None, **kw) -> Quote:
    return client.fx.sign_quote(EUR, token, parse_rate(rate), buyer=buyer or accounts["buyer"],
                                signer=signer or accounts["admin"], **kw)


# ---------------------------------------------------------------------------------------------- the lock


def test_an_eur_order_paid_in_tusd_locks_the_feed_rate_and_collects_the_converted_amount(client, trade, accounts,
                                                                                          tusd, feed):
    order_id, receipt = place(client, trade, accounts, tusd)
    locked = receipt.event("RateLocked")
    assert 10_000 * 1.0814 * 10**6 == client.escrow.get_order(order_id).amount == locked["amount"]
    assert (locked["orderId"], locked["price"], locked["rate"], locked["source"]) == (order_id, PRICE, feed, 0)
    assert locked["roundOrNonce"] == 2
    lock = client.fx.lock_of(order_id)
    assert (lock.currency, lock.price, lock.rate, lock.source, lock.rate_text) == (EUR, PRICE, feed, "Feed", "1.0814")
    assert client.fx.lock_of(trade.place()) is None  # an order priced in its own token locks nothing


def test_an_fx_order_settles_at_its_locked_amount_after_the_feed_went_stale(client, trade, accounts, tusd, feed,
                                                                             keeper):
    order_id, _ = place(client, trade, accounts, tusd)
    amount = client.escrow.get_order(order_id).amount
    trade.ship(order_id)
    trade.deliver(order_id)
    trade.travel_to(trade.now() + 5 * DAY)  # the feed has published nothing for days: it is stale
    with reverts("FxFeedStale"):
        client.fx.feed_rate(EUR, tusd)
    receipt = client.escrow.release(order_id, sender=keeper)
    assert receipt.event("OrderReleased")["toSellerSide"] + receipt.event("OrderReleased")["fee"] == amount


def test_an_fx_order_is_refunded_in_full_while_the_feed_is_down(client, trade, accounts, tusd, feed, keeper):
    order_id, _ = place(client, trade, accounts, tusd)
    amount = client.escrow.get_order(order_id).amount
    trade.travel_to(trade.now() + 2 * DAY)  # not shipped in time; the feed stale
    receipt = client.escrow.refund(order_id, sender=keeper)
    assert receipt.event("OrderRefunded")["amount"] == amount


def test_a_signed_quote_locks_its_own_rate_for_an_order_paid_in_eth(client, trade, accounts):
    q = quote(client, accounts, ETH, "0.0004")  # ETH per EUR
    order_id, receipt = place(client, trade, accounts, ETH, quote=q)
    locked = receipt.event("RateLocked")
    assert client.escrow.get_order(order_id).amount == 10_000 * 4 * 10**14 == locked["amount"]
    assert (locked["source"], locked["roundOrNonce"]) == (1, q.nonce)
    assert client.fx.lock_of(order_id).source == "Quote"
    assert client.tx.call("FxRates", "quoteUsed", [q.nonce])


def test_a_quote_file_round_trips(client, accounts, tusd, tmp_path):
    q = quote(client, accounts, tusd)
    path = tmp_path / "q.json"
    path.write_text(q.to_json())
    assert Quote.load(path) == q
    path.write_text("{}")
    with pytest.raises(UsageError, match="not a quote file"):
        Quote.load(path)


def test_the_amount_must_be_the_price_at_the_rate_locked_now(client, trade, accounts, tusd, feed):
    right = 10_814 * 10**6
    with reverts("FxAmountMismatch", amount=right - 1, locked=right):
        place(client, trade, accounts, tusd, amount=right - 1)


# ---------------------------------------------------------------------------------------------- the feed's rules


def test_a_pair_that_is_not_listed_is_refused(client, trade, accounts, feed):
    token = client.tokens.stablecoin
    with reverts("FxPairUnknown", currency=currency_code("GBP"), token=token):
        client.tx.call("FxRates", "feedRate", [currency_code("GBP"), token])
    with pytest.raises(UsageError, match="no rate for GBP"):
        client.fx.pair("GBP", token)


def test_a_pair_without_a_feed_needs_a_quote(client, trade, accounts):
    with reverts("FxNoFeed", currency=currency_code(EUR), token=ETH):
        place(client, trade, accounts, ETH, amount=10**18)


def test_a_feed_without_rounds_is_refused(client, trade, accounts, tusd):
    with reverts("FxRateNotPositive", answer=0):
        client.fx.feed_rate(EUR, tusd)


def test_a_stale_feed_is_refused(client, trade, accounts, tusd, feed):
    at = trade.now()
    trade.travel_to(at + 26 * 3600 + 2)
    with reverts("FxFeedStale", heartbeat=26 * 3600):
        place(client, trade, accounts, tusd, amount=10_814 * 10**6)


@pytest.mark.parametrize("answer", [0, -107_720_000])
def test_a_zero_or_negative_answer_is_refused(client, trade, accounts, tusd, publish, feed, answer):
    publish(answer)
    with reverts("FxRateNotPositive", answer=answer):
        place(client, trade, accounts, tusd, amount=10**6)


def test_a_round_outside_the_deviation_band_is_refused(client, trade, accounts, tusd, publish, feed):
    publish("1.12")  # +3.6 % on 1.0814: above the 3 % band
    with reverts("FxDeviationTooLarge", answer=112_000_000, previous=108_140_000, maxBps=300):
        place(client, trade, accounts, tusd, amount=11_200 * 10**6)
    publish("1.09")  # back within 3 % of 1.12: the band is against the round before
    place(client, trade, accounts, tusd)


def test_only_the_oracle_signs_rounds(client, accounts, publish):
    with reverts("RoundSignerInvalid", signer=accounts["buyer"], oracle=accounts["admin"]):
        publish("1.5", oracle=accounts["buyer"])


def test_rounds_are_in_time_order_and_never_in_the_future(client, chain, publish, feed):
    now = chain.now()
    with reverts("RoundOutOfOrder"):
        publish("1.08", at=now - 3600)  # older than the latest round
    with reverts("RoundOutOfOrder"):
        publish("1.08", at=now + 3600)
    with reverts("NoRound", roundId=9):
        client.tx.call("SignedFxFeed", "getRoundData", [9])


def test_only_the_escrow_locks_a_rate(client, accounts, tusd, feed):
    fx = (currency_code(EUR), PRICE, (b"\0" * 8, ETH, 0, 0, ETH, 0), b"")
    with reverts("AccessControlUnauthorizedAccount", account=accounts["buyer"]):
        client.tx.send("FxRates", "lock", [1, accounts["buyer"], tusd, fx], sender=accounts["buyer"])


def test_only_the_admin_lists_pairs_and_within_limits(client, accounts, tusd):
    args = [currency_code("GBP"), tusd, ETH, 3600, 300, 2, 6]
    with reverts("AccessControlUnauthorizedAccount", account=accounts["buyer"]):
        client.tx.send("FxRates", "setPair", args, sender=accounts["buyer"])
    with reverts("FxPairSettingsInvalid", bps=0, heartbeat=3600):
        client.tx.send("FxRates", "setPair", args[:4] + [0] + args[5:], sender=accounts["admin"])
    with reverts("FxPairSettingsInvalid", bps=300, heartbeat=8 * DAY):
        client.tx.send("FxRates", "setPair", args[:3] + [8 * DAY] + args[4:], sender=accounts["admin"])
    client.tx.send("FxRates", "setPair", args, sender=accounts["admin"])
    assert client.fx.pair("GBP", tusd).heartbeat == 3600


# ---------------------------------------------------------------------------------------------- the quote's rules


def test_a_quote_from_someone_without_the_role_is_refused(client, trade, accounts, tusd):
    q = quote(client, accounts, tusd, signer=accounts["seller"])
    with reverts("QuoteSignerInvalid", signer=accounts["seller"]):
        place(client, trade, accounts, tusd, quote=q)


def test_an_expired_quote_is_refused(client, trade, accounts, tusd):
    q = quote(client, accounts, tusd, expiry=trade.now() + 10)
    trade.travel_to(trade.now() + 20)
    with reverts("QuoteExpired", expiry=q.expiry):
        place(client, trade, accounts, tusd, quote=q, amount=10_500 * 10**6)


def test_a_quote_is_used_once(client, trade, accounts, tusd):
    q = quote(client, accounts, tusd)
    place(client, trade, accounts, tusd, quote=q)
    with reverts("QuoteUsed", nonce=q.nonce):
        place(client, trade, accounts, tusd, quote=q)


def test_a_quote_for_another_buyer_is_refused(client, trade, accounts, tusd):
    q = quote(client, accounts, tusd, buyer=accounts["buyer2"])
    with reverts("QuoteForOtherBuyer", buyer=accounts["buyer2"], caller=accounts["buyer"]):
        place(client, trade, accounts, tusd, quote=q, amount=10_500 * 10**6)


def test_a_quote_at_a_zero_rate_is_refused(client, trade, accounts, tusd):
    q = client.fx.sign_quote(EUR, tusd, 0, buyer=accounts["buyer"], signer=accounts["admin"])
    with reverts("FxRateNotPositive", answer=0):
        place(client, trade, accounts, tusd, quote=q, amount=1)


def test_a_quote_for_another_pair_is_refused(client, trade, accounts, tusd):
    q = quote(client, accounts, ETH, "0.0004")
    with reverts("QuotePairMismatch", quoteToken=ETH, token=tusd):
        place(client, trade, accounts, tusd, quote=q, amount=4 * 10**6)


# ---------------------------------------------------------------------------------------------- parsing


def test_prices_and_rates_parse_or_say_what_is_wrong():
    assert parse_price("10000 EUR") == ("EUR", 10000)
    assert parse_rate("1.0772") == 10772 * 10**14 and parse_rate("1.0772", 8) == 107_720_000
    for bad in ("10000", "EUR 10000", "-5 EUR", "5 E1"):
        with pytest.raises(UsageError):
            parse_price(bad)
    with pytest.raises(UsageError, match="positive"):
        parse_rate("0")
    assert RATE_ONE == 10**18


def test_a_paused_escrow_refuses_fx_orders_too(client, trade, accounts, tusd, feed):
    """The pause rule sits in _placeOrder, shared by placeOrder, placeOrderWithPermit and placeOrderFx."""
    client.tx.send("TradeEscrow", "pause", [], sender=accounts["admin"])
    with reverts("EnforcedPause"):
        place(client, trade, accounts, tusd)
    client.tx.send("TradeEscrow", "unpause", [], sender=accounts["admin"])
    order_id, _ = place(client, trade, accounts, tusd)
    assert client.escrow.get_order(order_id).state == "Funded"
