"""The transaction layer on a JSON-RPC node, as a real network sees it: EIP-1559 transactions with an estimated gas
limit, would-revert steps stopped before sending, concurrent senders sharing one key (threads, and two CLI
processes) that lose and duplicate nothing, and a stuck transaction replaced with higher fees."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from unittest import mock

import pytest
from anvil import anvil
from helpers import in_threads
from test_json_output import validate

from tradechain.bench.devnet import dev_keys
from tradechain.errors import ContractRevert

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DAY = 86400


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    """anvil with the suite deployed, and a network profile `lab` whose key is a funded dev account (index 9:
    buyer2) that the node also knows but that we sign for ourselves, as on a real network."""
    from tradechain.deployment import ensure_suite
    from tradechain.networks import connect
    from tradechain.project import load_artifacts, project_root

    base = tmp_path_factory.mktemp("txlayer")
    config = base / "networks.toml"
    key = dev_keys(10)[9]
    with anvil() as url:
        config.write_text(f'[networks.lab]\nrpc = "{url}"\nkey_env = "LAB_KEY"\n'
                          '[networks.lab.fees]\npriority_percentile = 50\nmax_fee_gwei = 100\n'
                          f'[networks.lab3]\nrpc = "{url}"\nkey_env = "LAB_KEY"\nconfirmations = 3\n')
        env = {"TRADECHAIN_NETWORKS": str(config), "TRADECHAIN_NETWORK": "lab", "TRADECHAIN_RPC": "",
               "TRADECHAIN_DEPLOY_DIR": str(base / "deploy"), "TRADECHAIN_STATE_DIR": str(base / "state"),
               "LAB_KEY": key.key.hex()}
        with mock.patch.dict(os.environ, env):
            ensure_suite(connect("lab", root=project_root()), project_root(), load_artifacts())
            yield {"url": url, "env": env, "key": key}


def _client():
    from tradechain.client import TradeClient
    from tradechain.deployment import load_manifest
    from tradechain.networks import connect
    from tradechain.project import load_artifacts, project_root

    chain = connect("lab", root=project_root())
    artifacts = load_artifacts()
    return TradeClient(chain, load_manifest(chain, project_root(), artifacts), artifacts)


def _place(c, buyer: str, amount: int = 10**15):
    a = c.deployment.accounts
    now = c.chain.now()
    return c.escrow.place_order(buyer=buyer, seller=a["seller"], amount=amount, ship_by=now + DAY,
                                deliver_by=now + 9 * DAY, inspection_window=DAY)


def test_a_signed_transaction_is_eip1559_with_an_estimated_gas_limit(node):
    c = _client()
    key = node["key"].address
    oid, receipt = _place(c, key)
    tx = c.chain.w3.eth.get_transaction(receipt.tx_hash)
    assert tx["type"] == 2 and tx["from"] == key
    assert tx["maxFeePerGas"] <= 100 * 10**9 and tx["maxPriorityFeePerGas"] <= tx["maxFeePerGas"]
    assert receipt.gas_used < tx["gas"] <= receipt.gas_used * 1.25  # estimate + 20 %, not a flat 1,000,000


def test_a_step_that_would_revert_is_stopped_before_sending_with_its_reason(node):
    c = _client()
    key = node["key"].address
    oid, _ = _place(c, key)
    nonce = c.chain.w3.eth.get_transaction_count(key, "pending")
    with pytest.raises(ContractRevert) as err:
        c.escrow.release(oid, sender=key)  # not shipped yet
    assert err.value.name in ("WrongState", "NotDelivered") and f"order {oid}" in str(err.value)
    assert c.chain.w3.eth.get_transaction_count(key, "pending") == nonce  # nothing sent, no nonce used


def _nonces_of(w3, sender: str, first_block: int) -> list[int]:
    out = []
    for number in range(first_block, w3.eth.block_number + 1):
        out += [t["nonce"] for t in w3.eth.get_block(number, full_transactions=True)["transactions"]
                if t["from"] == sender]
    return sorted(out)


def test_threads_sharing_one_key_place_every_order_once(node):
    c = _client()
    key = node["key"].address
    w3 = c.chain.w3
    first_block, first_nonce = w3.eth.block_number + 1, w3.eth.get_transaction_count(key)
    before = c.escrow.order_count()
    ids = []

    def sender():
        for _ in range(5):
            ids.append(_place(c, key)[0])

    assert in_threads(sender, 6) == []
    assert sorted(ids) == list(range(before + 1, before + 31)) and c.escrow.order_count() == before + 30
    assert _nonces_of(w3, key, first_block) == list(range(first_nonce, first_nonce + 30))


def test_two_cli_processes_sharing_one_key_lose_and_duplicate_nothing(node):
    c = _client()
    key = node["key"].address
    w3 = c.chain.w3
    first_block, first_nonce = w3.eth.block_number + 1, w3.eth.get_transaction_count(key)
    before = c.escrow.order_count()
    script = ("import sys\nfrom click.testing import CliRunner\nfrom tradechain.cli import cli\n"
              "for i in range(6):\n"
              "    r = CliRunner().invoke(cli, ['order', 'create', '--seller', 'seller', '--amount', '0.001 ETH',"
              " '--account', sys.argv[1], '--json'])\n"
              "    assert r.exit_code == 0, r.output\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, key], env={**os.environ, **node["env"]},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    for p in procs:
        out, _ = p.communicate(timeout=300)
        assert p.returncode == 0, out
    assert c.escrow.order_count() == before + 12
    buyers = {c.escrow.get_order(i).buyer for i in range(before + 1, before + 13)}
    assert buyers == {key}
    assert _nonces_of(w3, key, first_block) == list(range(first_nonce, first_nonce + 12))


def test_a_stuck_transaction_is_replaced_with_higher_fees(node):
    from click.testing import CliRunner

    from tradechain.cli import cli

    c = _client()
    key = node["key"].address
    w3 = c.chain.w3
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        tx = {"from": key, "to": c.deployment.accounts["seller"], "value": 1, "gas": 21_000}
        stuck, sent = c.chain.submit(tx)
        stuck = "0x" + bytes(stuck).hex()
        result = CliRunner().invoke(cli, ["tx", "speedup", stuck, "--json"], env=node["env"])
        assert result.exit_code == 0, result.output
        validate("tx.speedup", result.output)
        out = json.loads(result.output)
        assert out["replaced"] == stuck and out["hash"] != stuck and out["nonce"] == sent["nonce"]
        new = w3.eth.get_transaction(out["hash"])
        assert new["maxFeePerGas"] >= sent["maxFeePerGas"] * 1.1 and new["maxPriorityFeePerGas"] >= sent[
            "maxPriorityFeePerGas"] * 1.1
    finally:
        w3.provider.make_request("evm_setAutomine", [True])
    w3.provider.make_request("evm_mine", [])
    assert w3.eth.get_transaction_receipt(out["hash"])["status"] == 1
    with pytest.raises(Exception):  # noqa: B017 - the replaced transaction is never mined
        w3.eth.get_transaction_receipt(stuck)
    again = CliRunner().invoke(cli, ["tx", "speedup", out["hash"]], env=node["env"])
    assert again.exit_code == 0 and "already mined" in again.output
    unknown = CliRunner().invoke(cli, ["tx", "speedup", "0x" + "ab" * 32], env=node["env"])
    assert unknown.exit_code == 2 and "unknown to the node" in unknown.output
    bad = CliRunner().invoke(cli, ["tx", "speedup", "0x12"], env=node["env"])
    assert bad.exit_code == 2 and "transaction hash" in bad.output


def test_the_cli_says_when_a_result_is_not_yet_final(node):
    from click.testing import CliRunner

    from tradechain.cli import cli

    env = {**node["env"], "TRADECHAIN_NETWORK": "lab3"}
    key = node["key"].address
    made = CliRunner().invoke(cli, ["order", "create", "--seller", "seller", "--amount", "0.001 ETH",
                                    "--account", key], env=env)
    assert made.exit_code == 0 and "not yet final: 1 of 3 confirmations" in made.output, made.output
    created = CliRunner().invoke(cli, ["order", "create", "--seller", "seller", "--amount", "0.001 ETH",
                                       "--account", key, "--json"], env=env).output
    validate("order.create", created)  # "final" and "finality" belong to every sent transaction's JSON
    as_json = json.loads(created)
    assert as_json["final"] is False and as_json["finality"] == "1 of 3 confirmations"
    assert as_json["tx"].startswith("0x") and len(as_json["tx"]) == 66
    status = CliRunner().invoke(cli, ["tx", "status", as_json["tx"]], env=env)
    assert "not yet final: 1 of 3 confirmations" in status.output
    w3 = _client().chain.w3
    for _ in range(2):
        w3.provider.make_request("evm_mine", [])
    status_json = CliRunner().invoke(cli, ["tx", "status", as_json["tx"], "--json"], env=env).output
    validate("tx.status", status_json)
    final = json.loads(status_json)
    assert final["final"] is True and final["success"] is True
