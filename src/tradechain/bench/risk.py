"""`tradechain bench risk`: does the risk screen and the exposure cap cut disputes and losses? Measured on a seeded
simulation of honest and fraudulent agents, not asserted.

Thousands of orders would take hours on the embedded chain (a trade is ~10 transactions at ~15-30 a second), so the
simulation builds each order's history as the same typed records the screen reads off the chain
(risk.OrderFacts), with every fact dated, and screens each new order with the real function (risk.screen) against
what was known at that moment (OrderFacts.as_of). The exposure cap is the contract's rule (risk.within_cap, the same
test as TradeEscrow._openExposure). `sample_on_chain` runs a small part of the same simulation through the real
contracts and checks that the screen read from the chain's events equals the screen of the simulated records.

Fraud patterns: non-delivery (a new seller ships empty boxes), the long con (an honest record, then large orders and
empty boxes), buyer friendly fraud (disputing goods received), and collusion (sock-puppet buyers wash-trade a record,
then the seller strikes). Losses are what honest parties lose to fraudulent ones: the part of a fraudulent order not
refunded, and the part of an honest seller's order refunded to a friendly-fraud buyer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from tradechain import risk
from tradechain.risk import DAY, OrderFacts

PAPERS_DISPUTE_CHANGE = -0.52  # Gao 2025, abstract: dispute rate after intelligent risk control (docs PAPERS.md)
TUSD = 10**6
TOKEN = "tUSD"
FEE_BPS = 100
DAYS = 180
# The exposure cap the screened arm runs with: open value <= 3 x settled volume, floor 10,000 tUSD.
CAP_MULTIPLE = 3
CAP_FLOOR = 10_000 * TUSD
PATTERNS = ("non-delivery", "long con", "friendly fraud", "collusion")


@dataclass
class Agent:
    name: str
    kind: str  # honest, non-delivery, long con, friendly fraud, collusion (seller), sock (collusion buyer)
    typical: int = 0  # a seller's usual order size (base units)
    start: float = 0  # day it appears
    strike: float = 1e9  # day a fraudulent seller turns
    end: float = 1e9  # day it disappears
    rate: float = 0.0  # orders a day it receives before striking
    ring: list[str] = field(default_factory=list)  # a colluding seller's sock buyers


@dataclass
class Attempt:
    """An order someone tries to place at `day`: what the screen and the cap see, and what it would turn into."""

    day: float
    buyer: str
    seller: str
    amount: int
    pattern: str | None  # the fraud pattern behind it, None for an honest trade


def population(rng: random.Random) -> tuple[list[Agent], list[str], list[str]]:
    """Sellers (honest and fraudulent), honest buyers and friendly-fraud buyers."""
    sellers = [Agent(f"S{i}", "honest", typical=int(rng.lognormvariate(0, 0.6) * 1_000 * TUSD),
                     start=rng.uniform(0, 120), rate=rng.uniform(0.2, 0.6)) for i in range(40)]
    for i in range(6):
        start = rng.uniform(20, 150)
        sellers.append(Agent(f"N{i}", "non-delivery", typical=2_000 * TUSD, start=start, strike=start,
                             end=start + 21, rate=1.5))
    for i in range(5):
        start = rng.uniform(0, 40)
        strike = start + rng.uniform(60, 90)
        sellers.append(Agent(f"L{i}", "long con", typical=500 * TUSD, start=start, strike=strike, end=strike + 14,
                             rate=0.5))
    for i in range(3):
        start = rng.uniform(0, 40)
        strike = start + 60
        sellers.append(Agent(f"C{i}", "collusion", typical=800 * TUSD, start=start, strike=strike, end=strike + 14,
                             rate=0.2, ring=[f"C{i}-sock{j}" for j in range(3)]))
    honest_buyers = [f"B{i}" for i in range(200)]
    friendly = [f"F{i}" for i in range(12)]
    return sellers, honest_buyers, friendly


def attempts(seed: int) -> list[Attempt]:
    """Every order someone tries to place over DAYS days, in time order: the same list for both arms."""
    rng = random.Random(seed)
    sellers, buyers, friendly = population(rng)
    out: list[Attempt] = []
    for day in range(DAYS):
        for s in sellers:
            if not s.start <= day < s.end:
                continue
            striking = day >= s.strike
            rate = 2.0 if striking and s.kind in ("long con", "collusion") else s.rate
            for _ in range(_poisson(rng, rate)):
                t = day + rng.random()
                # one buyer in ten is a friendly fraudster (a handful of accounts buying often)
                buyer = rng.choice(friendly) if rng.random() < 0.1 else rng.choice(buyers)
                pattern = "friendly fraud" if buyer in friendly else None
                amount = int(s.typical * rng.lognormvariate(0, 0.4))
                if striking:
                    pattern = s.kind
                    if s.kind != "non-delivery":
                        amount *= rng.choice((5, 6, 8, 10))
                out.append(Attempt(t, buyer, s.name, amount, pattern))
            if s.kind == "collusion" and not striking:  # wash trades with its socks
                for _ in range(_poisson(rng, 1.0)):
                    out.append(Attempt(day + rng.random(), rng.choice(s.ring), s.name,
                                       int(s.typical * rng.lognormvariate(0, 0.4)), "collusion (wash)"))
    out.sort(key=lambda a: a.day)
    return out


def _poisson(rng: random.Random, lam: float) -> int:
    n, p, limit = 0, 1.0, pow(2.718281828459045, -lam)
    while True:
        p *= rng.random()
        if p <= limit:
            return n
        n += 1


def outcome(oid: int, a: Attempt, rng: random.Random) -> tuple[OrderFacts, int]:
    """The order's whole life as dated facts, and what honest parties lose on it (base units)."""
    t = int(a.day * DAY)
    ship_by, deliver_by = t + 3 * DAY, t + 20 * DAY
    facts = dict(id=oid, buyer=a.buyer, seller=a.seller, token=TOKEN, amount=a.amount, placed_at=t, ship_by=ship_by,
                 deliver_by=deliver_by, accepted_at=t + 600)
    if a.pattern is None and rng.random() < 0.01:  # an honest seller that could not ship
        return OrderFacts(**facts, settled_at=ship_by + 1, outcome="Refunded", refund_reason="NotShipped"), 0
    shipped = t + int(rng.uniform(0.3, 2.5) * DAY)
    late = a.pattern is None and rng.random() < 0.03
    delivered = shipped + int(rng.uniform(4, 12) * DAY) + (int(10 * DAY) if late else 0)
    facts.update(shipped_at=shipped, carrier="carrier", origin="CNSZX", destination="DEHAM", delivered_at=delivered)
    if late:
        facts["extended_at"] = deliver_by - DAY
        facts["deliver_by"] = delivered + DAY
    junk = a.pattern in ("non-delivery", "long con", "collusion")
    if junk and rng.random() < 0.6:
        facts["invoice_sold_at"] = shipped + DAY  # cash in before the buyer finds the empty box
    if junk:
        dispute, refund = rng.random() < 0.9, rng.choice((10_000, 5_000))
    elif a.pattern == "friendly fraud":
        dispute, refund = rng.random() < 0.7, rng.choice((5_000, 5_000, 5_000, 10_000, 0))
    else:  # honest trade (and wash trades, which the ring never disputes)
        dispute = a.pattern is None and rng.random() < 0.02
        refund = rng.choice((0, 5_000, 10_000))
    if not dispute:
        loss = a.amount if junk else 0  # an empty box nobody disputed in time: all of it
        return OrderFacts(**facts, settled_at=delivered + 3 * DAY, outcome="Released"), loss
    disputed = delivered + int(rng.uniform(0.3, 2.5) * DAY)
    loss = a.amount * (10_000 - refund) // 10_000 if junk else \
        a.amount * refund // 10_000 if a.pattern == "friendly fraud" else 0
    return OrderFacts(**facts, disputed_at=disputed, settled_at=disputed + int(rng.uniform(3, 10) * DAY),
                      outcome="Resolved", refund_bps=refund), loss


def seller_side(r: OrderFacts) -> int:
    """What a settled order added to its seller's settled volume (TradeEscrow._recordSettlement)."""
    if not r.completed:
        return 0
    gross = r.amount - r.amount * (r.refund_bps or 0) // 10_000
    return gross - gross * FEE_BPS // 10_000


def run(seed: int, screened: bool) -> dict:
    """One arm: every attempt binds (`screened` False), or only those the screen does not block and the cap admits."""
    history = risk.History()
    rng = random.Random(seed + 1)  # outcomes: the same draws per order in both arms only where the orders match
    stats = {"attempts": 0, "bound": 0, "refusedByScreen": 0, "refusedByCap": 0, "honestAttempts": 0, "honestRefused": 0,
             "honestRefusedVolume": 0, "fraudRefused": 0, "disputes": 0, "losses": 0, "boundVolume": 0,
             "byPattern": {p: {"attempts": 0, "bound": 0, "losses": 0} for p in (*PATTERNS, "collusion (wash)")}}
    for oid, a in enumerate(attempts(seed), start=1):
        stats["attempts"] += 1
        by = stats["byPattern"].get(a.pattern)
        stats["honestAttempts"] += a.pattern is None
        if by:
            by["attempts"] += 1
        if screened:
            refused = refusal(oid, a, history)
            if refused:
                stats["refusedByScreen" if refused == "screen" else "refusedByCap"] += 1
                if a.pattern is None:
                    stats["honestRefused"] += 1
                    stats["honestRefusedVolume"] += a.amount
                elif a.pattern in PATTERNS:
                    stats["fraudRefused"] += 1
                continue
        facts, loss = outcome(oid, a, rng)
        history.add(facts)
        stats["bound"] += 1
        stats["boundVolume"] += a.amount
        stats["disputes"] += facts.disputed_at is not None
        stats["losses"] += loss
        if by:
            by["bound"] += 1
            by["losses"] += loss
    stats["disputeRate"] = round(stats["disputes"] / stats["bound"], 4) if stats["bound"] else 0.0
    stats["lossRate"] = round(stats["losses"] / stats["boundVolume"], 4) if stats["boundVolume"] else 0.0
    return stats


def refusal(oid: int, a: Attempt, history: risk.History) -> str | None:
    """"screen" when the screen blocks the order, "cap" when binding it would pass the seller's cap, else None."""
    now = int(a.day * DAY)
    subject = OrderFacts(id=oid, buyer=a.buyer, seller=a.seller, token=TOKEN, amount=a.amount, placed_at=now)
    if risk.screen(subject, history, now).decision == "block":
        return "screen"
    open_value, volume = exposure_of(history, a.seller, now)
    return None if risk.within_cap(open_value, a.amount, volume, CAP_MULTIPLE, CAP_FLOOR) else "cap"


def exposure_of(history: risk.History, seller: str, now: int) -> tuple[int, int]:
    """(open value, settled volume) of a seller at `now` as the escrow counts them: orders accepted and not settled;
    the seller side of settled orders."""
    past = history.seller(seller, now)
    return (sum(r.amount for r in past if r.accepted_at is not None and not r.settled),
            sum(seller_side(r) for r in past if r.settled))


def measure(seed: int = 15) -> dict:
    base, screened = run(seed, False), run(seed, True)
    change = (screened["disputeRate"] - base["disputeRate"]) / base["disputeRate"] if base["disputeRate"] else 0.0
    loss_change = (screened["losses"] - base["losses"]) / base["losses"] if base["losses"] else 0.0
    return {
        "seed": seed, "days": DAYS, "simulated": True,
        "method": ("simulated histories: each order's dated facts built as risk.OrderFacts and screened with the real "
                   "risk.screen as of its placement; the exposure cap applied with risk.within_cap "
                   f"(multiple {CAP_MULTIPLE}, floor {CAP_FLOOR // TUSD:,} tUSD). Not run on a chain."),
        "policy": {"block": f"score >= {risk.BLOCK_AT}", "capMultiple": CAP_MULTIPLE, "capFloor": CAP_FLOOR},
        "unscreened": base, "screened": screened,
        "disputeRateChange": round(change, 4), "lossChange": round(loss_change, 4),
        "papers": {"disputeRateChange": PAPERS_DISPUTE_CHANGE, "source": "Gao 2025, abstract; cited, not measured"},
    }


# ---------------------------------------------------------------------------------------------- on-chain sample
SAMPLE_INSPECTION = 3 * DAY - 3600  # disputes come at most 2.5 days after delivery, releases 3 days after
SAMPLE_CAP_FLOOR = 10**17  # 0.1 ETH
SAMPLE_ACCEPT_WINDOW = 3600


def sample_attempts(seed: int, n: int) -> list[Attempt]:
    """A small trade history among the embedded chain's named accounts: an honest seller, a long-conner that
    strikes in the last third, two honest buyers and a friendly fraudster; amounts in wei."""
    rng = random.Random(seed)
    out, day = [], 0.0
    for i in range(n):
        day += rng.uniform(0.5, 2.5)
        long_con = i % 3 == 2
        striking = long_con and i >= 2 * n // 3
        buyer = rng.choice(("buyer", "buyer2", "buyer", "buyer2", "treasury"))
        pattern = "long con" if striking else "friendly fraud" if buyer == "treasury" else None
        amount = int(10**16 * rng.lognormvariate(0, 0.4)) * (8 if striking else 1)
        out.append(Attempt(day, buyer, "keeper" if long_con else "seller", amount, pattern))
    return out


def plan_sample(seed: int, n: int, carrier: str) -> tuple[list[OrderFacts], dict[int, bool]]:
    """The sample's orders as the simulation builds them (every one asks for acceptance; the cap decides at
    acceptance, refused ones are refunded after acceptBy), with times made distinct to the second so each step can
    run at exactly its time on chain. Returns the records and, per order, whether the cap admitted it."""
    rng = random.Random(seed + 1)
    history, admitted, planned = risk.History(), {}, []
    for oid, a in enumerate(sample_attempts(seed, n), start=1):
        facts, _ = outcome(oid, a, rng)
        facts = replace(facts, token=ETH_TOKEN, carrier=carrier if facts.carrier else None, invoice_sold_at=None)
        now = facts.placed_at + 600
        open_value, volume = exposure_of(history, a.seller, now)
        admitted[oid] = risk.within_cap(open_value, a.amount, volume, CAP_MULTIPLE, SAMPLE_CAP_FLOOR)
        if not admitted[oid]:
            facts = OrderFacts(id=oid, buyer=a.buyer, seller=a.seller, token=ETH_TOKEN, amount=a.amount,
                               placed_at=facts.placed_at, ship_by=facts.ship_by, deliver_by=facts.deliver_by,
                               settled_at=facts.placed_at + SAMPLE_ACCEPT_WINDOW + 1, outcome="Refunded",
                               refund_reason="NotAccepted")
        history.add(facts)
        planned.append(facts)
    return _distinct_times(planned), admitted


TIMED = ("placed_at", "accepted_at", "shipped_at", "extended_at", "delivered_at", "disputed_at", "settled_at")


def _distinct_times(records: list[OrderFacts]) -> list[OrderFacts]:
    """Every dated step one second or more after the one before it (chain blocks cannot share a timestamp), order
    by order keeping each order's own sequence; the picked-up checkpoint gets its own second after shipping."""
    steps = sorted(((getattr(r, f), i, k) for i, r in enumerate(records) for k, f in enumerate(TIMED)
                    if getattr(r, f) is not None), key=lambda s: (s[0], s[1], s[2]))
    moved: list[dict] = [{} for _ in records]
    last = -1
    for t, i, k in steps:
        t = max(t, last + 2)  # +2: room for the picked-up checkpoint right after a shipment
        moved[i][TIMED[k]] = t
        last = t
    return [replace(r, **moved[i]) for i, r in enumerate(records)]


ETH_TOKEN = "0x0000000000000000000000000000000000000000"


def sample_on_chain(seed: int, n: int) -> dict:
    """Run the sample's orders through the contracts on a fresh embedded chain, then read the records back from the
    chain's events and compare: records, screens (at the end and as of each placement) and the cap's decisions."""
    import time as _time

    from tradechain.bench.gas import START_TIME, setup

    started = _time.perf_counter()
    client = setup()
    acct = client.deployment.accounts
    e = client.escrow
    e.set_exposure_cap(CAP_MULTIPLE, ETH_TOKEN, SAMPLE_CAP_FLOOR, sender=acct["admin"])
    base = client.chain.now() + DAY - START_TIME % DAY  # a round day: the sample's day 0
    planned, admitted = plan_sample(seed, n, acct["carrier"])
    planned = [_shift(r, base, acct) for r in planned]
    chain_admitted: dict[int, bool] = {}
    for t, oid, step in _steps(planned):
        _run_step(client, acct, planned[oid - 1], step, t, chain_admitted)
    read = {r.id: r for r in risk.read_history(client)}
    records_agree = all(read.get(r.id) == r for r in planned)
    end = client.chain.now()
    sim_h, chain_h = risk.History(planned), risk.History(read.values())
    screens_agree = all(
        risk.screen(r, sim_h, at).to_dict() == risk.screen(read[r.id], chain_h, at).to_dict()
        for r in planned for at in (r.placed_at, end))
    opens = {s: e.exposure(s).open for s in {r.seller for r in planned}}
    cap_agrees = chain_admitted == admitted and all(
        exposure_of(sim_h, s, end)[0] == v for s, v in opens.items())
    return {"orders": len(planned), "transactions": client.chain.block_number(), "recordsAgree": records_agree,
            "screensAgree": screens_agree, "capAgrees": cap_agrees,
            "refusedByCap": sum(not ok for ok in admitted.values()),
            "seconds": round(_time.perf_counter() - started, 1),
            "note": "invoice sales are left out of the sample (the simulation's invoice_sold_at is cleared)"}


def _shift(r: OrderFacts, base: int, acct: dict[str, str]) -> OrderFacts:
    """Sample record on the chain's clock and accounts."""
    moved = {f: getattr(r, f) + base for f in TIMED if getattr(r, f) is not None}
    return replace(r, buyer=acct[r.buyer], seller=acct[r.seller], ship_by=r.ship_by + base,
                   deliver_by=r.deliver_by + base, **moved)


def _steps(records: list[OrderFacts]) -> list[tuple[int, int, str]]:
    out = []
    for r in records:
        out += [(getattr(r, f), r.id, f) for f in TIMED if getattr(r, f) is not None]
        if r.shipped_at is not None:
            out.append((r.shipped_at + 1, r.id, "picked_up"))
        if r.accepted_at is None and r.refund_reason == "NotAccepted":
            out.append((r.placed_at + 600, r.id, "accept_refused"))
    return sorted(out)


def _run_step(client, acct: dict[str, str], r: OrderFacts, step: str, t: int, admitted: dict[int, bool]) -> None:
    """One planned step, sent so that it is mined at chain time `t`."""
    from tradechain.errors import ContractRevert

    now = client.chain.now()
    if t > now:
        client.chain.advance(t - now)  # as tests' Trade.travel_to: the next transaction is mined at t
    e, p = client.escrow, client.provenance
    if step == "placed_at":
        original_deliver_by = r.deliver_by if r.extended_at is None else r.placed_at + 20 * DAY
        e.place_order(buyer=r.buyer, seller=r.seller, amount=r.amount, ship_by=r.ship_by,
                      deliver_by=original_deliver_by, inspection_window=SAMPLE_INSPECTION,
                      accept_by=r.placed_at + SAMPLE_ACCEPT_WINDOW)
    elif step == "accepted_at":
        e.accept(r.id, sender=r.seller)
        admitted[r.id] = True
    elif step == "accept_refused":
        try:
            e.accept(r.id, sender=r.seller)
            admitted[r.id] = True
        except ContractRevert as exc:
            admitted[r.id] = exc.name != "ExposureCapExceeded"  # any other refusal is a disagreement
    elif step == "shipped_at":
        e.ship(r.id, acct["carrier"], sender=r.seller)
    elif step == "picked_up":
        p.checkpoint(r.id, "PickedUp", r.origin or "", sender=acct["carrier"])
    elif step == "extended_at":
        e.extend_deliver_by(r.id, r.deliver_by, sender=acct["arbiter"])
    elif step == "delivered_at":
        p.deliver(r.id, r.destination or "", sender=acct["carrier"])
    elif step == "disputed_at":
        e.dispute(r.id, sender=r.buyer)
    elif step == "settled_at":
        if r.outcome == "Resolved":
            e.resolve(r.id, r.refund_bps, sender=acct["arbiter"])
        elif r.outcome == "Released":
            e.release(r.id, sender=acct["admin"])
        else:
            e.refund(r.id, sender=acct["admin"])
