"""`tradechain report`: Markdown and PNG charts of cost and settlement time, measured beside cited baselines."""

from __future__ import annotations

import click

from tradechain.cli.bench import results_option
from tradechain.cli.context import emit_json, json_option


@click.command("report")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder for report.md and the charts (default results/report-<timestamp>).")
@click.option("--l1-gwei", default=10.0, show_default=True, help="Assumed L1 gas price (gwei).")
@click.option("--l2-gwei", default=0.01, show_default=True, help="Assumed L2 gas price (gwei).")
@click.option("--eth-usd", default=3000.0, show_default=True, help="Assumed ETH price (USD).")
@click.option("--order-usd", default=10_000.0, show_default=True, help="Order value for % comparisons (USD).")
@click.option("--fee-pct", default=1.0, show_default=True, help="Platform fee the deployment charges (%, max 5).")
@click.option("--blob-gwei", default=1.0, show_default=True,
              help="Assumed L1 blob base fee (gwei) for an OP Stack rollup's L1 data fee.")
@results_option
@json_option
def report_cmd(out_dir, l1_gwei, l2_gwei, eth_usd, order_usd, fee_pct, blob_gwei, results_dir, as_json):
    """Write the settlement report from the latest bench results (runs `bench gas` and `bench latency` if
    there are none)."""
    from pathlib import Path

    from tradechain.bench import report, results
    from tradechain.errors import UsageError

    if min(l1_gwei, l2_gwei, eth_usd, order_usd) <= 0:
        raise UsageError("--l1-gwei, --l2-gwei, --eth-usd and --order-usd must be positive numbers")
    if blob_gwei < 0:
        raise UsageError(f"--blob-gwei {blob_gwei:g} must be 0 or more")
    if not 0 <= fee_pct <= 5:
        raise UsageError(f"--fee-pct {fee_pct:g} is outside 0..5 (the escrow caps its fee at 5 %)")
    gas = results.latest("gas", results_dir)
    if gas is None or "baseFeeScalar" not in gas.get("l1Data", {}).get("assumptions", {}):  # none, or an older shape
        from tradechain.bench import gas as gas_bench

        gas = gas_bench.measure()
        results.write("gas", gas, results_dir)
    latency = results.latest("latency", results_dir)
    if latency is None:
        from tradechain.bench import latency as latency_bench

        latency = latency_bench.measure()
        results.write("latency", latency, results_dir)
    a = report.Assumptions(l1_gwei, l2_gwei, eth_usd, order_usd, fee_pct, blob_gwei)
    data = report.build(gas, results.latest("speed", results_dir), latency, a)
    out = Path(out_dir) if out_dir else results.results_dir(results_dir) / f"report-{results.stamp()}"
    data["files"] = report.write(data, out)
    data["resultsFile"] = str(results.write("report", data, results_dir))
    if as_json:
        emit_json(data)
        return
    click.echo(f"report: {data['files']['markdown']}")
    for path in data["files"]["charts"]:
        click.echo(f"chart:  {path}")
