"""Everyday commands about the deployment itself: `contracts`, `role grant/revoke/list`, `accounts`, `time show`."""

from __future__ import annotations

import os
from pathlib import Path

import click

from tradechain.cli.context import account_option, emit_json, json_option, sent
from tradechain.cli.paramtypes import ACCOUNT
from tradechain.errors import UsageError

KEYSTORE_DIR_ENV = "TRADECHAIN_KEYSTORES"


@click.command("contracts")
@json_option
@click.pass_obj
def contracts_cmd(ctx, as_json):
    """The suite on this chain: each contract's address, its artifact (ABI and bytecode) and the manifest."""
    from tradechain.deployment import manifest_path
    from tradechain.project import project_root

    client = ctx.client()
    dep, root = client.deployment, project_root()
    manifest = None if ctx.chain.ephemeral else manifest_path(root, dep.chain_id)
    build = root / "build" / "contracts"
    rows = [{"name": name, "address": address, "artifact": str(build / f"{name}.json"),
             "abiEntries": len(client.artifacts[name]["abi"]), "block": dep.manifest.get("contracts", {}).get(name, {}).get("block")}
            for name, address in dep.addresses.items()]
    if as_json:
        emit_json({"chainId": dep.chain_id, "network": ctx.chain.name, "manifest": str(manifest) if manifest else None,
                   "contracts": rows})
        return
    click.echo(f"chain {dep.chain_id} ({ctx.chain.name}); manifest {manifest or 'none (the embedded chain lasts one command)'}")
    for r in rows:
        click.echo(f"  {r['name']:<15} {r['address']}  {r['artifact']}")


@click.group("role")
def role():
    """Who holds which role (carrier, customs, producer, arbiter, financier, admin), and granting them."""


def _role_and_contract(name: str, contract: str | None) -> tuple[str, str]:
    from tradechain.vocabulary import ADMIN_ROLE, ROLE_CONTRACTS

    key = name.strip().upper().removesuffix("_ROLE")
    if key not in ROLE_CONTRACTS and key != ADMIN_ROLE:
        raise UsageError(f"unknown role {name!r}: use one of {', '.join(r.lower() for r in [*ROLE_CONTRACTS, ADMIN_ROLE])}")
    where = contract or ROLE_CONTRACTS.get(key)
    if where is None:
        raise UsageError("the admin role exists on every contract: say which with --contract "
                         "(TradeEscrow, InvoiceToken or Provenance)")
    if where not in ("TradeEscrow", "InvoiceToken", "Provenance"):
        raise UsageError(f"unknown contract {where!r}: TradeEscrow, InvoiceToken or Provenance")
    return key, where


def _grant_or_revoke(verb: str):
    @role.command(verb, help=f"{verb.capitalize()} ROLE to/from ACCOUNT (the admin sends it).")
    @click.argument("role_name", metavar="ROLE")
    @click.argument("account", type=ACCOUNT)
    @click.option("--contract", default=None, help="Only for the admin role: which contract's.")
    @account_option("admin")
    @json_option
    @click.pass_obj
    def command(ctx, role_name, account, contract, sender, as_json):
        client = ctx.client(persistent=True)
        key, where = _role_and_contract(role_name, contract)
        has = client.has_role(where, key, account)
        if has == (verb == "grant"):
            raise UsageError(f"{client.deployment.label(account)} {'already holds' if has else 'does not hold'} "
                             f"{key} on {where}")
        r = getattr(client, f"{verb}_role")(where, key, account, sender=sender)
        done = "granted to" if verb == "grant" else "revoked from"
        sent(r, f"{key} on {where} {done} {client.deployment.label(account)}", as_json, role=key, contract=where,
             account=account)

    return command


_grant_or_revoke("grant")
_grant_or_revoke("revoke")


@role.command("list")
@json_option
@click.pass_obj
def role_list(ctx, as_json):
    """Every role of the suite and who holds it now (from the RoleGranted/RoleRevoked events)."""
    from tradechain.vocabulary import role_name

    client = ctx.client()
    holders: dict[tuple[str, str], set] = {}
    for name in ("TradeEscrow", "InvoiceToken", "Provenance"):
        granted, revoked = client.tx.topic(name, "RoleGranted"), client.tx.topic(name, "RoleRevoked")
        for e in client.tx.logs(name, [[granted, revoked]]):
            key = (role_name(bytes(e["args"]["role"])) or "0x" + bytes(e["args"]["role"]).hex(), name)
            members = holders.setdefault(key, set())
            (members.add if e["event"] == "RoleGranted" else members.discard)(e["args"]["account"])
    rows = [{"role": r, "contract": c, "holders": sorted(m)} for (r, c), m in sorted(holders.items())]
    if as_json:
        emit_json({"roles": rows})
        return
    label = client.deployment.label
    for row in rows:
        who = ", ".join(label(a) for a in row["holders"]) or "nobody"
        click.echo(f"{row['role']:<10} on {row['contract']:<13} {who}")


def keystore_dir() -> Path:
    return Path(os.environ.get(KEYSTORE_DIR_ENV) or Path.home() / ".config" / "tradechain" / "keystores").expanduser()


@click.group("accounts", invoke_without_command=True)
@json_option
@click.pass_context
def accounts(cctx, as_json):
    """The named accounts of this chain (with balances) and the encrypted keystores; `accounts import` adds one."""
    if cctx.invoked_subcommand is not None:
        return
    import json

    ctx = cctx.obj
    client = ctx.client()
    money = {t: _money(client, t) for t in ("ETH", "tUSD")}
    rows = [{"name": name, "address": address,
             "balances": {t: {"amount": client.tokens.balance(address, client.tokens.address(t)),
                              "text": money[t](client.tokens.balance(address, client.tokens.address(t)))}
                          for t in money}}
            for name, address in client.deployment.accounts.items()]
    stores = []
    for path in sorted(keystore_dir().glob("*.json")):
        try:
            address = "0x" + json.loads(path.read_text())["address"].removeprefix("0x")
        except (OSError, ValueError, KeyError, AttributeError):
            address = None
        stores.append({"name": path.stem, "address": address, "file": str(path)})
    if as_json:
        emit_json({"accounts": rows, "keystores": stores, "keystoreDir": str(keystore_dir())})
        return
    for r in rows:
        click.echo(f"{r['name']:<10} {r['address']}  {r['balances']['ETH']['text']:>24}  {r['balances']['tUSD']['text']:>20}")
    click.echo(f"keystores in {keystore_dir()}: " + (", ".join(f"{s['name']} ({s['address']})" for s in stores) or
                                                     "none (`tradechain accounts import NAME` adds one)"))


def _money(client, token: str):
    from tradechain.cli.context import money_format

    return money_format(client, client.tokens.address(token))


@accounts.command("import")
@click.argument("name")
@click.option("--key-env", default=None, metavar="VAR", help="Read the private key from this env var (else a prompt).")
@click.option("--password-env", default=None, metavar="VAR", help="Read the password from this env var (else a prompt).")
@json_option
def accounts_import(name, key_env, password_env, as_json):
    """Import a private key into an encrypted keystore NAME.json (scrypt, the geth/eth-account format). Neither
    the key nor the password is printed; use it with `keystore = "…"` in a network of tradechain.toml."""
    import json
    import re

    from eth_account import Account

    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name):
        raise UsageError(f"bad keystore name {name!r}: letters, digits, '.', '_' or '-'")
    path = keystore_dir() / f"{name}.json"
    if path.exists():
        raise UsageError(f"keystore {path} already exists: choose another name or remove it")
    key = os.environ.get(key_env, "") if key_env else click.prompt("private key", hide_input=True)
    if key_env and not key:
        raise UsageError(f"${key_env} is empty or not set: it must hold the private key")
    password = os.environ.get(password_env, "") if password_env else click.prompt(
        "password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise UsageError("a keystore needs a non-empty password" + (f" (${password_env} is empty)" if password_env else ""))
    try:
        account = Account.from_key(key.strip())
    except Exception:  # noqa: BLE001 - never echo the key, whatever was wrong with it
        raise UsageError("that is not a private key (64 hex digits, with or without 0x)") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(Account.encrypt(account.key, password), f)
    if as_json:
        emit_json({"name": name, "address": account.address, "file": str(path)})
    else:
        click.echo(f"imported {account.address} as {name}: {path} (encrypted; mode 600)")
