"""TradeEscrow, rule by rule: how an order is placed, shipped, delivered, released, disputed, resolved,
refunded or cancelled, and every rule that refuses a step.

After every test the escrow must hold exactly what it owes (orders not yet settled plus credits).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradechain.errors import ContractRevert
from tradechain.vocabulary import ETH, ZERO32, hash_bytes

from helpers import (
    BPS,
    DAY,
    ETHER,
    TUSD,
    Balances,
    calldata,
    deploy,
    events,
    gas_paid,
    place_raw,
    reverts,
    split,
)

pytestmark = pytest.mark.usefixtures("conservation_check")

FEE_BPS = 100  # deploy_suite's default: 1 %
MAX_FEE_BPS = 500
DISPUTE_PERIOD = 14 * DAY
UINT96_MAX = 2**96 - 1
UINT32_MAX = 2**32 - 1
TERMS = hash_bytes(b"sales contract v1")
BILL_OF_LADING = hash_bytes(b"bill of lading MSKU1234567")
EVIDENCE = hash_bytes(b"photo of crushed boxes")


@pytest.fixture(params=["ETH", "tUSD"])
def token(request) -> str:
    """Run the test once with native ETH and once with the demo stablecoin."""
    return request.param


def odd_amount(trade, token: str) -> int:
    """An amount that does not divide evenly, so rounding shows."""
    return 10**18 + 7 if trade.token(token) == ETH else 250 * TUSD + 1


# ============================================================================ placing an order


def test_buyer_places_an_eth_order_and_the_escrow_holds_the_payment(client, trade, buyer, seller):
    now = trade.now()
    held = client.tokens.balance(client.escrow.address)
    order_id, receipt = client.escrow.place_order(
        buyer=buyer, seller=seller, amount=ETHER, ship_by=now + DAY, deliver_by=now + 10 * DAY,
        inspection_window=3 * DAY, terms_hash=TERMS,
    )

    assert order_id == 1 == client.escrow.order_count()
    assert receipt.event("OrderPlaced") == {
        "orderId": 1, "buyer": buyer, "seller": seller, "token": ETH, "amount": ETHER, "shipBy": now + DAY,
        "deliverBy": now + 10 * DAY, "inspectionWindow": 3 * DAY, "feeBps": FEE_BPS, "termsHash": TERMS,
    }
    order = client.escrow.get_order(order_id)
    assert (order.state, order.buyer, order.seller, order.token, order.amount) == ("Funded", buyer, seller, ETH, ETHER)
    assert (order.ship_by, order.deliver_by, order.inspection_window) == (now + DAY, now + 10 * DAY, 3 * DAY)
    assert order.fee_bps == FEE_BPS
    assert client.tokens.balance(client.escrow.address) == held + ETHER


def test_order_ids_count_up_from_one(trade, client):
    assert client.escrow.order_count() == 0
    assert [trade.place(), trade.place("tUSD"), trade.place()] == [1, 2, 3]
    assert client.escrow.order_count() == 3


def test_buyer_places_a_token_order_after_approving(client, trade, buyer):
    tusd = client.tokens.stablecoin
    before = Balances(client, [(buyer, tusd)])
    order_id = trade.place("tUSD", amount=250 * TUSD)

    order = client.escrow.get_order(order_id)
    assert (order.token, order.amount, order.state) == (tusd, 250 * TUSD, "Funded")
    assert before.delta(buyer, tusd) == -250 * TUSD
    assert client.tokens.balance(client.escrow.address, tusd) == 250 * TUSD
    assert client.tokens.allowance(client.tokens.stablecoin, buyer, client.escrow.address) == 0


def test_buyer_places_a_token_order_with_a_permit_in_one_transaction(client, chain, trade, buyer):
    tusd = client.tokens.stablecoin
    assert client.tokens.allowance(client.tokens.stablecoin, buyer, client.escrow.address) == 0
    nonce = chain.w3.eth.get_transaction_count(buyer)
    permit_nonce = client.tokens.nonce(client.tokens.stablecoin, buyer)

    order_id = trade.place("tUSD", amount=100 * TUSD, permit=True)

    assert chain.w3.eth.get_transaction_count(buyer) == nonce + 1  # no separate approve
    assert client.tokens.nonce(client.tokens.stablecoin, buyer) == permit_nonce + 1  # the permit was used
    assert client.escrow.get_order(order_id).amount == 100 * TUSD
    assert client.tokens.balance(client.escrow.address, tusd) == 100 * TUSD
    assert client.tokens.allowance(client.tokens.stablecoin, buyer, client.escrow.address) == 0


def _permit_args(client, trade, buyer, seller, amount):
    now = trade.now()
    deadline = now + 3600
    v, r, s = client.tokens.sign_permit(client.tokens.stablecoin, buyer, client.escrow.address, amount, deadline)
    order_args = [seller, client.tokens.stablecoin, amount, now + DAY, now + 10 * DAY, 3 * DAY, ZERO32, 0, 0]
    return order_args, [deadline, v, r, s]


def test_a_front_run_permit_does_not_block_the_order(client, trade, buyer, seller, keeper):
    order_args, (deadline, v, r, s) = _permit_args(client, trade, buyer, seller, 100 * TUSD)
    # someone submits the buyer's permit first: the allowance is set, the signature is used up
    client.tx.send("DemoStablecoin", "permit", [buyer, client.escrow.address, 100 * TUSD, deadline, v, r, s],
                    sender=keeper)

    receipt = client.tx.send("TradeEscrow", "placeOrderWithPermit", [tuple(order_args), deadline, v, r, s], sender=buyer)

    assert client.escrow.get_order(receipt.event("OrderPlaced")["orderId"]).state == "Funded"


def test_a_bad_permit_without_an_allowance_is_refused(client, trade, buyer, seller):
    order_args, (deadline, v, r, s) = _permit_args(client, trade, buyer, seller, 100 * TUSD - 1)  # signed for less
    order_args[2] = 100 * TUSD
    with reverts("ERC20InsufficientAllowance", spender=client.escrow.address, allowance=0, needed=100 * TUSD):
        client.tx.send("TradeEscrow", "placeOrderWithPermit", [tuple(order_args), deadline, v, r, s], sender=buyer)
    assert client.escrow.order_count() == 0


def test_a_permit_order_needs_a_token(client, trade, buyer, seller):
    now = trade.now()
    args = [(seller, ETH, ETHER, now + DAY, now + 10 * DAY, 3 * DAY, ZERO32, 0, 0), now + 3600, 27, ZERO32, ZERO32]
    with reverts("InvalidAddress", field="token", value=ETH):
        client.tx.send("TradeEscrow", "placeOrderWithPermit", args, sender=buyer)


def test_amount_must_be_positive(trade):
    with reverts("AmountZero"):
        trade.place(amount=0)


def test_amount_must_fit_in_96_bits(client, trade, buyer, seller):
    now = trade.now()
    with reverts("AmountTooLarge", amount=2**96, max=UINT96_MAX):
        place_raw(client, sender=buyer, seller=seller, amount=2**96, value=0, ship_by=now + DAY,
                  deliver_by=now + 2 * DAY)


def test_seller_must_be_a_real_address(trade):
    with reverts("InvalidAddress", field="seller", value=ETH):
        trade.place(seller=ETH)


@pytest.mark.parametrize("field", [0, 1], ids=["seller", "token"])
def test_an_address_in_the_order_terms_with_bits_above_160_is_refused(client, trade, buyer, seller, field):
    # placeOrder reads OrderTerms' two addresses by hand: it keeps the ABI rule the decoder applied before
    now = trade.now()
    data = bytearray(calldata(client, "TradeEscrow", "placeOrder",
                              (seller, ETH, ETHER, now + DAY, now + 10 * DAY, 3 * DAY, ZERO32, 0, 0)))
    data[4 + 32 * field] = 0x01  # the word's first byte: above the 20 bytes of the address
    with pytest.raises(ContractRevert):
        client.tx.send_data(client.escrow.address, bytes(data), sender=buyer, value=ETHER)
    assert client.escrow.order_count() == 0


def test_seller_cannot_be_the_buyer(trade, buyer):
    with reverts("SellerIsBuyer", account=buyer):
        trade.place(seller=buyer)


def test_ship_deadline_must_be_in_the_future(trade):
    now = trade.now()  # the next transaction runs at now + 1
    with reverts("DeadlineInPast", field="shipBy", deadline=now):
        trade.place(ship_by=now)
    assert trade.place(ship_by=trade.now() + 2)


def test_delivery_deadline_must_come_after_the_ship_deadline(trade):
    now = trade.now()
    with reverts("DeadlinesOutOfOrder", shipBy=now + DAY, deliverBy=now + DAY):
        trade.place(ship_by=now + DAY, deliver_by=now + DAY)


def test_delivery_deadline_must_fit_in_32_bits(trade, client):
    with reverts("DeadlineTooFar", deadline=2**32, max=UINT32_MAX):
        trade.place(deliver_by=2**32)
    assert client.escrow.get_order(trade.place(deliver_by=UINT32_MAX)).deliver_by == UINT32_MAX


def test_inspection_window_is_at_most_30_days(trade, client):
    with reverts("InspectionWindowTooLong", window=30 * DAY + 1, max=30 * DAY):
        trade.place(inspection_window=30 * DAY + 1)
    assert client.escrow.get_order(trade.place(inspection_window=30 * DAY)).inspection_window == 30 * DAY
    assert client.escrow.get_order(trade.place(inspection_window=0)).inspection_window == 0


@pytest.mark.parametrize("sent", [0, ETHER - 1, ETHER + 1])
def test_an_eth_order_needs_exactly_its_amount(client, trade, buyer, seller, sent):
    now = trade.now()
    with reverts("WrongEthAmount", sent=sent, expected=ETHER):
        place_raw(client, sender=buyer, seller=seller, amount=ETHER, value=sent, ship_by=now + DAY,
                  deliver_by=now + 2 * DAY)


def test_a_token_order_refuses_eth(client, trade, buyer, seller):
    tusd = client.tokens.stablecoin
    client.tokens.approve(tusd, client.escrow.address, 100 * TUSD, sender=buyer)
    now = trade.now()
    with reverts("EthSentWithToken", value=1):
        place_raw(client, sender=buyer, seller=seller, token=tusd, amount=100 * TUSD, value=1, ship_by=now + DAY,
                  deliver_by=now + 2 * DAY)


def test_a_token_order_needs_an_allowance(client, trade, buyer, seller):
    now = trade.now()
    with reverts("ERC20InsufficientAllowance", spender=client.escrow.address, allowance=0, needed=100 * TUSD):
        place_raw(client, sender=buyer, seller=seller, token=client.tokens.stablecoin, amount=100 * TUSD,
                  ship_by=now + DAY, deliver_by=now + 2 * DAY)


def test_a_token_order_needs_a_balance(client, place_token_order, keeper):
    assert client.tokens.balance(keeper, client.tokens.stablecoin) == 0
    with reverts("ERC20InsufficientBalance", sender=keeper, balance=0, needed=100 * TUSD):
        place_token_order(amount=100 * TUSD, buyer=keeper)
    assert client.escrow.order_count() == 0


def test_a_fee_on_transfer_token_is_refused(client, trade, buyer):
    fot = deploy(client, "FeeOnTransferToken", sender=buyer)
    fot.transact("mint", [buyer, 1_000_000], sender=buyer)
    with reverts("TokenAmountShortfall", token=fot.address, expected=100_000, received=99_000):
        trade.place(fot.address, amount=100_000)
    assert client.escrow.order_count() == 0
    assert client.tokens.balance(client.escrow.address, fot.address) == 0


def test_an_order_in_a_token_that_is_not_a_contract_is_refused(client, trade, buyer, seller, accounts):
    now = trade.now()
    with pytest.raises(ContractRevert):  # balanceOf on an account with no code: refused, with no reason
        place_raw(client, sender=buyer, seller=seller, token=accounts["buyer2"], amount=100, ship_by=now + DAY,
                  deliver_by=now + 2 * DAY)
    assert client.escrow.order_count() == 0


# ============================================================================ pause


def test_only_the_admin_can_pause_and_unpause(client, accounts, buyer):
    with reverts("AccessControlUnauthorizedAccount", account=buyer, neededRole="ADMIN"):
        client.tx.send("TradeEscrow", "pause", [], sender=buyer)
    client.tx.send("TradeEscrow", "pause", [], sender=accounts["admin"])
    with reverts("AccessControlUnauthorizedAccount", account=buyer, neededRole="ADMIN"):
        client.tx.send("TradeEscrow", "unpause", [], sender=buyer)


def test_a_paused_escrow_refuses_new_orders_but_paid_orders_still_settle(client, trade, accounts, seller, keeper):
    admin, buyer = accounts["admin"], accounts["buyer"]
    to_ship, to_refund, to_cancel = trade.place(), trade.place(), trade.place()
    to_confirm = trade.delivered()

    client.tx.send("TradeEscrow", "pause", [], sender=admin)
    assert client.tx.call("TradeEscrow", "paused")
    with reverts("EnforcedPause"):
        trade.place()
    with reverts("EnforcedPause"):
        trade.place("tUSD", permit=True)

    trade.ship(to_ship)
    client.escrow.cancel(to_cancel, sender=seller)
    client.escrow.confirm(to_confirm, sender=buyer)
    trade.deliver(to_ship)
    trade.travel_to(client.escrow.get_order(to_ship).inspection_ends_at)
    client.escrow.release(to_ship, sender=keeper)
    client.escrow.refund(to_refund, sender=keeper)
    states = [client.escrow.get_order(i).state for i in (to_ship, to_refund, to_cancel, to_confirm)]
    assert states == ["Released", "Refunded", "Cancelled", "Released"]

    client.tx.send("TradeEscrow", "unpause", [], sender=admin)
    with reverts("ExpectedPause"):
        client.tx.send("TradeEscrow", "unpause", [], sender=admin)
    assert client.escrow.get_order(trade.place()).state == "Funded"


# ============================================================================ shipping


def test_seller_ships_naming_the_carrier_and_gets_the_invoice(client, trade, accounts, seller):
    carrier = accounts["carrier"]
    order_id = trade.place()
    receipt = client.escrow.ship(order_id, carrier, BILL_OF_LADING, sender=seller)

    assert receipt.event("OrderShipped") == {"orderId": order_id, "carrier": carrier,
                                             "billOfLadingHash": BILL_OF_LADING}
    assert receipt.event("ShipmentOpened") == {"shipmentId": order_id, "carrier": carrier,
                                               "billOfLadingHash": BILL_OF_LADING}
    order = client.escrow.get_order(order_id)
    assert (order.state, order.carrier, order.delivered_at) == ("Shipped", carrier, 0)
    assert client.invoices.owner(order_id) == seller


def test_only_the_seller_can_ship(client, place_eth_order, accounts, buyer):
    order_id = place_eth_order()
    with reverts("NotSeller", orderId=order_id, caller=buyer):
        client.escrow.ship(order_id, accounts["carrier"], sender=buyer)


def test_an_order_ships_only_once(client, shipped_order, accounts, seller):
    order_id = shipped_order()
    with reverts("WrongState", orderId=order_id, actual="Shipped", required="Funded"):
        client.escrow.ship(order_id, accounts["carrier"], sender=seller)


def test_seller_can_ship_until_the_ship_deadline_inclusive(client, trade):
    order_id = trade.place()
    trade.travel_to(client.escrow.get_order(order_id).ship_by)
    trade.ship(order_id)
    assert client.escrow.get_order(order_id).state == "Shipped"


def test_seller_cannot_ship_after_the_ship_deadline(client, trade):
    order_id = trade.place()
    ship_by = client.escrow.get_order(order_id).ship_by
    trade.travel_to(ship_by + 1)
    with reverts("ShipDeadlinePassed", orderId=order_id, shipBy=ship_by):
        trade.ship(order_id)
    assert client.escrow.get_order(order_id).state == "Funded"


def test_the_named_carrier_must_hold_the_carrier_role(client, trade, accounts):
    order_id = trade.place()
    with reverts("NotCarrier", account=accounts["buyer2"]):
        trade.ship(order_id, carrier=accounts["buyer2"])
    with reverts("NotCarrier", account=ETH):
        trade.ship(order_id, carrier=ETH)

    client.revoke_role("Provenance", "CARRIER", accounts["carrier"], sender=accounts["admin"])
    with reverts("NotCarrier", account=accounts["carrier"]):
        trade.ship(order_id)
    assert client.escrow.get_order(order_id).state == "Funded"


# ============================================================================ cancelling


def test_seller_cancels_an_unshipped_order_and_the_buyer_gets_everything_back(client, trade, buyer, seller,
                                                                               treasury, token):
    address = trade.token(token)
    order_id = trade.place(token)
    amount = client.escrow.get_order(order_id).amount
    before = Balances(client, [(buyer, address)])

    receipt = client.escrow.cancel(order_id, sender=seller)

    assert receipt.event("OrderCancelled") == {"orderId": order_id, "amount": amount}
    assert events(receipt, "Payout") == [{"orderId": order_id, "to": buyer, "token": address, "amount": amount,
                                          "credited": False}]
    assert before.delta(buyer, address) == amount
    assert client.escrow.get_order(order_id).state == "Cancelled"
    assert client.escrow.credits(treasury, address) == 0


def test_only_the_seller_can_cancel(client, trade, buyer):
    order_id = trade.place()
    with reverts("NotSeller", orderId=order_id, caller=buyer):
        client.escrow.cancel(order_id, sender=buyer)


def test_a_shipped_order_cannot_be_cancelled(client, trade, seller):
    order_id = trade.shipped()
    with reverts("WrongState", orderId=order_id, actual="Shipped", required="Funded"):
        client.escrow.cancel(order_id, sender=seller)


# ============================================================================ delivery, confirmation


def test_the_carriers_delivery_starts_the_inspection_window(client, trade):
    order_id = trade.shipped()
    receipt = trade.deliver(order_id)
    delivered_at = client.chain.block_time(receipt.block)

    order = client.escrow.get_order(order_id)
    assert order.state == "Delivered"
    assert order.delivered_at == delivered_at
    assert order.inspection_ends_at == delivered_at + order.inspection_window
    assert client.tx.call("TradeEscrow", "stateOf", [order_id]) == 3  # Delivered, read from Provenance


def test_buyer_confirms_delivery_early_and_the_seller_is_paid(client, trade, buyer, seller, treasury, token):
    address = trade.token(token)
    order_id = trade.delivered(token, amount=odd_amount(trade, token))
    amount = client.escrow.get_order(order_id).amount
    _, to_seller, fee = split(amount, 0, FEE_BPS)
    before = Balances(client, [(seller, address)])

    receipt = client.escrow.confirm(order_id, sender=buyer)

    assert receipt.event("OrderReleased") == {"orderId": order_id, "by": buyer, "early": True,
                                              "toSellerSide": to_seller, "fee": fee}
    assert before.delta(seller, address) == to_seller
    assert client.escrow.credits(treasury, address) == fee
    assert client.escrow.get_order(order_id).state == "Released"


def test_only_the_buyer_can_confirm(client, delivered_order, seller):
    order_id = delivered_order("tUSD")
    with reverts("NotBuyer", orderId=order_id, caller=seller):
        client.escrow.confirm(order_id, sender=seller)


def test_buyer_cannot_confirm_before_delivery(client, trade, buyer):
    order_id = trade.shipped()
    with reverts("NotDelivered", orderId=order_id):
        client.escrow.confirm(order_id, sender=buyer)


def test_buyer_cannot_confirm_an_unshipped_order(client, trade, buyer):
    order_id = trade.place()
    with reverts("WrongState", orderId=order_id, actual="Funded", required="Shipped"):
        client.escrow.confirm(order_id, sender=buyer)


# ============================================================================ disputes


def test_buyer_disputes_inside_the_inspection_window(client, trade, buyer):
    order_id = trade.delivered()
    ends_at = client.escrow.get_order(order_id).inspection_ends_at
    trade.travel_to(ends_at - 1)  # the last second of the window

    receipt = client.escrow.dispute(order_id, EVIDENCE, sender=buyer)

    assert receipt.event("OrderDisputed") == {"orderId": order_id, "by": buyer, "evidenceHash": EVIDENCE,
                                              "rulingDeadline": ends_at - 1 + DISPUTE_PERIOD}
    order = client.escrow.get_order(order_id)
    assert (order.state, order.ruling_deadline) == ("Disputed", ends_at - 1 + DISPUTE_PERIOD)


def test_buyer_cannot_dispute_once_the_window_has_closed(client, trade, buyer):
    order_id = trade.delivered()
    ends_at = client.escrow.get_order(order_id).inspection_ends_at
    trade.travel_to(ends_at)
    with reverts("InspectionWindowClosed", orderId=order_id, endedAt=ends_at):
        client.escrow.dispute(order_id, EVIDENCE, sender=buyer)
    assert client.escrow.get_order(order_id).state == "Delivered"


def test_buyer_cannot_dispute_before_delivery(client, trade, buyer):
    order_id = trade.shipped()
    with reverts("NotDelivered", orderId=order_id):
        client.escrow.dispute(order_id, EVIDENCE, sender=buyer)


def test_only_the_buyer_can_dispute(client, trade, seller):
    order_id = trade.delivered()
    with reverts("NotBuyer", orderId=order_id, caller=seller):
        client.escrow.dispute(order_id, EVIDENCE, sender=seller)


def test_a_disputed_order_waits_for_a_ruling(client, trade, buyer, keeper):
    order_id = trade.disputed()
    trade.travel_to(client.escrow.get_order(order_id).inspection_ends_at)
    for attempt in (lambda: client.escrow.dispute(order_id, sender=buyer),
                    lambda: client.escrow.confirm(order_id, sender=buyer),
                    lambda: client.escrow.release(order_id, sender=keeper)):
        with reverts("WrongState", orderId=order_id, actual="Disputed", required="Shipped"):
            attempt()
    with reverts("NoRefundDue", orderId=order_id, state="Disputed"):
        client.escrow.refund(order_id, sender=keeper)
    assert client.escrow.actionable(order_id) == (False, False)


# ============================================================================ release


def test_buyer_cannot_release_before_the_window_ends(client, trade, buyer, keeper):
    order_id = trade.delivered()
    ends_at = client.escrow.get_order(order_id).inspection_ends_at
    with reverts("InspectionWindowOpen", orderId=order_id, endsAt=ends_at):
        client.escrow.release(order_id, sender=buyer)
    trade.travel_to(ends_at - 1)
    with reverts("InspectionWindowOpen", orderId=order_id, endsAt=ends_at):
        client.escrow.release(order_id, sender=keeper)
    assert client.escrow.actionable(order_id) == (False, False)


def test_anyone_can_release_once_the_window_is_over(client, trade, seller, keeper, treasury, token):
    address = trade.token(token)
    order_id = trade.delivered(token, amount=odd_amount(trade, token))
    amount = client.escrow.get_order(order_id).amount
    _, to_seller, fee = split(amount, 0, FEE_BPS)
    trade.travel_to(client.escrow.get_order(order_id).inspection_ends_at)  # the first second after the window
    before = Balances(client, [(seller, address)])

    receipt = client.escrow.release(order_id, sender=keeper)

    assert receipt.event("OrderReleased") == {"orderId": order_id, "by": keeper, "early": False,
                                              "toSellerSide": to_seller, "fee": fee}
    assert events(receipt, "Payout") == [
        {"orderId": order_id, "to": treasury, "token": address, "amount": fee, "credited": True},
        {"orderId": order_id, "to": seller, "token": address, "amount": to_seller, "credited": False},
    ]
    assert before.delta(seller, address) == to_seller == amount - fee
    assert client.escrow.credits(treasury, address) == fee
    assert client.escrow.get_order(order_id).state == "Released"
    assert client.tx.call("TradeEscrow", "isSettled", [order_id])


def test_release_pays_whoever_holds_the_invoice(client, trade, accounts, seller, keeper):
    financier = accounts["financier"]
    order_id = trade.delivered()
    client.tx.send("InvoiceToken", "transferFrom", [seller, financier, order_id], sender=seller)
    trade.travel_to(client.escrow.get_order(order_id).inspection_ends_at)
    before = Balances(client, [(seller, ETH), (financier, ETH)])

    client.escrow.release(order_id, sender=keeper)

    assert before.delta(financier) == ETHER - ETHER * FEE_BPS // BPS
    assert before.delta(seller) == 0


def test_release_needs_a_delivery(client, trade, keeper):
    shipped, funded = trade.shipped(), trade.place()
    with reverts("NotDelivered", orderId=shipped):
        client.escrow.release(shipped, sender=keeper)
    with reverts("WrongState", orderId=funded, actual="Funded", required="Shipped"):
        client.escrow.release(funded, sender=keeper)


def test_release_batch_releases_only_what_is_releasable(client, trade, keeper):
    ready = [trade.delivered(), trade.delivered()]
    already = trade.delivered()
    trade.travel_to(client.escrow.get_order(already).inspection_ends_at)
    client.escrow.release(already, sender=keeper)
    in_window, shipped, funded = trade.delivered(), trade.shipped(), trade.place()
    batch = [ready[0], in_window, shipped, already, funded, 999, ready[1]]

    assert client.tx.call("TradeEscrow", "releaseBatch", [batch], sender=keeper) == 2
    receipt = client.escrow.release_batch(batch, sender=keeper)

    assert [e["orderId"] for e in events(receipt, "OrderReleased")] == ready
    states = [client.escrow.get_order(i).state for i in (*ready, already, in_window, shipped, funded)]
    assert states == ["Released", "Released", "Released", "Delivered", "Shipped", "Funded"]


def test_release_batch_takes_at_most_100_orders(client, keeper):
    with reverts("BatchTooLarge", length=101, max=100):
        client.escrow.release_batch(list(range(1, 102)), sender=keeper)
    assert client.tx.call("TradeEscrow", "releaseBatch", [list(range(1, 101))], sender=keeper) == 0


# ============================================================================ refunds


def test_buyer_is_refunded_when_the_seller_does_not_ship_in_time(client, trade, buyer, keeper, treasury, token):
    address = trade.token(token)
    order_id = trade.place(token)
    order = client.escrow.get_order(order_id)
    trade.travel_to(order.ship_by)
    with reverts("RefundNotDue", orderId=order_id, dueAt=order.ship_by + 1):
        client.escrow.refund(order_id, sender=keeper)
    before = Balances(client, [(buyer, address)])

    receipt = client.escrow.refund(order_id, sender=keeper)  # runs at shipBy + 1

    assert receipt.event("OrderRefunded") == {"orderId": order_id, "reason": 0, "amount": order.amount}
    assert before.delta(buyer, address) == order.amount  # in full: no fee on a refund
    assert client.escrow.credits(treasury, address) == 0
    assert client.escrow.get_order(order_id).state == "Refunded"


def test_buyer_is_refunded_when_the_goods_are_not_delivered_in_time(client, trade, buyer, keeper, token):
    address = trade.token(token)
    order_id = trade.shipped(token)
    order = client.escrow.get_order(order_id)
    trade.travel_to(order.deliver_by)
    with reverts("RefundNotDue", orderId=order_id, dueAt=order.deliver_by + 1):
        client.escrow.refund(order_id, sender=keeper)
    before = Balances(client, [(buyer, address)])

    receipt = client.escrow.refund(order_id, sender=keeper)

    assert receipt.event("OrderRefunded") == {"orderId": order_id, "reason": 1, "amount": order.amount}
    assert before.delta(buyer, address) == order.amount
    assert client.escrow.get_order(order_id).state == "Refunded"


def test_a_late_delivery_counts_as_no_delivery(client, trade, buyer, keeper):
    order_id = trade.shipped()
    trade.travel_to(client.escrow.get_order(order_id).deliver_by + 1)
    trade.deliver(order_id)  # the log accepts it; the escrow does not count it

    order = client.escrow.get_order(order_id)
    assert order.delivered_at > order.deliver_by
    assert order.state == "Shipped"
    assert client.escrow.actionable(order_id) == (False, True)
    with reverts("NotDelivered", orderId=order_id):
        client.escrow.release(order_id, sender=keeper)
    with reverts("NotDelivered", orderId=order_id):
        client.escrow.confirm(order_id, sender=buyer)
    with reverts("NotDelivered", orderId=order_id):
        client.escrow.dispute(order_id, EVIDENCE, sender=buyer)
    assert client.escrow.refund(order_id, sender=keeper).event("OrderRefunded")["reason"] == 1


def test_a_delivery_at_the_deadline_is_on_time(client, trade, keeper):
    order_id = trade.shipped()
    deliver_by = client.escrow.get_order(order_id).deliver_by
    trade.travel_to(deliver_by)
    trade.deliver(order_id)

    assert client.escrow.get_order(order_id).state == "Delivered"
    trade.travel_to(deliver_by + 1)
    with reverts("NoRefundDue", orderId=order_id, state="Delivered"):
        client.escrow.refund(order_id, sender=keeper)


def test_refund_batch_refunds_only_what_is_due(client, trade, keeper):
    start = trade.now()
    not_shipped = trade.place()  # ship by start + 1 d
    not_delivered = trade.shipped(deliver_by=start + 2 * DAY)
    delivered = trade.delivered(deliver_by=start + 2 * DAY)
    not_yet = trade.place(ship_by=start + 5 * DAY)
    trade.travel_to(start + 2 * DAY + 2)  # calls see the latest block: start + 2 d + 1
    batch = [not_yet, not_shipped, 999, delivered, not_delivered]

    assert client.tx.call("TradeEscrow", "refundBatch", [batch], sender=keeper) == 2
    receipt = client.escrow.refund_batch(batch, sender=keeper)

    refunds = [(e["orderId"], e["reason"]) for e in events(receipt, "OrderRefunded")]
    assert refunds == [(not_shipped, 0), (not_delivered, 1)]
    states = [client.escrow.get_order(i).state for i in (not_shipped, not_delivered, delivered, not_yet)]
    assert states == ["Refunded", "Refunded", "Delivered", "Funded"]
    assert client.tx.call("TradeEscrow", "refundBatch", [batch], sender=keeper) == 0  # nothing twice


def test_refund_batch_takes_at_most_100_orders(client, keeper):
    with reverts("BatchTooLarge", length=101, max=100):
        client.escrow.refund_batch(list(range(101)), sender=keeper)


# ============================================================================ settlement by agreement


def test_the_parties_settle_a_dispute_by_agreement(client, trade, buyer, seller, treasury, token):
    address = trade.token(token)
    order_id = trade.disputed(token, amount=odd_amount(trade, token))
    amount = client.escrow.get_order(order_id).amount
    to_buyer, to_seller, fee = split(amount, 3_000, FEE_BPS)

    proposed = client.escrow.propose_settlement(order_id, 3_000, sender=seller)
    assert proposed.event("SettlementProposed") == {"orderId": order_id, "by": seller, "refundBps": 3_000}
    order = client.escrow.get_order(order_id)
    assert (order.proposer, order.proposed_refund_bps, order.state) == (seller, 3_000, "Disputed")

    before = Balances(client, [(buyer, address), (seller, address)])
    accepted = client.escrow.accept_settlement(order_id, 3_000, sender=buyer)

    assert accepted.event("OrderResolved") == {
        "orderId": order_id, "by": buyer, "ruling": 1, "refundBps": 3_000, "evidenceHash": ZERO32,
        "toBuyer": to_buyer, "toSellerSide": to_seller, "fee": fee,
    }
    buyer_gas = gas_paid(client, accepted) if address == ETH else 0
    assert before.delta(buyer, address) == to_buyer - buyer_gas
    assert before.delta(seller, address) == to_seller
    assert client.escrow.credits(treasury, address) == fee
    assert to_buyer + to_seller + fee == amount
    assert client.escrow.get_order(order_id).state == "Resolved"


def test_a_new_proposal_replaces_the_old_and_acceptance_must_match_it(client, trade, buyer, seller):
    order_id = trade.disputed()
    client.escrow.propose_settlement(order_id, 3_000, sender=buyer)
    client.escrow.propose_settlement(order_id, 2_000, sender=seller)  # a counter-offer

    with reverts("OwnProposal", orderId=order_id, caller=seller):
        client.escrow.accept_settlement(order_id, 2_000, sender=seller)
    with reverts("ProposalMismatch", orderId=order_id, proposedBps=2_000, acceptedBps=3_000):
        client.escrow.accept_settlement(order_id, 3_000, sender=buyer)
    receipt = client.escrow.accept_settlement(order_id, 2_000, sender=buyer)
    assert receipt.event("OrderResolved")["refundBps"] == 2_000


def test_accepting_needs_a_proposal(client, disputed_order, seller):
    order_id = disputed_order()
    with reverts("NoSettlementProposal", orderId=order_id):
        client.escrow.accept_settlement(order_id, 0, sender=seller)


def test_only_the_parties_can_propose_or_accept(client, trade, buyer, keeper, arbiter):
    order_id = trade.disputed()
    with reverts("NotParty", orderId=order_id, caller=keeper):
        client.escrow.propose_settlement(order_id, 5_000, sender=keeper)
    client.escrow.propose_settlement(order_id, 5_000, sender=buyer)
    with reverts("NotParty", orderId=order_id, caller=arbiter):
        client.escrow.accept_settlement(order_id, 5_000, sender=arbiter)


def test_a_proposal_is_a_share_of_at_most_10000_bps(client, trade, buyer, seller):
    order_id = trade.disputed()
    with reverts("InvalidBps", bps=BPS + 1):
        client.escrow.propose_settlement(order_id, BPS + 1, sender=buyer)
    client.escrow.propose_settlement(order_id, BPS, sender=seller)  # a full refund is a valid offer
    assert client.escrow.accept_settlement(order_id, BPS, sender=buyer).event("OrderResolved")["toBuyer"] == ETHER


def test_settlement_needs_a_dispute(client, trade, buyer, seller):
    order_id = trade.delivered()
    # the state named is the one users see: Delivered, not the stored Shipped
    with reverts("WrongState", orderId=order_id, actual="Delivered", required="Disputed"):
        client.escrow.propose_settlement(order_id, 5_000, sender=buyer)
    with reverts("WrongState", orderId=order_id, actual="Delivered", required="Disputed"):
        client.escrow.accept_settlement(order_id, 5_000, sender=seller)


# ============================================================================ the arbiter


def test_only_an_arbiter_can_resolve(client, trade, buyer, keeper):
    order_id = trade.disputed()
    for caller in (buyer, keeper):
        with reverts("AccessControlUnauthorizedAccount", account=caller, neededRole="ARBITER"):
            client.escrow.resolve(order_id, 5_000, sender=caller)


def test_an_arbiter_who_is_a_party_cannot_rule(client, trade, accounts, buyer, seller):
    order_id = trade.disputed()
    for party in (buyer, seller):
        client.grant_role("TradeEscrow", "ARBITER", party, sender=accounts["admin"])
        with reverts("ArbiterIsParty", orderId=order_id, arbiter=party):
            client.escrow.resolve(order_id, 0, sender=party)
    assert client.escrow.get_order(order_id).state == "Disputed"


def test_an_arbiter_who_holds_the_invoice_cannot_rule(client, trade, accounts, seller):
    financier = accounts["financier"]
    client.grant_role("TradeEscrow", "ARBITER", financier, sender=accounts["admin"])
    order_id = trade.delivered()
    client.tx.send("InvoiceToken", "transferFrom", [seller, financier, order_id], sender=seller)
    trade.dispute(order_id)  # a disputed invoice no longer moves: it changed hands before
    with reverts("ArbiterIsParty", orderId=order_id, arbiter=financier):
        client.escrow.resolve(order_id, 0, sender=financier)  # it would rule the whole payment to itself


@pytest.mark.parametrize(("token", "refund_bps"), [("ETH", 3_333), ("tUSD", 3_333), ("ETH", 0), ("tUSD", BPS)],
                         indirect=["token"])
def test_the_arbiter_rules_a_split_paid_out_exactly(client, trade, buyer, seller, arbiter, treasury, token,
                                                     refund_bps):
    address = trade.token(token)
    order_id = trade.disputed(token, amount=odd_amount(trade, token))
    amount = client.escrow.get_order(order_id).amount
    to_buyer, to_seller, fee = split(amount, refund_bps, FEE_BPS)
    assert client.tx.call("TradeEscrow", "split", [amount, refund_bps, FEE_BPS]) == [to_buyer, to_seller, fee]
    before = Balances(client, [(buyer, address), (seller, address)])

    receipt = client.escrow.resolve(order_id, refund_bps, EVIDENCE, sender=arbiter)

    assert receipt.event("OrderResolved") == {
        "orderId": order_id, "by": arbiter, "ruling": 0, "refundBps": refund_bps, "evidenceHash": EVIDENCE,
        "toBuyer": to_buyer, "toSellerSide": to_seller, "fee": fee,
    }
    assert before.delta(buyer, address) == to_buyer
    assert before.delta(seller, address) == to_seller
    assert client.escrow.credits(treasury, address) == fee
    assert to_buyer + to_seller + fee == amount
    paid = {(p["to"], p["amount"]) for p in events(receipt, "Payout")}
    assert paid == {(who, x) for who, x in ((buyer, to_buyer), (seller, to_seller), (treasury, fee)) if x}
    assert client.escrow.get_order(order_id).state == "Resolved"


def test_resolve_takes_a_share_of_at_most_10000_bps(client, trade, arbiter):
    order_id = trade.disputed()
    with reverts("InvalidBps", bps=BPS + 1):
        client.escrow.resolve(order_id, BPS + 1, sender=arbiter)
    with reverts("InvalidBps", bps=BPS + 1):
        client.tx.call("TradeEscrow", "split", [ETHER, BPS + 1, FEE_BPS])
    with reverts("InvalidBps", bps=BPS + 1):  # a fee share above 100 % is refused too, not a panic
        client.tx.call("TradeEscrow", "split", [ETHER, 0, BPS + 1])


def test_the_arbiter_rules_only_on_disputed_orders(client, trade, arbiter):
    order_id = trade.delivered()
    with reverts("WrongState", orderId=order_id, actual="Delivered", required="Disputed"):
        client.escrow.resolve(order_id, 5_000, sender=arbiter)


def test_without_a_ruling_anyone_applies_the_even_split_after_the_deadline(client, trade, buyer, seller, keeper,
                                                                            treasury, token):
    address = trade.token(token)
    order_id = trade.disputed(token, amount=odd_amount(trade, token))
    order = client.escrow.get_order(order_id)
    to_buyer, to_seller, fee = split(order.amount, 5_000, FEE_BPS)
    trade.travel_to(order.ruling_deadline)
    with reverts("RulingDeadlineNotReached", orderId=order_id, deadline=order.ruling_deadline):
        client.escrow.resolve_by_default(order_id, sender=keeper)
    before = Balances(client, [(buyer, address), (seller, address)])

    receipt = client.escrow.resolve_by_default(order_id, sender=keeper)  # at rulingDeadline + 1

    assert receipt.event("OrderResolved") == {
        "orderId": order_id, "by": keeper, "ruling": 2, "refundBps": 5_000, "evidenceHash": ZERO32,
        "toBuyer": to_buyer, "toSellerSide": to_seller, "fee": fee,
    }
    assert (before.delta(buyer, address), before.delta(seller, address)) == (to_buyer, to_seller)
    assert client.escrow.credits(treasury, address) == fee


# ============================================================================ fees and settings


def test_the_fee_is_capped_at_5_percent(client, accounts):
    admin = accounts["admin"]
    with reverts("FeeTooHigh", bps=MAX_FEE_BPS + 1, max=MAX_FEE_BPS):
        client.tx.send("TradeEscrow", "setFee", [MAX_FEE_BPS + 1], sender=admin)
    receipt = client.tx.send("TradeEscrow", "setFee", [MAX_FEE_BPS], sender=admin)
    assert receipt.event("FeeChanged") == {"oldBps": FEE_BPS, "newBps": MAX_FEE_BPS}
    assert client.tx.call("TradeEscrow", "feeBps") == MAX_FEE_BPS


@pytest.mark.parametrize(("fn", "args"), [("setFee", [0]), ("setTreasury", ["buyer2"]),
                                          ("setDisputePeriod", [DAY])])
def test_only_the_admin_changes_settings(client, accounts, fn, args):
    args = [accounts.get(a, a) if isinstance(a, str) else a for a in args]
    with reverts("AccessControlUnauthorizedAccount", account=accounts["keeper"], neededRole="ADMIN"):
        client.tx.send("TradeEscrow", fn, args, sender=accounts["keeper"])


def test_a_fee_change_does_not_touch_existing_orders(client, trade, accounts, keeper):
    old = trade.delivered()
    client.tx.send("TradeEscrow", "setFee", [MAX_FEE_BPS], sender=accounts["admin"])
    new = trade.delivered()
    assert [client.escrow.get_order(i).fee_bps for i in (old, new)] == [FEE_BPS, MAX_FEE_BPS]
    assert client.tx.call("TradeEscrow", "faceValue", [old]) == ETHER - ETHER * FEE_BPS // BPS

    trade.travel_to(client.escrow.get_order(new).inspection_ends_at)
    receipt = client.escrow.release_batch([old, new], sender=keeper)

    fees = [e["fee"] for e in events(receipt, "OrderReleased")]
    assert fees == [ETHER * FEE_BPS // BPS, ETHER * MAX_FEE_BPS // BPS]


def test_with_no_fee_the_seller_gets_everything(client, trade, accounts, seller, keeper, treasury, token):
    address = trade.token(token)
    client.tx.send("TradeEscrow", "setFee", [0], sender=accounts["admin"])
    order_id = trade.releasable(token)
    amount = client.escrow.get_order(order_id).amount
    assert client.escrow.get_order(order_id).fee_bps == 0
    before = Balances(client, [(seller, address)])

    receipt = client.escrow.release(order_id, sender=keeper)

    assert [p["to"] for p in events(receipt, "Payout")] == [seller]
    assert before.delta(seller, address) == amount
    assert client.escrow.credits(treasury, address) == 0


def test_a_new_treasury_receives_future_fees(client, trade, accounts, keeper, treasury):
    new_treasury = accounts["buyer2"]
    order_id = trade.releasable()
    with reverts("InvalidAddress", field="treasury", value=ETH):
        client.tx.send("TradeEscrow", "setTreasury", [ETH], sender=accounts["admin"])
    receipt = client.tx.send("TradeEscrow", "setTreasury", [new_treasury], sender=accounts["admin"])
    assert receipt.event("TreasuryChanged") == {"oldTreasury": treasury, "newTreasury": new_treasury}

    client.escrow.release(order_id, sender=keeper)

    assert client.escrow.credits(new_treasury) == ETHER * FEE_BPS // BPS
    assert client.escrow.credits(treasury) == 0


def test_the_dispute_period_is_between_1_and_90_days(client, trade, accounts, buyer):
    admin = accounts["admin"]
    for period in (DAY - 1, 90 * DAY + 1):
        with reverts("DisputePeriodOutOfRange", period=period, min=DAY, max=90 * DAY):
            client.tx.send("TradeEscrow", "setDisputePeriod", [period], sender=admin)
    client.tx.send("TradeEscrow", "setDisputePeriod", [90 * DAY], sender=admin)
    disputed_before = trade.disputed()
    deadline_before = client.escrow.get_order(disputed_before).ruling_deadline

    receipt = client.tx.send("TradeEscrow", "setDisputePeriod", [DAY], sender=admin)
    assert receipt.event("DisputePeriodChanged") == {"oldPeriod": 90 * DAY, "newPeriod": DAY}
    order_id = trade.delivered()
    disputed = client.escrow.dispute(order_id, sender=buyer)

    assert client.escrow.get_order(order_id).ruling_deadline == client.chain.block_time(disputed.block) + DAY
    assert client.escrow.get_order(disputed_before).ruling_deadline == deadline_before  # an open dispute keeps its deadline


# ============================================================================ withdrawing credits


def test_withdrawing_with_nothing_owed_is_refused(client, buyer):
    for token in (ETH, client.tokens.stablecoin):
        with reverts("NothingToWithdraw", token=token, account=buyer):
            client.escrow.withdraw(token, sender=buyer)


def test_the_treasury_withdraws_its_fees(client, trade, keeper, treasury, token):
    address = trade.token(token)
    order_id = trade.released(token)
    fee = client.escrow.get_order(order_id).amount * FEE_BPS // BPS
    assert client.escrow.credits(treasury, address) == fee
    before = Balances(client, [(treasury, address)])

    receipt = client.escrow.withdraw(address, sender=treasury)

    assert receipt.event("Withdrawn") == {"account": treasury, "token": address, "amount": fee}
    assert before.delta(treasury, address) == fee - (gas_paid(client, receipt) if address == ETH else 0)
    assert client.escrow.credits(treasury, address) == 0
    with reverts("NothingToWithdraw", token=address, account=treasury):
        client.escrow.withdraw(address, sender=treasury)


# ============================================================================ terminal states


@pytest.mark.parametrize("ending", ["released", "resolved", "refunded", "cancelled"])
def test_a_settled_order_never_moves_again(client, trade, accounts, buyer, seller, keeper, arbiter, ending):
    order_id = getattr(trade, ending)()
    state = ending.capitalize()
    assert client.escrow.get_order(order_id).state == state
    assert client.tx.call("TradeEscrow", "isSettled", [order_id])

    def refused(required, attempt):
        with reverts("WrongState", orderId=order_id, actual=state, required=required):
            attempt()

    refused("Shipped", lambda: client.escrow.release(order_id, sender=keeper))
    with reverts("NoRefundDue", orderId=order_id, state=state):
        client.escrow.refund(order_id, sender=keeper)
    refused("Disputed", lambda: client.escrow.resolve(order_id, 5_000, sender=arbiter))
    refused("Disputed", lambda: client.escrow.resolve_by_default(order_id, sender=keeper))
    refused("Funded", lambda: client.escrow.ship(order_id, accounts["carrier"], sender=seller))
    refused("Funded", lambda: client.escrow.cancel(order_id, sender=seller))
    refused("Shipped", lambda: client.escrow.confirm(order_id, sender=buyer))
    refused("Shipped", lambda: client.escrow.dispute(order_id, sender=buyer))
    refused("Disputed", lambda: client.escrow.propose_settlement(order_id, 0, sender=buyer))
    assert client.tx.call("TradeEscrow", "releaseBatch", [[order_id]], sender=keeper) == 0
    assert client.tx.call("TradeEscrow", "refundBatch", [[order_id]], sender=keeper) == 0
    assert client.escrow.actionable(order_id) == (False, False)
    assert client.escrow.get_order(order_id).state == state


ORDER_CALLS = {
    "ship": lambda c, a, i: c.escrow.ship(i, a["carrier"], sender=a["seller"]),
    "cancel": lambda c, a, i: c.escrow.cancel(i, sender=a["seller"]),
    "confirm": lambda c, a, i: c.escrow.confirm(i, sender=a["buyer"]),
    "dispute": lambda c, a, i: c.escrow.dispute(i, sender=a["buyer"]),
    "release": lambda c, a, i: c.escrow.release(i, sender=a["keeper"]),
    "refund": lambda c, a, i: c.escrow.refund(i, sender=a["keeper"]),
    "proposeSettlement": lambda c, a, i: c.escrow.propose_settlement(i, 0, sender=a["buyer"]),
    "acceptSettlement": lambda c, a, i: c.escrow.accept_settlement(i, 0, sender=a["buyer"]),
    "resolve": lambda c, a, i: c.escrow.resolve(i, 0, sender=a["arbiter"]),
    "resolveByDefault": lambda c, a, i: c.escrow.resolve_by_default(i, sender=a["keeper"]),
    "getOrder": lambda c, a, i: c.escrow.get_order(i),
    "faceValue": lambda c, a, i: c.tx.call("TradeEscrow", "faceValue", [i]),
}


@pytest.mark.parametrize("call", ORDER_CALLS)
def test_an_unknown_order_is_named_as_such(client, trade, accounts, call):
    trade.place()  # order 1 exists; 0 and 2 do not
    for order_id in (0, 2):
        with reverts("UnknownOrder", orderId=order_id):
            ORDER_CALLS[call](client, accounts, order_id)


# ============================================================================ views


def test_actionable_tells_a_keeper_what_it_may_trigger(client, trade):
    funded = trade.place()
    delivered = trade.delivered()
    assert client.escrow.actionable(funded) == (False, False)
    assert client.escrow.actionable(delivered) == (False, False)
    assert client.escrow.actionable(999) == (False, False)
    # a call sees the latest block, one second before the next transaction
    trade.travel_to(client.escrow.get_order(delivered).inspection_ends_at + 1)
    assert client.escrow.actionable(funded) == (False, True)
    assert client.escrow.actionable(delivered) == (True, False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=st.integers(1, 2**96 - 1), refund_bps=st.integers(0, BPS), fee_bps=st.integers(0, MAX_FEE_BPS))
def test_split_parts_always_sum_to_the_amount(client, amount, refund_bps, fee_bps):
    parts = client.tx.call("TradeEscrow", "split", [amount, refund_bps, fee_bps])
    assert parts == list(split(amount, refund_bps, fee_bps))
    assert sum(parts) == amount


def test_the_constructor_refuses_bad_settings(client, accounts):
    admin = accounts["admin"]
    good = [admin, accounts["treasury"], 100, DISPUTE_PERIOD, client.provenance.address, client.invoices.address,
            client.fx.address, client.tx.address("PaymentSchedules")]
    cases = [
        (0, ETH, reverts("InvalidAddress", field="admin")),
        (1, ETH, reverts("InvalidAddress", field="treasury")),
        (4, ETH, reverts("InvalidAddress", field="provenance")),
        (5, ETH, reverts("InvalidAddress", field="invoices")),
        (6, ETH, reverts("InvalidAddress", field="fxRates")),
        (7, ETH, reverts("InvalidAddress", field="schedules")),
        (2, MAX_FEE_BPS + 1, reverts("FeeTooHigh", bps=MAX_FEE_BPS + 1)),
        (3, 0, reverts("DisputePeriodOutOfRange", period=0)),
    ]
    for index, value, expectation in cases:
        args = list(good)
        args[index] = value
        with expectation:
            deploy(client, "TradeEscrow", *args, sender=admin)
    deploy(client, "TradeEscrow", *good, sender=admin)


# ============================================================================ recipients that refuse payment


@pytest.fixture
def refuser(client, accounts):
    """A RevertingReceiver: refuses plain ETH until setAccepting(true)."""
    return deploy(client, "RevertingReceiver", sender=accounts["admin"])


def test_a_seller_that_refuses_eth_is_credited_and_other_orders_still_settle(client, trade, accounts, refuser,
                                                                              seller, keeper):
    stuck = trade.place(seller=refuser.address)
    refuser.execute(client.escrow.address, calldata(client, "TradeEscrow", "ship", stuck, accounts["carrier"], ZERO32,
                                                                  ZERO32),
                    sender=accounts["admin"])
    trade.deliver(stuck)
    fine = trade.delivered()
    trade.travel_to(client.escrow.get_order(fine).inspection_ends_at)
    before = Balances(client, [(seller, ETH)])
    face = ETHER - ETHER * FEE_BPS // BPS

    receipt = client.escrow.release_batch([stuck, fine], sender=keeper)

    assert [client.escrow.get_order(i).state for i in (stuck, fine)] == ["Released", "Released"]
    payouts = [(p["orderId"], p["to"], p["credited"]) for p in events(receipt, "Payout") if p["amount"] == face]
    assert payouts == [(stuck, refuser.address, True), (fine, seller, False)]
    assert client.escrow.credits(refuser.address) == face
    assert before.delta(seller) == face
    assert client.tokens.balance(refuser.address) == 0

    withdraw = calldata(client, "TradeEscrow", "withdraw", ETH)
    with reverts("WithdrawFailed", account=refuser.address, amount=face):
        refuser.execute(client.escrow.address, withdraw, sender=keeper)
    assert client.escrow.credits(refuser.address) == face

    refuser.transact("setAccepting", [True], sender=keeper)
    refuser.execute(client.escrow.address, withdraw, sender=keeper)
    assert client.tokens.balance(refuser.address) == face
    assert client.escrow.credits(refuser.address) == 0


def test_a_buyer_that_refuses_eth_is_credited_its_refund_and_its_share(client, trade, accounts, refuser, seller,
                                                                        arbiter):
    admin, now = accounts["admin"], trade.now()

    def place() -> int:
        data = calldata(client, "TradeEscrow", "placeOrder", (seller, ETH, ETHER, now + DAY, now + 10 * DAY, 3 * DAY,
                                                               ZERO32, 0, 0))
        refuser.execute(client.escrow.address, data, sender=admin, value=ETHER)
        return client.escrow.order_count()

    cancelled, disputed = place(), place()
    client.escrow.cancel(cancelled, sender=seller)
    trade.ship(disputed)
    trade.deliver(disputed)
    refuser.execute(client.escrow.address, calldata(client, "TradeEscrow", "dispute", disputed, EVIDENCE), sender=admin)
    before = Balances(client, [(seller, ETH)])
    client.escrow.resolve(disputed, 4_000, sender=arbiter)

    to_buyer, to_seller, _ = split(ETHER, 4_000, FEE_BPS)
    assert client.escrow.credits(refuser.address) == ETHER + to_buyer
    assert before.delta(seller) == to_seller
    assert [client.escrow.get_order(i).state for i in (cancelled, disputed)] == ["Cancelled", "Resolved"]


def test_a_recipient_that_burns_gas_cannot_block_a_release(client, trade, accounts, refuser, keeper):
    refuser.transact("setAccepting", [True], sender=keeper)
    refuser.transact("setBurnGas", [True], sender=keeper)
    order_id = trade.place(seller=refuser.address)
    refuser.execute(client.escrow.address, calldata(client, "TradeEscrow", "ship", order_id, accounts["carrier"],
                                                    ZERO32, ZERO32), sender=keeper)
    trade.deliver(order_id)
    trade.travel_to(client.escrow.get_order(order_id).inspection_ends_at)

    receipt = client.escrow.release(order_id, sender=keeper)

    assert receipt.gas_used < 300_000
    assert client.escrow.get_order(order_id).state == "Released"
    assert client.escrow.credits(refuser.address) == ETHER - ETHER * FEE_BPS // BPS


def test_a_financier_with_an_advance_cannot_rule_either(client, trade, accounts, seller):
    financier = accounts["financier"]
    client.grant_role("TradeEscrow", "ARBITER", financier, sender=accounts["admin"])
    order_id = trade.shipped()
    face = client.tx.call("TradeEscrow", "faceValue", [order_id])
    client.tx.send("InvoiceToken", "offerAdvance", [order_id, face // 2, 200, 2**40 - 1], sender=financier, value=face // 2)
    client.tx.send("InvoiceToken", "acceptAdvance", [order_id, financier, face // 2, 200, 2**40 - 1], sender=seller)
    trade.deliver(order_id)
    client.escrow.dispute(order_id, EVIDENCE, sender=accounts["buyer"])
    with reverts("ArbiterIsParty", orderId=order_id, arbiter=financier):
        client.escrow.resolve(order_id, 0, sender=financier)


def test_credit_can_be_withdrawn_to_another_address(client, accounts, treasury, trade):
    trade.released()  # the 1 % fee is credited to the treasury
    fee = client.escrow.credits(treasury)
    to = accounts["buyer2"]
    before = client.tokens.balance(to)
    r = client.escrow.withdraw(sender=treasury, to=to)
    assert r.event("Withdrawn") == {"account": treasury, "token": ETH, "amount": fee}
    assert client.tokens.balance(to) - before == fee and client.escrow.credits(treasury) == 0
    with reverts("InvalidAddress", field="to"):
        client.escrow.withdraw(sender=treasury, to=ETH)


def test_an_invoice_cannot_be_sent_to_the_escrow_itself(client, trade, seller):
    order_id = trade.shipped()
    with reverts("ERC721InvalidReceiver", receiver=client.escrow.address):
        client.tx.send("InvoiceToken", "transferFrom", [seller, client.escrow.address, order_id], sender=seller)
