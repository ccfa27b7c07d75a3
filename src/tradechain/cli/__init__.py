"""The `tradechain` command. Heavy imports (web3, the chain) happen inside commands, so --help is instant."""

from __future__ import annotations

import os
import sys

import click

from tradechain.cli.context import Context, add_network_options, network_option, rpc_option
from tradechain.errors import TradechainError


class Group(click.Group):
    """A group whose commands turn every known error into one line and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except TradechainError as exc:
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except Exception as exc:  # a bug or an unexpected node answer: still one line, traceback on request
            if os.environ.get("TRADECHAIN_DEBUG"):
                raise
            _fail(f"unexpected {type(exc).__name__}: {exc} (set TRADECHAIN_DEBUG=1 for the traceback)", 1)


def _fail(message: str, code: int):
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


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
    from tradechain.cli import bench, build, demo, devnet, evidence, index, invoice, keeper, order, provenance, report, trace

    cli.add_command(build.compile_cmd)
    cli.add_command(build.deploy_cmd)
    cli.add_command(build.time_cmd)
    cli.add_command(demo.demo_cmd)
    cli.add_command(order.order)
    cli.add_command(invoice.invoice)
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
    for command in cli.commands.values():
        add_network_options(command)


_register()


def main():
    cli(prog_name="tradechain")
