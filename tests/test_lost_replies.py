"""A signed transaction whose answer is lost after the node took it is sent again by the transport's retry; the
node then knows it as mined ("nonce too low") or pooled ("already known"). Either way it is ours: the client
must wait for it, never sign the same payment again with the next nonce."""

from __future__ import annotations

import os

from anvil import anvil
from flaky_proxy import flaky

from tradechain import chain as chains
from tradechain.bench.devnet import dev_keys


def test_a_payment_whose_answer_was_lost_is_sent_once(tmp_path, monkeypatch):
    monkeypatch.setenv("TRADECHAIN_STATE_DIR", str(tmp_path))
    with anvil() as url, flaky(url) as (proxy_url, proxy):
        chain = chains.rpc(proxy_url)
        payer = chain.add_signer("0x" + bytes(dev_keys(10)[9].key).hex())
        payee = chain.accounts[1]
        before = chain.rpc.request("eth_getBalance", [payee, "latest"])
        sent_before = int(chain.rpc.request("eth_getTransactionCount", [payer, "latest"]), 16)
        proxy.faults[:] = [("eth_sendRawTransaction", "lost")]
        receipt = chain.send({"from": payer, "to": payee, "value": 10**18, "gas": 21_000})
        assert receipt["status"] == 1
        assert [what for m, what in proxy.seen if m == "eth_sendRawTransaction"][0] == "lost"
        paid = int(chain.rpc.request("eth_getBalance", [payee, "latest"]), 16) - int(before, 16)
        sent = int(chain.rpc.request("eth_getTransactionCount", [payer, "latest"]), 16) - sent_before
        assert (paid, sent) == (10**18, 1), f"paid {paid / 1e18:g} ETH in {sent} transactions"
