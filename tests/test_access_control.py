"""Access-control matrix: every restricted function × every named account that may not call it, expecting the exact
custom error (by eth_call: the checks are the same as in a transaction, and nothing is mined). Then: revocation
takes effect at once, and an arbiter can never rule on an order it is a party to."""

from __future__ import annotations

import pytest

from tradechain.deployment import ACCOUNT_NAMES
from tradechain.vocabulary import ETH, KINDS, ZERO32, role_id

from helpers import place, reverts, ship_and_deliver

ETHER = 10**18
DAY = 86_400


@pytest.fixture(scope="module")
def orders(chain, client, accounts):
    """One order per state the checks need, made once for the module and rolled back after it."""
    snap = chain.snapshot()
    a = accounts
    funded = place(client, a["buyer"], a["seller"], ETHER)
    shipped = place(client, a["buyer"], a["seller"], ETHER)
    client.escrow.ship(shipped, a["carrier"], sender=a["seller"])
    disputed = place(client, a["buyer"], a["seller"], ETHER)
    ship_and_deliver(client, a, disputed)
    client.escrow.dispute(disputed, sender=a["buyer"])
    yield {"funded": funded, "shipped": shipped, "disputed": disputed}
    chain.revert(snap)


def _rows(o, a):
    """(contract, function, args, who may call it, error for everyone else, error arguments)."""
    admin_only = {"neededRole": "ADMIN"}
    return [
        ("TradeEscrow", "setFee", [50], {"admin"}, "AccessControlUnauthorizedAccount", admin_only),
        ("TradeEscrow", "setTreasury", [a["keeper"]], {"admin"}, "AccessControlUnauthorizedAccount", admin_only),
        ("TradeEscrow", "setDisputePeriod", [7 * DAY], {"admin"}, "AccessControlUnauthorizedAccount", admin_only),
        ("TradeEscrow", "pause", [], {"admin"}, "AccessControlUnauthorizedAccount", admin_only),
        ("TradeEscrow", "grantRole", ["ARBITER", a["keeper"]], {"admin"}, "AccessControlUnauthorizedAccount", admin_only),
        ("TradeEscrow", "revokeRole", ["ARBITER", a["arbiter"]], {"admin"}, "AccessControlUnauthorizedAccount", admin_only),
        ("TradeEscrow", "resolve", [o["disputed"], 5000, ZERO32], {"arbiter"}, "AccessControlUnauthorizedAccount",
         {"neededRole": "ARBITER"}),
        ("TradeEscrow", "confirm", [o["shipped"]], {"buyer"}, "NotBuyer", {"orderId": o["shipped"]}),
        ("TradeEscrow", "dispute", [o["shipped"], ZERO32], {"buyer"}, "NotBuyer", {"orderId": o["shipped"]}),
        ("TradeEscrow", "ship", [o["funded"], a["carrier"], ZERO32, ZERO32], {"seller"}, "NotSeller", {"orderId": o["funded"]}),
        ("TradeEscrow", "cancel", [o["funded"]], {"seller"}, "NotSeller", {"orderId": o["funded"]}),
        ("TradeEscrow", "proposeSettlement", [o["disputed"], 5000], {"buyer", "seller"}, "NotParty",
         {"orderId": o["disputed"]}),
        ("TradeEscrow", "acceptSettlement", [o["disputed"], 5000], {"buyer", "seller"}, "NotParty",
         {"orderId": o["disputed"]}),
        ("Provenance", "openShipment", [10**6, a["carrier"], ZERO32, ZERO32], set(),
         "AccessControlUnauthorizedAccount", {"neededRole": "ESCROW"}),
        ("Provenance", "nominateCarrier", [o["shipped"], a["keeper"]], set(), "AccessControlUnauthorizedAccount",
         {"neededRole": "ESCROW"}),
        ("Provenance", "replaceCarrier", [o["shipped"], a["keeper"]], {"admin"}, "AccessControlUnauthorizedAccount",
         admin_only),
        ("TradeEscrow", "nominateCarrier", [o["shipped"], a["keeper"]], {"seller"}, "NotSeller",
         {"orderId": o["shipped"]}),
        ("TradeEscrow", "extendDeliverBy", [o["shipped"], 2**31, ZERO32], {"arbiter"},
         "AccessControlUnauthorizedAccount", {"neededRole": "ARBITER"}),
        ("Provenance", "grantRole", ["CARRIER", a["keeper"]], {"admin"}, "AccessControlUnauthorizedAccount", admin_only),
        ("Provenance", "record", [o["shipped"], KINDS.index("Departed"), b"CNSHA\0\0\0", ZERO32], {"carrier"},
         "NotShipmentCarrier", {"shipmentId": o["shipped"]}),
        ("Provenance", "record", [o["shipped"], KINDS.index("Delivered"), b"DEHAM\0\0\0", ZERO32], {"carrier"},
         "NotShipmentCarrier", {"shipmentId": o["shipped"]}),
        ("Provenance", "record", [o["shipped"], KINDS.index("ExportCleared"), b"CNSHA\0\0\0", ZERO32], {"customs"},
         "NotCustoms", {}),
        ("InvoiceToken", "bindEscrow", [a["keeper"]], {"admin"}, "AccessControlUnauthorizedAccount", admin_only),
        ("InvoiceToken", "mint", [a["keeper"], 10**6], set(), "NotEscrow", {}),
        ("InvoiceToken", "transferFrom", [a["seller"], a["keeper"], o["shipped"]], {"seller"},
         "ERC721InsufficientApproval", {"tokenId": o["shipped"]}),
        ("DemoStablecoin", "mint", [a["keeper"], 1], {"admin"}, "OwnableUnauthorizedAccount", {}),
    ]


def _resolve_args(client, args):
    return [role_id(x) if x in ("ARBITER", "CARRIER") else x for x in args]


def test_every_restricted_function_refuses_every_wrong_account(client, accounts, orders):
    checked = 0
    for contract, fn, args, allowed, error, error_args in _rows(orders, accounts):
        args = _resolve_args(client, args)
        for name in ACCOUNT_NAMES:
            if name in allowed:
                continue
            sender = accounts[name]
            with reverts(error, **error_args) as info:
                client.tx.call(contract, fn, args, sender=sender)
            who = info.value.args_.get("account") or info.value.args_.get("caller") or info.value.args_.get("operator")
            if who is not None:
                assert who.lower() == sender.lower(), f"{contract}.{fn}: error names {who}, not the caller {name}"
            checked += 1
    assert checked > 150


def test_the_allowed_account_passes_the_access_check(client, accounts, orders):
    """The other half of the matrix: for the allowed role the same call gets past the access check (it may still
    fail later on a state rule, never on access)."""
    access_errors = {"AccessControlUnauthorizedAccount", "NotBuyer", "NotSeller", "NotParty", "NotShipmentCarrier",
                     "NotCustoms", "NotEscrow", "ERC721InsufficientApproval", "OwnableUnauthorizedAccount"}
    from tradechain.errors import ContractRevert

    for contract, fn, args, allowed, _error, _ in _rows(orders, accounts):
        for name in allowed:
            try:
                client.tx.call(contract, fn, _resolve_args(client, args), sender=accounts[name])
            except ContractRevert as exc:
                assert exc.name not in access_errors, f"{contract}.{fn} refused {name}: {exc}"


def test_revoking_a_role_takes_effect_at_once(client, accounts):
    a = accounts
    oid = place(client, a["buyer"], a["seller"], ETHER)
    client.escrow.ship(oid, a["carrier"], sender=a["seller"])
    client.revoke_role("Provenance", "CARRIER", a["carrier"], sender=a["admin"])
    with reverts("NotCarrier", account=a["carrier"]):
        client.provenance.deliver(oid, sender=a["carrier"])
    client.revoke_role("Provenance", "CUSTOMS", a["customs"], sender=a["admin"])
    with reverts("NotCustoms", account=a["customs"]):
        client.provenance.checkpoint(oid, "ImportCleared", sender=a["customs"])
    second = place(client, a["buyer"], a["seller"], ETHER)
    with reverts("NotCarrier", account=a["carrier"]):  # a carrier without the role cannot be named either
        client.escrow.ship(second, a["carrier"], sender=a["seller"])
    client.revoke_role("Provenance", "ESCROW", client.escrow.address, sender=a["admin"])
    client.grant_role("Provenance", "CARRIER", a["carrier"], sender=a["admin"])
    with reverts("AccessControlUnauthorizedAccount", neededRole="ESCROW"):
        client.escrow.ship(second, a["carrier"], sender=a["seller"])
    client.grant_role("Provenance", "ESCROW", client.escrow.address, sender=a["admin"])
    client.provenance.deliver(oid, sender=a["carrier"])
    client.escrow.dispute(oid, sender=a["buyer"])
    client.revoke_role("TradeEscrow", "ARBITER", a["arbiter"], sender=a["admin"])
    with reverts("AccessControlUnauthorizedAccount", neededRole="ARBITER"):
        client.escrow.resolve(oid, 5000, sender=a["arbiter"])


@pytest.mark.parametrize("party", ["buyer", "seller"])
def test_an_arbiter_cannot_rule_on_its_own_order(client, accounts, party):
    a = accounts
    oid = place(client, a["buyer"], a["seller"], ETHER)
    ship_and_deliver(client, a, oid)
    client.escrow.dispute(oid, sender=a["buyer"])
    client.grant_role("TradeEscrow", "ARBITER", a[party], sender=a["admin"])
    with reverts("ArbiterIsParty", orderId=oid, arbiter=a[party]):
        client.escrow.resolve(oid, 0 if party == "seller" else 10_000, sender=a[party])
    client.escrow.resolve(oid, 5000, sender=a["arbiter"])  # a neutral arbiter still can
    assert client.escrow.get_order(oid).state == "Resolved"
    assert client.escrow.credits(a["treasury"], ETH) > 0
