"""Provenance: who may open shipments and record checkpoints, and the hash chain that lets anyone check a copy
of the log against one value on chain."""

from __future__ import annotations

import copy

import pytest

from tradechain.errors import ContractRevert, UsageError
from tradechain.vocabulary import ETH, KINDS, ZERO32, hash_bytes, location_code

from helpers import checkpoint_hash, deploy, replay_head, reverts

PHOTO = hash_bytes(b"container seal photo")


def kind(name: str) -> int:
    return KINDS.index(name)


def record(client, shipment: int, kind_: int, location: str = "", evidence: bytes = ZERO32, *, sender: str):
    """Provenance.record as sent, without the client's check of the kind."""
    return client.tx.send("Provenance", "record", [shipment, kind_, location_code(location), evidence],
                           sender=sender)


def checkpoints(client, order_id: int) -> list[dict]:
    # the entry's time is its block's (the event does not repeat it)
    return [{**e["args"], "timestamp": e["timestamp"]} for e in client.timeline(order_id) if e["event"] == "Checkpoint"]


# ============================================================================ opening shipments


def test_only_the_escrow_opens_shipments(client, accounts, carrier):
    admin = accounts["admin"]
    assert client.has_role("Provenance", "ESCROW", client.escrow.address)
    with reverts("AccessControlUnauthorizedAccount", account=admin, neededRole="ESCROW"):
        client.tx.send("Provenance", "openShipment", [1000, carrier, ZERO32, ZERO32], sender=admin)


def test_a_shipment_opens_once_with_a_carrier_that_holds_the_role(client, trade, accounts, carrier):
    admin = accounts["admin"]
    client.grant_role("Provenance", "ESCROW", admin, sender=admin)  # an admin stand-in for the escrow
    with reverts("NotCarrier", account=accounts["buyer2"]):
        client.tx.send("Provenance", "openShipment", [1, accounts["buyer2"], ZERO32, ZERO32], sender=admin)

    receipt = client.tx.send("Provenance", "openShipment", [1, carrier, PHOTO, ZERO32], sender=admin)
    assert receipt.event("ShipmentOpened") == {"shipmentId": 1, "carrier": carrier, "billOfLadingHash": PHOTO}
    with reverts("ShipmentExists", shipmentId=1):
        client.tx.send("Provenance", "openShipment", [1, carrier, ZERO32, ZERO32], sender=admin)
    # shipment ids are order ids: order 1 can no longer ship
    order_id = trade.place()
    with reverts("ShipmentExists", shipmentId=order_id):
        trade.ship(order_id)


def test_the_constructor_needs_an_admin(client, accounts):
    with reverts("InvalidAdmin", admin=ETH):
        deploy(client, "Provenance", ETH, sender=accounts["admin"])


# ============================================================================ recording checkpoints


def test_the_carrier_records_logistics_checkpoints(client, trade, carrier):
    order_id = trade.shipped()
    receipt = client.provenance.checkpoint(order_id, "PickedUp", "CNSHA", PHOTO, sender=carrier)

    cp = receipt.event("Checkpoint")
    assert cp == {
        "shipmentId": order_id, "seq": 0, "actor": carrier, "kind": kind("PickedUp"),
        "location": b"CNSHA\x00\x00\x00", "evidenceHash": PHOTO, "head": cp["head"],
    }
    cp = {**cp, "timestamp": client.chain.block_time(receipt.block)}  # hashed into the chain, read from the block
    assert cp["head"] == client.tx.call("Provenance", "headOf", [order_id]) == checkpoint_hash(ZERO32, cp)
    client.provenance.checkpoint(order_id, "Departed", "CNSHA", sender=carrier)
    assert client.tx.call("Provenance", "shipmentOf", [order_id]) == (carrier, 0, 2, 0, 0)  # no breaches, no marks


def test_customs_records_clearances_and_only_customs(client, trade, carrier, customs):
    order_id = trade.shipped()
    for clearance in ("ExportCleared", "ImportCleared"):
        with reverts("NotCustoms", account=carrier):
            client.provenance.checkpoint(order_id, clearance, "CNSHA", sender=carrier)
        assert client.provenance.checkpoint(order_id, clearance, "CNSHA", sender=customs).event("Checkpoint")["actor"] == customs


@pytest.mark.parametrize("logistics", ["PickedUp", "Arrived", "Delivered"])
def test_only_the_shipments_own_carrier_records_logistics(client, trade, accounts, carrier, customs, logistics):
    order_id = trade.shipped()
    other_carrier = accounts["keeper"]
    client.grant_role("Provenance", "CARRIER", other_carrier, sender=accounts["admin"])
    for intruder in (customs, other_carrier, accounts["seller"]):
        with reverts("NotShipmentCarrier", shipmentId=order_id, caller=intruder, carrier=carrier):
            client.provenance.checkpoint(order_id, logistics, sender=intruder)
    client.provenance.checkpoint(order_id, logistics, sender=carrier)


def test_a_carrier_whose_role_was_revoked_records_nothing(client, trade, accounts, carrier):
    order_id = trade.shipped()
    client.revoke_role("Provenance", "CARRIER", carrier, sender=accounts["admin"])
    with reverts("NotCarrier", account=carrier):
        client.provenance.deliver(order_id, sender=carrier)
    assert client.escrow.get_order(order_id).delivered_at == 0


def test_no_checkpoint_on_an_unknown_shipment(client, trade, carrier, customs):
    funded = trade.place()  # an order that has not shipped has no shipment
    for shipment in (funded, 999):
        with reverts("UnknownShipment", shipmentId=shipment):
            client.provenance.deliver(shipment, sender=carrier)
        with reverts("UnknownShipment", shipmentId=shipment):
            client.provenance.checkpoint(shipment, "ExportCleared", sender=customs)


def test_kind_none_is_not_a_checkpoint(client, trade, carrier):
    order_id = trade.shipped()
    with reverts("InvalidKind", kind=0):
        record(client, order_id, 0, sender=carrier)
    with pytest.raises(ContractRevert) as caught:  # past the enum: refused by ABI decoding, with no reason
        record(client, order_id, len(KINDS), sender=carrier)
    assert caught.value.data == b""
    with pytest.raises(UsageError, match="unknown checkpoint kind"):
        client.provenance.checkpoint(order_id, "None", sender=carrier)


def test_delivery_is_recorded_once(client, trade, carrier):
    order_id = trade.shipped()
    receipt = client.provenance.deliver(order_id, "DEHAM", PHOTO, sender=carrier)
    delivered_at = client.chain.block_time(receipt.block)
    assert client.tx.call("Provenance", "deliveredAt", [order_id]) == delivered_at
    assert client.escrow.get_order(order_id).delivered_at == delivered_at  # the escrow reads it from here

    with reverts("AlreadyDelivered", shipmentId=order_id, deliveredAt=delivered_at):
        client.provenance.deliver(order_id, "DEHAM", sender=carrier)
    assert client.tx.call("Provenance", "deliveredAt", [order_id]) == delivered_at


# ============================================================================ the hash chain


@pytest.fixture
def logged(client, trade, carrier, customs):
    """Two shipments whose checkpoints interleave; returns their order ids."""
    a, b = trade.shipped(), trade.shipped()
    steps = [
        (a, "PickedUp", "CNSZX", carrier), (a, "ExportCleared", "CNSZX", customs), (b, "PickedUp", "VNSGN", carrier),
        (a, "Departed", "CNYTN", carrier), (b, "Departed", "VNSGN", carrier), (a, "Arrived", "NLRTM", carrier),
        (a, "ImportCleared", "NLRTM", customs), (a, "Delivered", "DEHAM", carrier),
    ]
    for order_id, name, where, who in steps:
        client.provenance.checkpoint(order_id, name, where, hash_bytes(f"{order_id}{name}".encode()), sender=who)
    return a, b


def test_the_hash_chain_recomputed_from_the_events_matches_the_chain(client, logged):
    for order_id, count in zip(logged, (6, 2)):
        cps = checkpoints(client, order_id)
        assert [cp["seq"] for cp in cps] == list(range(count))
        assert {cp["shipmentId"] for cp in cps} == {order_id}
        head = ZERO32
        for cp in cps:  # every event carries the head after it
            head = checkpoint_hash(head, cp)
            assert cp["head"] == head
        assert replay_head(cps) == client.tx.call("Provenance", "headOf", [order_id]) == head


FORGERIES = {
    "location": b"USNYC\x00\x00\x00",
    "evidenceHash": hash_bytes(b"another photo"),
    "actor": "0x000000000000000000000000000000000000dEaD",
    "timestamp": lambda cp: cp["timestamp"] + 1,
    "kind": kind("Arrived"),
    "seq": 7,
    "shipmentId": lambda cp: cp["shipmentId"] + 1,
}


def test_a_copy_with_any_field_changed_does_not_match_the_chain(client, logged):
    order_id = logged[0]
    cps = checkpoints(client, order_id)
    on_chain = client.tx.call("Provenance", "headOf", [order_id])
    assert replay_head(cps) == on_chain
    for field, forged in FORGERIES.items():
        tampered = copy.deepcopy(cps)
        entry = tampered[2]  # Departed
        entry[field] = forged(entry) if callable(forged) else forged
        assert entry[field] != cps[2][field]
        assert replay_head(tampered) != on_chain, f"changing {field} went unnoticed"


def test_a_copy_with_an_entry_dropped_or_reordered_does_not_match(client, logged):
    order_id = logged[0]
    cps = checkpoints(client, order_id)
    on_chain = client.tx.call("Provenance", "headOf", [order_id])
    assert replay_head(cps[:2] + cps[3:]) != on_chain
    assert replay_head([cps[1], cps[0], *cps[2:]]) != on_chain
    assert replay_head(cps[:-1]) == cps[-2]["head"] != on_chain  # a prefix matches an older head only


def test_an_unknown_shipment_has_no_head(client):
    assert client.tx.call("Provenance", "headOf", [999]) == ZERO32
    assert client.tx.call("Provenance", "shipmentOf", [999]) == (ETH, 0, 0, 0, 0)
