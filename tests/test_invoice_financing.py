"""Invoice tokens as receivables: ERC-721 behaviour, sale listings, advances with a settlement waterfall,
status over time, the KYC switch, seller track records, and a property test over sequences of sales and
outcomes (nothing paid out beyond what the buyer paid in; the holder at settlement is the one paid)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tradechain.vocabulary import ETH

from helpers import BPS, DAY, ETHER, TUSD, ZERO32, Balances, calldata, deploy, events, gas_paid, payouts, split

pytestmark = pytest.mark.usefixtures("conservation_check")

FEE_BPS = 100  # the deployment's fee
FAR = 2**40 - 1  # a deadline or expiry no test reaches


def face(amount: int) -> int:
    return amount - amount * FEE_BPS // BPS


@pytest.fixture
def tusd(client) -> str:
    return client.tokens.stablecoin


@pytest.fixture
def financier2(client, accounts) -> str:
    """A second financier (buyer2 gets the role)."""
    client.grant_role("InvoiceToken", "FINANCIER", accounts["buyer2"], sender=accounts["admin"])
    return accounts["buyer2"]


def paid_to(receipt) -> dict[str, int]:
    """Total paid out by a receipt, per recipient."""
    out: dict[str, int] = {}
    for p in payouts(receipt):
        out[p["to"]] = out.get(p["to"], 0) + p["amount"]
    return out


# ------------------------------------------------------------------ ERC-721 behaviour


def test_invoice_minted_to_seller_at_shipping_with_its_data_on_chain(client, trade, accounts, tusd):
    oid = trade.shipped("tUSD", amount=1_000 * TUSD)
    order = client.escrow.get_order(oid)
    inv = client.invoices.get(oid)
    assert client.tx.call("InvoiceToken", "ownerOf", [oid]) == accounts["seller"]
    assert client.tx.call("InvoiceToken", "balanceOf", [accounts["seller"]]) == 1
    assert (inv.id, inv.holder, inv.seller, inv.token) == (oid, accounts["seller"], accounts["seller"], tusd)
    assert inv.face_value == face(1_000 * TUSD) == client.tx.call("TradeEscrow", "faceValue", [oid])
    assert inv.due_date == order.deliver_by + order.inspection_window
    assert (inv.status, inv.days_overdue, inv.listed, inv.advance_financier) == ("open", 0, False, None)
    meta = client.invoices.metadata(oid)
    traits = {a["trait_type"]: a["value"] for a in meta["attributes"]}
    assert meta["name"] == f"tradechain invoice #{oid}"
    assert traits["face value"] == str(inv.face_value) and traits["due date"] == inv.due_date
    assert traits["payment token"] == tusd.lower() and traits["status"] == "open"


def test_supports_erc165_erc721_and_metadata_interfaces(client):
    for iface in ("01ffc9a7", "80ac58cd", "5b5e139f", "7965db0b"):  # ERC-165, 721, 721Metadata, AccessControl
        assert client.tx.call("InvoiceToken", "supportsInterface", [bytes.fromhex(iface)])
    assert not client.tx.call("InvoiceToken", "supportsInterface", [bytes.fromhex("ffffffff")])


def test_approvals_let_an_operator_move_the_invoice_and_nobody_else(client, trade, accounts, reverts):
    oid = trade.shipped()
    seller, keeper, fin = accounts["seller"], accounts["keeper"], accounts["financier"]
    with reverts("ERC721InsufficientApproval", operator=keeper, tokenId=oid):
        client.tx.send("InvoiceToken", "transferFrom", [seller, fin, oid], sender=keeper)
    client.tx.send("InvoiceToken", "approve", [keeper, oid], sender=seller)
    assert client.tx.call("InvoiceToken", "getApproved", [oid]) == keeper
    client.tx.send("InvoiceToken", "transferFrom", [seller, fin, oid], sender=keeper)
    assert client.tx.call("InvoiceToken", "ownerOf", [oid]) == fin
    assert client.tx.call("InvoiceToken", "getApproved", [oid]) == ETH  # cleared by the move
    client.tx.send("InvoiceToken", "setApprovalForAll", [keeper, True], sender=fin)
    assert client.tx.call("InvoiceToken", "isApprovedForAll", [fin, keeper])
    client.tx.send("InvoiceToken", "transferFrom", [fin, seller, oid], sender=keeper)
    assert client.invoices.get(oid).holder == seller


def test_safe_transfer_to_a_contract_checks_the_receiver(client, trade, accounts, reverts):
    oid = trade.shipped()
    seller = accounts["seller"]
    wallet = deploy(client, "InvoiceReceiver", sender=seller)
    safe = "safeTransferFrom(address,address,uint256,bytes)"
    wallet.transact("setMode", [1], sender=seller)
    with reverts("NotAccepting", tokenId=oid):
        client.tx.send("InvoiceToken", safe, [seller, wallet.address, oid, b"x"], sender=seller)
    wallet.transact("setMode", [2], sender=seller)
    with reverts("ERC721InvalidReceiver", receiver=wallet.address):
        client.tx.send("InvoiceToken", safe, [seller, wallet.address, oid, b"x"], sender=seller)
    wallet.transact("setMode", [0], sender=seller)
    client.tx.send("InvoiceToken", safe, [seller, wallet.address, oid, b"po-42"], sender=seller)
    assert client.tx.call("InvoiceToken", "ownerOf", [oid]) == wallet.address
    assert (wallet.call("lastFrom"), wallet.call("lastTokenId"), wallet.call("lastData")) == (seller, oid, b"po-42")
    # the contract now holds the receivable and is the one paid at release
    trade.deliver(oid)
    trade.travel_to(client.escrow.get_order(oid).inspection_ends_at)
    r = client.escrow.release(oid, sender=accounts["keeper"])
    assert paid_to(r)[wallet.address] == face(ETHER)


def test_settled_invoice_is_locked(client, trade, accounts, reverts):
    oid = trade.released()
    seller = accounts["seller"]
    assert client.invoices.get(oid).status == "settled"
    with reverts("InvoiceLocked", tokenId=oid):
        client.tx.send("InvoiceToken", "transferFrom", [seller, accounts["financier"], oid], sender=seller)
    with reverts("InvoiceLocked", tokenId=oid):
        client.invoices.list(oid, 1, sender=seller)
    with reverts("InvoiceLocked", tokenId=oid):
        client.invoices.offer_advance(oid, 1, 0, sender=accounts["financier"])
    assert client.invoices.metadata(oid)["attributes"][4]["value"] == "settled"


# ------------------------------------------------------------------ sale


def test_sale_in_eth_swaps_invoice_and_money_atomically(client, trade, accounts):
    oid = trade.shipped()
    seller, fin = accounts["seller"], accounts["financier"]
    price = 95 * ETHER // 100
    r = client.invoices.list(oid, price, sender=seller)
    assert events(r, "InvoiceListed")[0]["price"] == price
    bal = Balances(client, [(seller, ETH), (fin, ETH)])
    r = client.invoices.buy(oid, price, sender=fin)
    assert events(r, "InvoiceSold")[0] == {"tokenId": oid, "from": seller, "to": fin, "price": price}
    assert bal.delta(seller) == price
    assert bal.delta(fin) == -price - gas_paid(client, r)
    inv = client.invoices.get(oid)
    assert (inv.holder, inv.status, inv.listed) == (fin, "financed", False)
    # the buyer of the invoice takes the whole settlement
    trade.deliver(oid)
    trade.travel_to(client.escrow.get_order(oid).inspection_ends_at)
    r = client.escrow.release(oid, sender=accounts["keeper"])
    assert paid_to(r) == {fin: face(ETHER), accounts["treasury"]: ETHER - face(ETHER)}


def test_sale_at_a_discount_in_tusd_then_resale_pays_the_last_holder(client, trade, accounts, tusd, financier2):
    amount = 10_000 * TUSD
    oid = trade.shipped("tUSD", amount=amount)
    seller, fin = accounts["seller"], accounts["financier"]
    client.invoices.list_at_discount(oid, 300, sender=seller)
    price = face(amount) * (BPS - 300) // BPS
    assert client.invoices.listing(oid) == (seller, price)
    bal = Balances(client, [(seller, tusd), (fin, tusd), (financier2, tusd)])
    client.invoices.buy(oid, price, sender=fin)
    client.invoices.list(oid, price + 100 * TUSD, sender=fin)
    client.invoices.buy(oid, sender=financier2)
    assert (bal.delta(seller, tusd), bal.delta(fin, tusd)) == (price, 100 * TUSD)
    trade.deliver(oid)
    trade.travel_to(client.escrow.get_order(oid).inspection_ends_at)
    client.escrow.release(oid, sender=accounts["keeper"])
    assert bal.delta(financier2, tusd) == face(amount) - price - 100 * TUSD


def test_buy_refuses_every_wrong_purchase(client, trade, accounts, reverts, financier2):
    oid = trade.shipped()
    seller, fin, buyer = accounts["seller"], accounts["financier"], accounts["buyer"]
    with reverts("NotListed", tokenId=oid):
        client.tx.send("InvoiceToken", "buy", [oid, 1, FAR], sender=fin, value=1)
    client.invoices.list(oid, 9 * ETHER // 10, sender=seller)
    with reverts("AccessControlUnauthorizedAccount", account=buyer):
        client.tx.send("InvoiceToken", "buy", [oid, 9 * ETHER // 10, FAR], sender=buyer, value=9 * ETHER // 10)
    with reverts("WrongEthValue", sent=1, expected=9 * ETHER // 10):
        client.tx.send("InvoiceToken", "buy", [oid, 9 * ETHER // 10, FAR], sender=fin, value=1)
    # the seller relists higher while the financier's purchase is on its way: the old price no longer buys
    client.invoices.list(oid, 98 * ETHER // 100, sender=seller)
    with reverts("PriceMismatch", listedPrice=98 * ETHER // 100, expectedPrice=9 * ETHER // 10):
        client.tx.send("InvoiceToken", "buy", [oid, 9 * ETHER // 10, FAR], sender=fin, value=9 * ETHER // 10)
    client.invoices.buy(oid, 98 * ETHER // 100, sender=fin)
    with reverts("NotListed", tokenId=oid):  # no double sell
        client.tx.send("InvoiceToken", "buy", [oid, 98 * ETHER // 100, FAR], sender=financier2, value=98 * ETHER // 100)
    client.invoices.list(oid, ETHER // 2, sender=fin)
    with reverts("BuyerIsHolder", buyer=fin):
        client.tx.send("InvoiceToken", "buy", [oid, ETHER // 2, FAR], sender=fin, value=ETHER // 2)


def test_a_holder_that_refuses_the_eth_price_fails_the_purchase_as_a_whole(client, trade, accounts, reverts):
    """InvoiceToken pays a sale's ETH price straight to the holder: a holder that refuses it fails the purchase with
    PaymentFailed (nothing half-done), and the same purchase goes through once it accepts."""
    holder = deploy(client, "RevertingReceiver", sender=accounts["admin"])
    oid = trade.place(seller=holder.address)
    holder.execute(client.escrow.address, calldata(client, "TradeEscrow", "ship", oid, accounts["carrier"], ZERO32,
                                                   ZERO32), sender=accounts["admin"])
    price = 9 * ETHER // 10
    holder.execute(client.invoices.address, calldata(client, "InvoiceToken", "list", oid, price, FAR),
                   sender=accounts["admin"])
    fin = accounts["financier"]
    with reverts("PaymentFailed", to=holder.address, amount=price):
        client.tx.send("InvoiceToken", "buy", [oid, price, FAR], sender=fin, value=price)
    assert client.invoices.get(oid).holder == holder.address

    holder.transact("setAccepting", [True], sender=fin)
    client.invoices.buy(oid, price, sender=fin)
    assert client.invoices.get(oid).holder == fin and client.tokens.balance(holder.address) == price


def test_buy_of_a_token_order_takes_no_eth_and_needs_an_allowance(client, trade, accounts, reverts):
    oid = trade.shipped("tUSD")
    fin = accounts["financier"]
    client.invoices.list(oid, 200 * TUSD, sender=accounts["seller"])
    with reverts("WrongEthValue", sent=5, expected=0):
        client.tx.send("InvoiceToken", "buy", [oid, 200 * TUSD, FAR], sender=fin, value=5)
    with reverts("ERC20InsufficientAllowance"):
        client.tx.send("InvoiceToken", "buy", [oid, 200 * TUSD, FAR], sender=fin)


def test_listing_rules(client, trade, accounts, reverts):
    oid = trade.shipped()
    seller, fin = accounts["seller"], accounts["financier"]
    fv = face(ETHER)
    with reverts("NotHolder", tokenId=oid, caller=fin, holder=seller):
        client.invoices.list(oid, 1, sender=fin)
    with reverts("InvalidPrice", price=0, faceValue=fv):
        client.invoices.list(oid, 0, sender=seller)
    with reverts("InvalidPrice", price=fv + 1):
        client.invoices.list(oid, fv + 1, sender=seller)
    for bad in (0, BPS):
        with reverts("InvalidDiscount", discountBps=bad):
            client.invoices.list_at_discount(oid, bad, sender=seller)
    with reverts("ERC721NonexistentToken", tokenId=oid + 1):
        client.invoices.list(oid + 1, 1, sender=seller)
    with reverts("NotListed", tokenId=oid):
        client.invoices.withdraw_listing(oid, sender=seller)
    client.invoices.list(oid, fv, sender=seller)
    with reverts("NotHolder", tokenId=oid, caller=fin):
        client.invoices.withdraw_listing(oid, sender=fin)
    r = client.invoices.withdraw_listing(oid, sender=seller)
    assert events(r, "ListingWithdrawn") == [{"tokenId": oid, "holder": seller}]
    with reverts("NotListed", tokenId=oid):
        client.invoices.buy(oid, fv, sender=fin)


def test_a_move_ends_the_old_holders_listing(client, trade, accounts, reverts):
    oid = trade.shipped()
    seller, fin = accounts["seller"], accounts["financier"]
    client.invoices.list(oid, ETHER // 2, sender=seller)
    r = client.tx.send("InvoiceToken", "transferFrom", [seller, accounts["keeper"], oid], sender=seller)
    assert events(r, "ListingWithdrawn") == [{"tokenId": oid, "holder": seller}]
    with reverts("NotListed", tokenId=oid):
        client.invoices.buy(oid, ETHER // 2, sender=fin)


# ------------------------------------------------------------------ advance


def test_advance_pays_the_seller_at_once_and_the_financier_first_at_release(client, trade, accounts, tusd):
    amount = 10_000 * TUSD
    oid = trade.shipped("tUSD", amount=amount)
    seller, fin = accounts["seller"], accounts["financier"]
    principal, fee_bps = face(amount) * 80 // 100, 200
    fee = principal * fee_bps // BPS
    bal = Balances(client, [(seller, tusd), (fin, tusd), (client.invoices.address, tusd)])
    offered = client.invoices.offer_advance(oid, principal, fee_bps, sender=fin)
    assert bal.delta(client.invoices.address, tusd) == principal  # held until accepted or withdrawn
    expires_at = offered.event("AdvanceOffered")["expiresAt"]
    assert DAY < expires_at - client.chain.block_time(offered.block) <= 7 * DAY  # the client's default: a week
    assert client.invoices.advance_offers(oid) == [{"financier": fin, "principal": principal, "feeBps": fee_bps,
                                           "repayment": principal + fee, "expiresAt": expires_at}]
    r = client.invoices.accept_advance(oid, fin, principal, fee_bps, sender=seller)
    assert events(r, "AdvanceAccepted")[0]["fee"] == fee
    assert bal.delta(seller, tusd) == principal and bal.delta(client.invoices.address, tusd) == 0
    inv = client.invoices.get(oid)
    assert (inv.status, inv.holder, inv.advance_financier, inv.advance_repayment) == (
        "financed", seller, fin, principal + fee)
    assert client.invoices.advance_offers(oid) == []
    assert client.tx.call("InvoiceToken", "settlementPayees", [oid, face(amount)]) == [
        [fin, seller], [principal + fee, face(amount) - principal - fee]]
    trade.deliver(oid)
    trade.travel_to(client.escrow.get_order(oid).inspection_ends_at)
    client.escrow.release(oid, sender=accounts["keeper"])
    assert bal.delta(fin, tusd) == fee
    assert bal.delta(seller, tusd) == face(amount) - fee


@pytest.mark.parametrize("refund_bps", [1_000, 5_000])
def test_partial_ruling_runs_the_waterfall_on_the_sellers_share(client, trade, accounts, refund_bps):
    oid = trade.delivered()
    seller, fin = accounts["seller"], accounts["financier"]
    principal = face(ETHER) * 80 // 100
    client.invoices.offer_advance(oid, principal, 200, sender=fin)
    client.invoices.accept_advance(oid, fin, sender=seller)
    trade.dispute(oid)
    r = client.escrow.resolve(oid, refund_bps, sender=accounts["arbiter"])
    to_buyer, seller_side, fee = split(ETHER, refund_bps, FEE_BPS)
    first = min(principal + principal * 200 // BPS, seller_side)
    paid = paid_to(r)
    assert paid[accounts["buyer"]] == to_buyer and paid[fin] == first
    assert paid.get(seller, 0) == seller_side - first
    assert sum(paid.values()) == ETHER
    assert client.invoices.get(oid).status == "settled"


def test_full_refund_ruling_leaves_the_holder_nothing_and_defaults_the_invoice(client, trade, accounts):
    oid = trade.delivered()
    fin = accounts["financier"]
    client.invoices.list(oid, ETHER // 2, sender=accounts["seller"])
    client.invoices.buy(oid, sender=fin)
    trade.dispute(oid)
    r = client.escrow.resolve(oid, BPS, sender=accounts["arbiter"])
    assert paid_to(r) == {accounts["buyer"]: ETHER}
    assert client.invoices.get(oid).status == "defaulted"
    assert client.invoices.metadata(oid)["attributes"][4]["value"] == "defaulted"


def test_timeout_refund_leaves_an_advanced_invoice_defaulted(client, trade, accounts):
    oid = trade.shipped()
    seller, fin = accounts["seller"], accounts["financier"]
    client.invoices.offer_advance(oid, ETHER // 2, 500, sender=fin)
    client.invoices.accept_advance(oid, fin, sender=seller)
    order = client.escrow.get_order(oid)
    trade.travel_to(order.deliver_by + order.inspection_window + 2 * DAY + 5)
    inv = client.invoices.get(oid)
    assert (inv.status, inv.days_overdue) == ("overdue", 2)
    r = client.escrow.refund(oid, sender=accounts["keeper"])
    assert paid_to(r) == {accounts["buyer"]: ETHER}
    assert client.invoices.get(oid).status == "defaulted"


def test_advance_rules(client, trade, accounts, reverts, financier2):
    oid = trade.shipped()
    seller, fin, buyer = accounts["seller"], accounts["financier"], accounts["buyer"]
    fv = face(ETHER)
    with reverts("AccessControlUnauthorizedAccount", account=buyer):
        client.invoices.offer_advance(oid, ETHER // 2, 100, sender=buyer)
    with reverts("InvalidPrice", price=0):
        client.invoices.offer_advance(oid, 0, 100, sender=fin)
    with reverts("InvalidFee", feeBps=BPS + 1):
        client.invoices.offer_advance(oid, 1, BPS + 1, sender=fin)
    with reverts("AdvanceTooLarge", repayment=fv + fv // 100, faceValue=fv):
        client.invoices.offer_advance(oid, fv, 100, sender=fin)
    with reverts("WrongEthValue", sent=1, expected=ETHER // 2):
        client.tx.send("InvoiceToken", "offerAdvance", [oid, ETHER // 2, 100, FAR], sender=fin, value=1)
    with reverts("NoAdvanceOffer", financier=fin):
        client.invoices.withdraw_advance_offer(oid, sender=fin)
    client.invoices.offer_advance(oid, ETHER // 2, 100, sender=fin)
    with reverts("OfferExists", financier=fin):
        client.invoices.offer_advance(oid, ETHER // 4, 100, sender=fin)
    with reverts("NotHolder", caller=fin, holder=seller):
        client.invoices.accept_advance(oid, fin, sender=fin)
    with reverts("NoAdvanceOffer", financier=financier2):
        client.invoices.accept_advance(oid, financier2, 1, 1, sender=seller)
    with reverts("OfferMismatch", principal=ETHER // 2, feeBps=100):
        client.invoices.accept_advance(oid, fin, ETHER // 2, 50, sender=seller)
    client.invoices.offer_advance(oid, ETHER // 4, 100, sender=financier2)
    client.invoices.accept_advance(oid, fin, sender=seller)
    with reverts("InvoiceEncumbered", financier=fin):
        client.invoices.accept_advance(oid, financier2, sender=seller)
    with reverts("InvoiceEncumbered", financier=fin):
        client.invoices.list(oid, ETHER // 2, sender=seller)
    # the offer not taken is still the second financier's to withdraw, even after settlement
    trade.deliver(oid)
    trade.travel_to(client.escrow.get_order(oid).inspection_ends_at)
    client.escrow.release(oid, sender=accounts["keeper"])
    with reverts("InvoiceLocked", tokenId=oid):
        client.invoices.accept_advance(oid, financier2, sender=seller)
    bal = Balances(client, [(financier2, ETH)])
    r = client.invoices.withdraw_advance_offer(oid, sender=financier2)
    assert bal.delta(financier2) == ETHER // 4 - gas_paid(client, r)


def test_accepting_an_advance_ends_the_sale_listing(client, trade, accounts, reverts):
    oid = trade.shipped()
    seller, fin = accounts["seller"], accounts["financier"]
    client.invoices.list(oid, ETHER // 2, sender=seller)
    client.invoices.offer_advance(oid, ETHER // 2, 0, sender=fin)
    r = client.invoices.accept_advance(oid, fin, sender=seller)
    assert events(r, "ListingWithdrawn") == [{"tokenId": oid, "holder": seller}]
    assert client.invoices.listing(oid)[1] == 0


def test_withdrawn_advance_offer_returns_the_principal(client, trade, accounts, tusd, reverts):
    oid = trade.shipped("tUSD")
    fin = accounts["financier"]
    bal = Balances(client, [(fin, tusd)])
    client.invoices.offer_advance(oid, 100 * TUSD, 150, sender=fin)
    assert bal.delta(fin, tusd) == -100 * TUSD
    r = client.invoices.withdraw_advance_offer(oid, sender=fin)
    assert events(r, "AdvanceOfferWithdrawn")[0]["principal"] == 100 * TUSD
    assert bal.delta(fin, tusd) == 0
    with reverts("NoAdvanceOffer", financier=fin):
        client.invoices.accept_advance(oid, fin, 100 * TUSD, 150, sender=accounts["seller"])


# ------------------------------------------------------------------ KYC


def test_kyc_switch_limits_transfers_to_financiers_and_back_to_the_seller(client, trade, accounts, reverts):
    oid = trade.shipped()
    admin, seller, fin, keeper = accounts["admin"], accounts["seller"], accounts["financier"], accounts["keeper"]
    with reverts("AccessControlUnauthorizedAccount", account=seller):
        client.invoices.set_kyc_required(True, sender=seller)
    r = client.invoices.set_kyc_required(True, sender=admin)
    assert events(r, "KycRequiredChanged") == [{"required": True}]
    with reverts("TransferNotAllowed", tokenId=oid, to=keeper):
        client.tx.send("InvoiceToken", "transferFrom", [seller, keeper, oid], sender=seller)
    client.invoices.list(oid, ETHER // 2, sender=seller)
    client.invoices.buy(oid, sender=fin)  # a FINANCIER may receive
    with reverts("TransferNotAllowed", to=keeper):
        client.tx.send("InvoiceToken", "transferFrom", [fin, keeper, oid], sender=fin)
    client.tx.send("InvoiceToken", "transferFrom", [fin, seller, oid], sender=fin)  # back to the seller
    client.invoices.set_kyc_required(False, sender=admin)
    client.tx.send("InvoiceToken", "transferFrom", [seller, keeper, oid], sender=seller)
    assert client.invoices.get(oid).holder == keeper


# ------------------------------------------------------------------ seller track record


def test_escrow_keeps_the_sellers_track_record(client, trade, accounts, tusd):
    seller = accounts["seller"]
    assert client.escrow.seller_record(seller).completed == 0
    trade.released()
    trade.released("tUSD", amount=500 * TUSD)
    trade.resolved(refund_bps=3_000)
    trade.resolved(refund_bps=BPS)
    trade.resolved(refund_bps=0)
    trade.refunded()
    rec = client.escrow.seller_record(seller)
    assert (rec.completed, rec.disputes, rec.disputes_lost, rec.refunds) == (4, 3, 2, 1)
    assert rec.volume == face(ETHER) + split(ETHER, 3_000, FEE_BPS)[1] + face(ETHER)
    assert client.escrow.seller_record(seller, tusd).volume == face(500 * TUSD)
    assert rec.last_settled_at > 0


# ------------------------------------------------------------------ property


STEP = st.one_of(
    st.tuples(st.just("sell"), st.sampled_from(["financier", "buyer2"]), st.integers(1, 2_000)),
    st.tuples(st.just("advance"), st.sampled_from(["financier", "buyer2"]), st.integers(1_000, 9_000),
              st.integers(0, 1_500)),
)
OUTCOME = st.one_of(st.just(("release",)), st.tuples(st.just("ruling"), st.integers(0, BPS)),
                    st.just(("timeout",)))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=st.sampled_from(["ETH", "tUSD"]), steps=st.lists(STEP, max_size=3), outcome=OUTCOME)
def test_payouts_never_exceed_the_payment_and_go_to_the_holder_at_settlement(
        client, chain, trade, accounts, financier2, token, steps, outcome):
    snap = chain.snapshot()
    try:
        amount = ETHER if token == "ETH" else 1_000 * TUSD
        oid = trade.shipped(token, amount=amount)
        fv = face(amount)
        for step in steps:
            who = accounts[step[1]]
            holder = client.invoices.get(oid).holder
            if step[0] == "sell" and who != holder and client.invoices.get(oid).advance_financier is None:
                client.invoices.list_at_discount(oid, step[2], sender=holder)
                client.invoices.buy(oid, sender=who)
            elif step[0] == "advance" and client.invoices.get(oid).advance_financier is None:
                principal = fv * step[2] // BPS
                if principal + principal * step[3] // BPS <= fv:
                    client.invoices.offer_advance(oid, principal, step[3], sender=who)
                    client.invoices.accept_advance(oid, who, sender=holder)
        inv = client.invoices.get(oid)
        if outcome[0] == "timeout":
            order = client.escrow.get_order(oid)
            trade.travel_to(order.deliver_by + 1)
            r = client.escrow.refund(oid, sender=accounts["keeper"])
            seller_side = 0
        else:
            trade.deliver(oid)
            if outcome[0] == "release":
                trade.travel_to(client.escrow.get_order(oid).inspection_ends_at)
                r = client.escrow.release(oid, sender=accounts["keeper"])
                seller_side = fv
            else:
                trade.dispute(oid)
                r = client.escrow.resolve(oid, outcome[1], sender=accounts["arbiter"])
                seller_side = split(amount, outcome[1], FEE_BPS)[1]
        to_buyer = amount if outcome[0] == "timeout" else split(amount, *(
            (0, FEE_BPS) if outcome[0] == "release" else (outcome[1], FEE_BPS)))[0]
        fee = amount - to_buyer - seller_side
        first = min(inv.advance_repayment, seller_side) if inv.advance_financier else 0
        expected: dict[str, int] = {}
        for to, value in ((accounts["buyer"], to_buyer), (accounts["treasury"], fee),
                          (inv.advance_financier, first), (inv.holder, seller_side - first)):
            if value:
                expected[to] = expected.get(to, 0) + value
        paid = paid_to(r)
        assert sum(paid.values()) <= amount
        assert paid == expected  # the holder at settlement (after any advance) is the one paid
        expected_status = "defaulted" if seller_side == 0 else "settled"
        assert client.invoices.get(oid).status == expected_status
    finally:
        chain.revert(snap)
