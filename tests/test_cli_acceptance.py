"""Seller acceptance, the risk screen and the exposure cap as a user runs them: separate commands on a real anvil."""

import json

from click.testing import CliRunner

from test_json_output import validate
from tradechain.cli import cli
from tradechain.risk import RULES


def _json(tc, command: str, *args: str) -> dict:
    out = tc(*command.split("."), *args, "--json").output
    validate(command, out)
    return json.loads(out)


def test_an_order_waits_for_the_seller_who_reads_the_screen_then_accepts(tc):
    placed = tc("order", "create", "--seller", "seller", "--amount", "1 ETH", "--accept-within", "6h")
    assert "waiting for the seller's acceptance until" in placed.output
    oid = int(placed.output.split("#")[1].split()[0])
    early = tc("order", "ship", str(oid), ok=False)
    assert early.exit_code == 1 and "is Offered; this needs it to be Funded" in early.output
    screen = _json(tc, "order.risk", str(oid))
    assert screen["order"] == oid and [r["code"] for r in screen["rules"]][:2] == ["SELLER_LOST_DISPUTES",
                                                                                  "BUYER_DISPUTES"]
    assert {"NEW_SELLER", "NEW_BUYER"} <= {r["code"] for r in screen["reasons"]}
    assert screen["exposure"]["cap"] is None
    text = tc("order", "risk", str(oid)).output
    assert f"risk screen of order #{oid}: score {screen['score']}" in text and "NEW_SELLER" in text
    assert "no exposure cap set" in text
    accepted = tc("order", "accept", str(oid))
    assert "risk screen of order" in accepted.output and f"order #{oid} accepted: it binds" in accepted.output
    assert "shipped" in tc("order", "ship", str(oid)).output
    shown = json.loads(tc("order", "show", str(oid), "--json").output)
    actions = [row["action"] for row in shown["timeline"]]
    binding = ["placed and paid", "awaiting the seller's acceptance", "accepted by the seller"]
    assert [a for a in actions if a in binding] == binding, actions  # the FX block adds "rate locked" among them


def test_an_unaccepted_order_is_refunded_after_its_deadline(tc):
    oid = json.loads(tc("order", "create", "--seller", "seller", "--amount", "2 ETH", "--accept-within", "1h",
                        "--json").output)["orderId"]
    early = tc("order", "refund", str(oid), ok=False)
    assert early.exit_code == 1 and "no refund is due" in early.output
    tc("time", "advance", "2h")
    late = tc("order", "accept", str(oid), ok=False)
    assert late.exit_code == 1 and "acceptance deadline" in late.output and "has passed" in late.output
    assert "refunded" in tc("order", "refund", str(oid)).output
    shown = json.loads(tc("order", "show", str(oid), "--json").output)
    assert shown["state"] == "Refunded"
    assert any(row["detail"].endswith("not accepted by the seller in time") for row in shown["timeline"])


def test_the_admin_caps_exposure_and_an_order_over_it_is_refused_in_one_line(tc):
    set_cap = _json(tc, "order.cap", "--multiple", "2", "--floor", "3 ETH")
    assert set_cap["multiple"] == 2 and set_cap["floor"] == 3 * 10**18
    denied = tc("order", "cap", "--multiple", "2", "--account", "seller", ok=False)
    assert denied.exit_code == 1 and "\n" == denied.output[-1] and denied.output.count("\n") == 1
    tc("order", "create", "--seller", "buyer2", "--amount", "2 ETH")
    over = tc("order", "create", "--seller", "buyer2", "--amount", "2 ETH", ok=False)
    assert over.exit_code == 1 and "exposure cap" in over.output and "Traceback" not in over.output
    tc("order", "cap", "--multiple", "0")


def test_bad_acceptance_input_is_a_usage_error(tc):
    too_late = tc("order", "create", "--seller", "seller", "--amount", "1 ETH", "--ship-within", "1d",
                  "--accept-within", "2d", ok=False)
    assert too_late.exit_code == 2 and "--accept-within" in too_late.output
    oid = json.loads(tc("order", "create", "--seller", "seller", "--amount", "1 ETH", "--json").output)["orderId"]
    bound = tc("order", "accept", str(oid), ok=False)
    assert bound.exit_code == 2 and "not waiting for acceptance" in bound.output


def test_bench_risk_reports_both_arms_beside_the_papers(tmp_path):
    result = CliRunner().invoke(cli, ["bench", "risk", "--sample", "0", "--results-dir", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    validate("bench.risk", result.output)
    data = json.loads(result.output)
    assert data["simulated"] is True and data["papers"]["disputeRateChange"] == -0.52
    assert data["screened"]["disputeRate"] < data["unscreened"]["disputeRate"]
    text = CliRunner().invoke(cli, ["bench", "risk", "--sample", "0", "--results-dir", str(tmp_path)]).output
    assert "SIMULATED" in text and "the papers cite -52%" in text


def test_the_demo_story_shows_acceptance_the_screen_and_the_cap(client):
    from tradechain.demo import run_demo

    (story,) = [o for o in run_demo(client)["orders"] if "riskScreen" in o]  # the terms story's accepted order
    actions = [row["action"] for row in story["timeline"]]
    binding = ["placed and paid", "awaiting the seller's acceptance", "accepted by the seller"]
    assert [a for a in actions if a in binding] == binding, actions  # the FX block adds "rate locked" among them
    assert story["state"] == "Released"
    screen = story["riskScreen"]
    assert [r["code"] for r in screen["rules"]] == [r.code for r in RULES]
    assert screen["score"] == sum(r["weight"] for r in screen["reasons"])
    assert story["exposure"]["open"] == story["amount"] <= story["exposure"]["cap"]  # the converted price, open
