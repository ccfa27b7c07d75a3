"""The same index on a real PostgreSQL server: one schema and one code path (migrations, a reorg's rollback,
reads served from it), and several readers of one index."""

from __future__ import annotations

import pytest

from tradechain.index import db, queries
from tradechain.index.reader import attach

from index_kit import contents, new_index, second_client
from postgres_server import postgres

DAY = 86_400


@pytest.fixture(scope="module")
def pg_url():
    with postgres() as url:
        yield url


@pytest.fixture
def pg(pg_url):
    """A clean database for each test."""
    import psycopg

    dsn = pg_url.replace("postgresql://", "postgresql://", 1)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return pg_url


def test_postgres_index_equals_the_sqlite_index_through_a_fork(trade, chain, client, accounts, pg, tmp_path):
    order_id = trade.delivered()
    ix = new_index(client, db.resolve_url(pg, tmp_path, 0, ""))
    ix.run()
    snap = chain.snapshot()
    chain.advance(4 * DAY)
    client.escrow.release(order_id, sender=accounts["keeper"])
    ix.run()
    chain.revert(snap)
    trade.dispute(order_id, b"\x05" * 32)
    chain.mine()
    report = ix.run()
    assert len(report.reorgs) == 1
    lite = new_index(client, f"sqlite:///{tmp_path}/lite.sqlite")
    lite.run()
    assert contents(ix.engine) == contents(lite.engine)
    site = queries.Site(client, ix.engine)
    assert {o["id"]: o["state"] for o in queries.order_list(site)["orders"]}[order_id] == "Disputed"
    assert queries.find_document(site, "0x" + "05" * 32)["matches"][0]["as"] == "dispute evidence"


def test_two_readers_share_one_postgres_index(trade, client, pg):
    ids = [trade.delivered() for _ in range(2)]
    url = db.resolve_url(pg, None, 0, "")
    new_index(client, url).run()
    for _ in range(2):  # e.g. two explorer processes
        reader = second_client(client)
        attach(reader.chain, db.engine_for(url))
        for oid in ids:
            assert reader.timeline(oid) == client.timeline(oid)


def test_migrations_run_once_and_again_as_a_no_op(pg):
    url = db.resolve_url(pg, None, 0, "")
    engine = db.engine_for(url)
    db.upgrade(engine)
    db.upgrade(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == db.HEAD
