"""Attackers and odd counterparties: re-entrant parties and tokens, recipients that refuse payment, odd ERC-20s,
ETH forced into the escrow. Invariant in every case: no extra payout, other orders still settle, the blocked
party can withdraw its credit later, no order is short of funds (or the token is refused at order time)."""

from __future__ import annotations

import pytest

from attack_kit import (
    DAY, as_party, deploy, escrow_data, payouts, place, reverts_with, selector, ship_and_deliver,
)
from tradechain.client import ETH

ETHER = 10**18
REENTRANT = selector("ReentrancyGuardReentrantCall()")
MODE = {"Accept": 0, "Revert": 1, "BurnGas": 2, "HugeData": 3, "Reenter": 4}


@pytest.fixture
def hostile(client, accounts):
    """A fresh HostileParty, driven by the keeper account."""
    label, address = deploy(client, "HostileParty", sender=accounts["admin"])
    return label, address


def fee_of(client, amount):
    return amount * client.call("TradeEscrow", "feeBps") // 10_000


def escrow_eth(client):
    return client.balance(client.escrow.address)


# ------------------------------------------------------------------ re-entrancy


def test_reentrant_seller_cannot_release_a_second_order_from_its_payment_hook(client, accounts, hostile):
    label, seller = hostile
    a = accounts
    first = place(client, a["buyer"], seller, ETHER)
    second = place(client, a["buyer2"], seller, 2 * ETHER)
    for oid in (first, second):
        ship_and_deliver(client, a, oid, seller_sender=a["keeper"])
    client.chain.advance(3 * DAY)
    client.transact(label, "setHook", [client.escrow.address, escrow_data(client, "release", second)], sender=a["keeper"])

    r = client.release(first, sender=a["keeper"])

    assert client.call(label, "reentryAttempts") == 1  # the hook ran inside the 50k-gas push …
    assert client.call(label, "reentrySuccesses") == 0
    assert client.call(label, "lastReentryError") == REENTRANT  # … and the guard stopped it
    assert payouts(r)[-1]["credited"] is False and client.balance(seller) == ETHER - fee_of(client, ETHER)
    assert client.get_order(second).state == "Delivered"  # untouched; releases normally afterwards
    client.transact(label, "setMode", [MODE["Accept"]], sender=a["keeper"])
    client.release(second, sender=a["keeper"])
    assert client.balance(seller) == 3 * ETHER - fee_of(client, ETHER) - fee_of(client, 2 * ETHER)


def test_reentrant_buyer_refund_hook_cannot_withdraw_or_cancel_again(client, accounts, hostile):
    label, buyer = hostile
    a = accounts
    oid = place(client, buyer, a["seller"], ETHER, party_sender=a["keeper"])
    client.transact(label, "setHook", [client.escrow.address, escrow_data(client, "cancel", oid)], sender=a["keeper"])
    before = escrow_eth(client)
    r = client.cancel(oid, sender=a["seller"])
    assert client.call(label, "lastReentryError") == REENTRANT
    assert [(p["to"], p["amount"], p["credited"]) for p in payouts(r)] == [(buyer, ETHER, False)]
    assert client.balance(buyer) == ETHER and escrow_eth(client) == before - ETHER


def test_reentrant_invoice_holder_is_paid_once(client, accounts, hostile):
    label, holder = hostile
    a = accounts
    oid = place(client, a["buyer"], a["seller"], ETHER)
    ship_and_deliver(client, a, oid)
    # onERC721Received re-enters too: it tries to release the order it is receiving (window still open)
    client.transact(label, "setHook", [client.escrow.address, escrow_data(client, "release", oid)], sender=a["keeper"])
    client.transact("InvoiceToken", "safeTransferFrom", [a["seller"], holder, oid], sender=a["seller"])
    assert client.call(label, "reentryAttempts") == 1
    assert client.call(label, "lastReentryError") == selector("InspectionWindowOpen(uint256,uint256)")
    # at release, its payment hook tries to be paid again
    client.chain.advance(3 * DAY)
    r = client.release(oid, sender=a["keeper"])
    assert client.call(label, "reentryAttempts") == 2 and client.call(label, "reentrySuccesses") == 0
    assert client.call(label, "lastReentryError") == REENTRANT
    seller_side = [p for p in payouts(r) if p["to"] == holder]
    assert len(seller_side) == 1 and client.balance(holder) == ETHER - fee_of(client, ETHER)


def test_token_that_calls_back_in_transfer_gets_no_extra_payout(client, accounts):
    a = accounts
    label, token = deploy(client, "CallbackToken", sender=a["admin"])
    for who in ("buyer", "buyer2"):
        client.transact(label, "mint", [a[who], 1000], sender=a["admin"])
    first = place(client, a["buyer"], a["seller"], 1000, token)
    second = place(client, a["buyer2"], a["seller"], 1000, token)
    for oid in (first, second):
        ship_and_deliver(client, a, oid)
    client.chain.advance(3 * DAY)
    client.transact(label, "setHook", [client.escrow.address, escrow_data(client, "release", second)], sender=a["admin"])
    client.release(first, sender=a["keeper"])
    assert client.call(label, "reentrySuccesses") == 0
    assert client.call(label, "lastReentryError") == REENTRANT
    assert client.balance(a["seller"], token) == 1000 - fee_of(client, 1000)
    assert client.get_order(second).state == "Delivered"
    # a hook firing inside placeOrder's transferFrom is refused the same way
    client.transact(label, "mint", [a["buyer"], 500], sender=a["admin"])
    client.transact(label, "setHook", [client.escrow.address, escrow_data(client, "refund", second)], sender=a["admin"])
    place(client, a["buyer"], a["seller"], 500, token)
    assert client.call(label, "lastReentryError") == REENTRANT


# ------------------------------------------------------------------ recipients that refuse payment


@pytest.mark.parametrize("mode", ["Revert", "BurnGas", "HugeData"])
def test_a_refusing_seller_is_credited_and_other_orders_still_settle(client, accounts, hostile, mode):
    label, bad_seller = hostile
    a = accounts
    bad = place(client, a["buyer"], bad_seller, ETHER)
    good = place(client, a["buyer2"], a["seller"], ETHER)
    ship_and_deliver(client, a, bad, seller_sender=a["keeper"])
    ship_and_deliver(client, a, good)
    client.transact(label, "setMode", [MODE[mode]], sender=a["keeper"])
    client.chain.advance(3 * DAY)
    seller_before = client.balance(a["seller"])

    r = client.release_batch([bad, good], sender=a["keeper"])

    face = ETHER - fee_of(client, ETHER)
    assert r.gas_used < 400_000  # a gas burner costs the keeper at most the 50k push
    assert {(p["to"], p["credited"]) for p in payouts(r) if p["amount"] == face} == {
        (bad_seller, True), (a["seller"], False)}
    assert client.balance(a["seller"]) == seller_before + face
    assert client.credits(bad_seller) == face and client.balance(bad_seller) == 0
    if mode == "Revert":  # still refusing: the withdrawal fails as a whole, the credit stays
        with reverts_with("WithdrawFailed", account=bad_seller, amount=face):
            as_party(client, label, client.escrow.address, escrow_data(client, "withdraw", ETH), sender=a["keeper"])
        assert client.credits(bad_seller) == face
    client.transact(label, "setMode", [MODE["Accept"]], sender=a["keeper"])
    as_party(client, label, client.escrow.address, escrow_data(client, "withdraw", ETH), sender=a["keeper"])
    assert client.balance(bad_seller) == face and client.credits(bad_seller) == 0


# ------------------------------------------------------------------ odd ERC-20s


def _mint(client, label, to, amount, admin):
    client.transact(label, "mint", [to, amount], sender=admin)


def test_token_returning_false_is_refused_at_order_time_and_credited_on_payout(client, accounts):
    a = accounts
    label, token = deploy(client, "ReturnsFalseToken", sender=a["admin"])
    _mint(client, label, a["buyer"], 10_000, a["admin"])
    client.transact(label, "setFail", [True], sender=a["admin"])
    with reverts_with("SafeERC20FailedOperation", token=token):
        place(client, a["buyer"], a["seller"], 1000, token)
    client.transact(label, "setFail", [False], sender=a["admin"])
    oid = place(client, a["buyer"], a["seller"], 1000, token)
    client.transact(label, "setFail", [True], sender=a["admin"])
    r = client.cancel(oid, sender=a["seller"])
    assert payouts(r)[0]["credited"] is True and client.credits(a["buyer"], token) == 1000
    with reverts_with("SafeERC20FailedOperation", token=token):
        client.withdraw(token, sender=a["buyer"])
    client.transact(label, "setFail", [False], sender=a["admin"])
    client.withdraw(token, sender=a["buyer"])
    assert client.balance(a["buyer"], token) == 10_000 and client.balance(client.escrow.address, token) == 0


def test_usdt_style_token_without_return_values_works_end_to_end(client, accounts):
    a = accounts
    label, token = deploy(client, "NoReturnToken", sender=a["admin"])
    _mint(client, label, a["buyer"], 10_000, a["admin"])
    client.transact(label, "approve", [client.escrow.address, 10_000], sender=a["buyer"])
    oid = place(client, a["buyer"], a["seller"], 10_000, token)
    ship_and_deliver(client, a, oid)
    client.confirm(oid, sender=a["buyer"])
    fee = fee_of(client, 10_000)
    assert client.balance(a["seller"], token) == 10_000 - fee
    client.withdraw(token, sender=a["treasury"])
    assert client.balance(a["treasury"], token) == fee and client.balance(client.escrow.address, token) == 0


def test_token_that_reverts_is_refused_at_order_time_and_credited_on_payout(client, accounts):
    a = accounts
    label, token = deploy(client, "RevertingToken", sender=a["admin"])
    _mint(client, label, a["buyer"], 5000, a["admin"])
    oid = place(client, a["buyer"], a["seller"], 2000, token)
    client.transact(label, "setBlocked", [True], sender=a["admin"])
    with reverts_with("Error", reason="REV: transfers blocked"):
        place(client, a["buyer"], a["seller"], 1000, token)
    other = place(client, a["buyer2"], a["seller"], ETHER)  # an ETH order settles meanwhile
    r = client.cancel(oid, sender=a["seller"])
    assert payouts(r)[0]["credited"] is True
    client.cancel(other, sender=a["seller"])
    client.transact(label, "setBlocked", [False], sender=a["admin"])
    client.withdraw(token, sender=a["buyer"])
    assert client.balance(a["buyer"], token) == 5000


def test_fee_on_transfer_token_is_refused_at_order_time(client, accounts):
    a = accounts
    label, token = deploy(client, "FeeOnTransferToken", sender=a["admin"])
    _mint(client, label, a["buyer"], 10_000, a["admin"])
    count = client.order_count()
    with reverts_with("TokenAmountShortfall", token=token, expected=10_000, received=9_900):
        place(client, a["buyer"], a["seller"], 10_000, token)
    assert client.order_count() == count and client.balance(client.escrow.address, token) == 0


def test_rebasing_token_known_limit_negative_rebase_leaves_a_credit_unfunded(client, accounts):
    """Documented limit (SECURITY.md): the escrow records amounts in token units at order time. A negative
    rebase afterwards makes the escrow short; the payout that no longer fits is credited instead of pushed, the
    order still ends, and that credit cannot be withdrawn until the token's balance covers it again."""
    a = accounts
    label, token = deploy(client, "RebasingToken", sender=a["admin"])
    _mint(client, label, a["buyer"], 1000 * ETHER, a["admin"])
    oid = place(client, a["buyer"], a["seller"], 100 * ETHER, token)
    assert client.balance(client.escrow.address, token) == 100 * ETHER  # exact at order time: accepted
    client.transact(label, "rebase", [9 * 10**17], sender=a["admin"])  # -10 %
    r = client.cancel(oid, sender=a["seller"])
    assert client.get_order(oid).state == "Cancelled" and payouts(r)[0]["credited"] is True
    with reverts_with("Error", reason="RBT: balance"):
        client.withdraw(token, sender=a["buyer"])
    client.transact(label, "rebase", [10**18], sender=a["admin"])  # back up: the credit is payable again
    client.withdraw(token, sender=a["buyer"])
    assert client.balance(a["buyer"], token) == 1000 * ETHER


# ------------------------------------------------------------------ forced ETH


@pytest.mark.filterwarnings("ignore:SELFDESTRUCT opcode:DeprecationWarning")
def test_eth_forced_in_by_selfdestruct_breaks_nothing(client, accounts):
    a = accounts
    oid = place(client, a["buyer"], a["seller"], ETHER)
    deploy(client, "ForceSend", client.escrow.address, sender=a["admin"], value=7)
    assert escrow_eth(client) == ETHER + 7
    ship_and_deliver(client, a, oid)
    client.confirm(oid, sender=a["buyer"])
    second = place(client, a["buyer2"], a["seller"], ETHER)
    client.cancel(second, sender=a["seller"])
    client.withdraw(ETH, sender=a["treasury"])
    assert escrow_eth(client) == 7  # only the forced wei remain: nothing owed, nothing stuck
    # tokens pushed straight at the escrow do not disturb balance-change accounting either
    client.transact("DemoStablecoin", "transfer", [client.escrow.address, 5], sender=a["buyer"])
    tusd = client.stablecoin.address
    oid = place(client, a["buyer"], a["seller"], 1000, tusd)
    client.cancel(oid, sender=a["seller"])
    assert client.balance(client.escrow.address, tusd) == 5
