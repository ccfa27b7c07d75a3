"""Typed rows from decoded events: orders (state, parties, deadlines) and document anchors.

Pure functions of the logs: replaying an order's logs from the logs table gives the same row, which is how a
reorg's rollback restores the orders it touched (index.store.rollback).
"""

from __future__ import annotations

from sqlalchemy import select

from tradechain.index.schema import anchors, blocks, orders
from tradechain.vocabulary import BATCH_BASE, DOC_TYPES, KINDS

ZERO32 = "0x" + "00" * 32
# What each escrow event does to the stored state of its order (Delivered is derived on read, as on chain).
STATE_AFTER = {"OrderShipped": "Shipped", "OrderDisputed": "Disputed", "OrderReleased": "Released",
               "OrderResolved": "Resolved", "OrderRefunded": "Refunded", "OrderCancelled": "Cancelled"}
# Entry kinds whose evidenceHash is a payload (hash of the detail event), not a document.
PAYLOAD_KINDS = {"Commissioned", "Handover", "Reading", "Document", "Leg", "Linked", "Correction"}


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


def apply_order(conn, event: dict, timestamp: int) -> None:
    """Update the orders table for one decoded event (in chain order)."""
    a, name, block = event["args"], event["event"], event["block"]
    if name == "OrderPlaced":
        conn.execute(orders.insert().values(
            id=a["orderId"], buyer=a["buyer"], seller=a["seller"], token=a["token"], amount=str(a["amount"]),
            fee_bps=a["feeBps"], ship_by=a["shipBy"], deliver_by=a["deliverBy"],
            inspection_window=a["inspectionWindow"], state="Funded", carrier=None, delivered_at=0,
            placed_block=block, updated_block=block))
        return
    oid = order_ids(event)
    if oid is None:
        return
    values: dict = {"updated_block": block}
    if name in STATE_AFTER:
        values["state"] = STATE_AFTER[name]
    if name == "OrderShipped":
        values["carrier"] = a["carrier"]
    elif name == "Checkpoint":
        values["delivered_at"] = timestamp
    conn.execute(orders.update().where(orders.c.id == oid).values(**values))


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


def block_time(conn, number: int) -> int:
    return conn.execute(select(blocks.c.timestamp).where(blocks.c.number == number)).scalar_one()


def apply(conn, decoded: list[tuple[dict, str]], times: dict[int, int]) -> None:
    """Derive typed rows for decoded events [(event, block hash)] of one range, in chain order."""
    entry_actor = {e["tx_hash"]: e["args"]["actor"] for e, _ in decoded if e["event"] == "Checkpoint"}
    rows = []
    for event, block_hash in decoded:
        apply_order(conn, event, times[event["block"]])
        rows += anchor_rows(event, block_hash, entry_actor)
    if rows:
        conn.execute(anchors.insert(), rows)
