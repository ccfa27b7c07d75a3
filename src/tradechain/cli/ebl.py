"""`tradechain ebl …`: the electronic bill of lading of a shipment — show its title, endorse it on, surrender it for
delivery, claim it from the escrow after a refused hand-over."""

from __future__ import annotations

import click

from tradechain.cli.context import emit_json, id_read_command, id_step_command, sent
from tradechain.cli.paramtypes import ACCOUNT
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


@id_read_command(ebl, "show")
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


def _title_step(ctx, order_id: int, as_json: bool, step, what) -> None:
    """Send one step on ORDER_ID's title (`step(client.titles)`, once the order and its title are checked) and print
    `what(label)` with the title's new holder and status."""
    client = ctx.client(persistent=True)
    _title(client, order_id)
    r = step(client.titles)
    t = client.titles.get(order_id)
    sent(r, what(client.deployment.label), as_json, orderId=order_id, holder=t.holder, status=t.status)


@id_step_command(ebl, "endorse", "buyer")
@click.argument("to", type=ACCOUNT)
def endorse(ctx, order_id, to, sender, as_json):
    """The holder endorses the title of ORDER_ID to TO, who becomes holder and beneficiary."""
    _title_step(ctx, order_id, as_json, lambda titles: titles.endorse(order_id, to, sender=sender),
                lambda label: f"eBL of order #{order_id} endorsed to {label(to)}")


@id_step_command(ebl, "surrender", "buyer")
def surrender(ctx, order_id, sender, as_json):
    """The holder surrenders the title for delivery: the carrier may then record Delivered."""
    _title_step(ctx, order_id, as_json, lambda titles: titles.surrender(order_id, sender=sender),
                lambda label: f"eBL of order #{order_id} surrendered for delivery")


@id_step_command(ebl, "claim", "buyer")
@click.option("--to", default=None, type=ACCOUNT, help="Where the title goes (default: the claimant).")
def claim(ctx, order_id, to, sender, as_json):
    """The beneficiary takes a title the escrow could not hand over (its contract refused it then)."""
    _title_step(ctx, order_id, as_json, lambda titles: titles.claim(order_id, to, sender=sender),
                lambda label: f"eBL of order #{order_id} claimed by {label(to or sender)}")
