"""The risk screen: a deterministic, explainable score of an order from on-chain history (issue 15 part 4).

Rules run in a fixed order, as Stripe Radar's do; each has a reason code, a weight and a sentence saying what it
saw. The score is the sum of the weights of the rules that fired; the decision follows from two thresholds. No
model, no randomness: the same history always gives the same screen, and every point of the score has a reason.

The screen reads typed records (`OrderFacts`), one per order, with the times at which things happened. It only uses
facts dated at or before the moment it screens (`now`), so a record built with its whole future (the simulation of
`tradechain bench risk`) gives the same answer as one read off the chain at that moment. `facts_from_events` builds
the records from the suite's events (read through the index when there is one, see index/reader.py).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable

DAY = 86_400

# Decisions by score. `block`: decline (the seller should not accept; the platform may refuse to bind);
# `review`: look at the reasons first; `allow`: nothing stands out.
REVIEW_AT = 30
BLOCK_AT = 60


@dataclass(frozen=True)
class OrderFacts:
    """What the chain says about one order, with when each thing happened (None: not (yet) happened)."""

    id: int
    buyer: str
    seller: str
    token: str
    amount: int
    placed_at: int
    ship_by: int = 0
    deliver_by: int = 0
    accepted_at: int | None = None
    shipped_at: int | None = None
    carrier: str | None = None
    origin: str | None = None  # first checkpoint's location
    destination: str | None = None  # where delivery was confirmed
    delivered_at: int | None = None
    extended_at: int | None = None  # the arbiter extended deliverBy (a delay excused, still a delay)
    disputed_at: int | None = None
    invoice_sold_at: int | None = None  # the invoice left the seller: sold, or advanced against
    settled_at: int | None = None
    outcome: str | None = None  # Released, Resolved, Refunded, Cancelled
    refund_bps: int | None = None  # Resolved: the share refunded to the buyer
    refund_reason: str | None = None  # Refunded: NotShipped, NotDelivered, NotAccepted

    def as_of(self, now: int) -> OrderFacts:
        """The record as it stood at `now`: every fact dated later is unknown then."""
        def seen(t: int | None) -> bool:
            return t is not None and t <= now

        unknown: list[str] = []
        if not seen(self.settled_at):
            unknown += ("settled_at", "outcome", "refund_bps", "refund_reason")
        if not seen(self.shipped_at):
            unknown += ("shipped_at", "carrier", "origin")
        if not seen(self.delivered_at):
            unknown += ("delivered_at", "destination")
        unknown += (name for name in ("accepted_at", "extended_at", "disputed_at", "invoice_sold_at")
                    if not seen(getattr(self, name)))
        # one copy, and none for a record already whole by `now` (most of a history): a screen reads thousands
        changes = {name: None for name in unknown if getattr(self, name) is not None}
        return replace(self, **changes) if changes else self

    # ---- derived facts the rules read
    @property
    def settled(self) -> bool:
        return self.outcome is not None

    @property
    def completed(self) -> bool:
        """Settled with something paid to the seller side (as the escrow's SellerRecord.completed)."""
        return self.outcome == "Released" or (self.outcome == "Resolved" and (self.refund_bps or 0) < 10_000)

    @property
    def lost_dispute(self) -> bool:
        """Resolved with any refund to the buyer (SellerRecord.disputesLost)."""
        return self.outcome == "Resolved" and (self.refund_bps or 0) > 0

    @property
    def timed_out(self) -> bool:
        return self.outcome == "Refunded"

    @property
    def late(self) -> bool:
        """Delivered after deliverBy, a delivery deadline extended, or refunded for not delivering."""
        return (self.delivered_at is not None and self.delivered_at > self.deliver_by) or \
            self.extended_at is not None or self.refund_reason == "NotDelivered"


class History:
    """Every order known, indexed by seller and buyer so a screen costs what the parties' own records cost."""

    def __init__(self, records: Iterable[OrderFacts] = ()):
        self.by_seller: dict[str, list[OrderFacts]] = {}
        self.by_buyer: dict[str, list[OrderFacts]] = {}
        self.first_seen: dict[str, int] = {}
        for r in records:
            self.add(r)

    def add(self, r: OrderFacts) -> None:
        self.by_seller.setdefault(r.seller, []).append(r)
        self.by_buyer.setdefault(r.buyer, []).append(r)
        for who in (r.seller, r.buyer):
            self.first_seen[who] = min(self.first_seen.get(who, r.placed_at), r.placed_at)

    def seller(self, who: str, now: int, but: int | None = None) -> list[OrderFacts]:
        """The seller's orders placed by `now` (other than order `but`), as they stood then."""
        return [r.as_of(now) for r in self.by_seller.get(who, ()) if r.placed_at <= now and r.id != but]

    def buyer(self, who: str, now: int, but: int | None = None) -> list[OrderFacts]:
        return [r.as_of(now) for r in self.by_buyer.get(who, ()) if r.placed_at <= now and r.id != but]

    def sellers_of(self, buyer: str, now: int) -> set[str]:
        return {r.seller for r in self.by_buyer.get(buyer, ()) if r.placed_at <= now}


@dataclass
class Context:
    """What every rule reads: the order, both parties' records as of `now`, and the whole history."""

    order: OrderFacts
    now: int
    seller_orders: list[OrderFacts]
    buyer_orders: list[OrderFacts]
    history: History

    @property
    def seller_settled(self) -> list[OrderFacts]:
        return [r for r in self.seller_orders if r.settled]


@dataclass(frozen=True)
class Rule:
    code: str
    weight: int
    party: str  # whose risk it reads: "seller" (what the buyer should weigh), "buyer" (what the seller should), "order"
    summary: str  # what the rule looks for, the same words every time
    check: Callable[[Context], str | None]  # the evidence it saw, or None when it does not fire


def _share(part: int, whole: int) -> str:
    return f"{part} of {whole} ({100 * part / whole:.0f} %)"


def _often(records: list[OrderFacts], test: Callable[[OrderFacts], bool], share: float) -> str | None:
    """"k of n (p %)" when at least 2 of `records`, and at least `share` of them, pass `test`; else None."""
    k = sum(1 for r in records if test(r))
    return _share(k, len(records)) if k >= 2 and k >= share * len(records) else None


def _seller_lost_disputes(c: Context) -> str | None:
    seen = _often(c.seller_settled, lambda r: r.lost_dispute, 0.15)
    return seen and f"the seller lost disputes on {seen} of its settled orders"


def _seller_timeouts(c: Context) -> str | None:
    seen = _often(c.seller_settled, lambda r: r.timed_out, 0.25)
    return seen and f"{seen} of the seller's settled orders were refunded on a deadline"


def _buyer_disputes(c: Context) -> str | None:
    seen = _often([r for r in c.buyer_orders if r.delivered_at is not None], lambda r: r.disputed_at is not None, 0.3)
    return seen and f"the buyer disputed {seen} of its delivered orders"


def _invoice_sold_before_dispute(c: Context) -> str | None:
    hits = [r.id for r in c.seller_orders if r.invoice_sold_at is not None and r.disputed_at is not None
            and 0 <= r.disputed_at - r.invoice_sold_at <= 7 * DAY]
    if hits:
        return f"the seller sold the invoice within 7 days before a dispute on order(s) {', '.join(map(str, hits[:5]))}"
    return None


def _seller_late(c: Context) -> str | None:
    seen = _often([r for r in c.seller_orders if r.shipped_at is not None], lambda r: r.late, 0.25)
    return seen and f"{seen} of the seller's shipments were late"


def _size_vs_history(c: Context) -> str | None:
    amounts = [r.amount for r in c.seller_settled if r.completed and r.token == c.order.token]
    if len(amounts) < 3:
        return None
    median = statistics.median(amounts)
    if c.order.amount > 4 * median:
        return f"the order is {c.order.amount / median:.1f}x the seller's median completed order"
    return None


def _seller_velocity(c: Context) -> str | None:
    week = [r for r in c.seller_orders if r.placed_at > c.now - 7 * DAY]
    recent = len(week) + 1  # with this order
    age_days = max((c.now - c.history.first_seen.get(c.order.seller, c.now)) / DAY, 1.0)
    earlier = len(c.seller_orders) - len(week)
    usual = earlier / max(age_days / 7 - 1, 1.0)  # orders per week before this week
    if recent >= 4 and recent >= 3 * max(usual, 1.0):
        return f"{recent} orders to the seller in 7 days, against {usual:.1f} a week before"
    return None


def _repeat_pairs(c: Context) -> str | None:
    """Collusion: a record built with buyers who never bought from anyone else."""
    completed = [r for r in c.seller_settled if r.completed]
    if len(completed) < 3:
        return None
    captive = [r for r in completed if c.history.sellers_of(r.buyer, c.now) == {c.order.seller}]
    if len(captive) >= 3 and len(captive) >= 0.5 * len(completed):
        buyers = len({r.buyer for r in captive})
        return (f"{_share(len(captive), len(completed))} of the seller's completed orders came from {buyers} "
                f"buyer(s) who never bought from anyone else")
    return None


def _new_seller(c: Context) -> str | None:
    completed = sum(r.completed for r in c.seller_settled)
    first = c.history.first_seen.get(c.order.seller, c.order.placed_at)
    if completed < 3 or c.now - first < 30 * DAY:
        return f"the seller has {completed} completed order(s), first seen {(c.now - first) // DAY} day(s) ago"
    return None


def _new_buyer(c: Context) -> str | None:
    first = c.history.first_seen.get(c.order.buyer, c.order.placed_at)
    if not c.buyer_orders or c.now - first < 30 * DAY:
        return f"the buyer has {len(c.buyer_orders)} earlier order(s), first seen {(c.now - first) // DAY} day(s) ago"
    return None


def _new_carrier_or_route(c: Context) -> str | None:
    o = c.order
    if o.shipped_at is None:
        return None
    past = [r for r in c.seller_settled if r.completed and r.carrier is not None]
    if len(past) < 3:
        return None
    new = []
    if o.carrier not in {r.carrier for r in past}:
        new.append("carrier")
    # the destination is on chain once delivery is confirmed; before, the origin (first checkpoint) alone
    if o.destination is not None and (o.origin, o.destination) not in {(r.origin, r.destination) for r in past}:
        new.append(f"route {o.origin} -> {o.destination}")
    elif o.destination is None and o.origin is not None and o.origin not in {r.origin for r in past}:
        new.append(f"origin {o.origin}")
    return f"a {' and a '.join(new)} the seller never completed an order with" if new else None


# The fixed order: history of losses first, then shape of this order, then newness.
RULES: tuple[Rule, ...] = (
    Rule("SELLER_LOST_DISPUTES", 50, "seller", "seller lost disputes on >= 15 % of settled orders (at least 2)",
         _seller_lost_disputes),
    Rule("BUYER_DISPUTES", 50, "buyer", "buyer disputed >= 30 % of delivered orders (at least 2)", _buyer_disputes),
    Rule("INVOICE_SOLD_BEFORE_DISPUTE", 50, "seller", "seller sold an invoice within 7 days before a dispute on it",
         _invoice_sold_before_dispute),
    Rule("SELLER_TIMEOUTS", 25, "seller", "seller refunded on a deadline on >= 25 % of settled orders (at least 2)",
         _seller_timeouts),
    Rule("SELLER_LATE", 10, "seller", ">= 25 % of the seller's shipments late (at least 2)", _seller_late),
    Rule("SIZE_VS_HISTORY", 30, "order", "order > 4x the seller's median completed order (3 or more)",
         _size_vs_history),
    Rule("SELLER_VELOCITY", 25, "seller", ">= 4 orders to the seller in 7 days and >= 3x its usual week",
         _seller_velocity),
    Rule("REPEAT_PAIRS", 30, "seller", ">= half the seller's completed orders from buyers who buy from no one else",
         _repeat_pairs),
    Rule("NEW_CARRIER_OR_ROUTE", 10, "order", "shipped with a carrier or on a route new to the seller",
         _new_carrier_or_route),
    Rule("NEW_SELLER", 15, "seller", "seller with < 3 completed orders or first seen < 30 days ago", _new_seller),
    Rule("NEW_BUYER", 5, "buyer", "buyer with no earlier order or first seen < 30 days ago", _new_buyer),
)


@dataclass
class Hit:
    code: str
    weight: int
    party: str
    detail: str


@dataclass
class Screen:
    order: int
    now: int
    score: int
    decision: str  # allow, review, block
    hits: list[Hit] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # every rule's code, in the order run

    def to_dict(self) -> dict:
        return {"order": self.order, "at": self.now, "score": self.score, "decision": self.decision,
                "thresholds": {"review": REVIEW_AT, "block": BLOCK_AT},
                "reasons": [{"code": h.code, "weight": h.weight, "party": h.party, "detail": h.detail}
                            for h in self.hits],
                "rules": [{"code": r.code, "weight": r.weight, "party": r.party, "summary": r.summary, "fired": r.code in
                           {h.code for h in self.hits}} for r in RULES]}


def decision_for(score: int) -> str:
    return "block" if score >= BLOCK_AT else "review" if score >= REVIEW_AT else "allow"


def screen(order: OrderFacts, history: History, now: int) -> Screen:
    """Run every rule, in order, on `order` against what `history` knew at `now`."""
    c = Context(order=order.as_of(now), now=now, seller_orders=history.seller(order.seller, now, but=order.id),
                buyer_orders=history.buyer(order.buyer, now, but=order.id), history=history)
    hits = []
    for rule in RULES:
        detail = rule.check(c)
        if detail is not None:
            hits.append(Hit(rule.code, rule.weight, rule.party, detail))
    score = sum(h.weight for h in hits)
    return Screen(order=order.id, now=now, score=score, decision=decision_for(score), hits=hits,
                  checked=[r.code for r in RULES])


# ---------------------------------------------------------------------------------------------- the exposure cap
def exposure_cap(volume: int, multiple: int, floor: int) -> int | None:
    """TradeEscrow.exposureCap in Python: multiple x settled volume, at least the floor; None when there is no cap."""
    if multiple == 0:
        return None
    return max(multiple * volume, floor)


def within_cap(open_value: int, amount: int, volume: int, multiple: int, floor: int) -> bool:
    """Whether an order of `amount` may bind (TradeEscrow._openExposure's test)."""
    cap = exposure_cap(volume, multiple, floor)
    return cap is None or open_value + amount <= cap


# ---------------------------------------------------------------------------------------------- from the chain
def facts_from_events(events: list[dict]) -> list[OrderFacts]:
    """One OrderFacts per order from the suite's decoded events (in chain order, each with its `timestamp`)."""
    from tradechain.vocabulary import BATCH_BASE, KINDS, REFUND_REASONS
    from tradechain.timeline import location

    rows: dict[int, dict] = {}
    for e in events:
        a, name, t = e["args"], e["event"], e["timestamp"]
        if name == "OrderPlaced":
            rows[a["orderId"]] = dict(id=a["orderId"], buyer=a["buyer"], seller=a["seller"], token=a["token"],
                                      amount=a["amount"], placed_at=t, ship_by=a["shipBy"], deliver_by=a["deliverBy"])
            continue
        if name == "Checkpoint":
            oid = a["shipmentId"]
            if oid >= BATCH_BASE or oid not in rows:
                continue
            r = rows[oid]
            r.setdefault("origin", location(a["location"]))
            if KINDS[a["kind"]] == "Delivered":
                r.update(delivered_at=t, destination=location(a["location"]))
            continue
        oid = a.get("orderId", a.get("tokenId"))
        if oid not in rows:
            continue
        r = rows[oid]
        if name == "OrderAccepted":
            r["accepted_at"] = t
        elif name == "OrderShipped":
            r.update(shipped_at=t, carrier=a["carrier"])
        elif name == "DeliverByExtended":
            r.update(extended_at=t, deliver_by=a["newDeliverBy"])
        elif name == "OrderDisputed":
            r["disputed_at"] = t
        elif name in ("InvoiceSold", "AdvanceAccepted"):
            r.setdefault("invoice_sold_at", t)
        elif name == "OrderReleased":
            r.update(settled_at=t, outcome="Released")
        elif name == "OrderResolved":
            r.update(settled_at=t, outcome="Resolved", refund_bps=a["refundBps"])
        elif name == "OrderRefunded":
            r.update(settled_at=t, outcome="Refunded", refund_reason=REFUND_REASONS[a["reason"]])
        elif name == "OrderCancelled":
            r.update(settled_at=t, outcome="Cancelled")
    return [OrderFacts(**r) for r in rows.values()]


def read_history(client) -> list[OrderFacts]:
    """Every order's facts, from the escrow's, provenance log's and invoice token's events (served by the index when
    it is attached to the client's node connection, else by the node)."""
    events = client.tx.logs(["TradeEscrow", "Provenance", "InvoiceToken"], [], timestamps=True)
    return facts_from_events(events)


def screen_order(client, order_id: int) -> Screen:
    """The screen of an order on chain, as of the chain's time now."""
    from tradechain.index.queries import NotFound

    records = read_history(client)
    subject = next((r for r in records if r.id == order_id), None)
    if subject is None:
        raise NotFound(f"there is no order {order_id} on this chain")
    return screen(subject, History(records), client.chain.now())
