"""The CLI on the embedded chain: demo, compile, help, and errors that are one line, never a traceback."""

import json
import subprocess
import sys
import time

from click.testing import CliRunner
from test_json_output import validate

from tradechain.cli import cli


def run(*args, env=None):
    result = CliRunner().invoke(cli, list(args), env=env or {"TRADECHAIN_RPC": ""})
    return result


def test_help_answers_fast_without_importing_web3():
    code = "import sys, tradechain.cli; assert 'web3' not in sys.modules, 'web3 imported on the --help path'"
    subprocess.run([sys.executable, "-c", code], check=True)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "tradechain.cli", "--help"], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    assert out.returncode == 0 and "order" in out.stdout
    assert elapsed < 1.0, f"--help took {elapsed:.2f}s"


def test_demo_json_tells_both_orders_with_timelines_and_gas():
    result = run("demo", "--json")
    assert result.exit_code == 0, result.output
    validate("demo", result.output)
    data = json.loads(result.output)
    assert data["balances"]["after"]["buyer"]["tUSD"]["amount"] < data["balances"]["before"]["buyer"]["tUSD"]["amount"]
    states = {o["title"].split(",")[0]: o["state"] for o in data["orders"]}
    assert states["Electronics"] == "Released" and states["Textiles"] == "Resolved"
    for order in data["orders"]:
        assert order["id"] >= 1 and order["gas"] and all(g > 21_000 for g in order["gas"].values())
        actions = [row["action"] for row in order["timeline"]]
        assert actions[0] == "placed and paid" and "invoice minted" in actions and "Delivered" in actions
    assert data["totals"]["gas"] == sum(o["gasTotal"] for o in data["orders"])
    disputed = next(o for o in data["orders"] if o["state"] == "Resolved")
    assert any("3600 tUSD to buyer" in row["detail"] for row in disputed["timeline"])
    financed = next(o for o in data["orders"] if "financing" in o)
    f = financed["financing"]
    rows = {row["action"]: row for row in financed["timeline"]}
    # the seller is paid when the invoice sells, right after shipping; the financier collects face value at release
    assert rows["bought the invoice"]["timestamp"] == f["sellerPaidAt"]
    assert rows["bought the invoice"]["timestamp"] - rows["shipped"]["timestamp"] < 60
    assert rows["released"]["timestamp"] == f["settledAt"]
    assert any(row["detail"] == f"{f['faceValueText']} to financier" for row in financed["timeline"])
    assert f["faceValue"] == 19_800 * 10**6 and f["price"] == f["faceValue"] * (10_000 - f["discountBps"]) // 10_000
    assert f["daysOfCashSaved"] == round((f["settledAt"] - f["sellerPaidAt"]) / 86_400, 2) > 20
    assert f["financierYieldPct"] == round(100 * (f["faceValue"] - f["price"]) / f["price"], 3)
    assert data["totals"]["financed"]["daysOfCashSaved"] == f["daysOfCashSaved"]


def test_demo_prints_a_readable_story():
    result = run("demo")
    assert result.exit_code == 0, result.output
    for text in ("Order #1", "released", "resolved by arbiter", "Balances", "ETH before", "bought the invoice",
                 "days of seller cash saved", "financier yield"):
        assert text in result.output


def test_compile_reports_contracts_and_cache():
    run("compile")
    result = run("compile", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["cached"] is True  # a second compile of the same sources comes from the cache
    assert data["contracts"]["TradeEscrow"] > 10_000


def test_multi_step_commands_refuse_the_embedded_chain_with_a_way_forward():
    result = run("order", "list")
    assert result.exit_code == 2
    assert "needs a chain that outlives one command" in result.output and "--rpc" in result.output
    assert "Traceback" not in result.output


def test_no_node_at_rpc_is_one_clear_line():
    result = run("--rpc", "http://127.0.0.1:9", "order", "list")
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert "no Ethereum node answers at http://127.0.0.1:9" in result.output


def test_malformed_rpc_url_is_a_usage_error():
    result = run("--rpc", "localhost:8545", "order", "list")
    assert result.exit_code == 2 and "must be an http(s):// URL" in result.output


def test_bad_duration_on_time_advance():
    result = run("time", "advance", "soon")
    assert result.exit_code == 2 and "bad duration 'soon'" in result.output


def test_a_compile_error_prints_file_line_col_and_exits_1(tmp_path, monkeypatch):
    import os

    root = tmp_path / "project"
    (root / "contracts").mkdir(parents=True)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    (root / "node_modules").symlink_to(os.path.join(here, "node_modules"))
    (root / "contracts" / "Bad.sol").write_text("pragma solidity 0.8.37;\ncontract Bad {\n  uint x = \n}\n")
    result = run("compile", env={"TRADECHAIN_ROOT": str(root), "TRADECHAIN_RPC": ""})
    assert result.exit_code == 1
    assert result.output.startswith("error: contracts/Bad.sol:4:1: ParserError:")
    assert "Traceback" not in result.output and "unexpected" not in result.output
