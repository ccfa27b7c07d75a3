"""Attackers and odd counterparties: re-entrant parties and tokens, recipients that refuse payment, odd ERC-20s,
ETH forced into the escrow. Invariant in every case: no extra payout, other orders still settle, the blocked
party can withdraw its credit later, no order is short of funds (or the token is refused at order time)."""

from __future__ import annotations

import pytest

from tradechain.vocabulary import ETH

from helpers import DAY, as_party, calldata, deploy, payouts, place, reverts, selector, ship_and_deliver

ETHER = 10**18
REENTRANT = selector("ReentrancyGuardReentrantCall()")
MODE = {"Accept": 0, "Revert": 1, "BurnGas": 2, "HugeData": 3, "Reenter": 4}


@pytest.fixture
def hostile(client, accounts):
    """A fresh HostileParty, driven by the keeper account."""
    deployed = deploy(client, "HostileParty", sender=accounts["admin"])
    label, address = deployed.name, deployed.address
    return label, address


def fee_of(client, amount):
    return amount * client.tx.call("TradeEscrow", "feeBps") // 10_000


def escrow_eth(client):
    return client.tokens.balance(client.escrow.address)


# ------------------------------------------------------------------ re-entrancy


def test_reentrant_seller_cannot_release_a_second_order_from_its_payment_hook(client, accounts, hostile):
    label, seller = hostile
    a = accounts
    first = place(client, a["buyer"], seller, ETHER)
    second = place(client, a["buyer2"], seller, 2 * ETHER)
    for oid in (first, second):
        ship_and_deliver(client, a, oid, seller_sender=a["keeper"])
    client.chain.advance(3 * DAY)
    client.tx.send(label, "setHook", [client.escrow.address, calldata(client, "TradeEscrow", "release", second)], sender=a["keeper"])

    r = client.escrow.release(first, sender=a["keeper"])

    assert client.tx.call(label, "reentryAttempts") == 1  # the hook ran inside the 50k-gas push …
    assert client.tx.call(label, "reentrySuccesses") == 0
    assert client.tx.call(label, "lastReentryError") == REENTRANT  # … and the guard stopped it
    assert payouts(r)[-1]["credited"] is False and client.tokens.balance(seller) == ETHER - fee_of(client, ETHER)
    assert client.escrow.get_order(second).state == "Delivered"  # untouched; releases normally afterwards
    client.tx.send(label, "setMode", [MODE["Accept"]], sender=a["keeper"])
    client.escrow.release(second, sender=a["keeper"])
    assert client.tokens.balance(seller) == 3 * ETHER - fee_of(client, ETHER) - fee_of(client, 2 * ETHER)


def test_reentrant_buyer_refund_hook_cannot_withdraw_or_cancel_again(client, accounts, hostile):
    label, buyer = hostile
    a = accounts
    oid = place(client, buyer, a["seller"], ETHER, party_sender=a["keeper"])
    client.tx.send(label, "setHook", [client.escrow.address, calldata(client, "TradeEscrow", "cancel", oid)], sender=a["keeper"])
    before = escrow_eth(client)
    r = client.escrow.cancel(oid, sender=a["seller"])
    assert client.tx.call(label, "lastReentryError") == REENTRANT
    assert [(p["to"], p["amount"], p["credited"]) for p in payouts(r)] == [(buyer, ETHER, False)]
    assert client.tokens.balance(buyer) == ETHER and escrow_eth(client) == before - ETHER


def test_reentrant_invoice_holder_is_paid_once(client, accounts, hostile):
    label, holder = hostile
    a = accounts
    oid = place(client, a["buyer"], a["seller"], ETHER)
    ship_and_deliver(client, a, oid)
    # onERC721Received re-enters too: it tries to release the order it is receiving (window still open)
    client.tx.send(label, "setHook", [client.escrow.address, calldata(client, "TradeEscrow", "release", oid)], sender=a["keeper"])
    client.tx.send("InvoiceToken", "safeTransferFrom", [a["seller"], holder, oid], sender=a["seller"])
    assert client.tx.call(label, "reentryAttempts") == 1
    assert client.tx.call(label, "lastReentryError") == selector("InspectionWindowOpen(uint256,uint256)")
    # at release, its payment hook tries to be paid again
    client.chain.advance(3 * DAY)
    r = client.escrow.release(oid, sender=a["keeper"])
    assert client.tx.call(label, "reentryAttempts") == 2 and client.tx.call(label, "reentrySuccesses") == 0
    assert client.tx.call(label, "lastReentryError") == REENTRANT
    seller_side = [p for p in payouts(r) if p["to"] == holder]
    assert len(seller_side) == 1 and client.tokens.balance(holder) == ETHER - fee_of(client, ETHER)


def test_token_that_calls_back_in_transfer_gets_no_extra_payout(client, accounts):
    a = accounts
    deployed = deploy(client, "CallbackToken", sender=a["admin"])
    label, token = deployed.name, deployed.address
    for who in ("buyer", "buyer2"):
        client.tx.send(label, "mint", [a[who], 1000], sender=a["admin"])
    first = place(client, a["buyer"], a["seller"], 1000, token)
    second = place(client, a["buyer2"], a["seller"], 1000, token)
    for oid in (first, second):
        ship_and_deliver(client, a, oid)
    client.chain.advance(3 * DAY)
    client.tx.send(label, "setHook", [client.escrow.address, calldata(client, "TradeEscrow", "release", second)], sender=a["admin"])
    client.escrow.release(first, sender=a["keeper"])
    assert client.tx.call(label, "reentrySuccesses") == 0
    assert client.tx.call(label, "lastReentryError") == REENTRANT
    assert client.tokens.balance(a["seller"], token) == 1000 - fee_of(client, 1000)
    assert client.escrow.get_order(second).state == "Delivered"
    # a hook firing inside placeOrder's transferFrom is refused the same way
    client.tx.send(label, "mint", [a["buyer"], 500], sender=a["admin"])
    client.tx.send(label, "setHook", [client.escrow.address, calldata(client, "TradeEscrow", "refund", second)], sender=a["admin"])
    place(client, a["buyer"], a["seller"], 500, token)
    assert client.tx.call(label, "lastReentryError") == REENTRANT


# ------------------------------------------------------------------ recipients that refuse payment


@pytest.mark.parametrize("mode", ["Revert", "BurnGas", "HugeData"])
def test_a_refusing_seller_is_credited_and_other_orders_still_settle(client, accounts, hostile, mode):
    label, bad_seller = hostile
    a = accounts
    bad = place(client, a["buyer"], bad_seller, ETHER)
    good = place(client, a["buyer2"], a["seller"], ETHER)
    ship_and_deliver(client, a, bad, seller_sender=a["keeper"])
    ship_and_deliver(client, a, good)
    client.tx.send(label, "setMode", [MODE[mode]], sender=a["keeper"])
    client.chain.advance(3 * DAY)
    seller_before = client.tokens.balance(a["seller"])

    r = client.escrow.release_batch([bad, good], sender=a["keeper"])

    face = ETHER - fee_of(client, ETHER)
    assert r.gas_used < 400_000  # a gas burner costs the keeper at most the 50k push
    assert {(p["to"], p["credited"]) for p in payouts(r) if p["amount"] == face} == {
        (bad_seller, True), (a["seller"], False)}
    assert client.tokens.balance(a["seller"]) == seller_before + face
    assert client.escrow.credits(bad_seller) == face and client.tokens.balance(bad_seller) == 0
    if mode == "Revert":  # still refusing: the withdrawal fails as a whole, the credit stays
        with reverts("WithdrawFailed", account=bad_seller, amount=face):
            as_party(client, label, client.escrow.address, calldata(client, "TradeEscrow", "withdraw", ETH), sender=a["keeper"])
        assert client.escrow.credits(bad_seller) == face
    client.tx.send(label, "setMode", [MODE["Accept"]], sender=a["keeper"])
    as_party(client, label, client.escrow.address, calldata(client, "TradeEscrow", "withdraw", ETH), sender=a["keeper"])
    assert client.tokens.balance(bad_seller) == face and client.escrow.credits(bad_seller) == 0


# ------------------------------------------------------------------ odd ERC-20s


def _mint(client, label, to, amount, admin):
    client.tx.send(label, "mint", [to, amount], sender=admin)


def test_token_returning_false_is_refused_at_order_time_and_credited_on_payout(client, accounts):
    a = accounts
    deployed = deploy(client, "ReturnsFalseToken", sender=a["admin"])
    label, token = deployed.name, deployed.address
    _mint(client, label, a["buyer"], 10_000, a["admin"])
    client.tx.send(label, "setFail", [True], sender=a["admin"])
    with reverts("SafeERC20FailedOperation", token=token):
        place(client, a["buyer"], a["seller"], 1000, token)
    client.tx.send(label, "setFail", [False], sender=a["admin"])
    oid = place(client, a["buyer"], a["seller"], 1000, token)
    client.tx.send(label, "setFail", [True], sender=a["admin"])
    r = client.escrow.cancel(oid, sender=a["seller"])
    assert payouts(r)[0]["credited"] is True and client.escrow.credits(a["buyer"], token) == 1000
    with reverts("SafeERC20FailedOperation", token=token):
        client.escrow.withdraw(token, sender=a["buyer"])
    client.tx.send(label, "setFail", [False], sender=a["admin"])
    client.escrow.withdraw(token, sender=a["buyer"])
    assert client.tokens.balance(a["buyer"], token) == 10_000 and client.tokens.balance(client.escrow.address, token) == 0


def test_usdt_style_token_without_return_values_works_end_to_end(client, accounts):
    a = accounts
    deployed = deploy(client, "NoReturnToken", sender=a["admin"])
    label, token = deployed.name, deployed.address
    _mint(client, label, a["buyer"], 10_000, a["admin"])
    client.tx.send(label, "approve", [client.escrow.address, 10_000], sender=a["buyer"])
    oid = place(client, a["buyer"], a["seller"], 10_000, token)
    ship_and_deliver(client, a, oid)
    client.escrow.confirm(oid, sender=a["buyer"])
    fee = fee_of(client, 10_000)
    assert client.tokens.balance(a["seller"], token) == 10_000 - fee
    client.escrow.withdraw(token, sender=a["treasury"])
    assert client.tokens.balance(a["treasury"], token) == fee and client.tokens.balance(client.escrow.address, token) == 0


def test_token_that_reverts_is_refused_at_order_time_and_credited_on_payout(client, accounts):
    a = accounts
    deployed = deploy(client, "RevertingToken", sender=a["admin"])
    label, token = deployed.name, deployed.address
    _mint(client, label, a["buyer"], 5000, a["admin"])
    oid = place(client, a["buyer"], a["seller"], 2000, token)
    client.tx.send(label, "setBlocked", [True], sender=a["admin"])
    with reverts("Error", reason="REV: transfers blocked"):
        place(client, a["buyer"], a["seller"], 1000, token)
    other = place(client, a["buyer2"], a["seller"], ETHER)  # an ETH order settles meanwhile
    r = client.escrow.cancel(oid, sender=a["seller"])
    assert payouts(r)[0]["credited"] is True
    client.escrow.cancel(other, sender=a["seller"])
    client.tx.send(label, "setBlocked", [False], sender=a["admin"])
    client.escrow.withdraw(token, sender=a["buyer"])
    assert client.tokens.balance(a["buyer"], token) == 5000


def test_fee_on_transfer_token_is_refused_at_order_time(client, accounts):
    a = accounts
    deployed = deploy(client, "FeeOnTransferToken", sender=a["admin"])
    label, token = deployed.name, deployed.address
    _mint(client, label, a["buyer"], 10_000, a["admin"])
    count = client.escrow.order_count()
    with reverts("TokenAmountShortfall", token=token, expected=10_000, received=9_900):
        place(client, a["buyer"], a["seller"], 10_000, token)
    assert client.escrow.order_count() == count and client.tokens.balance(client.escrow.address, token) == 0


def test_rebasing_token_known_limit_negative_rebase_leaves_a_credit_unfunded(client, accounts):
    """Documented limit (SECURITY.md): the escrow records amounts in token units at order time. A negative
    rebase afterwards makes the escrow short; the payout that no longer fits is credited instead of pushed, the
    order still ends, and that credit cannot be withdrawn until the token's balance covers it again."""
    a = accounts
    deployed = deploy(client, "RebasingToken", sender=a["admin"])
    label, token = deployed.name, deployed.address
    _mint(client, label, a["buyer"], 1000 * ETHER, a["admin"])
    oid = place(client, a["buyer"], a["seller"], 100 * ETHER, token)
    assert client.tokens.balance(client.escrow.address, token) == 100 * ETHER  # exact at order time: accepted
    client.tx.send(label, "rebase", [9 * 10**17], sender=a["admin"])  # -10 %
    r = client.escrow.cancel(oid, sender=a["seller"])
    assert client.escrow.get_order(oid).state == "Cancelled" and payouts(r)[0]["credited"] is True
    with reverts("Error", reason="RBT: balance"):
        client.escrow.withdraw(token, sender=a["buyer"])
    client.tx.send(label, "rebase", [10**18], sender=a["admin"])  # back up: the credit is payable again
    client.escrow.withdraw(token, sender=a["buyer"])
    assert client.tokens.balance(a["buyer"], token) == 1000 * ETHER


# ------------------------------------------------------------------ forced ETH


@pytest.mark.filterwarnings("ignore:SELFDESTRUCT opcode:DeprecationWarning")
def test_eth_forced_in_by_selfdestruct_breaks_nothing(client, accounts):
    a = accounts
    oid = place(client, a["buyer"], a["seller"], ETHER)
    deploy(client, "ForceSend", client.escrow.address, sender=a["admin"], value=7)
    assert escrow_eth(client) == ETHER + 7
    ship_and_deliver(client, a, oid)
    client.escrow.confirm(oid, sender=a["buyer"])
    second = place(client, a["buyer2"], a["seller"], ETHER)
    client.escrow.cancel(second, sender=a["seller"])
    client.escrow.withdraw(ETH, sender=a["treasury"])
    assert escrow_eth(client) == 7  # only the forced wei remain: nothing owed, nothing stuck
    # tokens pushed straight at the escrow do not disturb balance-change accounting either
    client.tx.send("DemoStablecoin", "transfer", [client.escrow.address, 5], sender=a["buyer"])
    tusd = client.tokens.stablecoin
    oid = place(client, a["buyer"], a["seller"], 1000, tusd)
    client.escrow.cancel(oid, sender=a["seller"])
    assert client.tokens.balance(client.escrow.address, tusd) == 5
