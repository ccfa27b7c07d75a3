"""`tradechain tx speedup|status HASH`: a sent transaction, replaced with higher fees or checked for finality."""

from __future__ import annotations

import click

from tradechain.cli.context import emit_json, json_option
from tradechain.cli.paramtypes import TX_HASH


@click.group("tx")
def tx():
    """Transactions already sent: speed one up, or see whether it is final."""


@tx.command("speedup")
@click.argument("tx_hash", metavar="HASH", type=TX_HASH)
@json_option
@click.pass_obj
def speedup(ctx, tx_hash: str, as_json: bool):
    """Replace a pending transaction with the same one at higher fees (same nonce, +12.5 % on each fee or the
    current market, whichever is higher, within the network's caps). The account must be one we sign for."""
    from tradechain.errors import UsageError

    chain = ctx.chain
    if chain.ephemeral:  # the in-process chain (Chain's own attribute: the CLI does not ask which class it is)
        raise UsageError("the embedded chain mines every transaction at once: nothing to speed up; use --network")
    old = chain.w3.eth.get_transaction(tx_hash) if _known(chain, tx_hash) else None
    result = chain.speed_up(tx_hash)
    if result is None:
        block = chain.w3.eth.get_transaction_receipt(tx_hash)["blockNumber"]
        if as_json:
            emit_json({"hash": tx_hash, "mined": True, "block": block})
        else:
            click.echo(f"{tx_hash} is already mined (block {block}): nothing to speed up")
        return
    new_hash, fees = result
    if as_json:
        emit_json({"replaced": tx_hash, "hash": new_hash, "nonce": int(old["nonce"]), "fees": fees.tx_fields()})
    else:
        click.echo(f"sent {new_hash} with nonce {old['nonce']} at {fees.describe()}, replacing {tx_hash}")


def _known(chain, tx_hash: str) -> bool:
    try:
        chain.w3.eth.get_transaction(tx_hash)
        return True
    except Exception:  # web3's TransactionNotFound: speed_up says so in one line
        return False


@tx.command("status")
@click.argument("tx_hash", metavar="HASH", type=TX_HASH)
@json_option
@click.pass_obj
def status(ctx, tx_hash: str, as_json: bool):
    """Pending, or mined: in which block, whether it succeeded, and whether it is final under the network's
    confirmations (a depth, or the node's safe/finalized tags)."""
    from tradechain import finality
    from tradechain.errors import UsageError

    chain = ctx.chain
    w3 = chain.w3
    try:
        receipt = w3.eth.get_transaction_receipt(tx_hash)
    except Exception:
        if not _known(chain, tx_hash):
            raise UsageError(f"transaction {tx_hash} is unknown to the node (dropped, or never sent here)") from None
        out = {"hash": tx_hash, "pending": True}
        emit_json(out) if as_json else click.echo(f"{tx_hash} is pending (not mined yet); `tradechain tx speedup` "
                                                 "replaces it with higher fees")
        return
    confirmations = chain.profile.confirmations if chain.profile is not None else 1
    now = finality.status(w3, receipt["blockNumber"], confirmations)
    out = {"hash": tx_hash, "pending": False, "block": receipt["blockNumber"], "success": receipt["status"] == 1,
           "final": now.final, "finality": now.detail}
    if as_json:
        emit_json(out)
    else:
        click.echo(f"{tx_hash} mined in block {receipt['blockNumber']} ({'succeeded' if out['success'] else 'reverted'})"
                   f"; {now.detail if now.final else 'not yet final: ' + now.detail}")
