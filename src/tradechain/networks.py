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

A profile for a real network also says what to expect and how to pay (examples/tradechain.toml has an OP Stack
testnet, an Arbitrum testnet and a private chain):

    chain_id = 11155420                    # refuse a node that answers another chain id
    confirmations = 3                      # blocks on top before a result is final, or "safe" / "finalized"
    rollup = "op-stack"                    # "op-stack" (L1 data fee from the GasPriceOracle), "arbitrum", or none
    [networks.NAME.fees]
    priority_percentile = 50               # tip: this percentile of recent blocks' tips (eth_feeHistory)
    max_fee_gwei = 2.0                     # never offer more per gas than this
    max_priority_fee_gwei = 0.05           # nor a higher tip than this
    legacy = false                         # true: gasPrice only (a chain without EIP-1559 base fee)
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


FINALITY_TAGS = ("safe", "finalized")
ROLLUPS = ("op-stack", "arbitrum")
KEYS = {"rpc", "rpc_env", "key_env", "keystore", "password_env", "chain_id", "confirmations", "rollup", "fees"}
FEE_KEYS = {"priority_percentile", "max_fee_gwei", "max_priority_fee_gwei", "legacy"}


@dataclass(frozen=True)
class FeePolicy:
    """How transactions on a network are priced; caps in gwei. The defaults suit a dev node."""

    priority_percentile: float = 50.0
    max_fee_gwei: float | None = None
    max_priority_fee_gwei: float | None = None
    legacy: bool = False


@dataclass
class Network:
    name: str
    rpc: str | None  # None: the embedded chain
    key_env: list[str] = field(default_factory=list)
    keystore: str | None = None
    password_env: str | None = None
    source: str = "built in"
    chain_id: int | None = None  # expected; None: whatever the node answers
    confirmations: int | str = 0  # depth, or "safe" / "finalized"
    rollup: str | None = None
    fees: FeePolicy = field(default_factory=FeePolicy)


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
                   spec.get("keystore"), spec.get("password_env"), str(path), **_profile(name, path, spec))


def _profile(name: str, path: Path, spec: dict) -> dict:
    """chain_id, confirmations, rollup and fees of [networks.NAME], checked: a typo in a fee cap must not pass."""
    where = f"[networks.{name}] in {path}"
    unknown = set(spec) - KEYS
    if unknown:
        raise UsageError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(KEYS))}")
    out: dict = {}
    chain_id = spec.get("chain_id")
    if chain_id is not None:
        if not isinstance(chain_id, int) or isinstance(chain_id, bool) or chain_id <= 0:
            raise UsageError(f"{where}: chain_id must be a positive whole number, got {chain_id!r}")
        out["chain_id"] = chain_id
    confirmations = spec.get("confirmations", 0)
    if not (confirmations in FINALITY_TAGS or (isinstance(confirmations, int) and not isinstance(confirmations, bool)
                                               and confirmations >= 0)):
        raise UsageError(f"{where}: confirmations must be a block count (0, 3, ...) or \"safe\" / \"finalized\", "
                         f"got {confirmations!r}")
    out["confirmations"] = confirmations
    rollup = spec.get("rollup")
    if rollup is not None and rollup not in ROLLUPS:
        raise UsageError(f"{where}: rollup must be one of {', '.join(ROLLUPS)}, got {rollup!r}")
    out["rollup"] = rollup
    fees = spec.get("fees", {})
    if not isinstance(fees, dict) or set(fees) - FEE_KEYS:
        raise UsageError(f"{where}: [networks.{name}.fees] takes only {', '.join(sorted(FEE_KEYS))}")
    for key in FEE_KEYS - {"legacy"}:
        value = fees.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            raise UsageError(f"{where}: fees.{key} must be a number >= 0, got {value!r}")
    if not 0 <= fees.get("priority_percentile", 50) <= 100:
        raise UsageError(f"{where}: fees.priority_percentile must be between 0 and 100")
    if not isinstance(fees.get("legacy", False), bool):
        raise UsageError(f"{where}: fees.legacy must be true or false")
    out["fees"] = FeePolicy(**fees)
    return out


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
    chain.profile = net
    if net.chain_id is not None and chain.chain_id != net.chain_id:
        # never quote the URL: it often holds an API key (that is what rpc_env is for)
        raise UsageError(f"network {net.name} ({net.source}) expects chain id {net.chain_id}, but its node "
                         f"answers chain id {chain.chain_id}: check the RPC URL")
    for key in load_keys(net):
        try:
            chain.add_signer(key)
        except Exception:  # eth_account's message may quote the value: say only where it came from
            raise UsageError(f"network {net.name}: a configured key is not a valid private key") from None
    return chain
