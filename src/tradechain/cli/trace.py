"""`tradechain trace ITEM` and `tradechain verify FILE --item ITEM`: what anyone can check about the goods."""

from __future__ import annotations

import json
import sys

import click

from tradechain.cli.context import emit_json, json_option, print_table, shown
from tradechain.errors import UsageError


def _provenance(ctx):
    """Provenance reads for this command, served by the index when the chain has one."""
    from tradechain.cli.reads import site_for

    return site_for(ctx).client.provenance


@click.command("trace")
@click.argument("item")
@click.option("--qr", "qr", default=None, metavar="FILE.png|-",
              help="Write a QR code of the item's explorer page to FILE.png, or print it in the terminal (-).")
@click.option("--explorer-url", default=None, metavar="URL", envvar="TRADECHAIN_EXPLORER_URL",
              help="Base URL of the explorer the QR code opens (env TRADECHAIN_EXPLORER_URL; default "
                   "http://127.0.0.1:8000, what `tradechain serve` listens on).")
@json_option
@click.pass_obj
def trace_cmd(ctx, item, qr, explorer_url, as_json):
    """The full history of ITEM (an order id such as 7, or a batch such as B3): who did what, where and when,
    with evidence, sensor readings (breaches highlighted), custody, documents and carbon per leg; the log is
    checked against its on-chain hash-chain head."""
    from tradechain.vocabulary import parse_item

    from tradechain.cli.reads import site_for
    from tradechain.index.queries import trace_view

    item_id = parse_item(item_from_url(item))
    site = site_for(ctx)
    data = trace_view(site, item_id)
    if qr:
        _qr(qr, qr_payload(explorer_url or DEFAULT_EXPLORER, item_id), sys.stderr if as_json else sys.stdout)
    if as_json:
        emit_json(data)
        return
    render(data, site.label)


DEFAULT_EXPLORER = "http://127.0.0.1:8000"


def qr_payload(base_url: str, item_id: int) -> str:
    """What the QR code carries: the item's explorer page (a batch's consumer page, a shipment's trace), which a
    phone opens and `tradechain trace` reads back."""
    from tradechain.vocabulary import BATCH_BASE

    base = base_url.rstrip("/")
    return f"{base}/batch/B{item_id - BATCH_BASE}" if item_id >= BATCH_BASE else f"{base}/trace/{item_id}"


def item_from_url(text: str) -> str:
    """'https://host/batch/B3' or '…/trace/7' or '…/item/7' -> 'B3' / '7'; anything else unchanged."""
    if not text.startswith(("http://", "https://")):
        return text
    from urllib.parse import urlparse

    parts = [p for p in urlparse(text).path.split("/") if p]
    if len(parts) >= 2 and parts[-2] in ("batch", "trace", "item", "order"):
        last = parts[-1]
        return last if parts[-2] != "batch" or last.upper().startswith("B") else "B" + last
    raise UsageError(f"{text!r} is not an explorer link to an item (…/trace/7 or …/batch/B3)")


def _qr(target: str, payload: str, out) -> None:
    import segno

    code = segno.make(payload, error="m")
    if target == "-":
        code.terminal(out=out, compact=True)
        return
    if not target.lower().endswith(".png"):
        raise UsageError(f"--qr {target!r}: give a file name ending in .png, or - for the terminal")
    try:
        code.save(target, scale=6)
    except OSError as exc:
        raise UsageError(f"cannot write the QR code to {target}: {exc.strerror}") from None
    click.echo(f"QR code written to {target}", err=True)


def render(data: dict, label) -> None:
    """A trace for people: parties by the names the deployment knows (`label`), hashes cut short unless --full."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    _render_one(console, Table, data, label)
    for linked in data.get("linked", []):
        if isinstance(linked, dict):
            console.print()
            _render_one(console, Table, linked, label)


def _render_one(console, Table, data: dict, label) -> None:
    v = data["verified"]
    ok = "[green]log verified against the on-chain head[/]" if v["ok"] else f"[red]LOG DOES NOT VERIFY: {v['problem']}[/]"
    console.rule(f"[bold]{data['label']}[/]")
    console.print(f"chain {data['chainId']}, Provenance {data['contract']}, head {shown(data['head'], 18)}  {ok}")
    if "batch" in data:
        b = data["batch"]
        console.print(f"SKU {b['sku']}, origin {b['origin']}, quantity {b['quantity']:,}, producer {label(b['producer'])}, "
                      f"registered {b['registeredAt']}, {len(b['certificates'])} certificate(s)")
    if data.get("order"):
        o = data["order"]
        console.print(f"order {o['state']}: buyer {label(o['buyer'])}, seller {label(o['seller'])}")
    if data.get("limits"):
        lim = data["limits"]
        console.print(f"agreed limits: {lim['tempMin']:g}..{lim['tempMax']:g} °C, humidity ≤ {lim['humidityMax']:g} %RH, "
                      f"shock ≤ {lim['shockMax']:g} g")
    table = Table(box=None, header_style="bold")
    for col in ("#", "time (chain)", "who", "what", "where", "evidence / detail"):
        table.add_column(col, overflow="fold")
    for e in data["entries"]:
        style = "bold red" if e["kind"] == "Reading" and e.get("details", {}).get("breaches") else None
        table.add_row(str(e["seq"]), e["time"], e["actorName"], e["kind"], e["place"], _detail(e, label),
                      style=style)
    print_table(console, table)
    if data["readings"]:
        console.print("[bold]sensor readings[/]")
        for r in data["readings"]:
            line = f"  {r['time']}  {r['sensor']:<12} {r['value']:>8g} {r['unit']}"
            console.print(f"[bold red]{line}  BREACH[/]" if r["breach"] else line)
    if data["legs"]:
        console.print("[bold]carbon per leg[/]")
        for leg in data["legs"]:
            console.print(f"  {leg['mode']:<6} {leg['from']} -> {leg['to']}  {leg['distanceKm']:,} km × "
                          f"{leg['massKg']:,} kg × {leg['gramsPerTonneKm']} g/t·km = {leg['grams'] / 1000:,.1f} kg CO2e")
    console.print(f"[bold]carbon total:[/] {data['carbonTotalGrams'] / 1000:,.1f} kg CO2e"
                  + (" (batch: its own legs plus every shipment that carried it)" if "batch" in data else ""))
    for row in data.get("settlement", []):
        console.print(f"  {row['time']}  {row['actor']:<8} {row['action']}: {row['detail']}")


def _detail(e: dict, label) -> str:
    d = e.get("details", {})
    kind = e["kind"]
    if kind == "Document":
        return f"{d['docType']} {shown(d['docHash'])}"
    if kind == "Leg":
        return f"{d['mode']} {d['distanceKm']:,} km, {d['grams'] / 1000:,.1f} kg CO2e"
    if kind == "Handover":
        return f"custody {label(d['from'])} -> {label(d['to'])}"
    if kind == "Reading":
        return "BREACH of agreed limits" if d.get("breaches") else "within limits"
    if kind == "Correction":
        return f"corrects #{d['correctsSeq']} -> {d['kind']}"
    if kind == "Linked":
        from tradechain.vocabulary import item_label

        return f"with {item_label(d['other'])}"
    if kind == "Commissioned":
        return f"{len(d.get('certificates', []))} certificate(s)"
    return shown(e["evidenceHash"]) if int(e["evidenceHash"], 16) else "—"


@click.command("verify")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--item", default=None,
              help="Only look on this order (7) or batch (B3); by default every anchor the suite records is searched.")
@json_option
@click.pass_obj
def verify_cmd(ctx, file, item, as_json):
    """Say where FILE's keccak-256 is anchored (order terms, bill of lading, dispute evidence, provenance
    documents), by whom and when. Exit 1 if it is not anchored."""
    from pathlib import Path

    from eth_utils import keccak

    from tradechain.vocabulary import item_label, parse_item

    path = Path(file)
    if not path.is_file():
        raise UsageError(f"no file {file!r} to verify; give the path of the document")
    digest = keccak(path.read_bytes())
    if item is None:
        from tradechain.cli.reads import site_for
        from tradechain.index.queries import find_document

        hits = [{**m, "where": m["label"]} for m in find_document(site_for(ctx, create=True), "0x" + digest.hex())["matches"]]
    else:
        item_id = parse_item(item)
        hits = [{**h, "where": item_label(item_id)} for h in _provenance(ctx).find_document(item_id, digest)]
    if as_json:
        emit_json({"file": str(path), "hash": "0x" + digest.hex(), "item": item, "anchored": bool(hits), "matches": hits})
    elif hits:
        label = ctx.client(persistent=True).deployment.label
        for h in hits:
            click.echo(f"anchored: {path.name} ({shown('0x' + digest.hex(), 18)}) on {h['where']} as {h['as']}, "
                       f"by {label(h['by']) if h['by'] else '—'} at {h['time']} (block {h['block']})")
    else:
        where = item_label(parse_item(item)) if item else "any order, shipment or batch"
        click.echo(f"NOT anchored: {path.name} ({shown('0x' + digest.hex(), 18)}) is not recorded on {where}")
    if not hits:
        sys.exit(1)


@click.command("verify-log")
@click.argument("file", type=click.File("r"))
@click.option("--offline", is_flag=True, help="Check the copy against the head stated in it, without a node.")
@json_option
@click.pass_obj
def verify_log_cmd(ctx, file, offline, as_json):
    """Check a saved trace (`tradechain trace ITEM --json > FILE`): every entry's payload and hash link, and the
    last head against the item's on-chain head (or, with --offline, against the head the file states)."""
    from tradechain import hashchain
    from tradechain.cli.context import plain_addresses

    def not_a_trace(exc):
        return UsageError(f"{file.name} is not a saved trace ({type(exc).__name__}: {exc}); "
                          "make one with `tradechain trace ITEM --json > FILE`")

    try:
        data = plain_addresses(json.load(file))
        item, entries, stated = int(data["item"]), data["entries"], bytes.fromhex(data["head"][2:])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise not_a_trace(exc) from None
    head = stated if offline else _provenance(ctx).head(item)
    try:
        verdict = hashchain.verify(item, entries, head)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise not_a_trace(exc) from None
    if as_json:
        emit_json({**verdict.as_dict(), "against": "file" if offline else "chain"})
    else:
        where = "the head stated in the file" if offline else "the on-chain head"
        click.echo(f"verified: {verdict.entries} entries fold to {where}" if verdict.ok else f"TAMPERED: {verdict.problem}")
    if not verdict.ok:
        sys.exit(1)
