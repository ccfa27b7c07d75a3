"""The transaction layer's decoder (codec.decode_values) answers and refuses exactly as eth_abi's decode."""

from __future__ import annotations

import pytest
from eth_abi import decode, encode
from hypothesis import given, settings
from hypothesis import strategies as st

from tradechain.codec import decode_values

SIZES = [8, 16, 32, 64, 128, 160, 248, 256]


def plain_type():
    return st.one_of(st.sampled_from(["address", "bool"]), st.sampled_from(SIZES).map(lambda n: f"uint{n}"),
                     st.sampled_from(SIZES).map(lambda n: f"int{n}"), st.integers(1, 32).map(lambda n: f"bytes{n}"))


def value_of(typ: str):
    if typ == "address":
        return st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
    if typ == "bool":
        return st.booleans()
    if typ.startswith("uint"):
        return st.integers(0, (1 << int(typ[4:])) - 1)
    if typ.startswith("int"):
        bits = int(typ[3:])
        return st.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    return st.binary(min_size=int(typ[5:]), max_size=int(typ[5:]))


typed_values = st.lists(plain_type(), min_size=1, max_size=6).flatmap(
    lambda types: st.tuples(st.just(tuple(types)), st.tuples(*[value_of(t) for t in types])))


@given(typed_values)
def test_plain_words_decode_as_eth_abi_decodes_them(case):
    types, values = case
    data = encode(list(types), list(values))
    assert decode_values(types, data) == decode(types, data)


def outcome(types, data):
    try:
        return "value", decode(types, data)
    except Exception as exc:  # noqa: BLE001 - the kind of refusal is what is compared
        return "refused", type(exc)


def boundaries(typ: str) -> list[int]:
    """Byte positions of a word where a value of `typ` meets its padding: where a wrong byte is likeliest
    to slip through."""
    if typ in ("address", "bool"):
        width = 20 if typ == "address" else 1
        return [31 - width, 32 - width, 31]
    if typ.startswith("bytes"):
        n = int(typ[5:])
        return [n - 1, min(n, 31), 31]
    width = int(typ.lstrip("uint")) // 8
    return [31 - width, 32 - width, 0, 31]


@settings(max_examples=400)  # decoding is cheap; boundaries byte by byte are the test below
@given(typed_values, st.data())
def test_any_words_are_answered_or_refused_as_eth_abi_does(case, data):
    # a valid encoding with one byte changed, often where the value meets its padding: bad padding, a bool
    # of 2, a uint8 of 256, a negative int whose padding is not all 0xff...
    types, values = case
    raw = bytearray(encode(list(types), list(values)))
    for i, typ in enumerate(types):
        if data.draw(st.booleans()):
            at = data.draw(st.sampled_from(boundaries(typ)) | st.integers(0, 31))
            raw[32 * i + at] = data.draw(st.sampled_from([0, 1, 2, 0x7F, 0x80, 0xFF]) | st.integers(0, 255))
    raw = bytes(raw)
    expected = outcome(types, raw)
    if expected[0] == "value":
        assert decode_values(types, raw) == expected[1]
    else:
        with pytest.raises(expected[1]):
            decode_values(types, raw)


def test_other_types_and_lengths_go_to_eth_abi():
    data = encode(["string", "uint256[]"], ["hi", [1, 2]])
    assert decode_values(("string", "uint256[]"), data) == ("hi", (1, 2))
    for not_a_type in ("uint7", "uint0", "uint08", "int264", "bytes0", "bytes33", "uint08x"):
        with pytest.raises(Exception) as ours:
            decode_values((not_a_type,), bytes(32))
        with pytest.raises(Exception) as theirs:
            decode((not_a_type,), bytes(32))
        assert type(ours.value) is type(theirs.value), not_a_type
    with pytest.raises(Exception) as ours:
        decode_values(("uint256",), b"\x00" * 31)  # too short: eth_abi's own error
    with pytest.raises(Exception) as theirs:
        decode(("uint256",), b"\x00" * 31)
    assert type(ours.value) is type(theirs.value)


@pytest.mark.parametrize("typ", ["bool", "address", "uint8", "uint64", "uint248", "uint256", "int8", "int128",
                                 "int256", "bytes1", "bytes4", "bytes31", "bytes32"])
def test_every_byte_of_a_word_changed_is_answered_or_refused_as_eth_abi_does(typ):
    bases = [encode([typ], [v]) for v in ({"bool": [False, True], "address": ["0x" + "ab" * 20]}.get(typ) or
                                         ([b"\x01" * int(typ[5:])] if typ.startswith("bytes") else
                                          [0, 1, -1] if typ.startswith("int") else [0, 1]))]
    for base in bases:
        for at in range(32):
            for byte in (0, 1, 2, 0x7F, 0x80, 0xFE, 0xFF):
                raw = base[:at] + bytes([byte]) + base[at + 1:]
                expected = outcome((typ,), raw)
                if expected[0] == "value":
                    assert decode_values((typ,), raw) == expected[1], raw.hex()
                else:
                    with pytest.raises(expected[1]):
                        decode_values((typ,), raw)
