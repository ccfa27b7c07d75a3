"""ABI encoding and decoding for the transaction layer, straight on eth_abi.

web3's Contract objects bind arguments with `inspect`, run every value through layers of formatters and
checksum each address several times over: on the embedded chain that was a fifth of a trade's time, on
anvil most of it. A contract's functions and events are read from its ABI once here; a call is a selector
and one `eth_abi.encode`, a result or an event one decode (words of plain values read here, the rest by
eth_abi), with addresses checksummed as web3 returns them (results of one output come back bare, several as a
list; structs as tuples).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

from tradechain.errors import abi_type


@lru_cache(maxsize=4096)
def checksum(address: str | bytes) -> str:
    return to_checksum_address(address)


def as_bytes(value: Any) -> bytes:
    """Bytes from a JSON-RPC hex string or anything bytes-like."""
    return bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)


def as_int(value: Any) -> int:
    """An int from a JSON-RPC hex quantity or an int."""
    return int(value, 16) if isinstance(value, str) else int(value)


def _normalize(typ: str, value: Any) -> Any:
    """As web3 returns values: addresses checksummed, arrays as lists, structs as tuples."""
    if typ.endswith("]"):
        inner = typ[: typ.rindex("[")]
        return [_normalize(inner, v) for v in value]
    if typ.startswith("("):
        return tuple(_normalize(t, v) for t, v in zip(_split_tuple(typ), value))
    if typ == "address":
        return checksum(value)
    return value


def _named(entry: dict, value: Any) -> Any:
    """An event argument as web3 gives it: structs as dicts by component name, arrays as lists, addresses
    checksummed."""
    typ = entry["type"]
    if typ.endswith("]"):
        inner = {**entry, "type": typ[: typ.rindex("[")]}
        return [_named(inner, v) for v in value]
    if typ == "tuple":
        return {c["name"]: _named(c, v) for c, v in zip(entry["components"], value)}
    if typ == "address":
        return checksum(value)
    return value


@lru_cache(maxsize=None)
def _split_tuple(typ: str) -> tuple[str, ...]:
    """"(a,(b,c)[],d)" -> ("a", "(b,c)[]", "d")."""
    parts, depth, start = [], 0, 1
    for i, ch in enumerate(typ[1:-1], 1):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(typ[start:i])
            start = i + 1
    last = typ[start:-1]
    return tuple(parts + [last]) if last or parts else ()


_WORD_ZERO = bytes(32)


@lru_cache(maxsize=1024)
def _word_layout(types: tuple[str, ...]) -> tuple[tuple[str, int], ...] | None:
    """(kind, bits or bytes) per type when every type is one 32-byte word that eth_abi reads as a plain value
    (uintN, intN, address, bool, bytesN); None otherwise (dynamic types, arrays, structs, fixed-point)."""
    layout = []
    for typ in types:
        kind = next((k for k in ("uint", "int", "bytes")
                     if typ.startswith(k) and typ[len(k):].isascii() and typ[len(k):].isdigit()
                     and typ[len(k)] != "0"), typ)  # ASCII digits, no leading zero: eth_abi refuses "uint08"
        size = int(typ[len(kind):]) if kind != typ else 0
        if kind in ("address", "bool") or (kind in ("uint", "int") and size in range(8, 257, 8)) or (
                kind == "bytes" and 1 <= size <= 32):
            layout.append((kind, size))
        else:  # not a plain word, or not a type at all: eth_abi's to answer or refuse
            return None
    return tuple(layout)


def decode_values(types: Iterable[str], data: bytes) -> tuple:
    """eth_abi's `decode(types, data)`. Words of plain values (uintN, intN, address, bool, bytesN) are read
    here, a slice and an int.from_bytes each, which was most of decoding a trade's events; anything else, or
    any word eth_abi would refuse (bad padding, out of range), goes to eth_abi, which answers or raises."""
    types = tuple(types)
    layout = _word_layout(types)
    if layout is None or len(data) != 32 * len(layout):
        return decode(types, data)
    values: list[Any] = []
    for i, (kind, size) in enumerate(layout):
        word = data[32 * i: 32 * i + 32]
        if kind == "uint":
            value: Any = int.from_bytes(word, "big")
            if value >> size:
                return decode(types, data)
        elif kind == "int":
            value = int.from_bytes(word, "big", signed=True)
            if not -(1 << (size - 1)) <= value < 1 << (size - 1):
                return decode(types, data)
        elif kind == "address":
            if word[:12] != _WORD_ZERO[:12]:
                return decode(types, data)
            value = "0x" + word[12:].hex()
        elif kind == "bool":
            if word[:31] != _WORD_ZERO[:31] or word[31] > 1:
                return decode(types, data)
            value = word[31] == 1
        else:  # bytesN: left-aligned, zero padding after
            if word[size:] != _WORD_ZERO[size:]:
                return decode(types, data)
            value = word[:size]
        values.append(value)
    return tuple(values)


def _needs_normalizing(types: Iterable[str]) -> bool:
    return any("address" in t or "]" in t for t in types)


class Function:
    def __init__(self, entry: dict):
        self.name = entry["name"]
        self.inputs = tuple(abi_type(i) for i in entry["inputs"])
        self.outputs = tuple(abi_type(o) for o in entry.get("outputs", []))
        self.selector = keccak(text=f"{self.name}({','.join(self.inputs)})")[:4]
        self._normalize = _needs_normalizing(self.outputs)

    def encode(self, args: Iterable) -> bytes:
        return self.selector + encode(self.inputs, list(args))

    def decode(self, data: bytes) -> Any:
        values = decode_values(self.outputs, data)
        if self._normalize:
            values = [_normalize(t, v) for t, v in zip(self.outputs, values)]
        return values[0] if len(values) == 1 else list(values)


class Event:
    def __init__(self, entry: dict):
        self.name = entry["name"]
        inputs = entry["inputs"]
        self.topic = keccak(text=f"{self.name}({','.join(abi_type(i) for i in inputs)})")
        self.indexed = [(i, abi_type(i)) for i in inputs if i.get("indexed")]
        self.data = [(i, abi_type(i)) for i in inputs if not i.get("indexed")]
        self.names = [i["name"] for i in inputs]  # the ABI's order, as web3 gives args
        self._data_types = tuple(t for _, t in self.data)

    def args(self, topics: list, data: bytes) -> dict:
        """The event's arguments from a log's topics (after topic0) and data. An indexed dynamic value
        (string, bytes, array, tuple) is on chain only as its hash: it is given as those 32 bytes."""
        found: dict[str, Any] = {}
        for (entry, typ), topic in zip(self.indexed, topics):
            raw = as_bytes(topic)
            dynamic = typ in ("string", "bytes") or typ.endswith("]") or typ.startswith("(")
            found[entry["name"]] = raw if dynamic else _named(entry, decode_values((typ,), raw)[0])
        for (entry, _), value in zip(self.data, decode_values(self._data_types, data) if self.data else ()):
            found[entry["name"]] = _named(entry, value)
        return {name: found[name] for name in self.names}


class ContractCodec:
    """One contract's functions by name and events by topic0."""

    def __init__(self, abi: list[dict]):
        self.abi = abi
        self.functions: dict[str, Function] = {}
        self.overloaded: set[str] = set()
        for entry in abi:
            if entry.get("type") == "function":
                function = Function(entry)
                if entry["name"] in self.functions:
                    self.overloaded.add(entry["name"])
                self.functions[entry["name"]] = function
                self.functions[f"{function.name}({','.join(function.inputs)})"] = function  # by signature too
        self.events = {e.topic: e for e in (Event(x) for x in abi if x.get("type") == "event")}

    def function(self, name: str) -> Function | None:
        """The function called `name` (or with this signature), or None when that name is overloaded (web3
        resolves those by the arguments)."""
        return None if name in self.overloaded else self.functions[name]
