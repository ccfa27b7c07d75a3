"""`tradechain index` (follow the suite's events into the index) and `tradechain serve` (the explorer)."""

from __future__ import annotations

import click

from tradechain.cli.context import emit_json, json_option
from tradechain.cli.reads import db_option, index_engine, indexer_for


@click.command("index")
@db_option
@click.option("--follow", is_flag=True, help="Keep following new blocks until stopped.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between passes with --follow.")
@click.option("--max-range", default=10_000, show_default=True,
              help="Most blocks per eth_getLogs request (ranges shrink further when the node refuses).")
@json_option
@click.pass_obj
def index_cmd(ctx, db_url, follow, interval, max_range, as_json):
    """Index the suite's events into a database (SQLite file per network by default, PostgreSQL by URL).

    Restart-safe (a cursor moves with every committed range) and reorg-safe (the last blocks' hashes are
    re-checked each pass; a fork is rolled back in one transaction). Shows progress on a long catch-up."""
    from tradechain.errors import UsageError

    if max_range < 1:
        raise UsageError(f"--max-range {max_range} must be at least 1 block")
    client = ctx.client(persistent=True)
    engine = index_engine(ctx, client, db_url, create=True)
    indexer = indexer_for(ctx, engine, progress=not as_json, max_range=max_range)
    where = engine.url.render_as_string(hide_password=True)
    report = indexer.run()
    if as_json and not follow:
        emit_json({"db": where, "from": report.start, "to": report.end, "events": report.logs,
                   "seconds": round(report.seconds, 3), "eventsPerSecond": round(report.rate, 1),
                   "reorgs": [{"from": a, "forkPoint": b} for a, b in report.reorgs], "refusedRanges": report.refusals})
        return
    click.echo(f"{report.line()} -> {where}")
    if follow:
        from tradechain.cli.signals import stop_on_interrupt

        stop_on_interrupt()
        click.echo(f"following new blocks every {interval:g} s; Ctrl-C to stop")
        try:
            indexer.follow(interval, on_pass=lambda r: click.echo(r.line()) if r.logs or r.reorgs else None)
        except KeyboardInterrupt:
            click.echo(f"stopped at block {indexer.cursor()}")


@click.command("serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--follow/--no-follow", default=True, show_default=True,
              help="Run the indexer in this process too (one process per index should write it).")
@click.option("--explorer-url", default=None, metavar="URL", help="Public base URL (for links and QR codes).")
@click.pass_obj
def serve_cmd(ctx, db_url, host, port, follow, explorer_url):
    """The explorer: read-only pages and a JSON API (/api/…, OpenAPI at /api/openapi.json) over the index."""
    import threading

    import uvicorn

    from tradechain.explorer.app import create_app
    from tradechain.index.queries import Site
    from tradechain.index.reader import attach

    client = ctx.client(persistent=True)
    engine = index_engine(ctx, client, db_url, create=True)
    indexer = indexer_for(ctx, engine, own_connection=True)
    indexer.run()
    attach(client.chain, engine)
    if follow:
        threading.Thread(target=indexer.follow, args=(1.0,), daemon=True, name="indexer").start()
    app = create_app(Site(client, engine), base_url=explorer_url or f"http://{host}:{port}")
    click.echo(f"explorer at http://{host}:{port}/ (chain {client.chain.chain_id}); Ctrl-C to stop")
    uvicorn.run(app, host=host, port=port, log_level="warning")
