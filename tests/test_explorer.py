"""The explorer over an indexed chain (the demo's trades), through Starlette's test client: every page renders
from the same query function as its /api twin and the CLI, bad routes and ids are 404 pages, the OpenAPI
description lists the API, and the verify page's keccak-256 (JavaScript) matches eth_utils."""

from __future__ import annotations

import subprocess

import pytest
from eth_utils import keccak
from starlette.testclient import TestClient

from tradechain.explorer.app import HERE, create_app
from tradechain.index import queries

from explorer_kit import cold_chain_batch, demo  # noqa: F401 (demo: the module's indexed demo chain)


@pytest.fixture(scope="module")
def web(demo):
    return TestClient(create_app(demo.site), raise_server_exceptions=False)


def test_order_page_and_api_show_the_order_as_the_cli_does(demo, web):
    page = web.get("/order/1")
    assert page.status_code == 200
    api = web.get("/api/order/1").json()
    from tradechain.cli.context import jsonable
    from tradechain.vocabulary import ETH

    from tradechain.timeline import FULL_HASHES

    site = queries.Site(demo.node)
    whole = FULL_HASHES.set(True)  # as the CLI's --json: hashes in the timeline's words whole, pages cut them short
    try:
        assert api == jsonable(queries.plain(queries.order_view(site, 1)), {ETH: "ETH", **site.names})
    finally:
        FULL_HASHES.reset(whole)
    shipped = next(r for r in api["timeline"] if r["event"] == "OrderShipped")
    assert "…" not in shipped["detail"] and "…" in page.text
    assert api["state"] == "Released"
    for row in api["timeline"]:
        assert row["action"] in page.text and row["tx"][:12] in page.text
    assert "evidence.zip" in page.text and "confirmation" in page.text


def test_trace_batch_invoice_seller_and_tx_pages_render(demo, web):
    batch = cold_chain_batch(demo)
    trace = web.get("/api/trace/4").json()
    assert trace["verified"]["ok"] and trace["breaches"]
    assert "log verified against the on-chain head" in web.get("/trace/4").text
    page = web.get(f"/batch/{batch}")
    assert page.status_code == 200 and "VAX-FLU-2026-17" in page.text and "BROKEN" in page.text
    assert web.get(f"/item/{batch}", follow_redirects=False).headers["location"] == f"/batch/{batch}"
    invoice = web.get("/api/invoice/3").json()
    assert invoice["invoice"]["holder"] == {"address": demo.node.deployment.accounts["financier"], "name": "financier"}
    assert any(r["event"] == "InvoiceSold" for r in invoice["history"])
    assert "Holder history" in web.get("/invoice/3").text
    assert web.get("/api/seller/seller").json()["record"]["completed"] >= 1
    assert "Seller seller" in web.get(f"/seller/{demo.node.deployment.accounts['seller']}").text
    tx = trace["entries"][0]["tx"]
    assert "Checkpoint" in web.get(f"/tx/{tx}").text


def test_typed_tables_answer_as_the_chain_does(demo, web):
    """Readings, breaches and batches (trace, batch page) and advance offers (invoice) read from the index's
    typed tables give what the events and the contract give."""
    from sqlalchemy import func, select

    from tradechain.index.schema import batches, breaches, financing, readings

    with demo.indexer.engine.connect() as conn:
        counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                  for t in (financing, readings, breaches, batches)}
    assert all(counts.values()), counts  # the demo lists, sells and advances, records readings, a breach, a batch
    indexed, node = demo.site, queries.Site(demo.node)
    batch = cold_chain_batch(demo)
    from tradechain.vocabulary import parse_item

    items = [parse_item(batch)] + [oid for oid in range(1, demo.node.escrow.order_count() + 1)]
    for item in items:
        assert queries.trace_view(indexed, item) == queries.trace_view(node, item)
    for iid in queries.invoice_ids(node):
        assert queries.invoice_view(indexed, iid) == queries.invoice_view(node, iid)
    listed = web.get("/api/batches").json()
    assert listed["total"] == counts["batches"] and any(b["breached"] for b in listed["batches"])
    page = web.get("/batches")
    assert page.status_code == 200 and batch in page.text and "limit breached" in page.text


@pytest.mark.parametrize("path", ["/order/999", "/order/abc", "/trace/999", "/batch/B999", "/invoice/999",
                                  "/tx/0x1234", "/no/such/page", "/seller/nobody"])
def test_unknown_ids_and_routes_are_404_pages_not_tracebacks(web, path):
    page = web.get(path)
    assert page.status_code == 404, page.text
    assert "Not found" in page.text and "Traceback" not in page.text
    api = web.get("/api" + path if not path.startswith("/no") else "/api/no/such")
    assert api.status_code == 404 and "error" in api.json()


def test_verify_finds_a_document_anchored_anywhere_and_says_not_anchored_otherwise(demo, web):
    dispute = next(r for r in queries.order_view(demo.site, 2)["timeline"] if r["event"] == "OrderDisputed")
    found = [a for a in web.get("/api/document/0x" + "00" * 31 + "01").json()["matches"]]
    assert found == []
    from sqlalchemy import select

    from tradechain.index.schema import anchors

    with demo.indexer.engine.connect() as conn:
        rows = conn.execute(select(anchors.c.doc_hash, anchors.c.role)).all()
    roles = {role.split(" (")[0] for _, role in rows}
    assert "dispute evidence" in roles and any(r.startswith("CustomsDeclaration") for r in roles)
    evidence = next(h for h, role in rows if role == "dispute evidence")
    hit = web.get(f"/api/document/{evidence}").json()
    assert hit["anchored"] and hit["matches"][0]["item"] == "2" and dispute["tx"] == hit["matches"][0]["tx"]
    page = web.get(f"/verify?hash={evidence}")
    assert "anchored" in page.text and "dispute evidence" in page.text
    assert "NOT anchored" in web.get("/verify?hash=0x" + "ab" * 32).text
    assert web.get("/verify?hash=nonsense").status_code == 400


def test_openapi_lists_every_api_route(web):
    spec = web.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/order/{oid}", "/api/trace/{item}", "/api/batch/{batch}", "/api/invoice/{iid}",
                 "/api/document/{hash}", "/api/orders"):
        assert path in spec["paths"]


def test_orders_api_pages_through_the_index(demo, web):
    first = web.get("/api/orders?limit=2").json()
    rest = web.get("/api/orders?limit=50&offset=2").json()
    assert [o["id"] for o in first["orders"] + rest["orders"]] == [o.id for o in demo.node.escrow.list_orders()]


def test_the_pages_keccak_matches_eth_utils():
    script = HERE / "static" / "keccak.js"
    for data in (b"", b"abc", bytes(range(256)) * 3, b"x" * 135, b"x" * 136, b"x" * 137):
        out = subprocess.run(["node", "-e", f"process.stdout.write(require({str(script)!r})"
                                            f"(Buffer.from({data.hex()!r}, 'hex')))"],
                             capture_output=True, text=True, check=True).stdout
        assert out == "0x" + keccak(data).hex()
