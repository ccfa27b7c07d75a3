"""Evidence bundles for a dispute or a court: one zip per order that anyone can check against any node.

bundle.zip holds:
  manifest.json    chain id, contract addresses, order id, export block and time, sha-256 of every other file
  order.json       the order as `order show --json` prints it (timeline rows with tx hashes and blocks)
  events.json      every event of the order as raw logs (address, topics, data, block number and hash, tx, index)
  documents.json   every document hash anchored on the order, its shipment and linked batches, with context
  provenance.json  the shipment's log (`trace --json`): entries with their hash-chain links and the on-chain head
  README.txt       what is in it and the command that verifies it

`verify_offline` checks the files' digests and folds each provenance log to its stated head; `verify_online`
also checks that every event is on the chain in the stated transaction and block, and that each log's head is
the contract's head (or an earlier head of it, when entries were added after the export).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

from tradechain import hashchain
from tradechain.codec import as_bytes, as_int, checksum
from tradechain.errors import UsageError
from tradechain.index import queries
from tradechain.timeline import cut
from tradechain.vocabulary import BATCH_BASE, item_label

README = """Evidence bundle for order #{oid} on chain {chain_id}, exported at block {block} ({time}).

Check it:
  offline (the files and the hash chains, no node):  tradechain evidence verify {name} --offline
  against any node of chain {chain_id}:               tradechain evidence verify {name} --rpc URL

The provenance log in provenance.json folds, entry by entry, with
  head_n = keccak256(abi.encode(head_n-1, itemId, seq, kind, actor, location, payload, timestamp))
to the head the Provenance contract ({provenance}) holds for the item (headOf(itemId)).
Every event in events.json is a log of transaction `tx` in block `blockNumber` / `blockHash`.
"""


def _raw(log: Any) -> dict:
    """A log, web3-formatted or as JSON-RPC gives it, in the bundle's shape."""
    return {"address": checksum(log["address"]), "topics": ["0x" + as_bytes(t).hex() for t in log["topics"]],
            "data": "0x" + as_bytes(log["data"]).hex(), "blockNumber": as_int(log["blockNumber"]),
            "blockHash": "0x" + as_bytes(log["blockHash"]).hex(), "tx": "0x" + as_bytes(log["transactionHash"]).hex(),
            "logIndex": as_int(log["logIndex"])}


def build(site: queries.Site, oid: int) -> bytes:
    """The zip for order `oid` (raises NotFound for an unknown order)."""
    c = site.client
    order = queries.order_view(site, oid)
    topic = "0x" + oid.to_bytes(32, "big").hex()
    # from the deployment's block in bounded ranges, through the index where one is attached (no web3)
    logs = c.tx.raw_logs(["TradeEscrow", "Provenance"], [None, topic])
    logs += c.tx.raw_logs("InvoiceToken", [None, topic])
    logs += c.tx.raw_logs("InvoiceToken", [None, None, None, topic])
    events = {}
    for log in logs:  # raw log + its decoded name, once per (block, log index)
        raw = _raw(log)
        decoded = c.tx.decode_logs([log])
        if decoded:
            raw["event"] = f"{decoded[0]['contract']}.{decoded[0]['event']}"
        events[(raw["blockNumber"], raw["logIndex"])] = raw
    events = [events[k] for k in sorted(events)]
    traces = []
    if order["carrier"] or any(r["event"] == "OrderShipped" for r in order["timeline"]):
        trace = queries.trace_view(site, oid)
        traces.append({k: v for k, v in trace.items() if k != "linked"})
        traces += [t for t in trace.get("linked", []) if isinstance(t, dict)]
    documents = [match for item in [str(oid)] + [t["item"] for t in traces if t["item"] != str(oid)]
                 for match in _anchors(site, item)]
    status = queries.status(site)
    files = {
        "order.json": order, "events.json": events, "documents.json": documents,
        "provenance.json": traces,
    }
    blobs = {name: json.dumps(queries.plain(data), indent=2, sort_keys=True).encode() for name, data in files.items()}
    manifest = {
        "format": "tradechain-evidence/1", "order": oid, "chainId": c.chain.chain_id,
        "contracts": dict(c.deployment.addresses), "exportedAtBlock": status["latestBlock"],
        "exportedAt": status["chainTime"], "sha256": {n: hashlib.sha256(b).hexdigest() for n, b in blobs.items()},
    }
    blobs["manifest.json"] = json.dumps(manifest, indent=2, sort_keys=True).encode()
    from tradechain.timeline import iso

    blobs["README.txt"] = README.format(oid=oid, chain_id=c.chain.chain_id, block=status["latestBlock"],
                                        time=iso(status["chainTime"]), name=f"order-{oid}-evidence.zip",
                                        provenance=c.provenance.address).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("README.txt", "manifest.json", *files):
            z.writestr(name, blobs[name])
    return out.getvalue()


def _anchors(site: queries.Site, item: str) -> list[dict]:
    """Documents anchored on one item, from the index when there is one, else from the item's events."""
    if site.engine is not None:
        from sqlalchemy import select

        from tradechain.index.schema import anchors

        with site.engine.connect() as conn:
            rows = conn.execute(select(anchors).where(anchors.c.item == item)
                                .order_by(anchors.c.block_number, anchors.c.log_index, anchors.c.position)).all()
        return [{"hash": r.doc_hash, "item": item, "label": item_label(int(item)), "as": r.role,
                 "by": site.label(r.actor) if r.actor else "—", "block": r.block_number, "tx": r.tx_hash}
                for r in rows]
    from tradechain.index.derive import anchor_rows

    events = site.client.provenance.events(int(item))
    if int(item) < BATCH_BASE:
        events = site.client.timeline(int(item))
    actors = {e["tx_hash"]: e["args"]["actor"] for e in events if e["event"] == "Checkpoint"}
    return [{"hash": r["doc_hash"], "item": item, "label": item_label(int(item)), "as": r["role"],
             "by": site.label(r["actor"]) if r["actor"] else "—", "block": r["block_number"], "tx": r["tx_hash"]}
            for e in events for r in anchor_rows(e, "", actors) if r["item"] == item]


# ------------------------------------------------------------------------------------------------ verifying
def read(path: str) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(path) as z:
            raw = {n: z.read(n) for n in z.namelist()}
        manifest = json.loads(raw["manifest.json"])
        return {"raw": raw, "manifest": manifest,
                **{n[:-5]: json.loads(raw[n]) for n in ("order.json", "events.json", "documents.json",
                                                        "provenance.json")}}
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise UsageError(f"{path} is not an evidence bundle ({type(exc).__name__}: {exc}); make one with "
                         "`tradechain evidence ORDER --out bundle.zip`") from None


def verify_offline(bundle: dict) -> list[tuple[bool, str]]:
    """(ok, what) checks that need no node: file digests and each provenance log against its stated head."""
    checks = []
    for name, digest in bundle["manifest"]["sha256"].items():
        ok = hashlib.sha256(bundle["raw"].get(name, b"")).hexdigest() == digest
        checks.append((ok, f"{name} {'matches' if ok else 'DOES NOT match'} its digest in manifest.json"))
    for trace in bundle["provenance"]:
        v = hashchain.verify(int(trace["item"]), trace["entries"], bytes.fromhex(trace["head"][2:]))
        checks.append((v.ok, f"{trace['label']}: {v.entries} entries fold to the stated head" if v.ok
                       else f"{trace['label']}: {v.problem}"))
    return checks


def verify_online(bundle: dict, client) -> list[tuple[bool, str]]:
    """Checks against a node: chain id, every event in its transaction and block, each log's head on chain."""
    m = bundle["manifest"]
    checks = [(client.chain.chain_id == m["chainId"],
               f"node is on chain {client.chain.chain_id}, the bundle on chain {m['chainId']}")]
    if not checks[0][0]:
        return checks
    w3 = client.chain.w3
    missing = []
    for e in bundle["events"]:
        try:
            receipt = w3.eth.get_transaction_receipt(e["tx"])
        except Exception:
            missing.append(f"tx {e['tx']} is not on this chain")
            continue
        if "0x" + bytes(receipt["blockHash"]).hex() != e["blockHash"]:
            missing.append(f"tx {cut(e['tx'])} is in another block than stated (a reorg since the export)")
            continue
        found = next((_raw(log) for log in receipt["logs"] if log["logIndex"] == e["logIndex"]), None)
        if found is None or {k: found[k] for k in ("address", "topics", "data")} != \
                {k: e[k] for k in ("address", "topics", "data")}:
            missing.append(f"event {e.get('event', '?')} at log {e['logIndex']} of tx {cut(e['tx'])} differs on chain")
    checks.append((not missing, f"{len(bundle['events'])} events found on chain as stated" if not missing
                   else "; ".join(missing[:3])))
    prov = client.provenance
    for trace in bundle["provenance"]:
        item = int(trace["item"])
        head = "0x" + prov.head(item).hex()
        if head == trace["head"]:
            checks.append((True, f"{trace['label']}: the stated head is the contract's head now"))
            continue
        last = trace["entries"][-1] if trace["entries"] else None
        earlier = False
        if last is not None:
            receipt = w3.eth.get_transaction_receipt(last["tx"])
            earlier = any(ev["event"] == "Checkpoint" and "0x" + bytes(ev["args"]["head"]).hex() == trace["head"]
                          for ev in client.tx.decode_logs(receipt["logs"]))
        checks.append((earlier, f"{trace['label']}: the stated head was the contract's head at entry "
                                f"#{last['seq']}; entries were added since" if earlier else
                       f"{trace['label']}: the stated head {cut(trace['head'], 18)} was never the contract's head"))
    return checks
