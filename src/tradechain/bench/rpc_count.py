"""JSON-RPC requests counted on a connection: what a client really asks a node, by method."""

from __future__ import annotations

import collections
import contextlib
import json
from typing import Iterator

HTTP_POSTS = "(http posts)"  # a JSON-RPC batch is one post of several requests


@contextlib.contextmanager
def count_requests(chain) -> Iterator[collections.Counter]:
    """Count every JSON-RPC request `chain` (an RpcChain) sends while the block runs, by method, and the
    HTTP posts that carried them. Counted on the connection's session, below web3: nothing is missed."""
    counts: collections.Counter = collections.Counter()
    session = chain.session
    post = session.post

    def counting_post(url, *args, **kwargs):
        body = kwargs.get("data", kwargs.get("json"))
        body = json.loads(body) if isinstance(body, (str, bytes)) else body
        for request in body if isinstance(body, list) else [body]:
            counts[request["method"]] += 1
        counts[HTTP_POSTS] += 1
        return post(url, *args, **kwargs)

    session.post = counting_post
    try:
        yield counts
    finally:
        del session.post  # back to the class's method
