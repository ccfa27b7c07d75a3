"""`tradechain demo`: the whole story of the demo trades, as readable timelines or one JSON object."""

from __future__ import annotations

import click

from tradechain.cli.context import emit_json, json_option


@click.command("demo")
@json_option
@click.pass_obj
def demo_cmd(ctx, as_json: bool):
    """Run the demo trade flow: one order released automatically, one disputed and split, one invoice
    financed, and one traced cold-chain order whose temperature breach leads to a dispute."""
    from tradechain.demo import run_demo

    client = ctx.client(deploy_if_missing=True)
    result = run_demo(client)
    if as_json:
        emit_json(result)
        return
    render(result)


def render(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    from tradechain.deployment import Deployment

    label = Deployment(result["chainId"], result["contracts"], result["accounts"]).label
    console.print(f"[bold]tradechain demo[/] on {result['network']} (chain id {result['chainId']})")
    for name, addr in result["contracts"].items():
        console.print(f"  {name:<15} {addr}", style="dim")
    for order in result["orders"]:
        console.print()
        console.rule(f"[bold]Order #{order['id']}[/]: {order['title']}")
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        for col in ("time (chain)", "who", "what", "detail"):
            table.add_column(col, overflow="fold")
        for row in order["timeline"]:
            table.add_row(row["time"], row["actor"], row["action"], row["detail"])
        console.print(table)
        gas = ", ".join(f"{step} {g:,}" for step, g in order["gas"].items())
        console.print(f"[bold]final state:[/] {order['state']}   [bold]gas:[/] {order['gasTotal']:,} ({gas})")
        f = order.get("financing")
        if f:
            why = "; ".join(f"{c['name']} {c['bps']:g}" for c in f["creditModel"])
            console.print(f"[bold]financing:[/] seller paid {f['priceText']} at shipping ({f['discountBps'] / 100:g}% "
                          f"off, credit model bps: {why}); financier collected {f['faceValueText']} at release. "
                          f"Seller's cash {f['daysOfCashSaved']:g} days sooner; financier's yield "
                          f"{f['financierYieldPct']:g}% ({f['financierAnnualYieldPct']:g}%/yr).")
        fx = order.get("fxLock")
        if fx:
            console.print(f"[bold]rate lock:[/] {fx['price']} locked on {fx['lockedOn']} at {fx['lockedRate']} = "
                          f"{fx['lockedAmountText']}; at the release day's rate ({fx['releaseDayRate']}, "
                          f"{fx['releaseDay']}) it would have been {fx['atReleaseDayRateText']} "
                          f"({fx['movedPct']:+g}%). Rates from the {fx['path']}.")
        if "trace" in order:
            _trace_summary(console, order["trace"], label)
        if "riskScreen" in order:
            s, e = order["riskScreen"], order["exposure"]
            reasons = "; ".join(f"{r['code']} +{r['weight']} [{r['party']}] ({r['detail']})"
                                for r in s["reasons"]) or "no rule fired"
            console.print(f"[bold]risk screen at acceptance:[/] score {s['score']} -> {s['decision']}: {reasons}. "
                          "Advice to both sides (the buyer weighs the [seller] reasons, the seller the [buyer] ones); "
                          "the chain enforces only the exposure cap.")
            console.print(f"[bold]exposure:[/] seller has {e['openText']} open, cap {e['capText']} "
                          f"({e['multiple']}x settled volume, floor {e['floor'] / 10**6:,.0f} tUSD)")
    console.print()
    table = Table(title="Balances (wallet + escrow credits)", header_style="bold")
    table.add_column("account")
    for col in ("ETH before", "ETH after", "tUSD before", "tUSD after"):
        table.add_column(col, justify="right")
    before, after = result["balances"]["before"], result["balances"]["after"]
    for name in before:
        table.add_row(name, *(side[name][symbol]["text"] for symbol in ("ETH", "tUSD") for side in (before, after)))
    console.print(table)
    t = result["totals"]
    console.print(f"{t['orders']} orders, {t['transactions']} transactions, {t['gas']:,} gas in all. "
                  "ETH balances include gas paid.")
    fin = t.get("financed") or {}
    if fin.get("orders"):
        console.print(f"{fin['orders']} financed order(s): {fin['daysOfCashSaved']:g} days of seller cash saved, "
                      f"financier yield {fin['financierYieldPct']:g}%.")


def _trace_summary(console, trace: dict, label) -> None:
    """What a consumer scanning the goods' QR code would check: the log, the breach, the footprint (parties by
    `label`: name for address)."""
    ok = "verified against its on-chain head" if trace["verified"]["ok"] else "DOES NOT VERIFY"
    console.print(f"[bold]trace:[/] {len(trace['entries'])} entries on the {trace['label']}, {ok}; "
                  f"`tradechain trace {trace['item']}` shows it all")
    for b in trace["breaches"]:
        console.print(f"  [bold red]breach:[/] {b['sensor']} {b['value']:g} outside {b['min']:g}..{b['max']:g}")
    for linked in trace["linked"]:
        if "batch" in linked:
            b = linked["batch"]
            hands = [label(b["producer"])] + [label(c["to"]) for c in linked["custody"]]
            console.print(f"  batch: {b['sku']} × {b['quantity']:,} from {b['origin']}, producer {hands[0]}, "
                          f"custody {' -> '.join(hands)}")
    console.print(f"  carbon: {trace['carbonTotalGrams'] / 1000:,.1f} kg CO2e over {len(trace['legs'])} legs")
