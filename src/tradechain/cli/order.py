"""`tradechain order …`: every step of a trade on its own, against a node that outlives one command."""

from __future__ import annotations

import functools

import click

from tradechain.cli.context import (account_option, emit_json, evidence_option, full_hashes, id_step_command,
                                    json_option, location_option, money_format, print_table, sent)
from tradechain.cli.paramtypes import ACCOUNT, AMOUNT, DURATION, HASH_OR_FILE, ORDER_ID, SHARE
from tradechain.errors import UsageError


@click.group("order")
def order():
    """Place, ship, track, settle and inspect orders (needs --rpc: a devnet or any JSON-RPC node)."""


def _client(ctx):
    return ctx.client(persistent=True)


order_id_argument = click.argument("order_id", type=ORDER_ID)


@order.command("create")
@click.option("--seller", required=True, type=ACCOUNT, help="Who is paid (named account or address).")
@click.option("--amount", default=None, type=AMOUNT,
              help="Price with its unit: '1.5 ETH', '250 tUSD' or '1000000000 wei'.")
@click.option("--token", default=None, metavar="ETH|tUSD|0x…", help="Payment token; with it, --amount may leave out its unit.")
@click.option("--price", default=None, metavar="'10000 EUR'",
              help="Price in another currency instead of --amount: paid in --pay at the rate locked now.")
@click.option("--pay", default=None, metavar="tUSD|ETH", help="With --price: the settlement token (default tUSD).")
@click.option("--quote", "quote_file", default=None, type=click.Path(exists=True, dir_okay=False),
              help="With --price: a signed quote file (`tradechain fx quote`) whose rate to lock instead of the feed's.")
@click.option("--ship-within", default="2d", show_default=True, type=DURATION, help="Seller must ship within this.")
@click.option("--deliver-within", default="14d", show_default=True, type=DURATION,
              help="Carrier must deliver within this (after the shipping deadline).")
@click.option("--inspection", default="3d", show_default=True, type=DURATION,
              help="Buyer's inspection window after delivery.")
@click.option("--terms", default="", type=HASH_OR_FILE, help="E-contract to anchor (its keccak-256).")
@click.option("--permit/--approve", "permit", default=None,
              help="How an ERC-20 is paid: an EIP-2612 permit in the order's own transaction (the default where the "
                   "token has one), or an approval first (the default for tokens without).")
@click.option("--accept-within", default=None, type=DURATION,
              help="The seller must accept (`order accept`) within this, or anyone may refund the buyer; nothing "
                   "ships before. At most --ship-within. Default: the order binds at once.")
@click.option("--tranche", "tranches", multiple=True, metavar="SHARE:TRIGGER",
              help="Pay in tranches released by logistics events, in order: '30%:ExportCleared' '70%:end' (triggers: "
                   "Shipped, ExportCleared, Arrived, ImportCleared, Delivered, End; the last is End). At most 4.")
@click.option("--ebl", "ebl", type=click.IntRange(min=1), default=None, metavar="N",
              help="Ship under an electronic bill of lading whose title passes to the buyer with tranche N (before "
                   "Delivered): delivery versus payment.")
@account_option("buyer")
@json_option
@click.pass_obj
def create(ctx, seller, amount, token, price, pay, quote_file, ship_within, deliver_within, inspection, terms, permit,
           accept_within, tranches, ebl, sender, as_json):
    """Place an order and pay for it in one transaction: --amount in the payment token, or --price in another
    currency paid in --pay at a rate locked now (the feed's, or a signed --quote's)."""
    if (amount is None) == (price is None):
        raise UsageError("give the order's price as --amount '250 tUSD' or as --price '10000 EUR' --pay tUSD "
                         "(one of the two)")
    if price is None and (pay or quote_file):
        raise UsageError("--pay and --quote go with --price '10000 EUR'")
    if price is not None and (token or permit):
        raise UsageError("with --price, name the settlement token with --pay (--token and --permit are for --amount)")
    if accept_within is not None and not 0 < accept_within <= ship_within:
        raise UsageError(f"--accept-within must be more than 0 and at most --ship-within ({ship_within} s): the "
                         "seller accepts before it ships")
    from tradechain import tranches as schedule_terms

    if ebl and not tranches:
        raise UsageError("--ebl N names the tranche that pays for the documents: give the schedule with --tranche "
                         "(e.g. --tranche 30%:ExportCleared --tranche 70%:end --ebl 1)")
    if tranches and price is not None:
        raise UsageError("--tranche goes with --amount for now; an order priced with --price pays at release")
    schedule = schedule_terms.pack([schedule_terms.parse_tranche(t) for t in tranches], ebl or 0) if tranches else 0
    client = _client(ctx)
    if price is not None:
        return _create_fx(ctx, client, seller, price, pay or "tUSD", quote_file, ship_within, deliver_within,
                          inspection, terms, accept_within, sender, as_json)
    token_addr, value = client.tokens.amount(amount, token)
    money = money_format(client, token_addr)
    _check_balance(client, sender, token_addr, value, money)
    paid_with = client.escrow.payment_method(token_addr, permit)
    if accept_within is None:
        _within_cap(client, seller, token_addr, value)
    order_id, receipt = client.escrow.place_order_in(
        buyer=sender, seller=seller, amount=value, token=token_addr, ship_in=ship_within, deliver_in=deliver_within,
        inspection_window=inspection, terms_hash=terms, permit=paid_with == "permit", accept_in=accept_within,
        schedule=schedule,
    )
    paid_how = f" in tranches: {schedule_terms.describe(schedule)}" if schedule else ""
    sent(receipt, f"order #{order_id} placed and paid{PAID_WITH[paid_with]}: {money(value)}{paid_how}"
                  f"{_waiting(receipt)}", as_json, orderId=order_id, token=token_addr, amount=value,
         amountText=money(value), paidWith=paid_with, **({"schedule": schedule} if schedule else {}))


PAID_WITH = {"value": "", "permit": " with an EIP-2612 permit", "approve": " after an approval"}


def _waiting(receipt) -> str:
    """"; waiting for the seller's acceptance until …" for an order placed with an acceptance deadline."""
    from tradechain.timeline import iso

    asked = [e["args"]["acceptBy"] for e in receipt.events if e["event"] == "AcceptanceRequested"]
    return f"; waiting for the seller's acceptance until {iso(asked[0])}" if asked else ""


def _check_balance(client, sender, token, value, money):
    have = client.tokens.balance(sender, token)
    if have < value:
        raise UsageError(f"{client.deployment.label(sender)} has {money(have)} but the order needs {money(value)}")


def _create_fx(ctx, client, seller, price, pay, quote_file, ship_within, deliver_within, inspection, terms,
               accept_within, sender, as_json):
    """order create --price '10000 EUR' --pay tUSD [--quote FILE]: lock the rate, collect the converted amount."""
    from tradechain.client.fx import Quote, parse_price
    from tradechain.units import format_rate
    from tradechain.vocabulary import format_price

    currency, whole = parse_price(price)
    token = client.tokens.address(pay)
    minor = client.fx.minor_units(currency, token, whole)
    quote = Quote.load(quote_file) if quote_file else None
    if quote is not None and quote.buyer.lower() != sender.lower():
        raise UsageError(f"the quote in {quote_file} is for {client.deployment.label(quote.buyer)}, not "
                         f"{client.deployment.label(sender)}")
    value, rate = client.fx.quote_amount(currency, token, minor, quote)
    money = money_format(client, token)
    _check_balance(client, sender, token, value, money)
    if accept_within is None:
        _within_cap(client, seller, token, value)
    now = client.chain.now()
    order_id, receipt = client.fx.place_order(
        buyer=sender, seller=seller, currency=currency, price=minor, token=token, ship_by=now + ship_within,
        deliver_by=now + ship_within + deliver_within, inspection_window=inspection, terms_hash=terms, quote=quote,
        accept_by=now + accept_within if accept_within else 0)
    source = "the signed quote" if quote else "the signed feed"
    sent(receipt, f"order #{order_id} placed and paid: {format_price(minor, currency)} at {format_rate(rate)} from "
                  f"{source} = {money(value)}, rate locked{_waiting(receipt)}", as_json, orderId=order_id, token=token, amount=value,
         amountText=money(value), currency=currency, price=minor, priceText=format_price(minor, currency), rate=rate,
         rateText=format_rate(rate), rateSource="Quote" if quote else "Feed",
         paidWith=client.escrow.payment_method(token, False))  # FX orders approve (no permit path)


def _step(name: str, doc: str, default_account: str, *params):
    """Decorator of a step `order NAME ORDER_ID [params]`, sent as --account (default `default_account`), with
    --json. The function is called as f(client, order_id=…, <params>, sender=…, as_json=…) once the order is
    known to exist (an unknown id is one line, never a revert)."""
    def wrap(f):
        @functools.wraps(f)
        def command(ctx, **kw):
            client = _client(ctx)
            client.escrow.existing(kw["order_id"])
            return f(client, **kw)

        return id_step_command(order, name, default_account, *params, help=doc)(command)

    return wrap


@_step("ship", "Ship ORDER_ID with a carrier; mints the invoice token to the seller.", "seller",
       click.option("--carrier", default="carrier", show_default=True, type=ACCOUNT),
       click.option("--bol", default="", type=HASH_OR_FILE, help="Bill of lading to anchor."))
def ship(client, order_id, carrier, bol, sender, as_json):
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


@_step("deliver", "The carrier confirms delivery: the buyer's inspection window starts.", "carrier", location_option,
       click.option("--evidence", default="", type=HASH_OR_FILE, help="Proof of delivery to anchor."))
def deliver(client, order_id, location, evidence, sender, as_json):
    from tradechain.timeline import iso

    r = client.provenance.deliver(order_id, location, evidence, sender=sender)
    o = client.escrow.get_order(order_id)
    sent(r, f"order #{order_id} delivered; inspection window ends {iso(o.inspection_ends_at)}", as_json)


def _carrier_step(name: str, facade: str, method: str, default_account: str, doc: str, message: str):
    """A command ORDER_ID CARRIER that sends one carrier-replacement step as `default_account`."""
    @_step(name, doc, default_account, click.argument("carrier", type=ACCOUNT))
    def command(client, order_id, carrier, sender, as_json):
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


@_step("extend", "The arbiter excuses a disputed delivery delay: the delivery deadline moves later by DURATION.",
       "arbiter",
       click.option("--by", "by", required=True, type=DURATION, help="How much later the delivery is due: '2d'."),
       click.option("--evidence", default="", type=HASH_OR_FILE, help="The ruling document."))
def extend(client, order_id, by, evidence, sender, as_json):
    from tradechain.timeline import iso

    new = client.escrow.get_order(order_id).deliver_by + by
    r = client.escrow.extend_deliver_by(order_id, new, evidence, sender=sender)
    sent(r, f"order #{order_id}: delivery now due by {iso(new)}", as_json, deliverBy=new)


def _simple(name: str, method: str, default_account: str, doc: str, message: str):
    @_step(name, doc, default_account)
    def command(client, order_id, sender, as_json):
        sent(getattr(client.escrow, method)(order_id, sender=sender), message.format(id=order_id), as_json)

    return command


_simple("confirm", "confirm", "buyer", "The buyer confirms receipt early: the payment is released now.",
        "order #{id} confirmed and released")
_simple("cancel", "cancel", "seller", "The seller cancels an order not yet shipped: the buyer is refunded.",
        "order #{id} cancelled; buyer refunded")


@_step("dispute", "The buyer disputes a delivered order inside its inspection window.", "buyer",
       click.option("--evidence", default="", type=HASH_OR_FILE, help="Photos, inspection report: anchored by hash."))
def dispute(client, order_id, evidence, sender, as_json):
    r = client.escrow.dispute(order_id, evidence, sender=sender)
    sent(r, f"order #{order_id} disputed; the parties may settle, or the arbiter rules", as_json)


def _settlement(name: str, method: str, default_account: str, doc: str, message: str):
    @_step(name, doc, default_account, click.argument("refund", type=SHARE))
    def command(client, order_id, refund, sender, as_json):
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


@order.command("accept")
@order_id_argument
@click.argument("refund", type=SHARE, required=False)
@click.option("--account", "-a", "sender", default=None, type=ACCOUNT,
              help="Who sends it: a named account or an address (default: seller for an order waiting for acceptance, "
                   "buyer for a settlement offer).")
@json_option
@click.pass_obj
def accept(ctx, order_id, refund, sender, as_json):
    """The seller accepts ORDER_ID (placed with --accept-within) after reading its risk screen; or, with REFUND
    (20% or 2000bps, as offered), agree to a disputed order's standing settlement offer."""
    client = _client(ctx)
    o = client.escrow.existing(order_id)
    if o.state != "Offered":
        if refund is None:
            raise UsageError(f"order #{order_id} is {o.state}, not waiting for acceptance; to agree to a settlement "
                             "offer give its REFUND share (e.g. `order accept 7 20%`)")
        _accept_settlement(ctx, client, order_id, refund, sender or client.deployment.accounts["buyer"], as_json)
        return
    if refund is not None:
        raise UsageError(f"order #{order_id} waits for the seller's acceptance: leave out REFUND")
    from tradechain import risk

    screen = risk.screen_order(client, order_id)
    if not as_json:
        _print_screen(screen)
    _within_cap(client, o.seller, o.token, o.amount)
    r = client.escrow.accept(order_id, sender=sender or client.deployment.accounts["seller"])
    sent(r, f"order #{order_id} accepted: it binds and may ship", as_json, screen=screen.to_dict())


def _within_cap(client, seller: str, token: str, amount: int) -> None:
    """The exposure cap's refusal in people's units, before a transaction the escrow would refuse
    (ExposureCapExceeded)."""
    from tradechain.errors import TradechainError

    e = client.escrow.exposure(seller, token)
    if e.cap is None or e.open + amount <= e.cap:
        return
    money = money_format(client, token)
    raise TradechainError(
        f"seller {client.deployment.label(seller)} has {money(e.open)} open: {money(amount)} more would pass its "
        f"exposure cap of {money(e.cap)} ({e.multiple}x its settled volume, at least {money(e.floor)}); it can bind "
        "more once its open orders settle [ExposureCapExceeded]")


def _print_screen(screen) -> None:
    click.echo(f"risk screen of order #{screen.order}: score {screen.score} -> {screen.decision} "
               f"(review at {screen.to_dict()['thresholds']['review']}, block at {screen.to_dict()['thresholds']['block']})")
    for h in screen.hits:
        click.echo(f"  +{h.weight:<3} {h.code} [{h.party}]: {h.detail}")
    if not screen.hits:
        click.echo("  no rule fired")
    click.echo("  (advice read from on-chain history; the chain itself enforces only the exposure cap)")


def _accept_settlement(ctx, client, order_id, refund, sender, as_json):
    from tradechain.timeline import consents_text

    r = client.escrow.accept_settlement(order_id, refund, sender=sender)
    pct = f"{refund / 100:g}"
    if any(e["event"] == "OrderResolved" for e in r.events):
        sent(r, f"order #{order_id} settled by agreement: {pct}% refunded", as_json, settled=True)
        return
    consents = r.event("SettlementConsents")
    sent(r, f"order #{order_id}: agreed to {pct}% back to the buyer; "
            + consents_text(consents["agreed"], consents["required"]), as_json, settled=False)


@order.command("risk")
@order_id_argument
@json_option
@click.pass_obj
def risk_cmd(ctx, order_id, as_json):
    """The risk screen of ORDER_ID: rules in a fixed order over the parties' on-chain history, each with a reason
    code and a weight (read from the index when there is one); and the seller's exposure against its cap."""
    from tradechain import risk
    from tradechain.cli.reads import site_for

    site = site_for(ctx)
    client = site.client
    o = client.escrow.existing(order_id)
    screen = risk.screen_order(client, order_id)
    e = client.escrow.exposure(o.seller, o.token)
    money = money_format(client, o.token)
    exposure = {"seller": o.seller, "token": o.token, "open": e.open, "openText": money(e.open), "cap": e.cap,
                "capText": money(e.cap) if e.cap is not None else None, "multiple": e.multiple, "floor": e.floor}
    if as_json:
        emit_json({**screen.to_dict(), "exposure": exposure})
        return
    _print_screen(screen)
    cap = f"cap {money(e.cap)} ({e.multiple}x settled volume, floor {money(e.floor)})" if e.cap is not None else \
        "no exposure cap set"
    click.echo(f"seller {site.label(o.seller)}: {money(e.open)} open; {cap}")


@order.command("cap")
@click.option("--multiple", type=click.IntRange(0, 255), required=True,
              help="A seller's open value may be at most this multiple of its settled volume (0: no cap).")
@click.option("--floor", "floor_amount", type=AMOUNT, default=None,
              help="The cap of a new seller, with its unit ('10000 tUSD', '5 ETH'); per payment token (default 0 ETH).")
@account_option("admin")
@json_option
@click.pass_obj
def cap(ctx, multiple, floor_amount, sender, as_json):
    """Set the exposure cap (admin): checked when an order binds, at acceptance or at placement."""
    client = _client(ctx)
    from tradechain.vocabulary import ETH

    token, floor = client.tokens.amount(floor_amount, None) if floor_amount is not None else (ETH, 0)
    r = client.escrow.set_exposure_cap(multiple, token, floor, sender=sender)
    what = f"exposure cap: open value at most {multiple}x settled volume" if multiple else "exposure cap lifted"
    sent(r, what + f", floor {money_format(client, token)(floor)}", as_json, multiple=multiple, token=token, floor=floor)


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
    full = full_hashes()  # --full: each row's transaction too, whole, to copy into `tx status` or an explorer
    for col in ("time (chain)", "who", "what", "detail") + (("tx",) if full else ()):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(row["time"], row["actor"], row["action"], row["detail"], *((row["tx"],) if full else ()))
    print_table(console, table)


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
