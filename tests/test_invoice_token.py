"""InvoiceToken: one ERC-721 per shipped order (token id = order id), paid at settlement to whoever holds it,
locked once the order is settled."""

from __future__ import annotations

import base64
import json

import pytest

from tradechain.vocabulary import ETH

from helpers import BPS, DAY, ETHER, Balances, reverts, split

pytestmark = pytest.mark.usefixtures("conservation_check")

FEE_BPS = 100
DATA_URI = "data:application/json;base64,"


def transfer(client, order_id: int, to: str, *, sender: str):
    return client.tx.send("InvoiceToken", "transferFrom", [sender, to, order_id], sender=sender)


def metadata(client, order_id: int) -> dict:
    uri = client.tx.call("InvoiceToken", "tokenURI", [order_id])
    assert uri.startswith(DATA_URI)
    return json.loads(base64.b64decode(uri.removeprefix(DATA_URI)))


def traits(client, order_id: int) -> dict:
    return {a["trait_type"]: a["value"] for a in metadata(client, order_id)["attributes"]}


# ============================================================================ minting


def test_the_invoice_is_minted_to_the_seller_when_the_order_ships(client, trade, seller):
    order_id = trade.place()
    assert client.invoices.owner(order_id) is None
    with reverts("ERC721NonexistentToken", tokenId=order_id):
        client.tx.call("InvoiceToken", "ownerOf", [order_id])

    receipt = trade.ship(order_id)

    minted = [e["args"] for e in receipt.events if e["contract"] == "InvoiceToken" and e["event"] == "Transfer"]
    assert minted == [{"from": ETH, "to": seller, "tokenId": order_id}]
    assert client.tx.call("InvoiceToken", "ownerOf", [order_id]) == seller == client.invoices.owner(order_id)
    assert client.tx.call("InvoiceToken", "balanceOf", [seller]) == 1


def test_only_the_escrow_mints(client, accounts, seller):
    with reverts("NotEscrow", caller=seller):
        client.tx.send("InvoiceToken", "mint", [seller, 42], sender=seller)


def test_the_escrow_is_bound_once_by_the_admin(client, accounts):
    assert client.tx.call("InvoiceToken", "escrow") == client.escrow.address
    with reverts("AccessControlUnauthorizedAccount", account=accounts["seller"], neededRole="ADMIN"):
        client.tx.send("InvoiceToken", "bindEscrow", [accounts["seller"]], sender=accounts["seller"])
    with reverts("EscrowAlreadyBound", escrow=client.escrow.address):
        client.tx.send("InvoiceToken", "bindEscrow", [accounts["admin"]], sender=accounts["admin"])


@pytest.mark.parametrize(("interface", "supported"), [
    ("0x01ffc9a7", True),  # ERC-165
    ("0x80ac58cd", True),  # ERC-721
    ("0x5b5e139f", True),  # ERC-721 Metadata
    ("0x7965db0b", True),  # AccessControl
    ("0x780e9d63", False),  # ERC-721 Enumerable
    ("0xffffffff", False),  # never, by ERC-165
])
def test_supports_interface(client, interface, supported):
    assert client.tx.call("InvoiceToken", "supportsInterface", [bytes.fromhex(interface[2:])]) is supported


def test_name_and_symbol(client):
    assert client.tx.call("InvoiceToken", "name") == "tradechain Invoice"
    assert client.tx.call("InvoiceToken", "symbol") == "TCINV"


# ============================================================================ metadata


@pytest.mark.parametrize("token", ["ETH", "tUSD"])
def test_token_uri_is_a_base64_json_data_uri_with_the_invoice(client, trade, token):
    order_id = trade.shipped(token)
    order = client.escrow.get_order(order_id)
    meta = metadata(client, order_id)

    assert meta["name"] == f"tradechain invoice #{order_id}"
    assert str(order_id) in meta["description"]
    assert traits(client, order_id) == {
        "order": order_id,
        "payment token": order.token.lower(),
        "face value": str(order.amount - order.amount * FEE_BPS // BPS),
        "due date": order.deliver_by + order.inspection_window,
        "status": "open",
        "financier": "0x0000000000000000000000000000000000000000",  # no advance outstanding
    }
    due = next(a for a in meta["attributes"] if a["trait_type"] == "due date")
    assert due["display_type"] == "date"


def test_invoice_status_follows_the_order(client, trade, accounts):
    released, refunded = trade.shipped(), trade.shipped()
    trade.deliver(released)
    assert traits(client, released)["status"] == "open"
    assert client.tx.call("InvoiceToken", "daysOverdue", [released]) == 0

    due = client.escrow.get_order(refunded).deliver_by + client.escrow.get_order(refunded).inspection_window
    trade.travel_to(due + 2 * DAY + 1)
    assert traits(client, refunded)["status"] == "overdue"
    assert client.tx.call("InvoiceToken", "daysOverdue", [refunded]) == 2

    client.escrow.release(released, sender=accounts["keeper"])
    client.escrow.refund(refunded, sender=accounts["keeper"])
    assert traits(client, released)["status"] == "settled"
    assert traits(client, refunded)["status"] == "defaulted"
    assert client.tx.call("InvoiceToken", "daysOverdue", [refunded]) == 0


def test_invoice_of_reads_the_escrow(client, trade, seller):
    order_id = trade.shipped("tUSD")
    order = client.escrow.get_order(order_id)
    assert client.tx.call("InvoiceToken", "invoiceOf", [order_id]) == (
        order_id, order.token, client.tx.call("TradeEscrow", "faceValue", [order_id]),
        order.deliver_by + order.inspection_window, 0, seller, seller,  # holder, then the order's seller
    )


def test_no_metadata_for_an_invoice_that_does_not_exist(client):
    with reverts("ERC721NonexistentToken", tokenId=7):
        client.tx.call("InvoiceToken", "tokenURI", [7])


# ============================================================================ transfers and payment


def test_an_invoice_sold_before_settlement_pays_its_new_holder(client, trade, accounts, seller, financier):
    order_id = trade.delivered()
    transfer(client, order_id, financier, sender=seller)
    assert client.invoices.owner(order_id) == financier
    assert client.tx.call("InvoiceToken", "settlementPayees", [order_id, 990]) == [[financier, ETH], [990, 0]]
    trade.travel_to(client.escrow.get_order(order_id).inspection_ends_at)
    before = Balances(client, [(seller, ETH), (financier, ETH)])

    client.escrow.release(order_id, sender=accounts["keeper"])

    assert before.delta(financier) == ETHER - ETHER * FEE_BPS // BPS
    assert before.delta(seller) == 0


def test_a_disputed_invoice_stays_put_and_its_holder_gets_the_seller_side(client, trade, accounts, seller,
                                                                           financier, reverts):
    """Issue 10: who stands in a settlement stays fixed while the dispute runs, so the invoice does not move."""
    order_id = trade.delivered("tUSD")
    amount = client.escrow.get_order(order_id).amount
    transfer(client, order_id, financier, sender=seller)
    trade.dispute(order_id)
    with reverts("InvoiceDisputed", tokenId=order_id):
        transfer(client, order_id, seller, sender=financier)
    tusd = client.tokens.stablecoin
    before = Balances(client, [(seller, tusd), (financier, tusd)])

    client.escrow.resolve(order_id, 2_500, sender=accounts["arbiter"])

    assert before.delta(financier, tusd) == split(amount, 2_500, FEE_BPS)[1]
    assert before.delta(seller, tusd) == 0


@pytest.mark.parametrize("ending", ["released", "refunded_late", "resolved"])
def test_a_settled_invoice_is_locked(client, trade, accounts, seller, financier, ending):
    if ending == "refunded_late":
        order_id = trade.shipped()
        trade.travel_to(client.escrow.get_order(order_id).deliver_by + 1)
        client.escrow.refund(order_id, sender=accounts["keeper"])
    else:
        order_id = getattr(trade, ending)()
    client.tx.send("InvoiceToken", "approve", [financier, order_id], sender=seller)

    with reverts("InvoiceLocked", tokenId=order_id):
        transfer(client, order_id, financier, sender=seller)
    with reverts("InvoiceLocked", tokenId=order_id):
        client.tx.send("InvoiceToken", "transferFrom", [seller, financier, order_id], sender=financier)
    assert client.invoices.owner(order_id) == seller


def test_only_the_holder_or_an_approved_account_moves_an_invoice(client, trade, seller, financier):
    order_id = trade.shipped()
    with reverts("ERC721InsufficientApproval", operator=financier, tokenId=order_id):
        client.tx.send("InvoiceToken", "transferFrom", [seller, financier, order_id], sender=financier)
    client.tx.send("InvoiceToken", "approve", [financier, order_id], sender=seller)
    client.tx.send("InvoiceToken", "transferFrom", [seller, financier, order_id], sender=financier)
    assert client.invoices.owner(order_id) == financier
