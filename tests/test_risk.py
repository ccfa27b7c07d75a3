"""The risk screen (tradechain.risk), rule by rule on typed records, then read off a real chain; and the on-chain
sample of `bench risk` (its simulated records equal what the chain's events give back)."""

from __future__ import annotations

import pytest

from tradechain import risk
from tradechain.risk import DAY, History, OrderFacts

from helpers import DAY as _DAY, ETHER, HOUR

assert DAY == _DAY

NOW = 400 * DAY
S, B = "seller", "buyer"


def done(i: int, *, seller: str = S, buyer: str = "b", amount: int = 100, placed: int = 100 * DAY, **kw) -> OrderFacts:
    """A past order released to the seller (kw overrides any fact)."""
    facts = dict(id=i, buyer=buyer, seller=seller, token="T", amount=amount, placed_at=placed,
                 ship_by=placed + 3 * DAY, deliver_by=placed + 20 * DAY, accepted_at=placed, shipped_at=placed + DAY,
                 carrier="C", origin="CNSZX", destination="DEHAM", delivered_at=placed + 8 * DAY,
                 settled_at=placed + 11 * DAY, outcome="Released")
    facts.update(kw)
    return OrderFacts(**facts)


def subject(**kw) -> OrderFacts:
    facts = dict(id=999, buyer=B, seller=S, token="T", amount=100, placed_at=NOW)
    facts.update(kw)
    return OrderFacts(**facts)


def established(n: int = 10, **kw) -> list[OrderFacts]:
    """A seller with `n` completed orders from many buyers, over many weeks, and a buyer with a clean past."""
    past = [done(i, buyer=f"b{i}", placed=(30 + 7 * i) * DAY, **kw) for i in range(1, n + 1)]
    past += [done(500 + i, seller=f"other{i}", buyer=f"b{i}", placed=(30 + 7 * i) * DAY) for i in range(1, n + 1)]
    return past + [done(900, seller="elsewhere", buyer=B, placed=20 * DAY)]


def codes(order: OrderFacts, records: list[OrderFacts], now: int = NOW) -> list[str]:
    return [h.code for h in risk.screen(order, History(records), now).hits]


def test_an_established_seller_and_buyer_trip_no_rule():
    assert codes(subject(), established()) == []


def test_seller_lost_disputes_fires_at_two_and_fifteen_percent():
    past = established()
    lost = [done(50 + i, buyer=f"b{i}", placed=200 * DAY + i, disputed_at=209 * DAY, outcome="Resolved",
                 refund_bps=5000) for i in range(2)]
    assert "SELLER_LOST_DISPUTES" in codes(subject(), past + lost)
    assert "SELLER_LOST_DISPUTES" not in codes(subject(), past + lost[:1])


def test_buyer_disputes_fires_on_a_buyer_that_disputes_what_it_receives():
    mine = [done(60 + i, seller="elsewhere", buyer=B, placed=(100 + i) * DAY, disputed_at=(109 + i) * DAY,
                 outcome="Resolved", refund_bps=10_000) for i in range(2)]
    assert "BUYER_DISPUTES" in codes(subject(), established() + mine)
    assert "BUYER_DISPUTES" not in codes(subject(), established() + mine[:1])


def test_an_invoice_sold_just_before_a_dispute_fires():
    sold = done(70, buyer="b1", placed=200 * DAY, invoice_sold_at=202 * DAY, disputed_at=208 * DAY,
                outcome="Resolved", refund_bps=5000)
    assert "INVOICE_SOLD_BEFORE_DISPUTE" in codes(subject(), established() + [sold])
    long_before = done(70, buyer="b1", placed=200 * DAY, invoice_sold_at=200 * DAY, disputed_at=209 * DAY,
                       outcome="Resolved", refund_bps=0)
    assert "INVOICE_SOLD_BEFORE_DISPUTE" not in codes(subject(), established() + [long_before])


def test_seller_timeouts_and_lateness_fire():
    refunded = [done(80 + i, buyer="b1", placed=(200 + i) * DAY, shipped_at=None, delivered_at=None,
                     outcome="Refunded", refund_reason="NotShipped") for i in range(4)]
    assert "SELLER_TIMEOUTS" in codes(subject(), established(6) + refunded)
    late = [done(85 + i, buyer="b1", placed=(200 + i) * DAY, extended_at=(219 + i) * DAY) for i in range(4)]
    assert "SELLER_LATE" in codes(subject(), established(6) + late)
    assert "SELLER_LATE" not in codes(subject(), established(6) + late[:1])


def test_an_order_far_above_the_sellers_usual_size_fires():
    assert "SIZE_VS_HISTORY" in codes(subject(amount=401), established())
    assert "SIZE_VS_HISTORY" not in codes(subject(amount=400), established())


def test_a_burst_of_orders_fires_velocity():
    burst = [done(90 + i, buyer=f"b{i}", placed=NOW - i * DAY, shipped_at=None, delivered_at=None, settled_at=None,
                  outcome=None) for i in range(3)]
    assert "SELLER_VELOCITY" in codes(subject(), established() + burst)
    assert "SELLER_VELOCITY" not in codes(subject(), established() + burst[:1])


def test_a_record_built_by_buyers_who_buy_nowhere_else_fires_repeat_pairs():
    washed = [done(i, buyer=f"sock{i % 2}", placed=(30 + 7 * i) * DAY) for i in range(1, 9)]
    others = [done(900, seller="elsewhere", buyer=B, placed=20 * DAY)]
    assert "REPEAT_PAIRS" in codes(subject(), washed + others)
    # the same buyers also trading elsewhere: loyal customers, not socks
    loyal = washed + others + [done(700 + j, seller="elsewhere", buyer=f"sock{j}") for j in range(2)]
    assert "REPEAT_PAIRS" not in codes(subject(), loyal)


def test_a_new_carrier_or_route_fires_once_shipped():
    shipped = dict(shipped_at=NOW + HOUR, origin="CNSZX", destination="DEHAM")
    assert "NEW_CARRIER_OR_ROUTE" in codes(subject(carrier="C2", **shipped), established(), NOW + DAY)
    assert "NEW_CARRIER_OR_ROUTE" in codes(subject(carrier="C", **{**shipped, "destination": "USNYC"},
                                                   delivered_at=NOW + 2 * HOUR), established(), NOW + DAY)
    assert "NEW_CARRIER_OR_ROUTE" in codes(subject(carrier="C", **{**shipped, "origin": "VNSGN"}), established(),
                                           NOW + DAY)
    assert "NEW_CARRIER_OR_ROUTE" not in codes(subject(carrier="C", **shipped), established(), NOW + DAY)
    assert "NEW_CARRIER_OR_ROUTE" not in codes(subject(), established())  # not shipped: nothing to judge


def test_newcomers_fire_new_seller_and_new_buyer():
    assert codes(subject(seller="fresh", buyer="fresh-buyer"), established()) == ["NEW_SELLER", "NEW_BUYER"]


def test_hits_come_in_the_fixed_rule_order_and_the_score_is_their_sum():
    lost = [done(50 + i, buyer=f"b{i}", placed=200 * DAY, disputed_at=209 * DAY, outcome="Resolved",
                 refund_bps=5000) for i in range(3)]
    s = risk.screen(subject(amount=10_000, buyer="fresh-buyer"), History(established() + lost), NOW)
    order = [r.code for r in risk.RULES]
    assert [h.code for h in s.hits] == sorted((h.code for h in s.hits), key=order.index)
    assert s.score == sum(h.weight for h in s.hits) >= risk.BLOCK_AT and s.decision == "block"
    assert s.checked == order
    assert risk.screen(subject(amount=10_000, buyer="fresh-buyer"), History(established() + lost), NOW) == s


def test_the_screen_sees_nothing_dated_after_now():
    later = [done(50 + i, buyer=f"b{i}", placed=200 * DAY, disputed_at=NOW + DAY, settled_at=NOW + 5 * DAY,
                  outcome="Resolved", refund_bps=5000) for i in range(3)]
    assert "SELLER_LOST_DISPUTES" not in codes(subject(), established() + later)
    assert "SELLER_LOST_DISPUTES" in codes(subject(), established() + later, NOW + 6 * DAY)


def test_decisions_by_threshold():
    assert [risk.decision_for(s) for s in (0, risk.REVIEW_AT - 1, risk.REVIEW_AT, risk.BLOCK_AT)] == [
        "allow", "allow", "review", "block"]


def test_the_cap_rule_in_python_is_the_contracts():
    assert risk.exposure_cap(10, 0, 5) is None and risk.within_cap(10**30, 1, 0, 0, 0)
    assert risk.exposure_cap(10, 3, 5) == 30 and risk.exposure_cap(1, 3, 5) == 5
    assert risk.within_cap(20, 10, 10, 3, 5) and not risk.within_cap(21, 10, 10, 3, 5)


# ---------------------------------------------------------------------------------------------- from the chain
def test_facts_read_off_the_chain(client, trade, seller, carrier, arbiter, accounts):
    oid = trade.place(accept_by=trade.now() + HOUR, amount=2 * ETHER)
    client.escrow.accept(oid, sender=seller)
    trade.ship(oid)
    client.provenance.checkpoint(oid, "PickedUp", "CNSZX", sender=carrier)
    trade.deliver(oid, location="DEHAM")
    trade.dispute(oid)
    client.escrow.resolve(oid, 2500, sender=arbiter)
    r = next(f for f in risk.read_history(client) if f.id == oid)
    assert (r.buyer, r.seller, r.amount, r.carrier) == (accounts["buyer"], seller, 2 * ETHER, carrier)
    assert (r.origin, r.destination, r.outcome, r.refund_bps) == ("CNSZX", "DEHAM", "Resolved", 2500)
    assert r.placed_at <= r.accepted_at <= r.shipped_at <= r.delivered_at <= r.disputed_at <= r.settled_at
    assert r.lost_dispute and r.completed
    s = risk.screen_order(client, oid)
    assert s.order == oid and s.checked == [rule.code for rule in risk.RULES]


def test_screening_an_unknown_order_is_a_clear_error(client):
    from tradechain.index.queries import NotFound

    with pytest.raises(NotFound, match="there is no order 4242"):
        risk.screen_order(client, 4242)


def test_the_on_chain_sample_agrees_with_the_simulation():
    from tradechain.bench import risk as bench

    got = bench.sample_on_chain(15, 6)
    assert (got["recordsAgree"], got["screensAgree"], got["capAgrees"]) == (True, True, True)


def test_the_on_chain_sample_sees_a_record_that_differs(monkeypatch):
    from dataclasses import replace

    from tradechain.bench import risk as bench

    real = risk.facts_from_events
    monkeypatch.setattr(risk, "facts_from_events",
                        lambda events: [replace(f, carrier="0xdifferent") if f.id == 2 else f for f in real(events)])
    assert bench.sample_on_chain(15, 3)["recordsAgree"] is False


def test_the_simulation_is_seeded_and_screening_cuts_disputes_and_losses():
    from tradechain.bench import risk as bench

    a, b = bench.run(7, True), bench.run(7, True)
    assert a == b
    base = bench.run(7, False)
    assert base["refusedByScreen"] == base["refusedByCap"] == 0 and base["bound"] == base["attempts"]
    assert a["bound"] < base["bound"]
