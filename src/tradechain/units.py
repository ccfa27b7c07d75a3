"""Human units in and out: "1.5 ETH", "250 tUSD", "3d", "0x…" or a named account. No web3 import here.

Every parser raises UsageError naming what was wrong and what would be right.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from tradechain.errors import UsageError
from tradechain.vocabulary import ZERO32, hash_bytes

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_HEX32 = re.compile(r"^0x[0-9a-fA-F]{64}$")


def parse_duration(text: str) -> int:
    """ "3d" -> 259200; units s, m, h, d, w; a bare number is seconds."""
    m = _DURATION.match(str(text))
    if not m:
        raise UsageError(f"bad duration {text!r}: write a whole number with a unit, like 90m, 12h, 3d or 2w")
    return int(m.group(1)) * _SECONDS[m.group(2)]


def format_duration(seconds: int) -> str:
    seconds = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    if seconds >= 86400:
        return f"{seconds / 86400:.1f}d"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds}s"


def parse_amount(text: str, decimals: int, symbol: str = "") -> int:
    """ "1.5" with 18 decimals -> 1500000000000000000. A trailing symbol, if given, must match."""
    raw = str(text).strip()
    parts = raw.split()
    if len(parts) == 2:
        if symbol and parts[1].lower() != symbol.lower():
            raise UsageError(f"amount {text!r} is in {parts[1]}, but this order pays in {symbol}")
        raw = parts[0]
    elif len(parts) != 1:
        raise UsageError(f"bad amount {text!r}: write a number like 1.5 or '250 tUSD'")
    try:
        value = Decimal(raw.replace("_", ""))
    except InvalidOperation:
        raise UsageError(f"bad amount {text!r}: write a number like 1.5 or '250 tUSD'") from None
    if not value.is_finite() or value <= 0:
        raise UsageError(f"amount {text!r} must be a positive number")
    scaled = value.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise UsageError(f"amount {text!r} has more than {decimals} decimal places{' for ' + symbol if symbol else ''}")
    return int(scaled)


def format_amount(base_units: int, decimals: int, symbol: str) -> str:
    """1500000000000000000, 18, "ETH" -> "1.5 ETH"."""
    value = Decimal(int(base_units)).scaleb(-decimals)
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {symbol}"


def parse_address(text: str, names: dict[str, str] | None = None) -> str:
    """A 0x address (any case) or a named demo account ("buyer", "seller", …)."""
    names = names or {}
    key = str(text).strip()
    if key.lower() in names:
        return names[key.lower()]
    if _HEX_ADDRESS.match(key):
        from eth_utils import to_checksum_address

        return to_checksum_address(key)
    known = ", ".join(names) if names else "none on this chain"
    raise UsageError(f"bad address {text!r}: give 0x followed by 40 hex digits, or an account name ({known})")


def parse_hash(text: str | None) -> bytes:
    """A document reference: a 0x 32-byte hash, or a file path whose bytes are hashed (keccak-256)."""
    if not text:
        return ZERO32
    if _HEX32.match(text):
        return bytes.fromhex(text[2:])
    path = Path(text)
    if path.is_file():
        return hash_bytes(path.read_bytes())
    raise UsageError(f"{text!r} is neither a 0x-prefixed 32-byte hash nor a file to hash")


def parse_bps(text: str) -> int:
    """ "30%" -> 3000; "2500" -> 2500 basis points."""
    raw = str(text).strip()
    try:
        if raw.endswith("%"):
            value = Decimal(raw[:-1]) * 100
        else:
            value = Decimal(raw)
    except InvalidOperation:
        raise UsageError(f"bad share {text!r}: give a percentage like 30% or basis points like 3000") from None
    if value != value.to_integral_value() or not 0 <= value <= 10_000:
        raise UsageError(f"share {text!r} must be between 0% and 100% (0 to 10000 basis points, whole)")
    return int(value)


def parse_order_id(text: str) -> int:
    raw = str(text).strip().lstrip("#")
    if not raw.isdigit() or int(raw) == 0:
        raise UsageError(f"bad order id {text!r}: order ids are whole numbers from 1")
    return int(raw)
