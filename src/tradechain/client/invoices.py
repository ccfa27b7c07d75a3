"""`client.invoices`: InvoiceToken — the receivable of each shipped order, its sale and its advance."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from tradechain.client.facade import PaymentFacade
from tradechain.errors import ContractRevert, UsageError
from tradechain.transactions import Receipt, word
from tradechain.vocabulary import ETH, INVOICE_STATUSES, InvoiceStatus

NAME = "InvoiceToken"
# Financing defaults: how long a listing or an advance offer stands, and how long a purchase or acceptance may wait
# to be mined before it reverts (the caller's own deadline).
OFFER_TTL = 7 * 86_400
TX_DEADLINE = 3600


@dataclass
class Invoice:
    """An invoice token as a financier sees it: the receivable, its sale listing and its advance."""

    id: int
    holder: str
    seller: str
    token: str
    face_value: int
    due_date: int
    status: InvoiceStatus  # equal to its lower-case word: "open", "financed", "overdue", "settled", "defaulted"
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


class Invoices(PaymentFacade):
    contract = NAME

    def _expiry(self, expires_at: int | None) -> int:
        return self.tx.chain.now() + OFFER_TTL if expires_at is None else expires_at

    def _deadline(self, deadline: int | None) -> int:
        return self.tx.chain.now() + TX_DEADLINE if deadline is None else deadline

    # ---- the holder
    def list(self, token_id: int, price: int, *, expires_at: int | None = None, sender: str) -> Receipt:
        """The holder lists the invoice for sale at `price` (order's payment token, at most its face value) until
        `expires_at` (default: a week from now)."""
        return self._send("list", [token_id, price, self._expiry(expires_at)], sender=sender)

    def list_at_discount(self, token_id: int, discount_bps: int, *, expires_at: int | None = None,
                         sender: str) -> Receipt:
        """The holder lists the invoice at `discount_bps` off its face value until `expires_at`."""
        return self._send("listAtDiscount", [token_id, discount_bps, self._expiry(expires_at)], sender=sender)

    def withdraw_listing(self, token_id: int, *, sender: str) -> Receipt:
        return self._send("withdrawListing", [token_id], sender=sender)

    def accept_advance(self, token_id: int, financier: str, principal: int | None = None,
                       fee_bps: int | None = None, *, deadline: int | None = None, sender: str) -> Receipt:
        """The holder accepts `financier`'s advance and is paid the principal now. Terms default to the
        standing offer; pass them to refuse any other terms. `deadline` (default: an hour from now) refuses an
        acceptance mined later."""
        if principal is None or fee_bps is None:
            standing = self.advance_offer(token_id, financier)
            principal = standing[0] if principal is None else principal
            fee_bps = standing[1] if fee_bps is None else fee_bps
        return self._send("acceptAdvance", [token_id, financier, principal, fee_bps, self._deadline(deadline)],
                          sender=sender)

    # ---- financiers
    def buy(self, token_id: int, expected_price: int | None = None, *, deadline: int | None = None,
            sender: str) -> Receipt:
        """A FINANCIER buys a listed invoice. `expected_price` guards against a relisting at another price (by
        default the price listed now); `deadline` (default: an hour from now) against a purchase mined late."""
        if expected_price is None:
            expected_price = self.listing(token_id)[1]
        token = self.escrow.get_order(token_id).token
        args = [token_id, expected_price, self._deadline(deadline)]
        value = self.tokens.pay_in(token, expected_price, self.address, sender=sender, step=(NAME, "buy", args))
        return self._send("buy", args, sender=sender, value=value)

    def offer_advance(self, token_id: int, principal: int, fee_bps: int, *, expires_at: int | None = None,
                      sender: str) -> Receipt:
        """A FINANCIER offers to advance `principal` now for principal + `fee_bps` of it at settlement, acceptable
        until `expires_at` (default: a week from now); the principal is held by the invoice contract until
        accepted or withdrawn."""
        token = self.escrow.get_order(token_id).token
        args = [token_id, principal, fee_bps, self._expiry(expires_at)]
        value = self.tokens.pay_in(token, principal, self.address, sender=sender, step=(NAME, "offerAdvance", args))
        return self._send("offerAdvance", args, sender=sender, value=value)

    def withdraw_advance_offer(self, token_id: int, *, sender: str) -> Receipt:
        return self._send("withdrawAdvanceOffer", [token_id], sender=sender)

    # ---- admin
    def set_kyc_required(self, required: bool, *, sender: str) -> Receipt:
        return self._send("setKycRequired", [required], sender=sender)

    # ---- reads
    def listing(self, token_id: int) -> tuple[str, int]:
        """(holder who listed, price); price 0 when not listed. `listing_expiry` says until when it sells."""
        return tuple(self._call("listingOf", [token_id])[:2])

    def listing_expiry(self, token_id: int) -> int:
        """When the standing listing stops selling (0 when not listed)."""
        return self._call("listingOf", [token_id])[2]

    def advance_offer(self, token_id: int, financier: str) -> tuple[int, int]:
        """(principal, fee bps) of `financier`'s standing offer; principal 0 when none."""
        return tuple(self._call("advanceOfferOf", [token_id, financier])[:2])

    def standing(self, token_id: int) -> tuple[str, str | None, int]:
        """(holder, advance financier or None, repayment owed to it first): the seller side of a settlement."""
        holder, financier, repayment = self._call("standing", [token_id])
        return holder, None if financier == ETH else financier, repayment

    def advance_offers(self, token_id: int, financiers: list[str] | None = None) -> list[dict]:
        """Every standing advance offer on an invoice: financiers from the events (or as given, e.g. by an
        index), terms from the chain."""
        if financiers is None:
            offered = self.tx.logs(NAME, [self.tx.topic(NAME, "AdvanceOffered"), word(token_id)])
            financiers = [e["args"]["financier"] for e in offered]
        out = []
        for financier in dict.fromkeys(financiers):
            principal, fee_bps, expires_at = self._call("advanceOfferOf", [token_id, financier])
            if principal:
                out.append({"financier": financier, "principal": principal, "feeBps": fee_bps,
                            "repayment": principal + principal * fee_bps // 10_000, "expiresAt": expires_at})
        return out

    def get(self, token_id: int) -> Invoice:
        inv = self._call("invoiceOf", [token_id])
        adv = self._call("advanceOf", [token_id])
        listing = self._call("listingOf", [token_id])
        status = InvoiceStatus(INVOICE_STATUSES[inv[4]].lower())
        return Invoice(
            id=inv[0], token=inv[1], face_value=inv[2], due_date=inv[3], status=status, holder=inv[5],
            seller=inv[6], days_overdue=self._call("daysOverdue", [token_id]) if status == "overdue" else 0,
            listed_price=listing[1], listing_expires_at=listing[2], advance_financier=None if adv[0] == ETH else adv[0],
            advance_repayment=adv[1], advance_principal=adv[2], advance_accepted_at=adv[3],
        )

    def existing(self, token_id: int) -> Invoice:
        """The invoice, read before any transaction about it: one clear line for an id never minted."""
        if token_id > self.escrow.order_count() or self.owner(token_id) is None:
            raise UsageError(f"there is no invoice {token_id}: invoices exist for shipped orders; "
                             "`tradechain invoice list` shows them")
        return self.get(token_id)

    def all(self) -> list[Invoice]:
        """Every invoice minted so far (one per shipped order)."""
        return [self.get(i) for i in range(1, self.escrow.order_count() + 1) if self.owner(i)]

    def metadata(self, token_id: int) -> dict:
        """tokenURI decoded: the JSON any wallet shows."""
        uri = self._call("tokenURI", [token_id])
        return json.loads(base64.b64decode(uri.split(",", 1)[1]))

    def owner(self, token_id: int) -> str | None:
        """The holder of the invoice, or None when it was never minted."""
        try:
            return self._call("ownerOf", [token_id])
        except ContractRevert:
            return None
