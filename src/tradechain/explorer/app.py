"""Routes of the explorer. Every HTML page has its JSON at /api/… (the same dict the CLI's --json prints);
pages read without JavaScript (the verify page uses it only to hash a dropped file in the browser).

Bad routes and unknown ids get a 404 page (or JSON under /api/), never a traceback.
"""

from __future__ import annotations

import contextlib
import re
import threading
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from tradechain import timeline
from tradechain.errors import TradechainError
from tradechain.index import queries
from tradechain.index.queries import NotFound, Site
from tradechain.vocabulary import BATCH_BASE, item_label

HERE = Path(__file__).parent
HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")


def create_app(site: Site, *, base_url: str = "") -> Starlette:
    """The ASGI app over `site` (client with index reads + index engine). Requests run in worker threads; on
    the embedded chain they take turns (eth-tester is not made for concurrent calls), on a JSON-RPC node and a
    database with a connection pool they run side by side."""
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(iso=timeline.iso, item_label=item_label, BATCH_BASE=BATCH_BASE)
    lock = threading.Lock() if site.client.chain.in_process else contextlib.nullcontext()

    def as_json(data):
        """The CLI's JSON style (cli.context.jsonable): addresses as {address, name}, bytes as 0x hex."""
        from tradechain.cli.context import jsonable
        from tradechain.vocabulary import ETH

        return jsonable(queries.plain(data), {ETH: "ETH", **site.names})

    def query(fn, *args, **kw):
        with lock:
            return fn(site, *args, **kw)

    def page(request: Request, template: str, data: dict, *, title: str, status_code: int = 200):
        with lock:
            st = queries.status(site)
        return templates.TemplateResponse(request, template, {"d": data, "title": title, "status": st,
                                                              "label": site.label, "base_url": base_url},
                                          status_code=status_code)

    def both(name: str, fn, template: str, title):
        """An HTML route and its /api twin over one query function."""

        async def html(request: Request):
            data = await _run(request, fn)
            return page(request, template, data, title=title(data))

        async def api(request: Request):
            return JSONResponse(as_json(await _run(request, whole_hashes(fn))))

        return html, api

    def whole_hashes(fn):
        """`fn` with every hash in its words whole: the JSON API answers what the CLI's --json prints (pages cut
        them short for reading)."""
        def run(request):
            token = timeline.FULL_HASHES.set(True)
            try:
                return fn(request)
            finally:
                timeline.FULL_HASHES.reset(token)

        return run

    async def _run(request, fn):
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(fn, request)

    # ---- query adapters: path parameters in, query function out
    def order_q(request):
        return query(queries.order_view, _int(request.path_params["oid"], "order"))

    def trace_q(request):
        return query(queries.trace_view, _item(request.path_params["item"]))

    def batch_q(request):
        text = request.path_params["batch"]
        return query(queries.trace_view, _item(text if text.upper().startswith("B") else "B" + text))

    def invoice_q(request):
        return query(queries.invoice_view, _int(request.path_params["iid"], "invoice"))

    def seller_q(request):
        return query(queries.seller_view, request.path_params["who"])

    def tx_q(request):
        tx = request.path_params["tx"]
        if not HASH.match(tx):
            raise NotFound(f"{tx!r} is not a transaction hash (0x followed by 64 hex digits)")
        return query(queries.tx_view, tx)

    def page_of(request) -> dict:
        limit = _int(request.query_params.get("limit", "50"), "limit")
        return {"limit": min(limit, 500), "offset": _int(request.query_params.get("offset", "0"), "offset", low=0)}

    def orders_q(request):
        return query(queries.order_list, **page_of(request))

    def batches_q(request):
        return query(queries.batch_list, **page_of(request))

    def document_q(request):
        h = request.path_params["hash"]
        if not HASH.match(h):
            raise NotFound(f"{h!r} is not a keccak-256 hash (0x followed by 64 hex digits)")
        return query(queries.find_document, h)

    def status_q(request):
        return query(queries.status)

    order_html, order_api = both("order", order_q, "order.html", lambda d: f"Order #{d['id']}")
    trace_html, trace_api = both("trace", trace_q, "trace.html", lambda d: d["label"])
    batch_html, batch_api = both("batch", batch_q, "batch.html", lambda d: d["label"])
    invoice_html, invoice_api = both("invoice", invoice_q, "invoice.html", lambda d: f"Invoice #{d['invoice']['id']}")
    seller_html, seller_api = both("seller", seller_q, "seller.html", lambda d: f"Seller {d['name'] or d['seller']}")
    tx_html, tx_api = both("tx", tx_q, "tx.html", lambda d: f"Transaction {d['tx'][:12]}…")
    orders_html, orders_api = both("orders", orders_q, "home.html", lambda d: "Orders")
    batches_html, batches_api = both("batches", batches_q, "batches.html", lambda d: "Product batches")
    _, document_api = both("document", document_q, "verify.html", lambda d: "Verify")

    async def verify_html(request: Request):
        h = request.query_params.get("hash", "").strip()
        data = {"hash": h, "anchored": None, "matches": []}
        if h:
            if not HASH.match(h):
                return page(request, "verify.html", {**data, "error": "give 0x followed by 64 hex digits"},
                            title="Verify a document", status_code=400)
            from starlette.concurrency import run_in_threadpool

            data = await run_in_threadpool(query, queries.find_document, h)
        return page(request, "verify.html", data, title="Verify a document")

    async def evidence_zip(request: Request):
        from starlette.concurrency import run_in_threadpool

        from tradechain import evidence

        oid = _int(request.path_params["oid"], "order")
        blob = await run_in_threadpool(query, evidence.build, oid)
        return Response(blob, media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="order-{oid}-evidence.zip"'})

    async def item_redirect(request: Request):
        """/item/7 -> the shipment trace; /item/B3 -> the batch page (QR codes may carry either)."""
        item = _item(request.path_params["item"])
        target = f"/batch/B{item - BATCH_BASE}" if item >= BATCH_BASE else f"/trace/{item}"
        return RedirectResponse(target, status_code=302)

    async def openapi(request: Request):
        return JSONResponse(OPENAPI)

    async def not_found(request: Request, exc: Exception):
        message = str(exc.detail) if isinstance(exc, HTTPException) else str(exc)
        if isinstance(exc, HTTPException) and exc.status_code == 404:
            message = f"there is no page at {request.url.path}"
        code = exc.status_code if isinstance(exc, HTTPException) else 404
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=code)
        return templates.TemplateResponse(request, "notfound.html", {"message": message, "title": "Not found",
                                                                     "status": None, "base_url": base_url},
                                          status_code=code)

    async def failed(request: Request, exc: Exception):
        message = str(exc) if isinstance(exc, TradechainError) else f"the explorer could not answer ({type(exc).__name__})"
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=500)
        return templates.TemplateResponse(request, "notfound.html", {"message": message, "title": "Error",
                                                                     "status": None, "base_url": base_url},
                                          status_code=500)

    routes = [
        Route("/", orders_html), Route("/orders", orders_html), Route("/api/orders", orders_api),
        Route("/order/{oid}", order_html), Route("/api/order/{oid}", order_api),
        Route("/order/{oid}/evidence.zip", evidence_zip),
        Route("/trace/{item}", trace_html), Route("/api/trace/{item}", trace_api),
        Route("/batches", batches_html), Route("/api/batches", batches_api),
        Route("/batch/{batch}", batch_html), Route("/api/batch/{batch}", batch_api),
        Route("/item/{item}", item_redirect),
        Route("/invoice/{iid}", invoice_html), Route("/api/invoice/{iid}", invoice_api),
        Route("/seller/{who}", seller_html), Route("/api/seller/{who}", seller_api),
        Route("/tx/{tx}", tx_html), Route("/api/tx/{tx}", tx_api),
        Route("/verify", verify_html), Route("/api/document/{hash}", document_api),
        Route("/api/status", lambda r: JSONResponse(as_json(status_q(r)))),
        Route("/api/openapi.json", openapi),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    return Starlette(routes=routes, exception_handlers={404: not_found, 400: not_found, NotFound: not_found,
                                                        Exception: failed})


def _int(text: str, what: str, low: int = 1) -> int:
    if not text.isdigit() or int(text) < low:
        raise NotFound(f"{what} {text!r} is not a number (give {what} as digits, like 7)")
    return int(text)


def _item(text: str) -> int:
    from tradechain.vocabulary import parse_item

    try:
        return parse_item(text)
    except TradechainError as exc:
        raise NotFound(str(exc)) from None


def _path(summary: str, param: str | None = None, schema: str = "string") -> dict:
    op = {"summary": summary, "responses": {"200": {"description": "the same object the CLI's --json prints"},
                                            "404": {"description": "unknown id: {\"error\": message}"}}}
    if param:
        op["parameters"] = [{"name": param, "in": "path", "required": True, "schema": {"type": schema}}]
    return {"get": op}


def _list_path(summary: str, key: str) -> dict:
    """A paged list: ?limit= (at most 500) and ?offset=."""
    return {"get": {"summary": summary, "parameters": [
        {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 50, "maximum": 500}},
        {"name": "offset", "in": "query", "schema": {"type": "integer", "default": 0}}],
        "responses": {"200": {"description": f"{{{key}: [...], total}}"}}}}


OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "tradechain explorer API", "version": "1",
             "description": "Read-only JSON over the tradechain index. Shapes match `tradechain … --json`."},
    "paths": {
        "/api/orders": _list_path("orders by id (`order list --json`)", "orders"),
        "/api/batches": _list_path("product batches, newest first, with a breach flag", "batches"),
        "/api/order/{oid}": _path("one order with its timeline (`order show ID --json`)", "oid", "integer"),
        "/api/trace/{item}": _path("a shipment (7) or batch (B3) log verified against the on-chain head "
                                   "(`trace ITEM --json`)", "item"),
        "/api/batch/{batch}": _path("a product batch, as a consumer sees it (`trace B3 --json`)", "batch"),
        "/api/invoice/{iid}": _path("an invoice for a financier (`invoice show ID --json` + holder history)", "iid",
                                    "integer"),
        "/api/seller/{who}": _path("a seller's track record and orders", "who"),
        "/api/tx/{tx}": _path("one transaction's decoded events", "tx"),
        "/api/document/{hash}": _path("every anchor of a document's keccak-256 (`verify FILE --json`)", "hash"),
        "/api/status": _path("chain head, index cursor, lag and finality depth"),
        "/order/{oid}/evidence.zip": _path("the order's evidence bundle (`evidence ORDER --out bundle.zip`)", "oid",
                                           "integer"),
    },
}
