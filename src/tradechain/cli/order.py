"""`tradechain order …`: every step of a trade on its own, against a node that outlives one command."""

from __future__ import annotations

import click

from tradechain.cli.context import account_option, emit_json, json_option, money_format, sent
from tradechain.errors import UsageError


@click.group("order")
def order():
    """Place, ship, track, settle and inspect orders (needs --rpc: a devnet or any JSON-RPC node)."""


def _client(ctx):
    return ctx.client(persistent=True)


def _existing(client, order_id: int):
    """Read the order first so an unknown id is one clear line before any transaction is sent."""
    return client.get_order(order_id)


@order.command("create")
@click.option("--seller", required=True, metavar="NAME|0x…", help="Who is paid (named account or address).")
@click.option("--amount", required=True, help="Price with its unit: '1.5 ETH' or '250 tUSD'.")
@click.option("--token", default=None, metavar="ETH|tUSD|0x…", help="Payment token when --amount has no unit.")
@click.option("--ship-within", default="2d", show_default=True, help="Seller must ship within this.")
@click.option("--deliver-within", default="14d", show_default=True, help="Carrier must deliver within this.")
@click.option("--inspection", default="3d", show_default=True, help="Buyer's inspection window after delivery.")
@click.option("--terms", default=None, metavar="FILE|0xHASH", help="E-contract to anchor (its keccak-256).")
@click.option("--permit", is_flag=True, help="Pay an ERC-20 with an EIP-2612 permit instead of approve.")
@account_option("buyer")
@json_option
@click.pass_obj
def create(ctx, seller, amount, token, ship_within, deliver_within, inspection, terms, permit, account, as_json):
    """Place an order and pay for it in one transaction."""
    from tradechain.units import parse_amount, parse_duration, parse_hash

    client = _client(ctx)
    parts = amount.split()
    token_name = token or (parts[1] if len(parts) == 2 else "ETH")
    token_addr = client.token_address(token_name)
    symbol, decimals = client.token_info(token_addr)
    value = parse_amount(amount, decimals, symbol)
    buyer, seller_addr = ctx.account(account), ctx.account(seller)
    ship_s, deliver_s = parse_duration(ship_within), parse_duration(deliver_within)
    window = parse_duration(inspection)
    terms_hash = parse_hash(terms)
    have = client.balance(buyer, token_addr)
    if have < value:
        money = money_format(client, token_addr)
        raise UsageError(f"{account} has {money(have)} but the order needs {money(value)}")
    now = ctx.chain.now()
    order_id, receipt = client.place_order(
        buyer=buyer, seller=seller_addr, amount=value, token=token_addr, ship_by=now + ship_s,
        deliver_by=now + ship_s + deliver_s, inspection_window=window, terms_hash=terms_hash, permit=permit,
    )
    sent(receipt, f"order #{order_id} placed and paid: {money_format(client, token_addr)(value)}", as_json,
          orderId=order_id)


@order.command("ship")
@click.argument("order_id")
@click.option("--carrier", default="carrier", show_default=True, metavar="NAME|0x…")
@click.option("--bol", default=None, metavar="FILE|0xHASH", help="Bill of lading to anchor.")
@account_option("seller")
@json_option
@click.pass_obj
def ship(ctx, order_id, carrier, bol, account, as_json):
    """Ship ORDER_ID with a carrier; mints the invoice token to the seller."""
    from tradechain.units import parse_hash, parse_order_id

    client = _client(ctx)
    oid = parse_order_id(order_id)
    _existing(client, oid)
    r = client.ship(oid, ctx.account(carrier), parse_hash(bol), sender=ctx.account(account))
    sent(r, f"order #{oid} shipped; invoice #{oid} minted to the seller", as_json)


@order.command("checkpoint")
@click.argument("order_id")
@click.argument("kind")
@click.option("--location", default="", metavar="LOCODE", help="UN/LOCODE place code, e.g. CNSHA.")
@click.option("--evidence", default=None, metavar="FILE|0xHASH")
@account_option("carrier")
@json_option
@click.pass_obj
def checkpoint(ctx, order_id, kind, location, evidence, account, as_json):
    """Record a logistics checkpoint KIND (PickedUp, Departed, Arrived, ExportCleared, ImportCleared, …)."""
    from tradechain.vocabulary import KINDS, SHIPMENT_KINDS, kind_index
    from tradechain.units import parse_hash, parse_order_id

    client = _client(ctx)
    oid = parse_order_id(order_id)
    match = KINDS[kind_index(kind, SHIPMENT_KINDS)]
    _existing(client, oid)
    r = client.checkpoint(oid, match, location, parse_hash(evidence), sender=ctx.account(account))
    sent(r, f"order #{oid}: {match} recorded" + (f" at {location.upper()}" if location else ""), as_json)


@order.command("deliver")
@click.argument("order_id")
@click.option("--location", default="", metavar="LOCODE")
@click.option("--evidence", default=None, metavar="FILE|0xHASH", help="Proof of delivery to anchor.")
@account_option("carrier")
@json_option
@click.pass_obj
def deliver(ctx, order_id, location, evidence, account, as_json):
    """The carrier confirms delivery: the buyer's inspection window starts."""
    from tradechain.units import parse_hash, parse_order_id

    client = _client(ctx)
    oid = parse_order_id(order_id)
    _existing(client, oid)
    r = client.deliver(oid, location, parse_hash(evidence), sender=ctx.account(account))
    o = client.get_order(oid)
    from tradechain.timeline import iso

    sent(r, f"order #{oid} delivered; inspection window ends {iso(o.inspection_ends_at)}", as_json)


def _simple(name: str, method: str, default_account: str, doc: str, message: str):
    @order.command(name, help=doc)
    @click.argument("order_id")
    @account_option(default_account)
    @json_option
    @click.pass_obj
    def command(ctx, order_id, account, as_json):
        from tradechain.units import parse_order_id

        client = _client(ctx)
        oid = parse_order_id(order_id)
        _existing(client, oid)
        r = getattr(client, method)(oid, sender=ctx.account(account))
        sent(r, message.format(id=oid), as_json)

    return command


_simple("confirm", "confirm", "buyer", "The buyer confirms receipt early: the payment is released now.",
        "order #{id} confirmed and released")
_simple("cancel", "cancel", "seller", "The seller cancels an order not yet shipped: the buyer is refunded.",
        "order #{id} cancelled; buyer refunded")


@order.command("dispute")
@click.argument("order_id")
@click.option("--evidence", default=None, metavar="FILE|0xHASH", help="Photos, inspection report: anchored by hash.")
@account_option("buyer")
@json_option
@click.pass_obj
def dispute(ctx, order_id, evidence, account, as_json):
    """The buyer disputes a delivered order inside its inspection window."""
    from tradechain.units import parse_hash, parse_order_id

    client = _client(ctx)
    oid = parse_order_id(order_id)
    _existing(client, oid)
    r = client.dispute(oid, parse_hash(evidence), sender=ctx.account(account))
    sent(r, f"order #{oid} disputed; the parties may settle, or the arbiter rules", as_json)


def _settlement(name: str, method: str, default_account: str, doc: str, message: str):
    @order.command(name, help=doc)
    @click.argument("order_id")
    @click.argument("refund")
    @account_option(default_account)
    @json_option
    @click.pass_obj
    def command(ctx, order_id, refund, account, as_json):
        from tradechain.units import parse_bps, parse_order_id

        client = _client(ctx)
        oid, bps = parse_order_id(order_id), parse_bps(refund)
        _existing(client, oid)
        r = getattr(client, method)(oid, bps, sender=ctx.account(account))
        sent(r, message.format(id=oid, pct=f"{bps / 100:g}"), as_json)

    return command


_settlement("propose", "propose_settlement", "seller",
            "Offer to settle a dispute: REFUND (e.g. 20%) back to the buyer, the rest to the seller side.",
            "order #{id}: offered {pct}% back to the buyer")
_settlement("accept", "accept_settlement", "buyer", "Accept the other party's settlement offer (REFUND must match it).",
            "order #{id} settled by agreement: {pct}% refunded")


@order.command("resolve")
@click.argument("order_id")
@click.option("--refund", required=True, help="Share back to the buyer: 30% or 3000 (basis points).")
@click.option("--evidence", default=None, metavar="FILE|0xHASH", help="The ruling document.")
@click.option("--default", "by_default", is_flag=True, help="Apply the default split after the ruling deadline.")
@account_option("arbiter")
@json_option
@click.pass_obj
def resolve(ctx, order_id, refund, evidence, by_default, account, as_json):
    """The arbiter rules on a dispute (or anyone applies the default after the ruling deadline)."""
    from tradechain.units import parse_bps, parse_hash, parse_order_id

    client = _client(ctx)
    oid = parse_order_id(order_id)
    _existing(client, oid)
    if by_default:
        r = client.resolve_by_default(oid, sender=ctx.account(account))
    else:
        r = client.resolve(oid, parse_bps(refund), parse_hash(evidence), sender=ctx.account(account))
    e = r.event("OrderResolved")
    money = money_format(client, client.get_order(oid).token)
    sent(r, f"order #{oid} resolved: {money(e['toBuyer'])} to buyer, {money(e['toSellerSide'])} to the "
             f"invoice holder, fee {money(e['fee'])}", as_json)


def _batch(name: str, past: str, one: str, many: str, doc: str):
    @order.command(name, help=doc)
    @click.argument("order_ids", nargs=-1, required=True)
    @account_option("keeper")
    @json_option
    @click.pass_obj
    def command(ctx, order_ids, account, as_json):
        from tradechain.units import parse_order_id

        client = _client(ctx)
        ids = [parse_order_id(i) for i in order_ids]
        sender = ctx.account(account)
        if len(ids) == 1:
            _existing(client, ids[0])
            r = getattr(client, one)(ids[0], sender=sender)
            sent(r, f"order #{ids[0]} {past}", as_json)
            return
        r = getattr(client, many)(ids, sender=sender)
        done = [e["args"]["orderId"] for e in r.events if e["event"] in ("OrderReleased", "OrderRefunded")]
        sent(r, f"{len(done)} of {len(ids)} orders {past}: {', '.join(f'#{i}' for i in done) or 'none due'}",
              as_json, orders=done)

    return command


_batch("release", "released", "release", "release_batch",
       "Release delivered orders whose inspection window is over (anyone may; several ids = one batch).")
_batch("refund", "refunded", "refund", "refund_batch",
       "Refund orders past their shipping or delivery deadline (anyone may; several ids = one batch).")


@order.command("withdraw")
@click.option("--token", default="ETH", metavar="ETH|tUSD|0x…")
@account_option("treasury")
@json_option
@click.pass_obj
def withdraw(ctx, token, account, as_json):
    """Withdraw credited funds (fees, or payments a contract refused)."""
    client = _client(ctx)
    addr = client.token_address(token)
    r = client.withdraw(addr, sender=ctx.account(account))
    amount = r.event("Withdrawn")["amount"]
    sent(r, f"withdrew {money_format(client, addr)(amount)}", as_json)


@order.command("show")
@click.argument("order_id")
@json_option
@click.pass_obj
def show(ctx, order_id, as_json):
    """One order: parties, amounts, deadlines, state and its timeline."""
    from tradechain import timeline
    from tradechain.cli.reads import site_for
    from tradechain.index.queries import order_view
    from tradechain.units import format_duration, parse_order_id

    oid = parse_order_id(order_id)
    site = site_for(ctx)
    client, label = site.client, site.label
    o = client.get_order(oid)
    money = money_format(client, o.token)
    data = order_view(site, oid)
    rows = data["timeline"]
    if as_json:
        emit_json(data)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]Order #{oid}[/]  {o.state}  {money(o.amount)}  fee {o.fee_bps / 100:g}%")
    console.print(f"  buyer {label(o.buyer)}  seller {label(o.seller)}  carrier {label(o.carrier) if o.carrier else '—'}"
                  f"  invoice holder {label(data['invoiceHolder']) if data['invoiceHolder'] else '—'}")
    console.print(f"  ship by {timeline.iso(o.ship_by)}, deliver by {timeline.iso(o.deliver_by)}, "
                  f"inspection {format_duration(o.inspection_window)}")
    table = Table(box=None, header_style="bold")
    for col in ("time (chain)", "who", "what", "detail"):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(row["time"], row["actor"], row["action"], row["detail"])
    console.print(table)


@order.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Show at most this many orders.")
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True, help="Skip this many first.")
@json_option
@click.pass_obj
def list_orders(ctx, limit, offset, as_json):
    """Every order on this chain with its state (read from the index when there is one)."""
    from tradechain.cli.reads import site_for
    from tradechain.index.queries import order_list

    data = order_list(site_for(ctx), limit=limit, offset=offset)
    rows = data["orders"]
    if as_json:
        emit_json({"orders": rows})
        return
    if not rows:
        click.echo("no orders yet: `tradechain order create --seller seller --amount '1 ETH'`")
    for r in rows:
        click.echo(f"#{r['id']:<5} {r['state']:<10} {r['amountText']:>20}  {r['buyer']} -> {r['seller']}")
