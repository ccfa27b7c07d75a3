"""What every command shares: the chain it talks to, the deployed suite, named accounts, JSON output."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import click

from tradechain.cli.paramtypes import HASH_OR_FILE  # paramtypes reads Context only inside its functions
from tradechain.errors import UsageError

# Where every command runs. Declared on the root group and, by add_network_options(), on every subcommand,
# so `tradechain --network devnet order list` and `tradechain order list --network devnet` both work.
# The env fallbacks (TRADECHAIN_NETWORK, TRADECHAIN_RPC) are read in networks.connect, so an explicit
# option always wins over the environment.
_RPC_HELP = "JSON-RPC node URL to use (env TRADECHAIN_RPC)."
_NETWORK_HELP = ("embedded, devnet, or a network named in tradechain.toml / ~/.config/tradechain/networks.toml "
                 "(env TRADECHAIN_NETWORK).")
rpc_option = click.option("--rpc", metavar="URL", help=_RPC_HELP)
network_option = click.option("--network", "-n", metavar="NAME", help=_NETWORK_HELP)
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
_FULL_HELP = "Print hashes in full, to copy them (--json always does); cut short otherwise."


# what the carrier's, customs' and producer's records anchor, and where they happened (order and provenance commands)
evidence_option = click.option("--evidence", default="", type=HASH_OR_FILE, help="Document or photo to anchor.")
location_option = click.option("--location", default="", metavar="LOCODE", help="UN/LOCODE place code, e.g. CNSHA.")


def id_read_command(group: click.Group, name: str, arg: str = "order_id"):
    """A read command on one order (or its invoice, which has the order's id): `NAME ORDER_ID [--json]`, passed the
    Context. Declared once for every such command, as ape declares its shared options."""
    from tradechain.cli.paramtypes import ORDER_ID

    def wrap(fn):
        return group.command(name)(click.argument(arg, type=ORDER_ID)(json_option(click.pass_obj(fn))))

    return wrap


def id_step_command(group: click.Group, name: str, default_account: str, *params, arg: str = "order_id",
                    help: str | None = None):
    """A step on one order (or its invoice, which has the order's id): `NAME ORDER_ID [params]`, sent as --account
    (default `default_account`), with --json, passed the Context. `params` (click options and arguments) follow the
    id in the order given."""
    from tradechain.cli.paramtypes import ORDER_ID

    def wrap(fn):
        decorated = account_option(default_account)(json_option(click.pass_obj(fn)))
        for param in reversed(params):
            decorated = param(decorated)
        return group.command(name, help=help)(click.argument(arg, type=ORDER_ID)(decorated))

    return wrap


def account_option(default: str):
    from tradechain.cli.paramtypes import ACCOUNT

    return click.option(
        "--account", "-a", "sender", default=default, show_default=True, type=ACCOUNT,
        help="Who sends the transaction: a named account (buyer, seller, carrier, …) or an address.",
    )


def _choose(attr: str, other: str):
    """Option callback on subcommands: record --rpc/--network on the shared Context."""

    def callback(ctx: click.Context, _param, value):
        obj = ctx.find_object(Context)
        if value is None or obj is None:
            return
        if getattr(obj, other) is not None and other in obj.chosen_here:
            raise click.UsageError("give either --network or --rpc, not both")
        setattr(obj, other, None)  # a subcommand's choice overrides the root group's
        setattr(obj, attr, value)
        obj.chosen_here.add(attr)

    return callback


def add_network_options(command: click.Command) -> None:
    """Give `command` and everything under it --network and --rpc (once, whatever the command module)."""
    if getattr(command, "local_only", False):  # e.g. `devnet`: it manages the node, it does not pick one
        return
    names = {p.name for p in command.params}
    if "network" not in names and "rpc" not in names:
        # eager: the chain is chosen before any other parameter (an --account name) is resolved on it
        command.params.append(click.Option(["--network", "-n"], metavar="NAME", expose_value=False, is_eager=True,
                                           callback=_choose("network", "rpc"), help=_NETWORK_HELP))
        command.params.append(click.Option(["--rpc"], metavar="URL", expose_value=False, is_eager=True,
                                           callback=_choose("rpc", "network"), help=_RPC_HELP))
    for sub in getattr(command, "commands", {}).values():
        add_network_options(sub)


def _set_full(_ctx: click.Context, _param, value):
    if value:
        from tradechain.timeline import FULL_HASHES

        FULL_HASHES.set(True)


def add_full_option(command: click.Command) -> None:
    """Give every command with --json a --full too: what it prints for people then carries whole hashes
    (transaction, document, log head), as its JSON always does."""
    names = {p.name for p in command.params}
    if "as_json" in names and "full" not in names:
        command.params.append(click.Option(["--full"], is_flag=True, expose_value=False, callback=_set_full,
                                           help=_FULL_HELP))
    for sub in getattr(command, "commands", {}).values():
        add_full_option(sub)


def full_hashes() -> bool:
    """Whether this command prints whole hashes: with --full, or --json (which never cuts a hash)."""
    from tradechain.timeline import FULL_HASHES

    return FULL_HASHES.get()


def shown(value: str, width: int = 12) -> str:
    """A hash as this command prints it for people: whole with --full, else its first `width` characters and …."""
    from tradechain.timeline import cut

    return cut(value, width)


def print_table(console, table) -> None:
    """Print a rich table; with --full one row per line however wide (a hash folded over two lines cannot be
    copied), else fitted to the terminal."""
    if full_hashes():
        from rich.console import Console

        console = Console(width=10_000)
    console.print(table)



@dataclass
class Context:
    rpc: str | None = None
    network: str | None = None
    chosen_here: set = field(default_factory=set)
    read_site: Any = None  # the command's queries.Site, once cli.reads.site_for made it (one per command)
    _chain: Any = None
    _client: Any = None
    _artifacts: dict = field(default_factory=dict)

    @property
    def chain(self):
        if self._chain is None:
            from tradechain.project import project_root
            from tradechain.networks import connect

            self._chain = connect(self.network, self.rpc, project_root())
        return self._chain

    @property
    def artifacts(self) -> dict:
        if not self._artifacts:
            from tradechain.project import load_artifacts

            self._artifacts = load_artifacts()
        return self._artifacts

    def client(self, *, persistent: bool = False, deploy_if_missing: bool = False):
        """The TradeClient for this chain. `persistent` commands refuse the embedded chain, which lives only
        as long as one command; `deploy_if_missing` deploys the suite (and writes its manifest) on a node
        that has none."""
        if self._client is None:
            from tradechain.client import client_for

            chain = self.chain
            if persistent and chain.ephemeral:
                raise UsageError(
                    "this step needs a chain that outlives one command: run `tradechain devnet start`, "
                    "then pass --network devnet (or --rpc URL / TRADECHAIN_NETWORK=devnet)"
                )
            self._client = client_for(chain, self.artifacts, deploy_if_missing=deploy_if_missing)
        return self._client

    def account(self, text: str) -> str:
        """A named account of this chain, or a 0x address, as a checksummed address."""
        from tradechain.deployment import named_accounts
        from tradechain.units import parse_address

        return parse_address(text, named_accounts(self.chain))


def sent(receipt, what: str, as_json: bool = False, **extra) -> None:
    """Report a transaction: one line for people, or its tx, block and gas (plus `extra`) as JSON."""
    if as_json:
        emit_json({"tx": receipt.tx_hash, "block": receipt.block, "gasUsed": receipt.gas_used, "final": receipt.final,
                   **({} if receipt.final else {"finality": receipt.finality}), **extra})
    else:
        pending = "" if receipt.final else f"; not yet final: {receipt.finality}, see `tradechain tx status`"
        click.echo(f"{what} (tx {shown(receipt.tx_hash)}, block {receipt.block}, gas {receipt.gas_used:,}{pending})")


def money_format(client, token: str):
    """A formatter of base units in `token` ("1.5 ETH", "250 tUSD")."""
    from tradechain.units import format_amount

    symbol, decimals = client.tokens.info(token)
    return lambda amount: format_amount(amount, decimals, symbol)


# One JSON style for every --json output (schemas/*.json, README "JSON output"): camelCase keys, every address as
# {"address": checksummed, "name": the deployment's name for it or null}, amounts as integers in base units
# beside an "…Text" in human units, hashes in full, enums by name.
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _known_names(dep: Any = None) -> dict[str, str]:
    """address -> name from `dep`, else the deployment this command already loaded (no connection made just for
    names)."""
    if dep is None:
        ctx = click.get_current_context(silent=True)
        obj = ctx.find_object(Context) if ctx else None
        dep = getattr(getattr(obj, "_client", None), "deployment", None)
    names = {"0x" + "0" * 40: "ETH"}  # the escrow's token "address" of native ETH
    if dep is not None:
        names.update(dep.names)
    return names


def jsonable(value: Any, names: dict[str, str]) -> Any:
    """`value` in the one JSON style (see above)."""
    import dataclasses
    import enum

    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # Python field names -> camelCase
        return {camel(f.name): jsonable(getattr(value, f.name), names) for f in dataclasses.fields(value)}
    if isinstance(value, dict):  # keys as given: commands write camelCase; data keys (names, ids) stay as they are
        return {k: jsonable(v, names) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, names) for v in value]
    if isinstance(value, enum.Enum):
        return value.value if isinstance(value, str) else value.name
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, str) and _ADDRESS.match(value):
        from eth_utils import to_checksum_address

        address = to_checksum_address(value)
        return {"address": address, "name": names.get(address)}
    return value


def plain_addresses(value: Any) -> Any:
    """The inverse of jsonable's address objects: {"address": a, "name": n} -> a (reading our JSON back)."""
    if isinstance(value, dict):
        if set(value) == {"address", "name"} and isinstance(value["address"], str):
            return value["address"]
        return {k: plain_addresses(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_addresses(v) for v in value]
    return value


def emit_json(data: Any, deployment: Any = None) -> None:
    """Print `data` in the one JSON style, naming addresses from `deployment` (default: this command's client's)."""
    click.echo(json.dumps(jsonable(data, _known_names(deployment)), indent=2, default=_jsonable))


def emit_json_line(data: Any) -> None:
    """One JSON object on one line (a stream: `events --follow --json`)."""
    click.echo(json.dumps(jsonable(data, _known_names()), default=_jsonable))


def _jsonable(value: Any):
    if hasattr(value, "hex"):
        return value.hex()
    return str(value)
