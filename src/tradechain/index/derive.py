"""Typed rows from decoded events: orders (state, parties, deadlines), document anchors, provenance entries,
invoice holders, financing events, sensor readings and breaches, product batches.

Pure functions of the logs: replaying an order's logs from the logs table gives the same row, which is how a
reorg's rollback restores the orders it touched (index.store.rollback).
"""

from __future__ import annotations

from sqlalchemy import bindparam, select

from tradechain.index.schema import anchors, batches, blocks, breaches, entries, financing, invoices, orders, readings
from tradechain.vocabulary import BATCH_BASE, DOC_TYPES, KINDS, SENSORS, unpack_readings

ZERO32 = "0x" + "00" * 32
# What each escrow event does to the stored state of its order (Delivered is derived on read, as on chain).
STATE_AFTER = {"AcceptanceRequested": "Offered", "OrderAccepted": "Funded", "OrderShipped": "Shipped", "OrderDisputed": "Disputed", "OrderReleased": "Released",
               "OrderResolved": "Resolved", "OrderRefunded": "Refunded", "OrderCancelled": "Cancelled"}
# Entry kinds whose evidenceHash is a payload (hash of the detail event), not a document.
PAYLOAD_KINDS = {"Commissioned", "Handover", "Reading", "Document", "Leg", "Linked", "Correction"}


FINANCING = ("InvoiceListed", "ListingWithdrawn", "InvoiceSold", "AdvanceOffered", "AdvanceOfferWithdrawn",
             "AdvanceAccepted")
NO_LOWER_LIMIT = -2**30  # LimitBreached's min below this: the shipment agreed no lower limit
# The events derive reads; everything else is kept raw only (pages decode it when they show it).
DERIVED = {"OrderPlaced", "AcceptanceRequested", "OrderAccepted", "OrderShipped", "OrderDisputed", "SettlementProposed", "OrderReleased", "OrderResolved",
           "OrderRefunded", "OrderCancelled", "Checkpoint", "DocumentAnchored", "CustodyTaken", "Corrected",
           "BatchRegistered", "Transfer", "Readings", "LimitBreached", *FINANCING}
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


class Decoder:
    """Decodes the DERIVED events of the suite from stored rows straight with eth_abi: web3's process_log costs
    milliseconds per log, most of a catch-up's time. Gives the same dicts as Transactions.decode_logs
    (tests/test_index.py checks it on every event of the demo)."""

    def __init__(self, client):
        from eth_utils import keccak

        from tradechain.errors import abi_type as _abi_type

        self.specs: dict[tuple[str, str], tuple] = {}
        self._checksums: dict[str, str] = {}
        for name in client.deployment.addresses:
            address = client.tx.address(name)
            for entry in client.tx.abi(name):
                if entry.get("type") != "event" or entry["name"] not in DERIVED:
                    continue
                if entry["name"] == "Transfer" and name != "InvoiceToken":  # payment tokens' transfers: raw only
                    continue
                types = [_abi_type(i) for i in entry["inputs"]]
                topic = "0x" + keccak(text=f"{entry['name']}({','.join(types)})").hex()
                indexed = [(i["name"], t) for i, t in zip(entry["inputs"], types) if i.get("indexed")]
                data = [(i["name"], t) for i, t in zip(entry["inputs"], types) if not i.get("indexed")]
                order = [i["name"] for i in entry["inputs"]]
                self.specs[(address.lower(), topic)] = (name, entry["name"], indexed, data, order)

    def decode(self, row: dict) -> dict | None:
        """A logs-table row (dict) as a decoded event, or None when derive has no use for it."""
        from eth_abi import decode
        from eth_utils import to_checksum_address

        spec = self.specs.get((row["address"], row["topic0"]))
        if spec is None:
            return None
        contract, name, indexed, data, order = spec
        args = {}
        topics = [row["topic1"], row["topic2"], row["topic3"]]
        for (arg, typ), topic in zip(indexed, topics):
            args[arg] = _topic_value(typ, topic)
        values = decode([t for _, t in data], bytes.fromhex(row["data"][2:])) if data else ()
        args.update({arg: v for (arg, _), v in zip(data, values)})
        for arg, typ in indexed + data:
            if typ == "address":  # eth_abi gives lower case; web3 and the rest of the package use checksums
                low = args[arg]
                if low not in self._checksums:  # a few parties stand in most events: checksum each once
                    self._checksums[low] = to_checksum_address(low)
                args[arg] = self._checksums[low]
        return {"contract": contract, "event": name, "args": {k: args[k] for k in order},
                "block": row["block_number"], "logIndex": row["log_index"], "tx_hash": row["tx_hash"]}


def _topic_value(typ: str, topic: str):
    """An indexed argument from its 32-byte topic (0x hex): the static types of the suite's events read directly,
    as eth_abi would decode them; anything else through eth_abi."""
    if typ.startswith("uint"):
        return int(topic, 16)
    if typ == "address":
        return "0x" + topic[-40:]
    if typ == "bytes32":
        return bytes.fromhex(topic[2:])
    from eth_abi import decode

    return decode([typ], bytes.fromhex(topic[2:]))[0]


def _h(value) -> str:
    return "0x" + bytes(value).hex()


def order_ids(event: dict) -> int | None:
    """The order an event changes in the orders table, if any."""
    a = event["args"]
    if event["contract"] == "TradeEscrow" and "orderId" in a:
        return int(a["orderId"])
    if event["contract"] == "Provenance" and event["event"] == "Checkpoint" and \
            KINDS[a["kind"]] == "Delivered" and a["shipmentId"] < BATCH_BASE:
        return int(a["shipmentId"])
    return None


def order_change(event: dict, timestamp: int) -> tuple[int, dict] | None:
    """(order id, column values) one decoded event sets in the orders table; OrderPlaced sets a whole row."""
    a, name, block = event["args"], event["event"], event["block"]
    if name == "OrderPlaced":
        return a["orderId"], {
            "id": a["orderId"], "buyer": a["buyer"], "seller": a["seller"], "token": a["token"],
            "amount": str(a["amount"]), "fee_bps": a["feeBps"], "ship_by": a["shipBy"], "deliver_by": a["deliverBy"],
            "inspection_window": a["inspectionWindow"], "state": "Funded", "carrier": None, "delivered_at": 0, "accept_by": 0,
            "placed_block": block, "updated_block": block}
    oid = order_ids(event)
    if oid is None:
        return None
    values: dict = {"updated_block": block}
    if name in STATE_AFTER:
        values["state"] = STATE_AFTER[name]
    if name == "AcceptanceRequested":
        values["accept_by"] = a["acceptBy"]
    elif name == "OrderShipped":
        values["carrier"] = a["carrier"]
    elif name == "Checkpoint":
        values["delivered_at"] = timestamp
    return oid, values


def apply_orders(conn, events: list[dict], times: dict[int, int]) -> None:
    """Fold the events of a range (in chain order) into new rows and per-order updates, then write them in
    bulk: one INSERT for the new orders and one UPDATE per set of changed columns."""
    new: dict[int, dict] = {}
    changed: dict[int, dict] = {}
    for event in events:
        change = order_change(event, times[event["block"]])
        if change is None:
            continue
        oid, values = change
        if event["event"] == "OrderPlaced":
            new[oid] = values
        else:
            (new[oid] if oid in new else changed.setdefault(oid, {})).update(values)
    if new:
        conn.execute(orders.insert(), list(new.values()))
    by_columns: dict[tuple, list[dict]] = {}
    for oid, values in changed.items():
        by_columns.setdefault(tuple(sorted(values)), []).append({"oid": oid, **values})
    for columns, rows in by_columns.items():
        stmt = orders.update().where(orders.c.id == bindparam("oid")).values({c: bindparam(c) for c in columns})
        conn.execute(stmt, rows)


def anchor_rows(event: dict, block_hash: str, entry_actor: dict[str, str]) -> list[dict]:
    """Every document hash this event anchors, with where (item), as what (role) and by whom."""
    a, name = event["args"], event["event"]
    found: list[tuple[str, str, str, str | None]] = []  # (hash, item, role, actor)
    if name == "OrderPlaced":
        found.append((_h(a["termsHash"]), str(a["orderId"]), "order terms", a["buyer"]))
    elif name == "OrderShipped":
        found.append((_h(a["billOfLadingHash"]), str(a["orderId"]), "bill of lading (at shipping)", None))
    elif name == "OrderDisputed":
        found.append((_h(a["evidenceHash"]), str(a["orderId"]), "dispute evidence", a["by"]))
    elif name == "OrderResolved":
        found.append((_h(a["evidenceHash"]), str(a["orderId"]), "ruling evidence", a["by"]))
    elif name == "Checkpoint" and KINDS[a["kind"]] not in PAYLOAD_KINDS:
        found.append((_h(a["evidenceHash"]), str(a["shipmentId"]),
                      f"evidence of {KINDS[a['kind']]} (entry #{a['seq']})", a["actor"]))
    elif name == "DocumentAnchored":
        found.append((_h(a["docHash"]), str(a["itemId"]), f"{DOC_TYPES[a['docType']]} (entry #{a['seq']})",
                      entry_actor.get(event["tx_hash"])))
    elif name == "CustodyTaken":
        found.append((_h(a["evidenceHash"]), str(a["itemId"]), f"handover evidence (entry #{a['seq']})", a["to"]))
    elif name == "Corrected":
        found.append((_h(a["evidenceHash"]), str(a["itemId"]), f"correction evidence (entry #{a['seq']})",
                      entry_actor.get(event["tx_hash"])))
    elif name == "BatchRegistered":
        found += [(_h(c), str(a["batchId"]), "batch certificate", a["producer"]) for c in a["certificates"]]
    return [{"block_hash": block_hash, "log_index": event["logIndex"], "position": i, "doc_hash": h, "item": item,
             "role": role, "actor": actor, "block_number": event["block"], "tx_hash": event["tx_hash"]}
            for i, (h, item, role, actor) in enumerate(found) if h != ZERO32]


def entry_row(event: dict) -> dict | None:
    """A provenance entry (one per Checkpoint event): the hash-chain link of an item."""
    if event["event"] != "Checkpoint":
        return None
    a = event["args"]
    return {"item": str(a["shipmentId"]), "seq": a["seq"], "kind": KINDS[a["kind"]], "actor": a["actor"],
            "location": _h(a["location"]), "evidence_hash": _h(a["evidenceHash"]), "head": _h(a["head"]),
            "block_number": event["block"], "tx_hash": event["tx_hash"]}


def apply_invoices(conn, events: list[dict]) -> None:
    """Mints add an invoice, transfers move it: folded per range like the orders."""
    new: dict[int, dict] = {}
    moved: dict[int, dict] = {}
    for e in events:
        if e["event"] != "Transfer":
            continue
        a, block = e["args"], e["block"]
        tid = a["tokenId"]
        if a["from"] == ZERO_ADDRESS:
            new[tid] = {"id": tid, "holder": a["to"], "minted_block": block, "updated_block": block}
        else:
            (new[tid] if tid in new else moved.setdefault(tid, {})).update(holder=a["to"], updated_block=block)
    if new:
        conn.execute(invoices.insert(), list(new.values()))
    if moved:
        stmt = invoices.update().where(invoices.c.id == bindparam("tid")).values(
            holder=bindparam("holder"), updated_block=bindparam("updated_block"))
        conn.execute(stmt, [{"tid": tid, **v} for tid, v in moved.items()])


def financing_row(event: dict, block_hash: str) -> dict | None:
    """A listing, sale or advance event of an invoice as a typed row."""
    name, a = event["event"], event["args"]
    if name not in FINANCING:
        return None
    holder = a.get("holder") or a.get("from")
    financier = a.get("financier") or a.get("to")
    amount = a.get("price", a.get("principal"))
    bps = a.get("discountBps", a.get("feeBps"))
    return {"block_hash": block_hash, "log_index": event["logIndex"], "invoice_id": a["tokenId"], "event": name,
            "holder": holder, "financier": financier, "amount": None if amount is None else str(amount),
            "bps": bps, "fee": str(a["fee"]) if "fee" in a else None, "expires_at": a.get("expiresAt"),
            "block_number": event["block"], "tx_hash": event["tx_hash"]}


def reading_rows(events: list[tuple[dict, str]]) -> tuple[list[dict], list[dict]]:
    """(readings, breaches) of a range: every 9-byte record of each Readings event, marked when a LimitBreached
    of the same entry names it (same sensor, time and value: how the trace marks it), and the breaches."""
    found, broke = [], []
    for e, block_hash in events:
        a = e["args"]
        where = {"block_hash": block_hash, "log_index": e["logIndex"], "block_number": e["block"],
                 "tx_hash": e["tx_hash"], "item": str(a.get("shipmentId")), "seq": a.get("seq")}
        if e["event"] == "LimitBreached":
            broke.append({**where, "sensor": SENSORS[a["sensor"]], "at": a["at"], "value": a["value"],
                          "min": None if a["min"] < NO_LOWER_LIMIT else a["min"], "max": a["max"]})
        elif e["event"] == "Readings":
            for i, r in enumerate(unpack_readings(bytes(a["packed"]))):
                found.append({**where, "position": i, "sensor": r["sensor"], "at": r["at"],
                              "value": round(r["value"] * 100), "breach": False})
    marks = {(b["item"], b["seq"], b["sensor"], b["at"], b["value"]) for b in broke}
    for r in found:
        r["breach"] = (r["item"], r["seq"], r["sensor"], r["at"], r["value"]) in marks
    return found, broke


def batch_row(event: dict, timestamp: int) -> dict | None:
    """A product batch as registered: producer, SKU, origin, quantity, certificates."""
    if event["event"] != "BatchRegistered":
        return None
    a = event["args"]
    return {"id": str(a["batchId"]), "producer": a["producer"], "sku": _h(a["sku"]), "origin": _h(a["origin"]),
            "quantity": a["quantity"], "certificates": ",".join(_h(c) for c in a["certificates"]),
            "registered_at": timestamp, "block_number": event["block"], "tx_hash": event["tx_hash"]}


def block_time(conn, number: int) -> int:
    return conn.execute(select(blocks.c.timestamp).where(blocks.c.number == number)).scalar_one()


def apply(conn, decoded: list[tuple[dict, str]], times: dict[int, int]) -> None:
    """Derive typed rows for decoded events [(event, block hash)] of one range, in chain order."""
    entry_actor = {e["tx_hash"]: e["args"]["actor"] for e, _ in decoded if e["event"] == "Checkpoint"}
    events = [e for e, _ in decoded]
    apply_orders(conn, events, times)
    apply_invoices(conn, events)
    links = [r for e in events if (r := entry_row(e)) is not None]
    if links:
        conn.execute(entries.insert(), links)
    rows = []
    for event, block_hash in decoded:
        rows += anchor_rows(event, block_hash, entry_actor)
    found, broke = reading_rows(decoded)
    typed = {anchors: rows, readings: found, breaches: broke,
             financing: [r for e, h in decoded if (r := financing_row(e, h)) is not None],
             batches: [r for e in events if (r := batch_row(e, times[e["block"]])) is not None]}
    for table, new in typed.items():
        if new:
            conn.execute(table.insert(), new)
