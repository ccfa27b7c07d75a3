"""The everyday commands around the trade steps, against a real anvil: time show, contracts, roles (and the
hint on a missing role), accounts and keystores, events live, provenance sign saying what it wrote."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest

from anvil import cli_on_node


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    with cli_on_node(tmp_path_factory) as (run, env):
        yield run, env


def test_time_show_says_how_far_chain_time_runs_from_wall_time(node):
    run, _ = node
    assert "in step with wall time" in run("time", "show").output
    run("time", "advance", "3d")
    shown = json.loads(run("time", "show", "--json").output)
    assert 3 * 86400 - 60 <= shown["aheadSeconds"] <= 3 * 86400 + 60
    # a loaded machine takes a second or two between the advance and the read: 3d, or 3.0d just short of it
    assert re.search(r"\b3(\.0)?d ahead of wall time", run("time", "show").output)


def test_contracts_lists_addresses_artifacts_and_the_manifest(node):
    run, env = node
    data = json.loads(run("contracts", "--json").output)
    assert data["manifest"].startswith(env["TRADECHAIN_DEPLOY_DIR"])
    by_name = {c["name"]: c for c in data["contracts"]}
    assert set(by_name) == {"TradeEscrow", "InvoiceToken", "Provenance", "DemoStablecoin", "FxRates", "SignedFxFeed",
                            "BillOfLading", "PaymentSchedules"}
    assert all(os.path.exists(c["artifact"]) and c["abiEntries"] > 0 for c in by_name.values())


def test_a_missing_role_names_the_command_that_grants_it_and_role_grant_fixes_it(node):
    run, _ = node
    refused = run("provenance", "register", "--sku", "X-1", "--origin", "cn", "--quantity", "1", "--account", "buyer",
                  ok=False)
    assert refused.exit_code == 1 and "`tradechain role grant PRODUCER 0x" in refused.output
    run("role", "grant", "producer", "buyer")
    assert "buyer" in next(r for r in json.loads(run("role", "list", "--json").output)["roles"]
                           if r["role"] == "PRODUCER")["holders"][-1].values()
    run("provenance", "register", "--sku", "X-1", "--origin", "cn", "--quantity", "1", "--account", "buyer")
    again = run("role", "grant", "producer", "buyer", ok=False)
    assert again.exit_code == 2 and "already holds PRODUCER" in again.output
    run("role", "revoke", "producer", "buyer")
    assert "buyer" not in run("role", "list").output.split("PRODUCER")[1].splitlines()[0]


def test_accounts_import_writes_an_encrypted_keystore_and_never_prints_the_key(node, tmp_path, monkeypatch):
    from eth_account import Account

    run, env = node
    key = "0x" + "4c" * 32
    env.update({"TRADECHAIN_KEYSTORES": str(tmp_path), "TEST_KEY": key, "TEST_PASSWORD": "correct horse"})
    out = run("accounts", "import", "ops", "--key-env", "TEST_KEY", "--password-env", "TEST_PASSWORD").output
    address = Account.from_key(key).address
    assert address in out and key[2:] not in out and "correct horse" not in out
    stored = tmp_path / "ops.json"
    assert oct(stored.stat().st_mode)[-3:] == "600"
    assert Account.decrypt(json.loads(stored.read_text()), "correct horse") == bytes.fromhex(key[2:])
    listed = json.loads(run("accounts", "--json").output)
    assert listed["keystores"][0]["address"]["address"] == address and len(listed["accounts"]) == 10
    twice = run("accounts", "import", "ops", "--key-env", "TEST_KEY", "--password-env", "TEST_PASSWORD", ok=False)
    assert twice.exit_code == 2 and "already exists" in twice.output
    env["TEST_KEY"] = "not a key"
    bad = run("accounts", "import", "other", "--key-env", "TEST_KEY", "--password-env", "TEST_PASSWORD", ok=False)
    assert bad.exit_code == 2 and "not a private key" in bad.output and "not a key" not in bad.output.split(":")[-1]


def test_events_follow_streams_a_new_event_as_it_is_mined(node):
    run, env = node
    from tradechain.chain import rpc

    latest = rpc(env["TRADECHAIN_RPC"]).block_number()
    follower = subprocess.Popen(
        [sys.executable, "-m", "tradechain", "events", "--follow", "--from-block", str(latest + 1), "--limit", "1",
         "--interval", "0.1", "--json"], env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        time.sleep(2)
        assert follower.poll() is None  # nothing new yet: still following
        placed = json.loads(run("order", "create", "--seller", "seller", "--amount", "1 ETH", "--json").output)
        out, err = follower.communicate(timeout=60)
    finally:
        follower.kill()
    event = json.loads(out.splitlines()[0])
    assert event["event"] == "OrderPlaced" and event["orderId"] == placed["orderId"] and event["tx"] == placed["tx"]
    assert "buyer placed and paid: 1 ETH to seller" in event["text"]


def test_provenance_sign_says_what_it_wrote_and_where(node, tmp_path):
    run, _ = node
    oid = json.loads(run("order", "create", "--seller", "seller", "--amount", "1 ETH", "--json").output)["orderId"]
    run("order", "ship", str(oid))
    out = tmp_path / "signed.json"
    said = run("provenance", "sign", str(oid), "departed", "--location", "CNYTN", "--out", str(out)).output
    assert f"written to {out}" in said and "by carrier" in said and f"provenance relay {out}" in said
    assert json.loads(out.read_text())["signer"]
