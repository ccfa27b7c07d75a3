"""Every `tradechain order` step as a user runs it: separate commands against a real anvil node."""

import json

import pytest


def order_id(result) -> int:
    return json.loads(result.output)["orderId"]


def test_a_trade_step_by_step_ends_released_to_the_seller(tc, tmp_path):
    terms = tmp_path / "contract.txt"
    terms.write_text("40 routers, FOB Shenzhen")
    oid = order_id(tc("order", "create", "--seller", "seller", "--amount", "1.5 ETH", "--terms", str(terms), "--json"))
    assert "shipped" in tc("order", "ship", str(oid), "--bol", str(terms)).output
    tc("order", "checkpoint", str(oid), "picked-up", "--location", "CNSZX")
    tc("order", "checkpoint", str(oid), "ExportCleared", "--location", "CNSZX", "--account", "customs")
    assert "inspection window ends" in tc("order", "deliver", str(oid), "--location", "DEHAM").output
    early = tc("order", "release", str(oid), ok=False)
    assert early.exit_code == 1 and "still in its inspection window" in early.output
    tc("time", "advance", "3d")
    tc("order", "release", str(oid))
    shown = json.loads(tc("order", "show", str(oid), "--json").output)
    assert shown["state"] == "Released" and shown["amountText"] == "1.5 ETH"
    actions = [row["action"] for row in shown["timeline"]]
    assert actions[:3] == ["placed and paid", "shipped", "invoice minted"]
    assert "PickedUp" in actions and "ExportCleared" in actions and "Delivered" in actions
    assert any(row["detail"] == "1.485 ETH to seller" for row in shown["timeline"])
    listed = json.loads(tc("order", "list", "--json").output)["orders"]
    assert any(o["id"] == oid and o["state"] == "Released" for o in listed)


def test_a_token_order_disputed_and_settled_by_agreement(tc):
    oid = order_id(tc("order", "create", "--seller", "seller", "--amount", "250 tUSD", "--json"))
    tc("order", "ship", str(oid))
    tc("order", "deliver", str(oid))
    tc("order", "dispute", str(oid), "--evidence", "0x" + "ee" * 32)
    tc("order", "propose", str(oid), "20%", "--account", "seller")
    wrong = tc("order", "accept", str(oid), "30%", ok=False)
    assert wrong.exit_code == 1 and "the proposal is 2000 bps, not 3000 bps" in wrong.output
    tc("order", "accept", str(oid), "20%")
    shown = json.loads(tc("order", "show", str(oid), "--json").output)
    assert shown["state"] == "Resolved"
    assert any(row["detail"].startswith("20% refund: 50 tUSD to buyer") for row in shown["timeline"])


def test_arbiter_rules_and_treasury_withdraws_its_fees(tc):
    oid = order_id(tc("order", "create", "--seller", "seller", "--amount", "100 tUSD", "--json"))
    tc("order", "ship", str(oid))
    tc("order", "deliver", str(oid))
    tc("order", "dispute", str(oid))
    out = tc("order", "resolve", str(oid), "--refund", "30%").output
    assert "30 tUSD to buyer, 69.3 tUSD to the invoice holder, fee 0.7 tUSD" in out
    assert "withdrew" in tc("order", "withdraw", "--token", "tUSD").output
    again = tc("order", "withdraw", "--token", "tUSD", ok=False)
    assert again.exit_code == 1 and "has nothing to withdraw" in again.output


def test_missed_deadlines_refund_the_buyer_and_cancel_before_shipping(tc):
    late = order_id(tc("order", "create", "--seller", "seller", "--amount", "0.1 ETH", "--ship-within", "1h", "--json"))
    kept = order_id(tc("order", "create", "--seller", "seller", "--amount", "0.2 ETH", "--json"))
    cancelled = order_id(tc("order", "create", "--seller", "seller", "--amount", "0.3 ETH", "--json"))
    assert "cancelled" in tc("order", "cancel", str(cancelled)).output
    early = tc("order", "refund", str(late), ok=False)
    assert "no refund is due" in early.output
    tc("time", "advance", "2h")
    out = tc("order", "refund", str(late), str(kept)).output
    assert f"1 of 2 orders refunded: #{late}" in out
    states = {o["id"]: o["state"] for o in json.loads(tc("order", "list", "--json").output)["orders"]}
    assert states[late] == "Refunded" and states[kept] == "Funded" and states[cancelled] == "Cancelled"


@pytest.mark.parametrize("args,exit_code,message", [
    (["order", "ship", "999"], 1, "there is no order 999"),
    (["order", "ship", "abc"], 2, "bad order id 'abc'"),
    (["order", "create", "--seller", "0x123", "--amount", "1 ETH"], 2, "bad address '0x123'"),
    (["order", "create", "--seller", "seller", "--amount", "-1 ETH"], 2, "must be a positive number"),
    (["order", "create", "--seller", "seller", "--amount", "1.0000001 tUSD"], 2, "more than 6 decimal places"),
    (["order", "create", "--seller", "seller", "--amount", "10000000 ETH"], 2, "but the order needs 10000000 ETH"),
    (["order", "create", "--seller", "seller", "--amount", "1 DOGE"], 2, "unknown token 'DOGE'"),
    (["order", "create", "--seller", "seller", "--amount", "1 ETH", "--ship-within", "2x"], 2, "bad duration"),
    (["order", "create", "--seller", "buyer", "--amount", "1 ETH"], 1, "the seller cannot be the buyer"),
    (["order", "checkpoint", "1", "teleported"], 2, "unknown checkpoint kind"),
    (["order", "resolve", "1", "--refund", "150%"], 2, "between 0% and 100%"),
])
def test_bad_input_is_one_line_and_changes_nothing(tc, args, exit_code, message):
    before = tc("order", "list", "--json").output
    result = tc(*args, ok=False)
    assert result.exit_code == exit_code, result.output
    assert message in result.output
    assert result.output.startswith("error: ") and result.output.count("\n") == 1
    assert tc("order", "list", "--json").output == before


def test_wrong_account_for_the_action_is_named(tc):
    oid = order_id(tc("order", "create", "--seller", "seller", "--amount", "0.5 ETH", "--json"))
    result = tc("order", "ship", str(oid), "--account", "buyer", ok=False)
    assert result.exit_code == 1 and f"only the seller of order {oid} may do this" in result.output
    result = tc("order", "resolve", str(oid), "--refund", "10%", "--account", "keeper", ok=False)
    assert "lacks the role this needs (ARBITER)" in result.output


def test_demo_runs_against_the_node_too(tc):
    data = json.loads(tc("demo", "--json").output)
    assert data["network"].startswith("http://127.0.0.1:")
    states = {o["state"] for o in data["orders"]}
    assert {"Released", "Resolved"} <= states <= {"Released", "Resolved"}  # every demo order ends settled


def test_token_order_paid_with_a_permit_signed_by_the_node(tc):
    oid = order_id(tc("order", "create", "--seller", "seller", "--amount", "75 tUSD", "--permit", "--json"))
    shown = json.loads(tc("order", "show", str(oid), "--json").output)
    assert shown["state"] == "Funded" and shown["amountText"] == "75 tUSD"
