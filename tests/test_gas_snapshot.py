"""The gas snapshot: no figure may rise above gas-snapshot.json. The one benchmark that is a test.

Runs `tradechain bench gas --json --check` once (~15 s on eth-tester) into a temporary results folder; the
report smoke test reuses that run.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from test_json_output import validate
from tradechain.bench import snapshot
from tradechain.cli import cli


@pytest.fixture(scope="module")
def gas_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, object, object]:
    results = tmp_path_factory.mktemp("results")
    out = CliRunner().invoke(cli, ["bench", "gas", "--json", "--check", "--results-dir", str(results)])
    validate("bench.gas", out.stdout)
    return json.loads(out.stdout), out, results


def test_no_gas_figure_rises_above_the_snapshot(gas_run):
    result, out, _ = gas_run
    diff = result["snapshot"]["diff"]
    print("\n".join(diff))  # shown by pytest on failure: every figure that moved
    assert not result["snapshot"]["failed"], (
        "gas rose above gas-snapshot.json:\n  " + "\n  ".join(l for l in diff if l.startswith(("ROSE", "NEW")))
        + f"\nif the rise is intended, {snapshot.UPDATE_HINT}"
    )
    assert out.exit_code == 0


def test_bench_gas_json_has_every_flow_and_the_targets(gas_run):
    result, _, results = gas_run
    assert {"eth_order", "erc20_order", "disputed_order", "refund_on_timeout", "batch_release"} <= set(result["steps"])
    assert all(g > 21_000 for steps in result["steps"].values() for g in steps.values())
    assert [line["unit"] for line in result["targets"]] == ["gas", "gas", "ratio"]
    assert all(isinstance(line["met"], bool) for line in result["targets"])
    assert len(list(results.glob("*-gas.json"))) == 1


def test_compare_flags_a_rise_and_a_new_figure_but_not_a_fall():
    diff = snapshot.compare({"a": 101, "b": 99, "c": 5}, {"a": 100, "b": 100, "d": 1})
    assert diff.failed
    assert diff.rose == {"a": (100, 101)} and diff.fell == {"b": (100, 99)}
    assert diff.new == {"c": 5} and diff.gone == {"d": 1}
    assert not snapshot.compare({"b": 99}, {"b": 100}).failed


def test_report_writes_markdown_charts_and_json_from_the_gas_run(gas_run, tmp_path):
    _, _, results = gas_run
    out = CliRunner().invoke(cli, ["report", "--json", "--results-dir", str(results), "--out", str(tmp_path),
                                   "--l1-gwei", "20", "--eth-usd", "2000"])
    assert out.exit_code == 0, out.output
    validate("report", out.stdout)
    data = json.loads(out.stdout)
    md = (tmp_path / "report.md").read_text()
    assert "| cited |" in md and "| measured |" in md and "20 gwei" in md
    # the rate lock, over the replayed EUR/USD path and beside the papers' cited 8-15 %
    assert "What the rate lock saved, over a replayed EUR/USD path" in md and "8–15 %" in md
    assert "measured (replayed path)" in md and data["fxLock"]["label"].startswith("replayed path: ECB")
    assert [h["horizonDays"] for h in data["fxLock"]["horizons"]] == [5, 10, 20]
    assert all((tmp_path / f"{name}.png").stat().st_size > 10_000
               for name in ("gas_per_step", "cost_per_trade", "settlement_time"))
    eth = data["perTrade"]["eth_order"]
    assert eth["usdL1"] == pytest.approx(eth["gas"] * 20e-9 * 2000)


def test_report_refuses_a_non_positive_price(tmp_path):
    out = CliRunner().invoke(cli, ["report", "--eth-usd", "0", "--results-dir", str(tmp_path)])
    assert out.exit_code == 2 and "must be positive" in out.output and "Traceback" not in out.output
