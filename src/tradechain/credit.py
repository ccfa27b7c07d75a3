"""A small, deterministic credit model: a seller's on-chain track record and an invoice's terms in, a suggested
discount and advance out — with every input and weight shown, so a financier sees why.

The papers' point is that transaction data can stand in for collateral. The model prices an invoice as

    discount = time value + expected loss + concentration + overdue + margin        (basis points of face value)

- time value: the financier's cost of money, `annual_rate_bps` pro rata over the days to the due date;
- expected loss: probability the seller side comes up short x how much is lost when it does. The probability is
  the seller's bad outcomes (disputes lost + timeout refunds) over its settled orders, smoothed with a Beta prior
  (`prior_bad` bad in `prior_bad + prior_good` orders) so a new seller is neither free of risk nor shut out;
  the loss share blends full losses (refunds) and partial ones (disputes, `dispute_loss` of the order);
- concentration: an invoice large against the seller's settled volume in that token is riskier, up to
  `concentration_bps` when the history is nothing next to the invoice;
- overdue: `overdue_bps_per_day` for each day past the due date;
- margin: the financier's fixed margin.

A payment schedule (issue 15) changes two terms. Tranches released by logistics events pay part of the face value
before the due date: the time value runs over the share-weighted days to each tranche, a tranche's day placed at
its trigger's fixed fraction of the days to due (`trigger_timing`). And a dispute or refund acts only on what is
left after released tranches, so only the End tranche (and the order's unreleased tail) carries the expected loss.

The result is clamped to [`min_bps`, `max_bps`]. Sale price = face x (1 - discount). An advance of
`advance share` of face costs a fee chosen so the financier earns the same yield as buying at the discount,
and principal + fee never exceeds face value. Pure arithmetic on integers and floats: no chain access, no
fitted weights, the same inputs always give the same quote.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BPS = 10_000
YEAR_DAYS = 365


@dataclass(frozen=True)
class Weights:
    annual_rate_bps: int = 800  # 8 % a year: the cost of money
    prior_good: float = 9.0  # a seller with no history counts as 9 good orders ...
    prior_bad: float = 1.0  # ... and 1 bad one: a 10 % prior probability of a bad outcome
    dispute_loss: float = 0.5  # share of the order lost in a lost dispute (rulings are usually splits)
    refund_loss: float = 1.0  # a timeout refund leaves the holder nothing
    concentration_bps: int = 300  # premium when the invoice dwarfs the seller's settled volume
    overdue_bps_per_day: int = 25
    margin_bps: int = 50
    min_bps: int = 25
    max_bps: int = 5_000
    max_advance_share_bps: int = 9_000  # never advance more than 90 % of face value
    min_advance_share_bps: int = 5_000
    advance_cushion: float = 2.0  # the advance leaves room for twice the expected loss
    # Where in the days to due a tranche's trigger is expected, as a fraction: a fixed, stated assumption.
    trigger_timing: tuple[tuple[str, float], ...] = (
        ("Shipped", 0.0), ("ExportCleared", 0.15), ("Arrived", 0.6), ("ImportCleared", 0.7), ("Delivered", 0.85),
        ("End", 1.0))


@dataclass(frozen=True)
class Inputs:
    """What the model reads: the seller's record (from TradeEscrow) and the invoice's terms."""

    face_value: int
    days_to_due: float  # negative once overdue
    completed: int = 0
    disputes_lost: int = 0
    refunds: int = 0
    volume: int = 0  # seller-side amounts settled before, in the invoice's payment token
    # unreleased tranches of a scheduled order: (trigger, share of the face value left, in bps); () for none
    tranches: tuple[tuple[str, int], ...] = ()


@dataclass
class Quote:
    inputs: Inputs
    weights: Weights
    components: list[dict] = field(default_factory=list)  # name, bps, why
    probability_bad: float = 0.0
    loss_given_bad: float = 0.0
    discount_bps: int = 0
    price: int = 0
    advance_share_bps: int = 0
    advance_principal: int = 0
    advance_fee_bps: int = 0
    advance_repayment: int = 0

    def to_dict(self) -> dict:
        return {
            "inputs": self.inputs, "weights": self.weights, "components": self.components,
            "probabilityBad": self.probability_bad, "lossGivenBad": self.loss_given_bad,
            "discountBps": self.discount_bps, "price": self.price, "advanceShareBps": self.advance_share_bps,
            "advancePrincipal": self.advance_principal, "advanceFeeBps": self.advance_fee_bps,
            "advanceRepayment": self.advance_repayment,
        }


def quote(inputs: Inputs, weights: Weights = Weights()) -> Quote:
    """Price one invoice. Deterministic; see the module docstring for the formula."""
    if inputs.face_value <= 0:
        raise ValueError("face value must be positive")
    w = weights
    bad = inputs.disputes_lost + inputs.refunds
    # orders with an outcome: completed ones plus refunds (a lost dispute that paid the seller is also completed)
    seen = max(inputs.completed + inputs.refunds, bad)
    p_bad = (bad + w.prior_bad) / (seen + w.prior_bad + w.prior_good)
    loss = (inputs.refunds * w.refund_loss + inputs.disputes_lost * w.dispute_loss
            + w.prior_bad * w.dispute_loss) / (bad + w.prior_bad)
    days = max(inputs.days_to_due, 0.0)
    overdue_days = int(max(-inputs.days_to_due, 0.0))
    concentration = inputs.face_value / (inputs.volume + inputs.face_value)
    pay_days, exposed, schedule_why = days, 1.0, ""
    if inputs.tranches:
        timing = dict(w.trigger_timing)
        pay_days = sum(share * timing.get(trigger, 1.0) * days for trigger, share in inputs.tranches) / BPS
        exposed = sum(share for trigger, share in inputs.tranches if trigger == "End") / BPS
        schedule_why = (" (tranches: " + ", ".join(f"{s / 100:g}% at {t}" for t, s in inputs.tranches)
                        + f" -> paid on average after {pay_days:.1f} days)")

    parts = [
        ("time value", w.annual_rate_bps * pay_days / YEAR_DAYS,
         f"{w.annual_rate_bps / 100:g}%/yr x {pay_days:.1f} days to {'payment' if inputs.tranches else 'due'} / "
         f"{YEAR_DAYS}{schedule_why}"),
        ("expected loss", p_bad * loss * exposed * BPS,
         f"P(bad) {p_bad:.3f} = ({bad} bad + {w.prior_bad:g}) / ({seen} settled + {w.prior_bad + w.prior_good:g})"
         f" x loss {loss:.2f}" + (f" x {exposed:.2f} of face at risk (only the End tranche can be disputed)"
                                  if inputs.tranches else "")),
        ("concentration", w.concentration_bps * concentration,
         f"{w.concentration_bps} bps x face / (settled volume + face) = {concentration:.2f}"),
        ("overdue", w.overdue_bps_per_day * overdue_days, f"{w.overdue_bps_per_day} bps x {overdue_days} days"),
        ("margin", w.margin_bps, "fixed"),
    ]
    q = Quote(inputs=inputs, weights=w, probability_bad=p_bad, loss_given_bad=loss)
    q.components = [{"name": n, "bps": round(b, 1), "why": why} for n, b, why in parts]
    raw = sum(b for _, b, _ in parts)
    q.discount_bps = int(min(max(round(raw), w.min_bps), w.max_bps))
    q.price = inputs.face_value * (BPS - q.discount_bps) // BPS

    share = BPS - round(w.advance_cushion * p_bad * loss * BPS) - q.discount_bps
    share = min(max(share, w.min_advance_share_bps), w.max_advance_share_bps)
    q.advance_share_bps = int(min(share, BPS - q.discount_bps))  # keeps principal + fee within face value
    q.advance_principal = inputs.face_value * q.advance_share_bps // BPS
    # same yield as buying at the discount: fee / principal = d / (1 - d)
    q.advance_fee_bps = q.discount_bps * BPS // (BPS - q.discount_bps)
    fee = q.advance_principal * q.advance_fee_bps // BPS
    q.advance_repayment = q.advance_principal + fee
    return q


def inputs_for(client, token_id: int, now: int | None = None) -> Inputs:
    """Gather the model's inputs for an invoice from the chain (TradeClient)."""
    inv = client.invoices.get(token_id)
    record = client.escrow.seller_record(inv.seller, inv.token)
    now = client.chain.now() if now is None else now
    return Inputs(face_value=inv.face_value, days_to_due=(inv.due_date - now) / 86_400,
                  completed=record.completed, disputes_lost=record.disputes_lost, refunds=record.refunds,
                  volume=record.volume, tranches=unreleased_tranches(client, token_id))


def unreleased_tranches(client, order_id: int) -> tuple[tuple[str, int], ...]:
    """The tranches of a scheduled order not yet released, each with its share of what is left (bps); ()."""
    schedule = client.escrow.schedule(order_id)
    if schedule is None:
        return ()
    left = [t for t, done in zip(schedule.tranches, schedule.released) if not done]
    total = sum(t.share_bps for t in left)
    return tuple((t.trigger, t.share_bps * BPS // total) for t in left) if total else ()
