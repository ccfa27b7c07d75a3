"""`tradechain events [--follow]` and `tradechain order watch ID`: the suite's events in words, as they happen."""

from __future__ import annotations

import time

import click

from tradechain.cli.context import emit_json_line, full_hashes, json_option
from tradechain.cli.paramtypes import ORDER_ID

SUITE = ["TradeEscrow", "Provenance", "InvoiceToken", "FxRates", "BillOfLading"]


def _fetch(client, order_id: int | None, start: int, end: int) -> list[dict]:
    from tradechain.transactions import word

    if order_id is None:
        events = client.tx.logs(SUITE, [], from_block=start, to_block=end)
    else:  # as TradeClient.timeline: the order id is the first indexed topic, the invoice's Transfer the third
        topic = word(order_id)
        events = client.tx.logs(SUITE, [None, topic], from_block=start, to_block=end)
        events += client.tx.logs("InvoiceToken", [None, None, None, topic], from_block=start, to_block=end)
    return client.tx.in_order(events)


def _order_of(event: dict) -> int | None:
    a = event["args"]
    for key in ("orderId", "shipmentId", "tokenId"):
        if isinstance(a.get(key), int):
            return a[key]
    return None


def stream(ctx, order_id: int | None, follow: bool, from_block: int | None, interval: float, limit: int | None,
           as_json: bool) -> None:
    from tradechain import timeline
    from tradechain.cli.context import money_format
    from tradechain.vocabulary import ETH

    client = ctx.client()
    label = client.deployment.label
    tokens: dict[int, str] = {}

    def money(event):
        """Amounts in the order's token (ETH for anything that is not an order: a batch)."""
        oid = _order_of(event)
        if oid is not None and oid not in tokens:
            tokens[oid] = client.escrow.get_order(oid).token if oid <= client.escrow.order_count() else ETH
        return money_format(client, tokens.get(oid, ETH))

    shown = 0
    start = client.tx.start_block if from_block is None else from_block
    while True:
        end = client.chain.block_number()
        for e in _fetch(client, order_id, start, end) if start <= end else []:
            rows = timeline.rows([e], label, money(e))
            text = "; ".join(f"{r['actor'] + ' ' if r['actor'] else ''}{r['action']}{': ' + r['detail'] if r['detail'] else ''}"
                             for r in rows)
            if as_json:
                emit_json_line({"block": e["block"], "logIndex": e["logIndex"], "tx": e["tx_hash"], "time": e["timestamp"],
                                "contract": e["contract"], "event": e["event"], "orderId": _order_of(e),
                                "args": e["args"], "text": text or e["event"]})
            elif rows:
                click.echo(f"{timeline.iso(e['timestamp'])}  block {e['block']:<6} "
                           f"{'#' + str(_order_of(e)) if _order_of(e) else '':<6} {text}"
                           + (f"  (tx {e['tx_hash']})" if full_hashes() else ""))
            shown += 1
            if limit is not None and shown >= limit:
                return
        start = end + 1
        if not follow:
            return
        try:
            time.sleep(interval)
        except KeyboardInterrupt:  # Ctrl-C ends a follow normally
            return


follow_options = [
    click.option("--from-block", type=click.IntRange(min=0), default=None, help="Start here (default: the deployment)."),
    click.option("--interval", type=click.FloatRange(min=0.05), default=1.0, show_default=True,
                 help="Seconds between polls while following."),
    click.option("--limit", type=click.IntRange(min=1), default=None, help="Stop after this many events."),
]


def _with(options):
    def wrap(f):
        for option in reversed(options):
            f = option(f)
        return f

    return wrap


@click.command("events")
@click.option("--follow", "-f", is_flag=True, help="Keep watching for new events until Ctrl-C.")
@click.option("--order", "order_id", type=ORDER_ID, default=None, help="Only the events of this order.")
@_with(follow_options)
@json_option
@click.pass_obj
def events_cmd(ctx, follow, order_id, from_block, interval, limit, as_json):
    """The suite's events in words (escrow, provenance, invoices), oldest first; --follow streams new ones.
    With --json, one JSON object per line."""
    stream(ctx, order_id, follow, from_block, interval, limit, as_json)


@click.command("watch")
@click.argument("order_id", type=ORDER_ID)
@_with(follow_options)
@json_option
@click.pass_obj
def watch_cmd(ctx, order_id, from_block, interval, limit, as_json):
    """Follow one order live: its history so far, then each new event as it is mined (Ctrl-C to stop)."""
    ctx.client(persistent=True).escrow.existing(order_id)
    stream(ctx, order_id, True, from_block, interval, limit, as_json)
