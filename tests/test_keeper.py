"""The keeper against a real devnet: what it releases and refunds, and the faults it must survive
(killed between sending and confirming a batch, two keepers racing)."""

from __future__ import annotations

import signal
import time

from devnet_node import DAY, devnet_node, due_orders, json_out, released_events  # noqa: F401 - devnet_node: fixture

from tradechain.keeper import Keeper


def test_one_pass_releases_due_orders_refunds_overdue_ones_and_leaves_the_rest(devnet_node):
    c = devnet_node.client()
    a = c.deployment.accounts
    now = c.chain.now()
    terms = dict(buyer=a["buyer"], seller=a["seller"], amount=10**17, inspection_window=2 * DAY)
    due, _ = c.escrow.place_order(ship_by=now + DAY, deliver_by=now + 10 * DAY, **terms)
    c.escrow.ship(due, a["carrier"], sender=a["seller"])
    c.provenance.deliver(due, sender=a["carrier"])
    unshipped, _ = c.escrow.place_order(ship_by=now + DAY, deliver_by=now + 10 * DAY, **terms)
    in_window, _ = c.escrow.place_order(ship_by=now + 4 * DAY, deliver_by=now + 10 * DAY, **terms)
    disputed, _ = c.escrow.place_order(ship_by=now + DAY, deliver_by=now + 10 * DAY, **terms)
    c.escrow.ship(disputed, a["carrier"], sender=a["seller"])
    c.provenance.deliver(disputed, sender=a["carrier"])
    c.escrow.dispute(disputed, sender=a["buyer"])
    c.chain.advance(2 * DAY + 1)  # `due` is past its window, `unshipped` past shipBy
    c.escrow.ship(in_window, a["carrier"], sender=a["seller"])
    c.provenance.deliver(in_window, sender=a["carrier"])
    seller_before = c.tokens.balance(a["seller"]) + c.escrow.credits(a["seller"])

    lines = []
    keeper = Keeper(c, a["keeper"], batch=2, log=lines.append)
    progress = keeper.run_once()

    assert c.escrow.get_order(due).state == "Released" and c.escrow.get_order(unshipped).state == "Refunded"
    assert not c.escrow.get_order(in_window).terminal  # delivered, window still open
    assert c.escrow.get_order(disputed).state == "Disputed"
    assert c.tokens.balance(a["seller"]) + c.escrow.credits(a["seller"]) - seller_before == 10**17 * 99 // 100
    assert any(ln.startswith(f"released order #{due} ") for ln in lines)
    assert any(ln.startswith(f"refunded order #{unshipped} ") for ln in lines)
    assert progress.released >= 1 and progress.refunded >= 1 and progress.gas > 0 and progress.cost_wei > 0
    assert progress.seen >= 4
    again = keeper.run_once()  # nothing is due twice
    assert (again.released, again.refunded, again.transactions) == (progress.released, progress.refunded,
                                                                    progress.transactions)


def test_keeper_killed_between_sending_and_confirming_pays_each_order_once(devnet_node):
    """The journal: a keeper killed while its batch waits in the pool is restarted, sees its own batch pending and
    sends nothing more (no second transaction, no gas paid twice); once mined, the next pass counts it."""
    c = devnet_node.client()
    a = c.deployment.accounts
    ids = due_orders(c, 3)
    seller_before = c.tokens.balance(a["seller"]) + c.escrow.credits(a["seller"])
    keeper_nonce = c.chain.w3.eth.get_transaction_count(a["keeper"])
    devnet_node.automine(False)  # the batch waits in the pool: the keeper is inside "sent, not confirmed"
    try:
        first = devnet_node.spawn("keeper", "--once")
        devnet_node.wait_pending(1, [first])
        first.send_signal(signal.SIGKILL)
        first.wait(5)
        second = devnet_node.spawn("keeper", "--once", "--json")  # restarted while the batch still waits
        out, _ = second.communicate(timeout=60)
        assert second.returncode == 0, out
        assert json_out(out)["transactions"] == 0 and devnet_node.pending() == 1  # nothing sent twice
        devnet_node.rpc("evm_mine")
    finally:
        devnet_node.automine(True)
    third = devnet_node.spawn("keeper", "--once")
    out, _ = third.communicate(timeout=60)
    assert third.returncode == 0, out
    # the kill lands after the journal has the batch's hash, or just before (only its announcement): either way
    # the restarted keeper knows what happened to it
    assert (f"release batch {ids} sent before a restart was mined" in out
            and all(f"released order #{oid}" in out for oid in ids)) or \
        f"release batch {ids} announced before a restart: its orders are settled on chain" in out, out
    for oid in ids:
        assert [e["event"] for e in released_events(c, oid)] == ["OrderReleased"]
    assert c.tokens.balance(a["seller"]) + c.escrow.credits(a["seller"]) - seller_before == 3 * (10**17 * 99 // 100)
    assert c.chain.w3.eth.get_transaction_count(a["keeper"]) == keeper_nonce + 1  # one batch, paid once
    assert "Traceback" not in out


def test_two_keepers_at_once_never_pay_twice_and_report_the_lost_race(devnet_node):
    c = devnet_node.client()
    ids = due_orders(c, 4)
    devnet_node.automine(False)
    try:
        k1 = devnet_node.spawn("keeper", "--once", "--batch", "3", "--json")
        k2 = devnet_node.spawn("keeper", "--once", "--batch", "3", "--account", "buyer2", "--json")
        # each sends all its batches ([1, 2, 3] and [4]) before waiting: all four in the pool before any is mined
        devnet_node.wait_pending(4, [k1, k2])
        deadline = time.monotonic() + 30
        while k1.poll() is None or k2.poll() is None:  # then mine whatever else they send
            assert time.monotonic() < deadline
            if devnet_node.pending():
                devnet_node.rpc("evm_mine")
            time.sleep(0.05)
        outs = [k.stdout.read() for k in (k1, k2)]
    finally:
        devnet_node.automine(True)
    import json

    results = [json.loads(out[out.index("{"):]) for out in outs]
    assert [k.returncode for k in (k1, k2)] == [0, 0], outs
    for oid in ids:
        assert len(released_events(c, oid)) == 1
    mine = set(ids)
    assert sum(r["released"] for r in results) >= len(mine)
    assert sum(r["lostRaces"] for r in results) >= len(mine)  # each order lost by one of the two


def test_keeper_runs_until_stopped_and_releases_orders_as_they_fall_due(devnet_node):
    c = devnet_node.client()
    keeper = devnet_node.spawn("keeper", "--interval", "0.2")
    try:
        time.sleep(1.5)  # let it start and do a few empty passes
        ids = due_orders(c, 2)
        deadline = time.monotonic() + 20
        while not all(c.escrow.get_order(i).state == "Released" for i in ids):
            assert time.monotonic() < deadline and keeper.poll() is None, "the running keeper did not release"
            time.sleep(0.1)
        time.sleep(1.0)  # mined is not yet counted: let it read the receipt and journal it before it is stopped
    finally:
        keeper.send_signal(signal.SIGTERM)
        out, _ = keeper.communicate(timeout=10)
    assert keeper.returncode == 0, out
    assert all(f"released order #{i} " in out for i in ids), out
    assert "orders seen" in out.splitlines()[-1] and "Traceback" not in out


def test_a_keeper_killed_before_it_learns_its_batch_hash_still_sends_nothing_twice(devnet_node, tmp_path):
    """The journal's blind spot closed: a batch announced (`sending`) whose hash never got written is treated as
    in the pool while the sender has a pending transaction, and abandoned once it has none."""
    from tradechain.keeper import Journal, Keeper

    c = devnet_node.client()
    ids = due_orders(c, 2)
    keeper = c.deployment.accounts["keeper"]
    journal = Journal(tmp_path / "journal.jsonl")
    devnet_node.automine(False)
    try:
        journal.sending("release", ids)  # as if killed right after the node took the batch
        c.chain.submit({  # the batch itself, in the pool
            "from": keeper, "to": c.escrow.address, "value": 0, "gas": 500_000,
            "data": c.tx.encode("TradeEscrow", "releaseBatch", [ids])})
        restarted = Keeper(c, keeper, log=lambda _m: None, journal=journal)
        progress = restarted.run(interval=0, passes=1)
        assert progress.transactions == 0 and devnet_node.pending() == 1  # nothing sent twice
        devnet_node.rpc("evm_mine")
    finally:
        devnet_node.automine(True)
    again = Keeper(c, keeper, log=lambda _m: None, journal=journal).run(interval=0, passes=1)
    assert again.transactions == 0 and journal.in_flight() == ([], [])  # abandoned: the chain shows it settled
    for oid in ids:
        assert [e["event"] for e in released_events(c, oid)] == ["OrderReleased"]
