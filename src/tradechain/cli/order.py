"""`tradechain order …`: every step of a trade on its own, against a node that outlives one command."""

from __future__ import annotations

import click

from tradechain.cli.context import account_option, emit_json, json_option, money_format, sent
from tradechain.cli.paramtypes import ACCOUNT, AMOUNT, DURATION, HASH_OR_FILE, ORDER_ID, SHARE
from tradechain.errors import UsageError


@click.group("order")
def order():
    """Place, ship, track, settle and inspect orders (needs --rpc: a devnet or any JSON-RPC node)."""


def _client(ctx):
    return ctx.client(persistent=True)


order_id_argument = click.argument("order_id", type=ORDER_ID)
evidence_option = click.option("--evidence", default="", type=HASH_OR_FILE, help="Document or photo to anchor.")
location_option = click.option("--location", default="", metavar="LOCODE", help="UN/LOCODE place code, e.g. CNSHA.")


@order.command("create")
@click.option("--seller", required=True, type=ACCOUNT, help="Who is paid (named account or address).")
@click.option("--amount", required=True, type=AMOUNT, help="Price with its unit: '1.5 ETH', '250 tUSD' or '1000000000 wei'.")
@click.option("--token", default=None, metavar="ETH|tUSD|0x…", help="Payment token; with it, --amount may leave out its unit.")
@click.option("--ship-within", default="2d", show_default=True, type=DURATION, help="Seller must ship within this.")
@click.option("--deliver-within", default="14d", show_default=True, type=DURATION,
              help="Carrier must deliver within this (after the shipping deadline).")
@click.option("--inspection", default="3d", show_default=True, type=DURATION,
              help="Buyer's inspection window after delivery.")
@click.option("--terms", default="", type=HASH_OR_FILE, help="E-contract to anchor (its keccak-256).")
@click.option("--permit", is_flag=True, help="Pay an ERC-20 with an EIP-2612 permit instead of approve.")
@click.option("--tranche", "tranches", multiple=True, metavar="SHARE:TRIGGER",
              help="Pay in tranches released by logistics events, in order: '30%:ExportCleared' '70%:end' (triggers: "
                   "Shipped, ExportCleared, Arrived, ImportCleared, Delivered, End; the last is End). At most 4.")
@click.option("--ebl", "ebl", type=click.IntRange(min=1), default=None, metavar="N",
              help="Ship under an electronic bill of lading whose title passes to the buyer with tranche N (before "
                   "Delivered): delivery versus payment.")
@account_option("buyer")
@json_option
@click.pass_obj
def create(ctx, seller, amount, token, ship_within, deliver_within, inspection, terms, permit, tranches, ebl, sender,
           as_json):
    """Place an order and pay for it in one transaction."""
    from tradechain import tranches as schedule_terms

    if ebl and not tranches:
        raise UsageError("--ebl N names the tranche that pays for the documents: give the schedule with --tranche "
                         "(e.g. --tranche 30%:ExportCleared --tranche 70%:end --ebl 1)")
    schedule = schedule_terms.pack([schedule_terms.parse_tranche(t) for t in tranches], ebl or 0) if tranches else 0
    client = _client(ctx)
    token_addr, value = client.tokens.amount(amount, token)
    money = money_format(client, token_addr)
    have = client.tokens.balance(sender, token_addr)
    if have < value:
        raise UsageError(f"{client.deployment.label(sender)} has {money(have)} but the order needs {money(value)}")
    order_id, receipt = client.escrow.place_order_in(
        buyer=sender, seller=seller, amount=value, token=token_addr, ship_in=ship_within, deliver_in=deliver_within,
        inspection_window=inspection, terms_hash=terms, permit=permit, schedule=schedule,
    )
    paid_how = f" in tranches: {schedule_terms.describe(schedule)}" if schedule else ""
    sent(receipt, f"order #{order_id} placed and paid: {money(value)}{paid_how}", as_json, orderId=order_id,
         token=token_addr, amount=value, amountText=money(value), **({"schedule": schedule} if schedule else {}))


@order.command("ship")
@order_id_argument
@click.option("--carrier", default="carrier", show_default=True, type=ACCOUNT)
@click.option("--bol", default="", type=HASH_OR_FILE, help="Bill of lading to anchor.")
@account_option("seller")
@json_option
@click.pass_obj
def ship(ctx, order_id, carrier, bol, sender, as_json):
    """Ship ORDER_ID with a carrier; mints the invoice token to the seller."""
    client = _client(ctx)
    client.escrow.existing(order_id)
    r = client.escrow.ship(order_id, carrier, bol, sender=sender)
    sent(r, f"order #{order_id} shipped; invoice #{order_id} minted to the seller", as_json)


@order.command("checkpoint")
@order_id_argument
@click.argument("kind")
@location_option
@evidence_option
@account_option("carrier")
@json_option
@click.pass_obj
def checkpoint(ctx, order_id, kind, location, evidence, sender, as_json):
    """Record a shipment checkpoint KIND (PickedUp, GateOut, Loaded, Departed, Arrived, Discharged, GateIn,
    ExportCleared, ImportCleared, OutForDelivery, Delivered) on the provenance log."""
    from tradechain.vocabulary import KINDS, SHIPMENT_KINDS, kind_index

    client = _client(ctx)
    match = KINDS[kind_index(kind, SHIPMENT_KINDS)]
    o = client.escrow.existing(order_id)
    r = client.provenance.checkpoint(order_id, match, location, evidence, sender=sender)
    # the log still takes entries (corrections, late records) after the order ended, but they move no money
    late = (f"; order #{order_id} is already {o.state}: this entry is kept in the log but changes nothing in its "
            "settlement") if o.terminal else ""
    sent(r, f"order #{order_id}: {match} recorded" + (f" at {location.upper()}" if location else "") + late, as_json,
         orderState=o.state, settlementAffected=not o.terminal)


@order.command("deliver")
@order_id_argument
@location_option
@click.option("--evidence", default="", type=HASH_OR_FILE, help="Proof of delivery to anchor.")
@account_option("carrier")
@json_option
@click.pass_obj
def deliver(ctx, order_id, location, evidence, sender, as_json):
    """The carrier confirms delivery: the buyer's inspection window starts."""
    from tradechain.timeline import iso

    client = _client(ctx)
    client.escrow.existing(order_id)
    r = client.provenance.deliver(order_id, location, evidence, sender=sender)
    o = client.escrow.get_order(order_id)
    sent(r, f"order #{order_id} delivered; inspection window ends {iso(o.inspection_ends_at)}", as_json)


def _carrier_step(name: str, facade: str, method: str, default_account: str, doc: str, message: str):
    """A command ORDER_ID CARRIER that sends one carrier-replacement step as `default_account`."""
    @order.command(name, help=doc)
    @order_id_argument
    @click.argument("carrier", type=ACCOUNT)
    @account_option(default_account)
    @json_option
    @click.pass_obj
    def command(ctx, order_id, carrier, sender, as_json):
        client = _client(ctx)
        client.escrow.existing(order_id)
        r = getattr(getattr(client, facade), method)(order_id, carrier, sender=sender)
        sent(r, message.format(id=order_id, carrier=client.deployment.label(carrier)), as_json)

    return command


_carrier_step("nominate-carrier", "escrow", "nominate_carrier", "seller",
              "The seller asks to hand its shipment to CARRIER (the named carrier lost its key or role); the admin "
              "confirms with `order replace-carrier`.",
              "order #{id}: {carrier} nominated as carrier; the admin confirms with `order replace-carrier`")
_carrier_step("replace-carrier", "provenance", "replace_carrier", "admin",
              "The admin hands the shipment to the carrier its seller nominated (recorded in the provenance log).",
              "order #{id}: {carrier} is now the carrier")


@order.command("extend")
@order_id_argument
@click.option("--by", "by", required=True, type=DURATION, help="How much later the delivery is due: '2d'.")
@click.option("--evidence", default="", type=HASH_OR_FILE, help="The ruling document.")
@account_option("arbiter")
@json_option
@click.pass_obj
def extend(ctx, order_id, by, evidence, sender, as_json):
    """The arbiter excuses a disputed delivery delay: the delivery deadline moves later by DURATION."""
    from tradechain.timeline import iso

    client = _client(ctx)
    new = client.escrow.existing(order_id).deliver_by + by
    r = client.escrow.extend_deliver_by(order_id, new, evidence, sender=sender)
    sent(r, f"order #{order_id}: delivery now due by {iso(new)}", as_json, deliverBy=new)


def _simple(name: str, method: str, default_account: str, doc: str, message: str):
    @order.command(name, help=doc)
    @order_id_argument
    @account_option(default_account)
    @json_option
    @click.pass_obj
    def command(ctx, order_id, sender, as_json):
        client = _client(ctx)
        client.escrow.existing(order_id)
        r = getattr(client.escrow, method)(order_id, sender=sender)
        sent(r, message.format(id=order_id), as_json)

    return command


_simple("confirm", "confirm", "buyer", "The buyer confirms receipt early: the payment is released now.",
        "order #{id} confirmed and released")
_simple("cancel", "cancel", "seller", "The seller cancels an order not yet shipped: the buyer is refunded.",
        "order #{id} cancelled; buyer refunded")


@order.command("dispute")
@order_id_argument
@click.option("--evidence", default="", type=HASH_OR_FILE, help="Photos, inspection report: anchored by hash.")
@account_option("buyer")
@json_option
@click.pass_obj
def dispute(ctx, order_id, evidence, sender, as_json):
    """The buyer disputes a delivered order inside its inspection window."""
    client = _client(ctx)
    client.escrow.existing(order_id)
    r = client.escrow.dispute(order_id, evidence, sender=sender)
    sent(r, f"order #{order_id} disputed; the parties may settle, or the arbiter rules", as_json)


def _settlement(name: str, method: str, default_account: str, doc: str, message: str):
    @order.command(name, help=doc)
    @order_id_argument
    @click.argument("refund", type=SHARE)
    @account_option(default_account)
    @json_option
    @click.pass_obj
    def command(ctx, order_id, refund, sender, as_json):
        client = _client(ctx)
        client.escrow.existing(order_id)
        r = getattr(client.escrow, method)(order_id, refund, sender=sender)
        pct = f"{refund / 100:g}"
        if any(e["event"] == "OrderResolved" for e in r.events):
            sent(r, f"order #{order_id} settled by agreement: {pct}% refunded", as_json, settled=True)
            return
        from tradechain.timeline import consents_text

        consents = r.event("SettlementConsents")
        sent(r, message.format(id=order_id, pct=pct) + "; " + consents_text(consents["agreed"], consents["required"]),
             as_json, settled=False)

    return command


_settlement("propose", "propose_settlement", "seller",
            "Offer to settle a dispute: REFUND (20% or 2000bps) back to the buyer, the rest to the seller side. The "
            "buyer, the invoice holder and an advance financier whose repayment it cuts must all agree.",
            "order #{id}: offered {pct}% back to the buyer")
_settlement("accept", "accept_settlement", "buyer",
            "Agree to the standing settlement offer (REFUND must match it); the last party needed settles the order.",
            "order #{id}: agreed to {pct}% back to the buyer")


@order.command("resolve")
@order_id_argument
@click.option("--refund", required=True, type=SHARE, help="Share back to the buyer, with its unit: 30% or 3000bps.")
@click.option("--evidence", default="", type=HASH_OR_FILE, help="The ruling document.")
@click.option("--default", "by_default", is_flag=True, help="Apply the default split after the ruling deadline.")
@account_option("arbiter")
@json_option
@click.pass_obj
def resolve(ctx, order_id, refund, evidence, by_default, sender, as_json):
    """The arbiter rules on a dispute (or anyone applies the default after the ruling deadline)."""
    client = _client(ctx)
    o = client.escrow.existing(order_id)
    if by_default:
        r = client.escrow.resolve_by_default(order_id, sender=sender)
    else:
        r = client.escrow.resolve(order_id, refund, evidence, sender=sender)
    e = r.event("OrderResolved")
    money = money_format(client, o.token)
    paid = {k: e[k] for k in ("toBuyer", "toSellerSide", "fee")}
    sent(r, f"order #{order_id} resolved: {money(e['toBuyer'])} to buyer, {money(e['toSellerSide'])} to the "
             f"invoice holder, fee {money(e['fee'])}", as_json, **paid, **{k + "Text": money(v) for k, v in paid.items()})


def _batch(name: str, past: str, one: str, many: str, doc: str):
    @order.command(name, help=doc)
    @click.argument("order_ids", nargs=-1, required=True, type=ORDER_ID)
    @account_option("keeper")
    @json_option
    @click.pass_obj
    def command(ctx, order_ids, sender, as_json):
        client = _client(ctx)
        ids = list(order_ids)
        if len(ids) == 1:
            client.escrow.existing(ids[0])
            r = getattr(client.escrow, one)(ids[0], sender=sender)
            sent(r, f"order #{ids[0]} {past}", as_json)
            return
        r = getattr(client.escrow, many)(ids, sender=sender)
        done = [e["args"]["orderId"] for e in r.events if e["event"] in ("OrderReleased", "OrderRefunded")]
        sent(r, f"{len(done)} of {len(ids)} orders {past}: {', '.join(f'#{i}' for i in done) or 'none due'}",
              as_json, orders=done)

    return command


_batch("release", "released", "release", "release_batch",
       "Release delivered orders whose inspection window is over (anyone may; several ids = one batch).")
_batch("refund", "refunded", "refund", "refund_batch",
       "Refund orders past their shipping or delivery deadline (anyone may; several ids = one batch).")


@order.command("release-tranche")
@order_id_argument
@click.argument("number", required=False, type=click.IntRange(min=1))
@account_option("keeper")
@json_option
@click.pass_obj
def release_tranche(ctx, order_id, number, sender, as_json):
    """Release tranche NUMBER (1 = the first) of a scheduled order once its trigger is on chain, to whoever holds the
    invoice (anyone may). Without NUMBER, every tranche that is due."""
    client = _client(ctx)
    o = client.escrow.existing(order_id)
    if client.escrow.schedule(order_id) is None:
        raise UsageError(f"order #{order_id} has no payment schedule: `tradechain order release {order_id}` pays it")
    if number is None:
        r = client.escrow.release_tranche_batch([order_id], sender=sender)
    else:
        r = client.escrow.release_tranche(order_id, number - 1, sender=sender)
    money = money_format(client, o.token)
    paid = [e["args"] for e in r.events if e["event"] == "TrancheReleased"]
    what = "; ".join(f"tranche {e['index'] + 1} released: {money(e['toSellerSide'])} to the invoice holder, fee "
                     f"{money(e['fee'])}" for e in paid) or "no tranche is due"
    title = [e["args"]["to"] for e in r.events if e["event"] in ("TitleEndorsed", "TitleOffered")]
    if title:
        what += f"; eBL title to {client.deployment.label(title[0])}"
    sent(r, f"order #{order_id}: {what}", as_json,
         tranches=[{"number": e["index"] + 1, "gross": e["gross"], "toSellerSide": e["toSellerSide"], "fee": e["fee"],
                    "remaining": e["remaining"]} for e in paid])


@order.command("withdraw")
@click.option("--token", default="ETH", metavar="ETH|tUSD|0x…")
@account_option("treasury")
@json_option
@click.pass_obj
def withdraw(ctx, token, sender, as_json):
    """Withdraw credited funds (fees, or payments a contract refused)."""
    client = _client(ctx)
    addr = client.tokens.address(token)
    r = client.escrow.withdraw(addr, sender=sender)
    amount = r.event("Withdrawn")["amount"]
    text = money_format(client, addr)(amount)
    sent(r, f"withdrew {text}", as_json, token=addr, amount=amount, amountText=text)


@order.command("show")
@order_id_argument
@json_option
@click.pass_obj
def show(ctx, order_id, as_json):
    """One order: parties, amounts, deadlines, state and its timeline."""
    from tradechain import timeline
    from tradechain.cli.reads import site_for
    from tradechain.index.queries import order_view
    from tradechain.units import format_duration

    oid = order_id
    site = site_for(ctx)
    client, label = site.client, site.label
    o = client.escrow.get_order(oid)
    money = money_format(client, o.token)
    data = order_view(site, oid)
    rows = data["timeline"]
    offer = client.escrow.settlement(oid) if data.get("settlement") else None  # the query has it as JSON already
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
    for line in tranche_lines(data.get("tranches"), data.get("title"), money, label):
        console.print(line)
    if offer is not None:
        named = lambda parties: ", ".join(f"{p} ({label(offer.parties[p])})" for p in parties) or "nobody"  # noqa: E731
        console.print(f"  settlement offer: {offer.refund_bps / 100:g}% back to the buyer; agreed: "
                      f"{named(offer.agreed)}; may accept: {named(offer.waiting)}")
    table = Table(box=None, header_style="bold")
    for col in ("time (chain)", "who", "what", "detail"):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(row["time"], row["actor"], row["action"], row["detail"])
    console.print(table)


def tranche_lines(tranches: list | None, title: dict | None, money, label) -> list[str]:
    """`order show`'s lines for a payment schedule and its eBL title (none for a plain order)."""
    lines = []
    for t in tranches or []:
        docs = " (pays for the documents: eBL title to the buyer)" if t["documents"] else ""
        lines.append(f"  tranche {t['number']}: {t['shareBps'] / 100:g}% = {money(t['gross'])} on {t['triggerText']}"
                     f" — {t['status']}{docs}")
    if title:
        who = label(title["holder"]) if title["holder"] else "—"
        offered = f", offered to {label(title['offeredTo'])}" if title["offeredTo"] else ""
        lines.append(f"  eBL title: {title['statusText']}, held by {who}, beneficiary "
                     f"{label(title['beneficiary']) if title['beneficiary'] else '—'}{offered}")
    return lines


@order.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Show at most this many orders.")
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True, help="Skip this many first.")
@json_option
@click.pass_obj
def list_orders(ctx, limit, offset, as_json):
    """Every order on this chain with its state (read from the index when there is one)."""
    from tradechain.cli.reads import site_for
    from tradechain.index.queries import order_list

    site = site_for(ctx)
    label = site.label
    rows = order_list(site, limit=limit, offset=offset)["orders"]
    if as_json:
        emit_json({"orders": rows})
        return
    if not rows:
        click.echo("no orders yet: `tradechain order create --seller seller --amount '1 ETH'`")
    for r in rows:
        click.echo(f"#{r['id']:<5} {r['state']:<10} {r['amountText']:>20}  {label(r['buyer'])} -> {label(r['seller'])}")
