"""Human units in and out: "1.5 ETH", "250 tUSD", "3d", "0x…" or a named account. No web3 import here.

Every parser raises UsageError naming what was wrong and what would be right.
"""

from __future__ import annotations

import re
import warnings
from decimal import Decimal, DecimalException, InvalidOperation
from pathlib import Path

from tradechain.errors import UncheckedAddressWarning, UsageError
from tradechain.vocabulary import ZERO32, hash_bytes

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_HEX32 = re.compile(r"^0x[0-9a-fA-F]{64}$")
UINT256_MAX = 2**256 - 1


MAX_DURATION = 100 * 365 * 86400  # no deadline or window of a trade is longer; times on chain are uint40


def parse_duration(text: str) -> int:
    """ "3d" -> 259200; units s, m, h, d, w; a bare number is seconds. At most 100 years."""
    m = _DURATION.match(str(text))
    if not m or not m.group(1).isascii():
        raise UsageError(f"bad duration {text!r}: write a whole number with a unit, like 90m, 12h, 3d or 2w")
    seconds = int(m.group(1)) * _SECONDS[m.group(2)]
    if seconds > MAX_DURATION:
        raise UsageError(f"duration {text!r} is longer than 100 years: no deadline or window of a trade is")
    return seconds


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


# Units of ETH below the ether: "1000000000 wei", "2 gwei".
ETH_SUBUNITS = {"wei": 0, "gwei": 9}
AMOUNT_FORMS = "write it with its unit: '1 ETH', '250 tUSD' or '1000000000 wei'"


def split_amount(text: str) -> tuple[str, str | None]:
    """ "1.5 ETH" -> ("1.5", "ETH"); "1.5ETH" -> ("1.5", "ETH"); "1.5" -> ("1.5", None)."""
    raw = str(text).strip()
    parts = raw.split()
    if len(parts) == 2:
        return parts[0], parts[1]
    if len(parts) == 1:
        m = re.match(r"^([0-9._]+(?:[eE][-+]?[0-9]+)?)([A-Za-z]\w*)$", raw)
        if m:
            return m.group(1), m.group(2)
        return raw, None
    raise UsageError(f"bad amount {text!r}: {AMOUNT_FORMS}")


def parse_amount(text: str, decimals: int, symbol: str = "", *, uint256: bool = True) -> int:
    """ "1.5" with 18 decimals -> 1500000000000000000. A unit, if written, must be `symbol` (or wei/gwei when
    `symbol` is ETH), and sets the decimals. `uint256`: refuse what no token amount can hold."""
    number, unit = split_amount(text)
    if unit is not None:
        if symbol.upper() == "ETH" and unit.lower() in ETH_SUBUNITS:
            decimals = ETH_SUBUNITS[unit.lower()]
        elif symbol and unit.lower() != symbol.lower():
            raise UsageError(f"amount {text!r} is in {unit}, but this payment is in {symbol}")
    try:
        value = Decimal(number.replace("_", ""))
        scaled = value.scaleb(decimals) if value.is_finite() else value
    except DecimalException:
        raise UsageError(f"bad amount {text!r}: {AMOUNT_FORMS}") from None
    if not value.is_finite() or value <= 0:
        raise UsageError(f"amount {text!r} must be a positive number")
    if scaled != scaled.to_integral_value():
        in_what = f" for {unit or symbol}" if unit or symbol else ""
        raise UsageError(f"amount {text!r} has more than {decimals} decimal places{in_what}")
    if uint256 and scaled > UINT256_MAX:
        raise UsageError(f"amount {text!r} is larger than any token amount can be")
    return int(scaled)


def format_amount(base_units: int, decimals: int, symbol: str) -> str:
    """1500000000000000000, 18, "ETH" -> "1.5 ETH"."""
    value = Decimal(int(base_units)).scaleb(-decimals)
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {symbol}"


def parse_address(text: str, names: dict[str, str] | None = None, *, what: str = "address") -> str:
    """A 0x address or a named demo account ("buyer", "seller", …), as a checksummed address.

    A mixed-case address must pass its EIP-55 checksum (a mistyped one is refused, never paid); an
    all-lower or all-upper one carries no checksum and is accepted with an UncheckedAddressWarning."""
    names = names or {}
    key = str(text).strip()
    if key.lower() in names:
        return names[key.lower()]
    if _HEX_ADDRESS.match(key):
        from eth_utils import to_checksum_address

        checksummed = to_checksum_address(key)
        digits = key[2:]
        if digits == digits.lower() or digits == digits.upper():
            if any(c.isalpha() for c in digits):
                warnings.warn(UncheckedAddressWarning(
                    f"{what} {key} has no EIP-55 checksum (all one case): using it unchecked; "
                    f"the checksummed form is {checksummed}"), stacklevel=2)
        elif key != checksummed:
            raise UsageError(f"{what} {key} fails its EIP-55 checksum (a typo?): check it, or give it all "
                             "lower-case to use it unchecked")
        return checksummed
    known = ", ".join(names) if names else "none on this chain"
    raise UsageError(f"bad {what} {text!r}: give 0x followed by 40 hex digits, or an account name ({known})")


def parse_hash(text: str | None) -> bytes:
    """A document reference: a 0x 32-byte hash, or a file path whose bytes are hashed (keccak-256)."""
    if not text:
        return ZERO32
    if _HEX32.match(text):
        return bytes.fromhex(text[2:])
    path = Path(text)
    try:
        if path.is_file():
            return hash_bytes(path.read_bytes())
        exists, folder = path.exists(), path.is_dir()
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(f"cannot read document {text!r}: {reason}") from None
    if folder:
        raise UsageError(f"{text!r} is a folder: give a document file or a 0x-prefixed 32-byte hash")
    if str(text).lower().startswith("0x") and not exists:
        raise UsageError(f"bad hash {text!r}: a document hash is 0x followed by 64 hex digits (or give a file)")
    raise UsageError(f"{text!r} is neither a 0x-prefixed 32-byte hash nor a file to hash")


def parse_bps(text: str, what: str = "share") -> int:
    """ "30%" -> 3000; "3000bps" -> 3000. A bare number is refused: 30 could mean 30 % or 0.3 %, and a share
    given the wrong way is paid out irreversibly."""
    raw = str(text).strip().lower().replace(" ", "")
    forms = "write it with its unit: 30% or 3000bps (basis points)"
    try:
        if raw.endswith("%"):
            value = Decimal(raw[:-1]) * 100
        elif raw.endswith("bps"):
            value = Decimal(raw[:-3])
        else:
            Decimal(raw)
            raise UsageError(f"{what} {text!r} has no unit: {forms}")
    except DecimalException:
        raise UsageError(f"bad {what} {text!r}: {forms}") from None
    if not value.is_finite() or value != value.to_integral_value() or not 0 <= value <= 10_000:
        raise UsageError(f"{what} {text!r} must be between 0% and 100% (0bps to 10000bps, whole basis points)")
    return int(value)


def parse_order_id(text: str) -> int:
    raw = str(text).strip().lstrip("#")
    if not raw.isascii() or not raw.isdigit() or int(raw) == 0:
        raise UsageError(f"bad order id {text!r}: order ids are whole numbers from 1")
    if int(raw) > UINT256_MAX:
        raise UsageError(f"order id {text!r} is larger than any order id can be (2^256 - 1)")
    return int(raw)


# ---- exchange rates: FxRates holds them as integers with 18 decimals, a feed with its own decimals


def format_rate(rate: int) -> str:
    """An 18-decimal rate as a short decimal ("1.0772")."""
    text = f"{Decimal(rate) / 10**18:.8f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def parse_rate(text: str | float, decimals: int = 18) -> int:
    """"1.0772" -> 1.0772 with `decimals` decimals, as an int; refuses anything not a positive number."""
    try:
        value = Decimal(str(text))
    except ArithmeticError:
        raise UsageError(f"rate {text!r} is not a number (e.g. 1.0772)") from None
    if not value.is_finite() or value <= 0:
        raise UsageError(f"rate {text!r} must be a positive number (e.g. 1.0772)")
    return int(value * 10**decimals)
