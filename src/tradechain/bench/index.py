"""The read side at scale, on an anvil devnet: index catch-up rate, explorer page latency under a bounded
concurrent load, and the same CLI read through the index and through the node.

For each size N: N released trades (sent pipelined, see bench.speed), then `due` (DUE) orders delivered but not yet
released (what a keeper pass has to do) and as many placed but not due. Then:
- catch-up: `Indexer.run()` from an empty SQLite index, events per second;
- CLI (each a fresh `tradechain` process, as a user runs it): `order list --limit 50`, `order show`, `trace`, and
  one `keeper --once` pass, with the index (`TRADECHAIN_INDEX_DB`) and without (`TRADECHAIN_INDEX=off`); and
  `tradechain deploy` on the deployed suite (connect, load, check: no transaction) as the start-up every
  chain command pays. Each read and the start-up run ROUNDS times, in rounds, and the figures are medians (the
  keeper pass once: it releases the due orders). "As a user runs it" means with tradechain's modules compiled to
  bytecode as a user's first run leaves them: they are compiled once before any timing, and the processes run
  without PYTHONDONTWRITEBYTECODE (set in some shells and CI images; every process would otherwise compile
  tradechain's own modules again, about 0.2 s of CPU, a cost no user's second command pays);
- pages: /order/ID and /trace/ID served by uvicorn on loopback under WORKERS concurrent keep-alive clients, median
  and p95: driven by `wrk` (Debian's package) when it is installed, else by a bounded Python loop, and the
  figures name the tool that made them.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

DUE = 100
WORKERS = 4
REQUESTS = 200  # per page, over all workers, for the Python loop
ROUNDS = 3  # runs of each CLI read and of the start-up (medians); a keeper pass runs once (it releases the due)
LOAD_SECONDS = 10.0  # per page, for wrk


def _cli(args: list[str], env: dict, *, index: bool, released: int | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one `tradechain` process (it must succeed; a keeper pass must release `released`).
    CPU time (user + system) moves far less with the machine's load than wall time."""
    import resource

    env = {k: v for k, v in {**os.environ, **env}.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as a user runs it
    if not index:
        env["TRADECHAIN_INDEX"] = "off"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "tradechain", *args], env=env, capture_output=True, text=True)
    took = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if done.returncode != 0:
        raise RuntimeError(f"tradechain {' '.join(args)} failed: {done.stderr.strip()[-300:]}")
    if released is not None:
        import json

        got = json.loads(done.stdout[done.stdout.index("{"):])["released"]
        if got != released:
            raise RuntimeError(f"tradechain {' '.join(args)} released {got} orders, not the {released} due")
    return round(took, 3), round(cpu, 3)


def compile_once() -> None:
    """tradechain's modules compiled to bytecode (__pycache__, ignored by git), as a user's first run leaves them."""
    import compileall

    import tradechain

    compileall.compile_dir(str(Path(tradechain.__file__).parent), quiet=1)


def _pending_orders(url: str, client, count: int, *, deliver: bool) -> None:
    """`count` orders placed (and shipped and delivered when `deliver`), one block per phase."""
    from tradechain.bench.devnet import dev_keys
    from tradechain.bench.speed import TX_GAS, BatchRpc, LegacySigner, TradeCalldata

    rpc = BatchRpc(url)
    calldata = TradeCalldata.of(client)
    chain_id = int(rpc.one("eth_chainId", []), 16)
    keys = {k.address: LegacySigner(bytes(k.key), chain_id) for k in dev_keys()}
    price = 2 * int(rpc.one("eth_gasPrice", []), 16)
    first, now = client.escrow.order_count() + 1, client.chain.now()
    trades = [calldata.trade(first + i, now) for i in range(count)]
    rpc.one("evm_setAutomine", [False])
    try:
        for phase in range(3 if deliver else 1):  # place, ship, deliver: each phase one block
            senders = list(dict.fromkeys(t[phase][0] for t in trades))
            counts = rpc.batch([("eth_getTransactionCount", [x, "pending"]) for x in senders])
            nonces = {x: int(n, 16) for x, n in zip(senders, counts)}
            signed = []
            for trade in trades:
                sender, to, data, value = trade[phase]
                signed.append("0x" + keys[sender].sign(nonces[sender], price, TX_GAS, to, value, data).hex())
                nonces[sender] += 1
            rpc.batch([("eth_sendRawTransaction", [raw]) for raw in signed])
            rpc.one("evm_mine", [])
    finally:
        rpc.one("evm_setAutomine", [True])


WRK_SCRIPT = """
paths = {%s}
counter = 0
request = function()
  counter = counter %% #paths + 1
  return wrk.format("GET", paths[counter])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %%d, "errors": %%d, "medianUs": %%d, "p95Us": %%d, "seconds": %%.3f}\\n',
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50),
    latency:percentile(95), summary.duration / 1e6))
end
"""


def load(base: str, paths: list[str], *, seconds: float = LOAD_SECONDS, requests: int = REQUESTS) -> dict:
    """Median and p95 latency (ms) of GETs cycling through `paths` from WORKERS concurrent keep-alive clients:
    wrk (Debian's) for `seconds` when it is installed, else a bounded Python loop of `requests` GETs, and the
    figures say which."""
    import shutil

    if shutil.which("wrk"):
        return _wrk(base, paths, seconds)
    out = _python_load(base, paths[:requests] if len(paths) >= requests else (paths * requests)[:requests])
    return {**out, "tool": "python loop (wrk is not installed: apt-get install wrk)"}


def _wrk(base: str, paths: list[str], seconds: float) -> dict:
    import json
    import tempfile

    script = WRK_SCRIPT % ", ".join(f'"{p}"' for p in paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as f:
        f.write(script)
        f.flush()
        done = subprocess.run(["wrk", "-t", "2", "-c", str(WORKERS), "-d", f"{seconds:g}s", "--timeout", "30s",
                               "-s", f.name, base], capture_output=True, text=True, timeout=seconds + 60)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-300:]}")
    r = json.loads(lines[-1])
    if r["errors"] or not r["requests"]:
        raise RuntimeError(f"wrk: {r['errors']} of {r['requests']} requests failed on {base}")
    version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split()[:2]
    return {"requests": r["requests"], "concurrency": WORKERS, "medianMs": round(r["medianUs"] / 1000, 1),
            "p95Ms": round(r["p95Us"] / 1000, 1), "perSecond": round(r["requests"] / r["seconds"], 1),
            "tool": " ".join(version) + f", 2 threads, {seconds:g} s"}


def _python_load(base: str, paths: list[str]) -> dict:
    """The GETs of `paths` spread over WORKERS threads (keep-alive sessions)."""
    import requests

    times: list[float] = []
    lock = threading.Lock()

    def worker(share: list[str]):
        s = requests.Session()
        for p in share:
            t = time.perf_counter()
            r = s.get(base + p, timeout=30)
            took = time.perf_counter() - t
            if r.status_code != 200:
                raise RuntimeError(f"GET {p}: {r.status_code}")
            with lock:
                times.append(took * 1000)

    threads = [threading.Thread(target=worker, args=(paths[i::WORKERS],)) for i in range(WORKERS)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t
    times.sort()
    return {"requests": len(times), "concurrency": WORKERS, "medianMs": round(statistics.median(times), 1),
            "p95Ms": round(times[int(0.95 * (len(times) - 1))], 1), "perSecond": round(len(times) / wall, 1)}


def _keeper_pass(url: str, client, dep, artifacts: dict, index_url: str, due: int) -> dict:
    """One keeper pass in this process (no start-up) over `due` new due orders: its time and JSON-RPC requests."""
    from tradechain.bench.rpc_count import HTTP_POSTS, count_requests
    from tradechain.chain import rpc
    from tradechain.client import TradeClient
    from tradechain.index import db
    from tradechain.indexer import Indexer
    from tradechain.keeper import Keeper, due_from_index

    _pending_orders(url, client, due, deliver=True)
    own = TradeClient(rpc(url), dep, artifacts)
    Indexer(own, db.engine_for(index_url)).open().run()  # the new orders indexed, as a running indexer would have
    keeper = Keeper(own, dep.accounts["keeper"], log=lambda _m: None, journal=False,
                    due_from=due_from_index(Indexer(own, db.engine_for(index_url)).open()))
    with count_requests(own.chain) as counts:
        t = time.perf_counter()
        done = keeper.run_once()
        took = time.perf_counter() - t
    if done.released != due:
        raise RuntimeError(f"the keeper pass released {done.released} orders, not the {due} due")
    posts = counts.pop(HTTP_POSTS)
    return {"seconds": round(took, 3), "requests": sum(counts.values()), "httpPosts": posts,
            "byMethod": dict(counts.most_common())}


def measure_size(orders: int, artifacts: dict, work: Path, *, keeper_without_index: bool, due: int = DUE,
                 seconds: float = LOAD_SECONDS, requests: int = REQUESTS) -> dict:
    import uvicorn

    from tradechain.bench.devnet import anvil, free_port
    from tradechain.bench.speed import anvil_pipelined
    from tradechain.chain import rpc
    from tradechain.client import TradeClient
    from tradechain.deployment import deploy_suite, save_manifest
    from tradechain.explorer.app import create_app
    from tradechain.index import db
    from tradechain.index.queries import Site
    from tradechain.index.reader import attach
    from tradechain.indexer import Indexer

    out: dict = {"orders": orders, "due": due}
    with anvil() as url:
        chain = rpc(url)
        dep = deploy_suite(chain, artifacts)
        deploy_dir = work / f"deploy-{orders}"
        deploy_dir.mkdir(parents=True, exist_ok=True)
        os.environ["TRADECHAIN_DEPLOY_DIR"] = str(deploy_dir)
        try:
            save_manifest(dep, Path("."))
        finally:
            del os.environ["TRADECHAIN_DEPLOY_DIR"]
        client = TradeClient(chain, dep, artifacts)
        t = time.perf_counter()
        settled = orders - 2 * due - 1
        anvil_pipelined(url, client, settled, chunk=100)  # blocks under the gas target: base fee steady
        _pending_orders(url, client, due, deliver=True)  # due: delivered, no inspection window
        _pending_orders(url, client, due, deliver=False)  # placed, not due for days
        out["setupSeconds"] = round(time.perf_counter() - t, 1)
        out["ordersOnChain"] = client.escrow.order_count()
        index_url = f"sqlite:///{work}/index-{orders}.sqlite"
        indexer = Indexer(TradeClient(rpc(url), dep, artifacts), db.engine_for(index_url)).open()
        report = indexer.run()
        out["catchUp"] = {"events": report.logs, "blocks": report.end - report.start + 1,
                          "seconds": round(report.seconds, 2), "eventsPerSecond": round(report.rate)}
        env = {"TRADECHAIN_RPC": url, "TRADECHAIN_DEPLOY_DIR": str(deploy_dir), "TRADECHAIN_NETWORK": "",
               "TRADECHAIN_INDEX_DB": index_url, "TRADECHAIN_STATE_DIR": str(work / f"state-{orders}")}
        some = settled // 2 + 1
        # start-up: what every chain command pays before its own work (imports, connect, check the suite)
        start = "start-up (deploy: suite already there)"
        cli: dict = {}  # wall seconds
        cpu: dict = {}  # CPU seconds of the same runs

        runs: dict[tuple[str, str | None], list[tuple[float, float]]] = {}

        def run(name: str, side: str | None, args: list[str], **kw) -> None:
            runs.setdefault((name, side), []).append(_cli(args, env, **kw))

        def record() -> None:  # the median of each command's runs, wall and CPU apart
            for (name, side), got in runs.items():
                walls, cpus = [w for w, _ in got], [c for _, c in got]
                for table, value in ((cli, statistics.median(walls)), (cpu, statistics.median(cpus))):
                    if side is None:
                        table[name] = round(value, 3)
                    else:
                        table.setdefault(name, {})[side] = round(value, 3)

        for _ in range(ROUNDS):  # rounds, not one command's runs in a row: a burst of load hits every command alike
            run(start, None, ["deploy", "--json"], index=False)
            for name, args in (("order list --limit 50", ["order", "list", "--limit", "50", "--json"]),
                               ("order show", ["order", "show", str(some), "--json"]),
                               ("trace", ["trace", str(some), "--json"])):
                run(name, "index", args, index=True)
                run(name, "node", args, index=False)
        keeper = f"keeper --once ({due} due)"
        run(keeper, "index", ["keeper", "--once", "--json"], index=True, released=due)
        if keeper_without_index:  # the due orders were just released: make as many again for the node's pass
            _pending_orders(url, client, due, deliver=True)
            run(keeper, "node", ["keeper", "--once", "--json"], index=False, released=due)
        record()
        out["cli"], out["cliCpu"] = cli, cpu
        out["keeperPass"] = _keeper_pass(url, client, dep, artifacts, index_url, due)
        # what each read through the index costs beyond the start-up every chain command pays (wall and CPU)
        out["overStartup"] = {name: round(v["index"] - cli[start], 3) for name, v in cli.items() if name != start}
        out["overStartupCpu"] = {name: round(v["index"] - cpu[start], 3) for name, v in cpu.items() if name != start}
        reader = TradeClient(rpc(url), dep, artifacts)
        indexer.run()
        attach(reader.chain, indexer.engine)
        port = free_port(range(8660, 8670))
        server = uvicorn.Server(uvicorn.Config(create_app(Site(reader, indexer.engine)), host="127.0.0.1",
                                               port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        ids = [1 + (i * 7919) % settled for i in range(REQUESTS)]
        out["pages"] = {"/order/ID": load(base, [f"/order/{i}" for i in ids], seconds=seconds, requests=requests),
                        "/trace/ID": load(base, [f"/trace/{i}" for i in ids], seconds=seconds, requests=requests)}
        server.should_exit = True
        thread.join(10)
    return out


def measure(sizes: list[int], work: Path, *, due: int = DUE, seconds: float = LOAD_SECONDS,
            requests: int = REQUESTS) -> dict:
    import platform

    from tradechain.project import load_artifacts

    artifacts = load_artifacts()
    compile_once()
    return {"note": f"anvil devnet on this machine; pages under {WORKERS} concurrent clients on loopback; CLI "
                    f"processes with tradechain's bytecode compiled once beforehand, as a user's first run leaves it; "
                    f"CLI reads and start-up: medians of {ROUNDS} runs",
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release(),
                        "loadAverage": [round(x, 2) for x in os.getloadavg()]},
            "sizes": [measure_size(n, artifacts, work, keeper_without_index=n <= 1_000, due=due, seconds=seconds,
                                   requests=requests) for n in sizes]}
