"""The keeper under node faults, in loop mode as it runs in production: the node stopped and restarted under it,
and the node killed (SIGKILL) while a batch waits in its pool. It waits the outage out, resumes, and every due
order is paid exactly once."""

from __future__ import annotations

import signal
import time

from devnet_node import devnet_node, due_orders, released_events  # noqa: F401 - devnet_node: fixture


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _stop_keeper(proc) -> str:
    proc.send_signal(signal.SIGTERM)  # ends it like Ctrl-C: with the summary
    out, _ = proc.communicate(timeout=30)
    assert "Traceback" not in out, out
    return out


def _paid_once(c, ids: list[int]) -> None:
    """Each order released by exactly one event, which paid the seller's side once (1 % fee kept)."""
    for oid in ids:
        released = released_events(c, oid)
        assert [e["event"] for e in released] == ["OrderReleased"], oid
        assert released[0]["args"]["toSellerSide"] == 10**17 * 99 // 100
        assert c.escrow.get_order(oid).state == "Released"


def test_keeper_waits_out_a_node_stopped_and_restarted_under_it(devnet_node):
    keeper = devnet_node.spawn("keeper", "--interval", "0.3")
    try:
        assert "keeper on" in keeper.stdout.readline()  # connected and running its passes
        devnet_node.devnet.stop()  # a clean stop: the chain is saved
        time.sleep(3)  # a few passes find no node (each after web3's own retries)
        devnet_node.start()
        c = devnet_node.client()
        ids = due_orders(c, 3)
        resumed = _wait_for(lambda: all(c.escrow.get_order(i).state == "Released" for i in ids), 60)
    finally:
        out = _stop_keeper(keeper)
    assert resumed, f"the keeper did not resume after the node came back: {out}"
    assert "node unreachable" in out and "retrying" in out
    _paid_once(c, ids)


def test_node_killed_mid_batch_under_a_running_keeper_every_due_order_is_paid_once(devnet_node):
    c = devnet_node.client()
    ids = due_orders(c, 6)
    time.sleep(2.2)  # anvil saves its state every second: the due orders survive the kill
    devnet_node.automine(False)  # the first batch waits in the pool when the node dies
    keeper = devnet_node.spawn("keeper", "--interval", "0.3", "--batch", "2")
    try:
        devnet_node.wait_pending(1, [keeper])
        devnet_node.kill9()  # the pool, and the batch in it, die with the node
        time.sleep(1.5)
        started = devnet_node.start()  # restored from the last saved state, mining again
        assert started.crashed
        c = devnet_node.client()
        settled = _wait_for(lambda: all(c.escrow.get_order(i).state == "Released" for i in ids), 90)
        time.sleep(1.0)  # one more pass: nothing may be paid again
    finally:
        out = _stop_keeper(keeper)
    assert settled, f"the keeper did not settle every due order after the node was restarted: {out}"
    # web3's retries may bridge the outage or the keeper may log it and wait: either way, the batch the node
    # lost with its pool is known to be lost and sent again. Which words say so depends on whether the keeper had
    # the batch's hash back when the node died (the pool had it either way: wait_pending saw it there).
    assert ("is unknown to the node (dropped): due again" in out
            or "announced before a restart: it is not on chain (never sent, or lost with the node's pool): due again"
            in out), out
    _paid_once(c, ids)


def test_a_batch_stuck_in_the_pool_is_sped_up_by_the_keeper_and_paid_once(devnet_node, tmp_path):
    import json
    import threading

    from tradechain.keeper import Journal, Keeper

    c = devnet_node.client()
    ids = due_orders(c, 2)
    journal = Journal(tmp_path / "journal.jsonl")
    keeper = Keeper(c, c.deployment.accounts["keeper"], log=lambda _m: None, speedup_after=1.0, journal=journal)
    w3 = c.chain.w3
    devnet_node.automine(False)
    try:
        worker = threading.Thread(target=keeper.run, kwargs={"interval": 0, "passes": 1})
        worker.start()
        assert _wait_for(lambda: journal.path.exists() and '"sent"' in journal.path.read_text(), 30)
        first = json.loads(next(x for x in journal.path.read_text().splitlines() if '"sent"' in x))
        old = w3.eth.get_transaction(first["hash"])  # as it waits, before it is replaced

        def replaced() -> bool:
            return journal.path.exists() and '"replaced"' in journal.path.read_text()

        assert _wait_for(replaced, 30), "the keeper did not speed its batch up"
        devnet_node.rpc("evm_mine")
        worker.join(30)
    finally:
        devnet_node.automine(True)
    facts = [json.loads(line) for line in journal.path.read_text().splitlines()]
    sent = next(f for f in facts if f["fact"] == "sent")
    faster = next(f for f in facts if f["fact"] == "replaced")
    mined = next(f for f in facts if f["fact"] == "mined")
    assert faster["hash"] == sent["hash"] and mined["hash"] == faster["by"]
    new = w3.eth.get_transaction(faster["by"])
    assert new["nonce"] == sent["nonce"] == old["nonce"]
    assert new["maxFeePerGas"] > old["maxFeePerGas"] * 1.1 and new["maxPriorityFeePerGas"] > old["maxPriorityFeePerGas"]
    assert keeper.progress.transactions == 1 and keeper.progress.released >= 2  # ours, and any left due before
    _paid_once(c, ids)


def test_the_keeper_acts_only_on_final_state_where_the_network_asks_for_it(devnet_node):
    from tradechain.keeper import Keeper
    from tradechain.networks import Network

    c = devnet_node.client()
    ids = due_orders(c, 1)  # due since the latest block only
    c.chain.profile = Network("lab", devnet_node.url, confirmations=3)
    keeper = Keeper(c, c.deployment.accounts["keeper"], log=lambda _m: None, journal=False)
    assert keeper.run(interval=0, passes=1).released == 0  # due at the latest block, not at the final one
    for _ in range(2):
        devnet_node.rpc("evm_mine")
    assert keeper.run(interval=0, passes=1).released == 1
    _paid_once(c, ids)
