"""Issue 10, items 1 and 2: nobody can settle away money that belongs to an invoice holder or an advance
financier, and no financing can be bought into an order that can no longer pay."""

from __future__ import annotations

import pytest

from helpers import BPS, DAY, ETHER, Balances, events
from tradechain.vocabulary import ETH

pytestmark = pytest.mark.usefixtures("conservation_check")

FEE_BPS = 100


def face(amount: int) -> int:
    return amount - amount * FEE_BPS // BPS


def paid(receipt) -> dict[str, int]:
    out: dict[str, int] = {}
    for p in events(receipt, "Payout"):
        out[p["to"]] = out.get(p["to"], 0) + p["amount"]
    return out


@pytest.fixture
def sold(client, trade, accounts):
    """A delivered ETH order whose invoice the financier bought at 90 %, then disputed by the buyer."""
    oid = trade.shipped()
    price = 9 * ETHER // 10
    client.invoices.list(oid, price, sender=accounts["seller"])
    client.invoices.buy(oid, price, sender=accounts["financier"])
    trade.deliver(oid)
    trade.dispute(oid)
    return oid


@pytest.fixture
def advanced(client, trade, accounts):
    """A delivered ETH order the seller took an advance on (0.8 ETH at 2 %), then disputed by the buyer."""
    oid = trade.shipped()
    client.invoices.offer_advance(oid, 8 * ETHER // 10, 200, sender=accounts["financier"])
    client.invoices.accept_advance(oid, accounts["financier"], sender=accounts["seller"])
    trade.deliver(oid)
    trade.dispute(oid)
    return oid


# ------------------------------------------------------------------ item 1: who may settle what


def test_seller_who_sold_the_invoice_gives_the_financiers_receivable_to_the_buyer(client, sold, accounts, reverts):
    """Was an attack: the seller proposed a full refund, the buyer accepted, the financier got nothing. Now the
    seller has no standing once it sold the invoice; the holder speaks for the seller side."""
    fin = accounts["financier"]
    with reverts("ReceivableSold", orderId=sold, seller=accounts["seller"], holder=fin):
        client.escrow.propose_settlement(sold, BPS, sender=accounts["seller"])
    client.escrow.propose_settlement(sold, BPS, sender=accounts["buyer"])
    assert client.escrow.get_order(sold).state == "Disputed"
    client.escrow.propose_settlement(sold, 2_000, sender=fin)
    r = client.escrow.accept_settlement(sold, 2_000, sender=accounts["buyer"])
    assert paid(r) == {accounts["buyer"]: ETHER // 5, fin: face(ETHER * 8 // 10), accounts["treasury"]:
                       ETHER * 8 // 10 - face(ETHER * 8 // 10)}


def test_buyer_proposes_a_full_refund_and_the_seller_who_sold_accepts(client, sold, accounts, reverts):
    """Was an attack the other way round: the seller's acceptance no longer binds the holder."""
    client.escrow.propose_settlement(sold, BPS, sender=accounts["buyer"])
    with reverts("ReceivableSold", orderId=sold, seller=accounts["seller"], holder=accounts["financier"]):
        client.escrow.accept_settlement(sold, BPS, sender=accounts["seller"])
    assert client.escrow.get_order(sold).state == "Disputed"


def test_seller_with_an_advance_settles_the_financiers_repayment_away(client, advanced, accounts, reverts):
    """Was an attack: with an advance outstanding, seller and buyer agreed a full refund. Now a split that cuts the
    financier's repayment needs the financier too: the buyer's acceptance only records its agreement."""
    fin, buyer, seller = accounts["financier"], accounts["buyer"], accounts["seller"]
    client.escrow.propose_settlement(advanced, BPS, sender=seller)
    r = client.escrow.accept_settlement(advanced, BPS, sender=buyer)
    assert paid(r) == {} and client.escrow.get_order(advanced).state == "Disputed"
    assert r.event("SettlementConsents") == {"orderId": advanced, "agreed": 0b0110, "required": 0b1110}
    with reverts("OwnProposal", orderId=advanced, caller=buyer):  # agreeing twice adds nothing
        client.escrow.accept_settlement(advanced, BPS, sender=buyer)
    with reverts("NotParty", orderId=advanced, caller=accounts["keeper"]):
        client.escrow.accept_settlement(advanced, BPS, sender=accounts["keeper"])
    # the arbiter can still rule at any time: the financier is paid first from the seller side
    r = client.escrow.resolve(advanced, 1_000, sender=accounts["arbiter"])
    repayment = 8 * ETHER // 10 * 10_200 // BPS
    assert paid(r)[fin] == repayment


def test_a_split_that_still_repays_the_financier_needs_only_buyer_and_holder(client, advanced, accounts):
    fin, buyer, seller = accounts["financier"], accounts["buyer"], accounts["seller"]
    client.escrow.propose_settlement(advanced, 1_000, sender=buyer)
    r = client.escrow.accept_settlement(advanced, 1_000, sender=seller)
    repayment = 8 * ETHER // 10 * 10_200 // BPS
    to_seller_side = face(9 * ETHER // 10)
    assert paid(r) == {buyer: ETHER // 10, fin: repayment, seller: to_seller_side - repayment,
                       accounts["treasury"]: 9 * ETHER // 10 - to_seller_side}


def test_the_financier_agreeing_last_settles_the_order(client, advanced, accounts):
    fin, buyer, seller = accounts["financier"], accounts["buyer"], accounts["seller"]
    client.escrow.propose_settlement(advanced, 6_000, sender=fin)
    client.escrow.accept_settlement(advanced, 6_000, sender=buyer)
    assert client.escrow.get_order(advanced).proposer == fin
    r = client.escrow.accept_settlement(advanced, 6_000, sender=seller)
    assert r.event("OrderResolved")["ruling"] == 1  # agreement
    assert paid(r)[buyer] == 6 * ETHER // 10 and paid(r)[fin] == face(4 * ETHER // 10)


# ------------------------------------------------------------------ item 2: no financing into an order that cannot pay


def test_advance_accepted_after_the_delivery_deadline_is_refunded_in_the_same_breath(client, trade, accounts,
                                                                                    reverts):
    """Was an attack: an offer made while the order was healthy was accepted once a refund was due."""
    oid = trade.shipped()
    fin, seller = accounts["financier"], accounts["seller"]
    client.invoices.offer_advance(oid, 8 * ETHER // 10, 200, expires_at=trade.now() + 30 * DAY, sender=fin)
    trade.travel_to(client.escrow.get_order(oid).deliver_by + 1)
    with reverts("InvoiceRefundDue", tokenId=oid):
        client.invoices.accept_advance(oid, fin, sender=seller)
    r = client.escrow.refund(oid, sender=accounts["keeper"])
    assert paid(r) == {accounts["buyer"]: ETHER}
    before = Balances(client, [(fin, ETH)])
    client.invoices.withdraw_advance_offer(oid, sender=fin)  # the financier takes its principal back
    assert before.delta(fin) > 7 * ETHER // 10


def test_advance_accepted_while_disputed(client, trade, accounts, reverts):
    """Was an attack: a disputed order took an advance. Now neither the offer nor its acceptance is possible."""
    oid = trade.delivered()
    fin = accounts["financier"]
    client.invoices.offer_advance(oid, ETHER // 2, 100, sender=fin)
    trade.dispute(oid)
    with reverts("InvoiceDisputed", tokenId=oid):
        client.invoices.accept_advance(oid, fin, sender=accounts["seller"])
    with reverts("InvoiceDisputed", tokenId=oid):
        client.invoices.offer_advance(oid, ETHER // 2, 100, sender=fin)


def test_invoice_bought_after_the_delivery_deadline(client, trade, accounts, reverts):
    """Was an attack: a listing made while the order was healthy was bought once a refund was due."""
    oid = trade.shipped()
    client.invoices.list(oid, 9 * ETHER // 10, expires_at=trade.now() + 30 * DAY, sender=accounts["seller"])
    trade.travel_to(client.escrow.get_order(oid).deliver_by + 1)
    with reverts("InvoiceRefundDue", tokenId=oid):
        client.invoices.buy(oid, 9 * ETHER // 10, sender=accounts["financier"])
    with reverts("InvoiceRefundDue", tokenId=oid):
        client.invoices.list(oid, ETHER // 2, sender=accounts["seller"])
    r = client.escrow.refund(oid, sender=accounts["keeper"])
    assert paid(r) == {accounts["buyer"]: ETHER}


def test_a_late_but_delivered_order_is_not_refund_due_while_the_delivery_was_on_time(client, trade, accounts):
    """The refund-due check reads Provenance only after deliverBy: an on-time delivery keeps financing open."""
    oid = trade.delivered(deliver_in=2 * DAY, inspection_window=5 * DAY)
    trade.travel_to(client.escrow.get_order(oid).deliver_by + 1)
    client.invoices.list(oid, 9 * ETHER // 10, sender=accounts["seller"])
    client.invoices.buy(oid, 9 * ETHER // 10, sender=accounts["financier"])
    assert client.invoices.get(oid).holder == accounts["financier"]


def test_invoice_listed_and_bought_while_disputed(client, trade, accounts, reverts):
    """Was an attack: a disputed receivable was listed and sold."""
    oid = trade.delivered()
    client.invoices.list(oid, ETHER // 2, sender=accounts["seller"])
    trade.dispute(oid)
    with reverts("InvoiceDisputed", tokenId=oid):
        client.invoices.list(oid, ETHER // 2, sender=accounts["seller"])
    with reverts("InvoiceDisputed", tokenId=oid):
        client.invoices.buy(oid, ETHER // 2, sender=accounts["financier"])


def test_a_listing_never_expires(client, trade, accounts, reverts):
    """Was an attack: a listing made days ago still sold. Now it sells until its expiry only."""
    oid = trade.shipped(deliver_in=30 * DAY)
    expires = trade.now() + 2 * DAY
    client.invoices.list(oid, 9 * ETHER // 10, expires_at=expires, sender=accounts["seller"])
    assert client.invoices.listing_expiry(oid) == expires
    trade.travel_to(trade.now() + 20 * DAY)
    with reverts("ListingExpired", tokenId=oid, expiredAt=expires):
        client.invoices.buy(oid, 9 * ETHER // 10, sender=accounts["financier"])
    with reverts("ExpiryNotInFuture", expiresAt=trade.now() - 5):
        client.invoices.list(oid, 9 * ETHER // 10, expires_at=trade.now() - 5, sender=accounts["seller"])


def test_an_advance_offer_never_expires(client, trade, accounts, reverts):
    """Was an attack: an offer made days ago was still accepted on its old terms."""
    oid = trade.shipped(deliver_in=30 * DAY)
    fin = accounts["financier"]
    expires = trade.now() + DAY
    client.invoices.offer_advance(oid, ETHER // 2, 100, expires_at=expires, sender=fin)
    trade.travel_to(trade.now() + 20 * DAY)
    with reverts("OfferExpired", tokenId=oid, financier=fin, expiredAt=expires):
        client.invoices.accept_advance(oid, fin, sender=accounts["seller"])
    client.invoices.withdraw_advance_offer(oid, sender=fin)  # an expired offer is only withdrawn


def test_a_purchase_sent_long_ago_still_executes(client, trade, accounts, reverts):
    """Was an attack: `buy` had no deadline, so a purchase stuck for days ran whenever it landed."""
    oid = trade.shipped(deliver_in=30 * DAY)
    fin, seller = accounts["financier"], accounts["seller"]
    client.invoices.list(oid, 9 * ETHER // 10, sender=seller)
    sent_at = trade.now()
    trade.travel_to(trade.now() + 5 * DAY)
    with reverts("DeadlinePassed", deadline=sent_at + 3600):
        client.tx.send("InvoiceToken", "buy", [oid, 9 * ETHER // 10, sent_at + 3600], sender=fin,
                        value=9 * ETHER // 10)
    client.invoices.offer_advance(oid, ETHER // 2, 100, sender=fin)
    with reverts("DeadlinePassed", deadline=sent_at + 3600):
        client.invoices.accept_advance(oid, fin, deadline=sent_at + 3600, sender=seller)


def test_acceptance_of_a_revoked_financiers_offer(client, trade, accounts, reverts):
    """Was an attack (item 10): a financier that lost FINANCIER still got its offer accepted."""
    oid = trade.shipped()
    fin = accounts["financier"]
    client.invoices.offer_advance(oid, ETHER // 2, 100, sender=fin)
    client.revoke_role("InvoiceToken", "FINANCIER", fin, sender=accounts["admin"])
    with reverts("AccessControlUnauthorizedAccount", account=fin):
        client.invoices.accept_advance(oid, fin, sender=accounts["seller"])
    client.invoices.withdraw_advance_offer(oid, sender=fin)  # its principal is not trapped


def test_invoice_sent_to_the_invoice_contract_itself(client, trade, accounts, reverts):
    """Was an attack (item 7): the payout of an invoice held by InvoiceToken was stranded there."""
    oid = trade.shipped()
    seller = accounts["seller"]
    with reverts("ERC721InvalidReceiver", receiver=client.invoices.address):
        client.tx.send("InvoiceToken", "transferFrom", [seller, client.invoices.address, oid], sender=seller)
    assert client.invoices.get(oid).holder == seller
