"""The explorer in a real headless Chromium (Debian's, driven by Playwright): open the URL a QR code carries,
read an order's timeline, drop a file on the verify page and see it found, see a tampered log shown as not
verified. A screenshot of every page is kept in test-artifacts/screenshots/."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import select, update

from tradechain.explorer.app import create_app
from tradechain.index.schema import logs

from anvil import free_port
from explorer_kit import cold_chain_batch, demo  # noqa: F401 (demo: the module's indexed demo chain)

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]


@pytest.fixture(scope="module")
def server(demo):
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(demo.site), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "Chromium is missing: `make test-deps` installs Debian's chromium"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone: the consumer's case
    p = context.new_page()
    yield p
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_qr_codes_url_opens_the_batch_page(demo, server, page, tmp_path):
    import segno
    import zxingcpp
    from PIL import Image

    from tradechain.cli.trace import qr_payload
    from tradechain.vocabulary import parse_item

    batch = cold_chain_batch(demo)
    png = tmp_path / "qr.png"
    segno.make(qr_payload(server, parse_item(batch)), error="m").save(str(png), scale=6)
    url = zxingcpp.read_barcodes(Image.open(png))[0].text
    page.goto(url)
    assert "VAX-FLU-2026-17" in page.inner_text("h1")
    assert "BROKEN" in page.inner_text("#coldchain")
    assert "verified against the on-chain head" in page.inner_text("#verdict")
    shot(page, "batch")


def test_an_orders_timeline_reads_in_the_browser(demo, server, page):
    page.goto(f"{server}/order/1")
    assert page.inner_text("#state") == "Released"
    rows = page.locator("#timeline tr").all_inner_texts()
    assert any("placed and paid" in r for r in rows) and any("released" in r for r in rows)
    shot(page, "order")
    page.click("text=shipment trace")
    assert "verified" in page.inner_text("#verdict")
    shot(page, "trace")
    for path, name in (("/invoice/3", "invoice"), ("/seller/seller", "seller"), ("/", "orders"),
                       ("/order/999", "notfound")):
        page.goto(server + path)
        shot(page, name)
    assert "there is no order 999" in page.inner_text("#message")


def test_a_dropped_file_is_hashed_in_the_page_and_found(demo, server, page, tmp_path):
    from eth_utils import keccak

    blob = tmp_path / "damage-report.txt"
    blob.write_bytes(b"inspection report: 240 m water-damaged")  # the demo's dispute evidence (demo.py)
    requests = []
    page.on("request", lambda r: requests.append(r))
    page.goto(f"{server}/verify")
    page.set_input_files("#file", str(blob))
    page.wait_for_selector("#result p.ok")
    assert "dispute evidence" in page.inner_text("#result") and "order #2" in page.inner_text("#result")
    assert page.input_value("#hash") == "0x" + keccak(blob.read_bytes()).hex()
    assert all(r.method == "GET" and not r.post_data for r in requests)  # the file never left the browser
    shot(page, "verify-found")
    other = tmp_path / "other.txt"
    other.write_bytes(b"not anchored anywhere")
    page.set_input_files("#file", str(other))
    page.wait_for_selector("#result p.bad")
    assert "NOT anchored" in page.inner_text("#result")
    shot(page, "verify-not-found")


def test_a_tampered_log_in_the_index_shows_as_not_verified(demo, server, page):
    """The explorer does not trust its own database: a Checkpoint altered in the index no longer folds to the
    head the contract holds, and the page says so."""
    checkpoint = demo.node.tx.topic("Provenance", "Checkpoint")
    with demo.indexer.engine.begin() as conn:
        row = conn.execute(select(logs).where(logs.c.address == demo.node.provenance.address.lower(),
                                              logs.c.topic0 == checkpoint,
                                              logs.c.topic1 == "0x" + (4).to_bytes(32, "big").hex())
                           .order_by(logs.c.block_number)).first()
        data = row.data
        forged = data[:-64] + ("ff" * 32)  # the last word of a Checkpoint's data is its head
        conn.execute(update(logs).where(logs.c.block_hash == row.block_hash, logs.c.log_index == row.log_index)
                     .values(data=forged))
    try:
        page.goto(f"{server}/trace/4")
        assert "NOT VERIFIED" in page.inner_text("#verdict")
        shot(page, "trace-tampered")
    finally:
        with demo.indexer.engine.begin() as conn:
            conn.execute(update(logs).where(logs.c.block_hash == row.block_hash, logs.c.log_index == row.log_index)
                         .values(data=data))
