"""`tradechain fx …`: exchange rates for orders priced in another currency — read the feed's checked rate, publish a
signed feed round (the oracle), sign a quote for a buyer (a quote signer), show the rate an order locked."""

from __future__ import annotations

from pathlib import Path

import click

from tradechain.cli.context import account_option, emit_json, id_read_command, json_option, money_format, sent
from tradechain.cli.paramtypes import ACCOUNT, DURATION


@click.group("fx")
def fx():
    """Exchange rates: the signed EUR/USD feed, signed quotes, and the rate each order locked."""


def _client(ctx):
    return ctx.client(persistent=True)


pay_option = click.option("--pay", "pay", default="tUSD", show_default=True, metavar="tUSD|ETH|0x…",
                          help="The settlement token the order is paid in.")


@fx.command("rate")
@click.argument("currency", default="EUR")
@pay_option
@json_option
@click.pass_obj
def rate_cmd(ctx, currency, pay, as_json):
    """The checked feed rate of CURRENCY paid in --pay now (what an order would lock), or why it is refused."""
    from tradechain.units import format_rate

    client = _client(ctx)
    token = client.tokens.address(pay)
    pair = client.fx.pair(currency, token)
    symbol, _ = client.tokens.info(token)
    rate, round_id = client.fx.feed_rate(currency, token)
    if as_json:
        emit_json({"currency": pair.currency, "token": token, "rate": rate, "rateText": format_rate(rate),
                   "roundId": round_id, "feed": pair.feed, "heartbeat": pair.heartbeat,
                   "maxDeviationBps": pair.max_deviation_bps})
        return
    click.echo(f"1 {pair.currency} = {format_rate(rate)} {symbol} (feed round {round_id}; fresh for "
               f"{pair.heartbeat // 3600} h, at most {pair.max_deviation_bps / 100:g}% from the round before)")


@fx.command("publish")
@click.argument("rate")
@account_option("keeper")
@json_option
@click.pass_obj
def publish_cmd(ctx, rate, sender, as_json):
    """Publish the next round of the devnet's EUR/USD feed: RATE (USD per EUR, e.g. 1.0772), signed with the
    feed's oracle key (the deployment's) and relayed by --account."""
    client = _client(ctx)
    receipt = client.fx.publish_round(rate, sender=sender)
    event = receipt.event("AnswerUpdated")
    sent(receipt, f"feed round {event['roundId']} published: 1 EUR = {rate} USD", as_json, roundId=event["roundId"],
         answer=event["current"])


@fx.command("quote")
@click.option("--currency", default="EUR", show_default=True)
@pay_option
@click.option("--rate", "rate_text", required=True, help="Settlement-token units per unit of the currency, e.g. 1.05.")
@click.option("--buyer", required=True, type=ACCOUNT, help="The only buyer who may use the quote.")
@click.option("--valid", default="15m", show_default=True, type=DURATION, help="How long the quote stays valid.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="File to write the signed quote to (give it to the buyer: order create --quote FILE).")
@account_option("admin")
@json_option
@click.pass_obj
def quote_cmd(ctx, currency, pay, rate_text, buyer, valid, out, sender, as_json):
    """Sign a quote (EIP-712) as a QUOTE_SIGNER: one buyer, one use, until it expires."""
    from tradechain.errors import UsageError
    from tradechain.units import format_rate, parse_rate

    client = _client(ctx)
    token = client.tokens.address(pay)
    if not client.has_role("FxRates", "QUOTE_SIGNER", sender):
        raise UsageError(f"{client.deployment.label(sender)} is not a quote signer: "
                         f"`tradechain role grant QUOTE_SIGNER {sender}` (as the admin) makes it one")
    q = client.fx.sign_quote(currency, token, parse_rate(rate_text), buyer=buyer, signer=sender,
                             expiry=client.chain.now() + valid)
    Path(out).write_text(q.to_json())
    symbol, _ = client.tokens.info(token)
    if as_json:
        emit_json({"file": str(out), "currency": q.currency, "token": token, "rate": q.rate,
                   "rateText": format_rate(q.rate), "expiry": q.expiry, "buyer": buyer, "nonce": str(q.nonce),
                   "signer": sender})
        return
    click.echo(f"quote written to {out}: 1 {q.currency} = {format_rate(q.rate)} {symbol} for "
               f"{client.deployment.label(buyer)}, valid {valid // 60} min, one use")


@id_read_command(fx, "lock")
def lock_cmd(ctx, order_id, as_json):
    """The rate ORDER_ID locked when it was placed (none for an order priced in its payment token)."""
    from tradechain.units import format_rate
    from tradechain.vocabulary import RATE_SOURCE_WORDS, RATE_SOURCES, format_price

    client = _client(ctx)
    order = client.escrow.existing(order_id)
    lock = client.fx.lock_of(order_id)
    money = money_format(client, order.token)
    if as_json:
        emit_json({"orderId": order_id, "locked": lock is not None, "token": order.token, "amount": order.amount,
                   "amountText": money(order.amount),
                   **({"currency": lock.currency, "price": lock.price, "priceText": format_price(lock.price,
                                                                                                 lock.currency),
                       "rate": lock.rate, "rateText": lock.rate_text, "source": lock.source} if lock else {})})
        return
    if lock is None:
        click.echo(f"order #{order_id} is priced in its payment token ({money(order.amount)}): no rate locked")
        return
    words = RATE_SOURCE_WORDS[RATE_SOURCES.index(lock.source)]
    click.echo(f"order #{order_id}: {format_price(lock.price, lock.currency)} at {format_rate(lock.rate)} per "
               f"{lock.currency} from {words} = {money(order.amount)}, locked at order time")
