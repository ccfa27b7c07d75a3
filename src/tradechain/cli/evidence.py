"""`tradechain evidence ORDER --out bundle.zip` and `tradechain evidence verify bundle.zip`."""

from __future__ import annotations

import sys

import click

from tradechain.cli.context import emit_json, json_option
from tradechain.cli.paramtypes import ORDER_ID
from tradechain.cli.reads import db_option, site_for


class _ExportByDefault(click.Group):
    """`evidence 7 --out x.zip` exports; `evidence verify x.zip` verifies."""

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["export", *args]
        return super().resolve_command(ctx, args)


@click.group("evidence", cls=_ExportByDefault)
def evidence():
    """Evidence bundles for a dispute or a court: export one for an order, verify one."""


@evidence.command("export")
@click.argument("order_id", type=ORDER_ID)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Where to write the zip.")
@db_option
@click.pass_obj
def export(ctx, order_id, out, db_url):
    """Write ORDER's evidence: events with tx hashes and blocks, anchored documents, the provenance log with
    its hash chain and on-chain head, contract addresses and chain id, and how to verify it."""
    from tradechain import evidence as ev

    site = site_for(ctx, db_url)
    blob = ev.build(site, order_id)
    try:
        with open(out, "wb") as f:
            f.write(blob)
    except OSError as exc:
        from tradechain.errors import UsageError

        raise UsageError(f"cannot write {out}: {exc.strerror}") from None
    click.echo(f"evidence for order #{order_id} written to {out} ({len(blob):,} bytes); "
               f"check it with `tradechain evidence verify {out}`")


@evidence.command("verify")
@click.argument("bundle", type=click.Path(dir_okay=False))
@click.option("--offline", is_flag=True, help="Check the files and hash chains only, without a node.")
@json_option
@click.pass_obj
def verify(ctx, bundle, offline, as_json):
    """Check a bundle: digests and hash chains offline, and (unless --offline) every event and head against the
    chain. Exit 1 if anything does not check out."""
    from tradechain import evidence as ev

    data = ev.read(bundle)
    checks = ev.verify_offline(data)
    if not offline:
        checks += ev.verify_online(data, ctx.client(persistent=True))
    ok = all(c for c, _ in checks)
    if as_json:
        emit_json({"ok": ok, "checks": [{"ok": c, "what": w} for c, w in checks],
                   "against": "files" if offline else "chain"})
    else:
        for c, w in checks:
            click.echo(f"{'ok  ' if c else 'FAIL'}  {w}")
        m = data["manifest"]
        click.echo(f"{'VERIFIED' if ok else 'NOT VERIFIED'}: order #{m['order']} on chain {m['chainId']}"
                   + (" (offline: files and hash chains only)" if offline else " against the node"))
    if not ok:
        sys.exit(1)
