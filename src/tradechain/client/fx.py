"""`client.fx`: orders priced in one currency (e.g. 10,000 EUR) and paid in a settlement token (tUSD, ETH) at a rate
locked at order time — FxRates, the devnet's signed EUR/USD feed (SignedFxFeed) and signed quotes.

Rates are integers with 18 decimals (settlement-token units per unit of the currency, as FxRates holds them); a
price is in the currency's minor units (cents). The feed answers with its own decimals (8, as Chainlink's).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path

from tradechain.client.escrow import NAME as ESCROW
from tradechain.client.facade import PaymentFacade
from tradechain.errors import UsageError
from tradechain.transactions import Receipt
from tradechain.units import format_rate, parse_rate
from tradechain.vocabulary import ETH, RATE_SOURCES, ZERO32, currency_code, currency_name

NAME = "FxRates"
FEED = "SignedFxFeed"
RATE_ONE = 10**18  # FxRates' rates carry 18 decimals
QUOTE_VALIDITY = 15 * 60  # seconds a quote stays valid unless told otherwise
EMPTY_QUOTE = (b"\0" * 8, ETH, 0, 0, ETH, 0)


@dataclass(frozen=True)
class Pair:
    currency: str
    token: str
    feed: str | None  # None: signed quotes only
    heartbeat: int
    max_deviation_bps: int
    currency_decimals: int
    token_decimals: int


@dataclass(frozen=True)
class Quote:
    """A rate a quote signer offers one buyer, with its EIP-712 signature: what `--quote FILE` holds."""

    currency: str
    token: str
    rate: int  # 18 decimals
    expiry: int
    buyer: str
    nonce: int
    signature: str  # 0x + 65 bytes (r, s, v)
    signer: str = ""

    def as_tuple(self) -> tuple:
        return (currency_code(self.currency), self.token, self.rate, self.expiry, self.buyer, self.nonce)

    def to_json(self) -> str:
        return json.dumps({"kind": "tradechain FX quote", **asdict(self)}, indent=2) + "\n"

    @classmethod
    def load(cls, path: str | Path) -> "Quote":
        """A quote file written by `tradechain fx quote`; a clear error for anything else."""
        try:
            data = json.loads(Path(path).read_text())
            fields = {k: data[k] for k in ("currency", "token", "rate", "expiry", "buyer", "nonce", "signature")}
        except FileNotFoundError:
            raise UsageError(f"quote file {path} does not exist") from None
        except (OSError, ValueError, KeyError, TypeError):
            raise UsageError(f"{path} is not a quote file written by `tradechain fx quote`") from None
        return cls(**fields, signer=data.get("signer", ""))


@dataclass(frozen=True)
class Lock:
    """The rate an order locked: its price, the currency, the rate (18 decimals) and where the rate came from."""

    order_id: int
    currency: str
    price: int  # minor units of the currency
    rate: int
    source: str  # "Feed" or "Quote"

    @property
    def rate_text(self) -> str:
        return format_rate(self.rate)


def parse_price(text: str) -> tuple[str, Decimal]:
    """"10000 EUR" -> ("EUR", Decimal("10000")); a clear error for anything else."""
    parts = text.split()
    if len(parts) != 2:
        raise UsageError(f"price {text!r} must be an amount and a currency, e.g. '10000 EUR'")
    number, code = parts
    try:
        value = Decimal(number.replace("_", "").replace(",", ""))
    except ArithmeticError:
        raise UsageError(f"price {text!r}: {number!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise UsageError(f"price {text!r} must be positive")
    currency_code(code)  # checks the code
    return code.upper(), value


class Fx(PaymentFacade):
    contract = NAME

    @property
    def feed_address(self) -> str:
        return self.tx.address(FEED)

    # ---- reads
    def pair(self, currency: str, token: str) -> Pair:
        """The pair's settings; a clear error for a pair FxRates does not list."""
        feed, heartbeat, deviation, cur_dec, tok_dec, listed = self.tx.call(NAME, "pairOf", [currency_code(currency),
                                                                                              token])
        if not listed:
            symbol, _ = self.tokens.info(token)
            raise UsageError(f"no rate for {currency.upper()} paid in {symbol}: the suite lists EUR in tUSD (feed "
                             "or quote) and EUR in ETH (quote)")
        return Pair(currency.upper(), token, None if feed == ETH else feed, heartbeat, deviation, cur_dec, tok_dec)

    def minor_units(self, currency: str, token: str, price) -> int:
        """A price in whole units of the currency ("10000") -> its minor units (1,000,000 cents)."""
        decimals = self.pair(currency, token).currency_decimals
        units = Decimal(str(price)) * 10**decimals
        if units != units.to_integral_value():
            raise UsageError(f"price {price} {currency.upper()} has more than {decimals} decimals")
        return int(units)

    def feed_rate(self, currency: str, token: str) -> tuple[int, int]:
        """The pair's checked feed rate now (18 decimals) and its round; FxRates' error when it refuses it."""
        rate, round_id = self.tx.call(NAME, "feedRate", [currency_code(currency), token])
        return rate, round_id

    def convert(self, currency: str, token: str, price: int, rate: int) -> int:
        """What `price` minor units cost in the token's base units at `rate`, as the contract rounds it."""
        return self.tx.call(NAME, "convert", [currency_code(currency), token, price, rate])

    def lock_of(self, order_id: int) -> Lock | None:
        """The rate an order locked, or None for an order priced in its payment token."""
        currency, price, rate, source = self.tx.call(NAME, "lockOf", [order_id])
        if rate == 0:
            return None
        return Lock(order_id, currency_name(currency), price, rate, RATE_SOURCES[source])

    def latest_round(self) -> dict:
        """The devnet feed's latest round as published (no checks): roundId, answer, updatedAt, decimals."""
        round_id, answer, _started, updated_at, _ = self.tx.call(FEED, "latestRoundData")
        return {"roundId": round_id, "answer": answer, "updatedAt": updated_at,
                "decimals": self.tx.call(FEED, "decimals"), "oracle": self.tx.call(FEED, "oracle")}

    # ---- the oracle and the quote signer
    def _domain(self, name: str, contract: str) -> dict:
        return {"name": name, "version": "1", "chainId": self.tx.chain.chain_id, "verifyingContract": contract}

    def publish_round(self, rate: str | float | int, *, updated_at: int | None = None, sender: str,
                      oracle: str | None = None) -> Receipt:
        """Sign the feed's next round with the oracle's key and publish it (anyone may relay). `rate` is the
        answer in whole units ("1.0772"), or an int already scaled to the feed's decimals."""
        decimals = self.tx.call(FEED, "decimals")
        answer = rate if isinstance(rate, int) else parse_rate(rate, decimals)
        oracle = oracle or self.tx.call(FEED, "oracle")
        round_id = self.tx.call(FEED, "latestRound") + 1
        updated_at = self.tx.chain.now() if updated_at is None else updated_at
        data = {
            "types": {"EIP712Domain": _DOMAIN_TYPES,
                      "Round": [{"name": "roundId", "type": "uint80"}, {"name": "answer", "type": "int256"},
                                {"name": "updatedAt", "type": "uint256"}]},
            "primaryType": "Round",
            "domain": self._domain("TradeChain SignedFxFeed", self.feed_address),
            "message": {"roundId": round_id, "answer": answer, "updatedAt": updated_at},
        }
        return self.tx.send(FEED, "submit", [answer, updated_at, _signature(self.tx.chain.sign_typed_data(oracle, data))],
                            sender=sender)

    def sign_quote(self, currency: str, token: str, rate: int, *, buyer: str, signer: str,
                   expiry: int | None = None, nonce: int | None = None) -> Quote:
        """A quote signed with `signer`'s key (a QUOTE_SIGNER on FxRates) for one buyer; usable once."""
        self.pair(currency, token)
        expiry = self.tx.chain.now() + QUOTE_VALIDITY if expiry is None else expiry
        if nonce is None:
            nonce = secrets.randbits(64)  # a fresh nonce the signer need not track
        # bytes as hex: a node signing eth_signTypedData_v4 takes the message as JSON
        message = {"currency": "0x" + currency_code(currency).hex(), "token": token, "rate": rate, "expiry": expiry,
                   "buyer": buyer, "nonce": nonce}
        data = {
            "types": {"EIP712Domain": _DOMAIN_TYPES,
                      "Quote": [{"name": "currency", "type": "bytes8"}, {"name": "token", "type": "address"},
                                {"name": "rate", "type": "uint256"}, {"name": "expiry", "type": "uint256"},
                                {"name": "buyer", "type": "address"}, {"name": "nonce", "type": "uint256"}]},
            "primaryType": "Quote",
            "domain": self._domain("TradeChain FxRates", self.address),
            "message": message,
        }
        signature = _signature(self.tx.chain.sign_typed_data(signer, data))
        return Quote(currency.upper(), token, rate, expiry, buyer, nonce, "0x" + signature.hex(), signer)

    # ---- the buyer
    def quote_amount(self, currency: str, token: str, price: int, quote: Quote | None = None) -> tuple[int, int]:
        """(amount to pay, rate) for `price` minor units now: at the quote's rate, else the feed's checked rate."""
        if quote is None and self.pair(currency, token).feed is None:
            symbol, _ = self.tokens.info(token)
            raise UsageError(f"{currency.upper()} paid in {symbol} has no feed here: use a signed quote "
                             "(`tradechain fx quote`, then --quote FILE)")
        rate = quote.rate if quote is not None else self.feed_rate(currency, token)[0]
        return self.convert(currency, token, price, rate), rate

    def place_order(self, *, buyer: str, seller: str, currency: str, price: int, token: str, ship_by: int,
                    deliver_by: int, inspection_window: int, terms_hash: bytes = ZERO32,
                    quote: Quote | None = None, accept_by: int = 0) -> tuple[int, Receipt]:
        """Place and pay an order priced `price` minor units of `currency`, paid in `token` at the rate locked now
        (the quote's, else the feed's); with `accept_by`, it waits for the seller's acceptance until then. Returns
        (order id, receipt); the receipt holds RateLocked."""
        amount, _rate = self.quote_amount(currency, token, price, quote)
        terms = (seller, token, amount, ship_by, deliver_by, inspection_window, terms_hash, accept_by, 0)  # OrderTerms
        fx = (currency_code(currency), price, quote.as_tuple() if quote else EMPTY_QUOTE,
              bytes.fromhex(quote.signature[2:]) if quote else b"")
        args = [terms, fx]
        self.tokens.require_contract(token)
        value = self.tokens.pay_in(token, amount, self.escrow.address, sender=buyer,
                                   step=(ESCROW, "placeOrderFx", args))
        receipt = self.tx.send(ESCROW, "placeOrderFx", args, sender=buyer, value=value)
        return receipt.event("OrderPlaced")["orderId"], receipt


_DOMAIN_TYPES = [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                 {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}]


def _signature(vrs: tuple[int, bytes, bytes]) -> bytes:
    """(v, r, s) -> the 65 bytes r ‖ s ‖ v that OpenZeppelin's ECDSA.recover reads."""
    v, r, s = vrs
    return bytes(r) + bytes(s) + bytes([v])
