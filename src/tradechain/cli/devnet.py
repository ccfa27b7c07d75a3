"""`tradechain devnet start|stop|status|reset`: this project's local anvil, whose chain survives restarts."""

from __future__ import annotations

import sys

import click

from tradechain.cli.context import emit_json, json_option


@click.group("devnet")
def devnet():
    """A local anvil chain for this project (state in .state/devnet/); use it with --network devnet."""


devnet.local_only = True  # it manages the node: --network/--rpc do not apply


@devnet.command("start")
@click.option("--port", default=8545, show_default=True, help="Port on 127.0.0.1 for the JSON-RPC endpoint.")
@json_option
@click.pass_obj
def start(ctx, port: int, as_json: bool):
    """Start anvil in the background (or find it running), deploy the suite if the chain has none, and show
    the RPC URL, chain id, contracts and named accounts."""
    from tradechain.devnet import Devnet

    net = Devnet()
    started = net.start(port)
    notes = []
    if started.already_running:
        notes.append(f"already running (pid {started.pid})")
    elif started.crashed:
        notes.append("the last run did not stop cleanly (killed?): restored the last state anvil saved")
        if started.lost_blocks:
            notes.append(f"WARNING: {started.lost_blocks} block(s) mined before the crash were not saved and are "
                         "lost; check recent orders with `tradechain order list --network devnet`")
    elif started.restored:
        notes.append(f"restored the saved chain (block {started.block})")
    if started.clock_ahead:
        from tradechain.units import format_duration

        notes.append(f"chain time resumed {format_duration(started.clock_ahead)} ahead of the wall clock "
                     "(it never runs backwards across a restart)")
    dep, what = _suite(ctx)
    _show(dep, started.url, ctx.chain.block_number(), what, notes, as_json)


def _suite(ctx):
    from tradechain.project import project_root
    from tradechain.deployment import ensure_suite

    ctx.rpc, ctx.network = None, "devnet"
    return ensure_suite(ctx.chain, project_root(), ctx.artifacts)


def _show(dep, url: str, block: int, what: str, notes: list[str], as_json: bool) -> None:
    if as_json:
        emit_json({"up": True, "url": url, "chainId": dep.chain_id, "block": block, "suite": what,
                   "contracts": dep.addresses, "accounts": dep.accounts, "notes": notes}, dep)
        return
    for note in notes:
        click.echo(f"devnet: {note}")
    click.echo(f"devnet up at {url} (chain id {dep.chain_id}, block {block})")
    click.echo(f"suite {what}:")
    for name, addr in dep.addresses.items():
        click.echo(f"  {name:<16} {addr}")
    click.echo("accounts (unlocked on the node):")
    for name, addr in dep.accounts.items():
        click.echo(f"  {name:<16} {addr}")
    click.echo("use it: tradechain --network devnet order list   (or export TRADECHAIN_NETWORK=devnet)")


@devnet.command("stop")
def stop():
    """Stop the devnet cleanly (anvil saves its state first)."""
    from tradechain.devnet import Devnet

    net = Devnet()
    if net.stop():
        click.echo(f"devnet stopped; state saved in {net.state_file}")
    else:
        click.echo("devnet was not running")


@devnet.command("status")
@json_option
@click.pass_obj
def status(ctx, as_json: bool):
    """Up or down, block number, and the suite's addresses. Exits 1 when the devnet is down."""
    from tradechain.deployment import DeploymentError
    from tradechain.devnet import Devnet, rpc_request

    net = Devnet()
    pid = net.pid()
    if pid is None:
        saved = net.state_file.exists()
        if as_json:
            emit_json({"up": False, "savedState": str(net.state_file) if saved else None})
        else:
            click.echo("devnet is down" + (f" (saved state in {net.state_file})" if saved else "")
                       + "; start it with `tradechain devnet start`")
        sys.exit(1)
    url = net.url()
    block = int(rpc_request(url, "eth_blockNumber"), 16)
    try:
        ctx.rpc, ctx.network = None, "devnet"
        from tradechain.project import project_root
        from tradechain.deployment import load_manifest

        dep = load_manifest(ctx.chain, project_root(), ctx.artifacts)
        _show(dep, url, block, "from the manifest", [f"pid {pid}"], as_json)
    except DeploymentError as exc:
        if as_json:
            emit_json({"up": True, "url": url, "block": block, "pid": pid, "suite": None, "problem": str(exc)})
        else:
            click.echo(f"devnet up at {url} (pid {pid}, block {block})")
            click.echo(f"suite: {exc}")


@devnet.command("reset")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def reset(yes: bool):
    """Stop the devnet and delete its chain state, log and manifest (every order on it is gone)."""
    from tradechain.devnet import Devnet

    if not yes:
        click.confirm("delete the devnet's chain state and manifest?", abort=True)
    removed = Devnet().reset()
    click.echo("devnet reset; removed " + (", ".join(str(p) for p in removed) if removed else "nothing"))
