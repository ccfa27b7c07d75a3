"""`tradechain bench …`: gas per step, throughput, settlement latency and start-up time, measured."""

from __future__ import annotations

import click

from tradechain.cli.context import emit_json, json_option

results_option = click.option("--results-dir", type=click.Path(file_okay=False), default=None,
                              help="Where the timestamped JSON of this run goes (default results/).")


@click.group("bench")
def bench():
    """Measure gas, speed, settlement latency, start-up time and idle devnet CPU (written to results/ as JSON)."""


def measurement(name: str):
    """A `bench NAME` command: with --results-dir and --json (its options come after the command's own)."""
    def wrap(f):
        return bench.command(name)(results_option(json_option(f)))

    return wrap


def written(kind: str, result: dict, results_dir, as_json: bool) -> bool:
    """Write this run's timestamped results file (its path goes into `result`) and, with --json, print the
    result. True when it was printed: the command then prints nothing for people."""
    from tradechain.bench import results

    result["resultsFile"] = str(results.write(kind, result, results_dir))
    if as_json:
        emit_json(result)
    return as_json


@measurement("index")
@click.option("--orders", default="1000,10000", show_default=True, help="Comma-separated chain sizes, in orders.")
@click.option("--due", default=100, show_default=True, help="Orders due for release in the keeper's pass.")
@click.option("--seconds", default=10.0, show_default=True, help="Seconds of load per page (wrk).")
def index_cmd(orders: str, due: int, seconds: float, results_dir, as_json: bool):
    """The read side at scale on anvil: index catch-up rate, the keeper's pass, page latency under load (wrk,
    else a Python loop), CLI via index vs node (each a fresh process as a user runs it: tradechain's bytecode
    compiled once beforehand, PYTHONDONTWRITEBYTECODE left out of its environment)."""
    import tempfile
    from pathlib import Path

    from tradechain.bench import index
    from tradechain.errors import UsageError

    try:
        sizes = [int(x) for x in orders.split(",")]
    except ValueError:
        raise UsageError(f"--orders {orders!r}: give sizes like 1000,10000") from None
    if due < 1 or seconds <= 0:
        raise UsageError("--due must be at least 1 and --seconds above 0")
    if any(n <= 2 * due + 1 for n in sizes):
        raise UsageError(f"--orders: each size must be above {2 * due + 1} (it holds {due} due and {due} open orders)")
    with tempfile.TemporaryDirectory(prefix="tc-bench-index-") as work:
        result = index.measure(sizes, Path(work), due=due, seconds=seconds)
    if written("index", result, results_dir, as_json):
        return
    m = result["machine"]
    click.echo(f"{m['cpus']} CPUs, load average {' '.join(map(str, m['loadAverage']))} at the start")
    for s in result["sizes"]:
        c = s["catchUp"]
        click.echo(f"{s['ordersOnChain']:,} orders: catch-up {c['events']:,} events in {c['seconds']} s "
                   f"= {c['eventsPerSecond']:,} events/s")
        click.echo("  wall (CPU) seconds of each command as a fresh process (bytecode compiled, as a user runs it):")
        for name, v in s["cli"].items():
            used, over, over_cpu = s["cliCpu"][name], s["overStartup"].get(name), s["overStartupCpu"].get(name)
            click.echo(f"  {name:<38} " + (f"{v} ({used}) s" if not isinstance(v, dict) else
                                           "  ".join(f"{k} {t} ({used[k]}) s" for k, t in v.items()))
                       + ("" if over is None else f"  (index: {over:+} ({over_cpu:+}) s over start-up)"))
        k = s["keeperPass"]
        click.echo(f"  {'keeper pass in-process (' + str(s['due']) + ' due)':<38} {k['seconds']} s, "
                   f"{k['requests']} JSON-RPC requests in {k['httpPosts']} HTTP posts")
        for page, p in s["pages"].items():
            click.echo(f"  {page:<38} median {p['medianMs']} ms, p95 {p['p95Ms']} ms "
                       f"({p['requests']} requests, {p['concurrency']} concurrent, {p['perSecond']}/s; {p['tool']})")
    click.echo(f"written to {result['resultsFile']}")


@measurement("gas")
@click.option("--snapshot", "write_snapshot", is_flag=True, help="Write the figures to gas-snapshot.json.")
@click.option("--check", is_flag=True, help="Fail (exit 1) when any figure rises above gas-snapshot.json.")
def gas_cmd(write_snapshot: bool, check: bool, results_dir, as_json: bool):
    """Gas per step and per trade for the standard flows on the embedded chain, against the issue's targets
    (reported, not enforced) and gas-snapshot.json (enforced with --check: exit 1 when a figure rises)."""
    from tradechain.bench import gas, snapshot

    result = gas.measure()
    figures = gas.flat(result)
    diff = snapshot.compare(figures, snapshot.load())
    result["snapshot"] = {"file": snapshot.FILENAME, "diff": diff.lines(), "failed": diff.failed}
    if write_snapshot:
        result["snapshot"]["written"] = str(snapshot.save(figures))
    if not written("gas", result, results_dir, as_json):
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
                  f"{a['l1BaseFeeGwei']:g} gwei, blob base fee {a['blobBaseFeeGwei']:g} gwei, scalars "
                  f"{a['baseFeeScalar']} / {a['blobBaseFeeScalar']}); in gwei (1e-9 ETH)[/]")
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


@measurement("speed")
@click.option("--trades", default=20, show_default=True, help="Trades per round (embedded chain and anvil client).")
@click.option("--rounds", default=5, show_default=True, help="Paired rounds (baseline, candidate) per comparison.")
@click.option("--anvil-trades", default=400, show_default=True, help="Pipelined trades on the anvil devnet.")
@click.option("--no-anvil", is_flag=True, help="Skip the anvil devnet part (and the concurrency runs).")
@click.option("--no-titanoboa", is_flag=True, help="Skip the titanoboa comparison (its venv is made on first use).")
@click.option("--senders", default=4, show_default=True,
              help="Concurrent senders sharing one key, on anvil and Hardhat's node (0: skip).")
@click.option("--per-sender", default=5, show_default=True, help="Trades per concurrent sender.")
def speed_cmd(trades: int, rounds: int, anvil_trades: int, no_anvil: bool, no_titanoboa: bool, senders: int,
              per_sender: int, results_dir, as_json: bool):
    """Trades per second in paired rounds: raw eth-tester vs TradeClient embedded, raw JSON-RPC vs TradeClient
    on anvil (median and range of the per-pair ratios, each of the pair's median trades), requests per trade,
    pipelined anvil, and concurrent senders sharing one key on anvil and Hardhat's node (threads, then two
    processes)."""
    from tradechain.bench import speed
    from tradechain.errors import UsageError

    if senders < 0 or senders % 2 or per_sender < 1:
        raise UsageError("--senders must be an even number >= 0 (two processes share them) and --per-sender >= 1")
    result = speed.measure(trades=trades, rounds=rounds, anvil_trades=anvil_trades, anvil_client_trades=trades,
                           use_anvil=not no_anvil, senders=senders, per_sender=per_sender,
                           use_titanoboa=not no_titanoboa)
    if written("speed", result, results_dir, as_json):
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
                       f"({r['trades']} trades in {r['seconds']} s, timed by {r['timedBy']}"
                       + (f"; median trade {r['medianTradeMs']:.1f} ms)" if "medianTradeMs" in r else ")"))
    click.echo("  (raw eth-tester: the embedded chain's own eth-tester configuration, embedded_backend.py, with "
               "keccak from pysha3; receipts read as the client reads them)")
    for name, p in result["pairs"].items():
        click.echo(f"  {name:<30} median {p['median']:.3f}  range {p['range'][0]:.3f}-{p['range'][1]:.3f}  "
                   f"target >= {p['target']}: {p['verdict']}")
    if speed.TITANOBOA[0] in result["pairs"]:
        p = result["pairs"][speed.TITANOBOA[0]]
        click.echo(f"  titanoboa ({result['titanoboaVm']}, keccak from {result['titanoboaKeccak']}, same py-evm and "
                   f"bytecode) is {1 / p['median']:.1f}x the "
                   f"embedded client (pairs {1 / p['range'][1]:.1f}-{1 / p['range'][0]:.1f}x), both by CPU time")
    elif "titanoboaUnavailable" in result:
        click.echo(f"  titanoboa: not measured: {result['titanoboaUnavailable']}")
    if "requestsPerTrade" in result:
        per = result["requestsPerTrade"]
        detail = ", ".join(f"{m} {n:g}" for m, n in per.items() if m != "total")
        click.echo(f"  JSON-RPC requests per trade (TradeClient, anvil): {per['total']:g} ({detail}); "
                   f"limit {speed.REQUESTS_PER_TRADE}: {'PASS' if per['total'] <= speed.REQUESTS_PER_TRADE else 'FAIL'}")
    if "pipelinedOverEmbeddedClient" in result:
        click.echo(f"  pipelined anvil / embedded client: {result['pipelinedOverEmbeddedClient']}x")
    for node, run in result.get("concurrency", {}).items():
        for key, label in (("oneSender", "1 sender"), ("threads", f"{run['threads']['senders']} threads"),
                           ("twoProcesses", f"2 processes x {run['twoProcesses']['senders'] // 2}")):
            r = run[key]
            click.echo(f"  one key, {node}, {label:<16} {r['tradesPerSecond']:>8.2f} trades/s  "
                       f"({r['trades']} trades in {r['seconds']} s; {r['checked']})")
        for name, value in run["ratios"].items():
            click.echo(f"  {node}: {name:<32} {value:>6}")
    click.echo(f"results: {result['resultsFile']}")


@measurement("idle")
@click.option("--orders", default=5000, show_default=True, help="Trades run through the devnet before it idles.")
@click.option("--seconds", default=20.0, show_default=True, help="How long the idle devnet is watched.")
def idle_cmd(orders: int, seconds: float, results_dir, as_json: bool):
    """CPU an idle devnet holding ORDERS orders uses: with the state saver, and with anvil's --state-interval 1."""
    from tradechain.bench import idle

    result = idle.measure(orders=orders, seconds=seconds)
    if written("idle", result, results_dir, as_json):
        return
    ours, old = result["saver"]["coreShare"], result["anvilStateInterval1"]["coreShare"]
    click.echo(f"idle devnet, {orders} orders, state file {result['stateFileMB']} MB, watched {seconds:g} s:")
    click.echo(f"  anvil + saver (saves only when a block was mined)  {ours:.2%} of a core  "
               f"limit {result['limit']:.0%}: {'PASS' if result['saver']['pass'] else 'FAIL'}")
    click.echo(f"  anvil --state-interval 1 (rewrites every second)    {old:.2%} of a core")
    click.echo(f"results: {result['resultsFile']}")
    if not result["saver"]["pass"]:
        raise SystemExit(1)


@measurement("latency")
@click.option("--poll", default=0.25, show_default=True, help="Keeper polling interval in seconds.")
@click.option("--repeats", default=3, show_default=True, help="Settlements per setting.")
def latency_cmd(poll: float, repeats: int, results_dir, as_json: bool):
    """Blocks and seconds from the Delivered checkpoint to funds at the invoice holder, keeper running (anvil)."""
    from tradechain.bench import latency

    result = latency.measure(poll=poll, repeats=repeats)
    if written("latency", result, results_dir, as_json):
        return
    click.echo(f"{result['chain']}; keeper: {result['keeper']}")
    for window, worst in result["worstByWindow"].items():
        click.echo(f"  inspection window {int(window):>7} s: worst of {repeats}: {worst['blocks']} blocks, "
                   f"{worst['chainSeconds']} s chain time, {worst['wallSeconds']} s wall time")
    click.echo(f"results: {result['resultsFile']}")


@measurement("startup")
@click.option("--repeats", default=5, show_default=True, type=click.IntRange(min=1), help="Runs of each command.")
def startup_cmd(repeats: int, results_dir, as_json: bool):
    """Start-up time of commands that touch no chain (limit 0.3 s) and of `order show` on an anvil (limit 0.8 s),
    and cold and warm compile times."""
    from tradechain.bench import startup

    result = startup.measure(repeats)
    if written("startup", result, results_dir, as_json):
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


@bench.command("risk")
@click.option("--seed", default=15, show_default=True, type=int, help="Seed of the simulated population and trades.")
@click.option("--sample", default=24, show_default=True, type=click.IntRange(0, 200),
              help="Orders of the simulation also run on the embedded chain, to check its screen agrees (0: skip).")
@results_option
@json_option
def risk_cmd(seed: int, sample: int, results_dir, as_json: bool):
    """Dispute rate and losses with and without the risk screen and exposure cap, on a seeded simulation of honest
    and fraudulent agents (simulated histories screened by the real screen), beside the papers' cited -52 %."""
    from tradechain.bench import results, risk

    result = risk.measure(seed)
    if sample:
        result["onChainSample"] = risk.sample_on_chain(seed, sample)
    result["resultsFile"] = str(results.write("risk", result, results_dir))
    if as_json:
        emit_json(result)
        return
    render_risk(result)


def render_risk(result: dict) -> None:
    click.echo(f"risk screen: seeded simulation (seed {result['seed']}, {result['days']} days) — SIMULATED, not a "
               "chain run")
    click.echo(f"  {result['method']}")
    click.echo(f"  {'':<28}{'no screening':>16}{'screen + cap':>16}")
    u, s = result["unscreened"], result["screened"]
    rows = [("orders tried", "attempts", "{:,}"), ("orders bound", "bound", "{:,}"),
            ("disputes", "disputes", "{:,}"), ("dispute rate", "disputeRate", "{:.1%}"),
            ("fraud losses (tUSD)", "losses", None), ("losses / bound volume", "lossRate", "{:.1%}"),
            ("refused by the screen", "refusedByScreen", "{:,}"), ("refused by the cap", "refusedByCap", "{:,}"),
            ("honest orders tried", "honestAttempts", "{:,}"), ("honest orders refused", "honestRefused", "{:,}")]
    for label, key, fmt in rows:
        show = (lambda v: f"{v / 10**6:,.0f}") if fmt is None else fmt.format
        click.echo(f"  {label:<28}{show(u[key]):>16}{show(s[key]):>16}")
    click.echo("  losses by pattern (tUSD):")
    for p, b in u["byPattern"].items():
        click.echo(f"    {p:<26}{b['losses'] / 10**6:>16,.0f}{s['byPattern'][p]['losses'] / 10**6:>16,.0f}"
                   f"   ({s['byPattern'][p]['bound']} of {b['attempts']} bound when screened)")
    click.echo(f"  dispute rate change: {result['disputeRateChange']:+.1%} measured here; the papers cite "
               f"{result['papers']['disputeRateChange']:+.0%} ({result['papers']['source']})")
    click.echo(f"  loss change: {result['lossChange']:+.1%}")
    sample = result.get("onChainSample")
    if sample:
        click.echo(f"  on-chain sample: {sample['orders']} orders run through the contracts on the embedded chain; "
                   f"records read back from events equal the simulated ones: {sample['recordsAgree']}; screens agree: "
                   f"{sample['screensAgree']}; exposure cap agrees: {sample['capAgrees']}")
    click.echo(f"written to {result['resultsFile']}")
