"""A JSON-RPC proxy in front of a real node that fails the way public RPC endpoints do: HTTP 429 and 503, a
connection dropped without an answer, and (optionally) a dropped answer after the request reached the node.

`faults` is a list consumed one per request: "429", "503", "reset" (close before forwarding), "lost" (forward,
then close without answering), or None (forward normally); a (method, fault) pair waits for a request of that
method. Requests past the list are forwarded normally.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator


class Proxy:
    def __init__(self, upstream: str, faults: list[str | None]):
        self.upstream = upstream
        self.faults = list(faults)
        self.seen: list[tuple[str, str]] = []  # (method, what happened)
        self.lock = threading.Lock()

    def next_fault(self, method: str) -> str | None:
        with self.lock:
            fault = None
            if self.faults:
                head = self.faults[0]
                if not isinstance(head, tuple):
                    fault = self.faults.pop(0)
                elif head[0] == method:  # (method, fault): waits for a request of that method
                    fault = self.faults.pop(0)[1]
            self.seen.append((method, fault or "ok"))
            return fault

    def forward(self, body: bytes) -> bytes:
        req = urllib.request.Request(self.upstream, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.read()


def _handler(proxy: Proxy):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args):  # quiet
            pass

        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                method = json.loads(body).get("method", "?")
            except ValueError:
                method = "?"
            fault = proxy.next_fault(method)
            if fault in ("429", "503"):
                self.send_response(int(fault))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if fault == "reset":
                self.close_connection = True
                self.connection.close()
                return
            answer = proxy.forward(body)
            if fault == "lost":
                self.close_connection = True
                self.connection.close()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    return Handler


@contextmanager
def flaky(upstream: str, faults: list[str | None] = ()) -> Iterator[tuple[str, Proxy]]:
    """Yield (proxy URL, proxy); the proxy stops afterwards."""
    proxy = Proxy(upstream, list(faults))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(proxy))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", proxy
    finally:
        server.shutdown()
        server.server_close()
