"""`client.escrow`: TradeEscrow — orders, payment, shipping, release, refunds, disputes, credits."""

from __future__ import annotations

from dataclasses import dataclass

from tradechain.client.facade import Facade
from tradechain.errors import UsageError
from tradechain.transactions import GAS_PER_BATCH_ITEM, Receipt, Transactions, word
from tradechain.client.tokens import Tokens
from tradechain.tranches import Tranche, unpack
from tradechain.vocabulary import ETH, MAX_TRANCHES, STATES, TERMINAL, ZERO32, OrderState, party_names

NAME = "TradeEscrow"
PERMIT_VALIDITY = 3600  # seconds an order's EIP-2612 permit stays valid


@dataclass
class Order:
    id: int
    state: OrderState
    buyer: str
    seller: str
    token: str
    amount: int
    fee_bps: int
    ship_by: int
    deliver_by: int
    inspection_window: int
    delivered_at: int
    inspection_ends_at: int
    ruling_deadline: int
    proposed_refund_bps: int
    proposer: str | None
    carrier: str | None

    @property
    def is_eth(self) -> bool:
        return self.token == ETH

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL


@dataclass
class Schedule:
    """A scheduled order's tranches (in order), the 1-based documents tranche (0: no eBL), which tranches were
    released, and the gross amount they paid out."""

    packed: int
    tranches: list[Tranche]
    documents: int
    released: list[bool]
    released_amount: int

    def status(self, index: int, order: Order) -> str:
        """ "released", "paid at release" (the End tranche, or any the final release covered), "refunded",
        "ruled on", or "waiting"."""
        if self.released[index]:
            return "released"
        state = str(order.state)
        if state == "Released":
            return "paid at release"
        if state in ("Refunded", "Cancelled"):
            return "refunded"
        if state == "Resolved":
            return "settled by the ruling"
        return "waiting"


@dataclass
class Settlement:
    """A disputed order's standing settlement offer: every party it needs (words -> address) and who agreed."""

    refund_bps: int
    parties: dict[str, str]
    agreed: list[str]

    @property
    def waiting(self) -> list[str]:
        """Parties whose agreement is still needed: any of them may accept."""
        return [p for p in self.parties if p not in self.agreed]


@dataclass
class SellerRecord:
    """A seller's on-chain track record, kept by the escrow; `volume` is in the token asked about."""

    seller: str
    completed: int
    disputes: int
    disputes_lost: int
    refunds: int
    last_settled_at: int
    token: str
    volume: int


@dataclass
class Exposure:
    """A seller's bound, unsettled value in one token and its cap (None: no cap is set)."""

    seller: str
    token: str
    open: int
    cap: int | None
    multiple: int
    floor: int

    def room(self) -> int | None:
        """How much more may bind now (None: unlimited)."""
        return None if self.cap is None else max(self.cap - self.open, 0)


def batch_gas(count: int) -> int:
    return 200_000 + GAS_PER_BATCH_ITEM * count


class Escrow(Facade):
    contract = NAME

    def __init__(self, tx: Transactions, tokens: Tokens):
        super().__init__(tx)
        self.tokens = tokens

    # ---- buyer
    def place_order(self, *, buyer: str, seller: str, amount: int, ship_by: int, deliver_by: int,
                    inspection_window: int, token: str = ETH, terms_hash: bytes = ZERO32,
                    permit: bool | None = None, accept_by: int = 0, schedule: int = 0) -> tuple[int, Receipt]:
        """Place and pay an order in one call. An ERC-20 with an EIP-2612 permit is paid with a permit signed
        by the buyer (its key, or the node's) inside the same transaction, so a refused order sends nothing;
        a token without one is approved first, the approval and the order preflighted together. `permit`
        forces the choice (True: permit or an error; False: approve). See `payment_method`. With `accept_by`
        the order waits for the seller's acceptance until then (else the buyer is refunded). Returns
        (order id, receipt). `schedule`: a packed payment schedule (tradechain.tranches.pack), 0 for none."""
        # OrderTerms
        args = [(seller, token, amount, ship_by, deliver_by, inspection_window, terms_hash, accept_by, schedule)]
        self.tokens.require_contract(token)
        method = self.payment_method(token, permit)
        if method == "permit":
            deadline = self.tx.chain.now() + PERMIT_VALIDITY
            v, r, s = self.tokens.sign_permit(token, buyer, self.address, amount, deadline)
            step = args + [deadline, v, r, s]
            if not self.tx.chain.preflight:  # the embedded chain mines what it is sent: try the order first there too
                self.tx.simulate([(NAME, "placeOrderWithPermit", step, buyer, 0)])
            receipt = self._send("placeOrderWithPermit", step, sender=buyer)
        else:
            value = self.tokens.pay_in(token, amount, self.address, sender=buyer, step=(NAME, "placeOrder", args))
            receipt = self._send("placeOrder", args, sender=buyer, value=value)
        return receipt.event("OrderPlaced")["orderId"], receipt

    def payment_method(self, token: str, permit: bool | None = None) -> str:
        """How place_order pays `token`: "value" (native ETH sent with the call), "permit" (EIP-2612, one
        transaction; the default wherever the token has it) or "approve" (an approval, then the order)."""
        if token == ETH:
            return "value"
        if permit is False:
            return "approve"
        if self.tokens.permit_domain(token) is not None:
            return "permit"
        if permit:
            raise UsageError(f"token {token} has no EIP-2612 permit: pay it with approve (leave out --permit)")
        return "approve"

    def place_order_in(self, *, buyer: str, seller: str, amount: int, ship_in: int, deliver_in: int,
                       inspection_window: int, accept_in: int | None = None, **kw) -> tuple[int, Receipt]:
        """place_order with deadlines relative to chain time: ship within `ship_in` seconds of now, deliver
        within `deliver_in` seconds of the shipping deadline, and (with `accept_in`) accept within that."""
        now = self.tx.chain.now()
        accept_by = now + accept_in if accept_in else 0
        return self.place_order(buyer=buyer, seller=seller, amount=amount, ship_by=now + ship_in,
                                deliver_by=now + ship_in + deliver_in, inspection_window=inspection_window,
                                accept_by=accept_by, **kw)

    def confirm(self, order_id: int, *, sender: str) -> Receipt:
        return self._send("confirm", [order_id], sender=sender)

    def dispute(self, order_id: int, evidence_hash: bytes = ZERO32, *, sender: str) -> Receipt:
        return self._send("dispute", [order_id, evidence_hash], sender=sender)

    def set_sensor_limits(self, order_id: int, temp: tuple[float, float], humidity_max: float, shock_max: float,
                          *, sender: str) -> Receipt:
        """The buyer states the limits on an unshipped order (°C range, max %RH, max g)."""
        limits = (round(temp[0] * 100), round(temp[1] * 100), round(humidity_max * 100), round(shock_max * 100))
        return self._send("setSensorLimits", [order_id, limits], sender=sender)

    # ---- seller
    def ship(self, order_id: int, carrier: str, bill_of_lading_hash: bytes = ZERO32, *,
             limits_hash: bytes | None = None, sender: str) -> Receipt:
        """The seller ships, accepting the sensor limits agreed now (or those whose hash it passes): a change by
        the buyer before the shipment is mined makes it revert (LimitsMismatch) instead of binding the seller."""
        if limits_hash is None:
            limits_hash = self.limits_hash(order_id)
        return self._send("ship", [order_id, carrier, bill_of_lading_hash, limits_hash], sender=sender)

    def limits_hash(self, order_id: int) -> bytes:
        """Hash of the sensor limits agreed for an order (zero if none): what shipping commits to."""
        return bytes(self.tx.call("Provenance", "limitsHashOf", [order_id]))

    def accept(self, order_id: int, *, sender: str) -> Receipt:
        """The seller accepts an order placed with an acceptance deadline: it binds (Funded) and may ship."""
        return self._send("acceptOrder", [order_id], sender=sender)

    def nominate_carrier(self, order_id: int, carrier: str, *, sender: str) -> Receipt:
        """The seller asks to hand its shipment to another carrier; the Provenance admin confirms
        (client.provenance.replace_carrier)."""
        return self._send("nominateCarrier", [order_id, carrier], sender=sender)

    def cancel(self, order_id: int, *, sender: str) -> Receipt:
        return self._send("cancel", [order_id], sender=sender)

    # ---- keeper (anyone)
    def release(self, order_id: int, *, sender: str) -> Receipt:
        return self._send("release", [order_id], sender=sender)

    def release_batch(self, order_ids: list[int], *, sender: str) -> Receipt:
        return self._send("releaseBatch", [order_ids], sender=sender, gas=batch_gas(len(order_ids)))

    def release_tranche(self, order_id: int, index: int, *, sender: str) -> Receipt:
        """Release tranche `index` (0-based) of a scheduled order once its trigger is on chain."""
        return self._send("releaseTranche", [order_id, index], sender=sender)

    def release_tranche_batch(self, order_ids: list[int], *, sender: str) -> Receipt:
        """Release every due tranche of these orders in one transaction (skips what is not due)."""
        return self._send("releaseTrancheBatch", [order_ids], sender=sender,
                          gas=batch_gas(len(order_ids) * (MAX_TRANCHES - 1)))

    def schedule(self, order_id: int) -> Schedule | None:
        """The order's payment schedule with each tranche's status, or None for a plain order."""
        word, mask, released = self.tx.call("PaymentSchedules", "scheduleOf", [order_id])
        if not word:
            return None
        tranches, documents = unpack(word)
        return Schedule(word, tranches, documents, [bool(mask >> i & 1) for i in range(len(tranches))], released)

    def refund(self, order_id: int, *, sender: str) -> Receipt:
        return self._send("refund", [order_id], sender=sender)

    def refund_batch(self, order_ids: list[int], *, sender: str) -> Receipt:
        return self._send("refundBatch", [order_ids], sender=sender, gas=batch_gas(len(order_ids)))

    def actionable(self, order_id: int) -> tuple[bool, bool]:
        """(releasable now, refundable now)."""
        return tuple(self._call("actionable", [order_id]))

    # ---- disputes
    def propose_settlement(self, order_id: int, refund_bps: int, *, sender: str) -> Receipt:
        return self._send("proposeSettlement", [order_id, refund_bps], sender=sender)

    def accept_settlement(self, order_id: int, refund_bps: int, *, sender: str) -> Receipt:
        return self._send("acceptSettlement", [order_id, refund_bps], sender=sender)

    def resolve(self, order_id: int, refund_bps: int, evidence_hash: bytes = ZERO32, *, sender: str) -> Receipt:
        return self._send("resolve", [order_id, refund_bps, evidence_hash], sender=sender)

    def resolve_by_default(self, order_id: int, *, sender: str) -> Receipt:
        return self._send("resolveByDefault", [order_id], sender=sender)

    def extend_deliver_by(self, order_id: int, new_deliver_by: int, evidence_hash: bytes = ZERO32, *,
                          sender: str) -> Receipt:
        """The arbiter excuses a delay: the carrier has until `new_deliver_by` to confirm delivery."""
        return self._send("extendDeliverBy", [order_id, new_deliver_by, evidence_hash], sender=sender)

    def settlement(self, order_id: int) -> Settlement | None:
        """The standing settlement offer of a disputed order (who must agree, who did), or None."""
        refund_bps, agreed, required = self._call("settlementOf", [order_id])
        if not required:
            return None
        holder, financier, _ = self.tx.call("InvoiceToken", "standing", [order_id])
        who = {"buyer": self.get_order(order_id).buyer, "invoice holder": holder, "advance financier": financier}
        return Settlement(refund_bps, {p: who[p] for p in party_names(required)}, party_names(agreed))

    # ---- credits
    def credits(self, account: str, token: str = ETH) -> int:
        return self._call("credits", [token, account])

    def withdraw(self, token: str = ETH, *, sender: str, to: str | None = None) -> Receipt:
        """Withdraw the sender's credit, to itself or to `to`."""
        if to is None:
            return self._send("withdraw", [token], sender=sender)
        return self._send("withdrawTo", [token, to], sender=sender)

    # ---- reads
    def order_count(self) -> int:
        return self._call("orderCount")

    def existing(self, order_id: int) -> Order:
        """The order, read before any transaction about it: an unknown id raises UnknownOrder (one clear line)
        instead of a failed transaction."""
        return self.get_order(order_id)

    def get_order(self, order_id: int) -> Order:
        return _order(self._call("getOrder", [order_id]))

    def list_orders(self) -> list[Order]:
        """Every order, read in one batch of calls."""
        ids = range(1, self.order_count() + 1)
        return [_order(v) for v in self.tx.call_many(NAME, "getOrder", ([i] for i in ids))]

    def accept_by(self, order_id: int) -> int:
        """The acceptance deadline of an order waiting for its seller (Offered), else 0: read from its
        AcceptanceRequested event (the escrow keeps no getter for it: every selector costs code size)."""
        if self.get_order(order_id).state != "Offered":
            return 0
        logs = self.tx.logs(NAME, [self.tx.topic(NAME, "AcceptanceRequested"), word(order_id)])
        return logs[-1]["args"]["acceptBy"]

    def exposure(self, seller: str, token: str = ETH) -> Exposure:
        """The seller's open value in `token` against its cap (the admin's multiple of settled volume, or the
        floor)."""
        from tradechain.risk import exposure_cap  # the contract's rule, in Python (tests check they agree)

        open_value, multiple, floor = self._call("exposureOf", [seller, token])
        cap = exposure_cap(self._call("sellerVolume", [seller, token]), multiple, floor)
        return Exposure(seller=seller, token=token, open=open_value, cap=cap, multiple=multiple, floor=floor)

    # ---- admin
    def set_exposure_cap(self, multiple: int, token: str = ETH, floor: int = 0, *, sender: str) -> Receipt:
        """Cap every seller's open value at `multiple` x its settled volume (0: no cap), or `floor` in `token` (base
        units) if larger: a new seller's cap."""
        return self._send("setExposureCap", [multiple, token, floor], sender=sender)

    def seller_record(self, seller: str, token: str = ETH) -> SellerRecord:
        r = self._call("sellerRecord", [seller])
        volume = self._call("sellerVolume", [seller, token])
        return SellerRecord(seller=seller, completed=r[0], disputes=r[1], disputes_lost=r[2], refunds=r[3],
                            last_settled_at=r[4], token=token, volume=volume)


def _order(v) -> Order:
    """An Order from getOrder's tuple."""
    return Order(
        id=v[0], buyer=v[1], seller=v[2], token=v[3], amount=v[4], fee_bps=v[5], ship_by=v[6],
        deliver_by=v[7], inspection_window=v[8], delivered_at=v[9], inspection_ends_at=v[10],
        ruling_deadline=v[11], proposed_refund_bps=v[12], proposer=None if v[13] == ETH else v[13],
        carrier=None if v[14] == ETH else v[14], state=OrderState(STATES[v[15]]),
    )
