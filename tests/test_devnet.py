"""The devnet as users meet it: start/stop/status/reset, state that survives restarts and a SIGKILL,
manifests reused or refused, --network everywhere, and a dead node answered in one line."""

from __future__ import annotations

import json
import time
from pathlib import Path

from click.testing import CliRunner
from test_json_output import validate
from devnet_node import DAY, ROOT, devnet_node, free_port, shipped_order, tc  # noqa: F401 - devnet_node: fixture

from tradechain.cli import cli
from tradechain.devnet import Devnet


def test_status_shows_the_suite_and_deploy_reuses_it(devnet_node):
    validate("devnet.status", tc(devnet_node, "devnet", "status", "--json").output)
    again = tc(devnet_node, "devnet", "start", "--port", str(devnet_node.port), "--json").output
    validate("devnet.start", again)
    assert json.loads(again)["notes"][0].startswith("already running")
    status = json.loads(tc(devnet_node, "devnet", "status", "--json").output)
    assert status["up"] and status["chainId"] == 31337 and status["url"] == devnet_node.url
    assert set(status["contracts"]) == {"Provenance", "InvoiceToken", "TradeEscrow", "DemoStablecoin", "FxRates",
                                        "SignedFxFeed", "BillOfLading", "PaymentSchedules"}
    again = json.loads(tc(devnet_node, "deploy", "--network", "devnet", "--json").output)
    assert again["suite"] == "reused" and again["contracts"] == status["contracts"]
    manifest = json.loads(open(again["manifest"]).read())
    assert all(r["compiler"].startswith("0.8.37") for r in manifest["contracts"].values())
    assert "reusing the suite" in tc(devnet_node, "deploy", "-n", "devnet").output


def test_stop_and_start_keep_every_order_invoice_and_checkpoint(devnet_node):
    c = devnet_node.client()
    a = c.deployment.accounts
    oid = shipped_order(c, 10**18)
    c.provenance.checkpoint(oid, "PickedUp", "CNSZX", sender=a["carrier"])
    before = [(e["event"], e["block"]) for e in c.timeline(oid)]
    escrow_balance = c.tokens.balance(c.escrow.address)

    stopped = tc(devnet_node, "devnet", "stop").output
    assert "state saved" in stopped and not devnet_node.devnet.running()
    assert tc(devnet_node, "order", "list", ok=False).exit_code == 1  # down: one line, no traceback
    started = devnet_node.start()
    assert started.restored and not started.crashed

    c = devnet_node.client()  # the manifest is still valid: same chain id, same addresses, same code
    assert c.escrow.get_order(oid).state == "Shipped" and c.invoices.owner(oid) == a["seller"]
    assert [(e["event"], e["block"]) for e in c.timeline(oid)] == before
    assert c.tokens.balance(c.escrow.address) == escrow_balance


def test_sigkill_mid_flow_then_restart_from_the_state_file_and_finish_the_flow(devnet_node):
    c = devnet_node.client()
    a = c.deployment.accounts
    oid = shipped_order(c, 3 * 10**18)
    held = c.tokens.balance(c.escrow.address)
    time.sleep(2.2)  # the saver writes within a second of each block: what is older than that must survive
    devnet_node.kill9()
    started = devnet_node.start()
    assert started.crashed and started.lost_blocks == 0

    c = devnet_node.client()
    assert c.escrow.get_order(oid).state == "Shipped" and c.tokens.balance(c.escrow.address) == held
    seller_before = c.tokens.balance(a["seller"]) + c.escrow.credits(a["seller"])
    c.provenance.deliver(oid, "DEHAM", sender=a["carrier"])
    c.chain.advance(DAY)
    c.escrow.release_batch([oid], sender=a["keeper"])
    assert c.escrow.get_order(oid).state == "Released"
    assert c.tokens.balance(a["seller"]) + c.escrow.credits(a["seller"]) - seller_before == 3 * 10**18 * 99 // 100


def test_a_sigkill_that_loses_the_last_blocks_is_reported_on_restart(devnet_node):
    c = devnet_node.client()
    a = c.deployment.accounts
    receipt = c.tx.send("DemoStablecoin", "transfer", [a["buyer2"], 1], sender=a["buyer"])
    devnet_node.kill9()  # within the save interval: this block may or may not have been saved
    started = devnet_node.start()
    print(f"mined block {receipt.block}, restored block {started.block}, reported lost {started.lost_blocks}")
    # every block the node mined is either restored or reported lost; never silently gone
    assert started.crashed and started.block + started.lost_blocks >= receipt.block
    if started.block < receipt.block:
        assert started.lost_blocks == receipt.block - started.block


def test_network_from_a_config_file_signs_with_a_key_from_the_environment(devnet_node, tmp_path):
    from eth_account import Account

    key = Account.create()
    config = tmp_path / "networks.toml"
    config.write_text(f'[networks.lab]\nrpc = "{devnet_node.url}"\nkey_env = "LAB_KEY"\n')
    c = devnet_node.client()
    c.chain.w3.eth.send_transaction({"from": c.deployment.accounts["admin"], "to": key.address, "value": 10**18})
    env = {"TRADECHAIN_NETWORKS": str(config), "TRADECHAIN_NETWORK": ""}
    missing = tc(devnet_node, "--network", "lab", "order", "list", ok=False, **env)
    assert missing.exit_code == 2 and "$LAB_KEY" in missing.output and len(missing.output.splitlines()) == 1
    out = tc(devnet_node, "keeper", "--network", "lab", "--once", "--account", key.address, "--json",
             LAB_KEY=key.key.hex(), **env).output
    assert json.loads(out)["passes"] == 1 and key.key.hex().removeprefix("0x") not in out
    unknown = tc(devnet_node, "-n", "nowhere", "order", "list", ok=False, **env)
    assert unknown.exit_code == 2 and "unknown network 'nowhere'" in unknown.output


def test_a_manifest_whose_build_changed_says_how_to_redeploy_and_deploy_replaces_it(devnet_node, tmp_path):
    src = json.loads((Path(devnet_node.env["TRADECHAIN_DEPLOY_DIR"]) / "31337.json").read_text())
    src["contracts"]["TradeEscrow"]["buildHash"] = "0x" + "00" * 32
    stale = tmp_path / "deploy"
    stale.mkdir()
    (stale / "31337.json").write_text(json.dumps(src))
    refused = tc(devnet_node, "order", "list", ok=False, TRADECHAIN_DEPLOY_DIR=str(stale))
    assert refused.exit_code == 1
    assert "TradeEscrow in contracts/ has changed" in refused.output
    assert "`tradechain deploy --network devnet --force`" in refused.output
    fresh = json.loads(tc(devnet_node, "deploy", "--json", TRADECHAIN_DEPLOY_DIR=str(stale)).output)
    assert fresh["suite"].startswith("redeployed: contracts/ changed")
    assert fresh["contracts"]["TradeEscrow"] != src["contracts"]["TradeEscrow"]["address"]
    tc(devnet_node, "order", "list", TRADECHAIN_DEPLOY_DIR=str(stale))


def test_demo_runs_end_to_end_on_the_devnet(devnet_node):
    result = json.loads(tc(devnet_node, "--network", "devnet", "demo", "--json").output)
    states = {o["state"] for o in result["orders"]}
    assert result["chainId"] == 31337 and {"Released", "Resolved"} <= states <= {"Released", "Resolved"}


def test_reset_wipes_the_chain_state_and_manifest(tmp_path, monkeypatch):
    monkeypatch.setenv("TRADECHAIN_DEPLOY_DIR", str(tmp_path / "deploy"))
    net = Devnet(ROOT, state_dir=tmp_path / "state")
    net.start(free_port())
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "31337.json").write_text("{}")
    net.stop()
    assert net.state_file.exists()
    removed = net.reset()
    assert net.state_file in removed and tmp_path / "deploy" / "31337.json" in removed
    assert not net.state_file.exists() and not net.running()


DOWN_COMMANDS = [("order", "list"), ("order", "show", "1"), ("keeper", "--once"), ("deploy",),
                 ("time", "advance", "1d"), ("demo",), ("devnet", "status")]


def test_node_down_every_command_fails_fast_with_one_clear_line(tmp_path):
    port = free_port()  # nothing listens here
    no_devnet = {"TRADECHAIN_STATE_DIR": str(tmp_path)}  # a project whose devnet never ran
    for how in ({"TRADECHAIN_RPC": f"http://127.0.0.1:{port}", "TRADECHAIN_NETWORK": ""},
                {"TRADECHAIN_NETWORK": "devnet", "TRADECHAIN_RPC": ""}):
        for command in DOWN_COMMANDS:
            started = time.monotonic()
            result = CliRunner().invoke(cli, list(command), env={**how, **no_devnet})
            lines = result.output.strip().splitlines()
            assert result.exit_code == 1, (command, result.output)
            assert len(lines) == 1 and "Traceback" not in result.output, (command, result.output)
            assert "devnet start" in lines[0] and time.monotonic() - started < 5, (command, lines)


def test_network_from_a_config_file_signs_with_a_keystore_key(devnet_node, tmp_path):
    from eth_account import Account

    key = Account.create()
    keystore = tmp_path / "deployer.json"
    keystore.write_text(json.dumps(Account.encrypt(key.key, "correct horse", iterations=2)))
    config = tmp_path / "networks.toml"
    config.write_text(f'[networks.lab]\nrpc = "{devnet_node.url}"\nkeystore = "{keystore}"\n'
                      'password_env = "LAB_PASSWORD"\n')
    c = devnet_node.client()
    c.chain.w3.eth.send_transaction({"from": c.deployment.accounts["admin"], "to": key.address, "value": 10**18})
    env = {"TRADECHAIN_NETWORKS": str(config), "TRADECHAIN_NETWORK": ""}
    no_password = tc(devnet_node, "--network", "lab", "order", "list", ok=False, **env)
    assert no_password.exit_code == 2 and "LAB_PASSWORD" in no_password.output
    wrong = tc(devnet_node, "--network", "lab", "order", "list", ok=False, LAB_PASSWORD="battery staple", **env)
    assert wrong.exit_code == 2 and len(wrong.output.splitlines()) == 1 and "Traceback" not in wrong.output
    out = tc(devnet_node, "keeper", "--network", "lab", "--once", "--account", key.address, "--json",
             LAB_PASSWORD="correct horse", **env).output
    assert json.loads(out)["passes"] == 1
    assert key.key.hex().removeprefix("0x") not in out and "correct horse" not in out


def test_an_idle_devnet_leaves_its_state_file_alone_and_a_new_block_is_saved_within_a_second(devnet_node):
    state = devnet_node.devnet.state_file
    devnet_node.rpc("evm_mine")
    time.sleep(1.5)  # the saver has caught up with that block
    before = state.stat().st_mtime_ns
    time.sleep(2.0)  # nothing happens: anvil's --state-interval rewrote the whole file every second here
    assert state.stat().st_mtime_ns == before, "an idle devnet rewrote its state file"
    block = int(devnet_node.rpc("evm_mine") and devnet_node.rpc("eth_blockNumber"), 16)
    deadline = time.monotonic() + 1.5  # within a second of the block (plus the dump itself)
    while state.stat().st_mtime_ns == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert state.stat().st_mtime_ns != before, "a new block was not saved within a second"
    assert int(json.loads(state.read_text())["block"]["number"], 16) == block
