"""Commands about the suite itself: compile it, deploy it, move a devnet's clock."""

from __future__ import annotations

import click

from tradechain.cli.context import emit_json, json_option
from tradechain.cli.paramtypes import DURATION, SHARE


@click.command("compile")
@click.option("--force", is_flag=True, help="Recompile even when the build cache is fresh.")
@json_option
def compile_cmd(force: bool, as_json: bool):
    """Compile contracts/ to build/ (cached by a hash of sources, settings and compiler version)."""
    from tradechain.compiler import compile_contracts
    from tradechain.project import project_root

    build = compile_contracts(project_root(), force=force)
    sizes = {n: (len(a["deployedBytecode"]) - 2) // 2 for n, a in sorted(build.items())}
    # the suite is what deploys; contracts/test/ holds attackers and odd tokens for the tests only
    test_only = sorted(n for n, a in build.items() if a.get("sourceName", "").startswith("contracts/test/"))
    suite = [n for n in sizes if n not in test_only and sizes[n]]  # interfaces and libraries have no code
    if as_json:
        emit_json({"backend": build.backend, "cached": build.cached, "seconds": round(build.seconds, 3),
                   "contracts": sizes, "suite": suite, "testOnly": test_only})
        return
    how = "from cache" if build.cached else "compiled"
    click.echo(f"{len(suite)} suite contracts {how} in {build.seconds:.2f}s with {build.backend} "
               f"(+{len(test_only)} test-only contracts)")
    for name in suite:
        click.echo(f"  {name:<28} {sizes[name]:>6} bytes")


@click.command("deploy")
@click.option("--fee", "fee_bps", default="1%", show_default=True, type=SHARE,
              help="Platform fee with its unit: 1% or 100bps (max 5%).")
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
        raise UsageError(f"--fee {fee_bps}bps is above 500bps (the contract caps the fee at 5%)")
    chain = ctx.chain
    if chain.ephemeral:  # it lives one command: nothing to reuse, no manifest to write
        dep, what, path = deploy_suite(chain, ctx.artifacts, fee_bps=fee_bps), "deployed", None
    else:
        dep, what = ensure_suite(chain, project_root(), ctx.artifacts, force=force, fee_bps=fee_bps)
        path = manifest_path(project_root(), dep.chain_id)
    if as_json:
        emit_json({"chainId": dep.chain_id, "suite": what, "contracts": dep.addresses, "accounts": dep.accounts,
                   "manifest": str(path) if path else None}, dep)
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


@time_cmd.command("show")
@json_option
@click.pass_obj
def time_show(ctx, as_json: bool):
    """Chain time (the latest block's) and how far it is from wall time: a devnet moved with `time advance`
    runs ahead of the clock on the wall."""
    import time

    from tradechain.timeline import iso
    from tradechain.units import format_duration

    chain = ctx.chain
    now, wall, block = chain.now(), int(time.time()), chain.block_number()
    if as_json:
        emit_json({"chainTime": now, "chainTimeText": iso(now), "wallTime": wall, "wallTimeText": iso(wall),
                   "aheadSeconds": now - wall, "block": block, "network": chain.name})
        return
    gap = abs(now - wall)
    where = "in step with" if gap < 60 else f"{format_duration(gap)} {'ahead of' if now > wall else 'behind'}"
    click.echo(f"chain time {iso(now)} (block {block}): {where} wall time {iso(wall)}")


@time_cmd.command("advance")
@click.argument("duration", type=DURATION)
@click.pass_obj
def time_advance(ctx, duration: int):
    """Move chain time forward by DURATION (90m, 12h, 3d) and mine a block."""
    from tradechain.timeline import iso

    now = ctx.chain.advance(duration)
    click.echo(f"chain time is now {iso(now)} (block {ctx.chain.block_number()})")
