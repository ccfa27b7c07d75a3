"""The index against a real anvil node: a reorg made by anvil_reorg is rolled back, SIGKILL during a catch-up
neither loses nor doubles an event, and the CLI's reads answer the same through the index as from the node."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tradechain.index import db

from anvil import cli_on_node
from index_kit import contents, new_index, node_logs


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    with cli_on_node(tmp_path_factory) as (run, env):
        for i in range(6):
            run("order", "create", "--seller", "seller", "--amount", f"{i + 1} ETH", "--terms", "0x" + f"{i + 1:02x}" * 32)
        for i in (1, 2, 3):
            run("order", "ship", str(i), "--bol", "0x" + "b0" * 32)
        run("order", "deliver", "1", "--location", "DEHAM")
        run("order", "dispute", "2", "--evidence", "0x" + "e0" * 32, ok=False)
        yield run, env


def _client(env):
    from tradechain.chain import rpc
    from tradechain.client import TradeClient
    from tradechain.deployment import for_chain
    from tradechain.project import load_artifacts, project_root

    os.environ["TRADECHAIN_DEPLOY_DIR"] = env["TRADECHAIN_DEPLOY_DIR"]
    try:
        chain = rpc(env["TRADECHAIN_RPC"])
        artifacts = load_artifacts()
        return TradeClient(chain, for_chain(chain, project_root(), artifacts), artifacts)
    finally:
        del os.environ["TRADECHAIN_DEPLOY_DIR"]


def test_cli_reads_answer_the_same_through_the_index_and_from_the_node(node):
    run, env = node
    reads = [("order", "list", "--json"), ("order", "show", "1", "--json"), ("order", "show", "3", "--json"),
             ("trace", "1", "--json"), ("invoice", "list", "--json")]
    os.environ["TRADECHAIN_INDEX"] = "off"
    try:
        direct = [json.loads(run(*r).output) for r in reads]
    finally:
        del os.environ["TRADECHAIN_INDEX"]
    out = run("index", "--json")
    assert json.loads(out.output)["events"] > 0
    through = [json.loads(run(*r).output) for r in reads]
    assert through == direct
    run("order", "create", "--seller", "seller", "--amount", "1 ETH")  # after the cursor: caught up on read
    assert [o["id"] for o in json.loads(run("order", "list", "--json").output)["orders"]][-1] == 7


def test_an_rpc_chain_reads_old_logs_and_block_times_from_its_index_with_or_without_web3(node, tmp_path):
    from tradechain.bench.rpc_count import count_requests
    from tradechain.index.reader import attach

    run, env = node
    client = _client(env)
    ix = new_index(client, f"sqlite:///{tmp_path}/ix.sqlite")
    ix.run()
    direct = client.timeline(1)
    reader = _client(env)
    attach(reader.chain, ix.engine)
    with count_requests(reader.chain) as counts:
        assert reader.timeline(1) == direct  # the chain's own requests: no web3 made for them
        assert reader.chain._w3 is None
        # web3 made after the attach (evidence bundles read through it): served by the same index
        through = reader.chain.w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest",
                                                "address": list(client.deployment.addresses.values())})
    assert counts["eth_getLogs"] == 0 and counts["eth_getBlockByNumber"] == 0, counts
    assert counts["eth_blockNumber"] > 0  # the node is still asked where its head is
    key = [(bytes(log["blockHash"]), log["logIndex"], bytes(log["data"])) for log in through]
    assert key == [(bytes(log["blockHash"]), log["logIndex"], bytes(log["data"])) for log in node_logs(client)]
    run("order", "create", "--seller", "seller", "--amount", "1 ETH")  # after the cursor: asked of the node
    newest = client.escrow.order_count()
    with count_requests(reader.chain) as counts:
        assert reader.timeline(newest) == client.timeline(newest) != []
    assert counts["eth_getLogs"] >= 1


def test_anvil_reorg_is_rolled_back_to_the_fork_point(node, tmp_path):
    run, env = node
    client = _client(env)
    ix = new_index(client, f"sqlite:///{tmp_path}/ix.sqlite")
    run("order", "create", "--seller", "seller", "--amount", "2 ETH")
    run("order", "ship", "4")
    ix.run()
    latest = client.chain.block_number()
    reply = client.chain.w3.provider.make_request("anvil_reorg", [2, []])  # replace the last 2 blocks by empty ones
    assert "error" not in reply, reply
    report = ix.run()
    assert report.reorgs and report.reorgs[0][1] == latest - 2
    fresh = new_index(client, f"sqlite:///{tmp_path}/fresh.sqlite")
    fresh.run()
    assert contents(ix.engine) == contents(fresh.engine)


def _cursor(url: str) -> int:
    """The committed cursor, read without taking the writer's lock (plain sqlite3, a read transaction)."""
    import sqlite3

    try:
        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'cursor'").fetchone()
        return int(row[0]) if row else -1
    except sqlite3.OperationalError:  # not created yet
        return -1


def test_sigkill_during_catch_up_neither_loses_nor_doubles_an_event(node, tmp_path):
    run, env = node
    client = _client(env)
    client.chain.w3.provider.make_request("anvil_mine", [400])  # more blocks: the catch-up commits one per range
    latest = client.chain.block_number()
    url = f"sqlite:///{tmp_path}/killed.sqlite"
    cmd = [sys.executable, "-m", "tradechain", "index", "--db", url, "--max-range", "1", "--json"]
    full_env = {**os.environ, **env}
    kills = []
    for _ in range(3):  # kill each run as soon as it has committed a range: in the middle of its catch-up
        before = _cursor(url)
        proc = subprocess.Popen(cmd, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while _cursor(url) <= before + 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills.append(_cursor(url))
    assert all(0 < k < latest for k in kills) and kills == sorted(kills), kills
    done = subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    engine = db.engine_for(url)
    fresh = new_index(client, f"sqlite:///{tmp_path}/fresh.sqlite")
    fresh.run()
    assert contents(engine) == contents(fresh.engine)
    assert len(contents(engine)["logs"]) == len(node_logs(client))


def test_evidence_bundle_verifies_offline_and_online_and_a_tampered_one_fails(node, tmp_path):
    import zipfile

    run, env = node
    bundle = tmp_path / "bundle.zip"
    run("evidence", "1", "--out", str(bundle))
    names = set(zipfile.ZipFile(bundle).namelist())
    assert {"manifest.json", "events.json", "documents.json", "provenance.json", "README.txt"} <= names
    docs = json.loads(zipfile.ZipFile(bundle).read("documents.json"))
    assert {d["as"] for d in docs} >= {"order terms", "bill of lading (at shipping)"}
    assert "VERIFIED" in run("evidence", "verify", str(bundle), "--offline").output
    online = json.loads(run("evidence", "verify", str(bundle), "--json").output)
    assert online["ok"] and online["against"] == "chain"
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "provenance.json":
                log = json.loads(data)
                log[0]["entries"][0]["location"] = "0x" + "41" * 8  # moved the pickup elsewhere
                data = json.dumps(log).encode()
            dst.writestr(name, data)
    bad = run("evidence", "verify", str(tampered), "--offline", ok=False)
    assert bad.exit_code == 1 and "NOT VERIFIED" in bad.output and "FAIL" in bad.output
    missing = run("evidence", "verify", str(tmp_path / "nope.zip"), ok=False)
    assert missing.exit_code == 2 and "not an evidence bundle" in missing.output


def test_verify_finds_terms_and_dispute_evidence_without_an_item(node, tmp_path):
    run, env = node
    terms = tmp_path / "terms.txt"
    terms.write_bytes(b"e-contract for order 1")
    from eth_utils import keccak

    run("order", "create", "--seller", "seller", "--amount", "1 ETH", "--terms", str(terms))
    out = run("verify", str(terms)).output
    assert out.startswith("anchored:") and "as order terms" in out and "by buyer" in out
    other = tmp_path / "other.txt"
    other.write_bytes(b"never anchored " + keccak(b"x"))
    miss = run("verify", str(other), ok=False)
    assert miss.exit_code == 1 and "NOT anchored" in miss.output


def test_serve_runs_the_explorer_on_the_node_with_the_clis_json(node, tmp_path):
    import requests

    from anvil import free_port

    run, env = node
    port = free_port()
    url = f"sqlite:///{tmp_path}/served.sqlite"
    proc = subprocess.Popen([sys.executable, "-m", "tradechain", "serve", "--db", url, "--port", str(port)],
                            env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(base + "/api/status", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "serve did not come up"
            time.sleep(0.2)
        assert requests.get(base + "/api/order/1").json() == json.loads(run("order", "show", "1", "--json").output)
        assert requests.get(base + "/api/trace/1").json() == json.loads(run("trace", "1", "--json").output)
        assert "Order #1" in requests.get(base + "/order/1").text
        run("order", "create", "--seller", "seller", "--amount", "3 ETH")  # followed by the serving process
        newest = json.loads(run("order", "list", "--json").output)["orders"][-1]["id"]
        deadline = time.monotonic() + 30
        while requests.get(base + f"/order/{newest}").status_code != 200:
            assert time.monotonic() < deadline, "serve --follow did not pick up the new order"
            time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(10)


def test_index_follow_keeps_up_and_shows_progress(node, tmp_path):
    run, env = node
    url = f"sqlite:///{tmp_path}/follow.sqlite"
    # started with SIGINT ignored, as every process of a test run started in the background (`pytest … &` from a
    # script) inherits it: Ctrl-C must still stop the follower (it hung here in such runs)
    proc = subprocess.Popen([sys.executable, "-m", "tradechain", "index", "--db", url, "--follow", "--interval",
                             "0.2"], env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        client = _client(env)
        deadline = time.monotonic() + 60
        while _cursor(url) < client.chain.block_number():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        run("order", "create", "--seller", "seller", "--amount", "1 ETH")
        target = client.chain.block_number()
        while _cursor(url) < target:
            assert time.monotonic() < deadline, "--follow did not index the new block"
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out = proc.communicate(timeout=10)[0]
        except subprocess.TimeoutExpired:
            proc.kill()  # leave no follower behind
            raise
    assert "indexed blocks" in out and "following new blocks" in out and "stopped at block" in out


@pytest.mark.parametrize("args, message", [
    (("index", "--db", "mysql://x/y"), "give a postgresql://"),
    (("index", "--db", "postgresql://tc@127.0.0.1:9/none"), "cannot reach the index database"),
    (("index", "--max-range", "0"), "must be at least 1 block"),
    (("evidence", "999", "--out", "x.zip"), "no order 999"),
    (("trace", "https://explorer.example/somewhere"), "not an explorer link"),
])
def test_bad_read_side_input_is_one_line(node, args, message):
    run, _ = node
    result = run(*args, ok=False)
    assert result.exit_code in (1, 2) and message in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1


def test_keeper_reads_due_orders_from_the_index_and_settles_them(node):
    """Last in this module: it moves the node's time past every deadline."""
    run, env = node
    run("index")
    listed = json.loads(run("order", "list", "--json").output)["orders"]
    open_before = [o for o in listed if o["state"] in ("Funded", "Shipped", "Delivered")]
    run("time", "advance", "30d")
    out = json.loads(run("keeper", "--once", "--json").output)
    assert out["released"] + out["refunded"] == len(open_before) and out["lostRaces"] == 0
    assert out["seen"] == len(listed)  # the orders the index knows
    after = {o["id"]: o["state"] for o in json.loads(run("order", "list", "--json").output)["orders"]}
    os.environ["TRADECHAIN_INDEX"] = "off"
    try:
        assert after == {o["id"]: o["state"] for o in json.loads(run("order", "list", "--json").output)["orders"]}
    finally:
        del os.environ["TRADECHAIN_INDEX"]
    assert all(after[o["id"]] in ("Released", "Refunded") for o in open_before)
