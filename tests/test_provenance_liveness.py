"""Issue 10, items 3-10: the logistics record stays live (a carrier can be replaced, a late delivery can be
excused by the arbiter) and no one can bend it (limits the seller never saw, relayed deliveries turned late,
nonces that block each other, links nobody on the shipment accepted, a token that stalls a batch)."""

from __future__ import annotations

import pytest

from helpers import DAY, ETHER, deploy, events
from tradechain.vocabulary import ETH, hash_bytes

pytestmark = pytest.mark.usefixtures("conservation_check")


@pytest.fixture
def p(client):
    return client.provenance


@pytest.fixture
def carrier2(client, accounts) -> str:
    """A second carrier (keeper gets the role)."""
    client.grant_role("Provenance", "CARRIER", accounts["keeper"], sender=accounts["admin"])
    return accounts["keeper"]


def paid(receipt) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in events(receipt, "Payout"):
        out[e["to"]] = out.get(e["to"], 0) + e["amount"]
    return out


# ------------------------------------------------------------------ item 3: carrier replacement, deliverBy extension


def test_a_revoked_carrier_strands_its_shipment_until_the_buyer_is_refunded(client, trade, accounts, carrier2,
                                                                            reverts):
    """Was an attack: once the carrier's key was revoked nobody could ever confirm the delivery. Now the seller
    nominates another carrier, the admin confirms it, and the new carrier delivers; the log records the change."""
    oid = trade.shipped()
    a = accounts
    client.revoke_role("Provenance", "CARRIER", a["carrier"], sender=a["admin"])
    with reverts("NotCarrier", account=a["carrier"]):
        trade.deliver(oid)
    with reverts("CarrierNotNominated", shipmentId=oid, carrier=carrier2, nominated=ETH):
        client.provenance.replace_carrier(oid, carrier2, sender=a["admin"])  # the admin alone cannot move a shipment
    with reverts("NotSeller", orderId=oid, caller=a["buyer"]):
        client.escrow.nominate_carrier(oid, carrier2, sender=a["buyer"])
    with reverts("CarrierIsParty", orderId=oid, carrier=a["buyer"]):
        client.escrow.nominate_carrier(oid, a["buyer"], sender=a["seller"])
    with reverts("NotCarrier", account=a["buyer2"]):
        client.escrow.nominate_carrier(oid, a["buyer2"], sender=a["seller"])
    client.escrow.nominate_carrier(oid, carrier2, sender=a["seller"])
    with reverts("AccessControlUnauthorizedAccount", account=a["seller"]):
        client.provenance.replace_carrier(oid, carrier2, sender=a["seller"])  # the seller alone cannot either
    r = client.provenance.replace_carrier(oid, carrier2, sender=a["admin"])
    assert r.event("CarrierReplaced") == {"shipmentId": oid, "from": a["carrier"], "to": carrier2,
                                          "seq": r.event("Checkpoint")["seq"]}
    assert client.escrow.get_order(oid).carrier == carrier2
    assert client.tx.call("Provenance", "custodianOf", [oid]) == carrier2
    client.provenance.deliver(oid, "DEHAM", sender=carrier2)
    trade.travel_to(client.escrow.get_order(oid).inspection_ends_at)
    r = client.escrow.release(oid, sender=a["keeper"])
    assert paid(r)[a["seller"]] == ETHER - ETHER // 100
    with reverts("WrongState", orderId=oid, actual="Released"):
        client.escrow.nominate_carrier(oid, a["carrier"], sender=a["seller"])


def test_the_carrier_change_is_an_entry_of_the_verified_log(client, trade, p, accounts, carrier2):
    oid = trade.shipped()
    client.provenance.checkpoint(oid, "PickedUp", "CNSZX", sender=accounts["carrier"])
    client.escrow.nominate_carrier(oid, carrier2, sender=accounts["seller"])
    client.provenance.replace_carrier(oid, carrier2, sender=accounts["admin"])
    client.provenance.checkpoint(oid, "Arrived", "NLRTM", sender=carrier2)
    entries = p.entries(oid)
    assert [e["kind"] for e in entries] == ["PickedUp", "CarrierChanged", "Arrived"]
    assert entries[1]["details"] == {"from": accounts["carrier"], "to": carrier2}
    assert p.trace(oid)["verified"]["ok"]


def test_a_late_delivery_cannot_be_excused_by_anyone(client, trade, accounts, reverts):
    """Was an attack: goods that arrived a day late were refunded, and no arbiter could extend deliverBy."""
    oid = trade.shipped()
    a = accounts
    old = client.escrow.get_order(oid).deliver_by
    trade.travel_to(old + DAY)
    trade.deliver(oid)
    assert client.escrow.actionable(oid) == (False, True)
    with reverts("DeliverByNotExtended", orderId=oid, deliverBy=old, proposed=old):
        client.escrow.extend_deliver_by(oid, old, sender=a["arbiter"])
    with reverts("DeadlineTooFar"):
        client.escrow.extend_deliver_by(oid, trade.now() + 31 * DAY, sender=a["arbiter"])
    r = client.escrow.extend_deliver_by(oid, old + 2 * DAY, hash_bytes(b"port strike"), sender=a["arbiter"])
    assert r.event("DeliverByExtended")["newDeliverBy"] == old + 2 * DAY
    order = client.escrow.get_order(oid)
    assert order.state == "Delivered" and client.escrow.actionable(oid) == (False, False)
    with reverts("WrongState", orderId=oid, actual="Delivered", required="Shipped"):
        client.escrow.extend_deliver_by(oid, old + 3 * DAY, sender=a["arbiter"])
    trade.travel_to(order.inspection_ends_at)
    r = client.escrow.release(oid, sender=a["keeper"])
    assert paid(r)[a["seller"]] == ETHER - ETHER // 100


def test_only_a_neutral_arbiter_extends_the_delivery_deadline(client, trade, accounts, reverts):
    oid = trade.shipped()
    deliver_by = client.escrow.get_order(oid).deliver_by
    with reverts("AccessControlUnauthorizedAccount", account=accounts["seller"]):
        client.escrow.extend_deliver_by(oid, deliver_by + DAY, sender=accounts["seller"])
    client.grant_role("TradeEscrow", "ARBITER", accounts["seller"], sender=accounts["admin"])
    with reverts("ArbiterIsParty", orderId=oid, arbiter=accounts["seller"]):
        client.escrow.extend_deliver_by(oid, deliver_by + DAY, sender=accounts["seller"])


# ------------------------------------------------------------------ item 4: ship commits to the limits it accepts


def test_buyer_changes_the_sensor_limits_just_before_the_seller_ships(client, trade, p, accounts, reverts):
    """Was an attack: the seller saw 2..8 °C, the buyer tightened them first, the seller shipped anyway."""
    oid = trade.place()
    client.escrow.set_sensor_limits(oid, (2, 8), 70, 5, sender=accounts["buyer"])
    seen = client.escrow.limits_hash(oid)  # what the seller read
    client.escrow.set_sensor_limits(oid, (4, 5), 10, 1, sender=accounts["buyer"])  # lands before the seller's ship
    with reverts("LimitsMismatch", shipmentId=oid, agreed=client.escrow.limits_hash(oid), expected=seen):
        client.escrow.ship(oid, accounts["carrier"], limits_hash=seen, sender=accounts["seller"])
    trade.ship(oid)  # having read them again, the seller accepts the new limits
    limits, _ = client.tx.call("Provenance", "limitsOf", [oid])
    assert limits[0] == 400


def test_shipping_without_limits_commits_to_none(client, trade, p, accounts, reverts):
    oid = trade.place()
    assert client.escrow.limits_hash(oid) == bytes(32)
    client.escrow.set_sensor_limits(oid, (2, 8), 70, 5, sender=accounts["buyer"])
    with reverts("LimitsMismatch", shipmentId=oid, expected=bytes(32)):
        client.escrow.ship(oid, accounts["carrier"], limits_hash=bytes(32), sender=accounts["seller"])


# ------------------------------------------------------------------ item 5: a relayed Delivered keeps its time


def test_a_relayed_delivery_signed_in_time_becomes_late(client, trade, p, accounts, reverts):
    """Was an attack: the relayer waited past deliverBy and the delivery took the relay block's time. Now a relayed
    Delivered keeps the time the carrier signed."""
    oid = trade.shipped()
    deliver_by = client.escrow.get_order(oid).deliver_by
    trade.travel_to(deliver_by - 60)
    signed = p.sign_checkpoint(oid, "Delivered", "DEHAM", signer=accounts["carrier"], valid_for=30 * DAY)
    trade.travel_to(deliver_by + 3600)
    p.relay_checkpoint(signed, sender=accounts["keeper"])
    order = client.escrow.get_order(oid)
    assert order.delivered_at == signed["message"]["at"] <= deliver_by
    assert order.state == "Delivered" and client.escrow.actionable(oid) == (False, False)


def test_a_signed_time_in_the_future_or_too_old_is_refused(client, trade, p, accounts, reverts):
    oid = trade.shipped()
    carrier = accounts["carrier"]
    ahead = p.sign_checkpoint(oid, "Delivered", signer=carrier, at=trade.now() + 3600)
    with reverts("SignedTimeOutOfRange", at=ahead["message"]["at"], maxDelay=6 * 3600):
        p.relay_checkpoint(ahead, sender=accounts["keeper"])
    stale = p.sign_checkpoint(oid, "Delivered", signer=carrier, valid_for=30 * DAY)
    trade.travel_to(trade.now() + 7 * 3600)  # backdating a delivery is bounded by the relay delay
    with reverts("SignedTimeOutOfRange", at=stale["message"]["at"], maxDelay=6 * 3600):
        p.relay_checkpoint(stale, sender=accounts["keeper"])


# ------------------------------------------------------------------ item 6: unordered nonces


def test_one_unusable_signature_blocks_every_later_one(client, trade, p, accounts, reverts):
    """Was an attack: nonce 0 was signed but never relayed (it expired), so nonce 1 could never be used."""
    oid = trade.shipped()
    carrier = accounts["carrier"]
    p.sign_checkpoint(oid, "PickedUp", signer=carrier, valid_for=60, nonce=0)  # lost, never relayed
    later = p.sign_checkpoint(oid, "Departed", signer=carrier, nonce=1)
    p.relay_checkpoint(later, sender=accounts["keeper"])
    assert client.tx.call("Provenance", "nonceUsed", [carrier, 1]) and not client.tx.call("Provenance", "nonceUsed",
                                                                                       [carrier, 0])
    with reverts("NonceAlreadyUsed", signer=carrier, nonce=1):
        p.relay_checkpoint(later, sender=accounts["buyer"])


def test_a_signer_cancels_a_signature_it_no_longer_wants_relayed(client, trade, p, accounts, reverts):
    oid = trade.shipped()
    carrier = accounts["carrier"]
    signed = p.sign_checkpoint(oid, "Arrived", signer=carrier, nonce=2**200 + 7)
    r = p.invalidate_nonce(2**200 + 7, sender=carrier)
    assert r.event("NonceInvalidated") == {"signer": carrier, "nonce": 2**200 + 7}
    with reverts("NonceAlreadyUsed", signer=carrier, nonce=2**200 + 7):
        p.relay_checkpoint(signed, sender=accounts["keeper"])


# ------------------------------------------------------------------ item 8: a gas-burning token in a batch


def test_a_gas_burning_token_stalls_the_whole_release_batch(client, trade, accounts):
    """Was an attack: one order paid in a token whose transfer burns all gas reverted the whole batch. Now an
    ERC-20 payout gets capped gas like an ETH push: the poisoned payout is credited, the honest order is paid."""
    a = accounts
    burner = deploy(client, "GasBurningToken", sender=a["admin"])  # not registered: its address is reused later
    token = burner.address
    burner.transact("mint", [a["buyer"], 1000], sender=a["admin"])
    honest = trade.delivered()
    poisoned = trade.delivered(token, amount=1000)
    burner.transact("setBurning", [True], sender=a["admin"])
    trade.travel_to(client.escrow.get_order(poisoned).inspection_ends_at)
    r = client.escrow.release_batch([honest, poisoned], sender=a["keeper"])
    assert [client.escrow.get_order(i).state for i in (honest, poisoned)] == ["Released", "Released"]
    credited = {(p["orderId"], p["credited"]) for p in events(r, "Payout") if p["to"] == a["seller"]}
    assert credited == {(honest, False), (poisoned, True)}
    assert client.escrow.credits(a["seller"], token) == 990
    assert r.gas_used < 200_000 + 2 * 120_000  # the client's gas for a batch of two was enough


# ------------------------------------------------------------------ item 9: links need the shipment's consent


def test_any_producer_links_its_batch_into_a_strangers_shipment(client, trade, p, accounts, reverts):
    """Was an attack: a producer with no part in the shipment appended to its log. Now the link waits for the
    shipment's carrier (or custodian) to accept it."""
    oid = trade.shipped()
    client.grant_role("Provenance", "PRODUCER", accounts["buyer2"], sender=accounts["admin"])
    batch, _ = p.register_batch("SPAM", "CN", 1, [], "CNXMN", sender=accounts["buyer2"])
    before = client.tx.call("Provenance", "entryCount", [oid])
    r = p.link_batch(batch, oid, sender=accounts["buyer2"])
    assert r.event("LinkRequested") == {"batchId": batch, "shipmentId": oid, "by": accounts["buyer2"]}
    assert client.tx.call("Provenance", "entryCount", [oid]) == before
    assert client.tx.call("Provenance", "shipmentsOf", [batch]) == []
    with reverts("NotShipmentCarrier", shipmentId=oid, caller=accounts["buyer2"], carrier=accounts["carrier"]):
        p.accept_link(batch, oid, sender=accounts["buyer2"])
    with reverts("LinkNotRequested", batchId=batch, shipmentId=oid + 1):
        p.accept_link(batch, oid + 1, sender=accounts["carrier"])
    p.accept_link(batch, oid, sender=accounts["carrier"])
    assert client.tx.call("Provenance", "entryCount", [oid]) == before + 1
    with reverts("LinkNotRequested", batchId=batch, shipmentId=oid):  # a request is used once
        p.accept_link(batch, oid, sender=accounts["carrier"])


def test_a_carrier_holding_the_batch_links_it_in_one_step(client, trade, p, accounts):
    oid = trade.shipped()
    batch, _ = p.register_batch("TEA", "CN", 10, [], "CNXMN", sender=accounts["seller"])
    p.offer_custody(batch, accounts["carrier"], sender=accounts["seller"])
    p.take_custody(batch, "CNXMN", sender=accounts["carrier"])
    r = p.link_batch(batch, oid, sender=accounts["carrier"])
    assert r.event("BatchLinked") == {"batchId": batch, "shipmentId": oid}


# ------------------------------------------------------------------ item 10: informational points


def test_the_admin_shortens_the_dispute_period_of_orders_already_placed(client, trade, accounts):
    """Was an attack: the ruling period was read when the dispute opened, not when the order was placed."""
    oid = trade.delivered()
    period = client.tx.call("TradeEscrow", "disputePeriod")
    client.tx.send("TradeEscrow", "setDisputePeriod", [DAY], sender=accounts["admin"])
    r = trade.dispute(oid)
    assert r.event("OrderDisputed")["rulingDeadline"] == client.chain.block_time(r.block) + period != DAY
    # an order placed under the new period keeps it, even after the admin changes it again
    later = trade.delivered()
    client.tx.send("TradeEscrow", "setDisputePeriod", [60 * DAY], sender=accounts["admin"])
    assert client.escrow.get_order(later).ruling_deadline == 0  # not disputed: no deadline shown
    r = trade.dispute(later)
    assert r.event("OrderDisputed")["rulingDeadline"] == client.chain.block_time(r.block) + DAY


def test_the_seller_names_itself_as_carrier(client, trade, accounts, reverts):
    """Was an attack: a seller holding CARRIER confirmed its own delivery (or named the buyer, who never would)."""
    client.grant_role("Provenance", "CARRIER", accounts["seller"], sender=accounts["admin"])
    client.grant_role("Provenance", "CARRIER", accounts["buyer"], sender=accounts["admin"])
    oid = trade.place()
    for who in ("seller", "buyer"):
        with reverts("CarrierIsParty", orderId=oid, carrier=accounts[who]):
            trade.ship(oid, carrier=accounts[who])
    assert client.escrow.get_order(oid).state == "Funded"


def test_a_gas_burning_token_is_deployed_with_its_switch_off(client, accounts):
    """The test token itself: transfers work until `setBurning(true)`."""
    burner = deploy(client, "GasBurningToken", sender=accounts["admin"])
    burner.transact("mint", [accounts["admin"], 5], sender=accounts["admin"])
    burner.transact("transfer", [accounts["buyer"], 5], sender=accounts["admin"])
    assert client.tokens.balance(accounts["buyer"], burner.address) == 5


def test_no_carrier_change_after_the_delivery(client, trade, accounts, carrier2, reverts):
    oid = trade.shipped()
    client.escrow.nominate_carrier(oid, carrier2, sender=accounts["seller"])
    trade.deliver(oid)
    delivered_at = client.escrow.get_order(oid).delivered_at
    with reverts("AlreadyDelivered", shipmentId=oid, deliveredAt=delivered_at):
        client.escrow.nominate_carrier(oid, carrier2, sender=accounts["seller"])
    with reverts("AlreadyDelivered", shipmentId=oid, deliveredAt=delivered_at):
        client.provenance.replace_carrier(oid, carrier2, sender=accounts["admin"])
