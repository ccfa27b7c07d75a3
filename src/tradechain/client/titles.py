"""`client.titles`: BillOfLading — the electronic bill of lading of a scheduled order's shipment (one ERC-721 each)."""

from __future__ import annotations

from dataclasses import dataclass

from tradechain.client.facade import Facade
from tradechain.transactions import Receipt
from tradechain.vocabulary import ETH, TITLE_STATUS_WORDS, TITLE_STATUSES

NAME = "BillOfLading"


@dataclass
class Title:
    """An eBL title: its bill-of-lading hash, holder (who possesses it), beneficiary (who is entitled to the goods),
    who may claim it from the escrow after a refused hand-over, and its DCSA status."""

    id: int
    bill_of_lading_hash: bytes
    holder: str | None
    beneficiary: str | None
    offered_to: str | None
    status: str  # a TITLE_STATUSES name

    @property
    def status_words(self) -> str:
        return TITLE_STATUS_WORDS[TITLE_STATUSES.index(self.status)]


class Titles(Facade):
    contract = NAME

    def get(self, order_id: int) -> Title | None:
        """The title of an order's shipment, or None when none was issued."""
        h, holder, beneficiary, offered, status = self.tx.call(NAME, "titleOf", [order_id])
        if status == 0:
            return None
        return Title(order_id, bytes(h), None if holder == ETH else holder, None if beneficiary == ETH else beneficiary,
                     None if offered == ETH else offered, TITLE_STATUSES[status])

    def endorse(self, order_id: int, to: str, *, sender: str) -> Receipt:
        """The holder endorses the title to a new holder (who becomes its beneficiary)."""
        return self._send("endorse", [order_id, to], sender=sender)

    def surrender(self, order_id: int, *, sender: str) -> Receipt:
        """The holder surrenders the title for delivery: the carrier may then record Delivered."""
        return self._send("surrender", [order_id], sender=sender)

    def claim(self, order_id: int, to: str | None = None, *, sender: str) -> Receipt:
        """The beneficiary takes a title the escrow could not hand over, to itself or to `to`."""
        return self._send("claim", [order_id, to or sender], sender=sender)
