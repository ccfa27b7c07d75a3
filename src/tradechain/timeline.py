"""An order's timeline in words, rebuilt from the events of the escrow, provenance log and invoice token.

Pure formatting: events in (as TradeClient.timeline returns them), rows out. No chain access here.
"""

from __future__ import annotations

import datetime as _dt
from contextvars import ContextVar
from typing import Callable

from tradechain.units import format_duration, format_rate
from tradechain.vocabulary import (
    DOC_TYPES, ETH, KINDS, MODES, RATE_SOURCE_WORDS, REFUND_REASON_WORDS, RULING_WORDS, SENSOR_UNITS, SENSORS,
    TRIGGER_WORDS, currency_name, format_price, role_name, unpack_readings,
)



# Hashes in words are cut short for people's tables and the explorer's pages; whole where they are to be copied:
# the CLI sets this for a command run with --full or --json (and resets it after).
FULL_HASHES: ContextVar[bool] = ContextVar("full_hashes", default=False)


def cut(text: str, width: int = 12) -> str:
    """A 0x hash (or any long hex) as words show it: its first `width` characters and …, or whole (FULL_HASHES)."""
    return text if FULL_HASHES.get() or len(text) <= width else text[:width] + "…"


def short_hash(value) -> str:
    raw = bytes(value)
    return "—" if raw == b"\x00" * len(raw) else cut("0x" + raw.hex())


def location(value) -> str:
    return bytes(value).rstrip(b"\x00").decode("ascii", "replace") or "—"


def iso(ts: int) -> str:
    try:
        return _dt.datetime.fromtimestamp(int(ts), _dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    except (OverflowError, OSError, ValueError):  # beyond year 9999 (a chain moved far ahead): the number itself
        return f"unix time {int(ts)}"


def rows(events: list[dict], name: Callable[[str], str], money: Callable[[int], str]) -> list[dict]:
    """One row per meaningful event: time, block, actor, action, detail, gas-free and JSON-ready.

    `name` turns an address into a label; `money` formats an amount in the order's payment token.
    """
    out = []
    # Detail events of a provenance entry name no actor: the entry's Checkpoint in the same transaction does.
    entry_actor = {e["tx_hash"]: e["args"]["actor"] for e in events if e["event"] == "Checkpoint"}
    for e in events:
        a, ev = e["args"], e["event"]
        actor, action, detail = "", ev, ""
        if ev == "OrderPlaced":
            actor, action = name(a["buyer"]), "placed and paid"
            detail = (f"{money(a['amount'])} to {name(a['seller'])}; ship by {iso(a['shipBy'])}, deliver by "
                      f"{iso(a['deliverBy'])}, inspection {format_duration(a['inspectionWindow'])}, fee "
                      f"{a['feeBps'] / 100:g}%")
        elif ev == "AcceptanceRequested":
            action = "awaiting the seller's acceptance"
            detail = f"the seller accepts by {iso(a['acceptBy'])}, or anyone may refund the buyer after it"
        elif ev == "OrderAccepted":
            action, detail = "accepted by the seller", "the order binds: it may ship now"
        elif ev == "RateLocked":
            actor, action = "", "rate locked"
            code = currency_name(a["currency"])
            where = f"{RATE_SOURCE_WORDS[a['source']]} ({'round' if a['source'] == 0 else 'quote nonce'} {a['roundOrNonce']})"
            detail = (f"{format_price(a['price'], code)} at {format_rate(a['rate'])} per {code} from {where}: "
                      f"{money(a['amount'])} collected; release and refunds move that amount, no later step reads a rate")
        elif ev == "OrderShipped":
            actor, action = "", "shipped"
            detail = f"carrier {name(a['carrier'])}, bill of lading {short_hash(a['billOfLadingHash'])}"
        elif ev == "ShipmentOpened":
            continue  # the same fact as OrderShipped
        elif ev == "Checkpoint":
            if KINDS[a["kind"]] in DETAILED:
                continue  # the detail event of the same entry tells it
            actor, action = name(a["actor"]), KINDS[a["kind"]]
            detail = f"at {location(a['location'])}, evidence {short_hash(a['evidenceHash'])}, entry #{a['seq']}"
        elif ev in PROVENANCE_DETAIL:
            actor, action, detail = PROVENANCE_DETAIL[ev](a, name)
            actor = actor or (name(entry_actor[e["tx_hash"]]) if e["tx_hash"] in entry_actor else "")
        elif ev == "Transfer" and e.get("contract") == "BillOfLading":
            continue  # TitleIssued / TitleEndorsed tell it in words
        elif ev == "Transfer":
            if any(x["event"] == "InvoiceSold" and x["tx_hash"] == e["tx_hash"] for x in events):
                continue  # the sale row already says who holds it now
            if a["from"] == ETH:  # minted: from the zero address
                action, detail = "invoice minted", f"token #{a['tokenId']} to {name(a['to'])}"
            else:
                action, detail = "invoice transferred", f"{name(a['from'])} -> {name(a['to'])}"
        elif ev == "InvoiceListed":
            actor, action = name(a["holder"]), "invoice listed for sale"
            off = f" ({a['discountBps'] / 100:g}% off face value)" if a["discountBps"] else ""
            detail = f"at {money(a['price'])}{off}, until {iso(a['expiresAt'])}"
        elif ev == "ListingWithdrawn":
            actor, action, detail = name(a["holder"]), "invoice listing withdrawn", ""
        elif ev == "InvoiceSold":
            actor, action = name(a["to"]), "bought the invoice"
            detail = f"paid {money(a['price'])} to {name(a['from'])}; the settlement is now theirs"
        elif ev == "AdvanceOffered":
            actor, action = name(a["financier"]), "offered an advance"
            detail = (f"{money(a['principal'])} now, repaid with a {a['feeBps'] / 100:g}% fee at settlement; "
                      f"open until {iso(a['expiresAt'])}")
        elif ev == "AdvanceOfferWithdrawn":
            actor, action, detail = name(a["financier"]), "withdrew the advance offer", money(a["principal"])
        elif ev == "AdvanceAccepted":
            actor, action = name(a["holder"]), "accepted the advance"
            detail = (f"{money(a['principal'])} paid by {name(a['financier'])} now; "
                      f"{money(a['principal'] + a['fee'])} to them first at settlement")
        elif ev == "DeliverByExtended":
            actor, action = name(a["by"]), "delivery deadline extended"
            detail = (f"from {iso(a['oldDeliverBy'])} to {iso(a['newDeliverBy'])}, ruling "
                      f"{short_hash(a['evidenceHash'])}")
        elif ev == "ConfirmationDeferred":
            action = "confirmed, release deferred"
            detail = f"sensor limits breached ({', '.join(breach_names(a['breaches']))}): still disputable"
        elif ev == "OrderDisputed":
            actor, action = name(a["by"]), "disputed"
            detail = f"evidence {short_hash(a['evidenceHash'])}; arbiter rules by {iso(a['rulingDeadline'])}"
        elif ev == "SettlementProposed":
            actor, action = name(a["by"]), "proposed settlement"
            detail = f"{a['refundBps'] / 100:g}% back to the buyer"
        elif ev == "SettlementAccepted":
            actor, action = name(a["by"]), "agreed to the settlement"
            detail = f"{a['refundBps'] / 100:g}% back to the buyer"
        elif ev == "SettlementConsents":
            if out and out[-1]["tx"] == e["tx_hash"]:  # who agreed so far, told on the proposal or acceptance row
                out[-1]["detail"] += "; " + consents_text(a["agreed"], a["required"])
            continue
        elif ev == "OrderReleased":
            actor, action = name(a["by"]), "released" + (" (buyer confirmed early)" if a["early"] else "")
            detail = f"{money(a['toSellerSide'])} to the invoice holder, fee {money(a['fee'])}"
        elif ev == "OrderResolved":
            actor, action = name(a["by"]), "resolved by " + RULING_WORDS[a["ruling"]]
            detail = (f"{a['refundBps'] / 100:g}% refund: {money(a['toBuyer'])} to buyer, "
                      f"{money(a['toSellerSide'])} to invoice holder, fee {money(a['fee'])}")
        elif ev == "OrderRefunded":
            action, detail = "refunded", f"{money(a['amount'])}: {REFUND_REASON_WORDS[a['reason']]}"
        elif ev == "OrderCancelled":
            action, detail = "cancelled by seller", f"{money(a['amount'])} back to buyer"
        elif ev == "ExposureCapChanged":
            action = "exposure cap set" if a["multiple"] else "exposure cap lifted"
            detail = f"open value at most {a['multiple']}x settled volume, floor {a['floor']} base units of {name(a['token'])}"
        elif ev == "ScheduleFixed":
            from tradechain.tranches import describe

            action, detail = "payment schedule fixed", describe(a["schedule"])
        elif ev == "TrancheReleased":
            actor, action = name(a["by"]), f"tranche {a['index'] + 1} released ({TRIGGER_WORDS[a['trigger']]})"
            detail = (f"{money(a['toSellerSide'])} to the invoice holder, fee {money(a['fee'])}; final — "
                      f"{money(a['remaining'])} still in escrow")
        elif ev == "RemainderOnly":
            action = "acts on the remainder only"
            detail = (f"{money(a['released'])} already paid by tranches stays paid; this step settles the remaining "
                      f"{money(a['remaining'])}")
        elif ev == "AdvanceRepaid":
            actor, action = name(a["financier"]), "advance repaid in part by a tranche"
            detail = f"{money(a['amount'])} repaid; {money(a['outstanding'])} still owed first at settlement"
        elif ev in TITLE_WORDS:
            actor, action, detail = TITLE_WORDS[ev](a, name)
        elif ev == "Payout":
            action = "credited" if a["credited"] else "paid"
            detail = f"{money(a['amount'])} to {name(a['to'])}" + (" (to withdraw)" if a["credited"] else "")
        elif ev in ("RoleGranted", "RoleRevoked"):
            role = role_name(bytes(a["role"])) or short_hash(a["role"])
            actor, action = name(a["sender"]), "granted" if ev == "RoleGranted" else "revoked"
            detail = f"{role} {'to' if ev == 'RoleGranted' else 'from'} {name(a['account'])}"
        else:
            detail = ", ".join(f"{k}={_word(v, name)}" for k, v in a.items())
        out.append({"time": iso(e["timestamp"]), "timestamp": e["timestamp"], "block": e["block"],
                    "actor": actor, "action": action, "detail": detail, "event": ev, "tx": e["tx_hash"]})
    return out


def _word(value, name: Callable[[str], str]) -> str:
    """An event argument in words: an address by name, bytes as a short hash."""
    if isinstance(value, (bytes, bytearray)):
        return short_hash(value)
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return name(value)
    return str(value)


# The eBL title's life cycle in DCSA's words (BillOfLading events).
TITLE_WORDS: dict[str, Callable[[dict, Callable[[str], str]], tuple[str, str, str]]] = {
    "TitleIssued": lambda a, name: (
        "", "eBL issued", f"bill of lading {short_hash(a['billOfLadingHash'])}; held by {name(a['holder'])} while "
                          f"payment is outstanding, beneficiary {name(a['beneficiary'])}"),
    "TitleEndorsed": lambda a, name: (
        name(a["from"]), "eBL endorsed", f"to {name(a['to'])}, now holder and beneficiary"),
    "TitleOffered": lambda a, name: (
        "", "eBL offered", f"{name(a['to'])} refused the hand-over: the escrow keeps the title until they claim it"),
    "TitleSurrendered": lambda a, name: (
        name(a["holder"]), "eBL surrendered for delivery", "the carrier may now record the delivery"),
    "TitleVoided": lambda a, name: (
        "", "eBL voided", f"refunded while {name(a['holder'])} held it unsurrendered: it no longer gives title to "
                          "the goods"),
}

# Entry kinds whose Checkpoint event comes with a detail event that the timeline shows instead.
DETAILED = {"Commissioned", "Handover", "Reading", "Document", "Leg", "Linked", "Correction", "CarrierChanged"}


def consents_text(agreed: int, required: int) -> str:
    """ "agreed: buyer; still needed: invoice holder" from the consent masks (bits 1 << ITradeEscrow.Party)."""
    from tradechain.vocabulary import party_names

    waiting = party_names(required & ~agreed)
    text = "agreed: " + ", ".join(party_names(agreed))
    return text + ("; may still accept: " + ", ".join(waiting) if waiting else "; all agreed")


def breach_names(bits: int) -> list[str]:
    return [SENSORS[i] for i in range(1, len(SENSORS)) if bits & (1 << i)]


def reading_text(r: dict) -> str:
    return f"{r['sensor']} {r['value']:g} {r['unit']} at {iso(r['at'])}"


def _limit(value: int, sensor: int) -> str:
    return f"{value / 100:g} {SENSOR_UNITS.get(SENSORS[sensor], '')}".strip()


def _grams(grams: int) -> str:
    return f"{grams / 1000:,.1f} kg CO2e"


PROVENANCE_DETAIL: dict[str, Callable[[dict, Callable[[str], str]], tuple[str, str, str]]] = {
    "BatchRegistered": lambda a, name: (
        name(a["producer"]), "batch registered",
        f"SKU {location(a['sku'])}, origin {bytes(a['origin']).decode('ascii', 'replace')}, quantity "
        f"{a['quantity']}, {len(a['certificates'])} certificate(s)"),
    "CarrierNominated": lambda a, name: (
        "", "new carrier nominated", f"{name(a['nominee'])} to take over from {name(a['carrier'])}; the admin confirms"),
    "CarrierReplaced": lambda a, name: (
        "", "carrier replaced", f"{name(a['from'])} -> {name(a['to'])}, entry #{a['seq']}"),
    "CustodyOffered": lambda a, name: (name(a["from"]), "custody offered", f"to {name(a['to'])}"),
    "CustodyTaken": lambda a, name: (
        name(a["to"]), "took custody", f"from {name(a['from'])}, evidence {short_hash(a['evidenceHash'])}, "
                                       f"entry #{a['seq']}"),
    "LimitsAgreed": lambda a, name: (
        "", "sensor limits agreed",
        f"temperature {a['limits']['tempMin'] / 100:g}..{a['limits']['tempMax'] / 100:g} °C, humidity ≤ "
        f"{a['limits']['humidityMax'] / 100:g} %RH, shock ≤ {a['limits']['shockMax'] / 100:g} g"),
    "Readings": lambda a, name: (
        "", "sensor readings" + (" (BREACH)" if a["breaches"] else ""),
        "; ".join(reading_text(r) for r in unpack_readings(bytes(a["packed"]))) + f", entry #{a['seq']}"),
    "LimitBreached": lambda a, name: (
        "", "LIMIT BREACHED",
        f"{SENSORS[a['sensor']]} {_limit(a['value'], a['sensor'])} at {iso(a['at'])} outside "
        f"{'' if a['min'] < -2**30 else _limit(a['min'], a['sensor']) + '..'}{_limit(a['max'], a['sensor'])}"),
    "DocumentAnchored": lambda a, name: (
        "", "document anchored", f"{DOC_TYPES[a['docType']]} {short_hash(a['docHash'])}, entry #{a['seq']}"),
    "LegRecorded": lambda a, name: (
        "", f"{MODES[a['mode']].lower()} leg",
        f"{location(a['from'])} -> {location(a['to'])}, {a['distanceKm']:,} km, {a['massKg']:,} kg at "
        f"{a['gramsPerTonneKm']} g/t·km = {_grams(a['grams'])}"),
    "BatchLinked": lambda a, name: ("", "batch linked", f"batch B{a['batchId'] - (1 << 64)} in order #{a['shipmentId']}"),
    "LinkRequested": lambda a, name: (
        name(a["by"]), "batch link requested",
        f"batch B{a['batchId'] - (1 << 64)} in order #{a['shipmentId']}; its carrier accepts"),
    "Corrected": lambda a, name: (
        "", "correction", f"entry #{a['seq']} corrects #{a['correctsSeq']}: "
                          f"{KINDS[a['kind']] if a['kind'] else 'marked wrong'}, evidence {short_hash(a['evidenceHash'])}"),
}
