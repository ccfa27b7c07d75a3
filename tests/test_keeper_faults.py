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
    # lost with its pool is known to be lost and sent again
    assert "is unknown to the node (dropped): due again" in out, out
    _paid_once(c, ids)
