"""Named networks: `--network NAME` -> a connected Chain with the keys that may sign on it.

Built in: `embedded` (the in-process chain) and `devnet` (this project's anvil, `tradechain devnet start`;
the node's unlocked accounts sign). Any other name comes from a TOML file, the first that defines it of:
$TRADECHAIN_NETWORKS, <project>/tradechain.toml, ~/.config/tradechain/networks.toml:

    [networks.sepolia]
    rpc = "https://rpc.example.org"        # or rpc_env = "SEPOLIA_RPC" when the URL holds an API key
    key_env = "SEPOLIA_KEY"                # env var(s) holding a private key: a string or a list
    keystore = "~/keys/deployer.json"      # and/or an encrypted keystore (geth/eth-account format) ...
    password_env = "DEPLOYER_PASSWORD"     # ... whose password is in this env var

Keys are read into memory only: never printed, never written. The first key is the `admin` account,
the next ones take the following demo names (buyer, seller, ...).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tradechain.errors import UsageError

NETWORK_ENV = "TRADECHAIN_NETWORK"
NETWORKS_FILE_ENV = "TRADECHAIN_NETWORKS"
RPC_ENV = "TRADECHAIN_RPC"
BUILT_IN = ("embedded", "devnet")


@dataclass
class Network:
    name: str
    rpc: str | None  # None: the embedded chain
    key_env: list[str] = field(default_factory=list)
    keystore: str | None = None
    password_env: str | None = None
    source: str = "built in"


def config_files(root: Path | None) -> list[Path]:
    files = []
    if os.environ.get(NETWORKS_FILE_ENV):
        files.append(Path(os.environ[NETWORKS_FILE_ENV]).expanduser())
    if root is not None:
        files.append(root / "tradechain.toml")
    files.append(Path.home() / ".config" / "tradechain" / "networks.toml")
    return files


def _from_file(name: str, path: Path) -> Network | None:
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read network config {path}: {exc}") from None
    spec = data.get("networks", {}).get(name)
    if spec is None:
        return None
    if not isinstance(spec, dict):
        raise UsageError(f"{path}: [networks.{name}] must be a table")
    rpc = spec.get("rpc")
    if rpc is None and spec.get("rpc_env"):
        rpc = os.environ.get(spec["rpc_env"])
        if not rpc:
            raise UsageError(f"network {name} ({path}) takes its URL from ${spec['rpc_env']}, which is not set")
    if not rpc:
        raise UsageError(f"network {name} in {path} has no rpc URL; add rpc = \"https://…\"")
    key_env = spec.get("key_env", [])
    return Network(name, rpc, [key_env] if isinstance(key_env, str) else list(key_env),
                   spec.get("keystore"), spec.get("password_env"), str(path))


def resolve(name: str, root: Path | None = None) -> Network:
    """The network called `name`: built in, or from the first config file that defines it."""
    if name == "embedded":
        return Network(name, None)
    files = config_files(root)
    for path in files:
        found = _from_file(name, path)
        if found is not None:
            return found
    if name == "devnet":
        from tradechain.devnet import Devnet

        return Network(name, Devnet(root).url())
    raise UsageError(
        f"unknown network {name!r}: use embedded, devnet, or define [networks.{name}] in "
        f"{' or '.join(str(p) for p in files)}"
    )


def load_keys(net: Network) -> list[str]:
    """Private keys for the network, from env vars and the keystore. Messages never contain a key."""
    keys = []
    for var in net.key_env:
        value = os.environ.get(var, "").strip()
        if not value:
            raise UsageError(f"network {net.name} signs with the key in ${var}, which is not set; export it")
        keys.append(value)
    if net.keystore:
        path = Path(net.keystore).expanduser()
        if not net.password_env:
            raise UsageError(f"network {net.name}: keystore {path} needs `password_env` (the env var holding its "
                             "password) in the network's config")
        if os.environ.get(net.password_env) is None:
            raise UsageError(f"network {net.name}: keystore {path} needs its password in ${net.password_env}, "
                             "which is not set; export it")
        try:
            import json

            from eth_account import Account

            keys.append("0x" + bytes(Account.decrypt(json.loads(path.read_text()),
                                                     os.environ[net.password_env])).hex())
        except FileNotFoundError:
            raise UsageError(f"network {net.name}: keystore {path} does not exist") from None
        except ValueError:
            raise UsageError(f"network {net.name}: cannot decrypt keystore {path} with ${net.password_env} "
                             "(wrong password or not a keystore)") from None
    return keys


def connect(network: str | None = None, rpc: str | None = None, root: Path | None = None):
    """The Chain named by --network or --rpc (not both), else $TRADECHAIN_NETWORK, else $TRADECHAIN_RPC,
    else a fresh embedded chain."""
    from tradechain import chain as chains

    if network and rpc:
        raise UsageError("give either --network or --rpc, not both")
    if not network and not rpc:
        network = os.environ.get(NETWORK_ENV) or None
        rpc = None if network else os.environ.get(RPC_ENV) or None
    if rpc:
        return chains.rpc(rpc)
    if not network:
        return chains.embedded()
    net = resolve(network, root)
    if net.rpc is None:
        return chains.embedded()
    chain = chains.rpc(net.rpc, network=net.name)
    for key in load_keys(net):
        try:
            chain.add_signer(key)
        except Exception:  # eth_account's message may quote the value: say only where it came from
            raise UsageError(f"network {net.name}: a configured key is not a valid private key") from None
    return chain
