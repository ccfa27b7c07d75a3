"""The electronic bill of lading (issue 15, part 2): one title per shipment, held by the escrow while payment is
outstanding, passed to the buyer with the tranche that pays for the documents (delivery versus payment), endorsed
on, surrendered for delivery, returned or voided on a refund; and the attackers on it."""

from __future__ import annotations

import pytest

from tradechain.tranches import Tranche, pack
from tradechain.vocabulary import ETH, ZERO32

from helpers import DAY, ETHER, Balances, as_party, calldata, deploy, events, reverts, selector

T = Tranche
DOCS_ON_EXPORT = [T(3000, "ExportCleared"), T(7000, "End")]
BL = b"\xb1" * 32
MODE = {"Accept": 0, "Revert": 1, "BurnGas": 2, "HugeData": 3, "Reenter": 4}
REENTRANT = selector("ReentrancyGuardReentrantCall()")

pytestmark = pytest.mark.usefixtures("conservation_check")


def _place(client, trade, accounts, *, buyer=None, tranches=DOCS_ON_EXPORT, documents=1, party_sender=None):
    now = trade.now()
    args = [accounts["seller"], ETH, ETHER, now + DAY, now + 10 * DAY, 3 * DAY, ZERO32, 0, pack(tranches, documents)]
    if party_sender is None:
        order_id, _ = client.escrow.place_order(buyer=buyer or accounts["buyer"], seller=args[0], amount=ETHER,
                                                ship_by=args[3], deliver_by=args[4], inspection_window=args[5],
                                                schedule=args[8])
        return order_id
    r = as_party(client, client.tx.name_of(buyer), client.escrow.address,
                 calldata(client, "TradeEscrow", "placeOrder", tuple(args)), sender=party_sender, value=ETHER)
    return r.event("OrderPlaced")["orderId"]


def _shipped(client, trade, accounts, **kw):
    order_id = _place(client, trade, accounts, **kw)
    client.escrow.ship(order_id, accounts["carrier"], BL, sender=accounts["seller"])
    return order_id


def _export(client, accounts, order_id):
    client.provenance.checkpoint(order_id, "ExportCleared", "CNSHA", sender=accounts["customs"])


@pytest.fixture
def hostile(client, accounts):
    deployed = deploy(client, "HostileParty", sender=accounts["admin"])
    return deployed.name, deployed.address


# ------------------------------------------------------------------ life cycle


def test_title_issued_to_the_escrow_at_shipping_bound_to_the_bill_of_lading(client, trade, accounts):
    order_id = _shipped(client, trade, accounts)
    title = client.titles.get(order_id)
    assert (title.holder, title.beneficiary, title.status) == (client.escrow.address, accounts["seller"], "Issued")
    assert title.bill_of_lading_hash == BL
    assert client.titles.get(trade.shipped()) is None  # a plain order gets no title


def test_delivery_versus_payment_title_passes_with_the_documents_tranche(client, trade, accounts):
    order_id = _shipped(client, trade, accounts)
    _export(client, accounts, order_id)
    before = Balances(client, [(accounts["seller"], ETH)])
    r = client.escrow.release_tranche(order_id, 0, sender=accounts["keeper"])
    assert before.delta(accounts["seller"]) == r.event("TrancheReleased")["toSellerSide"] > 0
    assert r.event("TitleEndorsed")["to"] == accounts["buyer"]  # same transaction
    title = client.titles.get(order_id)
    assert (title.holder, title.beneficiary, title.status) == (accounts["buyer"], accounts["buyer"], "Endorsed")


def test_delivered_needs_the_title_surrendered_by_whoever_holds_it(client, trade, accounts):
    order_id = _shipped(client, trade, accounts)
    with reverts("TitleNotSurrendered", shipmentId=order_id):
        trade.deliver(order_id)  # still in the escrow
    _export(client, accounts, order_id)
    client.escrow.release_tranche(order_id, 0, sender=accounts["keeper"])
    client.titles.endorse(order_id, accounts["buyer2"], sender=accounts["buyer"])
    with reverts("TitleNotSurrendered", shipmentId=order_id):
        trade.deliver(order_id)
    with reverts("NotTitleHolder", tokenId=order_id, caller=accounts["buyer"], holder=accounts["buyer2"]):
        client.titles.surrender(order_id, sender=accounts["buyer"])
    r = client.titles.surrender(order_id, sender=accounts["buyer2"])
    assert r.event("TitleSurrendered")["holder"] == accounts["buyer2"]
    with reverts("TitleClosed", tokenId=order_id, status="Surrendered"):
        client.titles.endorse(order_id, accounts["buyer"], sender=accounts["buyer2"])
    with reverts("TitleClosed", tokenId=order_id, status="Surrendered"):
        client.titles.surrender(order_id, sender=accounts["buyer2"])
    trade.deliver(order_id)
    trade.travel_to(client.escrow.get_order(order_id).inspection_ends_at)
    client.escrow.release(order_id, sender=accounts["keeper"])
    assert client.escrow.get_order(order_id).state == "Released"


def test_the_escrow_never_surrenders_and_only_the_schedule_book_moves_its_titles(client, trade, accounts):
    order_id = _shipped(client, trade, accounts)
    with reverts("TitleInEscrow", tokenId=order_id):
        client.titles.surrender(order_id, sender=accounts["buyer"])
    with reverts("NotTitleEscrow", caller=accounts["seller"]):
        client.tx.send("BillOfLading", "deliver", [order_id, accounts["seller"]], sender=accounts["seller"])
    with reverts("NotTitleEscrow", caller=accounts["seller"]):
        client.tx.send("BillOfLading", "handOverFromEscrow", [order_id, accounts["seller"]], sender=accounts["seller"])
    with reverts("NotScheduleEscrow", caller=accounts["seller"]):
        client.tx.send("PaymentSchedules", "take", [order_id, 0, ETHER, 0, 0, accounts["seller"], True],
                       sender=accounts["seller"])
    with reverts("TitleNotOffered", tokenId=order_id, caller=accounts["buyer"], offeredTo=ETH):
        client.titles.claim(order_id, sender=accounts["buyer"])


def test_title_cannot_be_endorsed_back_into_the_escrow(client, trade, accounts):
    order_id = _shipped(client, trade, accounts)
    _export(client, accounts, order_id)
    client.escrow.release_tranche(order_id, 0, sender=accounts["keeper"])
    with reverts("ERC721InvalidReceiver", receiver=client.escrow.address):
        client.titles.endorse(order_id, client.escrow.address, sender=accounts["buyer"])


def test_refund_returns_a_title_still_in_the_escrow_to_the_seller(client, trade, accounts):
    order_id = _shipped(client, trade, accounts)
    trade.travel_to(client.escrow.get_order(order_id).deliver_by + 1)
    r = client.escrow.refund(order_id, sender=accounts["keeper"])
    assert r.event("OrderRefunded")["amount"] == ETHER
    title = client.titles.get(order_id)
    assert (title.holder, title.beneficiary, title.status) == (accounts["seller"], accounts["seller"], "Endorsed")


def test_refund_voids_a_title_out_with_the_buyer_and_the_documents_tranche_stays_paid(client, trade, accounts):
    order_id = _shipped(client, trade, accounts)
    _export(client, accounts, order_id)
    client.escrow.release_tranche(order_id, 0, sender=accounts["keeper"])
    trade.travel_to(client.escrow.get_order(order_id).deliver_by + 1)
    r = client.escrow.refund(order_id, sender=accounts["keeper"])
    assert r.event("OrderRefunded")["amount"] == ETHER * 7 // 10
    assert r.event("TitleVoided")["holder"] == accounts["buyer"]
    assert client.titles.get(order_id).status == "Voided"
    with reverts("TitleClosed", tokenId=order_id, status="Voided"):
        client.titles.endorse(order_id, accounts["buyer2"], sender=accounts["buyer"])


# ------------------------------------------------------------------ attackers


def test_buyer_contract_refusing_the_title_cannot_block_the_sellers_payment(client, trade, accounts, hostile):
    """A receiver that reverts on the title: the payment goes through, the title stays in the escrow offered to the
    buyer, who claims it once it accepts (or to another address)."""
    label, buyer = hostile
    order_id = _shipped(client, trade, accounts, buyer=buyer, party_sender=accounts["keeper"])
    _export(client, accounts, order_id)
    client.tx.send(label, "setMode", [MODE["Revert"]], sender=accounts["keeper"])
    before = Balances(client, [(accounts["seller"], ETH)])
    r = client.escrow.release_tranche(order_id, 0, sender=accounts["keeper"])
    assert before.delta(accounts["seller"]) == r.event("TrancheReleased")["toSellerSide"]
    assert r.event("TitleOffered")["to"] == buyer
    title = client.titles.get(order_id)
    assert (title.holder, title.beneficiary, title.offered_to) == (client.escrow.address, buyer, buyer)
    with reverts("TitleNotOffered", tokenId=order_id, caller=accounts["buyer"], offeredTo=buyer):
        client.titles.claim(order_id, sender=accounts["buyer"])
    # still refusing: its own claim fails, nobody else's step
    with reverts("Error"):
        as_party(client, label, client.tx.address("BillOfLading"),
                 calldata(client, "BillOfLading", "claim", order_id, buyer), sender=accounts["keeper"])
    as_party(client, label, client.tx.address("BillOfLading"),
             calldata(client, "BillOfLading", "claim", order_id, accounts["buyer2"]), sender=accounts["keeper"])
    assert client.titles.get(order_id).holder == accounts["buyer2"]


def test_gas_burning_title_receiver_costs_the_release_a_bounded_amount(client, trade, accounts, hostile):
    label, buyer = hostile
    order_id = _shipped(client, trade, accounts, buyer=buyer, party_sender=accounts["keeper"])
    _export(client, accounts, order_id)
    client.tx.send(label, "setMode", [MODE["BurnGas"]], sender=accounts["keeper"])
    r = client.escrow.release_tranche(order_id, 0, sender=accounts["keeper"])
    assert r.event("TitleOffered")["to"] == buyer and r.gas_used < 400_000


def test_reentrant_title_receiver_cannot_release_the_tranche_twice(client, trade, accounts, hostile):
    """The buyer's title hook re-enters releaseTranche for the tranche being paid: the escrow's guard stops it, the
    tranche pays once, the title still arrives."""
    label, buyer = hostile
    order_id = _shipped(client, trade, accounts, buyer=buyer, party_sender=accounts["keeper"])
    _export(client, accounts, order_id)
    client.tx.send(label, "setHook", [client.escrow.address,
                                      calldata(client, "TradeEscrow", "releaseTranche", order_id, 0)],
                   sender=accounts["keeper"])
    r = client.escrow.release_tranche(order_id, 0, sender=accounts["keeper"])
    assert client.tx.call(label, "reentryAttempts") == 1 and client.tx.call(label, "reentrySuccesses") == 0
    assert client.tx.call(label, "lastReentryError") == REENTRANT
    assert len(events(r, "TrancheReleased")) == 1 and client.titles.get(order_id).holder == buyer
    with reverts("TrancheAlreadyReleased", orderId=order_id, index=0):
        client.escrow.release_tranche(order_id, 0, sender=accounts["keeper"])


def test_reentrant_title_receiver_cannot_strand_the_title_in_the_escrow(client, trade, accounts, hostile):
    """The hook tries to endorse the title it is receiving back into the escrow (where nothing could move it)."""
    label, buyer = hostile
    order_id = _shipped(client, trade, accounts, buyer=buyer, party_sender=accounts["keeper"])
    _export(client, accounts, order_id)
    client.tx.send(label, "setHook", [client.tx.address("BillOfLading"),
                                      calldata(client, "BillOfLading", "endorse", order_id, client.escrow.address)],
                   sender=accounts["keeper"])
    client.escrow.release_tranche(order_id, 0, sender=accounts["keeper"])
    assert client.tx.call(label, "lastReentryError") == selector("ERC721InvalidReceiver(address)")
    assert client.titles.get(order_id).holder == buyer


def test_tranche_released_twice_in_one_batch_pays_once(client, trade, accounts):
    order_id = _shipped(client, trade, accounts)
    _export(client, accounts, order_id)
    r = client.escrow.release_tranche_batch([order_id, order_id, order_id], sender=accounts["keeper"])
    assert len(events(r, "TrancheReleased")) == 1
    with reverts("TrancheAlreadyReleased", orderId=order_id, index=0):
        client.escrow.release_tranche(order_id, 0, sender=accounts["keeper"])


def test_tranche_trigger_cannot_be_faked_by_a_non_carrier(client, trade, accounts):
    """The seller (or anyone not the shipment's carrier / customs) cannot put a trigger on chain: checkpoints, signed
    relays and corrections are all held to Provenance's rules, and other entries (documents, custody) mark nothing."""
    order_id = _shipped(client, trade, accounts, tranches=[T(2000, "Arrived"), T(3000, "ImportCleared"),
                                                          T(5000, "End")], documents=0)
    seller, carrier = accounts["seller"], accounts["carrier"]
    with reverts("NotShipmentCarrier", shipmentId=order_id, caller=seller, carrier=carrier):
        client.provenance.checkpoint(order_id, "Arrived", "DEHAM", sender=seller)
    with reverts("NotCustoms", account=seller):
        client.provenance.checkpoint(order_id, "ImportCleared", "DEHAM", sender=seller)
    signed = client.provenance.sign_checkpoint(order_id, "Arrived", "DEHAM", signer=seller)
    with reverts("NotShipmentCarrier", shipmentId=order_id, caller=seller, carrier=carrier):
        client.provenance.relay_checkpoint(signed, sender=accounts["keeper"])
    # the carrier hands custody to the seller's agent, who anchors documents: still no trigger
    client.provenance.offer_custody(order_id, seller, sender=carrier)
    client.provenance.take_custody(order_id, "DEHAM", sender=seller)
    client.provenance.anchor_document(order_id, "ProofOfDelivery", b"\x01" * 32, sender=seller)
    with reverts("NotShipmentCarrier", shipmentId=order_id, caller=seller, carrier=carrier):
        client.tx.send("Provenance", "correct", [order_id, 0, 5, b"DEHAM\x00\x00\x00", ZERO32], sender=seller)
    with reverts("TrancheNotDue", orderId=order_id, index=0, trigger="Arrived"):
        client.escrow.release_tranche(order_id, 0, sender=accounts["keeper"])
    with reverts("TrancheNotDue", orderId=order_id, index=1, trigger="ImportCleared"):
        client.escrow.release_tranche(order_id, 1, sender=accounts["keeper"])
    with reverts("AccessControlUnauthorizedAccount"):
        client.tx.send("Provenance", "trackShipment", [order_id, False], sender=seller)
    with reverts("AccessControlUnauthorizedAccount"):
        client.tx.send("Provenance", "surrenderTitle", [order_id], sender=seller)
