"""`order create --tranche … --ebl N`, `order release-tranche`, `order show`'s tranches and title, and `ebl
show/endorse/surrender/claim`, as a user runs them against a real anvil node; JSON checked against schemas/."""

from __future__ import annotations

import json

from test_json_output import validate


def _create(tc, *extra):
    r = tc("order", "create", "--seller", "seller", "--amount", "1 ETH", *extra, "--json")
    validate("order.create", r.output)
    return json.loads(r.output)["orderId"]


def test_a_tranched_order_with_an_ebl_from_order_to_release(tc):
    oid = _create(tc, "--tranche", "30%:ExportCleared", "--tranche", "70%:end", "--ebl", "1")
    shown = tc("order", "show", str(oid)).output
    assert "tranche 1: 30% = 0.3 ETH on export cleared — waiting (pays for the documents" in shown
    assert "tranche 2: 70% = 0.7 ETH on end of the inspection window — waiting" in shown
    assert "payment schedule fixed" in shown
    tc("order", "ship", str(oid))
    assert "eBL title: issued, held by TradeEscrow, beneficiary seller" in tc("order", "show", str(oid)).output
    early = tc("order", "release-tranche", str(oid), "1", ok=False)
    assert early.exit_code == 1 and "waits for ExportCleared" in early.output and "Traceback" not in early.output
    blocked = tc("order", "deliver", str(oid), ok=False)
    assert blocked.exit_code == 1 and "surrender" in blocked.output
    tc("order", "checkpoint", str(oid), "ExportCleared", "--location", "CNSZX", "--account", "customs")
    r = tc("order", "release-tranche", str(oid), "--json")
    validate("order.release-tranche", r.output)
    assert [t["number"] for t in json.loads(r.output)["tranches"]] == [1]
    r = tc("ebl", "show", str(oid), "--json")
    validate("ebl.show", r.output)
    assert json.loads(r.output)["holder"]["name"] == "buyer"
    r = tc("ebl", "endorse", str(oid), "buyer2", "--json")
    validate("ebl.endorse", r.output)
    not_holder = tc("ebl", "surrender", str(oid), ok=False)
    assert not_holder.exit_code == 1 and "only the holder" in not_holder.output
    r = tc("ebl", "surrender", str(oid), "--account", "buyer2", "--json")
    validate("ebl.surrender", r.output)
    assert json.loads(r.output)["status"] == "Surrendered"
    tc("order", "deliver", str(oid), "--location", "DEHAM")
    data = json.loads(tc("order", "show", str(oid), "--json").output)
    validate("order.show", json.dumps(data))
    assert [t["status"] for t in data["tranches"]] == ["released", "waiting"]
    assert data["title"]["status"] == "Surrendered"
    words = {row["action"] for row in data["timeline"]}
    assert {"payment schedule fixed", "eBL issued", "tranche 1 released (export cleared)", "eBL endorsed",
            "eBL surrendered for delivery"} <= words
    nothing = tc("ebl", "claim", str(oid), ok=False)
    assert nothing.exit_code == 1 and "not offered" in nothing.output


def test_schedule_mistakes_are_one_line_usage_errors(tc):
    cases = [
        (["--tranche", "30%:ExportCleared", "--tranche", "60%:end"], "add up to 90 %"),
        (["--tranche", "30%:ExportCleared", "--tranche", "70%:Arrived"], "last tranche must be released at End"),
        (["--tranche", "30%:Teleported", "--tranche", "70%:end"], "unknown tranche trigger"),
        (["--tranche", "thirty:Shipped", "--tranche", "70%:end"], "bad tranche share"),
        (["--tranche", "30%"], "give SHARE:TRIGGER"),
        (["--tranche", "50%:Arrived", "--tranche", "50%:ExportCleared"], "logistics order"),
        (["--tranche", "30%:Delivered", "--tranche", "70%:end", "--ebl", "1"], "must come before Delivered"),
        (["--ebl", "1"], "give the schedule with --tranche"),
        (["--tranche", "10%:Shipped", "--tranche", "10%:ExportCleared", "--tranche", "10%:Arrived",
          "--tranche", "10%:ImportCleared", "--tranche", "60%:end"], "at most 4 tranches"),
    ]
    for args, words in cases:
        r = tc("order", "create", "--seller", "seller", "--amount", "1 ETH", *args, ok=False)
        assert r.exit_code == 2 and words in r.output and "Traceback" not in r.output, (args, r.output)
        assert len(r.output.strip().splitlines()) == 1, r.output


def test_ebl_and_tranche_commands_on_a_plain_order_say_what_to_do(tc):
    oid = _create(tc)
    r = tc("ebl", "show", str(oid), ok=False)
    assert r.exit_code == 2 and "has no electronic bill of lading" in r.output
    r = tc("order", "release-tranche", str(oid), ok=False)
    assert r.exit_code == 2 and f"order release {oid}" in r.output
    assert "tranche" not in tc("order", "show", str(oid)).output
