"""Helpers for the security suites: deploy test-only contracts next to the suite, drive a HostileParty, place
orders with sane defaults, expect an exact custom error, and send several transactions into one block."""

from __future__ import annotations

from web3 import Web3

from tradechain.client import ETH, TradeClient
from helpers import reverts as reverts_with  # noqa: F401 - re-exported for the security suites

DAY = 86_400
ZERO32 = b"\x00" * 32
GAS = 1_000_000


def deploy(client: TradeClient, name: str, *args, sender: str, value: int = 0, label: str | None = None):
    """Deploy contracts/test/<name> and register it with the client (calls, revert and event decoding)."""
    artifact = client.artifacts[name]
    factory = client.w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    data = factory.constructor(*args)._encode_data_in_transaction(*args)
    receipt = client.chain.send({"from": sender, "data": data, "gas": 3_000_000, "value": value})
    address = receipt["contractAddress"]
    label = label or f"{name}@{address}"
    contract = client.w3.eth.contract(address=address, abi=artifact["abi"])
    client.contracts[label] = contract
    for entry in artifact["abi"]:  # decode its events in receipts too
        if entry.get("type") == "event":
            from tradechain.client import _event_topic

            client._topics[(address, bytes(_event_topic(entry)))] = (label, contract.events[entry["name"]]())
    return label, address


def selector(signature: str) -> bytes:
    return Web3.keccak(text=signature)[:4]


def escrow_data(client: TradeClient, fn: str, *args) -> bytes:
    return client.escrow.functions[fn](*args)._encode_transaction_data()


def as_party(client: TradeClient, party: str, target: str, data: bytes, *, sender: str, value: int = 0):
    """Make the HostileParty registered as `party` call `target` with `data` (a revert comes back decoded)."""
    return client.transact(party, "exec", [target, data], sender=sender, value=value)


def place(client: TradeClient, buyer: str, seller: str, amount: int, token: str = ETH, *, ship_in=DAY,
          deliver_in=5 * DAY, window=2 * DAY, party_sender: str | None = None) -> int:
    """Place an order with deadlines relative to chain time. A contract buyer is driven through its exec."""
    now = client.chain.now()
    args = [seller, token, amount, now + ship_in, now + ship_in + deliver_in, window, ZERO32]
    if party_sender is None:
        oid, _ = client.place_order(buyer=buyer, seller=seller, amount=amount, token=token, ship_by=args[3],
                                    deliver_by=args[4], inspection_window=window)
        return oid
    label = party_label(client, buyer)
    if token != ETH:
        approve = client.w3.eth.contract(address=token, abi=client.artifacts["DemoStablecoin"]["abi"])
        as_party(client, label, token, approve.functions.approve(client.escrow.address, amount)
                 ._encode_transaction_data(), sender=party_sender)
    r = as_party(client, label, client.escrow.address, escrow_data(client, "placeOrder", *args),
                 sender=party_sender, value=amount if token == ETH else 0)
    return r.event("OrderPlaced")["orderId"]


def party_label(client: TradeClient, address: str) -> str:
    for label, c in client.contracts.items():
        if c.address == address:
            return label
    raise KeyError(address)


def ship_and_deliver(client: TradeClient, accounts: dict, oid: int, *, seller_sender: str | None = None) -> None:
    """Ship (as the seller, or through a contract seller's exec) and have the carrier confirm delivery."""
    seller = client.get_order(oid).seller
    if seller_sender is None:
        client.ship(oid, accounts["carrier"], sender=seller)
    else:
        as_party(client, party_label(client, seller), client.escrow.address,
                 escrow_data(client, "ship", oid, accounts["carrier"], ZERO32, ZERO32), sender=seller_sender)
    client.deliver(oid, sender=accounts["carrier"])


def payouts(receipt) -> list[dict]:
    return [e["args"] for e in receipt.events if e["event"] == "Payout"]


def same_block(client: TradeClient, at: int, txs: list[tuple[str, str, bytes]]) -> list[int]:
    """Send every (sender, to, data) with explicit gas into ONE block whose timestamp is `at`, in list order;
    return each transaction's status. eth-tester only: automine is switched off while they queue."""
    chain = client.chain
    tester = chain.tester
    tester.time_travel(at)  # mines a block at at-1; the pending block is `at`
    tester.disable_auto_mine_transactions()
    try:
        for sender, to, data in txs:
            chain.w3.eth.send_transaction({"from": sender, "to": to, "data": data, "gas": GAS})
        tester.mine_blocks(1)
    finally:
        tester.enable_auto_mine_transactions()
    block = chain.w3.eth.get_block(chain.block_number() - 1)  # enabling automine mined one more, empty block
    assert block["timestamp"] == at and len(block["transactions"]) == len(txs), "the race did not land in one block"
    return [chain.w3.eth.get_transaction_receipt(h)["status"] for h in block["transactions"]]
