"""A real anvil node for tests, and the CLI run against it as a user runs it.

One launcher serves benchmarks and tests alike (tradechain.bench.devnet.anvil); tests take a port the OS
hands out, so suites never collide with each other or with a developer's devnet.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from click.testing import Result

from tradechain.bench.devnet import anvil as _anvil

from helpers import checked_cli, free_port


@contextmanager
def anvil(*extra: str, port: int | None = None) -> Iterator[str]:
    """Yield the RPC URL of a fresh anvil (prague, 127.0.0.1); stop it afterwards."""
    with _anvil(*extra, port=port or free_port()) as url:
        yield url


@contextmanager
def cli_on_node(tmp_path_factory, *, deploy: bool = True) -> Iterator[tuple[Callable[..., Result], dict]]:
    """A fresh node with the suite deployed (manifests in a temp folder), and `run(*args, ok=True)` that
    invokes `tradechain` against it and checks it exited 0 (when `ok`) and printed no traceback."""
    manifests = tmp_path_factory.mktemp("deploy")
    with anvil() as url:
        env = {"TRADECHAIN_RPC": url, "TRADECHAIN_DEPLOY_DIR": str(manifests), "TRADECHAIN_NETWORK": "",
               "TRADECHAIN_INDEX_DB": str(manifests / "index.sqlite")}  # this node's index, never the project's

        def run(*args: str, ok: bool = True) -> Result:
            return checked_cli(env, *args, ok=ok)

        if deploy:
            run("deploy", "--json")
        yield run, env
