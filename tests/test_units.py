"""Parsing and formatting of what people type: amounts, durations, addresses, hashes, shares."""

import pytest

from tradechain.errors import UsageError
from tradechain.units import (
    format_amount, format_duration, parse_address, parse_amount, parse_bps, parse_duration, parse_hash,
    parse_order_id,
)


@pytest.mark.parametrize("text,seconds", [("90m", 5400), ("12h", 43200), ("3d", 259200), ("2w", 1209600),
                                          ("45", 45), ("10s", 10), (" 1d ", 86400)])
def test_durations_parse_with_units(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["3x", "-1d", "1.5d", "", "d3", "3 days"])
def test_bad_durations_are_refused_with_an_example(text):
    with pytest.raises(UsageError, match="like 90m, 12h, 3d"):
        parse_duration(text)


def test_a_duration_beyond_a_century_is_refused():
    with pytest.raises(UsageError, match="longer than 100 years"):
        parse_duration("99999999999w")


def test_durations_format_back():
    assert [format_duration(s) for s in (259200, 5400, 43200, 45, 90000)] == ["3d", "90m", "12h", "45s", "25h"]


@pytest.mark.parametrize("text,decimals,units", [("1.5", 18, 1_500_000_000_000_000_000), ("250 tUSD", 6, 250_000_000),
                                                 ("0.000001", 6, 1), ("1_000", 6, 1_000_000_000)])
def test_amounts_parse_to_base_units(text, decimals, units):
    assert parse_amount(text, decimals, "tUSD") == units


@pytest.mark.parametrize("text,match", [("-1", "positive"), ("0", "positive"), ("abc", "bad amount"),
                                        ("0.0000001", "more than 6 decimal places"), ("1 ETH", "is in ETH, but this payment is in tUSD"),
                                        ("1 2 3", "bad amount"), ("NaN", "positive"), ("inf", "positive")])
def test_bad_amounts_say_what_is_wrong(text, match):
    with pytest.raises(UsageError, match=match):
        parse_amount(text, 6, "tUSD")


@pytest.mark.parametrize("text,units", [("1000000000 wei", 10**9), ("2 gwei", 2 * 10**9), ("1.5ETH", 15 * 10**17),
                                        ("0.5 eth", 5 * 10**17)])
def test_eth_amounts_in_wei_gwei_or_ether(text, units):
    assert parse_amount(text, 18, "ETH") == units


def test_an_amount_beyond_uint256_is_refused():
    with pytest.raises(UsageError, match="larger than any token amount"):
        parse_amount("1e80 ETH", 18, "ETH")
    with pytest.raises(UsageError, match="bad amount"):
        parse_amount("1e999999999999 ETH", 18, "ETH")


def test_amounts_format_in_human_units():
    assert format_amount(1_485_000_000_000_000_000, 18, "ETH") == "1.485 ETH"
    assert format_amount(250_000_000, 6, "tUSD") == "250 tUSD"
    assert format_amount(0, 6, "tUSD") == "0 tUSD"


def test_addresses_by_name_or_hex():
    names = {"buyer": "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"}
    assert parse_address("buyer", names) == names["buyer"]
    assert parse_address(names["buyer"]) == names["buyer"]
    with pytest.raises(UsageError, match="40 hex digits, or an account name \\(buyer\\)"):
        parse_address("0x123", names)


def test_a_mixed_case_address_must_pass_its_eip55_checksum():
    good = "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"
    typo = good.replace("DcCD6cF", "DcCd6cF")  # one letter in the wrong case: fails the checksum
    with pytest.raises(UsageError, match="fails its EIP-55 checksum"):
        parse_address(typo)


@pytest.mark.parametrize("text", ["0x2b5ad5c4795c026514f8317c7a215e218dccd6cf", "0x2B5AD5C4795C026514F8317C7A215E218DCCD6CF"])
def test_an_all_one_case_address_is_accepted_with_a_warning(text):
    from tradechain.errors import UncheckedAddressWarning

    with pytest.warns(UncheckedAddressWarning, match="no EIP-55 checksum"):
        assert parse_address(text) == "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"


def test_hashes_from_files_or_hex(tmp_path):
    from eth_utils import keccak

    doc = tmp_path / "bill.pdf"
    doc.write_bytes(b"bill of lading")
    assert parse_hash(str(doc)) == keccak(b"bill of lading")
    assert parse_hash("0x" + "ab" * 32) == b"\xab" * 32
    assert parse_hash(None) == b"\x00" * 32
    with pytest.raises(UsageError, match="neither"):
        parse_hash("no-such-file.pdf")
    with pytest.raises(UsageError, match="is a folder"):
        parse_hash(str(tmp_path))
    with pytest.raises(UsageError, match="a document hash is 0x followed by 64 hex digits"):
        parse_hash("0xabc")


def test_an_unreadable_document_is_named(tmp_path):
    import os

    doc = tmp_path / "secret.pdf"
    doc.write_bytes(b"x")
    doc.chmod(0)
    if os.access(doc, os.R_OK):  # root reads anything: make it unreadable another way
        doc.chmod(0o644)
        doc = tmp_path / ("n" * 300)  # a name longer than the file system allows
    with pytest.raises(UsageError, match="cannot read document|neither"):
        parse_hash(str(doc))


def test_shares_carry_their_unit_percent_or_bps():
    assert parse_bps("30%") == 3000 and parse_bps("2500bps") == 2500 and parse_bps("0%") == 0
    assert parse_bps("12.5 %") == 1250 and parse_bps("3000 BPS") == 3000
    for bad in ("101%", "-1%", "12.345%", "half", "10001bps", "nan%", "1e999999999%"):
        with pytest.raises(UsageError):
            parse_bps(bad)


@pytest.mark.parametrize("bare", ["30", "3000", "0", "12.5"])
def test_a_bare_number_as_a_share_is_refused_naming_both_forms(bare):
    """30 could mean 30 % or 0.3 % (basis points): paid out irreversibly either way, so it is refused."""
    with pytest.raises(UsageError, match="has no unit: write it with its unit: 30% or 3000bps"):
        parse_bps(bare)


def test_order_ids_are_positive_whole_numbers():
    assert parse_order_id("#7") == 7
    for bad in ("0", "-1", "x", "1.5", "١"):
        with pytest.raises(UsageError, match="order ids are whole numbers"):
            parse_order_id(bad)
    with pytest.raises(UsageError, match="larger than any order id"):
        parse_order_id(str(2**256))
