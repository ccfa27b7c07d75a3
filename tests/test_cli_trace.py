"""`tradechain provenance …`, `trace`, `verify` and `verify-log` as a user runs them, against a real anvil."""

import json

import pytest


@pytest.fixture(scope="module")
def journey(tc, tmp_path_factory):
    """A batch and a cold-chain order with a temperature breach, recorded step by step through the CLI."""
    files = tmp_path_factory.mktemp("docs")
    cert, bol, decl = (files / n for n in ("cert.pdf", "bol.pdf", "declaration.pdf"))
    cert.write_bytes(b"GMP certificate")
    bol.write_bytes(b"bill of lading MSKU1")
    decl.write_bytes(b"customs declaration 26DE")
    batch = json.loads(tc("provenance", "register", "--sku", "VAX-17", "--origin", "cn", "--quantity", "500",
                          "--certificate", str(cert), "--location", "CNSZX", "--json").output)["batch"]
    oid = json.loads(tc("order", "create", "--seller", "seller", "--amount", "1 ETH", "--json").output)["orderId"]
    tc("provenance", "limits", str(oid), "--temp", "2..8", "--humidity-max", "60", "--shock-max", "5")
    tc("order", "ship", str(oid), "--bol", str(bol))
    assert "its carrier accepts" in tc("provenance", "link", batch, str(oid)).output  # issue 10: a request
    assert "linked to order" in tc("provenance", "accept-link", batch, str(oid)).output
    tc("provenance", "handover", batch, "--to", "carrier")
    tc("provenance", "take", batch, "--location", "CNSZX", "--account", "carrier")
    tc("order", "checkpoint", str(oid), "picked-up", "--location", "CNSZX")
    tc("provenance", "leg", str(oid), "--mode", "sea", "--from", "CNSZX", "--to", "DEHAM", "--km", "18000",
       "--kg", "500", "--factor", "8")
    signed = files / "departed.json"
    tc("provenance", "sign", str(oid), "departed", "--location", "CNYTN", "--out", str(signed))
    tc("provenance", "relay", str(signed), "--account", "keeper")
    breach = tc("provenance", "reading", str(oid), "--value", "temperature=11.5", "--value", "humidity=40").output
    tc("provenance", "document", str(oid), "CustomsDeclaration", str(decl), "--account", "customs")
    tc("order", "deliver", str(oid), "--location", "DEHAM")
    return {"batch": batch, "order": oid, "files": files, "decl": decl, "bol": bol, "cert": cert, "signed": signed,
            "breach": breach}


def test_a_breached_reading_is_reported_when_recorded(journey):
    assert "BREACH of agreed limits: Temperature" in journey["breach"]


def test_trace_json_tells_the_whole_journey(tc, journey):
    data = json.loads(tc("trace", str(journey["order"]), "--json").output)
    accounts = {a["name"]: a["address"]["address"] for a in json.loads(tc("accounts", "--json").output)["accounts"]}
    assert data["verified"]["ok"] and data["limits"]["tempMax"] == 8
    kinds = [e["kind"] for e in data["entries"]]
    assert kinds == ["Linked", "PickedUp", "Leg", "Departed", "Reading", "Document", "Delivered"]
    departed = data["entries"][3]
    assert departed["actorName"] == "carrier" and departed["place"] == "CNYTN"  # signed by carrier, relayed by keeper
    assert [(r["sensor"], r["value"], r["breach"]) for r in data["readings"]] == [
        ("Temperature", 11.5, True), ("Humidity", 40.0, False)]
    assert data["legs"][0]["grams"] == 72_000 and data["carbonTotalGrams"] == 72_000
    batch = data["linked"][0]
    assert batch["batch"]["sku"] == "VAX-17" and batch["batch"]["origin"] == "CN" and batch["verified"]["ok"]
    # every party as {address, name}, never a bare name
    named = lambda who: {"address": accounts[who], "name": who}  # noqa: E731
    assert [(c["from"], c["to"]) for c in batch["custody"]] == [(named("seller"), named("carrier"))]
    assert batch["custodian"] == named("carrier") and batch["batch"]["producer"] == named("seller")
    assert data["order"]["buyer"] == named("buyer") and data["documents"][0]["by"] == named("customs")
    assert batch["carbonTotalGrams"] == 72_000


def test_the_breach_keeps_the_order_disputable_after_confirmation(tc, journey):
    oid = str(journey["order"])
    tc("order", "confirm", oid)
    tc("order", "dispute", oid)
    shown = json.loads(tc("order", "show", oid, "--json").output)
    assert shown["state"] == "Disputed"
    assert "confirmed, release deferred" in [row["action"] for row in shown["timeline"]]


def test_trace_for_people_highlights_the_breach_and_carbon(tc, journey):
    out = tc("trace", str(journey["order"])).output
    assert "log verified against the on-chain head" in out
    assert "BREACH" in out and "carbon total" in out and "72.0 kg CO2e" in out
    words = " ".join(out.split())  # the table folds long cells at 80 columns
    assert "producer seller" in words and "buyer buyer, seller seller" in words
    assert "custody seller -> carrier" in words.replace("\n", " "), out


def test_trace_cuts_hashes_short_and_prints_them_whole_with_full(tc, journey):
    data = json.loads(tc("trace", str(journey["order"]), "--json").output)
    short, full = (tc("trace", str(journey["order"]), *flag).output for flag in ((), ("--full",)))
    doc = next(e["details"]["docHash"] for e in data["entries"] if e["kind"] == "Document")
    assert doc not in short and doc[:12] + "…" in short and data["head"] not in short
    assert doc in full and data["head"] in full


def test_trace_writes_a_qr_code(tc, journey, tmp_path):
    png = tmp_path / "item.png"
    tc("trace", journey["batch"], "--qr", str(png), "--explorer-url", "https://explorer.example/", "--json")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import zxingcpp
    from PIL import Image

    url = zxingcpp.read_barcodes(Image.open(png))[0].text
    assert url == f"https://explorer.example/batch/{journey['batch']}"
    assert json.loads(tc("trace", url, "--json").output) == json.loads(tc("trace", journey["batch"], "--json").output)
    terminal = tc("trace", journey["batch"], "--qr", "-").output
    assert "\u2580" in terminal or "\u2584" in terminal or "\u2588" in terminal  # half-block QR modules
    bad = tc("trace", journey["batch"], "--qr", str(tmp_path / "item.jpg"), ok=False)
    assert bad.exit_code == 2 and "ending in .png" in bad.output


def test_qr_payload_is_the_items_explorer_page_and_trace_reads_it_back():
    from tradechain.cli.trace import item_from_url, qr_payload
    from tradechain.errors import UsageError
    from tradechain.vocabulary import BATCH_BASE

    assert qr_payload("https://x.example/", BATCH_BASE + 1) == "https://x.example/batch/B1"
    assert qr_payload("http://127.0.0.1:8000", 7) == "http://127.0.0.1:8000/trace/7"
    assert item_from_url("https://x.example/batch/B1") == "B1" and item_from_url("http://h/trace/7") == "7"
    with pytest.raises(UsageError, match="not an explorer link"):
        item_from_url("https://x.example/elsewhere")


def test_verify_says_who_anchored_a_file_and_when(tc, journey, tmp_path):
    out = tc("verify", str(journey["decl"]), "--item", str(journey["order"])).output
    assert out.startswith("anchored:") and "CustomsDeclaration" in out and "by customs" in out
    bol = json.loads(tc("verify", str(journey["bol"]), "--item", str(journey["order"]), "--json").output)
    assert bol["anchored"] and bol["matches"][0]["as"] == "bill of lading (at shipping)"
    assert "batch certificate" in tc("verify", str(journey["cert"]), "--item", journey["batch"]).output
    other = tmp_path / "forged.pdf"
    other.write_bytes(b"customs declaration 26DE (edited)")
    missing = tc("verify", str(other), "--item", str(journey["order"]), ok=False)
    assert missing.exit_code == 1 and missing.output.startswith("NOT anchored")


def test_verify_log_accepts_a_true_copy_and_rejects_a_tampered_one(tc, journey, tmp_path):
    saved = tmp_path / "trace.json"
    saved.write_text(tc("trace", str(journey["order"]), "--json").output)
    assert tc("verify-log", str(saved)).output.startswith("verified:")
    data = json.loads(saved.read_text())
    reading = next(e for e in data["entries"] if e["kind"] == "Reading")
    reading["details"]["packed"] = reading["details"]["packed"].replace("047e", "01f4")  # 11.5 °C -> 5 °C
    assert reading["details"]["packed"] != json.loads(saved.read_text())["entries"][4]["details"]["packed"]
    saved.write_text(json.dumps(data))
    for extra in ((), ("--offline",)):
        bad = tc("verify-log", str(saved), *extra, ok=False)
        assert bad.exit_code == 1 and "TAMPERED" in bad.output


def test_a_replayed_signed_checkpoint_is_one_clear_line(tc, journey):
    again = tc("provenance", "relay", str(journey["signed"]), ok=False)
    assert again.exit_code == 1 and "nonce" in again.output and again.output.count("\n") == 1


@pytest.mark.parametrize("args,message", [
    (("trace", "B0"), "bad item"),
    (("trace", "B99"), "no batch"),
    (("provenance", "leg", "1", "--mode", "boat", "--from", "A", "--to", "B", "--km", "1", "--kg", "1",
      "--factor", "1"), "unknown transport mode"),
    (("provenance", "limits", "1", "--temp", "cold"), "--temp"),
    (("provenance", "reading", "1", "--value", "temperature"), "SENSOR=VALUE"),
])
def test_bad_input_is_one_line(tc, journey, args, message):
    result = tc(*args, ok=False)
    assert result.exit_code in (1, 2) and message in result.output and result.output.count("\n") == 1
