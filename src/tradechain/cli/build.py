"""Commands about the suite itself: compile it, deploy it, move a devnet's clock."""

from __future__ import annotations

import click

from tradechain.cli.context import emit_json, json_option
from tradechain.cli.paramtypes import DURATION


@click.command("compile")
@click.option("--force", is_flag=True, help="Recompile even when the build cache is fresh.")
@json_option
def compile_cmd(force: bool, as_json: bool):
    """Compile contracts/ to build/ (cached by a hash of sources, settings and compiler version)."""
    from tradechain.compiler import compile_contracts
    from tradechain.project import project_root

    build = compile_contracts(project_root(), force=force)
    sizes = {n: (len(a["deployedBytecode"]) - 2) // 2 for n, a in sorted(build.items())}
    if as_json:
        emit_json({"backend": build.backend, "cached": build.cached, "seconds": round(build.seconds, 3),
                   "contracts": sizes})
        return
    how = "from cache" if build.cached else "compiled"
    click.echo(f"{len(build)} contracts {how} in {build.seconds:.2f}s with {build.backend}")
    for name, size in sizes.items():
        if size:
            click.echo(f"  {name:<28} {size:>6} bytes")


@click.command("deploy")
@click.option("--fee", "fee_bps", default=100, show_default=True, help="Platform fee in basis points (max 500).")
@click.option("--force", is_flag=True, help="Deploy a new suite even when the manifest's one is still valid.")
@json_option
@click.pass_obj
def deploy_cmd(ctx, fee_bps: int, force: bool, as_json: bool):
    """Deploy the contract suite (or reuse the one in deploy/<chainId>.json if it still matches the chain
    and the build), grant the demo roles and write the manifest."""
    from tradechain.project import project_root
    from tradechain.deployment import deploy_suite, ensure_suite, manifest_path
    from tradechain.errors import UsageError

    if not 0 <= fee_bps <= 500:
        raise UsageError(f"--fee {fee_bps} is outside 0..500 basis points (the contract caps the fee at 5%)")
    chain = ctx.chain
    if chain.ephemeral:  # it lives one command: nothing to reuse, no manifest to write
        dep, what, path = deploy_suite(chain, ctx.artifacts, fee_bps=fee_bps), "deployed", None
    else:
        dep, what = ensure_suite(chain, project_root(), ctx.artifacts, force=force, fee_bps=fee_bps)
        path = manifest_path(project_root(), dep.chain_id)
    if as_json:
        emit_json({"chainId": dep.chain_id, "suite": what, "contracts": dep.addresses, "accounts": dep.accounts,
                   "manifest": str(path) if path else None})
        return
    if what == "reused":
        click.echo(f"reusing the suite on chain {dep.chain_id} ({chain.name}) recorded in {path}; "
                   "--force deploys a new one")
    else:
        click.echo(f"{what} on chain {dep.chain_id} ({chain.name})")
    for name, addr in dep.addresses.items():
        click.echo(f"  {name:<16} {addr}")
    if path and what != "reused":
        click.echo(f"manifest: {path}")
    elif not path:
        click.echo("note: the embedded chain ends with this command; use --network devnet for a deployment that lasts")


@click.group("time")
def time_cmd():
    """Chain time on a devnet (anvil) or the embedded chain."""


@time_cmd.command("advance")
@click.argument("duration", type=DURATION)
@click.pass_obj
def time_advance(ctx, duration: int):
    """Move chain time forward by DURATION (90m, 12h, 3d) and mine a block."""
    from tradechain.timeline import iso

    now = ctx.chain.advance(duration)
    click.echo(f"chain time is now {iso(now)} (block {ctx.chain.block_number()})")
