"""Client speed, counted rather than timed: JSON-RPC requests per trade and per read against a real anvil,
what a chain command imports, and how `bench speed` words a ratio inside its own noise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tradechain.bench.rpc_count import HTTP_POSTS, count_requests
from tradechain.bench.speed import REQUESTS_PER_TRADE, client_trades, paired
from tradechain.bench.startup import CHAIN_PROBE, NOT_FOR_HELP, NOT_FOR_INDEXED_READS, NOT_FOR_READS, probe
from tradechain.vocabulary import hash_bytes

from anvil import anvil

DAY = 86400


@pytest.fixture(scope="module")
def node(artifacts):
    """A fresh anvil with the suite deployed, a TradeClient on it, and its manifest in a temp folder."""
    from tradechain.chain import rpc
    from tradechain.client import TradeClient
    from tradechain.deployment import deploy_suite

    with tempfile.TemporaryDirectory() as manifests, anvil() as url:
        chain = rpc(url)
        dep = deploy_suite(chain, artifacts)
        (Path(manifests) / f"{dep.chain_id}.json").write_text(json.dumps(dep.manifest))
        yield TradeClient(chain, dep, artifacts), url, manifests


def test_a_trade_takes_at_most_ten_json_rpc_requests(node):
    client, _, _ = node
    client_trades(client, 0)  # the first trade on a connection may fill its caches
    with count_requests(client.chain) as counts:
        client_trades(client, 2)  # its own warm-up trade and two more: three trades
    total = sum(n for method, n in counts.items() if method != HTTP_POSTS)
    print(dict(counts))
    assert total / 3 <= REQUESTS_PER_TRADE
    assert counts["eth_chainId"] == 0  # asked once per connection, at connect
    assert counts["eth_getTransactionReceipt"] == 0  # the receipt came in the send's reply


def test_order_list_reads_every_order_in_one_batch_not_one_request_each(node):
    client, _, _ = node
    a = client.deployment.accounts
    for _ in range(12):
        client.escrow.place_order_in(buyer=a["buyer"], seller=a["seller"], amount=10**15, ship_in=DAY,
                                     deliver_in=DAY, inspection_window=0)
    with count_requests(client.chain) as counts:
        orders = client.escrow.list_orders()
    assert len(orders) == client.escrow.order_count() >= 12
    assert [o.id for o in orders] == list(range(1, len(orders) + 1))
    assert counts[HTTP_POSTS] == 2  # orderCount, then one batch of getOrder calls
    assert counts["eth_call"] == len(orders) + 1 and counts["eth_chainId"] == 0


def test_a_trace_fetches_its_block_times_in_one_batch(node):
    client, _, _ = node
    a = client.deployment.accounts
    oid, _ = client.escrow.place_order_in(buyer=a["buyer"], seller=a["seller"], amount=10**15, ship_in=DAY,
                                          deliver_in=9 * DAY, inspection_window=0)
    client.escrow.ship(oid, a["carrier"], hash_bytes(b"bol"), sender=a["seller"])
    for _ in range(8):
        client.provenance.checkpoint(oid, "Arrived", "DEHAM", sender=a["carrier"])
    with count_requests(client.chain) as counts:
        trace = client.provenance.trace(oid)
    blocks = {e["block"] for e in trace["entries"]}
    assert len(trace["entries"]) >= 8 and len(blocks) >= 8
    assert counts["eth_getBlockByNumber"] >= len(blocks) - 1  # every block's time is read ...
    posts_with_blocks = counts[HTTP_POSTS] - sum(n for m, n in counts.items()
                                                  if m not in (HTTP_POSTS, "eth_getBlockByNumber"))
    assert posts_with_blocks <= 2  # ... in one batch (plus the latest block for the log range), not one each


def test_a_chain_command_imports_neither_web3_nor_sqlalchemy_nor_keystore_bls_or_async_http_code(node):
    _, url, manifests = node
    env = {**os.environ, "TRADECHAIN_RPC": url, "TRADECHAIN_DEPLOY_DIR": manifests, "TRADECHAIN_NETWORK": ""}
    out = subprocess.run([sys.executable, "-c", CHAIN_PROBE, "order", "show", "1"], env=env, capture_output=True,
                         text=True, timeout=120)
    assert "Order #1" in out.stdout, out.stdout + out.stderr
    loaded = out.stdout.rsplit("LOADED", 1)[-1].strip()
    assert loaded == "[]", f"`order show` imported {loaded} (none of {NOT_FOR_READS} is needed to read a chain)"


def test_reads_through_an_index_import_sqlalchemy_but_no_web3(node, tmp_path):
    client, url, manifests = node
    a = client.deployment.accounts
    oid, _ = client.escrow.place_order_in(buyer=a["buyer"], seller=a["seller"], amount=10**15, ship_in=DAY,
                                          deliver_in=9 * DAY, inspection_window=0)
    client.escrow.ship(oid, a["carrier"], hash_bytes(b"bol"), sender=a["seller"])
    client.provenance.checkpoint(oid, "Arrived", "DEHAM", sender=a["carrier"])
    index = f"sqlite:///{tmp_path}/index.sqlite"
    env = {**os.environ, "TRADECHAIN_RPC": url, "TRADECHAIN_DEPLOY_DIR": manifests, "TRADECHAIN_NETWORK": "",
           "TRADECHAIN_INDEX_DB": index}
    built = subprocess.run([sys.executable, "-m", "tradechain", "index", "--json"], env=env, capture_output=True,
                           text=True, timeout=120)
    assert json.loads(built.stdout)["events"] > 0, built.stdout + built.stderr
    for args, shows in ((["order", "list", "--limit", "50"], f"{oid}"), (["order", "show", str(oid)], f"Order #{oid}"),
                        (["trace", str(oid)], "DEHAM")):
        out = subprocess.run([sys.executable, "-c", probe(("sqlalchemy", *NOT_FOR_INDEXED_READS)), *args], env=env,
                             capture_output=True, text=True, timeout=120)
        assert shows in out.stdout, out.stdout + out.stderr
        loaded = out.stdout.rsplit("LOADED", 1)[-1].strip()
        # SQLAlchemy proves the index served the read; none of the others is needed for it
        assert loaded == "['sqlalchemy']", f"`{' '.join(args)}` through an index imported {loaded}"


def test_help_imports_nothing_that_talks_to_a_chain():
    out = subprocess.run([sys.executable, "-c", probe(NOT_FOR_HELP), "--help"], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "TRADECHAIN_RPC": ""})
    assert "order" in out.stdout, out.stdout + out.stderr
    loaded = out.stdout.rsplit("LOADED", 1)[-1].strip()
    assert loaded == "[]", f"`tradechain --help` imported {loaded}"


def test_a_deferred_module_loads_when_used_and_every_holder_gets_the_real_thing():
    code = ("import tradechain, sys\n"
            "from eth_account import Account\n"
            "import eth_account.account as holder\n"
            "assert type(sys.modules['eth_keyfile']).__name__ == '_StandInModule'\n"
            "a = Account.create()\n"
            "assert Account.decrypt(Account.encrypt(a.key, 'pw'), 'pw') == a.key\n"
            "assert type(sys.modules['eth_keyfile']).__name__ == 'module'\n"
            "assert holder.decode_keyfile_json.__module__ == 'eth_keyfile.keyfile'\n"
            "import aiohttp, web3._utils.http_session_manager as m\n"
            "t = aiohttp.ClientTimeout(3)\n"
            "assert m.ClientTimeout is type(t) and t.total == 3\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr


def _rates(*values):
    it = iter(values)
    return lambda: {"tradesPerSecond": next(it)}


def test_paired_rounds_give_a_clear_verdict_only_when_every_pair_agrees():
    clear = paired(_rates(10, 10, 10), _rates(9.5, 9.4, 9.6), 3, 0.9)
    assert clear["verdict"] == "PASS" and clear["ratios"] == [0.95, 0.94, 0.96] and clear["median"] == 0.95
    miss = paired(_rates(10, 10), _rates(5, 6), 2, 0.9)
    assert miss["verdict"] == "FAIL" and miss["range"] == [0.5, 0.6]
    noisy = paired(_rates(10, 10, 10), _rates(8.5, 9.2, 8.8), 3, 0.9)
    assert "FAIL" not in noisy["verdict"] and "noise" in noisy["verdict"] and noisy["range"] == [0.85, 0.92]


def test_a_pair_compares_median_trades_so_one_stall_does_not_move_it():
    from tradechain.bench.speed import alternating

    stall = iter([0.010] * 7 + [0.100] + [0.010] * 100)  # the candidate's 8th trade lands on a stalled moment
    result = alternating(lambda: 0.010, lambda: next(stall), trades=20, rounds=1, target=0.9, by_cpu=True)
    (ratio,) = result["ratios"]
    assert ratio == 1.0 and result["verdict"] == "PASS"
    assert result["candidate"]["medianTradeMs"] == result["baseline"]["medianTradeMs"] == 10.0
    assert result["candidate"]["tradesPerSecond"] < 0.75 * result["baseline"]["tradesPerSecond"]  # the sum shows it


def test_titanoboa_runs_the_benchmark_trade_on_the_same_bytecode_and_evm(artifacts):
    """The titanoboa side of `bench speed` (its own venv, made here on first use from constraints-boa.txt): it
    deploys the build's bytecode, runs trades to Released (checked inside boa_flow.py at the end) and reports
    each trade's CPU time. Not timed: only that it runs, on py-evm's Prague VM as the embedded chain does."""
    from tradechain.bench import titanoboa
    from tradechain.project import project_root

    boa_pins = {line.split("==")[0].lower(): line.strip() for line in
                (project_root() / titanoboa.CONSTRAINTS).read_text().splitlines() if "==" in line}
    ours = {line.split("==")[0].lower(): line.strip() for line in
            (project_root() / "constraints.txt").read_text().splitlines() if "==" in line}
    assert boa_pins["py-evm"] == ours["py-evm"] and boa_pins["eth-utils"] == ours["eth-utils"]
    with titanoboa.BoaTrades(titanoboa.python(project_root()), artifacts) as boa:
        spent = [boa() for _ in range(2)]
        assert boa.vm == "PragueVM" and boa.keccak == "pysha3"  # the same EVM and the same keccak as ours
    assert all(0 < s < 60 for s in spent)
