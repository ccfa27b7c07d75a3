"""Revert reasons arrive in different shapes per backend; each must decode to the contract's own words."""

from eth_abi import encode
from eth_tester.exceptions import TransactionFailed

from tradechain.errors import ErrorDecoder, revert_data


def test_eth_tester_string_reason_is_recovered_as_error_string():
    # eth-tester decodes require(…, "reason") itself and reports only the text
    data = revert_data(TransactionFailed("execution reverted: REV: transfers blocked"))
    assert data == bytes.fromhex("08c379a0") + encode(["string"], ["REV: transfers blocked"])
    err = ErrorDecoder([]).decode(data)
    assert err.name == "Error" and str(err) == "reverted: REV: transfers blocked"


def test_eth_tester_raw_custom_error_bytes_are_kept():
    assert revert_data(TransactionFailed("execution reverted: b'\\x12\\x34\\x56\\x78'")) == bytes.fromhex("12345678")
