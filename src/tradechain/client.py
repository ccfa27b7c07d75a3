"""TradeClient: the typed Python API over the deployed suite. The CLI, tests, demo and keeper all use it.

Amounts are integers in base units (wei, or the token's smallest unit); times are unix seconds.
Every state-changing method returns a Receipt with the gas used; a revert becomes a ContractRevert
naming the broken rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from web3 import Web3

from tradechain.chain import Chain, Reverted
from tradechain.deployment import Deployment
from tradechain.errors import STATES, ContractRevert, ErrorDecoder, UsageError
from tradechain.vocabulary import CUSTOMS_KINDS, KINDS, SHIPMENT_KINDS, kind_index  # noqa: F401 (KINDS, CUSTOMS_KINDS re-exported)

ETH = "0x0000000000000000000000000000000000000000"
ZERO32 = b"\x00" * 32
TERMINAL = {"Released", "Resolved", "Refunded", "Cancelled"}
RULINGS = ["arbiter", "agreement", "default"]
REFUND_REASONS = ["not shipped by the deadline", "not delivered by the deadline"]
# Gas limits sent with each call, so the EVM runs once (no estimate): generous, never binding on our code.
GAS = 1_000_000
GAS_PER_BATCH_ITEM = 120_000
INVOICE_STATUSES = ["open", "financed", "overdue", "settled", "defaulted"]
# ITradeEscrow.Party: who stands in a negotiated settlement (bit 1 << index in the consent masks).
PARTIES = ["none", "buyer", "invoice holder", "advance financier"]
# Financing defaults: how long a listing or an advance offer stands, and how long a purchase or acceptance may wait
# to be mined before it reverts (the caller's own deadline).
OFFER_TTL = 7 * 86_400
TX_DEADLINE = 3600


@dataclass
class Receipt:
    tx_hash: str
    block: int
    gas_used: int
    events: list[dict] = field(default_factory=list)

    def event(self, name: str) -> dict:
        for e in self.events:
            if e["event"] == name:
                return e["args"]
        raise KeyError(name)


@dataclass
class Order:
    id: int
    state: str
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
class Invoice:
    """An invoice token as a financier sees it: the receivable, its sale listing and its advance."""

    id: int
    holder: str
    seller: str
    token: str
    face_value: int
    due_date: int
    status: str
    days_overdue: int
    listed_price: int  # 0 when not listed
    listing_expires_at: int  # 0 when not listed
    advance_financier: str | None
    advance_principal: int
    advance_repayment: int  # principal + fee, paid to the financier first at settlement
    advance_accepted_at: int

    @property
    def listed(self) -> bool:
        return self.listed_price != 0


@dataclass
class Settlement:
    """A disputed order's standing settlement offer: every party it needs (name -> address) and who agreed."""

    refund_bps: int
    parties: dict[str, str]
    agreed: list[str]

    @property
    def waiting(self) -> list[str]:
        """Parties whose agreement is still needed: any of them may accept."""
        return [p for p in self.parties if p not in self.agreed]


def party_names(bits: int) -> list[str]:
    """Names of the parties set in a consent mask (bits 1 << ITradeEscrow.Party)."""
    return [PARTIES[i] for i in range(1, len(PARTIES)) if bits & (1 << i)]


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


def hash_bytes(data: bytes) -> bytes:
    """keccak-256 of a document's bytes: how documents are anchored on chain."""
    return Web3.keccak(data)


def location_code(code: str) -> bytes:
    """A UN/LOCODE-style place code ("CNSHA") as bytes8, left-aligned."""
    raw = code.strip().upper().encode("ascii", "strict") if code else b""
    if len(raw) > 8:
        raise UsageError(f"location code {code!r} is longer than 8 characters; use a UN/LOCODE such as CNSHA")
    return raw.ljust(8, b"\x00")


class TradeClient:
    def __init__(self, chain: Chain, deployment: Deployment, artifacts: dict[str, dict]):
        self.chain = chain
        self.w3 = chain.w3
        self.deployment = deployment
        self.artifacts = artifacts
        self.contracts = {
            name: self.w3.eth.contract(address=addr, abi=artifacts[name]["abi"])
            for name, addr in deployment.addresses.items()
        }
        self.decoder = ErrorDecoder([a["abi"] for a in artifacts.values()])
        # keyed by (address, topic0): ERC-20 and ERC-721 share the Transfer topic
        self._topics: dict[tuple[str, bytes], tuple[str, Any]] = {}
        for name, contract in self.contracts.items():
            for entry in contract.abi:
                if entry.get("type") == "event":
                    ev = contract.events[entry["name"]]()
                    self._topics[(contract.address, bytes(_event_topic(entry)))] = (name, ev)

    # ------------------------------------------------------------------ plumbing
    @property
    def escrow(self):
        return self.contracts["TradeEscrow"]

    @property
    def provenance(self):
        return self.contracts["Provenance"]

    @property
    def invoices(self):
        return self.contracts["InvoiceToken"]

    @property
    def stablecoin(self):
        return self.contracts["DemoStablecoin"]

    def transact(self, contract: str, fn: str, args: list, *, sender: str, value: int = 0, gas: int = GAS) -> Receipt:
        c = self.contracts[contract]
        data = c.functions[fn](*args)._encode_transaction_data()
        tx = {"from": Web3.to_checksum_address(sender), "to": c.address, "data": data, "value": value, "gas": gas}
        try:
            receipt = self.chain.send(tx)
        except Reverted as exc:
            raise self._revert(exc.data) from None
        return Receipt(
            tx_hash="0x" + bytes(receipt["transactionHash"]).hex(),
            block=receipt["blockNumber"],
            gas_used=receipt["gasUsed"],
            events=self._decode_logs(receipt["logs"]),
        )

    def call(self, contract: str, fn: str, args: list | tuple = (), *, sender: str | None = None) -> Any:
        c = self.contracts[contract]
        try:
            return c.functions[fn](*args).call({"from": sender} if sender else {})
        except Exception as exc:
            from tradechain.errors import revert_data

            data = revert_data(exc)
            if data is None:
                raise
            raise self._revert(data) from None

    def _revert(self, data: bytes) -> ContractRevert:
        return self.decoder.decode(data)

    def _decode_logs(self, logs) -> list[dict]:
        out = []
        for log in logs:
            if not log["topics"]:
                continue
            hit = self._topics.get((log["address"], bytes(log["topics"][0])))
            if hit is None:
                continue
            ev = hit[1].process_log(log)
            out.append({"contract": hit[0], "event": ev["event"], "args": dict(ev["args"]),
                        "block": ev["blockNumber"], "logIndex": ev["logIndex"],
                        "tx_hash": "0x" + bytes(ev["transactionHash"]).hex()})
        return out

    def role(self, contract: str, role: str) -> bytes:
        if role.upper() in ("ADMIN", "DEFAULT_ADMIN"):
            return ZERO32
        return Web3.keccak(text=f"{role.upper()}_ROLE")

    def grant_role(self, contract: str, role: str, account: str, *, sender: str) -> Receipt:
        return self.transact(contract, "grantRole", [self.role(contract, role), account], sender=sender)

    def revoke_role(self, contract: str, role: str, account: str, *, sender: str) -> Receipt:
        return self.transact(contract, "revokeRole", [self.role(contract, role), account], sender=sender)

    def has_role(self, contract: str, role: str, account: str) -> bool:
        return self.call(contract, "hasRole", [self.role(contract, role), account])

    # ------------------------------------------------------------------ tokens
    def token_address(self, token: str | None) -> str:
        """None/"ETH" -> native ETH; "tUSD" -> the demo stablecoin; else an ERC-20 address."""
        if token is None or token.upper() == "ETH":
            return ETH
        if token.lower() in ("tusd", "demostablecoin"):
            return self.stablecoin.address
        if not Web3.is_address(token):
            raise UsageError(f"unknown token {token!r}: use ETH, tUSD or an ERC-20 address")
        return Web3.to_checksum_address(token)

    def balance(self, account: str, token: str = ETH) -> int:
        if token == ETH:
            return self.w3.eth.get_balance(account)
        return self._erc20(token).functions.balanceOf(account).call()

    def _erc20(self, token: str):
        return self.w3.eth.contract(address=token, abi=self.artifacts["DemoStablecoin"]["abi"])

    def token_info(self, token: str) -> tuple[str, int]:
        """(symbol, decimals) of a payment token."""
        if token == ETH:
            return "ETH", 18
        c = self._erc20(token)
        try:
            return c.functions.symbol().call(), c.functions.decimals().call()
        except Exception:
            return token[:10], 18

    def approve(self, token: str, spender: str, amount: int, *, sender: str) -> Receipt:
        c = self._erc20(token)
        data = c.functions.approve(spender, amount)._encode_transaction_data()
        try:
            r = self.chain.send({"from": sender, "to": token, "data": data, "value": 0, "gas": 100_000})
        except Reverted as exc:
            raise self._revert(exc.data) from None
        return Receipt("0x" + bytes(r["transactionHash"]).hex(), r["blockNumber"], r["gasUsed"])

    def credits(self, account: str, token: str = ETH) -> int:
        return self.call("TradeEscrow", "credits", [token, account])

    # ------------------------------------------------------------------ buyer
    def place_order(
        self,
        *,
        buyer: str,
        seller: str,
        amount: int,
        ship_by: int,
        deliver_by: int,
        inspection_window: int,
        token: str = ETH,
        terms_hash: bytes = ZERO32,
        permit: bool = False,
    ) -> tuple[int, Receipt]:
        """Place and pay an order in one call. For an ERC-20, approves the escrow first (or signs an EIP-2612
        permit with `permit=True`, which needs the buyer's key). Returns (order id, receipt)."""
        args = [seller, token, amount, ship_by, deliver_by, inspection_window, terms_hash]
        if token != ETH and not self.w3.eth.get_code(token):
            raise UsageError(f"{token} has no contract on this chain: not an ERC-20 token")
        if token == ETH:
            receipt = self.transact("TradeEscrow", "placeOrder", args, sender=buyer, value=amount)
        elif permit:
            deadline = self.chain.now() + 3600
            v, r, s = self.sign_permit(token, buyer, self.escrow.address, amount, deadline)
            receipt = self.transact("TradeEscrow", "placeOrderWithPermit", args + [deadline, v, r, s], sender=buyer)
        else:
            if self._erc20(token).functions.allowance(buyer, self.escrow.address).call() < amount:
                self.approve(token, self.escrow.address, amount, sender=buyer)
            receipt = self.transact("TradeEscrow", "placeOrder", args, sender=buyer)
        return receipt.event("OrderPlaced")["orderId"], receipt

    def sign_permit(self, token: str, owner: str, spender: str, value: int, deadline: int) -> tuple[int, bytes, bytes]:
        """EIP-2612 signature by `owner` (a key we hold, or the node's unlocked account)."""
        c = self._erc20(token)
        data = {
            "types": {
                "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                                 {"name": "chainId", "type": "uint256"},
                                 {"name": "verifyingContract", "type": "address"}],
                "Permit": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
                           {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
                           {"name": "deadline", "type": "uint256"}],
            },
            "primaryType": "Permit",
            "domain": {"name": c.functions.name().call(), "version": "1", "chainId": self.chain.chain_id,
                       "verifyingContract": token},
            "message": {"owner": owner, "spender": spender, "value": value,
                        "nonce": c.functions.nonces(owner).call(), "deadline": deadline},
        }
        return self.chain.sign_typed_data(owner, data)

    def confirm(self, order_id: int, *, sender: str) -> Receipt:
        return self.transact("TradeEscrow", "confirm", [order_id], sender=sender)

    def dispute(self, order_id: int, evidence_hash: bytes = ZERO32, *, sender: str) -> Receipt:
        return self.transact("TradeEscrow", "dispute", [order_id, evidence_hash], sender=sender)

    # ------------------------------------------------------------------ seller
    def ship(self, order_id: int, carrier: str, bill_of_lading_hash: bytes = ZERO32, *,
             limits_hash: bytes | None = None, sender: str) -> Receipt:
        """The seller ships, accepting the sensor limits agreed now (or those whose hash it passes): a change by
        the buyer before the shipment is mined makes it revert (LimitsMismatch) instead of binding the seller."""
        if limits_hash is None:
            limits_hash = self.limits_hash(order_id)
        return self.transact("TradeEscrow", "ship", [order_id, carrier, bill_of_lading_hash, limits_hash],
                             sender=sender)

    def limits_hash(self, order_id: int) -> bytes:
        """Hash of the sensor limits agreed for an order (zero if none): what shipping commits to."""
        return bytes(self.call("Provenance", "limitsHashOf", [order_id]))

    def nominate_carrier(self, order_id: int, carrier: str, *, sender: str) -> Receipt:
        """The seller asks to hand its shipment to another carrier; the Provenance admin confirms."""
        return self.transact("TradeEscrow", "nominateCarrier", [order_id, carrier], sender=sender)

    def replace_carrier(self, order_id: int, carrier: str, *, sender: str) -> Receipt:
        """The Provenance admin confirms the seller's nominee as the shipment's carrier."""
        return self.transact("Provenance", "replaceCarrier", [order_id, carrier], sender=sender)

    def extend_deliver_by(self, order_id: int, new_deliver_by: int, evidence_hash: bytes = ZERO32, *,
                          sender: str) -> Receipt:
        """The arbiter excuses a delay: the carrier has until `new_deliver_by` to confirm delivery."""
        return self.transact("TradeEscrow", "extendDeliverBy", [order_id, new_deliver_by, evidence_hash],
                             sender=sender)

    def cancel(self, order_id: int, *, sender: str) -> Receipt:
        return self.transact("TradeEscrow", "cancel", [order_id], sender=sender)

    # ------------------------------------------------------------------ carrier, customs
    def checkpoint(self, order_id: int, kind: str, location: str = "", evidence_hash: bytes = ZERO32, *,
                   sender: str) -> Receipt:
        index = kind_index(kind, SHIPMENT_KINDS)
        return self.transact("Provenance", "record", [order_id, index, location_code(location),
                                                      evidence_hash], sender=sender)

    def deliver(self, order_id: int, location: str = "", evidence_hash: bytes = ZERO32, *, sender: str) -> Receipt:
        """The carrier confirms delivery: starts the buyer's inspection window."""
        return self.checkpoint(order_id, "Delivered", location, evidence_hash, sender=sender)

    # ------------------------------------------------------------------ keeper (anyone)
    def release(self, order_id: int, *, sender: str) -> Receipt:
        return self.transact("TradeEscrow", "release", [order_id], sender=sender)

    def release_batch(self, order_ids: list[int], *, sender: str) -> Receipt:
        return self.transact("TradeEscrow", "releaseBatch", [order_ids], sender=sender,
                             gas=200_000 + GAS_PER_BATCH_ITEM * len(order_ids))

    def refund(self, order_id: int, *, sender: str) -> Receipt:
        return self.transact("TradeEscrow", "refund", [order_id], sender=sender)

    def refund_batch(self, order_ids: list[int], *, sender: str) -> Receipt:
        return self.transact("TradeEscrow", "refundBatch", [order_ids], sender=sender,
                             gas=200_000 + GAS_PER_BATCH_ITEM * len(order_ids))

    def actionable(self, order_id: int) -> tuple[bool, bool]:
        """(releasable now, refundable now)."""
        return tuple(self.call("TradeEscrow", "actionable", [order_id]))

    # ------------------------------------------------------------------ disputes
    def propose_settlement(self, order_id: int, refund_bps: int, *, sender: str) -> Receipt:
        return self.transact("TradeEscrow", "proposeSettlement", [order_id, refund_bps], sender=sender)

    def accept_settlement(self, order_id: int, refund_bps: int, *, sender: str) -> Receipt:
        return self.transact("TradeEscrow", "acceptSettlement", [order_id, refund_bps], sender=sender)

    def resolve(self, order_id: int, refund_bps: int, evidence_hash: bytes = ZERO32, *, sender: str) -> Receipt:
        return self.transact("TradeEscrow", "resolve", [order_id, refund_bps, evidence_hash], sender=sender)

    def resolve_by_default(self, order_id: int, *, sender: str) -> Receipt:
        return self.transact("TradeEscrow", "resolveByDefault", [order_id], sender=sender)

    def withdraw(self, token: str = ETH, *, sender: str, to: str | None = None) -> Receipt:
        """Withdraw the sender's credit, to itself or to `to`."""
        if to is None:
            return self.transact("TradeEscrow", "withdraw", [token], sender=sender)
        return self.transact("TradeEscrow", "withdrawTo", [token, to], sender=sender)

    # ------------------------------------------------------------------ reads
    def order_count(self) -> int:
        return self.call("TradeEscrow", "orderCount")

    def get_order(self, order_id: int) -> Order:
        v = self.call("TradeEscrow", "getOrder", [order_id])
        zero = ETH
        return Order(
            id=v[0], buyer=v[1], seller=v[2], token=v[3], amount=v[4], fee_bps=v[5], ship_by=v[6],
            deliver_by=v[7], inspection_window=v[8], delivered_at=v[9], inspection_ends_at=v[10],
            ruling_deadline=v[11], proposed_refund_bps=v[12], proposer=None if v[13] == zero else v[13],
            carrier=None if v[14] == zero else v[14], state=STATES[v[15]],
        )

    def settlement(self, order_id: int) -> Settlement | None:
        """The standing settlement offer of a disputed order, or None."""
        refund_bps, agreed, required = self.call("TradeEscrow", "settlementOf", [order_id])
        if not required:
            return None
        holder, financier, _ = self.call("InvoiceToken", "standing", [order_id])
        who = {"buyer": self.get_order(order_id).buyer, "invoice holder": holder, "advance financier": financier}
        return Settlement(refund_bps, {p: who[p] for p in party_names(required)}, party_names(agreed))

    def list_orders(self) -> list[Order]:
        return [self.get_order(i) for i in range(1, self.order_count() + 1)]

    def timeline(self, order_id: int) -> list[dict]:
        """Every event about an order, from the escrow, provenance log and invoice token, in chain order,
        each with its block timestamp."""
        topic = "0x" + order_id.to_bytes(32, "big").hex()
        logs = list(self.w3.eth.get_logs({
            "fromBlock": 0, "toBlock": "latest",
            "address": [self.escrow.address, self.provenance.address], "topics": [None, topic],
        }))
        logs += self.w3.eth.get_logs({
            "fromBlock": 0, "toBlock": "latest", "address": self.invoices.address,
            "topics": [None, None, None, topic],
        })
        # financing events (InvoiceListed, InvoiceSold, AdvanceAccepted, ...) index the token id first
        logs += self.w3.eth.get_logs({
            "fromBlock": 0, "toBlock": "latest", "address": self.invoices.address, "topics": [None, topic],
        })
        events = self._decode_logs(logs)
        events.sort(key=lambda e: (e["block"], e["logIndex"]))
        times: dict[int, int] = {}  # per call only: after a revert the same numbers are mined at other times
        for e in events:
            if e["block"] not in times:
                times[e["block"]] = self.block_time(e["block"])
            e["timestamp"] = times[e["block"]]
        return events

    def block_time(self, block: int) -> int:
        return int(self.w3.eth.get_block(block)["timestamp"])

    def invoice_owner(self, order_id: int) -> str | None:
        try:
            return self.call("InvoiceToken", "ownerOf", [order_id])
        except ContractRevert:
            return None


    # ------------------------------------------------------------------ invoices and financing
    def _pay_in(self, token: str, amount: int, *, sender: str) -> int:
        """Prepare paying `amount` of `token` to the invoice contract: the ETH value to send, or an approval."""
        if token == ETH:
            return amount
        if self._erc20(token).functions.allowance(sender, self.invoices.address).call() < amount:
            self.approve(token, self.invoices.address, amount, sender=sender)
        return 0

    def _expiry(self, expires_at: int | None) -> int:
        return self.chain.now() + OFFER_TTL if expires_at is None else expires_at

    def _deadline(self, deadline: int | None) -> int:
        return self.chain.now() + TX_DEADLINE if deadline is None else deadline

    def list_invoice(self, token_id: int, price: int, *, expires_at: int | None = None, sender: str) -> Receipt:
        """The holder lists the invoice for sale at `price` (order's payment token, at most its face value) until
        `expires_at` (default: a week from now)."""
        return self.transact("InvoiceToken", "list", [token_id, price, self._expiry(expires_at)], sender=sender)

    def list_invoice_at_discount(self, token_id: int, discount_bps: int, *, expires_at: int | None = None,
                                 sender: str) -> Receipt:
        """The holder lists the invoice at `discount_bps` off its face value until `expires_at`."""
        return self.transact("InvoiceToken", "listAtDiscount", [token_id, discount_bps, self._expiry(expires_at)],
                             sender=sender)

    def withdraw_listing(self, token_id: int, *, sender: str) -> Receipt:
        return self.transact("InvoiceToken", "withdrawListing", [token_id], sender=sender)

    def buy_invoice(self, token_id: int, expected_price: int | None = None, *, deadline: int | None = None,
                    sender: str) -> Receipt:
        """A FINANCIER buys a listed invoice. `expected_price` guards against a relisting at another price (by
        default the price listed now); `deadline` (default: an hour from now) against a purchase mined late."""
        if expected_price is None:
            expected_price = self.listing(token_id)[1]
        token = self.get_order(token_id).token
        value = self._pay_in(token, expected_price, sender=sender)
        return self.transact("InvoiceToken", "buy", [token_id, expected_price, self._deadline(deadline)],
                             sender=sender, value=value)

    def offer_advance(self, token_id: int, principal: int, fee_bps: int, *, expires_at: int | None = None,
                      sender: str) -> Receipt:
        """A FINANCIER offers to advance `principal` now for principal + `fee_bps` of it at settlement, acceptable
        until `expires_at` (default: a week from now); the principal is held by the invoice contract until
        accepted or withdrawn."""
        token = self.get_order(token_id).token
        value = self._pay_in(token, principal, sender=sender)
        return self.transact("InvoiceToken", "offerAdvance", [token_id, principal, fee_bps, self._expiry(expires_at)],
                             sender=sender, value=value)

    def withdraw_advance_offer(self, token_id: int, *, sender: str) -> Receipt:
        return self.transact("InvoiceToken", "withdrawAdvanceOffer", [token_id], sender=sender)

    def accept_advance(self, token_id: int, financier: str, principal: int | None = None,
                       fee_bps: int | None = None, *, deadline: int | None = None, sender: str) -> Receipt:
        """The holder accepts `financier`'s advance and is paid the principal now. Terms default to the
        standing offer; pass them to refuse any other terms. `deadline` (default: an hour from now) refuses an
        acceptance mined later."""
        if principal is None or fee_bps is None:
            standing = self.advance_offer(token_id, financier)
            principal = standing[0] if principal is None else principal
            fee_bps = standing[1] if fee_bps is None else fee_bps
        return self.transact("InvoiceToken", "acceptAdvance",
                             [token_id, financier, principal, fee_bps, self._deadline(deadline)], sender=sender)

    def set_kyc_required(self, required: bool, *, sender: str) -> Receipt:
        return self.transact("InvoiceToken", "setKycRequired", [required], sender=sender)

    def listing(self, token_id: int) -> tuple[str, int]:
        """(holder who listed, price); price 0 when not listed. `listing_expiry` says until when it sells."""
        return tuple(self.call("InvoiceToken", "listingOf", [token_id])[:2])

    def listing_expiry(self, token_id: int) -> int:
        """When the standing listing stops selling (0 when not listed)."""
        return self.call("InvoiceToken", "listingOf", [token_id])[2]

    def advance_offer(self, token_id: int, financier: str) -> tuple[int, int]:
        """(principal, fee bps) of `financier`'s standing offer; principal 0 when none."""
        return tuple(self.call("InvoiceToken", "advanceOfferOf", [token_id, financier])[:2])

    def advance_offers(self, token_id: int) -> list[dict]:
        """Every standing advance offer on an invoice: financiers from the events, terms from the chain."""
        topic = "0x" + token_id.to_bytes(32, "big").hex()
        logs = self.w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest", "address": self.invoices.address,
                                     "topics": ["0x" + bytes(_event_topic(_abi_event(self.invoices.abi, "AdvanceOffered"))).hex(),
                                                topic]})
        out = []
        for financier in dict.fromkeys(e["args"]["financier"] for e in self._decode_logs(logs)):
            principal, fee_bps, expires_at = self.call("InvoiceToken", "advanceOfferOf", [token_id, financier])
            if principal:
                out.append({"financier": financier, "principal": principal, "feeBps": fee_bps,
                            "repayment": principal + principal * fee_bps // 10_000, "expiresAt": expires_at})
        return out

    def get_invoice(self, token_id: int) -> Invoice:
        inv = self.call("InvoiceToken", "invoiceOf", [token_id])
        adv = self.call("InvoiceToken", "advanceOf", [token_id])
        listing = self.call("InvoiceToken", "listingOf", [token_id])
        status = INVOICE_STATUSES[inv[4]]
        return Invoice(
            id=inv[0], token=inv[1], face_value=inv[2], due_date=inv[3], status=status, holder=inv[5],
            seller=inv[6], days_overdue=self.call("InvoiceToken", "daysOverdue", [token_id]) if status == "overdue" else 0,
            listed_price=listing[1], listing_expires_at=listing[2], advance_financier=None if adv[0] == ETH else adv[0],
            advance_repayment=adv[1], advance_principal=adv[2], advance_accepted_at=adv[3],
        )

    def list_invoices(self) -> list[Invoice]:
        """Every invoice minted so far (one per shipped order)."""
        return [self.get_invoice(i) for i in range(1, self.order_count() + 1) if self.invoice_owner(i)]

    def invoice_metadata(self, token_id: int) -> dict:
        """tokenURI decoded: the JSON any wallet shows."""
        import base64
        import json

        uri = self.call("InvoiceToken", "tokenURI", [token_id])
        return json.loads(base64.b64decode(uri.split(",", 1)[1]))

    def seller_record(self, seller: str, token: str = ETH) -> SellerRecord:
        r = self.call("TradeEscrow", "sellerRecord", [seller])
        volume = self.call("TradeEscrow", "sellerVolume", [seller, token])
        return SellerRecord(seller=seller, completed=r[0], disputes=r[1], disputes_lost=r[2], refunds=r[3],
                            last_settled_at=r[4], token=token, volume=volume)


def _abi_event(abi: list[dict], name: str) -> dict:
    return next(e for e in abi if e.get("type") == "event" and e["name"] == name)


def _event_topic(entry: dict) -> bytes:
    from tradechain.errors import _abi_type

    sig = f"{entry['name']}({','.join(_abi_type(i) for i in entry['inputs'])})"
    return Web3.keccak(text=sig)
