"""The `tradechain` command. Heavy imports (web3, the chain) happen inside commands, so --help is instant."""

from __future__ import annotations

import json
import os
import sys
import warnings

import click

from tradechain.cli.context import Context, add_full_option, add_network_options, network_option, rpc_option
from tradechain.errors import TradechainError, UncheckedAddressWarning


class Group(click.Group):
    """A group whose commands turn every known error into one line and an exit code, never a traceback.

    With --json anywhere on the command line an error is one JSON line on stdout instead,
    `{"error": {"code": "UnknownOrder", "message": "…"}}`, with the same exit code."""

    as_json = False

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        from tradechain.timeline import FULL_HASHES

        args = list(sys.argv[1:] if args is None else args)
        Group.as_json = "--json" in args
        full = FULL_HASHES.set(Group.as_json)  # --json never cuts a hash; --full sets it too (cli.context)
        try:
            return self._main(args, prog_name, complete_var, standalone_mode, **extra)
        finally:
            FULL_HASHES.reset(full)  # a test's next command, or the explorer in the same process, starts afresh

    def _main(self, args, prog_name, complete_var, standalone_mode, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        with warnings.catch_warnings():
            warnings.simplefilter("always", UncheckedAddressWarning)
            warnings.showwarning = _warn
            try:
                rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            except click.UsageError as exc:  # click's own: one line, not Usage/Try/Error
                where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx else ""
                _fail(exc.format_message().splitlines()[0].rstrip(".") + where, exc.exit_code, "UsageError")
            except click.ClickException as exc:
                _fail(exc.format_message(), exc.exit_code, type(exc).__name__)
            except click.exceptions.Abort:
                _fail("aborted", 1, "Aborted")
        sys.exit(rv if isinstance(rv, int) and not isinstance(rv, bool) else 0)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except TradechainError as exc:
            _fail(str(exc), exc.exit_code, getattr(exc, "name", None) or type(exc).__name__)
        except KeyboardInterrupt:
            _fail("interrupted", 130, "Interrupted")
        except Exception as exc:  # a bug or an unexpected node answer: still one line, traceback on request
            if os.environ.get("TRADECHAIN_DEBUG"):
                raise
            _fail(f"unexpected {type(exc).__name__}: {exc} (set TRADECHAIN_DEBUG=1 for the traceback)", 1,
                  "Unexpected")


def _fail(message: str, code: int, error_code: str = "Error"):
    if Group.as_json:
        click.echo(json.dumps({"error": {"code": error_code, "message": message}}))
    else:
        click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _warn(message, category, filename, lineno, file=None, line=None):
    click.echo(f"warning: {message}", err=True)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@network_option
@rpc_option
@click.version_option(package_name="tradechain")
@click.pass_context
def cli(ctx: click.Context, network: str | None, rpc: str | None):
    """tradechain: escrow settlement, invoice financing and provenance for cross-border trade.

    Runs on an in-process chain by default. --network NAME (devnet, embedded, or one from tradechain.toml)
    or --rpc URL points any command at another chain; both work before or after the command name.
    """
    if network and rpc:
        raise click.UsageError("give either --network or --rpc, not both")
    ctx.obj = Context(rpc=rpc, network=network)


def _register():
    from tradechain.cli import (admin, bench, build, demo, devnet, ebl, events, evidence, fx, index, invoice, keeper,
                                order, provenance, report, trace, tx)

    cli.add_command(build.compile_cmd)
    cli.add_command(build.deploy_cmd)
    cli.add_command(build.time_cmd)
    cli.add_command(demo.demo_cmd)
    cli.add_command(order.order)
    cli.add_command(fx.fx)
    cli.add_command(invoice.invoice)
    cli.add_command(ebl.ebl)
    cli.add_command(devnet.devnet)
    cli.add_command(keeper.keeper_cmd)
    # benchmarks choose their own chains (embedded, and a devnet they start): no --network for them
    bench.bench.local_only = report.report_cmd.local_only = True
    cli.add_command(bench.bench)
    cli.add_command(report.report_cmd)
    cli.add_command(provenance.provenance)
    cli.add_command(trace.trace_cmd)
    cli.add_command(trace.verify_cmd)
    cli.add_command(trace.verify_log_cmd)
    cli.add_command(index.index_cmd)
    cli.add_command(index.serve_cmd)
    cli.add_command(evidence.evidence)
    cli.add_command(admin.contracts_cmd)
    cli.add_command(admin.role)
    cli.add_command(admin.accounts)
    cli.add_command(events.events_cmd)
    order.order.add_command(events.watch_cmd)
    admin.accounts.commands["import"].local_only = True  # writes a file: no chain to choose
    cli.add_command(tx.tx)
    for command in cli.commands.values():
        add_network_options(command)
        add_full_option(command)


_register()


def main():
    cli(prog_name="tradechain")
