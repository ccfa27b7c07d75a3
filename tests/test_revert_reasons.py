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


def test_a_time_based_revert_with_explicit_gas_is_reported_with_its_reason(client, accounts):
    """The client sends with explicit gas (no estimate), so a revert is only status 0 and the reason is replayed.
    The replay must run at the block the transaction was mined in: at the parent block the inspection window
    was still open and the call succeeded, which used to be reported as 'reverted with no reason'."""
    import pytest

    from tradechain.errors import ContractRevert

    a = accounts
    now = client.chain.now()
    oid, _ = client.escrow.place_order(buyer=a["buyer"], seller=a["seller"], amount=10**18, ship_by=now + 3600,
                                deliver_by=now + 3 * 86400, inspection_window=86400)
    client.escrow.ship(oid, a["carrier"], sender=a["seller"])
    client.provenance.deliver(oid, sender=a["carrier"])
    ends = client.escrow.get_order(oid).inspection_ends_at
    client.chain.tester.time_travel(ends)  # the next block is the first one with the window closed
    with pytest.raises(ContractRevert) as info:
        client.escrow.dispute(oid, sender=a["buyer"])
    assert info.value.name == "InspectionWindowClosed" and "closed at" in str(info.value)
