"""Issue 10, items 1 and 2: nobody can settle away money that belongs to an invoice holder or an advance
financier, and no financing can be bought into an order that can no longer pay."""

from __future__ import annotations

import pytest

from helpers import BPS, DAY, ETHER, Balances, events
from tradechain.client import ETH

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
    client.list_invoice(oid, price, sender=accounts["seller"])
    client.buy_invoice(oid, price, sender=accounts["financier"])
    trade.deliver(oid)
    trade.dispute(oid)
    return oid


@pytest.fixture
def advanced(client, trade, accounts):
    """A delivered ETH order the seller took an advance on (0.8 ETH at 2 %), then disputed by the buyer."""
    oid = trade.shipped()
    client.offer_advance(oid, 8 * ETHER // 10, 200, sender=accounts["financier"])
    client.accept_advance(oid, accounts["financier"], sender=accounts["seller"])
    trade.deliver(oid)
    trade.dispute(oid)
    return oid


# ------------------------------------------------------------------ item 1: who may settle what


def test_seller_who_sold_the_invoice_gives_the_financiers_receivable_to_the_buyer(client, sold, accounts, reverts):
    """Was an attack: the seller proposed a full refund, the buyer accepted, the financier got nothing. Now the
    seller has no standing once it sold the invoice; the holder speaks for the seller side."""
    fin = accounts["financier"]
    with reverts("ReceivableSold", orderId=sold, seller=accounts["seller"], holder=fin):
        client.propose_settlement(sold, BPS, sender=accounts["seller"])
    client.propose_settlement(sold, BPS, sender=accounts["buyer"])
    assert client.get_order(sold).state == "Disputed"
    client.propose_settlement(sold, 2_000, sender=fin)
    r = client.accept_settlement(sold, 2_000, sender=accounts["buyer"])
    assert paid(r) == {accounts["buyer"]: ETHER // 5, fin: face(ETHER * 8 // 10), accounts["treasury"]:
                       ETHER * 8 // 10 - face(ETHER * 8 // 10)}


def test_buyer_proposes_a_full_refund_and_the_seller_who_sold_accepts(client, sold, accounts, reverts):
    """Was an attack the other way round: the seller's acceptance no longer binds the holder."""
    client.propose_settlement(sold, BPS, sender=accounts["buyer"])
    with reverts("ReceivableSold", orderId=sold, seller=accounts["seller"], holder=accounts["financier"]):
        client.accept_settlement(sold, BPS, sender=accounts["seller"])
    assert client.get_order(sold).state == "Disputed"


def test_seller_with_an_advance_settles_the_financiers_repayment_away(client, advanced, accounts, reverts):
    """Was an attack: with an advance outstanding, seller and buyer agreed a full refund. Now a split that cuts the
    financier's repayment needs the financier too: the buyer's acceptance only records its agreement."""
    fin, buyer, seller = accounts["financier"], accounts["buyer"], accounts["seller"]
    client.propose_settlement(advanced, BPS, sender=seller)
    r = client.accept_settlement(advanced, BPS, sender=buyer)
    assert paid(r) == {} and client.get_order(advanced).state == "Disputed"
    assert r.event("SettlementConsents") == {"orderId": advanced, "agreed": 0b0110, "required": 0b1110}
    with reverts("OwnProposal", orderId=advanced, caller=buyer):  # agreeing twice adds nothing
        client.accept_settlement(advanced, BPS, sender=buyer)
    with reverts("NotParty", orderId=advanced, caller=accounts["keeper"]):
        client.accept_settlement(advanced, BPS, sender=accounts["keeper"])
    # the arbiter can still rule at any time: the financier is paid first from the seller side
    r = client.resolve(advanced, 1_000, sender=accounts["arbiter"])
    repayment = 8 * ETHER // 10 * 10_200 // BPS
    assert paid(r)[fin] == repayment


def test_a_split_that_still_repays_the_financier_needs_only_buyer_and_holder(client, advanced, accounts):
    fin, buyer, seller = accounts["financier"], accounts["buyer"], accounts["seller"]
    client.propose_settlement(advanced, 1_000, sender=buyer)
    r = client.accept_settlement(advanced, 1_000, sender=seller)
    repayment = 8 * ETHER // 10 * 10_200 // BPS
    to_seller_side = face(9 * ETHER // 10)
    assert paid(r) == {buyer: ETHER // 10, fin: repayment, seller: to_seller_side - repayment,
                       accounts["treasury"]: 9 * ETHER // 10 - to_seller_side}


def test_the_financier_agreeing_last_settles_the_order(client, advanced, accounts):
    fin, buyer, seller = accounts["financier"], accounts["buyer"], accounts["seller"]
    client.propose_settlement(advanced, 6_000, sender=fin)
    client.accept_settlement(advanced, 6_000, sender=buyer)
    assert client.get_order(advanced).proposer == fin
    r = client.accept_settlement(advanced, 6_000, sender=seller)
    assert r.event("OrderResolved")["ruling"] == 1  # agreement
    assert paid(r)[buyer] == 6 * ETHER // 10 and paid(r)[fin] == face(4 * ETHER // 10)


# ------------------------------------------------------------------ item 2: no financing into an order that cannot pay


def test_advance_accepted_after_the_delivery_deadline_is_refunded_in_the_same_breath(client, trade, accounts):
    """Attack works today: an offer made while the order was healthy is accepted once a refund is due."""
    oid = trade.shipped()
    fin, seller = accounts["financier"], accounts["seller"]
    client.offer_advance(oid, 8 * ETHER // 10, 200, sender=fin)
    trade.travel_to(client.get_order(oid).deliver_by + 1)
    client.accept_advance(oid, fin, sender=seller)
    r = client.refund(oid, sender=accounts["keeper"])
    assert paid(r) == {accounts["buyer"]: ETHER}  # the financier's principal stays with the seller


def test_advance_accepted_while_disputed(client, trade, accounts):
    """Attack works today: a disputed order still takes an advance."""
    oid = trade.disputed()
    fin = accounts["financier"]
    client.offer_advance(oid, ETHER // 2, 100, sender=fin)
    client.accept_advance(oid, fin, sender=accounts["seller"])
    assert client.get_invoice(oid).advance_financier == fin


def test_invoice_bought_after_the_delivery_deadline(client, trade, accounts):
    """Attack works today: a listing made while the order was healthy is bought once a refund is due."""
    oid = trade.shipped()
    client.list_invoice(oid, 9 * ETHER // 10, sender=accounts["seller"])
    trade.travel_to(client.get_order(oid).deliver_by + 1)
    client.buy_invoice(oid, 9 * ETHER // 10, sender=accounts["financier"])
    r = client.refund(oid, sender=accounts["keeper"])
    assert paid(r) == {accounts["buyer"]: ETHER}


def test_invoice_listed_and_bought_while_disputed(client, trade, accounts):
    """Attack works today: a disputed receivable is listed and sold."""
    oid = trade.disputed()
    client.list_invoice(oid, ETHER // 2, sender=accounts["seller"])
    client.buy_invoice(oid, ETHER // 2, sender=accounts["financier"])
    assert client.get_invoice(oid).holder == accounts["financier"]


def test_a_listing_never_expires(client, trade, accounts):
    """Attack works today: a listing made days ago still sells."""
    oid = trade.shipped(deliver_in=30 * DAY)
    client.list_invoice(oid, 9 * ETHER // 10, sender=accounts["seller"])
    trade.travel_to(trade.now() + 20 * DAY)
    client.buy_invoice(oid, 9 * ETHER // 10, sender=accounts["financier"])


def test_an_advance_offer_never_expires(client, trade, accounts):
    """Attack works today: an offer made days ago is still accepted on its old terms."""
    oid = trade.shipped(deliver_in=30 * DAY)
    client.offer_advance(oid, ETHER // 2, 100, sender=accounts["financier"])
    trade.travel_to(trade.now() + 20 * DAY)
    client.accept_advance(oid, accounts["financier"], sender=accounts["seller"])


def test_a_purchase_sent_long_ago_still_executes(client, trade, accounts):
    """Attack works today: `buy` has no deadline, so a purchase stuck for days runs at whatever time it lands."""
    oid = trade.shipped(deliver_in=30 * DAY)
    client.list_invoice(oid, 9 * ETHER // 10, sender=accounts["seller"])
    trade.travel_to(trade.now() + 5 * DAY)
    client.transact("InvoiceToken", "buy", [oid, 9 * ETHER // 10], sender=accounts["financier"],
                    value=9 * ETHER // 10)


def test_acceptance_of_a_revoked_financiers_offer(client, trade, accounts):
    """Attack works today (item 10): a financier that lost FINANCIER still gets its offer accepted."""
    oid = trade.shipped()
    fin = accounts["financier"]
    client.offer_advance(oid, ETHER // 2, 100, sender=fin)
    client.revoke_role("InvoiceToken", "FINANCIER", fin, sender=accounts["admin"])
    client.accept_advance(oid, fin, sender=accounts["seller"])


def test_invoice_sent_to_the_invoice_contract_itself(client, trade, accounts):
    """Attack works today (item 7): the payout of an invoice held by InvoiceToken is stranded there."""
    oid = trade.shipped()
    seller = accounts["seller"]
    client.transact("InvoiceToken", "transferFrom", [seller, client.invoices.address, oid], sender=seller)
    assert client.get_invoice(oid).holder == client.invoices.address
