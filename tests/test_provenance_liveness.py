"""Issue 10, items 3-10: the logistics record stays live (a carrier can be replaced, a late delivery can be
excused by the arbiter) and no one can bend it (limits the seller never saw, relayed deliveries turned late,
nonces that block each other, links nobody on the shipment accepted, a token that stalls a batch)."""

from __future__ import annotations

import pytest

from attack_kit import deploy as deploy_labelled
from helpers import DAY, ETHER, events
from tradechain.provenance import ProvenanceClient

pytestmark = pytest.mark.usefixtures("conservation_check")


@pytest.fixture
def p(client) -> ProvenanceClient:
    return ProvenanceClient(client)


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
    """Attack works today: once the carrier's key is revoked nobody can ever confirm the delivery."""
    oid = trade.shipped()
    client.revoke_role("Provenance", "CARRIER", accounts["carrier"], sender=accounts["admin"])
    with reverts("NotCarrier", account=accounts["carrier"]):
        trade.deliver(oid)
    with reverts("NotShipmentCarrier", caller=carrier2):
        client.deliver(oid, "DEHAM", sender=carrier2)
    trade.travel_to(client.get_order(oid).deliver_by + 1)
    r = client.refund(oid, sender=accounts["keeper"])
    assert paid(r) == {accounts["buyer"]: ETHER}


def test_a_late_delivery_cannot_be_excused_by_anyone(client, trade, accounts):
    """Attack works today: goods that arrived a day late are refunded; no arbiter can extend deliverBy."""
    oid = trade.shipped()
    trade.travel_to(client.get_order(oid).deliver_by + DAY)
    trade.deliver(oid)
    assert client.actionable(oid) == (False, True)


# ------------------------------------------------------------------ item 4: ship commits to the limits it accepts


def test_buyer_changes_the_sensor_limits_just_before_the_seller_ships(client, trade, p, accounts):
    """Attack works today: the seller saw 2..8 °C, the buyer tightened them first, the seller ships anyway."""
    oid = trade.place()
    p.set_sensor_limits(oid, (2, 8), 70, 5, sender=accounts["buyer"])
    p.set_sensor_limits(oid, (4, 5), 10, 1, sender=accounts["buyer"])  # lands before the seller's ship
    trade.ship(oid)
    limits, _ = client.call("Provenance", "limitsOf", [oid])
    assert limits[0] == 400  # the seller is bound by limits it never saw


# ------------------------------------------------------------------ item 5: a relayed Delivered keeps its time


def test_a_relayed_delivery_signed_in_time_becomes_late(client, trade, p, accounts):
    """Attack works today: the relayer waits past deliverBy, the delivery takes the relay block's time."""
    oid = trade.shipped()
    signed = p.sign_checkpoint(oid, "Delivered", "DEHAM", signer=accounts["carrier"], valid_for=30 * DAY)
    trade.travel_to(client.get_order(oid).deliver_by + 1)
    p.relay_checkpoint(signed, sender=accounts["keeper"])
    assert client.actionable(oid) == (False, True)


# ------------------------------------------------------------------ item 6: unordered nonces


def test_one_unusable_signature_blocks_every_later_one(client, trade, p, accounts, reverts):
    """Attack works today: nonce 0 was signed but never relayed (it expired), so nonce 1 can never be used."""
    oid = trade.shipped()
    carrier = accounts["carrier"]
    p.sign_checkpoint(oid, "PickedUp", signer=carrier, valid_for=60, nonce=0)  # lost, never relayed
    later = p.sign_checkpoint(oid, "Departed", signer=carrier, nonce=1)
    with reverts("InvalidAccountNonce", account=carrier, currentNonce=0):
        p.relay_checkpoint(later, sender=accounts["keeper"])


# ------------------------------------------------------------------ item 8: a gas-burning token in a batch


def test_a_gas_burning_token_stalls_the_whole_release_batch(client, trade, accounts):
    """Attack works today: one order paid in a token whose transfer burns all gas reverts the batch."""
    a = accounts
    label, token = deploy_labelled(client, "GasBurningToken", sender=a["admin"])
    client.transact(label, "mint", [a["buyer"], 1000], sender=a["admin"])
    honest = trade.delivered()
    poisoned = trade.delivered(token, amount=1000)
    client.transact(label, "setBurning", [True], sender=a["admin"])
    trade.travel_to(client.get_order(poisoned).inspection_ends_at)
    with pytest.raises(Exception):
        client.release_batch([honest, poisoned], sender=a["keeper"])
    assert client.get_order(honest).state == "Delivered"


# ------------------------------------------------------------------ item 9: links need the shipment's consent


def test_any_producer_links_its_batch_into_a_strangers_shipment(client, trade, p, accounts):
    """Attack works today: a producer with no part in the shipment appends to its log."""
    oid = trade.shipped()
    client.grant_role("Provenance", "PRODUCER", accounts["buyer2"], sender=accounts["admin"])
    batch, _ = p.register_batch("SPAM", "CN", 1, [], "CNXMN", sender=accounts["buyer2"])
    before = client.call("Provenance", "entryCount", [oid])
    p.link_batch(batch, oid, sender=accounts["buyer2"])
    assert client.call("Provenance", "entryCount", [oid]) == before + 1


# ------------------------------------------------------------------ item 10: informational points


def test_the_admin_shortens_the_dispute_period_of_orders_already_placed(client, trade, accounts):
    """Attack works today: the ruling period is read when the dispute opens, not when the order was placed."""
    oid = trade.delivered()
    period = client.call("TradeEscrow", "disputePeriod")
    client.transact("TradeEscrow", "setDisputePeriod", [DAY], sender=accounts["admin"])
    r = trade.dispute(oid)
    assert r.event("OrderDisputed")["rulingDeadline"] == client.block_time(r.block) + DAY != period


def test_the_seller_names_itself_as_carrier(client, trade, accounts):
    """Attack works today: a seller holding CARRIER confirms its own delivery."""
    client.grant_role("Provenance", "CARRIER", accounts["seller"], sender=accounts["admin"])
    oid = trade.place()
    trade.ship(oid, carrier=accounts["seller"])
    client.deliver(oid, "DEHAM", sender=accounts["seller"])
    assert client.get_order(oid).state == "Delivered"


def test_a_gas_burning_token_is_deployed_with_its_switch_off(client, accounts):
    """The test token itself: transfers work until `setBurning(true)`."""
    label, token = deploy_labelled(client, "GasBurningToken", sender=accounts["admin"])
    client.transact(label, "mint", [accounts["admin"], 5], sender=accounts["admin"])
    client.transact(label, "transfer", [accounts["buyer"], 5], sender=accounts["admin"])
    assert client.balance(accounts["buyer"], token) == 5
