"""Tranches released by logistics events, and the eBL title passed with the documents tranche (issue 15, parts 1-2).

Every rule of the schedule, of releasing a tranche and of the title has a test that breaks it and sees the exact
custom error; money is conserved throughout (conftest's conservation check runs after each test that asks for it).
"""

from __future__ import annotations

import pytest

from tradechain.tranches import Tranche, pack
from tradechain.vocabulary import ETH, ZERO32

from helpers import DAY, ETHER, Balances, deploy, events, reverts, split

T = Tranche
EXPORT_70 = [T(3000, "ExportCleared"), T(7000, "End")]
BL = b"\x11" * 32


@pytest.fixture
def sched(client, trade, accounts):
    """place(schedule, documents=0, token="ETH", amount=None, buyer=None) -> order id of a scheduled order."""

    def place(tranches=EXPORT_70, documents=0, token="ETH", amount=None, buyer=None, window=3 * DAY):
        now = trade.now()
        address = trade.token(token)
        amount = amount or (ETHER if address == ETH else 250 * 10**6)
        order_id, _ = client.escrow.place_order(
            buyer=buyer or accounts["buyer"], seller=accounts["seller"], amount=amount, ship_by=now + DAY,
            deliver_by=now + 10 * DAY, inspection_window=window, token=address,
            schedule=pack(tranches, documents))
        return order_id

    return place


def _ship(client, accounts, order_id, bl=BL):
    return client.escrow.ship(order_id, accounts["carrier"], bl, sender=accounts["seller"])


def _clear_export(client, accounts, order_id):
    return client.provenance.checkpoint(order_id, "ExportCleared", "CNSHA", sender=accounts["customs"])


# ------------------------------------------------------------------ schedule at order time


def test_schedule_is_anchored_with_the_order_and_readable(client, sched):
    order_id = sched()
    s = client.escrow.schedule(order_id)
    assert s.tranches == EXPORT_70 and s.documents == 0 and s.released == [False, False]
    events = [e for e in client.timeline(order_id) if e["event"] == "ScheduleFixed"]
    assert events[0]["args"]["schedule"] == pack(EXPORT_70)


def test_plain_order_has_no_schedule(client, trade):
    assert client.escrow.schedule(trade.place()) is None


@pytest.mark.parametrize("word, error, args", [
    # shares 30 % + 60 %: 90 %
    (3000 | 6000 << 16 | 2 << 64 | 6 << 72, "TrancheSharesSum", {"total": 9000}),
    # last trigger is not End
    (3000 | 7000 << 16 | 2 << 64 | 3 << 72, "InvalidTranche", {"index": 2}),
    # triggers out of logistics order: Arrived then ExportCleared
    (3000 | 2000 << 16 | 5000 << 32 | 3 << 64 | 2 << 72 | 6 << 80, "InvalidTranche", {"index": 1}),
    # a zero share
    (0 | 10000 << 16 | 2 << 64 | 6 << 72, "InvalidTranche", {"index": 0}),
    # documents paid with the End tranche: the title could never be surrendered before delivery
    (3000 | 7000 << 16 | 2 << 64 | 6 << 72 | 2 << 96, "InvalidTranche", {"index": 1}),
    # documents tranche past the schedule
    (10000 | 6 << 64 | 3 << 96, "InvalidTranche", {"index": 2}),
    # a trigger past End
    (10000 | 7 << 64, "InvalidTranche", {"index": 0}),
    # bits above the documents byte
    (10000 | 6 << 64 | 1 << 110, "InvalidTranche", {"index": 4}),
])
def test_bad_schedules_are_refused(client, trade, accounts, word, error, args):
    now = trade.now()
    with reverts(error, **args):
        client.tx.send("TradeEscrow", "placeOrder",
                       [(accounts["seller"], ETH, ETHER, now + DAY, now + 10 * DAY, 3 * DAY, ZERO32, 0, word)],
                       sender=accounts["buyer"], value=ETHER)


# ------------------------------------------------------------------ releasing tranches


def test_tranche_released_on_export_clearance_to_the_invoice_holder_with_fee_pro_rata(
        client, trade, accounts, sched, conservation_check):
    order_id = sched()
    _ship(client, accounts, order_id)
    with reverts("TrancheNotDue", orderId=order_id, index=0, trigger="ExportCleared"):
        client.escrow.release_tranche(order_id, 0, sender=accounts["keeper"])
    _clear_export(client, accounts, order_id)
    before = Balances(client, [(accounts["seller"], ETH)])
    r = client.escrow.release_tranche(order_id, 0, sender=accounts["keeper"])
    ev = r.event("TrancheReleased")
    fee_bps = client.escrow.get_order(order_id).fee_bps
    gross = ETHER * 3000 // 10_000
    assert (ev["gross"], ev["fee"], ev["remaining"]) == (gross, gross * fee_bps // 10_000, ETHER - gross)
    assert before.delta(accounts["seller"]) == gross - ev["fee"]
    assert client.escrow.schedule(order_id).released_amount == gross
    assert client.invoices.get(order_id).face_value == split(ETHER - gross, 0, fee_bps)[1]
    with reverts("TrancheAlreadyReleased", orderId=order_id, index=0):
        client.escrow.release_tranche(order_id, 0, sender=accounts["keeper"])
    # the End tranche is the release: the remainder, once the inspection window is over
    with reverts("TrancheNotDue", orderId=order_id, index=1, trigger="End"):
        client.escrow.release_tranche(order_id, 1, sender=accounts["keeper"])
    with reverts("UnknownTranche", orderId=order_id, index=2):
        client.escrow.release_tranche(order_id, 2, sender=accounts["keeper"])
    trade.deliver(order_id)
    trade.travel_to(client.escrow.get_order(order_id).inspection_ends_at)
    r = client.escrow.release(order_id, sender=accounts["keeper"])
    assert r.event("OrderReleased")["toSellerSide"] == split(ETHER - gross, 0, fee_bps)[1]
    assert r.event("RemainderOnly")["released"] == gross


def test_tranche_of_a_plain_or_unshipped_order_is_refused(client, trade, accounts, sched):
    plain = trade.place()
    with reverts("WrongState", orderId=plain, actual="Funded"):
        client.escrow.release_tranche(plain, 0, sender=accounts["keeper"])
    trade.ship(plain)
    with reverts("UnknownTranche", orderId=plain, index=0):
        client.escrow.release_tranche(plain, 0, sender=accounts["keeper"])
    with reverts("UnknownOrder", orderId=999):
        client.escrow.release_tranche(999, 0, sender=accounts["keeper"])


def test_shipped_arrived_and_delivered_triggers(client, trade, accounts, sched, conservation_check):
    order_id = sched([T(1000, "Shipped"), T(2000, "Arrived"), T(3000, "Delivered"), T(4000, "End")])
    _ship(client, accounts, order_id)
    client.escrow.release_tranche(order_id, 0, sender=accounts["keeper"])
    with reverts("TrancheNotDue", orderId=order_id, index=1, trigger="Arrived"):
        client.escrow.release_tranche(order_id, 1, sender=accounts["keeper"])
    client.provenance.checkpoint(order_id, "Arrived", "DEHAM", sender=accounts["carrier"])
    with reverts("TrancheNotDue", orderId=order_id, index=2, trigger="Delivered"):
        client.escrow.release_tranche(order_id, 2, sender=accounts["keeper"])
    trade.deliver(order_id)
    r = client.escrow.release_tranche_batch([order_id], sender=accounts["keeper"])
    assert [e["index"] for e in events(r, "TrancheReleased")] == [1, 2]
    assert client.escrow.schedule(order_id).released == [True, True, True, False]
    # nothing left but the End tranche: a second batch releases nothing
    assert events(client.escrow.release_tranche_batch([order_id], sender=accounts["keeper"]), "TrancheReleased") == []


def test_no_tranche_once_a_refund_for_non_delivery_is_due(client, trade, accounts, sched, conservation_check):
    order_id = sched([T(3000, "Shipped"), T(7000, "End")])
    _ship(client, accounts, order_id)
    trade.travel_to(client.escrow.get_order(order_id).deliver_by + 1)
    with reverts("TrancheNotDue", orderId=order_id, index=0, trigger="Shipped"):
        client.escrow.release_tranche(order_id, 0, sender=accounts["keeper"])
    r = client.escrow.refund(order_id, sender=accounts["keeper"])
    assert r.event("OrderRefunded")["amount"] == ETHER


def test_refund_and_dispute_act_on_the_remainder_only(client, trade, accounts, sched, conservation_check):
    order_id = sched([T(2500, "Shipped"), T(7500, "End")])
    _ship(client, accounts, order_id)
    client.escrow.release_tranche(order_id, 0, sender=accounts["keeper"])
    trade.travel_to(client.escrow.get_order(order_id).deliver_by + 1)
    r = client.escrow.refund(order_id, sender=accounts["keeper"])
    assert r.event("OrderRefunded")["amount"] == ETHER * 3 // 4
    assert r.event("RemainderOnly")["released"] == ETHER // 4

    disputed = sched([T(2500, "Shipped"), T(7500, "End")])
    _ship(client, accounts, disputed)
    client.escrow.release_tranche(disputed, 0, sender=accounts["keeper"])
    trade.deliver(disputed)
    r = trade.dispute(disputed)
    assert r.event("RemainderOnly")["remaining"] == ETHER * 3 // 4
    r = client.escrow.resolve(disputed, 10_000, sender=accounts["arbiter"])
    assert r.event("OrderResolved")["toBuyer"] == ETHER * 3 // 4


def test_a_tranche_repays_the_advance_financier_first_and_shrinks_what_it_is_owed(
        client, trade, accounts, sched, conservation_check):
    """Who may settle what still holds: a tranche pays the advance financier first, and the repayment it is still
    owed (its standing in a settlement) shrinks by what it got."""
    order_id = sched([T(5000, "Shipped"), T(5000, "End")])
    _ship(client, accounts, order_id)
    face = client.invoices.get(order_id).face_value
    principal = face * 8 // 10
    client.invoices.offer_advance(order_id, principal, 200, sender=accounts["financier"])
    client.invoices.accept_advance(order_id, accounts["financier"], sender=accounts["seller"])
    owed = client.invoices.get(order_id).advance_repayment
    before = Balances(client, [(accounts["financier"], ETH), (accounts["seller"], ETH)])
    r = client.escrow.release_tranche(order_id, 0, sender=accounts["keeper"])
    net = r.event("TrancheReleased")["toSellerSide"]
    assert net < owed and before.delta(accounts["financier"]) == net and before.delta(accounts["seller"]) == 0
    assert r.event("AdvanceRepaid")["outstanding"] == owed - net
    assert client.invoices.get(order_id).advance_repayment == owed - net
    trade.deliver(order_id)
    trade.travel_to(client.escrow.get_order(order_id).inspection_ends_at)
    r = client.escrow.release(order_id, sender=accounts["keeper"])
    assert before.delta(accounts["financier"]) == owed  # repaid exactly once in all
    assert before.delta(accounts["seller"]) == 2 * net - owed + (r.event("OrderReleased")["toSellerSide"] - net)


def test_only_the_escrow_settles_a_tranche_with_the_invoice(client, accounts):
    with reverts("NotEscrow", caller=accounts["seller"]):
        client.tx.send("InvoiceToken", "tranchePayees", [1, 1], sender=accounts["seller"])


def test_the_keeper_batches_due_tranches_and_the_final_release(client, trade, accounts, sched, conservation_check):
    from tradechain.keeper import Keeper

    due = sched([T(3000, "Shipped"), T(7000, "End")])
    waiting = sched()  # ExportCleared not on chain
    for order_id in (due, waiting):
        _ship(client, accounts, order_id)
    lines = []
    keeper = Keeper(client, accounts["keeper"], log=lines.append, journal=False)
    assert keeper.tranches_due() == []  # not scanned yet
    progress = keeper.run_once()
    assert progress.tranches == 1 and progress.released == 0
    assert any(ln.startswith(f"released tranche 1 of order #{due} ") for ln in lines)
    assert client.escrow.schedule(waiting).released == [False, False]
    assert keeper.run_once().tranches == 1  # nothing is due twice
    _clear_export(client, accounts, waiting)
    assert keeper.run_once().tranches == 2
    for order_id in (due, waiting):
        trade.deliver(order_id)
    trade.travel_to(client.escrow.get_order(waiting).inspection_ends_at + 1)
    assert keeper.run_once().released == 2


def test_the_keeper_over_an_index_finds_scheduled_orders_there(client, trade, accounts, sched, tmp_path):
    """With an index, the keeper learns which orders carry a schedule from the index (not a log query from the
    deployment block) and releases their due tranches once."""
    from tradechain.keeper import Keeper, due_from_index

    from index_kit import new_index

    due = sched([T(3000, "Shipped"), T(7000, "End")])
    settled = sched([T(3000, "Shipped"), T(7000, "End")])
    for order_id in (due, settled):
        _ship(client, accounts, order_id)
    client.escrow.release_tranche(settled, 0, sender=accounts["keeper"])
    trade.deliver(settled)
    trade.travel_to(client.escrow.get_order(settled).inspection_ends_at + 1)
    client.escrow.release(settled, sender=accounts["keeper"])  # terminal: the index's query leaves it out
    due_from = due_from_index(new_index(client, f"sqlite:///{tmp_path}/index.sqlite"))
    keeper = Keeper(client, accounts["keeper"], log=lambda _m: None, journal=False, due_from=due_from)
    assert keeper.run_once().tranches == 1
    assert keeper._scheduled == {due}
    assert client.escrow.schedule(due).released == [True, False]
    assert keeper.run_once().tranches == 1  # nothing is due twice
