"""The embedded chain's eth_getLogs (embedded_logs.py, one pass over py-evm's blocks) gives what eth-tester's own
get_logs gives, for every kind of filter the client and the indexer send."""

from __future__ import annotations

from tradechain import embedded_logs
from tradechain.codec import as_int


def _key(log) -> tuple:
    """A log as comparable values, from eth-tester's web3-formatted shape or the node shape."""
    def hexed(v):
        return (v if isinstance(v, str) else "0x" + bytes(v).hex()).lower()

    return (hexed(log["address"]), tuple(hexed(t) for t in log["topics"]), hexed(log["data"]),
            as_int(log["blockNumber"]), hexed(log["blockHash"]), hexed(log["transactionHash"]),
            as_int(log["transactionIndex"]), as_int(log["logIndex"]))


def test_every_filter_gives_what_eth_testers_get_logs_gives(trade, chain, client):
    start = chain.block_number() + 1
    released, disputed = trade.released(), trade.disputed()
    trade.delivered()
    end = chain.block_number()
    escrow, provenance = client.escrow.address, client.provenance.address
    placed = client.tx.topic("TradeEscrow", "OrderPlaced")
    disputed_topic = client.tx.topic("TradeEscrow", "OrderDisputed")
    order = "0x" + disputed.to_bytes(32, "big").hex()
    filters = [
        {"fromBlock": start, "toBlock": end, "address": escrow},
        {"fromBlock": start, "toBlock": end, "address": [escrow, provenance]},
        {"fromBlock": start, "toBlock": "latest", "address": escrow, "topics": [placed]},
        {"fromBlock": start, "toBlock": end, "address": escrow, "topics": [[placed, disputed_topic]]},
        {"fromBlock": start, "toBlock": end, "address": escrow, "topics": [None, order]},
        {"fromBlock": start, "toBlock": end, "topics": [disputed_topic, order]},
        {"fromBlock": 0, "toBlock": end, "address": provenance},
        {"fromBlock": end + 1, "toBlock": "latest", "address": escrow},  # nothing yet
        {"fromBlock": start, "toBlock": start, "address": escrow},
    ]
    for flt in filters:
        ours = [_key(log) for log in embedded_logs.logs(chain.tester, flt)]
        theirs = [_key(log) for log in chain.w3.eth.get_logs(flt)]
        assert ours == theirs, flt
    found = embedded_logs.logs(chain.tester, filters[4])
    assert found and all(log["topics"][1] == order for log in found)
    events = {r["event"] for r in client.tx.decode_logs(embedded_logs.logs(chain.tester, filters[0]))}
    assert {"OrderPlaced", "OrderShipped", "OrderDisputed", "Payout"} <= events
    assert client.timeline(released) and client.timeline(disputed)[-1]["event"] == "OrderDisputed"
