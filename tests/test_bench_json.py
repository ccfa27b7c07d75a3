"""The benchmarks' --json, from real runs at small sizes, against their schemas (schemas/bench.*.json).

`bench gas` and `report` are validated where they already run (test_gas_snapshot.py); these run the others once
each, small: one settlement per window, two trades per round, a five-order devnet idling a second, one start-up
repeat. What they measure is not judged here (the benchmarks' own limits do that); the shape is.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from test_json_output import validate

from tradechain.cli import cli


@pytest.mark.parametrize("argv", [
    ["latency", "--repeats", "1"],
    ["speed", "--trades", "2", "--rounds", "1", "--anvil-trades", "4", "--senders", "0", "--no-titanoboa"],
    ["idle", "--orders", "5", "--seconds", "1"],
    ["startup", "--repeats", "1"],
], ids=lambda argv: argv[0])
def test_a_small_benchmark_run_prints_json_its_schema_describes(argv, tmp_path):
    result = CliRunner().invoke(cli, ["bench", *argv, "--json", "--results-dir", str(tmp_path)],
                                env={"TRADECHAIN_NETWORK": "", "TRADECHAIN_RPC": ""})
    assert result.exit_code == 0, result.output
    validate(f"bench.{argv[0]}", result.stdout)
    written = json.loads(result.stdout)["resultsFile"]
    assert written.startswith(str(tmp_path))  # the run went where it was told, not into results/
