"""Seller acceptance and the exposure cap (issue 15 part 4), rule by rule.

An order placed with `acceptBy` waits (Offered) until its seller accepts it by then; after it anyone may refund the
buyer. While the admin's exposure cap is on, a seller's bound and unsettled value in a token stays within
multiple x its settled volume there (or the floor for new sellers): checked when an order binds.
"""

from __future__ import annotations

import pytest

from tradechain.errors import ContractRevert
from tradechain.vocabulary import ETH

from helpers import DAY, ETHER, HOUR, events, reverts

pytestmark = pytest.mark.usefixtures("conservation_check")


def offered(trade, accept_in: int = HOUR, **kw) -> int:
    return trade.place(accept_by=trade.now() + accept_in, **kw)


# ============================================================================ acceptance


def test_an_order_with_acceptby_waits_for_the_seller_and_nothing_ships_before(client, trade, seller, carrier):
    deadline = trade.now() + HOUR
    oid = trade.place(accept_by=deadline)
    order = client.escrow.get_order(oid)
    assert order.state == "Offered"
    assert client.escrow.accept_by(oid) == deadline
    with reverts("WrongState", orderId=oid, actual="Offered", required="Funded"):
        client.escrow.ship(oid, carrier, sender=seller)


def test_the_seller_accepts_in_time_and_the_order_then_ships(client, trade, seller):
    oid = offered(trade)
    receipt = client.escrow.accept(oid, sender=seller)
    assert receipt.event("OrderAccepted") == {"orderId": oid}
    assert client.escrow.get_order(oid).state == "Funded"
    assert client.escrow.accept_by(oid) == 0  # cleared: the order no longer waits
    trade.ship(oid)
    assert client.escrow.get_order(oid).state == "Shipped"


def test_placing_with_acceptby_emits_the_deadline_after_the_order(client, trade, buyer, seller):
    deadline = trade.now() + HOUR
    oid, receipt = client.escrow.place_order(buyer=buyer, seller=seller, amount=ETHER, ship_by=deadline + DAY,
                                             deliver_by=deadline + 5 * DAY, inspection_window=DAY, accept_by=deadline)
    names = [e["event"] for e in receipt.events if e["event"] in ("OrderPlaced", "AcceptanceRequested")]
    assert names == ["OrderPlaced", "AcceptanceRequested"]
    assert events(receipt, "AcceptanceRequested") == [{"orderId": oid, "acceptBy": deadline}]


def test_only_the_seller_may_accept(client, trade, buyer, keeper):
    oid = offered(trade)
    for who in (buyer, keeper):
        with reverts("NotSeller", orderId=oid, caller=who):
            client.escrow.accept(oid, sender=who)


def test_the_seller_cannot_accept_after_acceptby(client, trade, seller):
    oid = offered(trade)
    deadline = client.escrow.accept_by(oid)
    trade.travel_to(deadline + 1)
    with reverts("AcceptDeadlinePassed", orderId=oid, acceptBy=deadline):
        client.escrow.accept(oid, sender=seller)


def test_the_seller_may_accept_at_the_deadline_itself(client, trade, seller):
    oid = offered(trade)
    trade.travel_to(client.escrow.accept_by(oid))
    client.escrow.accept(oid, sender=seller)
    assert client.escrow.get_order(oid).state == "Funded"


def test_an_order_accepted_twice_is_refused(client, trade, seller):
    oid = offered(trade)
    client.escrow.accept(oid, sender=seller)
    with reverts("WrongState", orderId=oid, actual="Funded", required="Offered"):
        client.escrow.accept(oid, sender=seller)


def test_an_order_without_acceptby_cannot_be_accepted(client, trade, seller):
    oid = trade.place()
    with reverts("WrongState", orderId=oid, actual="Funded", required="Offered"):
        client.escrow.accept(oid, sender=seller)


def test_anyone_refunds_the_buyer_after_acceptby(client, trade, buyer, keeper):
    oid = offered(trade, amount=2 * ETHER)
    trade.travel_to(client.escrow.accept_by(oid) + 2)  # calls read the latest block, a second before the next
    assert client.escrow.actionable(oid) == (False, True)
    before = client.tokens.balance(buyer)
    receipt = client.escrow.refund(oid, sender=keeper)
    assert receipt.event("OrderRefunded") == {"orderId": oid, "reason": 2, "amount": 2 * ETHER}  # NotAccepted
    assert client.tokens.balance(buyer) - before == 2 * ETHER
    assert client.escrow.get_order(oid).state == "Refunded"
    assert client.escrow.seller_record(trade.party(oid, "seller")).refunds == 1


def test_no_refund_before_acceptby(client, trade, keeper):
    oid = offered(trade)
    deadline = client.escrow.accept_by(oid)
    with reverts("RefundNotDue", orderId=oid, dueAt=deadline + 1):
        client.escrow.refund(oid, sender=keeper)
    assert client.escrow.actionable(oid) == (False, False)


def test_the_keepers_refund_batch_refunds_unaccepted_orders(client, trade, keeper):
    late, waiting = offered(trade), offered(trade, accept_in=DAY - 60)
    trade.travel_to(client.escrow.accept_by(late) + 1)
    receipt = client.escrow.refund_batch([late, waiting], sender=keeper)
    assert [e["orderId"] for e in events(receipt, "OrderRefunded")] == [late]
    assert client.escrow.get_order(waiting).state == "Offered"


def test_the_seller_declines_by_not_accepting_not_by_cancelling(client, trade, seller):
    oid = offered(trade)
    with reverts("WrongState", orderId=oid, actual="Offered", required="Funded"):
        client.escrow.cancel(oid, sender=seller)


def test_sensor_limits_are_set_once_the_order_binds(client, trade, buyer, seller):
    oid = offered(trade)
    with reverts("WrongState", orderId=oid, actual="Offered", required="Funded"):
        client.escrow.set_sensor_limits(oid, (2, 8), 60, 5, sender=buyer)
    client.escrow.accept(oid, sender=seller)
    client.escrow.set_sensor_limits(oid, (2, 8), 60, 5, sender=buyer)
    assert client.escrow.limits_hash(oid) != b"\0" * 32


def test_acceptby_must_be_in_the_future_and_not_after_shipby(client, trade):
    now = trade.now()
    with reverts("AcceptByOutOfRange", acceptBy=now):
        trade.place(accept_by=now)
    with reverts("AcceptByOutOfRange", acceptBy=now + DAY + 1, shipBy=now + DAY):
        trade.place(ship_by=now + DAY, deliver_by=now + 5 * DAY, accept_by=now + DAY + 1)


# ============================================================================ exposure cap


@pytest.fixture
def capped(client, admin):
    """Cap: 2 x settled volume, floor 3 ETH."""
    client.escrow.set_exposure_cap(2, ETH, 3 * ETHER, sender=admin)


def test_only_the_admin_sets_the_cap(client, seller):
    with reverts("AccessControlUnauthorizedAccount", account=seller):
        client.escrow.set_exposure_cap(2, ETH, ETHER, sender=seller)


def test_the_multiple_is_bounded_by_its_type(client, admin, seller):
    from eth_abi import encode

    from helpers import selector

    client.escrow.set_exposure_cap(255, sender=admin)
    data = selector("setExposureCap(uint8,address,uint256)") + encode(["uint256", "address", "uint256"], [256, ETH, 0])
    with pytest.raises(ContractRevert):  # the ABI decoder refuses a value above uint8 before the function runs
        client.tx.send_data(client.escrow.address, data, sender=admin)
    assert client.escrow.exposure(seller).multiple == 255


def test_setting_the_cap_is_recorded(client, admin, seller):
    r = client.escrow.set_exposure_cap(3, ETH, ETHER, sender=admin)
    assert r.event("ExposureCapChanged") == {"token": ETH, "multiple": 3, "floor": ETHER}
    e = client.escrow.exposure(seller)
    assert (e.multiple, e.floor, e.cap, e.open) == (3, ETHER, ETHER, 0)  # no settled volume yet: the floor


def test_without_a_cap_nothing_is_counted(client, trade, seller):
    trade.place(amount=50 * ETHER)
    e = client.escrow.exposure(seller)
    assert (e.open, e.cap, e.room()) == (0, None, None)


def test_a_new_seller_binds_up_to_the_floor_and_no_more(client, trade, seller, capped):
    trade.place(amount=2 * ETHER)
    assert client.escrow.exposure(seller).open == 2 * ETHER
    with reverts("ExposureCapExceeded", seller=seller, open=2 * ETHER, cap=3 * ETHER):
        trade.place(amount=2 * ETHER)
    trade.place(amount=ETHER)  # exactly at the cap
    assert client.escrow.exposure(seller).room() == 0


def test_the_cap_is_checked_at_acceptance_not_at_an_offer(client, trade, seller, capped):
    first, second = offered(trade, amount=2 * ETHER), offered(trade, amount=2 * ETHER)
    assert client.escrow.exposure(seller).open == 0  # offers bind nothing yet
    client.escrow.accept(first, sender=seller)
    with reverts("ExposureCapExceeded", seller=seller, open=2 * ETHER, cap=3 * ETHER):
        client.escrow.accept(second, sender=seller)
    assert client.escrow.get_order(second).state == "Offered"  # it may still be refunded after acceptBy


def test_settling_frees_the_exposure_on_every_path(client, trade, seller, keeper, arbiter, capped):
    released = trade.released(amount=ETHER // 2)
    refunded = trade.refunded(amount=ETHER // 2)
    cancelled = trade.cancelled(amount=ETHER // 2)
    resolved = trade.resolved(amount=ETHER // 2)
    assert {client.escrow.get_order(i).state for i in (released, refunded, cancelled, resolved)} == {
        "Released", "Refunded", "Cancelled", "Resolved"}
    assert client.escrow.exposure(seller).open == 0


def test_settled_volume_raises_the_cap(client, trade, seller, capped):
    trade.released(amount=3 * ETHER)  # the floor admits it; released, the seller side is 2.97 ETH
    volume = client.escrow.seller_record(seller).volume
    e = client.escrow.exposure(seller)
    assert (e.open, e.cap) == (0, 2 * volume)
    trade.place(amount=2 * volume)
    with reverts("ExposureCapExceeded", cap=2 * volume):
        trade.place(amount=1)


def test_orders_bound_before_the_cap_was_set_never_count(client, trade, seller, admin):
    before = trade.delivered(amount=5 * ETHER)
    client.escrow.set_exposure_cap(2, ETH, 3 * ETHER, sender=admin)
    trade.place(amount=ETHER)
    trade.travel_to(client.escrow.get_order(before).inspection_ends_at)
    client.escrow.release(before, sender=trade.accounts["keeper"])  # subtracts nothing: it was never added
    assert client.escrow.exposure(seller).open == ETHER


def test_lifting_the_cap_stops_counting_new_orders(client, trade, seller, admin, capped):
    trade.place(amount=ETHER)
    client.escrow.set_exposure_cap(0, sender=admin)
    trade.place(amount=10 * ETHER)
    assert client.escrow.exposure(seller).open == ETHER


# ============================================================================ attacker: the long con


def test_the_long_con_is_stopped_by_the_exposure_cap(client, trade, seller, arbiter, admin):
    client.escrow.set_exposure_cap(3, ETH, ETHER, sender=admin)  # a new seller may have 1 ETH open
    for _ in range(2):  # the record: two small orders, honestly delivered and released
        trade.released(amount=ETHER // 2)
    record = client.escrow.seller_record(seller).volume
    with reverts("ExposureCapExceeded", seller=seller, open=0, cap=3 * record):
        trade.place(amount=10 * ETHER)  # the con: refused at once
    con = trade.place(amount=3 * record)  # at most 3x what it settled may be at stake at a time
    with reverts("ExposureCapExceeded", seller=seller, open=3 * record, cap=3 * record):
        trade.place(amount=1)
    trade.ship(con)
    trade.deliver(con)
    trade.dispute(con)
    lost = client.escrow.resolve(con, 5_000, sender=arbiter).event("OrderResolved")["toSellerSide"]
    assert lost < 1.5 * record  # against half of 50 ETH without the cap


def test_an_order_paid_by_permit_may_ask_for_acceptance(client, trade, seller):
    oid = trade.place("tUSD", permit=True, accept_by=trade.now() + HOUR)
    assert client.escrow.get_order(oid).state == "Offered"
    client.escrow.accept(oid, sender=seller)
    assert client.escrow.get_order(oid).state == "Funded"
