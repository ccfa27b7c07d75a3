"""JSON-RPC straight over one keep-alive HTTP session: what RpcChain asks a node itself, without web3.

web3's request pipeline (middleware, argument validation through `inspect`, result formatters) cost more CPU per
transaction than anvil's whole EVM run, and `import web3` alone is about 1 s: commands that only read a chain,
and the transaction layer's own requests, go through this instead. The retry rule is web3's own
(chain.retry_configuration builds the same for web3's provider): transient failures (connection refused or
reset, timeouts, HTTP 429 and 5xx) of requests that cannot act twice are retried RETRIES times with a
0.125 s x 2^n backoff; a send the node signs (it picks the nonce) is never retried.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import requests

from tradechain.errors import RpcError

RETRIES = 5  # attempts per request on a transient failure (1.9 s of backoff in all)
BACKOFF = 0.125
TRANSIENT = (ConnectionError, requests.ConnectionError, requests.HTTPError, requests.Timeout)
# Methods whose repetition cannot do anything twice: reads, fee history, time control on a devnet, and a signed
# transaction (resent, the node answers "already known"). Prefixes end in "_".
IDEMPOTENT = ("net_", "web3_", "txpool_", "evm_", "anvil_", "hardhat_", "eth_chainId", "eth_gasPrice",
              "eth_accounts", "eth_blockNumber", "eth_get", "eth_call", "eth_estimateGas", "eth_feeHistory",
              "eth_maxPriorityFeePerGas", "eth_createAccessList", "eth_simulateV1", "eth_syncing",
              "eth_sendRawTransaction", "eth_signTypedData")
HEADERS = {"Content-Type": "application/json"}


def retried(method: str) -> bool:
    return method.startswith(IDEMPOTENT) and not method.startswith("eth_sendRawTransactionSync")


class Connection:
    """One node's URL and the keep-alive session every request to it goes through."""

    def __init__(self, url: str, session: requests.Session, timeout: float):
        self.url, self.session, self.timeout = url, session, timeout
        self._ids = itertools.count(1)

    def post(self, payload: Any, method: str, timeout: float | None = None) -> Any:
        """POST one request or a batch; the decoded JSON answer. Retried as the module says."""
        body = json.dumps(payload, separators=(",", ":"))
        attempts = RETRIES if retried(method) else 1
        for attempt in range(attempts):
            try:
                response = self.session.post(self.url, data=body, headers=HEADERS,
                                             timeout=timeout or self.timeout)
                response.raise_for_status()
                return response.json()
            except TRANSIENT:
                if attempt == attempts - 1:
                    raise
                time.sleep(BACKOFF * 2 ** attempt)
        raise AssertionError("unreachable")

    def reply(self, method: str, params: list) -> dict:
        """The node's whole reply (result or error) to one request."""
        return self.post({"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}, method)

    def request(self, method: str, params: list) -> Any:
        """The result of one request; an error answer raises RpcError."""
        reply = self.reply(method, params)
        if "error" in reply:
            raise RpcError(method, reply["error"])
        return reply.get("result")

    def batch(self, calls: list[tuple[str, list]], size: int, timeout: float) -> list[dict]:
        """Replies to `calls`, in order, sent as batches of at most `size` requests (retried only when every
        request in it may be)."""
        replies: list[dict] = []
        for start in range(0, len(calls), size):
            chunk = calls[start:start + size]
            payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(chunk)]
            method = next((m for m, _ in chunk if not retried(m)), chunk[0][0])
            answer = self.post(payload, method, timeout)
            if not isinstance(answer, list):  # the node refused the batch as a whole
                raise RpcError("batch", answer.get("error") or {"message": str(answer)})
            by_id = {a.get("id"): a for a in answer}
            replies += [by_id.get(i, {"error": {"message": "no reply"}}) for i in range(len(payload))]
        return replies
