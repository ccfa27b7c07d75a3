"""What every command shares: the chain it talks to, the deployed suite, named accounts, JSON output."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import click

from tradechain.errors import UsageError

rpc_option = click.option(
    "--rpc",
    envvar="TRADECHAIN_RPC",
    metavar="URL",
    help="JSON-RPC node to use instead of the embedded chain (env TRADECHAIN_RPC).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")


def account_option(default: str):
    return click.option(
        "--account", "-a", default=default, show_default=True, metavar="NAME|0x…",
        help="Who sends the transaction: a named account (buyer, seller, carrier, …) or an address.",
    )


@dataclass
class Context:
    rpc: str | None = None
    _chain: Any = None
    _client: Any = None
    _artifacts: dict = field(default_factory=dict)

    @property
    def chain(self):
        if self._chain is None:
            from tradechain.chain import connect

            self._chain = connect(self.rpc)
        return self._chain

    @property
    def artifacts(self) -> dict:
        if not self._artifacts:
            from tradechain.compiler import compile_contracts

            self._artifacts = compile_contracts()
        return self._artifacts

    def client(self, *, persistent: bool = False, deploy_if_missing: bool = False):
        """The TradeClient for this chain. `persistent` commands refuse the embedded chain, which lives only
        as long as one command; `deploy_if_missing` deploys the suite (and writes its manifest) on a node
        that has none."""
        if self._client is None:
            from tradechain.chain import EMBEDDED
            from tradechain.client import TradeClient
            from tradechain.compiler import project_root
            from tradechain.deployment import deploy_suite, for_chain, manifest_path, save_manifest

            if persistent and self.rpc is None:
                raise UsageError(
                    "this step needs a chain that outlives one command: start a node "
                    "(npx anvil --hardfork prague), run `tradechain deploy --rpc http://127.0.0.1:8545`, "
                    "then pass --rpc URL or set TRADECHAIN_RPC"
                )
            chain = self.chain
            root = project_root()
            if deploy_if_missing and chain.kind != EMBEDDED and not manifest_path(root, chain.chain_id).exists():
                dep = deploy_suite(chain, self.artifacts)
                save_manifest(dep, root)
            else:
                dep = for_chain(chain, root, self.artifacts)
            self._client = TradeClient(chain, dep, self.artifacts)
        return self._client

    def account(self, text: str) -> str:
        from tradechain.units import parse_address

        names = self.client().deployment.accounts if self._client else {}
        return parse_address(text, names)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=_jsonable))


def _jsonable(value: Any):
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if hasattr(value, "hex"):
        return value.hex()
    return str(value)
