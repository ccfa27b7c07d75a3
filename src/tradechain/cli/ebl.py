"""`tradechain ebl …`: the electronic bill of lading of a shipment — show its title, endorse it on, surrender it for
delivery, claim it from the escrow after a refused hand-over."""

from __future__ import annotations

import click

from tradechain.cli.context import account_option, emit_json, json_option, sent
from tradechain.cli.paramtypes import ACCOUNT, ORDER_ID
from tradechain.errors import UsageError


@click.group("ebl")
def ebl():
    """Electronic bills of lading: the title to a shipment's goods (needs --rpc for the steps that send)."""


def _title(client, order_id: int):
    client.escrow.existing(order_id)
    title = client.titles.get(order_id)
    if title is None:
        raise UsageError(f"order #{order_id} has no electronic bill of lading: only an order placed with "
                         "`--ebl N` (and shipped) has one")
    return title


@ebl.command("show")
@click.argument("order_id", type=ORDER_ID)
@json_option
@click.pass_obj
def show(ctx, order_id, as_json):
    """The title of ORDER_ID's shipment: bill-of-lading hash, holder, beneficiary and DCSA status."""
    from tradechain.index.queries import title_of

    client = ctx.client()
    _title(client, order_id)
    data = title_of(client, order_id)
    if as_json:
        emit_json({"orderId": order_id, **data})
        return
    label = client.deployment.label
    click.echo(f"eBL of order #{order_id}: {data['statusText']}")
    click.echo(f"  bill of lading 0x{bytes(data['billOfLadingHash']).hex()}")
    click.echo(f"  holder {label(data['holder']) if data['holder'] else '—'}, beneficiary "
               f"{label(data['beneficiary']) if data['beneficiary'] else '—'}")
    if data["offeredTo"]:
        click.echo(f"  the escrow offers it to {label(data['offeredTo'])}: `tradechain ebl claim {order_id}`")


def _after(client, order_id: int, r, what: str, as_json: bool) -> None:
    t = client.titles.get(order_id)
    sent(r, what, as_json, orderId=order_id, holder=t.holder, status=t.status)


@ebl.command("endorse")
@click.argument("order_id", type=ORDER_ID)
@click.argument("to", type=ACCOUNT)
@account_option("buyer")
@json_option
@click.pass_obj
def endorse(ctx, order_id, to, sender, as_json):
    """The holder endorses the title of ORDER_ID to TO, who becomes holder and beneficiary."""
    client = ctx.client(persistent=True)
    _title(client, order_id)
    r = client.titles.endorse(order_id, to, sender=sender)
    _after(client, order_id, r, f"eBL of order #{order_id} endorsed to {client.deployment.label(to)}", as_json)


@ebl.command("surrender")
@click.argument("order_id", type=ORDER_ID)
@account_option("buyer")
@json_option
@click.pass_obj
def surrender(ctx, order_id, sender, as_json):
    """The holder surrenders the title for delivery: the carrier may then record Delivered."""
    client = ctx.client(persistent=True)
    _title(client, order_id)
    r = client.titles.surrender(order_id, sender=sender)
    _after(client, order_id, r, f"eBL of order #{order_id} surrendered for delivery", as_json)


@ebl.command("claim")
@click.argument("order_id", type=ORDER_ID)
@click.option("--to", default=None, type=ACCOUNT, help="Where the title goes (default: the claimant).")
@account_option("buyer")
@json_option
@click.pass_obj
def claim(ctx, order_id, to, sender, as_json):
    """The beneficiary takes a title the escrow could not hand over (its contract refused it then)."""
    client = ctx.client(persistent=True)
    _title(client, order_id)
    r = client.titles.claim(order_id, to, sender=sender)
    _after(client, order_id, r, f"eBL of order #{order_id} claimed by {client.deployment.label(to or sender)}",
           as_json)
