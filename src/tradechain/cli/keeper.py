"""`tradechain keeper`: release and refund every order that is due, pass after pass, until stopped."""

from __future__ import annotations

import datetime as _dt

import click

from tradechain.cli.context import emit_json, json_option
from tradechain.cli.paramtypes import ACCOUNT
from tradechain.cli.signals import stop_on_interrupt


@click.command("keeper")
@click.option("--once", is_flag=True, help="Do one pass and exit.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
@click.option("--batch", default=100, show_default=True, help="Orders per release/refund transaction (max 100).")
@click.option("--account", "-a", default=None, type=ACCOUNT,
              help="Who sends (and pays gas for) the batches; default: the `keeper` account, else the first key.")
@click.option("--speedup-after", default=60.0, show_default=True,
              help="Seconds a batch may wait in the node's pool before it is replaced at higher fees (0: never).")
@json_option
@click.pass_obj
def keeper_cmd(ctx, once: bool, interval: float, batch: int, account: str | None, speedup_after: float,
               as_json: bool):
    """Release every order whose inspection window has passed and refund every order past its deadline.

    Needs no special role. Finds the candidates in the chain's index when there is one (else from OrderPlaced
    events), confirms each with TradeEscrow.actionable in one batched request (at the newest final block where
    the network asks for confirmations), sends up to --batch orders per transaction and journals each batch before
    waiting for it (.state/keeper/), so it can be stopped or killed at any time and restarted without paying
    twice or forgetting a batch; two keepers at once never pay an order twice.
    """
    from tradechain.keeper import Keeper

    client = ctx.client(persistent=True)
    names = client.deployment.accounts
    sender = account or names.get("keeper") or names.get("admin")
    if sender is None:
        from tradechain.errors import UsageError

        raise UsageError("no account can send the keeper's transactions: give the network a key or pass --account")
    log = (lambda _msg: None) if as_json else (lambda msg: click.echo(f"{_stamp()} {msg}"))
    keeper = Keeper(client, sender, batch=batch, log=log, speedup_after=speedup_after,
                    due_from=_due_from_index(ctx))
    if not as_json:
        click.echo(f"{_stamp()} keeper on {client.chain.name} (chain {client.chain.chain_id}) as {sender}, "
                   + ("one pass" if once else f"every {interval:g} s; Ctrl-C to stop"))
    stop_on_interrupt()  # Ctrl-C and `kill` end it with the summary, also when started in the background
    try:
        # running totals after each pass that did something; the single pass of --once gets only the final line
        keeper.run(interval=interval, passes=1 if once else None,
                   on_pass=None if once else (lambda p: log(p.line())))
    except KeyboardInterrupt:
        log("stopping")
    if as_json:
        emit_json(keeper.progress)
    else:
        click.echo(f"{_stamp()} {keeper.progress.line()}")


def _due_from_index(ctx):
    """When this chain has an index: catch it up, then read the due orders from it (None: scan the chain)."""
    from tradechain.cli.reads import index_engine, indexer_for
    from tradechain.keeper import due_from_index

    engine = index_engine(ctx, ctx.client(persistent=True), None, create=False)
    return None if engine is None else due_from_index(indexer_for(ctx, engine))


def _stamp() -> str:
    return _dt.datetime.now().strftime("%H:%M:%S")
