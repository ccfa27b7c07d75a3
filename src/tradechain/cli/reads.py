"""How the CLI's reads find the index: the default SQLite file of this chain (or --db / $TRADECHAIN_INDEX_DB),
caught up to the node's head before reading; when there is none, or $TRADECHAIN_INDEX=off, or the index no
longer matches the chain, reads go to the node as before. Either way the answer is the same."""

from __future__ import annotations

import os

import click

db_option = click.option("--db", "db_url", default=None, metavar="URL|FILE",
                         help="Index database: postgresql://user@host:port/name, sqlite:///file or a file "
                              "(env TRADECHAIN_INDEX_DB; default .state/index/<chain id>-<escrow>.sqlite).")
OFF_ENV = "TRADECHAIN_INDEX"


def index_engine(ctx, client, db_url: str | None, *, create: bool):
    """The index's engine for this chain, or None when there is none to use (and `create` is False)."""
    from tradechain.index import db
    from tradechain.project import project_root

    if os.environ.get(OFF_ENV, "").lower() in ("off", "0", "no"):
        return None
    explicit = db_url or os.environ.get(db.DB_ENV)
    if client.chain.ephemeral and not explicit:
        return None  # the embedded chain lives one command: nothing to keep an index of
    url = db.resolve_url(db_url, project_root(), client.chain.chain_id, client.escrow.address)
    path = db.sqlite_file(url)
    if path is not None and not path.exists() and not create:
        return None
    return db.engine_for(url)


def indexer_for(ctx, engine, *, progress: bool = True, own_connection: bool = False, **kw):
    """An indexer on this command's client, or on its own web3 connection when it runs beside reads that the
    index serves (`serve --follow`: another thread)."""
    from tradechain.client import TradeClient
    from tradechain.indexer import Indexer

    client = ctx.client(persistent=True)
    if own_connection:
        client = TradeClient(_fresh_chain(client.chain), client.deployment, client.artifacts)
    note = (lambda msg: click.echo(f"indexing: {msg}", err=True)) if progress else None
    return Indexer(client, engine, progress=note, **kw).open()


def _fresh_chain(chain):
    from tradechain.chain import rpc

    if chain.in_process:
        return chain
    return rpc(chain.url, network=chain.network)


def site_for(ctx, db_url: str | None = None, *, create: bool = False):
    """A queries.Site for this command: the client, with reads served by a caught-up index when there is one."""
    from tradechain.index.queries import Site

    cached = ctx.read_site
    if cached is not None and (cached.engine is not None or not create):
        return cached
    client = ctx.client(persistent=True)
    engine = index_engine(ctx, client, db_url, create=create)
    site = Site(client)
    if engine is not None:
        # the pass checks the cursor block against the node (rolling back a reorg) and reads what is new: the
        # index is fresh after it. Before attach: the indexer reads the node itself.
        from tradechain.index.reader import attach  # SQLAlchemy and web3: only where an index serves the reads

        indexer_for(ctx, engine).run()
        attach(client.chain.w3, engine)
        site = Site(client, engine)
    ctx.read_site = site  # one per command: the middleware is attached once
    return site
