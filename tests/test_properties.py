"""Property tests on the embedded chain (hypothesis). Each stateful example runs inside a chain snapshot.

- rounding: TradeEscrow.split over random amounts and basis points: the parts always sum to the whole.
- the trade machine: random orders (ETH and tUSD, a normal and a hostile seller, fee changes) driven through
  random ship/deliver/confirm/dispute/settle/rule/default/release/refund/cancel/withdraw steps, invoice transfers,
  financing (sales and advances at random moments), settlement offers proposed and accepted by any pair of
  buyer, seller, holder and financier (collusions included), checkpoints by random accounts, and time. Checked at
  every step or at the end of each example: conservation, no dust, exactly-once, the seller side paid by the
  waterfall (an advance financier min(repayment, seller side) first, the holder the rest), a split agreed only with
  the holder's consent and, when it cuts the repayment, the financier's; financing refused exactly when the order
  can no longer pay; provenance history append-only and hash-chained, unauthorised writers refused, and liveness
  (keeper + time alone end every order; everyone withdraws; the escrow is left holding nothing). Orders may ask for
  the seller's acceptance (accepted, declined, or refunded after acceptBy) and the admin may set, change or lift the
  exposure cap at any moment: each seller's open value on chain is always the sum of its bound, unsettled orders
  counted while the cap was on.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.stateful import (
    Bundle, RuleBasedStateMachine, initialize, invariant, multiple, precondition, rule, run_state_machine_as_test,
)

from tradechain.errors import ContractRevert
from tradechain.tranches import Tranche, pack
from tradechain.transactions import word
from tradechain.vocabulary import CUSTOMS_KINDS, ETH, SHIPMENT_KINDS, TERMINAL, ZERO32

from helpers import as_party, calldata, deploy, replay_head

BPS = 10_000
HOUR, DAY = 3600, 86_400
# Reverts a random step may legitimately hit (wrong moment, wrong state); anything else fails the test.
EXPECTED = {"TrancheNotDue", "TrancheAlreadyReleased", "UnknownTranche", "TitleNotSurrendered", "WrongState", "NoRefundDue", "NotDelivered", "InspectionWindowOpen", "InspectionWindowClosed", "RefundNotDue",
            "ShipDeadlinePassed", "RulingDeadlineNotReached", "NoSettlementProposal", "OwnProposal",
            "ProposalMismatch", "ReceivableSold", "NotParty", "AlreadyDelivered", "NothingToWithdraw", "WithdrawFailed",
            "InvoiceLocked", "AcceptDeadlinePassed", "ExposureCapExceeded"}
# Why a financing step may be refused: the order can no longer pay (disputed, refund due, ended) ...
FINANCING_CLOSED = {"InvoiceDisputed", "InvoiceRefundDue", "InvoiceLocked"}
# ... or the invoice already carries an advance, or the amounts are too small to price.
FINANCING_OTHER = {"InvoiceEncumbered", "InvalidPrice"}


# ------------------------------------------------------------------ rounding


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(amount=st.integers(0, 2**128), refund_bps=st.integers(0, BPS), fee_bps=st.integers(0, BPS))
def test_split_parts_always_sum_to_the_whole(client, amount, refund_bps, fee_bps):
    to_buyer, to_seller, fee = client.tx.call("TradeEscrow", "split", [amount, refund_bps, fee_bps])
    assert to_buyer + to_seller + fee == amount
    assert to_buyer == amount * refund_bps // BPS
    assert fee == (amount - to_buyer) * fee_bps // BPS


def test_split_refuses_a_share_above_100_percent(client):
    try:
        client.tx.call("TradeEscrow", "split", [100, BPS + 1, 0])
    except ContractRevert as exc:
        assert exc.name == "InvalidBps"
    else:
        raise AssertionError("split accepted 10001 bps")


# ------------------------------------------------------------------ the trade machine

# Payment schedules a random order may carry (issue 15): tranches on logistics events, some with an eBL title that
# passes to the buyer with the documents tranche (the carrier's Delivered then waits for its surrender).
SCHEDULES = {
    "export30": pack([Tranche(3000, "ExportCleared"), Tranche(7000, "End")]),
    "docs-on-ship": pack([Tranche(2000, "Shipped"), Tranche(3000, "Arrived"), Tranche(5000, "End")], documents=1),
    "docs-on-import": pack([Tranche(1000, "Shipped"), Tranche(2500, "ImportCleared"), Tranche(2500, "Delivered"),
                            Tranche(4000, "End")], documents=2),
}


class TradeMachine(RuleBasedStateMachine):
    orders = Bundle("orders")

    def __init__(self, client, accounts, hostile):
        super().__init__()
        self.c, self.a = client, accounts
        self.hostile_label, self.hostile = hostile.name, hostile.address
        self.snap = client.chain.snapshot()
        self.first_block = client.chain.block_number()
        self.tusd = client.tokens.stablecoin
        self.model: dict[int, dict] = {}  # order id -> amount, token, state, paid out, holder, checkpoints
        self.credit_ledger: dict[tuple[str, str], int] = {}  # (token, account) -> credits, from events
        self.keeper = accounts["keeper"]
        self.cap_multiple = 0  # the exposure cap as the admin last set it (0: off)

    # -- plumbing
    def _send(self, fn, *args, sender, **kw):
        """Run a client step; record its events; allow only the expected reverts."""
        try:
            receipt = fn(*args, sender=sender, **kw)
        except ContractRevert as exc:
            assert exc.name in EXPECTED, f"unexpected revert {exc.name}: {exc}"
            return None
        self._apply(receipt)
        return receipt

    def _apply(self, receipt):
        for e in receipt.events:
            args, name = e["args"], e["event"]
            if name == "TrancheReleased":
                o = self.model[args["orderId"]]
                assert o["state"] not in TERMINAL, f"tranche of ended order {args['orderId']}"
                assert args["index"] not in o["tranches"], f"tranche {args['index']} of {args['orderId']} paid twice"
                o["tranches"].add(args["index"])
                o["released"] += args["gross"]
                assert args["remaining"] == o["amount"] - o["released"]
            elif name == "AdvanceRepaid":
                o = self.model[args["tokenId"]]
                financier, repayment = o["advance"]
                o["advance"] = (financier, repayment - args["amount"])
                assert repayment - args["amount"] == args["outstanding"]
            elif name == "Payout":
                self.model[args["orderId"]]["paid"] += args["amount"]
                if args["credited"]:
                    key = (args["token"], args["to"])
                    self.credit_ledger[key] = self.credit_ledger.get(key, 0) + args["amount"]
            elif name == "Withdrawn":
                self.credit_ledger[(args["token"], args["account"])] -= args["amount"]
            elif name in ("OrderReleased", "OrderResolved", "OrderRefunded", "OrderCancelled"):
                o = self.model[args["orderId"]]
                assert o["state"] not in TERMINAL, f"order {args['orderId']} ended twice"
                o["state"] = name.removeprefix("Order")
                o["ended_by"] = receipt
            elif name == "OrderAccepted":
                self.model[args["orderId"]].update(state="Funded", exposed=self.cap_multiple != 0)
            elif name == "OrderShipped":
                self.model[args["orderId"]].update(state="Shipped", holder=self.model[args["orderId"]]["seller"])
            elif name == "OrderDisputed":
                self.model[args["orderId"]]["state"] = "Disputed"

    def _open(self, oid):
        return self.model[oid]["state"] not in TERMINAL

    def _seller_side_check(self, oid, holder_before):
        """Invoice property: the seller side is paid once, by the waterfall: an advance financier min(repayment,
        seller side) first, the holder at settlement the rest — never less, whatever the ruling. A split agreed by
        the parties carries the holder's consent, and the financier's when it does not cover the repayment."""
        o = self.model[oid]
        if o["state"] not in ("Released", "Resolved") or holder_before is None:
            return
        receipt = o["ended_by"]
        end = next(e["args"] for e in receipt.events if e["event"] in ("OrderReleased", "OrderResolved"))
        to_seller = end["toSellerSide"]
        financier, repayment = o["advance"] or (None, 0)
        first = min(repayment, to_seller)
        expected: dict[str, int] = {}
        for who, amount in ((financier, first), (holder_before, to_seller - first)):
            if who is not None and amount:
                expected[who] = expected.get(who, 0) + amount
        side: dict[str, int] = {}
        for e in receipt.events:
            a = e["args"]
            if e["event"] == "Payout" and a["orderId"] == oid and a["to"] in (financier, holder_before):
                side[a["to"]] = side.get(a["to"], 0) + a["amount"]
        assert side == expected, (side, expected, o)
        if end.get("ruling") == 1:  # by agreement: whoever colluded, the cut parties agreed
            assert holder_before in o["agreed"], (o["agreed"], holder_before)
            if financier is not None and to_seller < repayment:
                assert financier in o["agreed"], (o["agreed"], financier)

    # -- rules
    @initialize(target=orders, amount=st.integers(1, 10**12), token_is_eth=st.booleans(),
                schedule=st.sampled_from([None, *SCHEDULES]))
    def first_order(self, amount, token_is_eth, schedule):
        oid = self.place(buyer="buyer", hostile_seller=False, token_is_eth=token_is_eth, amount=amount, ship_in=DAY,
                         window=DAY, fee=None, mood=None, accept=False, schedule=schedule)
        if schedule is not None:  # shipped at once: the tranches and the title have the whole run to move
            self._ship(oid)
        return oid

    @precondition(lambda self: len(self.model) < 4)  # few orders, so the steps go deep into each
    @rule(target=orders, buyer=st.sampled_from(["buyer", "buyer2"]), hostile_seller=st.booleans(),
          token_is_eth=st.booleans(), amount=st.integers(1, 10**12), ship_in=st.sampled_from([HOUR, DAY]),
          window=st.sampled_from([0, DAY]), fee=st.sampled_from([None, 0, 37, 500]),
          mood=st.sampled_from([None, 0, 1, 2]), accept=st.booleans(), schedule=st.sampled_from([None, None, *SCHEDULES]))
    def place(self, buyer, hostile_seller, token_is_eth, amount, ship_in, window, fee, mood, accept, schedule):
        if fee is not None:
            self.set_fee(fee)
        if mood is not None:  # the hostile party accepts, reverts or burns gas from now on
            self.c.tx.send(self.hostile_label, "setMode", [mood], sender=self.keeper)
        now = self.c.chain.now()
        token = ETH if token_is_eth else self.tusd
        seller = self.hostile if hostile_seller else self.a["seller"]
        try:
            oid, receipt = self.c.escrow.place_order(buyer=self.a[buyer], seller=seller, amount=amount, token=token,
                                                     ship_by=now + ship_in, deliver_by=now + ship_in + 2 * DAY,
                                                     inspection_window=window,
                                                     accept_by=now + ship_in // 2 if accept else 0,
                                                     schedule=SCHEDULES.get(schedule, 0))
        except ContractRevert as exc:  # binding at once over the seller's cap
            assert exc.name == "ExposureCapExceeded" and self.cap_multiple and not accept, exc
            return multiple()
        self.model[oid] = {"amount": amount, "token": token, "state": "Offered" if accept else "Funded", "paid": 0,
                           "buyer": self.a[buyer], "seller": seller, "holder": None, "checkpoints": [],
                           "delivered": False, "advance": None, "agreed": set(),
                           "exposed": not accept and self.cap_multiple != 0, "released": 0, "tranches": set(),
                           "titled": schedule in ("docs-on-ship", "docs-on-import"),
                           "docs": {"docs-on-ship": 0, "docs-on-import": 1}.get(schedule)}
        return oid

    @rule(k=st.sampled_from([0, 1, 3]), floor=st.sampled_from([0, 10**11, 10**12]), eth=st.booleans())
    def set_cap(self, k, floor, eth):
        """The admin sets, changes or lifts the exposure cap at any moment."""
        self.c.escrow.set_exposure_cap(k, ETH if eth else self.tusd, floor, sender=self.a["admin"])
        self.cap_multiple = k

    def accept(self, oid):
        o = self.model[oid]
        if o["seller"] == self.hostile:
            try:
                self._apply(as_party(self.c, self.hostile_label, self.c.escrow.address,
                                     calldata(self.c, "TradeEscrow", "acceptOrder", oid), sender=self.keeper))
            except ContractRevert as exc:
                assert exc.name in EXPECTED, exc
        else:
            self._send(self.c.escrow.accept, oid, sender=o["seller"])
    @precondition(lambda self: len(self.model) < 4)
    @rule(target=orders, token_is_eth=st.booleans(), price=st.integers(1, 10**7),
          rate=st.integers(10**14, 2 * 10**18))
    def place_fx(self, token_is_eth, price, rate):
        """An order priced in EUR cents, paid at a signed quote's rate: the converted amount is what the escrow
        collects, holds and pays out (conservation and exactly-once then cover it like any order)."""
        token, decimals = (ETH, 18) if token_is_eth else (self.tusd, 6)
        if token_is_eth:
            rate //= 2_000  # ETH per EUR, not tUSD per EUR
        quote = self.c.fx.sign_quote("EUR", token, rate, buyer=self.a["buyer"], signer=self.a["admin"])
        now = self.c.chain.now()
        try:
            oid, receipt = self.c.fx.place_order(buyer=self.a["buyer"], seller=self.a["seller"], currency="EUR",
                                                 price=price, token=token, ship_by=now + DAY, deliver_by=now + 3 * DAY,
                                                 inspection_window=DAY, quote=quote)
        except ContractRevert as exc:  # binding at once over the seller's cap, as `place`
            assert exc.name == "ExposureCapExceeded" and self.cap_multiple, exc
            return multiple()
        amount = receipt.event("OrderPlaced")["amount"]
        assert amount == receipt.event("RateLocked")["amount"] == price * rate * 10**decimals // (10**18 * 100)
        self.model[oid] = {"amount": amount, "token": token, "state": "Funded", "paid": 0, "buyer": self.a["buyer"],
                           "seller": self.a["seller"], "holder": None, "checkpoints": [], "delivered": False,
                           "advance": None, "agreed": set(), "exposed": self.cap_multiple != 0, "released": 0,
                           "tranches": set(), "titled": False, "docs": None}
        return oid

    def set_fee(self, bps):
        self.c.tx.send("TradeEscrow", "setFee", [bps], sender=self.a["admin"])

    def _ship(self, oid):
        o = self.model[oid]
        if o["seller"] == self.hostile:
            try:
                r = as_party(self.c, self.hostile_label, self.c.escrow.address,
                             calldata(self.c, "TradeEscrow", "ship", oid, self.a["carrier"], ZERO32, ZERO32), sender=self.keeper)
                self._apply(r)
            except ContractRevert as exc:
                assert exc.name in EXPECTED, exc
        else:
            self._send(self.c.escrow.ship, oid, self.a["carrier"], sender=o["seller"])

    @rule(oid=orders, picks=st.lists(st.integers(0, 11), min_size=1, max_size=4), bps=st.integers(0, BPS))
    def advance_order(self, oid, picks, bps):
        """A few steps along the order's life, each chosen by its state: random runs reach the deep states."""
        for pick in picks:
            self._step(oid, pick, bps)

    def _step(self, oid, pick, bps):
        o = self.model[oid]
        state = o["state"]
        if state == "Offered":
            [self.accept, self.accept, self.cancel, lambda i: (self.time_passes(DAY), self.keeper_step(i))][pick % 4](oid)
        elif state == "Funded":
            self.cancel(oid) if pick % 4 == 3 else self._ship(oid)
        elif state == "Shipped" and not o["delivered"]:
            if pick % 6 == 0:
                self.sell_invoice(oid, 1 + bps % 3_000)
            elif pick % 6 == 1:
                self.take_advance(oid, 1 + bps % 9_000, [0, 150, 500][pick % 3])
            elif pick % 6 == 2:  # a trigger goes on chain, and a tranche is released
                self.checkpoint(oid, *[("customs", "ExportCleared"), ("carrier", "Arrived"),
                                       ("customs", "ImportCleared")][bps % 3])
                self.release_tranche(oid, bps % 4, pick % 2 == 0)
            elif pick % 6 == 3:
                self.surrender_title(oid)
                self.checkpoint(oid, "carrier", "Delivered")
            else:
                self.checkpoint(oid, "carrier", "Delivered")
        elif state == "Shipped":
            steps = [self.confirm, self.dispute, self.dispute, self.keeper_step,
                     lambda i: self.take_advance(i, 1 + bps % 9_000, 150)]
            steps[pick % 5](oid) if pick < 10 else self.time_passes(DAY)
        elif state == "Disputed":
            if pick % 3 == 0:
                roles = ["buyer", "seller", "holder", "financier"]
                self.settle_by_agreement(oid, bps, roles[pick % 4], (roles[(pick + 1) % 4], roles[(pick + 2) % 4],
                                                                     roles[(pick + 3) % 4]))
            elif pick % 3 == 1:
                self.arbiter_rules(oid, bps)
            else:
                self.time_passes(15 * DAY)
                self.keeper_step(oid)

    @rule(oid=orders, who=st.sampled_from(["carrier", "customs", "seller", "buyer", "keeper"]),
          kind=st.sampled_from(sorted(SHIPMENT_KINDS)))
    def checkpoint(self, oid, who, kind):
        """Provenance: only the shipment's carrier (logistics kinds) or customs (clearance kinds) may write."""
        o = self.model[oid]
        if o["holder"] is None:  # not shipped: no shipment
            return
        allowed = who == ("customs" if kind in CUSTOMS_KINDS else "carrier")
        try:
            r = self.c.provenance.checkpoint(oid, kind, "NLRTM", sender=self.a[who])
        except ContractRevert as exc:
            if allowed:
                assert kind == "Delivered" and exc.name in ("AlreadyDelivered", "TitleNotSurrendered"), exc
                if exc.name == "TitleNotSurrendered":  # only while an eBL is outstanding
                    assert o["titled"] and self.c.titles.get(oid).status in ("Issued", "Endorsed"), exc
            else:
                assert exc.name == ("NotCustoms" if kind in CUSTOMS_KINDS else "NotShipmentCarrier"), exc
            return
        assert allowed, f"{who} wrote a {kind} checkpoint"
        # the time is hashed into the chain but read from the block, not the event
        o["checkpoints"].append({**r.event("Checkpoint"), "timestamp": self.c.chain.block_time(r.block)})
        o["delivered"] = o["delivered"] or kind == "Delivered"
        self._apply(r)

    def confirm(self, oid):
        holder = self.model[oid]["holder"]
        self._send(self.c.escrow.confirm, oid, sender=self.model[oid]["buyer"])
        self._seller_side_check(oid, holder)

    def dispute(self, oid):
        self._send(self.c.escrow.dispute, oid, sender=self.model[oid]["buyer"])

    def settle_by_agreement(self, oid, bps, proposer="seller", acceptors=("buyer",)):
        """`proposer` offers a split and each of `acceptors` agrees, in turn: any of buyer, seller, holder and
        financier, so a seller colluding with the buyer is tried as often as an honest settlement."""
        o = self.model[oid]
        if o["state"] != "Disputed":
            return
        holder = o["holder"]
        who = {"buyer": o["buyer"], "seller": o["seller"], "holder": holder, "financier": self.a["financier"]}
        if who[proposer] == self.hostile:
            return
        if not self._standing_step(oid, bps, who[proposer], self.c.escrow.propose_settlement):
            return
        o["agreed"] = {who[proposer]}
        for acceptor in acceptors:
            if who[acceptor] == self.hostile or o["state"] != "Disputed":
                continue
            if self._standing_step(oid, bps, who[acceptor], self.c.escrow.accept_settlement):
                o["agreed"].add(who[acceptor])
        self._seller_side_check(oid, holder)

    def _standing_step(self, oid, bps, sender, fn):
        """Propose or accept as `sender`; it may only succeed for a party the split needs (the buyer, the holder,
        a financier whose repayment it cuts) and is refused with the exact reason otherwise."""
        o = self.model[oid]
        financier, repayment = o["advance"] or (None, 0)
        _, to_seller, _ = self.c.tx.call("TradeEscrow", "split", [o["amount"] - o["released"], bps,
                                                                   self.c.escrow.get_order(oid).fee_bps])
        needed = {o["buyer"], o["holder"]} | ({financier} if financier and to_seller < repayment else set())
        try:
            self._apply(fn(oid, bps, sender=sender))
        except ContractRevert as exc:
            if exc.name in ("ReceivableSold", "NotParty"):
                assert sender not in needed, (exc, sender, needed)
                assert (exc.name == "ReceivableSold") == (sender == o["seller"]), exc
            else:
                assert exc.name in EXPECTED, exc
            return False
        assert sender in needed, f"{sender} settled order {oid} without standing ({needed})"
        return True

    def arbiter_rules(self, oid, bps):
        holder = self.model[oid]["holder"]
        if self.model[oid]["state"] == "Disputed":
            self._send(self.c.escrow.resolve, oid, bps, sender=self.a["arbiter"])
            self._seller_side_check(oid, holder)

    @rule(oid=orders)
    def keeper_step(self, oid):
        """Whatever a keeper may do to this order: default ruling, release, or refund."""
        holder = self.model[oid]["holder"]
        fn = {"Disputed": self.c.escrow.resolve_by_default, "Shipped": self.c.escrow.release}.get(self.model[oid]["state"])
        if fn is not None:
            self._send(fn, oid, sender=self.keeper)
            self._seller_side_check(oid, holder)
        if self._open(oid):
            self._send(self.c.escrow.refund, oid, sender=self.keeper)

    def cancel(self, oid):
        o = self.model[oid]
        if o["seller"] != self.hostile:
            self._send(self.c.escrow.cancel, oid, sender=o["seller"])

    @rule(oid=orders, to=st.sampled_from(["financier", "hostile", "seller"]))
    def transfer_invoice(self, oid, to):
        o = self.model[oid]
        holder, dest = o["holder"], (self.hostile if to == "hostile" else self.a[to])
        if holder is None or holder == dest:
            return
        args = [holder, dest, oid]
        try:
            if holder == self.hostile:
                data = self.c.tx.encode("InvoiceToken", "transferFrom", args)
                as_party(self.c, self.hostile_label, self.c.invoices.address, data, sender=self.keeper)
            else:
                self.c.tx.send("InvoiceToken", "transferFrom", args, sender=holder)
        except ContractRevert as exc:
            # an invoice moves only while its order can still pay it (issue 10)
            assert (exc.name == "InvoiceLocked" and not self._open(oid)
                    or exc.name == "InvoiceDisputed" and o["state"] == "Disputed"
                    or exc.name == "InvoiceRefundDue" and self.c.escrow.actionable(oid)[1]), exc
            return
        assert self._open(oid), f"invoice {oid} moved after settlement"
        o["holder"] = dest

    @rule(oid=orders, proposer=st.sampled_from(["buyer", "seller", "holder", "financier"]),
          acceptors=st.lists(st.sampled_from(["buyer", "seller", "holder", "financier"]), max_size=3),
          bps=st.sampled_from([0, 2_500, 5_000, 9_000, 10_000]), finance=st.sampled_from([None, "sale", "advance"]))
    def negotiate(self, oid, proposer, acceptors, bps, finance):
        """The order is shipped and financed (a sale or an advance) if it can still be, delivered, disputed; then any
        party proposes and any others accept: colluding seller and buyer included."""
        o = self.model[oid]
        if o["state"] == "Funded":
            self._ship(oid)
        if o["state"] == "Shipped" and not o["delivered"]:
            if finance == "sale":
                self.sell_invoice(oid, 500)
            elif finance == "advance":
                self.take_advance(oid, 8_000, 150)
            self.checkpoint(oid, "carrier", "Delivered")
        if o["state"] == "Shipped":
            self.dispute(oid)
        self.settle_by_agreement(oid, bps, proposer, tuple(acceptors))

    def _financing_open(self, oid) -> bool:
        """The model's view: a shipped order, not disputed, not ended, no refund due."""
        return self.model[oid]["state"] == "Shipped" and not self.c.escrow.actionable(oid)[1]

    def _financing_refused(self, oid, exc, open_before):
        assert exc.name in FINANCING_CLOSED | FINANCING_OTHER, exc
        assert (exc.name in FINANCING_CLOSED) == (not open_before), (exc, self.model[oid]["state"])

    @rule(oid=orders, discount=st.integers(1, 3_000))
    def sell_invoice(self, oid, discount):
        """The holder lists the invoice, the financier buys it: possible exactly while the order can still pay."""
        o, fin = self.model[oid], self.a["financier"]
        holder = o["holder"]
        if holder is None or holder in (self.hostile, fin):
            return
        open_before = self._financing_open(oid)
        try:
            self.c.invoices.list_at_discount(oid, discount, sender=holder)
            self.c.invoices.buy(oid, sender=fin)
        except ContractRevert as exc:
            self._financing_refused(oid, exc, open_before)
            return
        assert open_before, f"invoice {oid} sold while its order was {o['state']}"
        o["holder"] = fin

    @rule(oid=orders, share=st.integers(1, 9_000), fee=st.sampled_from([0, 150, 500]))
    def take_advance(self, oid, share, fee):
        """The financier offers an advance, the holder accepts: the financier is then repaid first."""
        o, fin = self.model[oid], self.a["financier"]
        holder = o["holder"]
        if holder is None or holder in (self.hostile, fin) or o["state"] in TERMINAL:
            return
        principal = self.c.tx.call("TradeEscrow", "faceValue", [oid]) * share // BPS
        if principal == 0:
            return
        open_before = self._financing_open(oid)
        offered = False
        try:
            self.c.invoices.offer_advance(oid, principal, fee, sender=fin)
            offered = True
            self.c.invoices.accept_advance(oid, fin, sender=holder)
        except ContractRevert as exc:
            if offered:  # the principal goes back to the financier
                self.c.invoices.withdraw_advance_offer(oid, sender=fin)
            self._financing_refused(oid, exc, open_before)
            return
        assert open_before, f"advance taken on invoice {oid} while its order was {o['state']}"
        o["advance"] = (fin, principal + principal * fee // BPS)

    @rule(oid=orders, index=st.integers(0, 3), batch=st.booleans(),
          trigger=st.sampled_from([None, ("customs", "ExportCleared"), ("carrier", "Arrived"),
                                   ("customs", "ImportCleared")]))
    def tranche_step(self, oid, index, batch, trigger):
        """A trigger goes on chain (or not), then a tranche is released."""
        if trigger is not None:
            self.checkpoint(oid, *trigger)
        self.release_tranche(oid, index, batch)

    def release_tranche(self, oid, index, batch):
        """Anyone releases a tranche (or every due one): it pays once, only while the order is Shipped and its trigger
        on chain; the title passes with the documents tranche."""
        o = self.model[oid]
        if o["state"] == "Funded":  # ship first, as a run rarely gets there otherwise
            self._ship(oid)
        if batch:
            r = self._send(self.c.escrow.release_tranche_batch, [oid, oid], sender=self.keeper)
        else:
            r = self._send(self.c.escrow.release_tranche, oid, index, sender=self.keeper)
        if r is not None and o["titled"] and any(e["event"] == "TitleEndorsed" for e in r.events):
            assert self.c.titles.get(oid).holder == o["buyer"]

    @rule(oid=orders)
    def surrender_title(self, oid):
        """The buyer, once it holds the title, surrenders it so the carrier can deliver."""
        o = self.model[oid]
        title = self.c.titles.get(oid) if o["titled"] and o["holder"] is not None else None
        if title is None or title.holder != o["buyer"] or title.status not in ("Issued", "Endorsed"):
            return
        self.c.titles.surrender(oid, sender=o["buyer"])

    @rule(seconds=st.sampled_from([HOUR, DAY, 3 * DAY, 20 * DAY]))
    def time_passes(self, seconds):  # noqa: D102 - also called by advance_order
        self.c.chain.advance(seconds)

    @rule(oid=orders)
    def exactly_once(self, oid):
        """A terminal order refuses every further settle, refund or ruling."""
        if self._open(oid):
            return
        o, a = self.model[oid], self.a
        for fn, args, sender in [("release", [oid], a["keeper"]), ("refund", [oid], a["keeper"]),
                                 ("resolveByDefault", [oid], a["keeper"]), ("confirm", [oid], o["buyer"]),
                                 ("resolve", [oid, 0, ZERO32], a["arbiter"]), ("cancel", [oid], o["seller"]),
                                 ("acceptSettlement", [oid, 0], o["buyer"]), ("acceptOrder", [oid], o["seller"]),
                                 ("releaseTranche", [oid, 0], a["keeper"])]:
            try:
                if sender == self.hostile:  # a contract party: the call goes through its exec
                    self.c.tx.call(self.hostile_label, "exec", [self.c.escrow.address, calldata(self.c, "TradeEscrow", fn, *args)],
                                sender=self.keeper)
                else:
                    self.c.tx.call("TradeEscrow", fn, args, sender=sender)
            except ContractRevert as exc:
                assert exc.name == ("NoRefundDue" if fn == "refund" else "WrongState"), exc
            else:
                raise AssertionError(f"{fn} on {o['state']} order {oid} did not revert")

    # -- invariants
    @invariant()
    def conservation(self):
        for token in (ETH, self.tusd):
            open_amounts = sum(o["amount"] - o["released"] for o in self.model.values()
                               if o["token"] == token and self._open_o(o))
            credits = sum(v for (t, _), v in self.credit_ledger.items() if t == token)
            assert self.c.tokens.balance(self.c.escrow.address, token) == open_amounts + credits

    @invariant()
    def no_dust(self):
        for oid, o in self.model.items():
            assert o["paid"] == (o["amount"] if not self._open_o(o) else o["released"]), f"order {oid}: {o}"

    @invariant()
    def titles_follow_the_money(self):
        """The escrow holds an eBL only while its documents tranche is unpaid (or the buyer has yet to claim it)."""
        for oid, o in self.model.items():
            if not o["titled"] or o["holder"] is None:
                continue
            title = self.c.titles.get(oid)
            if title.holder == self.c.escrow.address:
                assert title.offered_to is not None or (self._open_o(o) and o["docs"] not in o["tranches"]), (oid, title)

    @invariant()
    def exposure(self):
        """Each seller's open value on chain: its bound, unsettled orders counted while the cap was on."""
        for seller in {o["seller"] for o in self.model.values()}:
            for token in (ETH, self.tusd):
                held = sum(o["amount"] for o in self.model.values() if o["seller"] == seller and o["token"] == token
                           and o["exposed"] and self._open_o(o))
                assert self.c.escrow.exposure(seller, token).open == held, (seller, token)

    @staticmethod
    def _open_o(o):
        return o["state"] not in TERMINAL

    # -- end of each example
    def teardown(self):
        try:
            self._provenance_is_append_only()
            self._liveness_and_drain()
        finally:
            self.c.chain.revert(self.snap)

    def _provenance_is_append_only(self):
        for oid, o in self.model.items():
            if o["holder"] is None:
                continue
            logs = self.c.tx.logs("Provenance", [self.c.tx.topic("Provenance", "Checkpoint"), word(oid)],
                                  from_block=self.first_block, timestamps=True)
            on_chain = [{**e["args"], "timestamp": e["timestamp"]} for e in logs]
            assert on_chain == o["checkpoints"], f"shipment {oid}: history changed"
            assert [cp["seq"] for cp in on_chain] == list(range(len(on_chain)))
            assert replay_head(on_chain) == self.c.tx.call("Provenance", "headOf", [oid])

    def _liveness_and_drain(self):
        """Keeper + time alone end every open order (also when the arbiter never rules), then everyone withdraws
        and the escrow holds exactly nothing."""
        self.c.tx.send(self.hostile_label, "setMode", [0], sender=self.keeper)
        self.c.chain.advance(120 * DAY)
        for oid in [i for i, o in self.model.items() if self._open_o(o)]:
            state = self.c.escrow.get_order(oid).state
            fn = {"Disputed": self.c.escrow.resolve_by_default, "Delivered": self.c.escrow.release}.get(state, self.c.escrow.refund)
            self._apply(fn(oid, sender=self.keeper))
            assert not self._open(oid)
        self.no_dust()
        for (token, who), amount in list(self.credit_ledger.items()):
            assert self.c.escrow.credits(who, token) == amount
            if amount == 0:
                continue
            if who == self.hostile:
                r = as_party(self.c, self.hostile_label, self.c.escrow.address, calldata(self.c, "TradeEscrow", "withdraw", token),
                             sender=self.keeper)
            else:
                r = self.c.escrow.withdraw(token, sender=who)
            self._apply(r)
        for token in (ETH, self.tusd):
            assert self.c.tokens.balance(self.c.escrow.address, token) == 0


def test_trade_machine(client, accounts):
    hostile = deploy(client, "HostileParty", sender=accounts["admin"])
    for who in ("buyer", "buyer2", "financier"):  # room for every order a run can place (4 × 10**12 base units)
        client.tx.send("DemoStablecoin", "mint", [accounts[who], 10**13], sender=accounts["admin"])
    run_state_machine_as_test(
        lambda: TradeMachine(client, accounts, hostile),
        settings=settings(max_examples=30, stateful_step_count=25, deadline=None,
                          suppress_health_check=list(HealthCheck)),
    )
