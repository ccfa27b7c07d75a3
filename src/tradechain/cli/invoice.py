"""`tradechain invoice …`: invoices as receivables — list, show, offer for sale, buy, advance, and the credit
model's quote. Reads work on any chain; steps that send transactions need a node that outlives one command."""

from __future__ import annotations

import click

from tradechain.cli.context import emit_json, id_read_command, id_step_command, json_option, money_format, sent
from tradechain.cli.paramtypes import ACCOUNT, AMOUNT, DURATION, SHARE
from tradechain.errors import UsageError


@click.group("invoice")
def invoice():
    """Invoice tokens: list, inspect, sell or advance against them, and price them (credit model)."""


def _in(client, seconds: int) -> int:
    """Chain time plus a duration: when a listing or offer expires, or a step's own deadline."""
    return client.chain.now() + seconds


def _withdraw(what: str):
    return click.option("--withdraw", is_flag=True, help=f"Withdraw {what} instead.")


def _expires_in(what: str):
    return click.option("--expires-in", default="7d", show_default=True, type=DURATION,
                        help=f"{what} until then: '3d', '12h'.")


def _valid_for(step: str):
    return click.option("--valid-for", default="1h", show_default=True, type=DURATION,
                        help=f"Your deadline: the {step} fails if it is mined later.")


def _until(timestamp: int) -> str:
    from tradechain.timeline import iso

    return iso(timestamp)


def _as_dict(inv, money) -> dict:
    from tradechain.index.queries import invoice_dict  # one shape for the CLI and the explorer's API

    return invoice_dict(inv, money)


@invoice.command("list")
@json_option
@click.pass_obj
def list_invoices(ctx, as_json):
    """Every invoice: holder, face value, due date, status, listing and advance."""
    from tradechain.timeline import iso

    from tradechain.cli.reads import site_for
    from tradechain.index.queries import invoice_ids

    client = ctx.client()
    invoices = client.invoices.all() if client.chain.ephemeral else \
        [client.invoices.get(i) for i in invoice_ids(site_for(ctx))]
    if as_json:
        emit_json({"invoices": [_as_dict(i, money_format(client, i.token)) for i in invoices]})
        return
    if not invoices:
        click.echo("no invoices yet: an invoice is minted when an order ships")
        return
    for i in invoices:
        money = money_format(client, i.token)
        extra = f", listed at {money(i.listed_price)}" if i.listed else ""
        if i.advance_financier:
            extra += f", advance from {client.deployment.label(i.advance_financier)}"
        click.echo(f"#{i.id:<4} {i.status:<9} {money(i.face_value):>18}  due {iso(i.due_date)}  "
                   f"holder {client.deployment.label(i.holder)}{extra}")


@id_read_command(invoice, "show", "invoice_id")
def show(ctx, invoice_id, as_json):
    """One invoice: its data, listing, advance and offers, the seller's record and the token's metadata."""
    from tradechain.timeline import iso

    from tradechain.index.queries import Site, advance_offers

    client = ctx.client()
    site = Site(client)
    if not client.chain.ephemeral:  # offers are found from events: through the index when there is one
        from tradechain.cli.reads import site_for

        site = site_for(ctx)
        client = site.client
    inv = client.invoices.existing(invoice_id)
    money = money_format(client, inv.token)
    record = client.escrow.seller_record(inv.seller, inv.token)
    offers = advance_offers(site, inv.id)
    if as_json:
        from tradechain.index.queries import camel_dict

        offers = [{**o, "principalText": money(o["principal"]), "repaymentText": money(o["repayment"])} for o in offers]
        emit_json({"invoice": _as_dict(inv, money),
                   "sellerRecord": {**camel_dict(record), "volumeText": money(record.volume)},
                   "advanceOffers": offers, "metadata": client.invoices.metadata(inv.id)})
        return
    click.echo(f"invoice #{inv.id}: {inv.status}" + (f" ({inv.days_overdue} days overdue)" if inv.days_overdue else ""))
    click.echo(f"  face value  {money(inv.face_value)}, due {iso(inv.due_date)}")
    label = client.deployment.label
    click.echo(f"  holder      {label(inv.holder)}" + (" (the seller)" if inv.holder == inv.seller else ""))
    click.echo(f"  listing     {money(inv.listed_price) if inv.listed else 'not listed'}")
    if inv.advance_financier:
        click.echo(f"  advance     {money(inv.advance_principal)} from {label(inv.advance_financier)}; "
                   f"{money(inv.advance_repayment)} to them first at settlement")
    for o in offers:
        click.echo(f"  offer       {money(o['principal'])} from {label(o['financier'])} at {o['feeBps'] / 100:g}% fee")
    click.echo(f"  seller      {record.completed} completed, {record.disputes} disputes ({record.disputes_lost} lost), "
               f"{record.refunds} refunds, {money(record.volume)} settled")


@id_read_command(invoice, "quote", "invoice_id")
def quote_cmd(ctx, invoice_id, as_json):
    """The credit model's price for an invoice, and why: each input and each part of the discount."""
    from tradechain import credit

    client = ctx.client()
    inv = client.invoices.existing(invoice_id)
    q = credit.quote(credit.inputs_for(client, inv.id))
    money = money_format(client, inv.token)
    if as_json:
        from tradechain.index.queries import camel_dict

        amounts = ("price", "advancePrincipal", "advanceRepayment")
        quoted = q.to_dict()
        inputs = camel_dict(q.inputs)
        inputs.update({k + "Text": money(inputs[k]) for k in ("faceValue", "volume")})
        emit_json({"invoice": inv.id, **quoted, "inputs": inputs, **{k + "Text": money(quoted[k]) for k in amounts}})
        return
    i = q.inputs
    click.echo(f"invoice #{inv.id}: face value {money(i.face_value)}, {i.days_to_due:.1f} days to due")
    click.echo(f"seller record: {i.completed} completed, {i.disputes_lost} disputes lost, {i.refunds} refunds, "
               f"{money(i.volume)} settled")
    for c in q.components:
        click.echo(f"  {c['name']:<14} {c['bps']:>7.1f} bps  {c['why']}")
    click.echo(f"suggested discount {q.discount_bps / 100:g}%: sale price {money(q.price)}")
    click.echo(f"or an advance of {money(q.advance_principal)} ({q.advance_share_bps / 100:g}% of face) at a "
               f"{q.advance_fee_bps / 100:g}% fee, repaid {money(q.advance_repayment)} at settlement")


@id_step_command(invoice, "offer", "seller",
                 click.option("--price", default=None, type=AMOUNT,
                              help="Sale price, e.g. '9500 tUSD' (no unit: the invoice's token)."),
                 click.option("--discount", default=None, type=SHARE,
                              help="Or a discount off face value: 3% or 300bps."),
                 click.option("--quote", "use_quote", is_flag=True, help="Or the credit model's suggested discount."),
                 _withdraw("the listing"), _expires_in("The listing sells"), arg="invoice_id")
def offer(ctx, invoice_id, price, discount, use_quote, withdraw, expires_in, sender, as_json):
    """The holder offers the invoice for sale to financiers (or withdraws the offer)."""
    client = ctx.client(persistent=True)
    inv = client.invoices.existing(invoice_id)
    if withdraw:
        sent(client.invoices.withdraw_listing(inv.id, sender=sender), f"invoice #{inv.id} listing withdrawn", as_json)
        return
    if sum(x is not None and x is not False for x in (price, discount, use_quote)) != 1:
        raise UsageError("give exactly one of --price AMOUNT, --discount PCT or --quote")
    if use_quote:
        from tradechain import credit

        discount = credit.quote(credit.inputs_for(client, inv.id)).discount_bps
    expires_at = _in(client, expires_in)
    if discount is not None:
        r = client.invoices.list_at_discount(inv.id, discount, expires_at=expires_at, sender=sender)
    else:
        r = client.invoices.list(inv.id, client.tokens.amount(price, inv.token)[1], expires_at=expires_at,
                                 sender=sender)
    listed = r.event("InvoiceListed")["price"]
    text = money_format(client, inv.token)(listed)
    sent(r, f"invoice #{inv.id} offered for sale at {text} until {_until(expires_at)}", as_json, price=listed,
         priceText=text, expiresAt=expires_at)


@id_step_command(invoice, "buy", "financier",
                 click.option("--price", default=None, type=AMOUNT,
                              help="The price you expect; the purchase fails if the listing differs."),
                 _valid_for("purchase"), arg="invoice_id")
def buy(ctx, invoice_id, price, valid_for, sender, as_json):
    """A financier buys a listed invoice; it then receives the whole settlement."""
    client = ctx.client(persistent=True)
    inv = client.invoices.existing(invoice_id)
    if not inv.listed:
        raise UsageError(f"invoice #{inv.id} is not offered for sale; its holder lists it with `invoice offer`")
    expected = client.tokens.amount(price, inv.token)[1] if price else inv.listed_price
    r = client.invoices.buy(inv.id, expected, deadline=_in(client, valid_for), sender=sender)
    text = money_format(client, inv.token)(expected)
    sent(r, f"invoice #{inv.id} bought for {text}", as_json, price=expected, priceText=text)


@id_step_command(invoice, "advance", "financier",
                 click.option("--amount", "principal", default=None, type=AMOUNT,
                              help="Principal advanced now, e.g. '8000 tUSD' (no unit: the invoice's token)."),
                 click.option("--fee", default=None, type=SHARE,
                              help="Fee on the principal at settlement: 2% or 200bps."),
                 click.option("--quote", "use_quote", is_flag=True, help="Use the credit model's advance and fee."),
                 _withdraw("your standing offer"), _expires_in("The offer may be accepted"), arg="invoice_id")
def advance(ctx, invoice_id, principal, fee, use_quote, withdraw, expires_in, sender, as_json):
    """A financier offers an advance against the invoice (its principal is held until accepted or withdrawn)."""
    client = ctx.client(persistent=True)
    inv = client.invoices.existing(invoice_id)
    if withdraw:
        sent(client.invoices.withdraw_advance_offer(inv.id, sender=sender), f"advance offer on #{inv.id} withdrawn", as_json)
        return
    if use_quote:
        from tradechain import credit

        q = credit.quote(credit.inputs_for(client, inv.id))
        value, fee_bps = q.advance_principal, q.advance_fee_bps
    elif principal and fee is not None:
        value, fee_bps = client.tokens.amount(principal, inv.token)[1], fee
    else:
        raise UsageError("give --amount AMOUNT and --fee PCT, or --quote")
    expires_at = _in(client, expires_in)
    r = client.invoices.offer_advance(inv.id, value, fee_bps, expires_at=expires_at, sender=sender)
    text = money_format(client, inv.token)(value)
    sent(r, f"advance of {text} at {fee_bps / 100:g}% offered on invoice #{inv.id} until {_until(expires_at)}",
         as_json, principal=value, principalText=text, feeBps=fee_bps, expiresAt=expires_at)


@id_step_command(invoice, "accept", "seller",
                 click.option("--financier", default="financier", show_default=True, type=ACCOUNT),
                 click.option("--amount", "expected_principal", default=None, type=AMOUNT,
                              help="The principal you expect, e.g. '8000 tUSD'; the acceptance fails if the offer "
                                   "differs."),
                 click.option("--fee", default=None, type=SHARE,
                              help="The fee you expect: '2%' or bps; fails if it differs."),
                 _valid_for("acceptance"), arg="invoice_id")
def accept(ctx, invoice_id, financier, expected_principal, fee, valid_for, sender, as_json):
    """The holder accepts a financier's standing advance offer and is paid the principal now. The terms default to
    the offer standing now; give --amount/--fee to accept only the terms you saw."""
    client = ctx.client(persistent=True)
    inv = client.invoices.existing(invoice_id)
    principal, fee_bps = client.invoices.advance_offer(inv.id, financier)
    if not principal:
        raise UsageError(f"{client.deployment.label(financier)} has no advance offer on invoice #{inv.id}; "
                         f"`invoice show {inv.id}` lists offers")
    if expected_principal is not None:
        principal = client.tokens.amount(expected_principal, inv.token)[1]
    if fee is not None:
        fee_bps = fee
    r = client.invoices.accept_advance(inv.id, financier, principal, fee_bps, deadline=_in(client, valid_for),
                                       sender=sender)
    text = money_format(client, inv.token)(principal)
    sent(r, f"advance of {text} accepted on invoice #{inv.id}", as_json, principal=principal, principalText=text,
         feeBps=fee_bps)
