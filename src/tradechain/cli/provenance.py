"""`tradechain provenance …`: write to the provenance log — batches, custody, checkpoints, sensor readings,
documents, transport legs, corrections, and EIP-712 checkpoints signed by one party and relayed by another."""

from __future__ import annotations

import json

import click

from tradechain.cli.context import account_option, evidence_option, json_option, location_option, sent
from tradechain.cli.paramtypes import ACCOUNT, DURATION, HASH_OR_FILE, ORDER_ID
from tradechain.errors import UsageError


@click.group("provenance")
def provenance():
    """Record where goods come from and how they travel (needs --rpc: a devnet or any JSON-RPC node)."""


def _p(ctx):
    return ctx.client(persistent=True).provenance


def _item(p, text: str) -> int:
    """Parse an item and check it exists, so a bad id is one clear line before any transaction."""
    from tradechain.vocabulary import parse_item

    item = parse_item(text)
    p.exists(item)
    return item


@provenance.command("register")
@click.option("--sku", required=True, help="GTIN or your own product code (up to 32 characters).")
@click.option("--origin", required=True, metavar="CC", help="ISO 3166 country of origin, e.g. CN.")
@click.option("--quantity", required=True, type=click.IntRange(min=1), help="Units in the batch.")
@click.option("--certificate", "certificates", multiple=True, type=HASH_OR_FILE,
              help="Certificate to anchor (repeat for several).")
@location_option
@account_option("seller")
@json_option
@click.pass_obj
def register(ctx, sku, origin, quantity, certificates, location, sender, as_json):
    """Register a product batch (PRODUCER role); prints its id, e.g. B1."""
    from tradechain.vocabulary import BATCH_BASE

    p = _p(ctx)
    batch, r = p.register_batch(sku, origin, quantity, list(certificates), location, sender=sender)
    sent(r, f"batch B{batch - BATCH_BASE} registered: {quantity:,} × {sku} from {origin.upper()}", as_json,
          batch=f"B{batch - BATCH_BASE}", itemId=str(batch))


@provenance.command("step")
@click.argument("batch")
@click.argument("kind")
@location_option
@evidence_option
@account_option("seller")
@json_option
@click.pass_obj
def step(ctx, batch, kind, location, evidence, sender, as_json):
    """Record a batch step KIND (Packed, Inspected) by its producer or custodian."""
    p = _p(ctx)
    item = _item(p, batch)
    r = p.record_batch(item, kind, location, evidence, sender=sender)
    sent(r, f"{batch}: {kind} recorded", as_json)


@provenance.command("link")
@click.argument("batch")
@click.argument("order_id")
@account_option("seller")
@json_option
@click.pass_obj
def link(ctx, batch, order_id, sender, as_json):
    """Say that BATCH travels in the shipment of ORDER_ID: linked once the shipment's carrier or custodian accepts
    (`provenance accept-link`), at once if you are that carrier or custodian yourself."""
    p = _p(ctx)
    b, s = _item(p, batch), _item(p, order_id)
    r = p.link_batch(b, s, sender=sender)
    if any(e["event"] == "BatchLinked" for e in r.events):
        sent(r, f"{batch} linked to order #{s}", as_json, linked=True)
    else:
        sent(r, f"{batch}: link to order #{s} requested; its carrier accepts with `provenance accept-link`", as_json,
             linked=False)


@provenance.command("accept-link")
@click.argument("batch")
@click.argument("order_id")
@account_option("carrier")
@json_option
@click.pass_obj
def accept_link(ctx, batch, order_id, sender, as_json):
    """The shipment's carrier or custodian accepts BATCH's request to travel in the shipment of ORDER_ID."""
    p = _p(ctx)
    b, s = _item(p, batch), _item(p, order_id)
    sent(p.accept_link(b, s, sender=sender), f"{batch} linked to order #{s}", as_json, linked=True)


@provenance.command("handover")
@click.argument("item")
@click.option("--to", "to", required=True, type=ACCOUNT, help="Who takes custody next.")
@account_option("seller")
@json_option
@click.pass_obj
def handover(ctx, item, to, sender, as_json):
    """The custodian of ITEM offers custody to --to, who then runs `provenance take ITEM`."""
    p = _p(ctx)
    i = _item(p, item)
    sent(p.offer_custody(i, to, sender=sender), f"{item}: custody offered to {p.client.deployment.label(to)}", as_json)


@provenance.command("take")
@click.argument("item")
@location_option
@evidence_option
@account_option("carrier")
@json_option
@click.pass_obj
def take(ctx, item, location, evidence, sender, as_json):
    """Take custody of ITEM when it was offered to you: the handover entry is signed by you."""
    p = _p(ctx)
    i = _item(p, item)
    r = p.take_custody(i, location, evidence, sender=sender)
    sent(r, f"{item}: custody taken by {p.client.deployment.label(sender)}", as_json)


@provenance.command("limits")
@click.argument("order_id", type=ORDER_ID)
@click.option("--temp", required=True, metavar="MIN..MAX", help="Temperature range in °C, e.g. 2..8.")
@click.option("--humidity-max", default=100.0, show_default=True, type=float, help="%RH.")
@click.option("--shock-max", default=10.0, show_default=True, type=float, help="g.")
@account_option("buyer")
@json_option
@click.pass_obj
def limits(ctx, order_id, temp, humidity_max, shock_max, sender, as_json):
    """The buyer sets the sensor limits of an unshipped order (the seller accepts them by shipping)."""
    try:
        low, high = (float(x) for x in temp.split(".."))
    except ValueError:
        raise UsageError(f"--temp {temp!r}: give a range in °C like 2..8 or -20..-15") from None
    p = _p(ctx)
    oid = order_id
    p.client.escrow.existing(oid)
    r = p.client.escrow.set_sensor_limits(oid, (low, high), humidity_max, shock_max, sender=sender)
    sent(r, f"order #{oid}: limits {low:g}..{high:g} °C, ≤ {humidity_max:g} %RH, ≤ {shock_max:g} g", as_json)


@provenance.command("reading")
@click.argument("order_id")
@click.option("--value", "values", multiple=True, required=True, metavar="SENSOR=VALUE[@UNIXTIME]",
              help="e.g. temperature=9.5 or shock=2.1@1767225600 (repeat; time defaults to chain time).")
@account_option("carrier")
@json_option
@click.pass_obj
def reading(ctx, order_id, values, sender, as_json):
    """Record sensor readings on a shipment; values outside the agreed limits are flagged as a breach."""
    p = _p(ctx)
    i = _item(p, order_id)
    now = p.chain.now()
    readings = []
    for v in values:
        try:
            sensor, rest = v.split("=", 1)
            value, _, at = rest.partition("@")
            readings.append((sensor, int(at) if at else now, float(value)))
        except ValueError:
            raise UsageError(f"--value {v!r}: write SENSOR=VALUE or SENSOR=VALUE@UNIXTIME, e.g. temperature=9.5") from None
    r = p.record_readings(i, readings, sender=sender)
    breaches = r.event("Readings")["breaches"]
    from tradechain.timeline import breach_names

    text = f"BREACH of agreed limits: {', '.join(breach_names(breaches))}" if breaches else "within limits"
    sent(r, f"order #{i}: {len(readings)} reading(s) recorded, {text}", as_json, breaches=breach_names(breaches))


@provenance.command("document")
@click.argument("item")
@click.argument("doc_type")
@click.argument("file", type=HASH_OR_FILE)
@account_option("carrier")
@json_option
@click.pass_obj
def document(ctx, item, doc_type, file, sender, as_json):
    """Anchor a document of DOC_TYPE (BillOfLading, CertificateOfOrigin, CustomsDeclaration, ProofOfDelivery,
    CommercialInvoice, PackingList, QualityCertificate, InspectionReport, Other) on ITEM by its hash."""
    p = _p(ctx)
    i = _item(p, item)
    digest = file
    r = p.anchor_document(i, doc_type, digest, sender=sender)
    sent(r, f"{item}: {doc_type} 0x{digest.hex()} anchored", as_json, hash="0x" + digest.hex())


@provenance.command("leg")
@click.argument("item")
@click.option("--mode", required=True, help="Road, Rail, Sea, Air or InlandWater.")
@click.option("--from", "origin", required=True, metavar="LOCODE")
@click.option("--to", "destination", required=True, metavar="LOCODE")
@click.option("--km", required=True, type=click.IntRange(min=1), help="Distance in km.")
@click.option("--kg", required=True, type=click.IntRange(min=1), help="Cargo mass in kg.")
@click.option("--factor", required=True, type=click.IntRange(min=1), help="Emission factor, g CO2e per tonne-km.")
@account_option("carrier")
@json_option
@click.pass_obj
def leg(ctx, item, mode, origin, destination, km, kg, factor, sender, as_json):
    """Record a transport leg and its carbon footprint on ITEM."""
    p = _p(ctx)
    i = _item(p, item)
    r = p.record_leg(i, mode, origin, destination, km, kg, factor, sender=sender)
    grams = r.event("LegRecorded")["grams"]
    sent(r, f"{item}: {mode} leg {origin.upper()} -> {destination.upper()}, {grams / 1000:,.1f} kg CO2e", as_json,
          grams=grams)


@provenance.command("correct")
@click.argument("item")
@click.argument("seq", type=click.IntRange(min=0))
@click.option("--kind", default=None, help="The corrected checkpoint kind; omit to mark the entry wrong.")
@location_option
@evidence_option
@account_option("carrier")
@json_option
@click.pass_obj
def correct(ctx, item, seq, kind, location, evidence, sender, as_json):
    """Correct entry SEQ of ITEM with a new entry that references it (nothing is ever edited)."""
    p = _p(ctx)
    i = _item(p, item)
    r = p.correct(i, seq, kind, location, evidence, sender=sender)
    sent(r, f"{item}: entry #{seq} corrected", as_json)


@provenance.command("sign")
@click.argument("order_id")
@click.argument("kind")
@location_option
@evidence_option
@click.option("--valid-for", default="1h", show_default=True, type=DURATION, help="How long a relayer may send it.")
@click.option("--out", type=click.File("w"), default="-", help="Where to write the signed checkpoint (JSON).")
@account_option("carrier")
@click.pass_obj
def sign(ctx, order_id, kind, location, evidence, valid_for, out, sender):
    """Sign a checkpoint off-chain (EIP-712) for anyone to relay: no gas needed by the signer."""
    p = _p(ctx)
    i = _item(p, order_id)
    signed = p.sign_checkpoint(i, kind, location, evidence, signer=sender, valid_for=valid_for)
    out.write(json.dumps(signed, indent=2) + "\n")
    where = "stdout" if out.name in ("-", "<stdout>") else out.name
    relay = "pipe it to `tradechain provenance relay -`" if where == "stdout" else f"`tradechain provenance relay {where}`"
    from tradechain.timeline import iso

    click.echo(f"signed {kind} for {order_id} by {p.client.deployment.label(sender)}, valid until "
               f"{iso(signed['message']['deadline'])}: written to {where}; anyone may relay it: {relay}", err=True)


@provenance.command("relay")
@click.argument("file", type=click.File("r"))
@account_option("keeper")
@json_option
@click.pass_obj
def relay(ctx, file, sender, as_json):
    """Send a signed checkpoint (from `provenance sign`) on its signer's behalf; the relayer pays the gas."""
    try:
        signed = json.load(file)
    except ValueError as exc:
        raise UsageError(f"{file.name} is not JSON ({exc}); make it with `tradechain provenance sign`") from None
    p = _p(ctx)
    r = p.relay_checkpoint(signed, sender=sender)
    e = r.event("Checkpoint")
    sent(r, f"relayed: order #{e['shipmentId']} entry #{e['seq']} by {p.client.deployment.label(signed.get('signer', ''))}", as_json)
