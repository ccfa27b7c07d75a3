"""`bench speed`'s concurrency figures: senders sharing one key in threads and in two processes, checked for
lost or doubled orders; and the check itself catches a run that lost one."""

from __future__ import annotations

import pytest

from tradechain.bench import concurrency


def test_concurrent_senders_sharing_a_key_on_anvil_lose_and_double_nothing():
    result = concurrency.measure("anvil", senders=2, per_sender=2)
    for key in ("oneSender", "threads", "twoProcesses"):
        run = result[key]
        assert run["tradesPerSecond"] > 0 and run["checked"].startswith("no order lost or doubled")
    assert result["twoProcesses"]["processes"] == 2 and result["threads"]["trades"] == 4
    assert set(result["ratios"]) == {"2 threads / 1 sender", "2 processes x 1 / 2 threads"}


def test_the_check_fails_a_run_that_lost_an_order(tmp_path, monkeypatch):
    from anvil import anvil

    from tradechain.bench.devnet import dev_keys
    from tradechain.chain import rpc
    from tradechain.deployment import ensure_suite
    from tradechain.project import load_artifacts, project_root

    monkeypatch.setenv("TRADECHAIN_DEPLOY_DIR", str(tmp_path / "deploy"))
    monkeypatch.setenv("TRADECHAIN_STATE_DIR", str(tmp_path / "state"))
    key = dev_keys(10)[9]
    with anvil() as url:
        ensure_suite(rpc(url), project_root(), load_artifacts())
        c = concurrency._client(url, "0x" + bytes(key.key).hex())
        before, nonce, block = c.escrow.order_count(), c.chain.w3.eth.get_transaction_count(key.address), \
            c.chain.block_number()
        concurrency._trades(c, key.address, 2)
        concurrency._check(c, key.address, before, 2, nonce, block)  # what happened: passes
        with pytest.raises(RuntimeError, match="3 trades sent, 2 orders recorded"):
            concurrency._check(c, key.address, before, 3, nonce, block)
