"""Click parameter types: each kind of command-line input is parsed in one place (as ape's paramtype.py).

Bad input raises tradechain's UsageError, which the root group prints as one line and exits 2. Parsing that
needs the chain (account names) asks the command's Context, which connects on first use.
"""

from __future__ import annotations

from typing import Any, Callable

import click


class _Parsed(click.ParamType):
    """A type whose conversion is one parse function of tradechain.units (or vocabulary)."""

    parse: Callable[[str], Any]

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value  # already converted (a default, or a value passed programmatically)
        return type(self).parse(value)


class OrderId(_Parsed):
    """An order id: 7 or #7."""

    name = "ORDER_ID"

    @staticmethod
    def parse(text: str) -> int:
        from tradechain.units import parse_order_id

        return parse_order_id(text)


class Share(_Parsed):
    """A share of an amount with its unit: 30% or 3000bps. A bare number is refused (30 % or 0.3 %?)."""

    name = "SHARE"

    @staticmethod
    def parse(text: str) -> int:
        from tradechain.units import parse_bps

        return parse_bps(text)


class Duration(_Parsed):
    """A duration: 90m, 12h, 3d, 2w (a bare number is seconds)."""

    name = "DURATION"

    @staticmethod
    def parse(text: str) -> int:
        from tradechain.units import parse_duration

        return parse_duration(text)


class HashOrFile(_Parsed):
    """A document: a 0x 32-byte hash, or a file whose bytes are hashed. Empty means none (zero hash)."""

    name = "FILE|0xHASH"

    @staticmethod
    def parse(text: str) -> bytes:
        from tradechain.units import parse_hash

        return parse_hash(text)


class Amount(_Parsed):
    """An amount in human units with its unit: '1.5 ETH', '250 tUSD', '1000000000 wei' (the unit may be left
    out only where the token is already fixed: --token, or an invoice's own token). Checked for shape here; the
    client turns it into base units of its token (TradeClient.tokens.amount)."""

    name = "AMOUNT"
    MAX_DECIMALS = 77  # any token: the token's own decimals are checked by the client

    @staticmethod
    def parse(text: str) -> str:
        from tradechain.units import parse_amount

        parse_amount(text, Amount.MAX_DECIMALS, uint256=False)
        return str(text).strip()


class TxHash(_Parsed):
    """A transaction hash: 0x followed by 64 hex digits."""

    name = "0xHASH"

    @staticmethod
    def parse(text: str) -> str:
        import re

        from tradechain.errors import UsageError

        if not re.fullmatch(r"0x[0-9a-fA-F]{64}", text.strip()):
            raise UsageError(f"{text!r} is not a transaction hash: give 0x followed by 64 hex digits")
        return text.strip().lower()


class Account(click.ParamType):
    """Who: a named account of this chain (buyer, seller, carrier, …) or a 0x address, as an address."""

    name = "NAME|0x…"

    def convert(self, value, param, ctx):
        from tradechain.cli.context import Context

        if not isinstance(value, str):
            return value
        return ctx.find_object(Context).account(value)


ORDER_ID = OrderId()
SHARE = Share()
DURATION = Duration()
HASH_OR_FILE = HashOrFile()
AMOUNT = Amount()
ACCOUNT = Account()
TX_HASH = TxHash()
