"""Bad input through the CLI, table-driven, against a real anvil (a free port): every row gives one clear
line on stderr, a non-zero exit, no traceback, and leaves the chain exactly as it was (block number, order
count, balances)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from anvil import anvil, free_port
from tradechain.cli import cli


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    manifests = tmp_path_factory.mktemp("deploy")
    with anvil() as url:
        env = {"TRADECHAIN_RPC": url, "TRADECHAIN_DEPLOY_DIR": str(manifests)}
        result = CliRunner().invoke(cli, ["deploy", "--json"], env=env)
        assert result.exit_code == 0, result.output
        order = CliRunner().invoke(cli, ["order", "create", "--seller", "seller", "--amount", "1 ETH", "--json"],
                                   env=env)
        assert order.exit_code == 0, order.output
        yield env, manifests, url


def _state(env) -> tuple:
    """What a refused command must not change: blocks, balances, nonces, tUSD allowances to the escrow and
    invoices, tUSD permit nonces."""
    from tradechain.chain import rpc

    chain = rpc(env["TRADECHAIN_RPC"])
    w3 = chain.w3
    manifest = json.loads(next(Path(env["TRADECHAIN_DEPLOY_DIR"]).glob("*.json")).read_text())
    tusd, escrow, invoices = (manifest["contracts"][n]["address"] for n in ("DemoStablecoin", "TradeEscrow",
                                                                            "InvoiceToken"))
    people = w3.eth.accounts[:8]
    allowance = lambda owner, spender: w3.eth.call(  # noqa: E731
        {"to": tusd, "data": "0xdd62ed3e" + owner[2:].lower().rjust(64, "0") + spender[2:].lower().rjust(64, "0")})
    permit_nonce = lambda owner: w3.eth.call({"to": tusd, "data": "0x7ecebe00" + owner[2:].lower().rjust(64, "0")})  # noqa: E731
    return (w3.eth.block_number, tuple(w3.eth.get_balance(a) for a in people),
            tuple(w3.eth.get_transaction_count(a, "pending") for a in people),
            tuple(allowance(a, s) for a in people for s in (escrow, invoices)), tuple(permit_nonce(a) for a in people))


# A step the contract refuses is caught by the preflight eth_call (Chain.preflight) before it is sent: no
# failed transaction is mined, so the sender's nonce and balance stay as they were.

ROWS = [
    # (what, argv, words the one line must contain)
    ("malformed seller address", ["order", "create", "--seller", "0x1234", "--amount", "1 ETH"], "address"),
    ("negative amount", ["order", "create", "--seller", "seller", "--amount", "-1 ETH"], "positive"),
    ("too many decimals", ["order", "create", "--seller", "seller", "--amount", "1.0000001 tUSD"], "decimal places"),
    ("amount over balance", ["order", "create", "--seller", "seller", "--amount", "5000000 ETH"], "needs"),
    ("amount in words", ["order", "create", "--seller", "seller", "--amount", "lots"], "bad amount"),
    ("bad duration", ["order", "create", "--seller", "seller", "--amount", "1 ETH", "--ship-within", "soon"],
     "duration"),
    ("unknown order id", ["order", "ship", "999"], "no order 999"),
    ("non-numeric order id", ["order", "ship", "abc"], "order"),
    ("wrong account ships", ["order", "ship", "1", "--account", "buyer"], "only the seller"),
    ("wrong account cancels", ["order", "cancel", "1", "--account", "carrier"], "only the seller"),
    ("unknown account name", ["order", "ship", "1", "--account", "mallory"], "mallory"),
    ("unknown network", ["--network", "atlantis", "order", "list"], "atlantis"),
    # traps: a unit left out is refused, never guessed
    ("bare number as a share", ["order", "resolve", "1", "--refund", "30", "--account", "arbiter"],
     "has no unit: write it with its unit: 30% or 3000bps"),
    ("bare number as a settlement", ["order", "propose", "1", "20"], "30% or 3000bps"),
    ("bare number as a fee", ["deploy", "--fee", "100"], "30% or 3000bps"),
    ("amount with no unit", ["order", "create", "--seller", "seller", "--amount", "1"],
     "'1 ETH', '250 tUSD' or '1000000000 wei'"),
    ("amount in an unknown unit", ["order", "create", "--seller", "seller", "--amount", "1 BTC"], "unknown token"),
    # addresses: a mixed-case typo fails its checksum instead of being paid
    ("wrong EIP-55 checksum", ["order", "create", "--seller", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293Bc",
                               "--amount", "1 ETH"], "fails its EIP-55 checksum"),
    # inputs that used to reach the catch-all "unexpected …" error
    ("token address with no contract", ["order", "create", "--seller", "seller", "--amount", "1",
                                        "--token", "0x" + "12" * 20], "no contract"),
    ("order id beyond uint256", ["order", "show", str(2**256)], "larger than any order id"),
    ("document that cannot be read", ["order", "dispute", "1", "--evidence", "/no/such/dir/photo.jpg"], "neither"),
    ("document that is a folder", ["order", "dispute", "1", "--evidence", "/"], "folder"),
    ("malformed hash", ["order", "dispute", "1", "--evidence", "0x1234"], "64 hex digits"),
    # click's own usage errors: one line too
    ("negative order id", ["order", "show", "-1"], "no such option"),
    ("missing argument", ["order", "show"], "missing argument"),
    ("unknown command", ["order", "shipp", "1"], "no such command"),
    ("unknown option", ["order", "list", "--colour"], "no such option"),
    # steps the contract refuses that pay an ERC-20: nothing is sent, neither with tUSD's permit (the default)
    # nor with an approval first
    ("refused tUSD order (inspection too long)", ["order", "create", "--seller", "seller", "--amount", "100 tUSD",
                                                  "--inspection", "400d"], "inspection window"),
    ("refused tUSD order paid by approve", ["order", "create", "--seller", "seller", "--amount", "100 tUSD",
                                            "--inspection", "400d", "--approve"], "inspection window"),
]


@pytest.mark.parametrize("what, argv, words", ROWS, ids=[r[0] if isinstance(r, tuple) else r.id for r in ROWS])
def test_bad_input_is_one_clear_line_and_changes_nothing(node, what, argv, words):
    env = node[0]
    if argv[0] == "--network":
        env = {k: v for k, v in env.items() if k != "TRADECHAIN_RPC"}
    before = _state(node[0])
    result = CliRunner().invoke(cli, argv, env=env)
    assert result.exit_code != 0, f"{what}: exit 0\n{result.output}"
    assert "Traceback" not in result.output and not isinstance(result.exception, (AttributeError, KeyError, TypeError))
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, f"{what}: expected one line, got {lines}"
    assert words.lower() in lines[0].lower(), f"{what}: {lines[0]!r} does not mention {words!r}"
    assert _state(node[0]) == before, f"{what}: the chain changed"


def test_an_rpc_url_with_no_node_is_one_line():
    nobody = f"http://127.0.0.1:{free_port()}"  # a port nothing listens on
    result = CliRunner().invoke(cli, ["order", "list"], env={"TRADECHAIN_RPC": nobody})
    assert result.exit_code != 0 and "no Ethereum node answers" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_manifest_from_another_chain_is_refused(node, tmp_path):
    env, manifests, _url = node
    chain_id = next(p.stem for p in manifests.glob("*.json"))
    bogus = tmp_path / "deploy"
    shutil.copytree(manifests, bogus)
    data = json.loads((bogus / f"{chain_id}.json").read_text())
    data["chainId"] = 1  # a mainnet manifest copied over this chain's file
    (bogus / f"{chain_id}.json").write_text(json.dumps(data))
    before = _state(env)
    result = CliRunner().invoke(cli, ["order", "list"], env={**env, "TRADECHAIN_DEPLOY_DIR": str(bogus)})
    assert result.exit_code != 0 and "is for chain id 1" in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1 and _state(env) == before
