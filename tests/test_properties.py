"""Property tests on the embedded chain (hypothesis). Each stateful example runs inside a chain snapshot.

- rounding: TradeEscrow.split over random amounts and basis points: the parts always sum to the whole.
- the trade machine: random orders (ETH and tUSD, a normal and a hostile seller, fee changes) driven through
  random ship/deliver/confirm/dispute/settle/rule/default/release/refund/cancel/withdraw steps, invoice transfers,
  checkpoints by random accounts, and time. Checked at every step or at the end of each example:
  conservation, no dust, exactly-once, invoice holder paid once, provenance history append-only and hash-chained,
  unauthorised writers refused, and liveness (keeper + time alone end every order; everyone withdraws; the
  escrow is left holding nothing).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.stateful import (
    Bundle, RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test,
)

from tradechain.errors import ContractRevert
from tradechain.transactions import word
from tradechain.vocabulary import CUSTOMS_KINDS, ETH, SHIPMENT_KINDS, TERMINAL, ZERO32

from helpers import as_party, calldata, deploy, replay_head

BPS = 10_000
HOUR, DAY = 3600, 86_400
# Reverts a random step may legitimately hit (wrong moment, wrong state); anything else fails the test.
EXPECTED = {"WrongState", "NoRefundDue", "NotDelivered", "InspectionWindowOpen", "InspectionWindowClosed", "RefundNotDue",
            "ShipDeadlinePassed", "RulingDeadlineNotReached", "NoSettlementProposal", "OwnProposal",
            "ProposalMismatch", "AlreadyDelivered", "NothingToWithdraw", "WithdrawFailed", "InvoiceLocked"}


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
            if name == "Payout":
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
            elif name == "OrderShipped":
                self.model[args["orderId"]].update(state="Shipped", holder=self.model[args["orderId"]]["seller"])
            elif name == "OrderDisputed":
                self.model[args["orderId"]]["state"] = "Disputed"

    def _open(self, oid):
        return self.model[oid]["state"] not in TERMINAL

    def _seller_side_check(self, oid, holder_before):
        """Invoice property: the seller-side payout goes to the holder at settlement, exactly once."""
        o = self.model[oid]
        if o["state"] not in ("Released", "Resolved") or holder_before is None:
            return
        receipt = o["ended_by"]
        end = next(e["args"] for e in receipt.events if e["event"] in ("OrderReleased", "OrderResolved"))
        to_seller = end["toSellerSide"]
        side = [e["args"] for e in receipt.events if e["event"] == "Payout" and e["args"]["to"] == holder_before
                and e["args"]["orderId"] == oid]
        assert [p["amount"] for p in side] == ([to_seller] if to_seller else []), side

    # -- rules
    @initialize(target=orders, amount=st.integers(1, 10**12), token_is_eth=st.booleans())
    def first_order(self, amount, token_is_eth):
        return self.place(buyer="buyer", hostile_seller=False, token_is_eth=token_is_eth, amount=amount, ship_in=DAY,
                          window=DAY, fee=None, mood=None)

    @precondition(lambda self: len(self.model) < 4)  # few orders, so the steps go deep into each
    @rule(target=orders, buyer=st.sampled_from(["buyer", "buyer2"]), hostile_seller=st.booleans(),
          token_is_eth=st.booleans(), amount=st.integers(1, 10**12), ship_in=st.sampled_from([HOUR, DAY]),
          window=st.sampled_from([0, DAY]), fee=st.sampled_from([None, 0, 37, 500]),
          mood=st.sampled_from([None, 0, 1, 2]))
    def place(self, buyer, hostile_seller, token_is_eth, amount, ship_in, window, fee, mood):
        if fee is not None:
            self.set_fee(fee)
        if mood is not None:  # the hostile party accepts, reverts or burns gas from now on
            self.c.tx.send(self.hostile_label, "setMode", [mood], sender=self.keeper)
        now = self.c.chain.now()
        token = ETH if token_is_eth else self.tusd
        seller = self.hostile if hostile_seller else self.a["seller"]
        oid, receipt = self.c.escrow.place_order(buyer=self.a[buyer], seller=seller, amount=amount, token=token,
                                          ship_by=now + ship_in, deliver_by=now + ship_in + 2 * DAY,
                                          inspection_window=window)
        self.model[oid] = {"amount": amount, "token": token, "state": "Funded", "paid": 0, "buyer": self.a[buyer],
                           "seller": seller, "holder": None, "checkpoints": [], "delivered": False}
        return oid

    def set_fee(self, bps):
        self.c.tx.send("TradeEscrow", "setFee", [bps], sender=self.a["admin"])

    def _ship(self, oid):
        o = self.model[oid]
        if o["seller"] == self.hostile:
            try:
                r = as_party(self.c, self.hostile_label, self.c.escrow.address,
                             calldata(self.c, "TradeEscrow", "ship", oid, self.a["carrier"], ZERO32), sender=self.keeper)
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
        if state == "Funded":
            self.cancel(oid) if pick % 4 == 3 else self._ship(oid)
        elif state == "Shipped" and not o["delivered"]:
            self.checkpoint(oid, "carrier", "Delivered")
        elif state == "Shipped":
            [self.confirm, self.dispute, self.keeper_step][pick % 3](oid) if pick < 9 else self.time_passes(DAY)
        elif state == "Disputed":
            if pick % 3 == 0:
                self.settle_by_agreement(oid, bps)
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
                assert exc.name == "AlreadyDelivered" and kind == "Delivered", exc
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

    def settle_by_agreement(self, oid, bps):
        o = self.model[oid]
        if o["state"] != "Disputed" or o["seller"] == self.hostile:
            return
        holder = o["holder"]
        if self._send(self.c.escrow.propose_settlement, oid, bps, sender=o["seller"]):
            self._send(self.c.escrow.accept_settlement, oid, bps, sender=o["buyer"])
            self._seller_side_check(oid, holder)

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
            assert exc.name == "InvoiceLocked" and not self._open(oid), exc
            return
        assert self._open(oid), f"invoice {oid} moved after settlement"
        o["holder"] = dest

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
                                 ("acceptSettlement", [oid, 0], o["buyer"])]:
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
            open_amounts = sum(o["amount"] for o in self.model.values() if o["token"] == token and self._open_o(o))
            credits = sum(v for (t, _), v in self.credit_ledger.items() if t == token)
            assert self.c.tokens.balance(self.c.escrow.address, token) == open_amounts + credits

    @invariant()
    def no_dust(self):
        for oid, o in self.model.items():
            assert o["paid"] == (o["amount"] if not self._open_o(o) else 0), f"order {oid}: {o}"

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
    for who in ("buyer", "buyer2"):  # room for every order a run can place (4 × 10**12 base units)
        client.tx.send("DemoStablecoin", "mint", [accounts[who], 10**13], sender=accounts["admin"])
    run_state_machine_as_test(
        lambda: TradeMachine(client, accounts, hostile),
        settings=settings(max_examples=30, stateful_step_count=25, deadline=None,
                          suppress_health_check=list(HealthCheck)),
    )
