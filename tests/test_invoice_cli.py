"""`tradechain invoice` as a user runs it: separate commands against a real anvil node."""

import json


def shipped(tc, amount="10000 tUSD") -> int:
    oid = json.loads(tc("order", "create", "--seller", "seller", "--amount", amount, "--json").output)["orderId"]
    tc("order", "ship", str(oid))
    return oid


def test_invoice_sold_at_the_quoted_price_and_paid_to_the_financier(tc):
    oid = shipped(tc)
    q = json.loads(tc("invoice", "quote", str(oid), "--json").output)
    assert [c["name"] for c in q["components"]] == ["time value", "expected loss", "concentration", "overdue",
                                                     "margin"]
    assert q["inputs"]["faceValue"] == 9_900 * 10**6 and 0 < q["price"] < 9_900 * 10**6
    assert "suggested discount" in tc("invoice", "quote", str(oid)).output
    listed = json.loads(tc("invoice", "offer", str(oid), "--quote", "--json").output)
    assert listed["price"] == q["price"]
    wrong = tc("invoice", "buy", str(oid), "--price", "1 tUSD", ok=False)
    assert wrong.exit_code == 1 and "check the listing again" in wrong.output
    tc("invoice", "buy", str(oid))
    shown = json.loads(tc("invoice", "show", str(oid), "--json").output)
    assert shown["invoice"]["status"] == "financed" and shown["invoice"]["holder"] != shown["invoice"]["seller"]
    rows = {i["id"]: i for i in json.loads(tc("invoice", "list", "--json").output)["invoices"]}
    assert rows[oid]["status"] == "financed"
    tc("order", "deliver", str(oid))
    tc("time", "advance", "3d")
    tc("order", "release", str(oid))
    timeline = json.loads(tc("order", "show", str(oid), "--json").output)["timeline"]
    assert any(r["action"] == "bought the invoice" for r in timeline)
    assert any(r["detail"] == "9900 tUSD to financier" for r in timeline)
    assert json.loads(tc("invoice", "show", str(oid), "--json").output)["invoice"]["status"] == "settled"


def test_advance_offered_accepted_and_bad_input_refused(tc):
    oid = shipped(tc, "2 ETH")
    tc("invoice", "advance", str(oid), "--amount", "1.5 ETH", "--fee", "2%")
    assert "offer" in tc("invoice", "show", str(oid)).output
    tc("invoice", "accept", str(oid))
    inv = json.loads(tc("invoice", "show", str(oid), "--json").output)["invoice"]
    assert inv["advancePrincipal"] == 15 * 10**17 and inv["advanceRepayment"] == 153 * 10**16
    again = tc("invoice", "offer", str(oid), "--discount", "3%", ok=False)
    assert again.exit_code == 1 and "carries an advance" in again.output
    for args, words in ((["show", "99"], "no invoice 99"), (["show", "x"], "bad order id"),
                        (["offer", str(oid)], "exactly one of"), (["advance", str(oid)], "--amount"),
                        (["buy", str(oid)], "not offered for sale")):
        bad = tc("invoice", *args, ok=False)
        assert bad.exit_code != 0 and words in bad.output, bad.output
