"""Traceability: product batches, custody handovers, sensor limits and breaches (and their effect on the
escrow), documents, carbon legs, corrections, EIP-712 relayed checkpoints, and the hash chain a copy of the
log is verified against."""

from __future__ import annotations

import copy
import json

import pytest

from tradechain import hashchain
from tradechain.vocabulary import hash_bytes
from tradechain.vocabulary import BATCH_BASE, KINDS

from helpers import events

CERT = hash_bytes(b"organic certificate 2026")
SKU = "TEA-OOLONG-250G"


@pytest.fixture
def p(client):
    return client.provenance


@pytest.fixture
def batch(p, accounts) -> int:
    batch_id, _ = p.register_batch(SKU, "CN", 1_200, [CERT], "CNXMN", sender=accounts["seller"])
    return batch_id


@pytest.fixture
def limited_order(trade, p, accounts):
    """factory: an order whose buyer agreed 2..8 °C, ≤ 70 %RH, ≤ 5 g, shipped with the carrier."""
    def make(**kw) -> int:
        oid = trade.place(**kw)
        p.client.escrow.set_sensor_limits(oid, (2, 8), 70, 5, sender=accounts["buyer"])
        trade.ship(oid)
        return oid
    return make


# ------------------------------------------------------------------ vocabulary


def test_only_append_functions_write_to_the_log(artifacts):
    """Append-only: the ABI offers no function that edits or deletes an entry; every writer is listed here."""
    writers = {e["name"] for e in artifacts["Provenance"]["abi"]
               if e.get("type") == "function" and e["stateMutability"] not in ("view", "pure")}
    assert writers == {"openShipment", "agreeLimits", "record", "recordSigned", "registerBatch", "recordBatch",
                       "linkBatch", "acceptLink", "invalidateNonce", "offerCustody", "takeCustody", "recordReadings", "anchorDocument", "recordLeg",
                       "correct", "nominateCarrier", "replaceCarrier", "grantRole", "revokeRole", "renounceRole",
                       "trackShipment", "surrenderTitle"}


# ------------------------------------------------------------------ batches


def test_producer_registers_a_batch_with_its_certificates(p, client, accounts, batch):
    b = client.tx.call("Provenance", "batchOf", [batch])
    assert batch == BATCH_BASE + 1 and b[0] == accounts["seller"] and b[3] == b"CN" and b[6] == 1_200
    entries = p.entries(batch)
    assert [e["kind"] for e in entries] == ["Commissioned"]
    assert entries[0]["details"]["certificates"] == ["0x" + CERT.hex()]
    assert p.find_document(batch, CERT)[0]["as"] == "batch certificate"


def test_only_producers_register_batches(p, accounts, reverts):
    with reverts("AccessControlUnauthorizedAccount", account=accounts["buyer"]):
        p.register_batch(SKU, "CN", 10, sender=accounts["buyer"])


@pytest.mark.parametrize("sku,origin,quantity", [("X", "c1", 10), ("X", "CN", 0)])
def test_a_batch_needs_origin_and_quantity(p, accounts, reverts, sku, origin, quantity):
    with reverts("InvalidBatch"):
        p.register_batch(sku, origin, quantity, sender=accounts["seller"]) if origin.isalpha() else \
            p.tx.send("Provenance", "registerBatch", [b"X".ljust(32, b"\0"), origin.encode(), quantity, [],
                                                              b"\0" * 8], sender=accounts["seller"])


def test_too_many_certificates_are_refused(p, accounts, reverts):
    with reverts("TooManyCertificates", count=17, max=16):
        p.register_batch(SKU, "CN", 1, [hash_bytes(bytes([i])) for i in range(17)], sender=accounts["seller"])


def test_batch_steps_by_producer_only_and_only_batch_kinds(p, accounts, batch, reverts):
    p.record_batch(batch, "Packed", "CNXMN", sender=accounts["seller"])
    with reverts("NotRecorder", itemId=batch, account=accounts["buyer"]):
        p.record_batch(batch, "Inspected", sender=accounts["buyer"])
    with reverts("InvalidKind"):
        p.tx.send("Provenance", "recordBatch", [batch, KINDS.index("Delivered"), b"\0" * 8, b"\0" * 32],
                          sender=accounts["seller"])
    with reverts("UnknownBatch", batchId=BATCH_BASE + 9):
        p.record_batch(BATCH_BASE + 9, "Packed", sender=accounts["seller"])


def link(p, accounts, batch: int, shipment: int) -> None:
    """The producer asks, the shipment's carrier accepts (issue 10: nobody links into a stranger's shipment)."""
    p.link_batch(batch, shipment, sender=accounts["seller"])
    p.accept_link(batch, shipment, sender=accounts["carrier"])


def test_linking_a_batch_writes_on_both_chains_once(p, accounts, batch, trade, reverts):
    oid = trade.shipped()
    link(p, accounts, batch, oid)
    assert p.entries(oid)[-1]["details"]["other"] == batch and p.entries(batch)[-1]["details"]["other"] == oid
    with reverts("AlreadyLinked", batchId=batch, shipmentId=oid):
        p.link_batch(batch, oid, sender=accounts["seller"])
    with reverts("NotRecorder"):
        p.link_batch(batch, oid, sender=accounts["buyer"])
    with reverts("UnknownShipment", shipmentId=999):
        p.link_batch(batch, 999, sender=accounts["seller"])


def test_a_batch_travels_in_at_most_eight_shipments(p, accounts, batch, trade, reverts):
    for _ in range(8):
        link(p, accounts, batch, trade.shipped())
    extra = trade.shipped()
    with reverts("TooManyLinks", batchId=batch, max=8):
        p.link_batch(batch, extra, sender=accounts["seller"])


# ------------------------------------------------------------------ custody


def test_custody_passes_hand_to_hand_each_taken_by_the_receiver(p, client, accounts, batch, reverts):
    a = accounts
    hops = [("seller", "carrier"), ("carrier", "customs"), ("customs", "carrier"), ("carrier", "buyer")]
    for giver, taker in hops:
        p.offer_custody(batch, a[taker], sender=a[giver])
        with reverts("NotPendingCustodian", caller=a["arbiter"], pending=a[taker]):
            p.take_custody(batch, sender=a["arbiter"])
        p.take_custody(batch, "DEHAM", sender=a[taker])
    handovers = [e for e in p.entries(batch) if e["kind"] == "Handover"]
    assert [(h["details"]["from"], h["details"]["to"]) for h in handovers] == [(a[g], a[t]) for g, t in hops]
    assert all(h["actor"] == h["details"]["to"] for h in handovers)  # signed by the one taking custody
    assert client.tx.call("Provenance", "custodianOf", [batch]) == a["buyer"]
    with reverts("NotCustodian", caller=a["seller"], custodian=a["buyer"]):
        p.offer_custody(batch, a["seller"], sender=a["seller"])
    with reverts("InvalidCustodian"):
        p.offer_custody(batch, a["buyer"], sender=a["buyer"])


def test_nobody_takes_custody_without_an_offer(p, accounts, batch, reverts):
    with reverts("NotPendingCustodian", pending="0x" + "00" * 20):
        p.take_custody(batch, sender=accounts["carrier"])


# ------------------------------------------------------------------ sensor limits, readings, breaches


def test_limits_are_the_buyers_and_frozen_once_shipped(p, trade, accounts, limited_order, reverts):
    oid = trade.place()
    with reverts("NotBuyer", orderId=oid, caller=accounts["seller"]):
        p.client.escrow.set_sensor_limits(oid, (2, 8), 70, 5, sender=accounts["seller"])
    with reverts("InvalidLimits", min=800, max=200):
        p.client.escrow.set_sensor_limits(oid, (8, 2), 70, 5, sender=accounts["buyer"])
    shipped = limited_order()
    with reverts("WrongState", orderId=shipped):
        p.client.escrow.set_sensor_limits(shipped, (0, 20), 70, 5, sender=accounts["buyer"])
    with reverts("AccessControlUnauthorizedAccount"):  # only through the escrow
        p.tx.send("Provenance", "agreeLimits", [oid, (0, 1, 2, 3)], sender=accounts["buyer"])


def test_readings_inside_limits_raise_no_flag(p, client, accounts, limited_order):
    oid = limited_order()
    now = client.chain.now()
    r = p.record_readings(oid, [("Temperature", now, 4.5), ("Humidity", now, 55), ("Shock", now, 1.2)],
                          sender=accounts["carrier"])
    assert r.event("Readings")["breaches"] == 0 and not events(r, "LimitBreached")
    assert client.tx.call("Provenance", "breachesOf", [oid]) == 0


def test_a_reading_out_of_limits_is_flagged_for_good(p, client, accounts, limited_order):
    oid = limited_order()
    now = client.chain.now()
    r = p.record_readings(oid, [("Temperature", now - 60, 9.25), ("Shock", now, 7)], sender=accounts["carrier"])
    breaches = events(r, "LimitBreached")
    assert [(b["sensor"], b["value"], b["max"]) for b in breaches] == [(1, 925, 800), (3, 700, 500)]
    assert client.tx.call("Provenance", "breachesOf", [oid]) == 0b1010
    p.record_readings(oid, [("Temperature", client.chain.now(), 5)], sender=accounts["carrier"])
    assert client.tx.call("Provenance", "breachesOf", [oid]) == 0b1010  # a good reading later clears nothing
    trace = p.trace(oid)
    assert [r["breach"] for r in trace["readings"]] == [True, True, False]
    assert trace["breachFlags"] == ["Temperature", "Shock"]


def test_without_agreed_limits_nothing_is_a_breach(p, client, accounts, trade):
    oid = trade.shipped()
    r = p.record_readings(oid, [("Temperature", client.chain.now(), 40)], sender=accounts["carrier"])
    assert r.event("Readings")["breaches"] == 0


def test_reading_rules(p, client, accounts, limited_order, reverts):
    oid = limited_order()
    now = client.chain.now()
    with reverts("NotShipmentCarrier", caller=accounts["buyer"]):
        p.record_readings(oid, [("Temperature", now, 5)], sender=accounts["buyer"])
    with reverts("BadReadings", length=10, recordSize=9, maxReadings=64):
        p.tx.send("Provenance", "recordReadings", [oid, b"\x01" * 10], sender=accounts["carrier"])
    with reverts("BadReadings", length=0):
        p.tx.send("Provenance", "recordReadings", [oid, b""], sender=accounts["carrier"])
    with reverts("UnknownSensor", sensor=9):
        p.record_readings(oid, [(9, now, 5)], sender=accounts["carrier"])
    with reverts("ReadingOutOfTime", shipmentId=oid):
        p.record_readings(oid, [("Temperature", now + 3600, 5)], sender=accounts["carrier"])


# ------------------------------------------------------------------ the breach and the escrow


def _breached_delivered(p, client, accounts, limited_order) -> int:
    oid = limited_order()
    p.record_readings(oid, [("Temperature", client.chain.now(), 12)], sender=accounts["carrier"])
    client.provenance.deliver(oid, "DEHAM", sender=accounts["carrier"])
    return oid


def test_confirming_a_breached_shipment_releases_nothing_and_the_buyer_may_still_dispute(
        p, client, accounts, limited_order):
    oid = _breached_delivered(p, client, accounts, limited_order)
    before = client.tokens.balance(client.escrow.address)
    r = client.escrow.confirm(oid, sender=accounts["buyer"])
    assert r.event("ConfirmationDeferred") == {"orderId": oid, "breaches": 0b10}
    assert client.escrow.get_order(oid).state == "Delivered" and client.tokens.balance(client.escrow.address) == before
    client.escrow.dispute(oid, hash_bytes(b"lab report"), sender=accounts["buyer"])
    assert client.escrow.get_order(oid).state == "Disputed"


def test_a_breached_shipment_still_releases_after_the_window(p, client, accounts, limited_order, trade):
    oid = _breached_delivered(p, client, accounts, limited_order)
    client.escrow.confirm(oid, sender=accounts["buyer"])
    trade.travel_to(client.escrow.get_order(oid).inspection_ends_at)
    client.escrow.release(oid, sender=accounts["keeper"])
    assert client.escrow.get_order(oid).state == "Released"


def test_without_a_breach_confirm_releases_and_ends_the_dispute_path(client, accounts, limited_order, reverts):
    oid = limited_order()
    client.provenance.deliver(oid, "DEHAM", sender=accounts["carrier"])
    client.escrow.confirm(oid, sender=accounts["buyer"])
    assert client.escrow.get_order(oid).state == "Released"
    with reverts("WrongState", orderId=oid):
        client.escrow.dispute(oid, sender=accounts["buyer"])


# ------------------------------------------------------------------ documents and carbon


def test_documents_are_anchored_by_authorised_recorders(p, client, accounts, trade, reverts):
    oid = trade.shipped()
    declaration = hash_bytes(b"customs declaration")
    p.anchor_document(oid, "CustomsDeclaration", declaration, sender=accounts["customs"])
    hits = p.find_document(oid, declaration)
    assert [(h["as"], h["by"]) for h in hits] == [("CustomsDeclaration", accounts["customs"])]
    with reverts("NotRecorder", itemId=oid, account=accounts["buyer"]):
        p.anchor_document(oid, "ProofOfDelivery", declaration, sender=accounts["buyer"])
    with reverts("InvalidDocument"):
        p.anchor_document(oid, "ProofOfDelivery", b"\0" * 32, sender=accounts["carrier"])
    # the custodian may anchor too: the buyer, once it took the goods
    p.offer_custody(oid, accounts["buyer"], sender=accounts["carrier"])
    p.take_custody(oid, sender=accounts["buyer"])
    p.anchor_document(oid, "InspectionReport", hash_bytes(b"inspection"), sender=accounts["buyer"])
    assert p.find_document(oid, hash_bytes(b"never anchored")) == []


def test_carbon_is_summed_per_leg_per_shipment_and_per_batch(p, client, accounts, trade, batch, reverts):
    a = accounts
    first, second = trade.shipped(), trade.shipped()
    p.record_leg(batch, "Road", "CNXMN", "CNXMN", 30, 1_000, 62, sender=a["seller"])       # 1,860 g
    p.record_leg(first, "Sea", "CNXMN", "NLRTM", 18_000, 1_000, 8, sender=a["carrier"])    # 144,000 g
    p.record_leg(first, "Rail", "NLRTM", "DEHAM", 450, 1_000, 22, sender=a["carrier"])     # 9,900 g
    p.record_leg(second, "Air", "CNXMN", "DEHAM", 9_000, 100, 602, sender=a["carrier"])    # 541,800 g
    for oid in (first, second):
        link(p, a, batch, oid)
    assert client.tx.call("Provenance", "carbonOf", [first]) == 153_900
    assert client.tx.call("Provenance", "batchCarbon", [batch]) == 1_860 + 153_900 + 541_800
    assert [leg["grams"] for leg in p.trace(first)["legs"]] == [144_000, 9_900]
    with reverts("InvalidLeg"):
        p.record_leg(first, "Sea", "CNXMN", "NLRTM", 60_000, 1_000, 8, sender=a["carrier"])
    with reverts("NotRecorder"):
        p.record_leg(first, "Sea", "CNXMN", "NLRTM", 100, 1_000, 8, sender=a["buyer"])


# ------------------------------------------------------------------ corrections


def test_a_correction_is_a_new_entry_and_the_old_one_stays(p, client, accounts, trade, reverts):
    oid = trade.shipped()
    client.provenance.checkpoint(oid, "Arrived", "NLRTM", sender=accounts["carrier"])
    before = p.entries(oid)
    r = p.correct(oid, 0, "Arrived", "DEHAM", sender=accounts["carrier"])
    assert r.event("Corrected")["correctsSeq"] == 0
    after = p.entries(oid)
    assert after[:1] == before and after[1]["kind"] == "Correction" and after[1]["details"]["kind"] == "Arrived"
    with reverts("UnknownEntry", itemId=oid, seq=5, count=2):
        p.correct(oid, 5, None, sender=accounts["carrier"])
    with reverts("InvalidKind", kind=KINDS.index("Delivered")):
        p.correct(oid, 0, "Delivered", sender=accounts["carrier"])
    with reverts("NotCustoms", account=accounts["carrier"]):
        p.correct(oid, 0, "ImportCleared", sender=accounts["carrier"])
    with reverts("NotRecorder"):
        p.correct(oid, 0, None, sender=accounts["buyer"])
    assert p.trace(oid)["verified"]["ok"]


# ------------------------------------------------------------------ EIP-712 signed checkpoints


def test_a_signed_checkpoint_is_relayed_by_anyone_and_recorded_as_the_signers(p, client, accounts, trade):
    oid = trade.shipped()
    signed = p.sign_checkpoint(oid, "Departed", "CNSHA", hash_bytes(b"manifest"), signer=accounts["carrier"])
    r = p.relay_checkpoint(signed, sender=accounts["keeper"])
    e = r.event("Checkpoint")
    assert e["actor"] == accounts["carrier"] and KINDS[e["kind"]] == "Departed"
    assert client.tx.call("Provenance", "nonceUsed", [accounts["carrier"], signed["message"]["nonce"]])


def test_a_signed_checkpoint_cannot_be_replayed(p, accounts, trade, reverts):
    oid = trade.shipped()
    signed = p.sign_checkpoint(oid, "Departed", "CNSHA", signer=accounts["carrier"])
    p.relay_checkpoint(signed, sender=accounts["keeper"])
    with reverts("NonceAlreadyUsed", signer=accounts["carrier"], nonce=signed["message"]["nonce"]):
        p.relay_checkpoint(signed, sender=accounts["buyer"])


def test_a_checkpoint_signed_by_someone_else_is_refused(p, accounts, trade, reverts):
    oid = trade.shipped()
    signed = p.sign_checkpoint(oid, "Delivered", "DEHAM", signer=accounts["buyer"])
    with reverts("NotShipmentCarrier", caller=accounts["buyer"], carrier=accounts["carrier"]):
        p.relay_checkpoint(signed, sender=accounts["keeper"])
    forged = copy.deepcopy(p.sign_checkpoint(oid, "Arrived", "DEHAM", signer=accounts["carrier"]))
    forged["message"]["kind"] = KINDS.index("Delivered")  # altered after signing: recovers another address
    with reverts("NotShipmentCarrier", carrier=accounts["carrier"]):
        p.relay_checkpoint(forged, sender=accounts["keeper"])


def test_an_expired_signed_checkpoint_is_refused(p, client, accounts, trade, reverts):
    oid = trade.shipped()
    signed = p.sign_checkpoint(oid, "Departed", signer=accounts["carrier"], valid_for=60)
    trade.travel_to(signed["message"]["deadline"] + 10)  # the revert replay runs on the block before
    with reverts("SignatureExpired", deadline=signed["message"]["deadline"]):
        p.relay_checkpoint(signed, sender=accounts["keeper"])


# ------------------------------------------------------------------ hash chain and gas


def _journey(p, client, accounts, trade, batch) -> int:
    oid = trade.shipped()
    link(p, accounts, batch, oid)
    client.provenance.checkpoint(oid, "PickedUp", "CNXMN", sender=accounts["carrier"])
    p.record_readings(oid, [("Temperature", client.chain.now(), 6)], sender=accounts["carrier"])
    p.record_leg(oid, "Sea", "CNXMN", "NLRTM", 18_000, 500, 8, sender=accounts["carrier"])
    p.anchor_document(oid, "BillOfLading", hash_bytes(b"bol"), sender=accounts["carrier"])
    p.offer_custody(oid, accounts["customs"], sender=accounts["carrier"])
    p.take_custody(oid, "NLRTM", sender=accounts["customs"])
    p.correct(oid, 1, "PickedUp", "CNXMN", hash_bytes(b"photo"), sender=accounts["carrier"])
    return oid


def test_a_copy_of_the_log_verifies_offline_and_a_tampered_copy_does_not(p, client, accounts, trade, batch):
    oid = _journey(p, client, accounts, trade, batch)
    trace = json.loads(json.dumps(p.trace(oid), default=str))  # what `trace --json` writes to a file
    head = bytes(client.tx.call("Provenance", "headOf", [oid]))
    assert trace["verified"]["ok"] and hashchain.verify(oid, trace["entries"], head).ok
    assert trace["linked"][0]["verified"]["ok"]  # the batch's chain too
    tampering = {
        "reading value": lambda es: es.__setitem__(2, {**es[2], "details": {**es[2]["details"],
                                                                         "packed": es[2]["details"]["packed"][:-2] + "ff"}}),
        "actor": lambda es: es[1].__setitem__("actor", accounts["buyer"]),
        "timestamp": lambda es: es[1].__setitem__("timestamp", es[1]["timestamp"] + 1),
        "carbon": lambda es: es[3]["details"].__setitem__("grams", 1),
        "dropped last": lambda es: es.pop(),
        "dropped middle": lambda es: es.pop(1),
    }
    for what, tamper in tampering.items():
        entries = copy.deepcopy(trace["entries"])
        tamper(entries)
        assert not hashchain.verify(oid, entries, head).ok, what


def test_the_plain_checkpoint_stays_within_its_gas(p, client, accounts, trade):
    """Before this change a mid-journey checkpoint cost 39,534-39,600 gas (Delivered 39,989). Issue 15's tranche
    triggers and eBL hold (Shipment.marks, read with the carrier) add 79 gas to a plain shipment's mid-journey
    checkpoint (39,670) and none to its Delivered (39,676)."""
    oid = trade.shipped()
    client.provenance.checkpoint(oid, "PickedUp", "CNSZX", sender=accounts["carrier"])
    used = [client.provenance.checkpoint(oid, k, "NLRTM", hash_bytes(k.encode()), sender=accounts["carrier"]).gas_used
            for k in ("Departed", "Arrived")]
    delivered = client.provenance.deliver(oid, "DEHAM", sender=accounts["carrier"]).gas_used
    assert max(used) <= 39_680 and delivered <= 39_989, (used, delivered)
