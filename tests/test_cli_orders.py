"""Every `tradechain order` step as a user runs it: separate commands against a real anvil node."""

import json
import os
from unittest import mock

import pytest


def _grant(tc, contract: str, role: str, name: str) -> None:
    """Grant a role on the node the CLI runs against (the admin's step; the CLI has no command for it)."""
    from pathlib import Path

    from tradechain.chain import rpc
    from tradechain.client import TradeClient
    from tradechain.deployment import load_manifest
    from tradechain.project import load_artifacts

    chain = rpc(tc.env["TRADECHAIN_RPC"])
    artifacts = load_artifacts()
    with mock.patch.dict(os.environ, {"TRADECHAIN_DEPLOY_DIR": tc.env["TRADECHAIN_DEPLOY_DIR"]}):
        dep = load_manifest(chain, Path("."), artifacts)
    client = TradeClient(chain, dep, artifacts)
    client.grant_role(contract, role, dep.accounts[name], sender=dep.accounts["admin"])


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


def test_a_token_with_a_permit_is_paid_with_it_by_default_and_the_output_says_so(tc):
    assert "placed and paid with an EIP-2612 permit: 5 tUSD" in tc("order", "create", "--seller", "seller", "--amount",
                                                                    "5 tUSD").output
    placed = json.loads(tc("order", "create", "--seller", "seller", "--amount", "5 tUSD", "--json").output)
    assert placed["paidWith"] == "permit"
    asked = json.loads(tc("order", "create", "--seller", "seller", "--amount", "5 tUSD", "--approve", "--json").output)
    assert asked["paidWith"] == "approve"
    assert json.loads(tc("order", "create", "--seller", "seller", "--amount", "0.01 ETH", "--json").output)[
        "paidWith"] == "value"


def test_a_checkpoint_after_the_order_ended_is_recorded_silently(tc):
    """Issue 10 item 11 — was silent: now the CLI says the entry is kept but changes nothing in the settlement."""
    oid = order_id(tc("order", "create", "--seller", "seller", "--amount", "0.1 ETH", "--json"))
    tc("order", "ship", str(oid))
    assert "settlementAffected" in tc("order", "checkpoint", str(oid), "PickedUp", "--json").output
    tc("order", "deliver", str(oid))
    tc("time", "advance", "3d")
    tc("order", "release", str(oid))
    out = tc("order", "checkpoint", str(oid), "Arrived").output
    assert f"order #{oid}: Arrived recorded; order #{oid} is already Released" in out
    assert "changes nothing in its settlement" in out
    data = json.loads(tc("order", "checkpoint", str(oid), "GateIn", "--json").output)
    assert data["orderState"] == "Released" and data["settlementAffected"] is False


def test_a_stranded_shipment_gets_a_new_carrier_and_a_later_deadline_from_the_cli(tc):
    """Issue 10 item 3 from the CLI: seller nominates, admin replaces, arbiter extends, the new carrier delivers."""
    oid = order_id(tc("order", "create", "--seller", "seller", "--amount", "0.2 ETH", "--deliver-within", "2d",
                      "--json"))
    tc("order", "ship", str(oid))
    _grant(tc, "Provenance", "CARRIER", "keeper")
    refused = tc("order", "replace-carrier", str(oid), "keeper", ok=False)
    assert refused.exit_code == 1 and "is not the carrier the seller nominated" in refused.output
    assert "keeper nominated as carrier" in tc("order", "nominate-carrier", str(oid), "keeper").output
    assert "keeper is now the carrier" in tc("order", "replace-carrier", str(oid), "keeper").output
    tc("time", "advance", "3d")  # past the delivery deadline: a refund would be due
    not_arbiter = tc("order", "extend", str(oid), "--by", "2d", "--account", "seller", ok=False)
    assert not_arbiter.exit_code == 1 and "lacks the role this needs (ARBITER)" in not_arbiter.output
    assert "delivery now due by" in tc("order", "extend", str(oid), "--by", "2d").output
    tc("order", "deliver", str(oid), "--account", "keeper")
    shown = json.loads(tc("order", "show", str(oid), "--json").output)
    assert shown["state"] == "Delivered" and shown["timeline"][-1]["actor"] == "keeper"
    actions = [row["action"] for row in shown["timeline"]]
    assert "new carrier nominated" in actions and "carrier replaced" in actions
    assert "delivery deadline extended" in actions


def test_a_settlement_needs_the_invoice_holder_and_the_cli_says_who_may_accept(tc):
    """Issue 10 item 1 from the CLI: after the invoice is sold the seller has no say; show names who may accept."""
    oid = order_id(tc("order", "create", "--seller", "seller", "--amount", "100 tUSD", "--json"))
    tc("order", "ship", str(oid))
    tc("invoice", "offer", str(oid), "--price", "90 tUSD")
    tc("invoice", "buy", str(oid))
    tc("order", "deliver", str(oid))
    tc("order", "dispute", str(oid))
    sold = tc("order", "propose", str(oid), "100%", ok=False)
    assert sold.exit_code == 1 and "sold the invoice" in sold.output
    out = tc("order", "propose", str(oid), "40%", "--account", "buyer").output
    assert "agreed: buyer; may still accept: invoice holder" in out
    shown = json.loads(tc("order", "show", str(oid), "--json").output)
    assert shown["settlement"]["agreed"] == ["buyer"] and shown["settlement"]["mayAccept"] == ["invoice holder"]
    assert "may accept: invoice holder (financier)" in " ".join(tc("order", "show", str(oid)).output.split())
    assert "settled by agreement: 40% refunded" in tc("order", "accept", str(oid), "40%", "--account",
                                                      "financier").output


def test_hashes_are_cut_short_for_people_and_whole_with_full(tc):
    placed = json.loads(tc("order", "create", "--seller", "seller", "--amount", "0.2 ETH", "--json").output)
    oid, tx = str(placed["orderId"]), placed["tx"]
    bill = "0x" + "ab" * 32
    shipped = tc("order", "ship", oid, "--bol", bill, "--full").output
    assert json.loads(tc("tx", "status", shipped.split("(tx ")[1].split(",")[0], "--json").output)["success"]
    assert tx not in tc("order", "show", oid).output and tx in tc("order", "show", oid, "--full").output
    assert tx not in tc("events", "--order", oid).output and tx in tc("events", "--order", oid, "--full").output
    bol = next(r for r in json.loads(tc("order", "show", oid, "--json").output)["timeline"]
               if r["event"] == "OrderShipped")
    assert bill in bol["detail"]  # JSON never cuts a hash, in words either
    assert bill not in tc("order", "show", oid).output and bill[:12] + "…" in tc("order", "show", oid).output
    for command in (("order", "show"), ("trace",), ("invoice", "show"), ("events",), ("tx", "status"), ("order", "ship")):
        assert "--full" in tc(*command, "--help").output
