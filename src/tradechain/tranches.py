"""Payment schedules: tranches of an order released by logistics events, packed as the contracts keep them.

A schedule is at most MAX_TRANCHES tranches, each a share of the order in basis points and a trigger read from
the chain (shipped, export cleared, arrived, import cleared, delivered, end of the inspection window); the shares
sum to 100 %, the triggers come in logistics order and the last is End. One tranche may pay for the documents:
the eBL title passes to the buyer with it, so it must come before Delivered (the carrier records the delivery only
once the title was surrendered).

Packed (ITradeEscrow.ScheduleFixed): share of tranche i at bits 16i, its trigger at bits 64 + 8i, and the 1-based
index of the documents tranche at bits 96..103. No web3 import here.
"""

from __future__ import annotations

from dataclasses import dataclass

from tradechain.errors import UsageError
from tradechain.vocabulary import MAX_TRANCHES, TRIGGER_WORDS, TRIGGERS

BPS = 10_000


@dataclass(frozen=True)
class Tranche:
    share_bps: int
    trigger: str  # a TRIGGERS name

    @property
    def words(self) -> str:
        return TRIGGER_WORDS[TRIGGERS.index(self.trigger)]


def trigger_index(text: str) -> int:
    """ "export-cleared", "ExportCleared", "end" -> the Trigger's index."""
    key = str(text).strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    for i, name in enumerate(TRIGGERS):
        if i and key in (name.lower(), TRIGGER_WORDS[i].replace(" ", "")):
            return i
    raise UsageError(f"unknown tranche trigger {text!r}; one of: {', '.join(TRIGGERS[1:])}")


def parse_tranche(text: str) -> Tranche:
    """ "30%:ExportCleared" or "3000bps:arrived" -> a Tranche."""
    share, sep, trigger = str(text).partition(":")
    if not sep or not share.strip() or not trigger.strip():
        raise UsageError(f"bad tranche {text!r}: give SHARE:TRIGGER, e.g. 30%:ExportCleared or 70%:end")
    share = share.strip().lower()
    try:
        if share.endswith("%"):
            bps = float(share[:-1]) * 100
        elif share.endswith("bps"):
            bps = float(share[:-3])
        else:
            raise ValueError
    except ValueError:
        raise UsageError(f"bad tranche share {share!r} in {text!r}: a percentage (30%) or basis points (3000bps)") from None
    if bps != int(bps) or not 0 < bps <= BPS:
        raise UsageError(f"tranche share {share!r} must be above 0 and at most 100 %, in whole basis points")
    return Tranche(int(bps), TRIGGERS[trigger_index(trigger)])


def check(tranches: list[Tranche], documents: int = 0) -> None:
    """The contract's schedule rules, in words (PaymentSchedules.check refuses the same)."""
    if not tranches:
        raise UsageError("a payment schedule needs at least one tranche, ending with one released at End")
    if len(tranches) > MAX_TRANCHES:
        raise UsageError(f"a payment schedule has at most {MAX_TRANCHES} tranches, not {len(tranches)}")
    total = sum(t.share_bps for t in tranches)
    if total != BPS:
        raise UsageError(f"tranche shares add up to {total / 100:g} %, not 100 %")
    order = [TRIGGERS.index(t.trigger) for t in tranches]
    if any(b <= a for a, b in zip(order, order[1:])):
        raise UsageError("tranche triggers must come in logistics order, each once: "
                         + " < ".join(TRIGGERS[1:]))
    if tranches[-1].trigger != "End":
        raise UsageError("the last tranche must be released at End (the inspection window over): add e.g. 70%:end")
    if documents:
        if not 1 <= documents <= len(tranches):
            raise UsageError(f"the documents tranche must be one of tranches 1..{len(tranches)}, not {documents}")
        if TRIGGERS.index(tranches[documents - 1].trigger) >= TRIGGERS.index("Delivered"):
            raise UsageError("the tranche that pays for the documents (the eBL) must come before Delivered: the "
                             "carrier records the delivery only after the title was surrendered")


def pack(tranches: list[Tranche], documents: int = 0) -> int:
    """The packed schedule word (checked first)."""
    check(tranches, documents)
    word = 0
    for i, t in enumerate(tranches):
        word |= t.share_bps << (16 * i)
        word |= TRIGGERS.index(t.trigger) << (64 + 8 * i)
    return word | documents << 96


def unpack(word: int) -> tuple[list[Tranche], int]:
    """(tranches, 1-based documents tranche or 0) of a packed schedule; ([], 0) for none."""
    tranches = []
    for i in range(MAX_TRANCHES):
        trigger = (word >> (64 + 8 * i)) & 0xFF
        if not trigger:
            break
        name = TRIGGERS[trigger] if trigger < len(TRIGGERS) else str(trigger)
        tranches.append(Tranche((word >> (16 * i)) & 0xFFFF, name))
    return tranches, (word >> 96) & 0xFF


def describe(word: int) -> str:
    """ "30% export cleared, 70% end of the inspection window (documents with tranche 1)"."""
    tranches, documents = unpack(word)
    text = ", ".join(f"{t.share_bps / 100:g}% {t.words}" for t in tranches)
    return text + (f" (eBL title with tranche {documents})" if documents else "")
