"""The indexer on the embedded chain: every suite log once, typed rows that match the contracts, reorgs rolled
back to the fork point (snapshot/revert makes a fork), ranges that shrink when the node refuses, and reads
through the index that equal reads from the node."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tradechain.index import queries
from tradechain.index.reader import attach, is_fresh
from tradechain.index.schema import anchors, logs

from index_kit import contents, new_index, node_logs, second_client

DAY = 86_400


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path}/index.sqlite"


def _mixed_orders(trade, chain, client, accounts) -> dict[str, int]:
    """One order in each state the keeper and the pages care about."""
    ids = {"funded": trade.place(terms_hash=b"\x01" * 32), "shipped": trade.shipped(),
           "delivered": trade.delivered(), "disputed": trade.disputed()}
    ids["released"] = trade.delivered()
    chain.advance(4 * DAY)
    client.escrow.release(ids["released"], sender=accounts["keeper"])
    return ids


def test_index_holds_every_suite_log_once_and_orders_match_the_chain(trade, chain, client, accounts, url):
    ids = _mixed_orders(trade, chain, client, accounts)
    ix = new_index(client, url)
    report = ix.run()
    assert report.end == chain.block_number()
    assert ix.run().logs == 0  # a second pass finds nothing new and doubles nothing
    with ix.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(logs)).scalar() == len(node_logs(client))
    site = queries.Site(client, ix.engine)
    listed = {o["id"]: o["state"] for o in queries.order_list(site)["orders"]}
    assert listed == {o.id: o.state for o in client.escrow.list_orders()}
    assert listed[ids["delivered"]] == "Delivered" and listed[ids["released"]] == "Released"
    with ix.engine.connect() as conn:
        terms = conn.execute(select(anchors.c.role, anchors.c.item).where(anchors.c.doc_hash == "0x" + "01" * 32)).all()
    assert terms == [("order terms", str(ids["funded"]))]


def test_a_fork_made_by_revert_is_rolled_back_to_the_fork_point(trade, chain, client, accounts, url, tmp_path):
    order_id = trade.delivered()
    ix = new_index(client, url)
    ix.run()
    fork = chain.block_number()
    snap = chain.snapshot()
    chain.advance(4 * DAY)
    client.escrow.release(order_id, sender=accounts["keeper"])
    trade.place()
    ix.run()
    assert queries.order_list(queries.Site(client, ix.engine))["orders"][-1]["id"] == order_id + 1
    chain.revert(snap)  # the other branch: a dispute instead of the release, more blocks than before
    trade.dispute(order_id, b"\x07" * 32)
    for _ in range(4):
        chain.mine()
    report = ix.run()
    assert [b for _, b in report.reorgs] == [fork]
    fresh = new_index(client, f"sqlite:///{tmp_path}/fresh.sqlite")
    fresh.run()
    assert contents(ix.engine) == contents(fresh.engine)
    states = {o["id"]: o["state"] for o in queries.order_list(queries.Site(client, ix.engine))["orders"]}
    assert states[order_id] == "Disputed" and order_id + 1 not in states


def test_ranges_shrink_when_the_node_refuses_and_no_block_is_missed(trade, client, url, tmp_path):
    for _ in range(3):
        trade.delivered()
    refusing = second_client(client)
    ask = refusing.chain.w3.eth.get_logs

    def capped(flt):  # a node that caps eth_getLogs at 3 blocks, as public nodes cap ranges
        if flt["toBlock"] - flt["fromBlock"] + 1 > 3:
            raise ValueError("block range too large: at most 3 blocks")
        return ask(flt)

    refusing.chain.w3.eth.get_logs = capped
    ix = new_index(refusing, url)
    report = ix.run()
    assert report.refusals > 0 and report.ranges > 5  # shrank to ranges the node accepts, and read them all
    fresh = new_index(client, f"sqlite:///{tmp_path}/fresh.sqlite")
    fresh.run()
    assert contents(ix.engine) == contents(fresh.engine)


def test_reads_through_the_index_equal_reads_from_the_node(trade, chain, client, accounts, url):
    ids = _mixed_orders(trade, chain, client, accounts)
    ix = new_index(client, url)
    ix.run()
    reader = second_client(client)
    assert is_fresh(ix.engine, reader.chain.w3)[0]
    attach(reader.chain, ix.engine)
    trade.place()  # after the cursor: the index serves what it has, the node the rest
    for oid in ids.values():
        assert reader.timeline(oid) == client.timeline(oid)
        assert queries.order_view(queries.Site(reader, ix.engine), oid) == queries.order_view(queries.Site(client), oid)
    assert queries.trace_view(queries.Site(reader, ix.engine), ids["released"]) == \
        queries.trace_view(queries.Site(client), ids["released"])
    assert queries.invoice_ids(queries.Site(reader, ix.engine)) == queries.invoice_ids(queries.Site(client))


def test_an_index_after_a_reorg_is_not_fresh_until_the_next_pass(trade, chain, client, url):
    trade.place()
    ix = new_index(client, url)
    snap = chain.snapshot()
    trade.place()
    ix.run()
    chain.revert(snap)
    chain.mine()
    chain.mine()
    fresh, why = is_fresh(ix.engine, client.chain.w3)
    assert not fresh and "reorg" in why
    ix.run()
    assert is_fresh(ix.engine, client.chain.w3)[0]


def test_due_orders_from_the_index_are_what_the_contract_allows(trade, chain, client, accounts, url):
    ids = _mixed_orders(trade, chain, client, accounts)
    late = trade.place(ship_in=DAY)
    chain.advance(2 * DAY)
    ix = new_index(client, url)
    ix.run()
    due = queries.due_orders(ix.engine, chain.now())
    allowed = [o.id for o in client.escrow.list_orders() if any(client.escrow.actionable(o.id))]
    assert due == allowed
    assert late in due and ids["delivered"] in due and ids["released"] not in due


def test_an_index_of_another_suite_is_refused(client, url):
    from dataclasses import replace

    from tradechain.errors import UsageError

    new_index(client, url)
    other = second_client(client)
    other.deployment = replace(client.deployment, addresses={**client.deployment.addresses,
                                                             "TradeEscrow": "0x" + "12" * 20})
    with pytest.raises(UsageError, match="other contracts"):
        new_index(other, url)


def test_the_head_revision_known_to_the_code_is_the_newest_migration():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from tradechain.index import db

    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == db.HEAD


def _plain(value):
    """bytes-likes as bytes, sequences as lists: the decoders agree on values, not on container types."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def test_the_indexers_decoder_gives_what_web3_gives(trade, chain, client, accounts):
    from tradechain.demo import run_demo
    from tradechain.index.derive import DERIVED, Decoder
    from tradechain.index.rawlogs import row_of

    _mixed_orders(trade, chain, client, accounts)
    run_demo(client)
    decoder, seen = Decoder(client), set()
    for log in node_logs(client):
        mine = decoder.decode(row_of(log))
        theirs = client.tx.decode_logs([log])
        if theirs and theirs[0]["event"] in DERIVED and \
                (theirs[0]["event"] != "Transfer" or theirs[0]["contract"] == "InvoiceToken"):
            assert _plain(mine) == _plain(theirs[0])
            seen.add(mine["event"])
        else:
            assert mine is None
    assert seen >= {"OrderPlaced", "OrderShipped", "Checkpoint", "DocumentAnchored", "BatchRegistered",
                    "OrderResolved", "OrderReleased", "CustodyTaken", "Transfer"}


def test_an_invoice_sold_on_a_dropped_branch_is_back_with_its_holder(trade, chain, client, accounts, url, tmp_path):
    from sqlalchemy import select

    from tradechain.index.schema import invoices

    order_id = trade.shipped()
    ix = new_index(client, url)
    ix.run()
    snap = chain.snapshot()
    client.invoices.list_at_discount(order_id, 500, sender=accounts["seller"])
    client.invoices.buy(order_id, sender=accounts["financier"])
    ix.run()

    def holder():
        with ix.engine.connect() as conn:
            return conn.execute(select(invoices.c.holder).where(invoices.c.id == order_id)).scalar()

    assert holder() == accounts["financier"]
    chain.revert(snap)
    for _ in range(3):
        chain.mine()
    assert ix.run().reorgs
    assert holder() == accounts["seller"] == client.invoices.owner(order_id)
    fresh = new_index(client, f"sqlite:///{tmp_path}/fresh.sqlite")
    fresh.run()
    assert contents(ix.engine) == contents(fresh.engine)


def test_a_reorg_removes_the_typed_rows_of_the_dropped_branch(trade, chain, client, accounts, url, tmp_path):
    """Financing events, sensor readings, limit breaches and batches recorded on a branch that a reorg drops are
    gone from their tables after the rollback, and the index equals one built fresh from the new branch."""
    from tradechain.index.schema import batches, breaches, financing, readings

    order_id = trade.place()
    client.escrow.set_sensor_limits(order_id, (2, 8), 60, 5, sender=accounts["buyer"])
    trade.ship(order_id)
    ix = new_index(client, url)
    ix.run()
    snap = chain.snapshot()
    client.invoices.list_at_discount(order_id, 500, sender=accounts["seller"])
    client.invoices.buy(order_id, sender=accounts["financier"])
    t = chain.now()
    client.provenance.record_readings(order_id, [("Temperature", t - 60, 5.0), ("Temperature", t - 30, 12.5)],
                                      sender=accounts["carrier"])
    client.provenance.register_batch("SKU-REORG", "VN", 10, [b"\x09" * 32], sender=accounts["seller"])
    advanced = trade.shipped()
    client.invoices.offer_advance(advanced, 10**17, 300, sender=accounts["financier"])
    ix.run()
    offers = queries.advance_offers(queries.Site(client, ix.engine), advanced)  # financiers from the typed table
    assert offers == client.invoices.advance_offers(advanced) and offers[0]["financier"] == accounts["financier"]

    def counts():
        with ix.engine.connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                    for t in (financing, readings, breaches, batches)}

    assert counts() == {"financing": 3, "readings": 2, "breaches": 1, "batches": 1}
    with ix.engine.connect() as conn:
        assert [r.breach for r in conn.execute(select(readings).order_by(readings.c.position))] == [False, True]
        assert {r.event for r in conn.execute(select(financing))} == {"InvoiceListed", "InvoiceSold", "AdvanceOffered"}
    chain.revert(snap)
    for _ in range(3):
        chain.mine()
    assert ix.run().reorgs
    assert counts() == {"financing": 0, "readings": 0, "breaches": 0, "batches": 0}
    fresh = new_index(client, f"sqlite:///{tmp_path}/fresh.sqlite")
    fresh.run()
    assert contents(ix.engine) == contents(fresh.engine)


def test_an_index_made_before_the_typed_tables_is_migrated_and_filled_on_the_next_pass(trade, chain, client,
                                                                                        accounts, url, tmp_path):
    """An index at revision 0002 (no financing, readings, breaches or batches tables) is upgraded on open and
    re-read: its typed tables then hold what a fresh index holds."""
    from sqlalchemy import text

    from tradechain.index.schema import batches

    client.provenance.register_batch("SKU-OLD", "VN", 5, sender=accounts["seller"])
    old = new_index(client, url)
    old.run()
    with old.engine.begin() as conn:  # what an index written by the 0002 code looks like
        for table in ("financing", "readings", "breaches", "batches"):
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("ALTER TABLE orders DROP COLUMN accept_by"))  # added by 0004, after the typed tables
        conn.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    ix = new_index(client, url)
    assert ix.cursor() == client.deployment.start_block - 1  # the migration asks for a re-read
    ix.run()
    with ix.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(batches)).scalar() == 1
    fresh = new_index(client, f"sqlite:///{tmp_path}/fresh.sqlite")
    fresh.run()
    assert contents(ix.engine) == contents(fresh.engine)
