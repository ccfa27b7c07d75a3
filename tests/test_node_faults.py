"""A node that fails now and then (HTTP 429 and 503, connections reset, timeouts) is retried with backoff by
web3.py's own retry configuration; a node that stays down still gives one clear line, fast."""

from __future__ import annotations

import time

import pytest
from anvil import anvil
from flaky_proxy import flaky

from tradechain import chain as chains
from tradechain.errors import ChainUnavailable


def test_transient_failures_are_retried_until_the_node_answers():
    with anvil() as url, flaky(url, ["reset", "429", "503"]) as (proxy_url, proxy):
        chain = chains.rpc(proxy_url)  # eth_chainId: reset, 429, 503, then answered
        assert proxy.seen[:4] == [("eth_chainId", "reset"), ("eth_chainId", "429"), ("eth_chainId", "503"),
                                  ("eth_chainId", "ok")]
        assert chain.chain_id == 31337
        proxy.faults[:] = ["503"]
        assert chain.block_number() == 0
        assert proxy.seen[-2:] == [("eth_blockNumber", "503"), ("eth_blockNumber", "ok")]


def test_fee_history_is_retried_too():
    with anvil() as url, flaky(url) as (proxy_url, proxy):
        chain = chains.rpc(proxy_url)
        proxy.faults[:] = ["429", "503"]
        assert chain.w3.eth.fee_history(2, "latest", [50])["baseFeePerGas"]
        assert [what for m, what in proxy.seen if m == "eth_feeHistory"] == ["429", "503", "ok"]


def test_a_node_that_stays_down_gives_one_line_within_seconds():
    with anvil() as url, flaky(url, ["503"] * 50) as (proxy_url, proxy):
        started = time.monotonic()
        with pytest.raises(ChainUnavailable, match=f"no Ethereum node answers at {proxy_url}"):
            chains.rpc(proxy_url)
        assert time.monotonic() - started < 5
        assert len(proxy.seen) == chains.RETRIES  # web3 tried as configured, then gave up


def test_a_send_the_node_signs_is_never_retried():
    """eth_sendTransaction lets the node pick the nonce: a retry after a lost answer could pay twice."""
    with anvil() as url, flaky(url) as (proxy_url, proxy):
        chain = chains.rpc(proxy_url)
        a, b = chain.accounts[:2]
        proxy.faults[:] = [("eth_sendTransaction", "lost")]
        with pytest.raises(Exception):  # noqa: B017 - whatever the transport raises: it must not resend
            chain.w3.eth.send_transaction({"from": a, "to": b, "value": 1, "gas": 21_000})
        assert [what for m, what in proxy.seen if m == "eth_sendTransaction"] == ["lost"]
