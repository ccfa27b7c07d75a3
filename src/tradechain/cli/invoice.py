"""`tradechain invoice …`: invoices as receivables — list, show, offer for sale, buy, advance, and the credit
model's quote. Reads work on any chain; steps that send transactions need a node that outlives one command."""

from __future__ import annotations

import click

from tradechain.cli.context import account_option, emit_json, json_option, money_format, sent
from tradechain.errors import UsageError


@click.group("invoice")
def invoice():
    """Invoice tokens: list, inspect, sell or advance against them, and price them (credit model)."""


def _invoice(client, text: str):
    """Parse the id and read the invoice, so a bad or unshipped id is one clear line before any transaction."""
    from tradechain.units import parse_order_id

    token_id = parse_order_id(text)
    if token_id > client.order_count() or client.invoice_owner(token_id) is None:
        raise UsageError(f"there is no invoice {token_id}: invoices exist for shipped orders; "
                         "`tradechain invoice list` shows them")
    return client.get_invoice(token_id)


def _amount(client, text: str, token: str) -> int:
    from tradechain.units import parse_amount

    symbol, decimals = client.token_info(token)
    return parse_amount(text, decimals, symbol)


def _as_dict(inv, money) -> dict:
    from dataclasses import asdict

    d = asdict(inv)
    d.update(faceValueText=money(inv.face_value), listedPriceText=money(inv.listed_price) if inv.listed else None)
    return d


@invoice.command("list")
@json_option
@click.pass_obj
def list_invoices(ctx, as_json):
    """Every invoice: holder, face value, due date, status, listing and advance."""
    from tradechain.timeline import iso

    from tradechain.cli.reads import site_for
    from tradechain.index.queries import invoice_ids

    client = ctx.client()
    invoices = [client.get_invoice(i) for i in invoice_ids(site_for(ctx))] if client.chain.kind != "embedded" \
        else client.list_invoices()
    names = {addr: name for name, addr in client.deployment.accounts.items()}
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
            extra += f", advance from {names.get(i.advance_financier, i.advance_financier)}"
        click.echo(f"#{i.id:<4} {i.status:<9} {money(i.face_value):>18}  due {iso(i.due_date)}  "
                   f"holder {names.get(i.holder, i.holder)}{extra}")


@invoice.command("show")
@click.argument("invoice_id")
@json_option
@click.pass_obj
def show(ctx, invoice_id, as_json):
    """One invoice: its data, listing, advance and offers, the seller's record and the token's metadata."""
    from dataclasses import asdict

    from tradechain.timeline import iso

    client = ctx.client()
    if client.chain.kind != "embedded":  # offers are found from events: through the index when there is one
        from tradechain.cli.reads import site_for

        client = site_for(ctx).client
    inv = _invoice(client, invoice_id)
    money = money_format(client, inv.token)
    record = client.seller_record(inv.seller, inv.token)
    offers = client.advance_offers(inv.id)
    if as_json:
        emit_json({"invoice": _as_dict(inv, money), "sellerRecord": asdict(record), "advanceOffers": offers,
                   "metadata": client.invoice_metadata(inv.id)})
        return
    click.echo(f"invoice #{inv.id}: {inv.status}" + (f" ({inv.days_overdue} days overdue)" if inv.days_overdue else ""))
    click.echo(f"  face value  {money(inv.face_value)}, due {iso(inv.due_date)}")
    click.echo(f"  holder      {inv.holder}" + (" (the seller)" if inv.holder == inv.seller else ""))
    click.echo(f"  listing     {money(inv.listed_price) if inv.listed else 'not listed'}")
    if inv.advance_financier:
        click.echo(f"  advance     {money(inv.advance_principal)} from {inv.advance_financier}; "
                   f"{money(inv.advance_repayment)} to them first at settlement")
    for o in offers:
        click.echo(f"  offer       {money(o['principal'])} from {o['financier']} at {o['feeBps'] / 100:g}% fee")
    click.echo(f"  seller      {record.completed} completed, {record.disputes} disputes ({record.disputes_lost} lost), "
               f"{record.refunds} refunds, {money(record.volume)} settled")


@invoice.command("quote")
@click.argument("invoice_id")
@json_option
@click.pass_obj
def quote_cmd(ctx, invoice_id, as_json):
    """The credit model's price for an invoice, and why: each input and each part of the discount."""
    from tradechain import credit

    client = ctx.client()
    inv = _invoice(client, invoice_id)
    q = credit.quote(credit.inputs_for(client, inv.id))
    money = money_format(client, inv.token)
    if as_json:
        emit_json({"invoice": inv.id, **q.to_dict()})
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


@invoice.command("offer")
@click.argument("invoice_id")
@click.option("--price", default=None, help="Sale price with its unit, e.g. '9500 tUSD'.")
@click.option("--discount", default=None, help="Or a discount off face value: '3%' or bps.")
@click.option("--quote", "use_quote", is_flag=True, help="Or the credit model's suggested discount.")
@click.option("--withdraw", is_flag=True, help="Withdraw the listing instead.")
@account_option("seller")
@json_option
@click.pass_obj
def offer(ctx, invoice_id, price, discount, use_quote, withdraw, account, as_json):
    """The holder offers the invoice for sale to financiers (or withdraws the offer)."""
    from tradechain.units import parse_bps

    client = ctx.client(persistent=True)
    inv = _invoice(client, invoice_id)
    sender = ctx.account(account)
    if withdraw:
        sent(client.withdraw_listing(inv.id, sender=sender), f"invoice #{inv.id} listing withdrawn", as_json)
        return
    if sum(x is not None and x is not False for x in (price, discount, use_quote)) != 1:
        raise UsageError("give exactly one of --price AMOUNT, --discount PCT or --quote")
    if use_quote:
        from tradechain import credit

        discount = str(credit.quote(credit.inputs_for(client, inv.id)).discount_bps)
    if discount is not None:
        r = client.list_invoice_at_discount(inv.id, parse_bps(discount), sender=sender)
    else:
        r = client.list_invoice(inv.id, _amount(client, price, inv.token), sender=sender)
    listed = r.event("InvoiceListed")["price"]
    sent(r, f"invoice #{inv.id} offered for sale at {money_format(client, inv.token)(listed)}", as_json, price=listed)


@invoice.command("buy")
@click.argument("invoice_id")
@click.option("--price", default=None, help="The price you expect; the purchase fails if the listing differs.")
@account_option("financier")
@json_option
@click.pass_obj
def buy(ctx, invoice_id, price, account, as_json):
    """A financier buys a listed invoice; it then receives the whole settlement."""
    client = ctx.client(persistent=True)
    inv = _invoice(client, invoice_id)
    if not inv.listed:
        raise UsageError(f"invoice #{inv.id} is not offered for sale; its holder lists it with `invoice offer`")
    expected = _amount(client, price, inv.token) if price else inv.listed_price
    r = client.buy_invoice(inv.id, expected, sender=ctx.account(account))
    sent(r, f"invoice #{inv.id} bought for {money_format(client, inv.token)(expected)}", as_json, price=expected)


@invoice.command("advance")
@click.argument("invoice_id")
@click.option("--amount", "principal", default=None, help="Principal advanced now, e.g. '8000 tUSD'.")
@click.option("--fee", default=None, help="Fee on the principal at settlement: '2%' or bps.")
@click.option("--quote", "use_quote", is_flag=True, help="Use the credit model's advance and fee.")
@click.option("--withdraw", is_flag=True, help="Withdraw your standing offer instead.")
@account_option("financier")
@json_option
@click.pass_obj
def advance(ctx, invoice_id, principal, fee, use_quote, withdraw, account, as_json):
    """A financier offers an advance against the invoice (its principal is held until accepted or withdrawn)."""
    from tradechain.units import parse_bps

    client = ctx.client(persistent=True)
    inv = _invoice(client, invoice_id)
    sender = ctx.account(account)
    if withdraw:
        sent(client.withdraw_advance_offer(inv.id, sender=sender), f"advance offer on #{inv.id} withdrawn", as_json)
        return
    if use_quote:
        from tradechain import credit

        q = credit.quote(credit.inputs_for(client, inv.id))
        value, fee_bps = q.advance_principal, q.advance_fee_bps
    elif principal and fee:
        value, fee_bps = _amount(client, principal, inv.token), parse_bps(fee)
    else:
        raise UsageError("give --amount AMOUNT and --fee PCT, or --quote")
    r = client.offer_advance(inv.id, value, fee_bps, sender=sender)
    sent(r, f"advance of {money_format(client, inv.token)(value)} at {fee_bps / 100:g}% offered on invoice #{inv.id}",
          as_json, principal=value, feeBps=fee_bps)


@invoice.command("accept")
@click.argument("invoice_id")
@click.option("--financier", default="financier", show_default=True, metavar="NAME|0x…")
@account_option("seller")
@json_option
@click.pass_obj
def accept(ctx, invoice_id, financier, account, as_json):
    """The holder accepts a financier's standing advance offer and is paid the principal now."""
    client = ctx.client(persistent=True)
    inv = _invoice(client, invoice_id)
    who = ctx.account(financier)
    principal, fee_bps = client.advance_offer(inv.id, who)
    if not principal:
        raise UsageError(f"{financier} has no advance offer on invoice #{inv.id}; `invoice show {inv.id}` lists offers")
    r = client.accept_advance(inv.id, who, principal, fee_bps, sender=ctx.account(account))
    sent(r, f"advance of {money_format(client, inv.token)(principal)} accepted on invoice #{inv.id}", as_json,
          principal=principal, feeBps=fee_bps)
