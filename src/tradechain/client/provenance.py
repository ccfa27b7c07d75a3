"""`client.provenance`: Provenance — typed writes to the log (batches, custody, readings, documents, legs, corrections, signed
checkpoints) and the trace of an item read back from its events and checked against its on-chain head.

Amounts of carbon are grams CO2e; sensor values are °C, %RH and g on this side, hundredths on chain.
"""

from __future__ import annotations

import secrets
from typing import Any

from tradechain import hashchain, timeline
from tradechain.codec import checksum
from tradechain.client.facade import Facade
from tradechain.errors import UsageError
from tradechain.transactions import Receipt, word
from tradechain.vocabulary import (
    BATCH_KINDS, DOC_TYPES, KINDS, MODES, SENSORS, SHIPMENT_KINDS, ZERO32, doc_type_index, is_batch, item_label,
    kind_index, location_code, mode_index, pack_readings, unpack_readings,
)

NAME = "Provenance"

# The detail event that tells each entry kind, and the fields it keeps.
DETAIL_EVENT = {"Commissioned": "BatchRegistered", "Handover": "CustodyTaken", "Reading": "Readings",
                "Document": "DocumentAnchored", "Leg": "LegRecorded", "Correction": "Corrected",
                "CarrierChanged": "CarrierReplaced"}
SIGNED_TYPES = {
    "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                     {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
    "Checkpoint": [{"name": "shipmentId", "type": "uint256"}, {"name": "kind", "type": "uint8"},
                   {"name": "location", "type": "bytes8"}, {"name": "evidenceHash", "type": "bytes32"},
                   {"name": "at", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
                   {"name": "deadline", "type": "uint256"}],
}


def _hex(value) -> str:
    return "0x" + bytes(value).hex()


def _address_or_none(address: str) -> str | None:
    return None if int(address, 16) == 0 else address


class Provenance(Facade):
    """The provenance log. `client` is the TradeClient it belongs to: a trace also reads the order, its
    token and its settlement."""

    contract = NAME

    def __init__(self, client):
        super().__init__(client.tx)
        self.client = client
        self.chain = client.chain

    # ------------------------------------------------------------------ carrier, customs
    def checkpoint(self, order_id: int, kind: str, location: str = "", evidence_hash: bytes = ZERO32, *,
                   sender: str) -> Receipt:
        index = kind_index(kind, SHIPMENT_KINDS)
        return self._send("record", [order_id, index, location_code(location), evidence_hash], sender)

    def deliver(self, order_id: int, location: str = "", evidence_hash: bytes = ZERO32, *, sender: str) -> Receipt:
        """The carrier confirms delivery: starts the buyer's inspection window."""
        return self.checkpoint(order_id, "Delivered", location, evidence_hash, sender=sender)

    def replace_carrier(self, order_id: int, carrier: str, *, sender: str) -> Receipt:
        """The Provenance admin confirms the carrier the seller nominated (client.escrow.nominate_carrier)."""
        return self._send("replaceCarrier", [order_id, carrier], sender)

    # ------------------------------------------------------------------ writes
    def register_batch(self, sku: str, origin: str, quantity: int, certificates: list[bytes] = (),
                       location: str = "", *, sender: str) -> tuple[int, Receipt]:
        raw_sku = sku.encode("ascii", "replace")
        if not raw_sku or len(raw_sku) > 32:
            raise UsageError(f"SKU {sku!r} must be 1 to 32 ASCII characters (a GTIN or your own code)")
        if len(origin) != 2 or not origin.isalpha():
            raise UsageError(f"origin {origin!r} must be an ISO 3166 two-letter country code, like CN or VN")
        r = self._send("registerBatch", [raw_sku.ljust(32, b"\x00"), origin.upper().encode(), quantity,
                                       list(certificates), location_code(location)], sender)
        return r.event("BatchRegistered")["batchId"], r

    def record_batch(self, batch: int, kind: str, location: str = "", evidence: bytes = ZERO32, *,
                     sender: str) -> Receipt:
        return self._send("recordBatch", [batch, kind_index(kind, BATCH_KINDS), location_code(location), evidence],
                        sender)

    def link_batch(self, batch: int, shipment: int, *, sender: str) -> Receipt:
        """The batch side asks to link a batch to a shipment (linked at once if `sender` also speaks for the
        shipment: its carrier or custodian)."""
        return self._send("linkBatch", [batch, shipment], sender)

    def accept_link(self, batch: int, shipment: int, *, sender: str) -> Receipt:
        """The shipment's carrier or custodian accepts a batch's link request."""
        return self._send("acceptLink", [batch, shipment], sender)

    def invalidate_nonce(self, nonce: int, *, sender: str) -> Receipt:
        """Cancel a signature nonce of `sender`: the checkpoint signed with it can never be relayed."""
        return self._send("invalidateNonce", [nonce], sender)

    def offer_custody(self, item: int, to: str, *, sender: str) -> Receipt:
        return self._send("offerCustody", [item, to], sender)

    def take_custody(self, item: int, location: str = "", evidence: bytes = ZERO32, *, sender: str) -> Receipt:
        return self._send("takeCustody", [item, location_code(location), evidence], sender)

    def record_readings(self, shipment: int, readings: list[tuple[str, int, float]], *, sender: str) -> Receipt:
        """readings: (sensor name, unix time, value in °C / %RH / g)."""
        return self._send("recordReadings", [shipment, pack_readings(readings)], sender)

    def anchor_document(self, item: int, doc_type: str, doc_hash: bytes, *, sender: str) -> Receipt:
        return self._send("anchorDocument", [item, doc_type_index(doc_type), doc_hash], sender)

    def record_leg(self, item: int, mode: str, origin: str, destination: str, distance_km: int, mass_kg: int,
                   grams_per_tonne_km: int, *, sender: str) -> Receipt:
        return self._send("recordLeg", [item, mode_index(mode), location_code(origin), location_code(destination),
                                      distance_km, mass_kg, grams_per_tonne_km], sender)

    def correct(self, item: int, corrects_seq: int, kind: str | None = None, location: str = "",
                evidence: bytes = ZERO32, *, sender: str) -> Receipt:
        index = kind_index(kind) if kind else 0
        return self._send("correct", [item, corrects_seq, index, location_code(location), evidence], sender)

    def sign_checkpoint(self, shipment: int, kind: str, location: str = "", evidence: bytes = ZERO32, *,
                        signer: str, valid_for: int = 3600, nonce: int | None = None, at: int | None = None) -> dict:
        """An EIP-712 checkpoint signed with `signer`'s key, as JSON-ready data anyone can relay. `at` (default:
        now) is when it happened: a relayed Delivered keeps that time. Nonces are unordered; by default a random
        one, so signatures never wait on each other."""
        signer = checksum(signer)
        now = self.chain.now()
        message = {
            "shipmentId": shipment, "kind": kind_index(kind, SHIPMENT_KINDS), "location": _hex(location_code(location)),
            "evidenceHash": _hex(evidence), "at": now if at is None else at,
            "nonce": secrets.randbits(64) if nonce is None else nonce,
            "deadline": now + valid_for,
        }
        v, r, s = self.chain.sign_typed_data(signer, self._typed(message))
        return {"signer": signer, "message": message, "signature": _hex(r + s + bytes([v]))}

    def _typed(self, message: dict) -> dict:
        domain = {"name": "tradechain Provenance", "version": "1", "chainId": self.chain.chain_id,
                  "verifyingContract": self.address}
        return {"types": SIGNED_TYPES, "primaryType": "Checkpoint", "domain": domain, "message": message}

    def relay_checkpoint(self, signed: dict, *, sender: str) -> Receipt:
        try:
            m = signed["message"]
            cp = (int(m["shipmentId"]), int(m["kind"]), bytes.fromhex(m["location"][2:]),
                  bytes.fromhex(m["evidenceHash"][2:]), int(m["at"]), int(m["nonce"]), int(m["deadline"]))
            signature = bytes.fromhex(signed["signature"][2:])
        except (KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"not a signed checkpoint ({type(exc).__name__}: {exc}); make one with "
                             "`tradechain provenance sign`") from None
        return self._send("recordSigned", [cp, signature], sender)

    # ------------------------------------------------------------------ reads
    def head(self, item: int) -> bytes:
        return bytes(self._call("headOf", [item]))

    def exists(self, item: int) -> None:
        """Raise a clear error for an unknown item (entryCount reverts UnknownShipment / UnknownBatch)."""
        self._call("entryCount", [item])

    def events(self, item: int) -> list[dict]:
        """Every Provenance event whose first indexed field is `item`, in chain order, with block times."""
        return self.tx.logs(NAME, [None, word(item)], timestamps=True)

    def entries(self, item: int, events: list[dict] | None = None) -> list[dict]:
        """The item's log: one dict per entry, with the details its payload hashes."""
        events = self.events(item) if events is None else events
        by_tx: dict[tuple[str, str], dict] = {(e["tx_hash"], e["event"]): e["args"] for e in events}
        out = []
        for e in events:
            if e["event"] != "Checkpoint":
                continue
            a = e["args"]
            kind = KINDS[a["kind"]]
            entry = {"seq": a["seq"], "kind": kind, "actor": a["actor"], "location": _hex(a["location"]),
                     "evidenceHash": _hex(a["evidenceHash"]), "timestamp": e["timestamp"], "head": _hex(a["head"]),
                     "block": e["block"], "tx": e["tx_hash"]}
            detail = by_tx.get((e["tx_hash"], DETAIL_EVENT.get(kind, "")))
            if kind == "Linked":
                entry["details"] = {"other": int.from_bytes(bytes(a["evidenceHash"]), "big")}
            elif detail is not None:
                entry["details"] = _details(kind, detail)
            out.append(entry)
        return out

    def trace(self, item: int, *, follow_links: bool = True, typed: Any = None) -> dict:
        """Everything known about an item: its log (checked against the on-chain head), custody, documents,
        sensor readings with breaches, carbon per leg and in total, linked items and, for a shipment, the
        order's settlement events. `typed` (an index's typed tables, index.queries.TypedTrace) may answer the
        readings, breaches and batch registration instead of the events and the contract: the same values."""
        self.exists(item)
        c = self.client
        label = c.deployment.label
        events = self.events(item)
        entries = self.entries(item, events)
        head = self.head(item)
        verdict = hashchain.verify(item, entries, head)
        for e in entries:
            e["actorName"] = label(e["actor"])
            e["time"] = timeline.iso(e["timestamp"])
            e["place"] = timeline.location(bytes.fromhex(e["location"][2:]))
        readings, breaches = typed.readings(item) if typed is not None else self.readings(events)
        legs = [{"seq": e["seq"], **e["details"]} for e in entries if e["kind"] == "Leg"]
        for leg in legs:
            leg["from"], leg["to"] = (timeline.location(bytes.fromhex(leg[k][2:])) for k in ("from", "to"))
        out: dict[str, Any] = {
            "item": str(item), "label": item_label(item), "kind": "batch" if is_batch(item) else "shipment",
            "chainId": self.chain.chain_id, "contract": self.address, "head": _hex(head),
            "verified": verdict.as_dict(), "entries": entries, "readings": readings, "breaches": breaches,
            "legs": legs, "carbonGrams": self._call("carbonOf", [item]),
            # parties as addresses (the JSON shows each with its name; people see the name: label())
            "documents": [{"seq": e["seq"], "by": e["actor"], "time": e["time"], **e["details"]}
                          for e in entries if e["kind"] == "Document"],
            "custody": [{"seq": e["seq"], "from": e["details"]["from"], "to": e["details"]["to"],
                         "time": e["time"], "place": e["place"]} for e in entries if e["kind"] == "Handover"],
            "custodian": _address_or_none(self._call("custodianOf", [item])),
        }
        linked = [e["details"]["other"] for e in entries if e["kind"] == "Linked"]
        if is_batch(item):
            out["batch"] = typed.batch(item) if typed is not None else self.batch(item, entries)
            out["carbonTotalGrams"] = self._call("batchCarbon", [item])
        else:
            limits, agreed = self._call("limitsOf", [item])
            out["limits"] = {"tempMin": limits[0] / 100, "tempMax": limits[1] / 100,
                             "humidityMax": limits[2] / 100, "shockMax": limits[3] / 100} if agreed else None
            out["breachFlags"] = timeline.breach_names(self._call("breachesOf", [item]))
            out["carbonTotalGrams"] = out["carbonGrams"]
            order = c.escrow.get_order(item)
            out["order"] = {"state": order.state, "buyer": order.buyer, "seller": order.seller}
            symbol, decimals = c.tokens.info(order.token)
            from tradechain.units import format_amount

            out["settlement"] = [row for row in timeline.rows(
                [e for e in c.timeline(item) if e["contract"] == "TradeEscrow"], label,
                lambda amount: format_amount(amount, decimals, symbol))]
        out["linked"] = [self.trace(other, follow_links=False, typed=typed) for other in linked] if follow_links else \
            [item_label(other) for other in linked]
        return out

    def batch(self, item: int, entries: list[dict]) -> dict:
        """A batch as registered: producer (its address), time, origin, SKU, quantity and certificates."""
        b = self._call("batchOf", [item])
        return {"producer": b[0], "registeredAt": timeline.iso(b[2]),
                "origin": bytes(b[3]).decode("ascii", "replace"), "sku": timeline.location(b[5]), "quantity": b[6],
                "certificates": next((e["details"]["certificates"] for e in entries if e["kind"] == "Commissioned"),
                                     [])}

    def readings(self, events: list[dict]) -> tuple[list[dict], list[dict]]:
        """(sensor readings, limit breaches) of an item's events; a reading a breach names is marked."""
        readings, breaches = [], []
        for e in events:
            if e["event"] == "Readings":
                for r in unpack_readings(bytes(e["args"]["packed"])):
                    readings.append({**r, "time": timeline.iso(r["at"]), "seq": e["args"]["seq"], "breach": False})
            elif e["event"] == "LimitBreached":
                a = e["args"]
                breaches.append({"sensor": SENSORS[a["sensor"]], "value": a["value"] / 100, "at": a["at"],
                                 "seq": a["seq"], "min": None if a["min"] < -2**30 else a["min"] / 100,
                                 "max": a["max"] / 100})
        for b in breaches:
            for r in readings:
                if (r["seq"], r["sensor"], r["at"], r["value"]) == (b["seq"], b["sensor"], b["at"], b["value"]):
                    r["breach"] = True
        return readings, breaches

    def find_document(self, item: int, doc_hash: bytes) -> list[dict]:
        """Where a document's hash is anchored on the item: as a typed document, a checkpoint's evidence, a
        certificate of the batch, a handover's evidence or the bill of lading."""
        self.exists(item)
        hits = []
        want = _hex(doc_hash)
        for e in self.events(item):
            a = e["args"]
            how = None
            if e["event"] == "DocumentAnchored" and _hex(a["docHash"]) == want:
                how = DOC_TYPES[a["docType"]]
            elif e["event"] == "Checkpoint" and KINDS[a["kind"]] not in timeline.DETAILED and \
                    _hex(a["evidenceHash"]) == want:
                how = f"evidence of {KINDS[a['kind']]} (entry #{a['seq']})"
            elif e["event"] == "BatchRegistered" and want in [_hex(c) for c in a["certificates"]]:
                how = "batch certificate"
            elif e["event"] == "CustodyTaken" and _hex(a["evidenceHash"]) == want:
                how = f"handover evidence (entry #{a['seq']})"
            elif e["event"] == "ShipmentOpened" and _hex(a["billOfLadingHash"]) == want:
                how = "bill of lading (at shipping)"
            if how:
                actor = a.get("actor") or a.get("to") or a.get("producer") or a.get("carrier")
                hits.append({"as": how, "time": timeline.iso(e["timestamp"]), "timestamp": e["timestamp"],
                             "block": e["block"], "tx": e["tx_hash"],
                             "by": actor or self._entry_actor(e)})
        return hits

    def _entry_actor(self, event: dict) -> str | None:
        """Detail events name no actor: the entry's Checkpoint in the same transaction does."""
        for e in self.tx.receipt(event["tx_hash"]).events:
            if e["event"] == "Checkpoint":
                return e["args"]["actor"]
        return None


def _details(kind: str, a: dict) -> dict:
    if kind == "Commissioned":
        return {"sku": _hex(a["sku"]), "origin": _hex(a["origin"]), "quantity": a["quantity"],
                "certificates": [_hex(c) for c in a["certificates"]]}
    if kind == "Handover":
        return {"from": a["from"], "to": a["to"], "evidenceHash": _hex(a["evidenceHash"])}
    if kind == "CarrierChanged":
        return {"from": a["from"], "to": a["to"]}
    if kind == "Reading":
        return {"packed": _hex(a["packed"]), "breaches": a["breaches"]}
    if kind == "Document":
        return {"docType": DOC_TYPES[a["docType"]], "docHash": _hex(a["docHash"])}
    if kind == "Leg":
        return {"mode": MODES[a["mode"]], "from": _hex(a["from"]), "to": _hex(a["to"]), "distanceKm": a["distanceKm"],
                "massKg": a["massKg"], "gramsPerTonneKm": a["gramsPerTonneKm"], "grams": a["grams"]}
    if kind == "Correction":
        return {"correctsSeq": a["correctsSeq"], "kind": KINDS[a["kind"]], "evidenceHash": _hex(a["evidenceHash"])}
    return {}
