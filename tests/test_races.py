"""Same-block races: two conflicting transactions mined in one block, in both orders. The outcome is fixed by the
rules, never by luck: either the deadlines make the two mutually exclusive at any one timestamp (so order in
the block does not matter), or the first one in the block wins and the second reverts (WrongState).
See SECURITY.md, "Races"."""

from __future__ import annotations

import pytest

from tradechain.vocabulary import ZERO32

from helpers import calldata, deploy, place, reverts, same_block, ship_and_deliver

ETHER = 10**18


def _tx(client, sender, fn, *args):
    return (sender, client.escrow.address, calldata(client, "TradeEscrow", fn, *args))


def _delivered(client, accounts, buyer=None):
    oid = place(client, buyer or accounts["buyer"], accounts["seller"], ETHER,
                party_sender=accounts["keeper"] if buyer else None)
    ship_and_deliver(client, accounts, oid)
    return oid


@pytest.mark.parametrize("first", ["ship", "refund"])
@pytest.mark.parametrize("offset, winner", [(0, "ship"), (1, "refund")])
def test_ship_vs_timeout_refund_is_decided_by_the_clock(client, accounts, first, offset, winner):
    a = accounts
    oid = place(client, a["buyer"], a["seller"], ETHER)
    ship_by = client.escrow.get_order(oid).ship_by
    txs = {"ship": _tx(client, a["seller"], "ship", oid, a["carrier"], ZERO32, ZERO32),
           "refund": _tx(client, a["keeper"], "refund", oid)}
    order = [first, "refund" if first == "ship" else "ship"]
    statuses = same_block(client, ship_by + offset, [txs[k] for k in order])
    assert dict(zip(order, statuses)) == {winner: 1, ("refund" if winner == "ship" else "ship"): 0}
    assert client.escrow.get_order(oid).state == ("Shipped" if winner == "ship" else "Refunded")


@pytest.mark.parametrize("first", ["release", "dispute"])
@pytest.mark.parametrize("offset, winner", [(-1, "dispute"), (0, "release")])
def test_release_vs_dispute_is_decided_by_the_clock(client, accounts, first, offset, winner):
    a = accounts
    oid = _delivered(client, a)
    ends = client.escrow.get_order(oid).inspection_ends_at
    txs = {"release": _tx(client, a["keeper"], "release", oid),
           "dispute": _tx(client, a["buyer"], "dispute", oid, b"\x01" * 32)}
    order = [first, "dispute" if first == "release" else "release"]
    statuses = same_block(client, ends + offset, [txs[k] for k in order])
    assert dict(zip(order, statuses))[winner] == 1 and sum(statuses) == 1
    assert client.escrow.get_order(oid).state == ("Disputed" if winner == "dispute" else "Released")


@pytest.mark.parametrize("first", ["confirm", "dispute"])
def test_confirm_vs_dispute_first_in_block_wins(client, accounts, first):
    """Both are the buyer's, both allowed inside the window: the buyer is a contract driven by two keys, so
    the two calls really share one block; the first mined wins, the second finds the order no longer Shipped."""
    a = accounts
    deployed = deploy(client, "HostileParty", sender=a["admin"])
    label, buyer = deployed.name, deployed.address
    oid = _delivered(client, a, buyer=buyer)
    escrow = client.escrow.address
    calls = {"confirm": calldata(client, "TradeEscrow", "confirm", oid), "dispute": calldata(client, "TradeEscrow", "dispute", oid, ZERO32)}
    second = "dispute" if first == "confirm" else "confirm"
    party = client.tx.address(label)
    txs = [(sender, party, client.tx.encode(label, "exec", [escrow, calls[k]]))
           for sender, k in ((a["keeper"], first), (a["buyer2"], second))]
    assert same_block(client, client.chain.now() + 10, txs) == [1, 0]
    assert client.escrow.get_order(oid).state == ("Released" if first == "confirm" else "Disputed")
    with reverts("WrongState", orderId=oid):
        client.tx.call(label, "exec", [escrow, calls[second]])


@pytest.mark.parametrize("first", ["confirm", "release"])
def test_late_confirm_vs_keeper_release_pays_once(client, accounts, first):
    a = accounts
    oid = _delivered(client, a)
    ends = client.escrow.get_order(oid).inspection_ends_at
    txs = {"confirm": _tx(client, a["buyer"], "confirm", oid), "release": _tx(client, a["keeper"], "release", oid)}
    order = [first, "release" if first == "confirm" else "confirm"]
    seller_before = client.tokens.balance(a["seller"])
    assert same_block(client, ends + 1, [txs[k] for k in order]) == [1, 0]
    assert client.tokens.balance(a["seller"]) - seller_before == ETHER - ETHER * client.escrow.get_order(oid).fee_bps // 10_000


@pytest.mark.parametrize("first", ["resolve", "resolveByDefault"])
def test_late_arbiter_ruling_vs_default_first_in_block_wins(client, accounts, first):
    """After the ruling deadline the arbiter may still rule until someone applies the default."""
    a = accounts
    oid = _delivered(client, a)
    client.escrow.dispute(oid, sender=a["buyer"])
    deadline = client.escrow.get_order(oid).ruling_deadline
    txs = {"resolve": _tx(client, a["arbiter"], "resolve", oid, 10_000, ZERO32),
           "resolveByDefault": _tx(client, a["keeper"], "resolveByDefault", oid)}
    order = [first, "resolveByDefault" if first == "resolve" else "resolve"]
    buyer_before = client.tokens.balance(a["buyer"])
    assert same_block(client, deadline + 1, [txs[k] for k in order]) == [1, 0]
    refund = client.tokens.balance(a["buyer"]) - buyer_before
    assert refund == (ETHER if first == "resolve" else ETHER // 2)
