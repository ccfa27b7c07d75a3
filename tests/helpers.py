"""Reusable test helpers: the `reverts` context manager, a trade-flow driver, money conservation, and
deploying test-only contracts (contracts/test/).

Import from test modules with `from helpers import ...` (tests/ is on sys.path under pytest's default
import mode). Fixtures that wrap these live in conftest.py.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from typing import Any, Iterator

import pytest
from eth_abi import encode as abi_encode
from web3 import Web3

from tradechain.chain import Chain
from tradechain.client import Receipt, TradeClient
from tradechain.errors import ContractRevert
from tradechain.vocabulary import ETH, ZERO32

MINUTE = 60
HOUR = 3600
DAY = 86_400
ETHER = 10**18
TUSD = 10**6  # the demo stablecoin has 6 decimals

DEFAULT_SHIP_IN = 1 * DAY
DEFAULT_DELIVER_IN = 10 * DAY
DEFAULT_INSPECTION = 3 * DAY
DEFAULT_ETH_AMOUNT = 1 * ETHER
DEFAULT_TUSD_AMOUNT = 250 * TUSD

BPS = 10_000


# ---------------------------------------------------------------------------------------------- reverts


def _same(actual: Any, expected: Any) -> bool:
    """Equality that forgives the spelling of addresses and bytes (decoded args use lowercase hex)."""
    if isinstance(expected, (bytes, bytearray)):
        expected = "0x" + bytes(expected).hex()
    if isinstance(actual, (bytes, bytearray)):
        actual = "0x" + bytes(actual).hex()
    if isinstance(actual, str) and isinstance(expected, str) and actual.startswith("0x"):
        return actual.lower() == expected.lower()
    return actual == expected


def raw_args(exc: ContractRevert) -> dict[str, Any]:
    """The error's arguments as the contract gave them (ContractRevert.display holds them as shown to people:
    dates, role and state names)."""
    return exc.args_


@contextmanager
def reverts(name: str, /, **expected_args: Any) -> Iterator[pytest.ExceptionInfo[ContractRevert]]:
    """Assert that the block raises a ContractRevert for the custom error `name` (ape style).

    Keyword arguments are checked against the error's arguments: each may be given as the contract gave it
    (an int, an address in any case, bytes) or as ContractRevert.display shows it ("ARBITER", "Shipped").

        with reverts("NotBuyer", orderId=order, caller=seller):
            client.escrow.confirm(order, sender=seller)
    """
    with pytest.raises(ContractRevert) as info:
        yield info
    exc = info.value
    assert exc.name == name, f"expected revert {name}, got {exc.name}: {exc}"
    raw = raw_args(exc)
    for key, want in expected_args.items():
        assert key in exc.args_, f"{name} has no argument {key!r}; it has {sorted(exc.args_)}"
        assert _same(raw.get(key), want) or _same(exc.display[key], want), (
            f"{name}.{key} is {raw.get(key)!r} (shown as {exc.display[key]!r}), expected {want!r}"
        )


# ---------------------------------------------------------------------------------------------- trades


class Trade:
    """Drives orders through their life with sensible defaults; every step goes through the TradeClient.

    Defaults: buyer -> seller, 1 ETH (or 250 tUSD), ship by now + 1 d, deliver by now + 10 d, 3 d inspection,
    carrier = the `carrier` account.
    """

    def __init__(self, client: TradeClient, chain: Chain, accounts: dict[str, str]):
        self.client = client
        self.chain = chain
        self.accounts = accounts
        self._parties: dict[int, dict[str, str]] = {}  # order id -> buyer, seller, carrier (saves calls)

    def party(self, order_id: int, role: str) -> str:
        """The order's buyer, seller or carrier."""
        known = self._parties.setdefault(order_id, {})
        if role not in known:
            order = self.client.escrow.get_order(order_id)
            known.update(buyer=order.buyer, seller=order.seller)
            if order.carrier:
                known["carrier"] = order.carrier
        return known[role]

    # ---- time
    def now(self) -> int:
        """Timestamp of the latest block."""
        return self.chain.now()

    def travel_to(self, timestamp: int) -> None:
        """Make the next transaction run at exactly `timestamp` (embedded chain).

        eth-tester mines blocks at max(wall clock, parent + 1) and conftest keeps the chain well ahead of the
        wall clock, so after this the next block's timestamp is `timestamp`. Calls (eth_call) run against the
        latest block, one second earlier. Never moves backwards.
        """
        now = self.chain.now()
        if timestamp <= now:
            raise ValueError(f"cannot travel back to {timestamp} (chain time is {now})")
        self.chain.advance(timestamp - now)

    def token(self, token: str) -> str:
        """"ETH" / "tUSD" / an address -> the address the contracts use."""
        return self.client.tokens.address(token)

    # ---- orders
    def place(
        self,
        token: str = "ETH",
        *,
        amount: int | None = None,
        buyer: str | None = None,
        seller: str | None = None,
        ship_in: int = DEFAULT_SHIP_IN,
        deliver_in: int = DEFAULT_DELIVER_IN,
        ship_by: int | None = None,
        deliver_by: int | None = None,
        inspection_window: int = DEFAULT_INSPECTION,
        terms_hash: bytes = ZERO32,
        permit: bool = False,
        party_sender: str | None = None,
        accept_by: int = 0,
    ) -> int:
        """Place and pay an order; returns its id. Deadlines are relative to chain time unless given. A buyer
        that is a deployed HostileParty is driven through its exec by `party_sender`."""
        address = self.token(token)
        if amount is None:
            amount = DEFAULT_ETH_AMOUNT if address == ETH else DEFAULT_TUSD_AMOUNT
        now = self.now()
        buyer, seller = buyer or self.accounts["buyer"], seller or self.accounts["seller"]
        args = [seller, address, amount, ship_by if ship_by is not None else now + ship_in,
                deliver_by if deliver_by is not None else now + deliver_in, inspection_window, terms_hash]
        if party_sender is None:
            order_id, _ = self.client.escrow.place_order(
                buyer=buyer, seller=seller, amount=amount, ship_by=args[3], deliver_by=args[4],
                inspection_window=inspection_window, token=address, terms_hash=terms_hash, permit=permit,
                accept_by=accept_by)
        else:
            party, escrow = self.client.tx.name_of(buyer), self.client.escrow.address
            if address != ETH:
                as_party(self.client, party, address, calldata(self.client, "DemoStablecoin", "approve", escrow, amount),
                         sender=party_sender)
            r = as_party(self.client, party, escrow, calldata(self.client, "TradeEscrow", "placeOrder", (*args, accept_by, 0)),
                         sender=party_sender, value=amount if address == ETH else 0)
            order_id = r.event("OrderPlaced")["orderId"]
        self._parties[order_id] = {"buyer": buyer, "seller": seller}
        return order_id

    def ship(self, order_id: int, *, carrier: str | None = None, bill_of_lading: bytes = ZERO32) -> Receipt:
        carrier = carrier or self.accounts["carrier"]
        receipt = self.client.escrow.ship(order_id, carrier, bill_of_lading, sender=self.party(order_id, "seller"))
        self._parties[order_id]["carrier"] = carrier
        return receipt

    def deliver(self, order_id: int, *, location: str = "DEHAM") -> Receipt:
        return self.client.provenance.deliver(order_id, location, sender=self.party(order_id, "carrier"))

    def dispute(self, order_id: int, evidence: bytes = ZERO32) -> Receipt:
        return self.client.escrow.dispute(order_id, evidence, sender=self.party(order_id, "buyer"))

    def shipped(self, token: str = "ETH", *, carrier: str | None = None, **place: Any) -> int:
        order_id = self.place(token, **place)
        self.ship(order_id, carrier=carrier)
        return order_id

    def delivered(self, token: str = "ETH", **kw: Any) -> int:
        order_id = self.shipped(token, **kw)
        self.deliver(order_id)
        return order_id

    def disputed(self, token: str = "ETH", **kw: Any) -> int:
        order_id = self.delivered(token, **kw)
        self.dispute(order_id)
        return order_id

    def releasable(self, token: str = "ETH", **kw: Any) -> int:
        """A delivered order whose inspection window is over (the next transaction may release it)."""
        order_id = self.delivered(token, **kw)
        self.travel_to(self.client.escrow.get_order(order_id).inspection_ends_at)
        return order_id

    def released(self, token: str = "ETH", **kw: Any) -> int:
        order_id = self.releasable(token, **kw)
        self.client.escrow.release(order_id, sender=self.accounts["keeper"])
        return order_id

    def refunded(self, token: str = "ETH", **kw: Any) -> int:
        """Not shipped by its deadline, then refunded by the keeper."""
        order_id = self.place(token, **kw)
        self.travel_to(self.client.escrow.get_order(order_id).ship_by + 1)
        self.client.escrow.refund(order_id, sender=self.accounts["keeper"])
        return order_id

    def cancelled(self, token: str = "ETH", **kw: Any) -> int:
        order_id = self.place(token, **kw)
        self.client.escrow.cancel(order_id, sender=self.party(order_id, "seller"))
        return order_id

    def resolved(self, token: str = "ETH", refund_bps: int = 5_000, **kw: Any) -> int:
        order_id = self.disputed(token, **kw)
        self.client.escrow.resolve(order_id, refund_bps, sender=self.accounts["arbiter"])
        return order_id


def split(amount: int, refund_bps: int, fee_bps: int) -> tuple[int, int, int]:
    """What TradeEscrow.split computes, in Python: (to buyer, to seller side, fee)."""
    to_buyer = amount * refund_bps // BPS
    gross = amount - to_buyer
    fee = gross * fee_bps // BPS
    return to_buyer, gross - fee, fee


# ---------------------------------------------------------------------------------------------- money


TERMINAL_EVENTS = ("OrderReleased", "OrderResolved", "OrderRefunded", "OrderCancelled")
_LEDGER_EVENTS = ("OrderPlaced", "Payout", "Withdrawn", "TrancheReleased", *TERMINAL_EVENTS)


def escrow_events(client: TradeClient, names: tuple[str, ...] = _LEDGER_EVENTS, from_block: int = 0,
                  ) -> list[tuple[str, dict]]:
    """(name, args) of the escrow's events called `names`, in chain order: eth_getLogs, no EVM run."""
    topics = [client.tx.topic("TradeEscrow", name) for name in names]
    return [(e["event"], e["args"]) for e in client.tx.logs("TradeEscrow", [topics], from_block=from_block)]


def assert_conserved(client: TradeClient, from_block: int = 0) -> None:
    """Every unit paid in is held or has left by exactly one path, in every token:

    - held == the amounts of orders not yet settled (less their released tranches) + every credit not yet
      withdrawn, and
    - held == paid in (OrderPlaced) - pushed out (Payout, not credited) - withdrawn (Withdrawn).

    `from_block` may skip history with no escrow money in it (conftest passes the test's first block).
    """
    placed: dict[int, tuple[str, int]] = {}
    settled: set[int] = set()
    released: dict[int, int] = defaultdict(int)  # gross paid out by an order's tranches
    paid_in: dict[str, int] = defaultdict(int)
    paid_out: dict[str, int] = defaultdict(int)
    credited: set[tuple[str, str]] = set()
    for name, args in escrow_events(client, from_block=from_block):
        if name == "OrderPlaced":
            placed[args["orderId"]] = (args["token"], args["amount"])
            paid_in[args["token"]] += args["amount"]
        elif name in TERMINAL_EVENTS:
            assert args["orderId"] not in settled, f"order {args['orderId']} settled twice"
            settled.add(args["orderId"])
        elif name == "TrancheReleased":
            assert args["orderId"] not in settled, f"tranche of order {args['orderId']} released after it settled"
            released[args["orderId"]] += args["gross"]
        elif name == "Payout" and args["credited"]:
            credited.add((args["token"], args["to"]))
        elif name in ("Payout", "Withdrawn"):
            paid_out[args["token"]] += args["amount"]

    owed: dict[str, int] = defaultdict(int)
    for order_id, (token, amount) in placed.items():
        assert released[order_id] <= amount, f"order {order_id} released {released[order_id]} of {amount}"
        if order_id not in settled:
            owed[token] += amount - released[order_id]
    for token, account in credited:
        owed[token] += client.escrow.credits(account, token)
    for token in {ETH, *paid_in}:
        held = client.tokens.balance(client.escrow.address, token)
        assert held == owed[token], f"escrow holds {held} of {token} but owes {owed[token]}"
        assert held == paid_in[token] - paid_out[token], (
            f"escrow holds {held} of {token}: {paid_in[token]} paid in, {paid_out[token]} paid out")


class Balances:
    """Snapshot balances of (account, token) pairs and read the changes later.

        before = Balances(client, [(seller, ETH), (buyer, ETH)])
        ...
        assert before.delta(seller, ETH) == 990
    """

    def __init__(self, client: TradeClient, pairs: list[tuple[str, str]]):
        self.client = client
        self.start = {pair: client.tokens.balance(*pair) for pair in pairs}

    def delta(self, account: str, token: str = ETH) -> int:
        return self.client.tokens.balance(account, token) - self.start[(account, token)]


# ---------------------------------------------------------------------------------------------- test contracts


class TestContract:
    """A deployed contract outside the suite (contracts/test/), registered with the client's transaction layer
    under `name` (calls, reverts and events decode like the suite's)."""

    __test__ = False  # not a pytest test class

    def __init__(self, client: TradeClient, name: str, address: str):
        self.client = client
        self.name = name
        self.address = address

    def transact(self, fn: str, args: list | tuple = (), *, sender: str, value: int = 0,
                 gas: int = 1_000_000) -> Receipt:
        return self.client.tx.send(self.name, fn, args, sender=sender, value=value, gas=gas)

    def call(self, fn: str, args: list | tuple = ()) -> Any:
        return self.client.tx.call(self.name, fn, args)

    def execute(self, target: str, calldata: str | bytes, *, sender: str, value: int = 0) -> Receipt:
        """RevertingReceiver.execute: call `target` as this contract."""
        return self.transact("execute", [target, calldata], sender=sender, value=value)


def deploy(client: TradeClient, name: str, *args: Any, sender: str, value: int = 0,
           label: str | None = None) -> TestContract:
    """Deploy a contract from the build (e.g. a contracts/test/ helper) and register it with the client. Call
    it inside a test: it is reverted with the test's snapshot."""
    label, receipt = client.tx.deploy(name, args, sender=sender, value=value, name=label)
    return TestContract(client, label, receipt.contract_address)


def calldata(client: TradeClient, contract: str, fn: str, *args: Any) -> bytes:
    """ABI-encoded call of `fn` on a contract the client knows ("TradeEscrow", a deployed test contract)."""
    return client.tx.encode(contract, fn, args)


def selector(signature: str) -> bytes:
    return Web3.keccak(text=signature)[:4]


# ---------------------------------------------------------------------------------------------- hostile parties


def as_party(client: TradeClient, party: str, target: str, data: bytes, *, sender: str, value: int = 0) -> Receipt:
    """Make the HostileParty registered as `party` call `target` with `data` (a revert comes back decoded)."""
    return client.tx.send(party, "exec", [target, data], sender=sender, value=value)


def place(client: TradeClient, buyer: str, seller: str, amount: int, token: str = ETH, *, ship_in=DAY,
          deliver_in=5 * DAY, window=2 * DAY, party_sender: str | None = None) -> int:
    """Trade.place with the security suites' terms: delivery due `deliver_in` after the shipping deadline, a
    two-day inspection window."""
    return Trade(client, client.chain, client.deployment.accounts).place(
        token, amount=amount, buyer=buyer, seller=seller, ship_in=ship_in, deliver_in=ship_in + deliver_in,
        inspection_window=window, party_sender=party_sender)


def ship_and_deliver(client: TradeClient, accounts: dict, oid: int, *, seller_sender: str | None = None) -> None:
    """Ship (as the seller, or through a contract seller's exec) and have the carrier confirm delivery."""
    seller = client.escrow.get_order(oid).seller
    if seller_sender is None:
        client.escrow.ship(oid, accounts["carrier"], sender=seller)
    else:
        as_party(client, client.tx.name_of(seller), client.escrow.address,
                 calldata(client, "TradeEscrow", "ship", oid, accounts["carrier"], ZERO32, ZERO32), sender=seller_sender)
    client.provenance.deliver(oid, sender=accounts["carrier"])


def payouts(receipt: Receipt) -> list[dict]:
    """Args of every Payout event in a receipt, in log order."""
    return events(receipt, "Payout")


def same_block(client: TradeClient, at: int, txs: list[tuple[str, str, bytes]]) -> list[int]:
    """Send every (sender, to, data) with explicit gas into ONE block whose timestamp is `at`, in list order;
    return each transaction's status. eth-tester only: automine is switched off while they queue."""
    chain = client.chain
    tester = chain.tester
    tester.time_travel(at)  # mines a block at at-1; the pending block is `at`
    tester.disable_auto_mine_transactions()
    try:
        for sender, to, data in txs:
            chain.w3.eth.send_transaction({"from": sender, "to": to, "data": data, "gas": 1_000_000})
        tester.mine_blocks(1)
    finally:
        tester.enable_auto_mine_transactions()
    block = chain.w3.eth.get_block(chain.block_number() - 1)  # enabling automine mined one more, empty block
    assert block["timestamp"] == at and len(block["transactions"]) == len(txs), "the race did not land in one block"
    return [chain.w3.eth.get_transaction_receipt(h)["status"] for h in block["transactions"]]


# ---------------------------------------------------------------------------------------------- ports


def checked_cli(env: dict, *args: str, ok: bool = True):
    """`tradechain ARGS` with `env` (a click Result), checked: exit 0 when `ok`, and never a traceback."""
    from click.testing import CliRunner

    from tradechain.cli import cli

    result = CliRunner().invoke(cli, list(args), env=env)
    if ok:
        assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


def free_port() -> int:
    """A free port on 127.0.0.1 that stays free across a restart of the node.

    Port 0 hands out ports from the ephemeral range, where every outgoing connection on the machine also
    takes its local port: restarting a killed node on such a port sometimes finds it taken. So try ports
    below the range (Linux: 32768+), in random order so that parallel suites do not collide."""
    import random
    from pathlib import Path

    from tradechain.bench.devnet import free_port as first_free

    ports = Path("/proc/sys/net/ipv4/ip_local_port_range")
    low = int(ports.read_text().split()[0]) if ports.exists() else 32768
    return first_free(random.sample(range(max(1024, low - 12000), low), 200))


# ---------------------------------------------------------------------------------------------- provenance


CHECKPOINT_TYPES = ["bytes32", "uint256", "uint256", "uint8", "address", "bytes8", "bytes32", "uint256"]


def checkpoint_hash(prev_head: bytes, cp: dict) -> bytes:
    """One link of the provenance hash chain, from a Checkpoint event's args."""
    return Web3.keccak(abi_encode(CHECKPOINT_TYPES, [
        bytes(prev_head), cp["shipmentId"], cp["seq"], cp["kind"], cp["actor"], bytes(cp["location"]),
        bytes(cp["evidenceHash"]), cp["timestamp"],
    ]))


def replay_head(checkpoints: list[dict]) -> bytes:
    """The head of the hash chain over `checkpoints` (Checkpoint event args, in order), from zero."""
    head = ZERO32
    for cp in checkpoints:
        head = checkpoint_hash(head, cp)
    return bytes(head)


# ---------------------------------------------------------------------------------------------- receipts


def events(receipt: Receipt, name: str) -> list[dict]:
    """Args of every `name` event in a receipt, in log order (Receipt.event gives only the first)."""
    return [e["args"] for e in receipt.events if e["event"] == name]


def gas_paid(client: TradeClient, receipt: Receipt) -> int:
    """Wei the sender paid for a transaction's gas."""
    raw = client.chain.w3.eth.get_transaction_receipt(receipt.tx_hash)
    return raw["gasUsed"] * raw["effectiveGasPrice"]


def place_raw(client: TradeClient, *, sender: str, seller: str, token: str = ETH, amount: int = DEFAULT_ETH_AMOUNT,
              ship_by: int, deliver_by: int, inspection_window: int = DEFAULT_INSPECTION,
              value: int | None = None) -> Receipt:
    """TradeEscrow.placeOrder exactly as given: no approval, and `value` (default: `amount` for ETH, else 0)."""
    if value is None:
        value = amount if token == ETH else 0
    return client.tx.send("TradeEscrow", "placeOrder",
                           [(seller, token, amount, ship_by, deliver_by, inspection_window, ZERO32, 0, 0)],
                           sender=sender, value=value)


def in_threads(work: Any, count: int) -> list[Exception]:
    """Run `work()` in `count` threads at once and wait for them all; the exceptions they raised (none: [])."""
    import threading

    errors: list[Exception] = []

    def run():
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - returned to the test, which asserts there were none
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
