"""Deploys the contract suite, wires its roles, and writes and reads deployment manifests.

A manifest (deploy/<chainId>.json) names each contract's address, deployment transaction and block, and two
hashes: of the code on chain, and of the build it came from. Loading refuses a manifest whose chain id or
code does not match, and says how to redeploy.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from tradechain.chain import Chain
from tradechain.compiler import SOLC_VERSION
from tradechain.errors import ContractRevert, DeploymentError
from tradechain.transactions import Transactions
from tradechain.vocabulary import role_id

SUITE = ("Provenance", "InvoiceToken", "BillOfLading", "PaymentSchedules", "TradeEscrow", "DemoStablecoin", "FxRates",
         "SignedFxFeed")
# The embedded chain and anvil both hand out funded accounts in a fixed order; the demo names them.
ACCOUNT_NAMES = ("admin", "buyer", "seller", "carrier", "customs", "arbiter", "financier", "treasury", "keeper", "buyer2")
DEFAULT_FEE_BPS = 100  # 1 %
DEFAULT_DISPUTE_PERIOD = 14 * 24 * 3600
DEMO_TUSD = 1_000_000 * 10**6  # each demo account starts with a million tUSD
DEPLOY_GAS = 8_000_000
WIRE_GAS = 200_000
DEPLOY_DIR_ENV = "TRADECHAIN_DEPLOY_DIR"  # where manifests live; default <project>/deploy
# The FX pairs the suite lists: (currency, its minor units, token, feed or None for signed quotes only). The devnet's
# EUR/USD feed is SignedFxFeed, whose rounds the oracle key (the admin's, which the deployment holds) signs; ETH has
# no EUR feed here, so a EUR order paid in ETH needs a signed quote.
FX_FEED_DECIMALS = 8  # as Chainlink's fiat feeds
FX_FEED_DESCRIPTION = "EUR / USD (tUSD), signed rounds"
FX_HEARTBEAT = 26 * 3600  # a daily fix, and two hours' grace (Chainlink's EUR/USD heartbeat is a day)
FX_MAX_DEVIATION_BPS = 300  # one round may move at most 3 % from the one before


@dataclass
class Deployment:
    chain_id: int
    addresses: dict[str, str]
    accounts: dict[str, str] = field(default_factory=dict)
    manifest: dict = field(default_factory=dict)

    def account(self, name: str) -> str:
        return self.accounts[name]

    @property
    def names(self) -> dict[str, str]:
        """address -> the name shown for it: the suite's contracts and the named accounts (a contract's name wins)."""
        return {address: name for group in (self.accounts, self.addresses) for name, address in group.items()}

    def label(self, address: str, *, short: bool = False) -> str:
        """The name shown for an address: a contract of the suite, a named account, else the address
        (its first ten characters and an ellipsis when `short`)."""
        name = self.names.get(address)
        if name is not None:
            return name
        return address[:10] + "…" if short else address

    @property
    def start_block(self) -> int:
        """The block of the suite's first deployment transaction: no event of ours is older."""
        blocks = [rec["block"] for rec in self.manifest.get("contracts", {}).values() if "block" in rec]
        return min(blocks, default=0)


def build_hash(artifact: dict) -> str:
    """Hash of what a deployment is built from: ABI and creation bytecode."""
    blob = json.dumps(artifact["abi"], sort_keys=True) + artifact["bytecode"]
    return "0x" + hashlib.sha256(blob.encode()).hexdigest()


def named_accounts(chain: Chain) -> dict[str, str]:
    return dict(zip(ACCOUNT_NAMES, chain.accounts))


def deploy_suite(
    chain: Chain,
    artifacts: dict[str, dict],
    admin: str | None = None,
    *,
    treasury: str | None = None,
    fee_bps: int = DEFAULT_FEE_BPS,
    dispute_period: int = DEFAULT_DISPUTE_PERIOD,
    demo_roles: bool = True,
) -> Deployment:
    """Deploy Provenance, InvoiceToken, BillOfLading, PaymentSchedules, TradeEscrow and the demo stablecoin, and
    wire them together.

    With `demo_roles`, the named demo accounts get their roles (carrier, customs, arbiter, financier) and
    a million tUSD each, so every CLI step works at once.
    """
    names = named_accounts(chain)
    if not names:
        raise DeploymentError("no account can sign on this chain: give the network a key (see tradechain.toml)")
    admin = admin or names["admin"]
    treasury = treasury or names.get("treasury", admin)
    demo_roles = demo_roles and len(names) == len(ACCOUNT_NAMES)  # a real network has no demo cast
    records: dict[str, dict] = {}
    tx = Transactions(chain, artifacts)  # deployment sits below the client, on the same transaction layer

    def deploy(name: str, *args) -> str:
        from tradechain import progress

        progress.step(f"deploying {name}")
        try:
            _, receipt = tx.deploy(name, args, sender=admin, gas=DEPLOY_GAS, name=name)
        except ContractRevert as exc:
            raise DeploymentError(f"deploying {name} reverted: {exc}") from None
        address = receipt.contract_address
        records[name] = {
            "address": address,
            "txHash": receipt.tx_hash,
            "block": receipt.block,
            "codeHash": code_hash(chain, address),
            "buildHash": build_hash(artifacts[name]),
            "compiler": artifacts[name].get("compiler", SOLC_VERSION),
        }
        return address

    provenance = deploy("Provenance", admin)
    invoices = deploy("InvoiceToken", admin)
    fx_rates = deploy("FxRates", admin)
    titles = deploy("BillOfLading", admin, provenance)
    schedules = deploy("PaymentSchedules", admin, provenance, titles)
    escrow = deploy("TradeEscrow", admin, treasury, fee_bps, dispute_period, provenance, invoices, fx_rates, schedules)
    tusd = deploy("DemoStablecoin", admin)
    feed = deploy("SignedFxFeed", admin, FX_FEED_DECIMALS, FX_FEED_DESCRIPTION)
    dep = Deployment(chain.chain_id, {n: r["address"] for n, r in records.items()}, names)

    def call(name: str, fn: str, *args) -> None:
        """One wiring transaction by the admin."""
        try:
            tx.send(name, fn, args, sender=admin, gas=WIRE_GAS)
        except ContractRevert as exc:
            raise DeploymentError(f"{name}.{fn} reverted while wiring the suite: {exc}") from None

    def grant(name: str, role: str, account: str) -> None:
        call(name, "grantRole", role_id(role), account)

    call("InvoiceToken", "bindEscrow", escrow)
    call("BillOfLading", "bindEscrow", escrow, schedules)
    call("PaymentSchedules", "bindEscrow", escrow)
    grant("Provenance", "ESCROW", escrow)
    grant("Provenance", "SCHEDULE", schedules)
    grant("Provenance", "TITLE", titles)
    grant("FxRates", "ESCROW", escrow)
    from tradechain.vocabulary import ETH, currency_code

    call("FxRates", "setPair", currency_code("EUR"), tusd, feed, FX_HEARTBEAT, FX_MAX_DEVIATION_BPS, 2, 6)
    no_feed = ETH  # the zero address: EUR paid in ETH has signed quotes only
    call("FxRates", "setPair", currency_code("EUR"), ETH, no_feed, FX_HEARTBEAT, FX_MAX_DEVIATION_BPS, 2, 18)
    if demo_roles:
        grant("Provenance", "CARRIER", names["carrier"])
        grant("Provenance", "CUSTOMS", names["customs"])
        grant("Provenance", "PRODUCER", names["seller"])
        grant("TradeEscrow", "ARBITER", names["arbiter"])
        grant("FxRates", "QUOTE_SIGNER", admin)  # the demo's quote desk signs with the admin's key
        grant("InvoiceToken", "FINANCIER", names["financier"])
        for who in ("buyer", "buyer2", "seller", "financier"):
            if who in names:
                call("DemoStablecoin", "mint", names[who], DEMO_TUSD)
    dep.manifest = {
        "chainId": chain.chain_id,
        "network": chain.name,
        "deployedAt": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "admin": admin,
        "treasury": treasury,
        "demoRoles": demo_roles,
        "contracts": records,
    }
    return dep


def code_hash(chain: Chain, address: str) -> str:
    return "0x" + hashlib.sha256(chain.code(address)).hexdigest()


def deploy_dir(root: Path) -> Path:
    env = os.environ.get(DEPLOY_DIR_ENV)
    return Path(env).expanduser() if env else root / "deploy"


def manifest_path(root: Path, chain_id: int) -> Path:
    return deploy_dir(root) / f"{chain_id}.json"


def save_manifest(dep: Deployment, root: Path) -> Path:
    path = manifest_path(root, dep.chain_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dep.manifest, indent=2) + "\n")
    return path


def load_manifest(chain: Chain, root: Path, artifacts: dict[str, dict]) -> Deployment:
    """The deployment recorded for this chain, checked against the chain and the build."""
    chain_id = chain.chain_id
    path = manifest_path(root, chain_id)
    command = f"tradechain deploy {chain.where}".strip()
    redeploy = f"run `{command}` to deploy the suite"
    if not path.exists():
        raise DeploymentError(f"no tradechain deployment for chain id {chain_id} ({path} is missing); {redeploy}",
                              "missing")
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise DeploymentError(f"{path} is not valid JSON ({exc.msg}); {redeploy}", "invalid") from None
    if manifest.get("chainId") != chain_id:
        raise DeploymentError(f"{path} is for chain id {manifest.get('chainId')}, not {chain_id}; {redeploy}", "chain")
    for name in SUITE:
        rec = manifest.get("contracts", {}).get(name)
        if rec is None:
            raise DeploymentError(f"{path} has no {name}; {redeploy}", "invalid")
        if code_hash(chain, rec["address"]) != rec["codeHash"]:
            raise DeploymentError(
                f"the code at {rec['address']} is not the {name} recorded in {path} "
                f"(the chain was reset or replaced); {redeploy}", "code"
            )
        if rec["buildHash"] != build_hash(artifacts[name]):
            raise DeploymentError(
                f"{name} in contracts/ has changed since it was deployed on chain {chain_id} (manifest {path}); "
                f"run `{command} --force` to deploy the new build", "build")
    addresses = {n: manifest["contracts"][n]["address"] for n in SUITE}
    return Deployment(chain_id, addresses, named_accounts(chain), manifest)


def ensure_suite(chain: Chain, root: Path, artifacts: dict[str, dict], *, force: bool = False,
                 **deploy_args) -> tuple[Deployment, str]:
    """Reuse the suite recorded for this chain if it is still valid, else deploy it and write the manifest.

    Returns (deployment, what happened): "reused", "deployed" (none before) or "redeployed: <why>".
    """
    why = "forced"
    if not force:
        try:
            return load_manifest(chain, root, artifacts), "reused"
        except DeploymentError as exc:
            if exc.reason == "missing":
                why = ""
            else:
                why = {"code": "the recorded contracts are not on this chain (reset?)",
                       "build": "contracts/ changed since the last deployment",
                       "chain": "the manifest belongs to another chain id"}.get(exc.reason, "the manifest was unreadable")
    dep = deploy_suite(chain, artifacts, **deploy_args)
    save_manifest(dep, root)
    return dep, f"redeployed: {why}" if why else "deployed"


def for_chain(chain: Chain, root: Path, artifacts: dict[str, dict]) -> Deployment:
    """The suite on `chain`: freshly deployed on the embedded chain, from the manifest elsewhere."""
    if chain.ephemeral:
        return deploy_suite(chain, artifacts)
    return load_manifest(chain, root, artifacts)
