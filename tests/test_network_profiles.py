"""The network profiles in examples/tradechain.toml load as users load them (`--network NAME`, URL and key from
env vars, a keystore under ~), each against a local anvil that answers the profile's chain id; a node with another
chain id, and a profile with a bad setting, are refused in one line."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from anvil import anvil
from click.testing import CliRunner

from tradechain.bench.devnet import dev_keys
from tradechain.cli import cli
from tradechain.errors import UsageError
from tradechain.networks import FeePolicy, connect

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "tradechain.toml"
PROFILES = tomllib.loads(EXAMPLES.read_text())["networks"]
NODE_ARGS = {"consortium": ("--base-fee", "0")}  # a private chain where gas is free, as the profile expects


@pytest.fixture
def profile_env(monkeypatch, tmp_path):
    """Env of a user with examples/tradechain.toml as their config and HOME in a temp folder."""
    monkeypatch.setenv("TRADECHAIN_NETWORKS", str(EXAMPLES))
    monkeypatch.setenv("HOME", str(tmp_path))
    for var in ("TRADECHAIN_NETWORK", "TRADECHAIN_RPC"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def _give_keys(spec: dict, key, monkeypatch, home: Path) -> None:
    from eth_account import Account

    if "key_env" in spec:
        monkeypatch.setenv(spec["key_env"], key.key.hex())
    if "keystore" in spec:
        path = Path(spec["keystore"].replace("~", str(home)))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(Account.encrypt(key.key, "pw", iterations=2)))
        monkeypatch.setenv(spec["password_env"], "pw")


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_each_example_profile_loads_against_a_node_with_its_chain_id(name, profile_env, tmp_path):
    spec = PROFILES[name]
    key = dev_keys(2)[1]  # a funded anvil account, held as a key the way a real network's key is
    _give_keys(spec, key, profile_env, tmp_path)
    with anvil("--chain-id", str(spec["chain_id"]), *NODE_ARGS.get(name, ())) as url:
        profile_env.setenv(spec["rpc_env"], url)
        chain = connect(name, root=tmp_path)
        assert chain.chain_id == spec["chain_id"] and chain.network == name
        profile = chain.profile
        assert profile.confirmations == spec["confirmations"] and profile.rollup == spec.get("rollup")
        assert profile.fees == FeePolicy(**spec["fees"])
        assert key.address in chain.accounts and chain.signer(key.address) is not None
        # the key signs locally: a plain transfer from it is mined on the node
        receipt = chain.send({"from": key.address, "to": dev_keys(1)[0].address, "value": 1, "gas": 21_000})
        assert receipt["status"] == 1
        sent = chain.w3.eth.get_transaction(receipt["transactionHash"])
        if spec["fees"].get("legacy"):  # priced as the profile says: legacy, within its cap
            assert sent["type"] == 0 and sent["gasPrice"] <= spec["fees"]["max_fee_gwei"] * 10**9
        else:
            assert sent["type"] == 2 and sent["maxFeePerGas"] <= spec["fees"]["max_fee_gwei"] * 10**9
            assert sent["maxPriorityFeePerGas"] <= spec["fees"]["max_priority_fee_gwei"] * 10**9
        listed = CliRunner().invoke(cli, ["--network", name, "time", "advance", "1m"])
        assert listed.exit_code == 0 and "chain time is now" in listed.output, listed.output


def test_a_node_answering_another_chain_id_is_refused_without_quoting_the_url(profile_env, tmp_path):
    spec = PROFILES["op-sepolia"]
    _give_keys(spec, dev_keys(2)[1], profile_env, tmp_path)
    with anvil("--chain-id", "10") as url:  # OP mainnet's id: a mainnet URL pasted into the testnet's variable
        profile_env.setenv(spec["rpc_env"], url + "/?apikey=secret")
        result = CliRunner().invoke(cli, ["--network", "op-sepolia", "order", "list"])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert "expects chain id 11155420" in result.output and "answers chain id 10" in result.output
    assert "secret" not in result.output


@pytest.mark.parametrize("setting, message", [
    ("confirmations = -1", "confirmations must be a block count"),
    ('confirmations = "latest"', "confirmations must be a block count"),
    ("chain_id = 0", "chain_id must be a positive whole number"),
    ('rollup = "zk"', "rollup must be one of op-stack, arbitrum"),
    ("max_fee_gwai = 2", "unknown setting(s) max_fee_gwai"),
    ("[networks.lab.fees]\nmax_fee_gwei = -1", "fees.max_fee_gwei must be a number >= 0"),
    ("[networks.lab.fees]\npriority_percentile = 101", "priority_percentile must be between 0 and 100"),
    ("[networks.lab.fees]\nmax_tip = 1", "[networks.lab.fees] takes only"),
])
def test_a_bad_profile_setting_is_named(setting, message, tmp_path, monkeypatch):
    config = tmp_path / "networks.toml"
    config.write_text(f'[networks.lab]\nrpc = "http://127.0.0.1:9"\n{setting}\n')
    monkeypatch.setenv("TRADECHAIN_NETWORKS", str(config))
    with pytest.raises(UsageError, match=None) as err:
        connect("lab", root=tmp_path)
    assert message in str(err.value)
