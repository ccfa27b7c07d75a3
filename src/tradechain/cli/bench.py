"""`tradechain bench …`: gas per step, throughput, settlement latency and start-up time, measured."""

from __future__ import annotations

import click

from tradechain.cli.context import emit_json, json_option

results_option = click.option("--results-dir", type=click.Path(file_okay=False), default=None,
                              help="Where the timestamped JSON of this run goes (default results/).")


@click.group("bench")
def bench():
    """Measure gas, speed, settlement latency, start-up time and idle devnet CPU (written to results/ as JSON)."""


@bench.command("index")
@click.option("--orders", default="1000,10000", show_default=True, help="Comma-separated chain sizes, in orders.")
@results_option
@json_option
def index_cmd(orders: str, results_dir, as_json: bool):
    """The read side at scale on anvil: index catch-up rate, page latency under load, CLI via index vs node."""
    import tempfile
    from pathlib import Path

    from tradechain.bench import index, results
    from tradechain.errors import UsageError

    try:
        sizes = [int(x) for x in orders.split(",")]
    except ValueError:
        raise UsageError(f"--orders {orders!r}: give sizes like 1000,10000") from None
    if any(n <= 2 * index.DUE + 1 for n in sizes):
        raise UsageError(f"--orders: each size must be above {2 * index.DUE + 1} (it holds {index.DUE} due orders)")
    with tempfile.TemporaryDirectory(prefix="tc-bench-index-") as work:
        result = index.measure(sizes, Path(work))
    result["resultsFile"] = str(results.write("index", result, results_dir))
    if as_json:
        emit_json(result)
        return
    for s in result["sizes"]:
        c = s["catchUp"]
        click.echo(f"{s['ordersOnChain']:,} orders: catch-up {c['events']:,} events in {c['seconds']} s "
                   f"= {c['eventsPerSecond']:,} events/s")
        for name, v in s["cli"].items():
            click.echo(f"  {name:<28} " + (f"{v} s" if not isinstance(v, dict) else
                                           "  ".join(f"{k} {t} s" for k, t in v.items())))
        for page, p in s["pages"].items():
            click.echo(f"  {page:<28} median {p['medianMs']} ms, p95 {p['p95Ms']} ms "
                       f"({p['requests']} requests, {p['concurrency']} concurrent, {p['perSecond']}/s)")
    click.echo(f"written to {result['resultsFile']}")


@bench.command("gas")
@click.option("--snapshot", "write_snapshot", is_flag=True, help="Write the figures to gas-snapshot.json.")
@click.option("--check", is_flag=True, help="Fail (exit 1) when any figure rises above gas-snapshot.json.")
@results_option
@json_option
def gas_cmd(write_snapshot: bool, check: bool, results_dir, as_json: bool):
    """Gas per step and per trade for the standard flows on the embedded chain, against the issue's targets
    (reported, not enforced) and gas-snapshot.json (enforced with --check: exit 1 when a figure rises)."""
    from tradechain.bench import gas, results, snapshot

    result = gas.measure()
    figures = gas.flat(result)
    diff = snapshot.compare(figures, snapshot.load())
    result["snapshot"] = {"file": snapshot.FILENAME, "diff": diff.lines(), "failed": diff.failed}
    result["resultsFile"] = str(results.write("gas", result, results_dir))
    if write_snapshot:
        result["snapshot"]["written"] = str(snapshot.save(figures))
    if as_json:
        emit_json(result)
    else:
        render_gas(result)
    if check and diff.failed and not write_snapshot:
        raise SystemExit(1)


def render_gas(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]gas[/] on {result['chain']}, {result['optimizer']}")
    console.print(f"[dim]{result['note']}[/]")
    l1 = result["l1Data"]
    a = l1["assumptions"]
    console.print(f"[dim]L1 data: what an OP Stack rollup adds per step ({l1['formula']}; L1 base fee "
                  f"{a['l1_base_fee_gwei']:g} gwei, blob base fee {a['blob_base_fee_gwei']:g} gwei, scalars "
                  f"{a['base_fee_scalar']} / {a['blob_base_fee_scalar']}); in gwei (1e-9 ETH)[/]")
    for flow_name, steps in result["steps"].items():
        table = Table(title=flow_name, title_justify="left", header_style="bold", box=None)
        table.add_column("step")
        table.add_column("gas", justify="right")
        table.add_column("L1 data fee", justify="right")
        l1_steps = l1["steps"].get(flow_name, {})
        for step, g in steps.items():
            fee = l1_steps.get(step, {}).get("feeWei")
            table.add_row(step, f"{g:,}", "" if fee is None else f"{fee / 1e9:,.0f} gwei")
        if flow_name in result["perTrade"]:
            fee = l1["perTrade"].get(flow_name, 0) / 1e9
            table.add_row("[bold]per trade[/]", f"[bold]{result['perTrade'][flow_name]:,}[/]", f"[bold]{fee:,.0f} gwei[/]")
        for k, v in result["derived"].get(flow_name, {}).items():
            table.add_row(f"[dim]{k}[/]", f"{v:,.3f}" if k.startswith("ratio") else f"{v:,.0f}", "")
        console.print(table)
    console.print("[bold]targets[/] [dim](the issue's figures: reported, not enforced; --check enforces "
                  "gas-snapshot.json)[/]")
    for line in result["targets"]:
        mark = "[green]met   [/]" if line["met"] else "[yellow]missed[/]"
        fmt = "{:,.3f}" if line["unit"] == "ratio" else "{:,.0f}"
        console.print(f"  {mark}  {line['item']}: {fmt.format(line['value'])} (target {fmt.format(line['limit'])})")
    snap = result["snapshot"]
    if snap["diff"]:
        console.print(f"[bold]against {snap['file']}[/]")
        for line in snap["diff"]:
            console.print(f"  {line}", markup=False)
    else:
        console.print(f"same as {snap['file']}")
    if snap.get("written"):
        console.print(f"snapshot written: {snap['written']}")
    console.print(f"[dim]results: {result['resultsFile']} ({result['seconds']} s)[/]")


@bench.command("speed")
@click.option("--trades", default=20, show_default=True, help="Trades per round (embedded chain and anvil client).")
@click.option("--rounds", default=5, show_default=True, help="Paired rounds (baseline, candidate) per comparison.")
@click.option("--anvil-trades", default=400, show_default=True, help="Pipelined trades on the anvil devnet.")
@click.option("--no-anvil", is_flag=True, help="Skip the anvil devnet part (and the concurrency runs).")
@click.option("--no-titanoboa", is_flag=True, help="Skip the titanoboa comparison (its venv is made on first use).")
@click.option("--senders", default=4, show_default=True,
              help="Concurrent senders sharing one key, on anvil and Hardhat's node (0: skip).")
@click.option("--per-sender", default=5, show_default=True, help="Trades per concurrent sender.")
@results_option
@json_option
def speed_cmd(trades: int, rounds: int, anvil_trades: int, no_anvil: bool, no_titanoboa: bool, senders: int,
              per_sender: int, results_dir, as_json: bool):
    """Trades per second in paired rounds: raw eth-tester vs TradeClient embedded, raw JSON-RPC vs TradeClient
    on anvil (median and range of the per-pair ratios), requests per trade, pipelined anvil, and concurrent
    senders sharing one key on anvil and Hardhat's node (threads, then two processes)."""
    from tradechain.bench import results, speed
    from tradechain.errors import UsageError

    if senders < 0 or senders % 2 or per_sender < 1:
        raise UsageError("--senders must be an even number >= 0 (two processes share them) and --per-sender >= 1")
    result = speed.measure(trades=trades, rounds=rounds, anvil_trades=anvil_trades, anvil_client_trades=trades,
                           use_anvil=not no_anvil, senders=senders, per_sender=per_sender,
                           use_titanoboa=not no_titanoboa)
    result["resultsFile"] = str(results.write("speed", result, results_dir))
    if as_json:
        emit_json(result)
        return
    click.echo(f"a trade = {result['trade']}; {rounds} paired rounds (baseline, candidate, baseline, ...)")
    click.echo("raw JSON-RPC = the client's own requests (eth_estimateGas preflight, then eth_sendTransactionSync) "
               "with no library; 'sends only' drops the preflight")
    for key, label in (("raw", "raw eth-tester"), ("client", "TradeClient, embedded"), ("titanoboa", "titanoboa"),
                       ("rawRpc", "raw JSON-RPC, anvil"), ("anvilClient", "TradeClient, anvil"),
                       ("rawRpcSendsOnly", "raw sends only, anvil"), ("anvilPipelined", "pipelined, anvil")):
        if key in result:
            r = result[key]
            click.echo(f"  {label:<24} {r['tradesPerSecond']:>8.2f} trades/s  {r['txPerSecond']:>8.1f} tx/s  "
                       f"({r['trades']} trades in {r['seconds']} s, timed by {r['timedBy']})")
    for name, p in result["pairs"].items():
        click.echo(f"  {name:<30} median {p['median']:.3f}  range {p['range'][0]:.3f}-{p['range'][1]:.3f}  "
                   f"target >= {p['target']}: {p['verdict']}")
    if speed.TITANOBOA[0] in result["pairs"]:
        p = result["pairs"][speed.TITANOBOA[0]]
        click.echo(f"  titanoboa ({result['titanoboaVm']}, same py-evm and bytecode) is {1 / p['median']:.1f}x the "
                   f"embedded client (pairs {1 / p['range'][1]:.1f}-{1 / p['range'][0]:.1f}x), both by CPU time")
    elif "titanoboaUnavailable" in result:
        click.echo(f"  titanoboa: not measured: {result['titanoboaUnavailable']}")
    if "requestsPerTrade" in result:
        per = result["requestsPerTrade"]
        detail = ", ".join(f"{m} {n:g}" for m, n in per.items() if m != "total")
        click.echo(f"  JSON-RPC requests per trade (TradeClient, anvil): {per['total']:g} ({detail}); "
                   f"limit {speed.REQUESTS_PER_TRADE}: {'PASS' if per['total'] <= speed.REQUESTS_PER_TRADE else 'FAIL'}")
    if "pipelined / embedded client" in result:
        click.echo(f"  pipelined anvil / embedded client: {result['pipelined / embedded client']}x")
    for node, run in result.get("concurrency", {}).items():
        for key, label in (("oneSender", "1 sender"), ("threads", f"{run['threads']['senders']} threads"),
                           ("twoProcesses", f"2 processes x {run['twoProcesses']['senders'] // 2}")):
            r = run[key]
            click.echo(f"  one key, {node}, {label:<16} {r['tradesPerSecond']:>8.2f} trades/s  "
                       f"({r['trades']} trades in {r['seconds']} s; {r['checked']})")
        for name, value in run["ratios"].items():
            click.echo(f"  {node}: {name:<32} {value:>6}")
    click.echo(f"results: {result['resultsFile']}")


@bench.command("idle")
@click.option("--orders", default=5000, show_default=True, help="Trades run through the devnet before it idles.")
@click.option("--seconds", default=20.0, show_default=True, help="How long the idle devnet is watched.")
@results_option
@json_option
def idle_cmd(orders: int, seconds: float, results_dir, as_json: bool):
    """CPU an idle devnet holding ORDERS orders uses: with the state saver, and with anvil's --state-interval 1."""
    from tradechain.bench import idle, results

    result = idle.measure(orders=orders, seconds=seconds)
    result["resultsFile"] = str(results.write("idle", result, results_dir))
    if as_json:
        emit_json(result)
        return
    ours, old = result["saver"]["coreShare"], result["anvilStateInterval1"]["coreShare"]
    click.echo(f"idle devnet, {orders} orders, state file {result['stateFileMB']} MB, watched {seconds:g} s:")
    click.echo(f"  anvil + saver (saves only when a block was mined)  {ours:.2%} of a core  "
               f"limit {result['limit']:.0%}: {'PASS' if result['saver']['pass'] else 'FAIL'}")
    click.echo(f"  anvil --state-interval 1 (rewrites every second)    {old:.2%} of a core")
    click.echo(f"results: {result['resultsFile']}")
    if not result["saver"]["pass"]:
        raise SystemExit(1)


@bench.command("latency")
@click.option("--poll", default=0.25, show_default=True, help="Keeper polling interval in seconds.")
@click.option("--repeats", default=3, show_default=True, help="Settlements per setting.")
@results_option
@json_option
def latency_cmd(poll: float, repeats: int, results_dir, as_json: bool):
    """Blocks and seconds from the Delivered checkpoint to funds at the invoice holder, keeper running (anvil)."""
    from tradechain.bench import latency, results

    result = latency.measure(poll=poll, repeats=repeats)
    result["resultsFile"] = str(results.write("latency", result, results_dir))
    if as_json:
        emit_json(result)
        return
    click.echo(f"{result['chain']}; keeper: {result['keeper']}")
    for window, worst in result["worstByWindow"].items():
        click.echo(f"  inspection window {int(window):>7} s: worst of {repeats}: {worst['blocks']} blocks, "
                   f"{worst['chainSeconds']} s chain time, {worst['wallSeconds']} s wall time")
    click.echo(f"results: {result['resultsFile']}")


@bench.command("startup")
@results_option
@json_option
def startup_cmd(results_dir, as_json: bool):
    """Start-up time of commands that touch no chain (limit 0.3 s) and of `order show` on an anvil (limit 0.8 s),
    and cold and warm compile times."""
    from tradechain.bench import results, startup

    result = startup.measure()
    result["resultsFile"] = str(results.write("startup", result, results_dir))
    if as_json:
        emit_json(result)
        return
    for cmd, r in result["commands"].items():
        click.echo(f"  {cmd:<28} median {r['median']:.3f} s  max {r['max']:.3f} s  "
                   f"{'PASS' if r['pass'] else 'FAIL'} (< {result['limitSeconds']} s)")
    click.echo(f"  heavy modules imported by the CLI at start: {result['heavyModulesImportedByCli']}")
    ch = result["chainCommand"]
    click.echo(f"  {ch['command']}: median {ch['cpuMedian']:.3f} s CPU (max {ch['cpuMax']:.3f})  "
               f"{'PASS' if ch['pass'] else 'FAIL'} (< {ch['limitSeconds']} s CPU); {ch['wallMedian']:.3f} s wall "
               f"(max {ch['wallMax']:.3f}) at load average {ch['loadAverage']}; modules a read does not need, "
               f"loaded: {ch['deferredModulesLoaded']}")
    c = result["compile"]
    click.echo(f"  compile ({c['backend']}): cold {c['coldSeconds']:.2f} s, warm (cache) {c['warmSeconds']:.4f} s")
    click.echo(f"results: {result['resultsFile']}")
