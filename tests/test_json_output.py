"""One JSON style for every `--json` output, each described by a schema in schemas/ and checked against it.

Every command with --json has schemas/<command path>.json (e.g. schemas/order.show.json); shared shapes (an
address with its name, a full hash, base units beside their text, an error) are in schemas/defs.json. A run of
the commands on anvil validates what each one prints (the benchmarks, `report`, `demo` and `devnet` in their own
test modules, at small sizes); with --json an error is JSON too, with the same exit code.

TRADECHAIN_JSON_SAMPLES=DIR writes every output validated here to DIR/<command>.json (then <command>.2.json, …), to
read a schema beside real runs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from anvil import cli_on_node
from tradechain.cli import cli

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def _registry() -> Registry:
    resources = [(p.name, Resource.from_contents(json.loads(p.read_text()))) for p in SCHEMAS.glob("*.json")]
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validate(command: str, output: str) -> None:
    """Check every JSON document `command` printed (one, or one per line for a stream) against its schema."""
    schema = json.loads((SCHEMAS / f"{command}.json").read_text())
    validator = Draft202012Validator(schema, registry=REGISTRY)
    text = output.strip()
    docs = [json.loads(line) for line in text.splitlines()] if text.startswith("{\"") else [json.loads(text)]
    for doc in docs:
        errors = sorted(validator.iter_errors(doc), key=str)
        assert not errors, f"{command}: {errors[0].message} at {list(errors[0].absolute_path)}\n{text[:2000]}"
    if os.environ.get("TRADECHAIN_JSON_SAMPLES"):
        folder = Path(os.environ["TRADECHAIN_JSON_SAMPLES"])
        folder.mkdir(parents=True, exist_ok=True)
        n = 1 + len(list(folder.glob(f"{command}.json")) + list(folder.glob(f"{command}.[0-9]*.json")))
        name = f"{command}.json" if n == 1 else f"{command}.{n}.json"
        (folder / name).write_text(json.dumps(docs if len(docs) > 1 else docs[0], indent=2))


def _json_commands(group: click.Group = cli, path: tuple[str, ...] = ()) -> list[str]:
    found = []
    for name, command in group.commands.items():
        here = (*path, name)
        if any(p.name == "as_json" for p in command.params):
            found.append(".".join(here))
        if isinstance(command, click.Group):
            found += _json_commands(command, here)
    return sorted(found)


def test_every_json_command_has_a_schema_and_every_schema_a_command():
    commands = _json_commands()
    files = sorted(p.stem for p in SCHEMAS.glob("*.json") if p.name != "defs.json")
    assert commands == files, f"missing schemas: {set(commands) - set(files)}; stale: {set(files) - set(commands)}"
    for name in files:
        Draft202012Validator.check_schema(json.loads((SCHEMAS / f"{name}.json").read_text()))


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    with cli_on_node(tmp_path_factory) as (run, env):
        yield run, env


def _json(node, command: str, *args: str) -> dict:
    run, _ = node
    out = run(*command.split("."), *args, "--json").output
    validate(command, out)
    return json.loads(out) if not out.lstrip().startswith('{"') else json.loads(out.splitlines()[0])


def test_every_json_output_of_a_whole_trade_matches_its_schema(node, tmp_path):
    run, _ = node
    doc = tmp_path / "bill.pdf"
    doc.write_bytes(b"bill of lading")
    placed = _json(node, "order.create", "--seller", "seller", "--amount", "2 ETH")
    eth = placed["orderId"]
    _json(node, "tx.status", placed["tx"])
    tusd = _json(node, "order.create", "--seller", "seller", "--amount", "300 tUSD")["orderId"]
    for oid in (eth, tusd):
        _json(node, "order.ship", str(oid), "--bol", str(doc))
    _json(node, "order.checkpoint", str(eth), "picked-up", "--location", "CNSZX")
    _json(node, "invoice.quote", str(tusd))
    _json(node, "invoice.offer", str(tusd), "--discount", "3%")
    _json(node, "invoice.buy", str(tusd))
    _json(node, "invoice.advance", str(eth), "--amount", "1 ETH", "--fee", "2%")
    _json(node, "invoice.accept", str(eth))
    _json(node, "provenance.document", str(eth), "BillOfLading", str(doc))
    for oid in (eth, tusd):
        _json(node, "order.deliver", str(oid), "--location", "DEHAM")
    _json(node, "order.dispute", str(tusd))
    _json(node, "order.resolve", str(tusd), "--refund", "25%")
    run("time", "advance", "3d")
    _json(node, "order.release", str(eth))
    _json(node, "order.withdraw", "--token", "tUSD")
    shown = _json(node, "order.show", str(eth))
    assert shown["buyer"] == {"address": shown["buyer"]["address"], "name": "buyer"}
    assert shown["amount"] == 2 * 10**18 and shown["amountText"] == "2 ETH"
    _json(node, "order.list")
    _json(node, "invoice.list")
    _json(node, "invoice.show", str(tusd))
    _json(node, "trace", str(eth))
    _json(node, "verify", str(doc), "--item", str(eth))
    _json(node, "events", "--limit", "5")
    _json(node, "order.watch", str(eth), "--limit", "2")
    _json(node, "time.show")
    _json(node, "contracts")
    _json(node, "role.grant", "producer", "buyer")
    _json(node, "role.revoke", "producer", "buyer")
    _json(node, "role.list")
    _json(node, "accounts")
    _json(node, "deploy")
    _json(node, "keeper", "--once")
    _json(node, "compile")


def test_every_json_output_of_the_other_steps_matches_its_schema(node, tmp_path, monkeypatch):
    """Provenance from batch to shelf, settlement by agreement, carrier replacement, refunds, the index, evidence
    and saved traces: every remaining command with --json, run for real."""
    run, env = node
    cert = tmp_path / "cert.pdf"
    cert.write_bytes(b"GMP certificate")
    batch = _json(node, "provenance.register", "--sku", "VAX-17", "--origin", "cn", "--quantity", "500",
                  "--certificate", str(cert), "--location", "CNSZX")["batch"]
    _json(node, "provenance.step", batch, "packed", "--location", "CNSZX")
    oid = str(_json(node, "order.create", "--seller", "seller", "--amount", "1 ETH", "--deliver-within", "2d")["orderId"])
    _json(node, "provenance.limits", oid, "--temp", "2..8")
    _json(node, "order.ship", oid)
    _json(node, "provenance.link", batch, oid)
    _json(node, "provenance.accept-link", batch, oid, "--account", "carrier")
    _json(node, "provenance.handover", batch, "--to", "carrier")
    _json(node, "provenance.take", batch, "--location", "CNSZX", "--account", "carrier")
    _json(node, "provenance.leg", oid, "--mode", "sea", "--from", "CNSZX", "--to", "DEHAM", "--km", "18000",
          "--kg", "500", "--factor", "8")
    signed = tmp_path / "departed.json"
    run("provenance", "sign", oid, "departed", "--location", "CNYTN", "--out", str(signed))
    _json(node, "provenance.relay", str(signed), "--account", "keeper")
    _json(node, "provenance.reading", oid, "--value", "temperature=11.5", "--value", "humidity=40")
    picked = _json(node, "order.checkpoint", oid, "picked-up", "--location", "CNSZX")
    seq = json.loads(run("trace", oid, "--json").output)["entries"][-1]["seq"]
    _json(node, "provenance.correct", oid, str(seq), "--kind", "GateOut", "--location", "CNSZX")
    assert picked["orderState"] == "Shipped"
    run("role", "grant", "carrier", "keeper")
    _json(node, "order.nominate-carrier", oid, "keeper")
    _json(node, "order.replace-carrier", oid, "keeper")
    run("time", "advance", "3d")
    _json(node, "order.extend", oid, "--by", "2d")
    _json(node, "order.deliver", oid, "--account", "keeper")
    _json(node, "order.dispute", oid)
    _json(node, "order.propose", oid, "40%", "--account", "seller")
    assert _json(node, "order.show", oid)["settlement"]["agreed"] == ["invoice holder"]  # an offer standing
    _json(node, "order.accept", oid, "40%", "--account", "buyer")
    saved = tmp_path / "trace.json"
    saved.write_text(run("trace", oid, "--json").output)
    _json(node, "verify-log", str(saved))
    _json(node, "verify-log", str(saved), "--offline")
    _json(node, "trace", oid)  # a shipment with every kind of entry, and the batch it carried
    _json(node, "trace", batch)
    _json(node, "verify", str(cert))
    _json(node, "order.show", oid)
    _json(node, "invoice.show", oid)
    for step in ("confirm", "cancel", "refund"):
        other = str(_json(node, "order.create", "--seller", "seller", "--amount", "0.1 ETH", "--ship-within", "1h")
                    ["orderId"])
        if step == "confirm":
            run("order", "ship", other)
            run("order", "deliver", other)
        elif step == "refund":
            run("time", "advance", "2h")
        _json(node, f"order.{step}", other)
    _json(node, "index")
    bundle = tmp_path / "bundle.zip"
    run("evidence", oid, "--out", str(bundle))
    _json(node, "evidence.verify", str(bundle))
    monkeypatch.setitem(env, "TRADECHAIN_KEYSTORES", str(tmp_path / "keys"))
    monkeypatch.setitem(env, "TEST_KEY", "0x" + "4c" * 32)
    monkeypatch.setitem(env, "TEST_PASSWORD", "correct horse")
    _json(node, "accounts.import", "ops", "--key-env", "TEST_KEY", "--password-env", "TEST_PASSWORD")


@pytest.mark.parametrize("argv, code", [
    (["order", "show", "99"], 1),
    (["order", "show", "-1"], 2),
    (["order", "create", "--seller", "seller", "--amount", "1"], 2),
    (["order", "resolve", "1", "--refund", "30"], 2),
    (["role", "grant", "wizard", "buyer"], 2),
])
def test_with_json_an_error_is_json_with_the_same_exit_code(node, argv, code):
    _, env = node
    plain = CliRunner().invoke(cli, argv, env=env)
    as_json = CliRunner().invoke(cli, [*argv, "--json"], env=env)
    assert plain.exit_code == as_json.exit_code == code, (plain.output, as_json.output)
    error = json.loads(as_json.stdout)
    Draft202012Validator({"$ref": "defs.json#/$defs/error"}, registry=REGISTRY).validate(error)
    assert error["error"]["message"] in plain.output
