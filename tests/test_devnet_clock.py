"""The devnet keeps its clock: after `tradechain time advance`, neither a clean stop and start nor a SIGKILL and
restart lets chain time run backwards, so deadlines that had passed stay passed and the keeper can act."""

from __future__ import annotations

import json
import time

from devnet_node import DAY, ROOT, devnet_node, free_port, shipped_order, tc  # noqa: F401 - devnet_node: fixture

from tradechain.devnet import Devnet, rpc_request

HOUR = 3600


def _due_after_two_hours(node) -> int:
    """An ETH order delivered with a one-hour inspection window, then `time advance 2h`: releasable now."""
    c = node.client()
    a = c.deployment.accounts
    oid = shipped_order(c, inspection_window=HOUR)
    c.provenance.deliver(oid, "DEHAM", sender=a["carrier"])
    assert "chain time is now" in tc(node, "time", "advance", "2h").output
    assert c.escrow.actionable(oid) == (True, False)
    return oid


def _latest(node) -> tuple[int, int]:
    block = node.rpc("eth_getBlockByNumber", "latest", False)
    return int(block["number"], 16), int(block["timestamp"], 16)


def _keeper_releases(node, oid: int) -> None:
    out = json.loads(tc(node, "keeper", "--once", "--json").output)
    assert out["released"] >= 1
    assert node.client().escrow.get_order(oid).state == "Released"


def test_time_advanced_then_clean_stop_and_start_resumes_the_clock_with_its_offset(devnet_node):
    oid = _due_after_two_hours(devnet_node)
    block, last_time = _latest(devnet_node)
    assert last_time >= time.time() + 2 * HOUR - 5

    tc(devnet_node, "devnet", "stop")
    assert json.loads(devnet_node.devnet.meta_file.read_text())["timeOffset"] >= 2 * HOUR - 5
    started = tc(devnet_node, "devnet", "start", "--port", str(devnet_node.port)).output
    assert "ahead of the wall clock" in started

    devnet_node.rpc("evm_mine")
    mined, mined_time = _latest(devnet_node)
    assert mined == block + 1 and mined_time >= last_time
    assert mined_time >= time.time() + 2 * HOUR - 5  # the offset is kept, not just the last block's time
    _keeper_releases(devnet_node, oid)


def test_time_advanced_then_sigkill_and_restart_never_runs_the_clock_backwards(devnet_node):
    oid = _due_after_two_hours(devnet_node)
    block, last_time = _latest(devnet_node)
    time.sleep(2.2)  # anvil saves its state every second: the advanced block is on disk
    devnet_node.kill9()
    started = devnet_node.start()
    assert started.crashed and started.lost_blocks == 0 and started.block == block
    assert started.clock_ahead > HOUR  # no offset recorded by a kill: resumed from the last block's time

    devnet_node.rpc("evm_mine")
    _mined, mined_time = _latest(devnet_node)
    assert mined_time >= last_time
    _keeper_releases(devnet_node, oid)


def test_a_restart_without_time_travel_stays_on_the_wall_clock(tmp_path):
    net = Devnet(ROOT, state_dir=tmp_path / "state")
    port = free_port()
    try:
        net.start(port)
        rpc_request(net.url(), "evm_mine")
        net.stop()
        assert json.loads(net.meta_file.read_text())["timeOffset"] <= 1
        started = net.start(port)
        assert started.restored and started.clock_ahead == 0
    finally:
        net.stop()
