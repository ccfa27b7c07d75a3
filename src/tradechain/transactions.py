"""The transaction layer: every write and every log query of the client goes through one `Transactions`.

It encodes calls with web3's public `Contract.encode_abi`, sends them on the chain, turns receipts into
decoded events and reverts into ContractRevert, and reads logs in bounded block ranges starting at the
deployment's first block. Fees, nonces, retries, confirmations and request batching belong here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from eth_utils import keccak

from tradechain.chain import Chain
from tradechain.codec import ContractCodec, Event, as_bytes, as_int, checksum
from tradechain.errors import ContractRevert, ErrorDecoder, Reverted, abi_type, revert_data

# Gas limits sent with each call, so the EVM runs once (no estimate): generous, never binding on our code.
GAS = 1_000_000
GAS_PER_BATCH_ITEM = 120_000
DEPLOY_GAS = 6_000_000
# Blocks per eth_getLogs request: public nodes refuse (or time out on) unbounded ranges.
LOG_RANGE = 5_000


@dataclass
class Receipt:
    tx_hash: str
    block: int
    gas_used: int
    events: list[dict] = field(default_factory=list)
    contract_address: str | None = None  # set by a deployment
    final: bool = True  # under the network's confirmations (finality.py); dev chains: final once mined
    finality: str = "final"

    def event(self, name: str) -> dict:
        for e in self.events:
            if e["event"] == name:
                return e["args"]
        raise KeyError(name)


class Hex(str):
    """A bytes value of an event (a hash, a location code) as its 0x hex string: printable and JSON-ready, and
    still bytes where it matters: bytes(value) gives the raw bytes back, and it equals the same bytes."""

    def __bytes__(self) -> bytes:
        return bytes.fromhex(self[2:])

    def hex(self) -> str:  # as bytes.hex(): no 0x
        return self[2:]

    def __eq__(self, other) -> bool:
        if isinstance(other, (bytes, bytearray)):
            return bytes(self) == bytes(other)
        return str.__eq__(self, other)

    def __ne__(self, other) -> bool:
        return not self == other

    __hash__ = str.__hash__


def typed(value: Any) -> Any:
    """An event argument as a plain Python value: bytes -> Hex; tuples and lists element by element."""
    if isinstance(value, (bytes, bytearray)):
        return Hex("0x" + bytes(value).hex())
    if isinstance(value, tuple):
        return tuple(typed(v) for v in value)
    if isinstance(value, list):
        return [typed(v) for v in value]
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    return value


def event_topic(entry: dict) -> bytes:
    """topic0 of an ABI event entry: keccak of its canonical signature."""
    return keccak(text=f"{entry['name']}({','.join(abi_type(i) for i in entry['inputs'])})")


def _chain_order(event: dict) -> tuple[int, int]:
    return event["block"], event["logIndex"]


def word(value: int) -> str:
    """An indexed uint256 as a log topic."""
    return "0x" + value.to_bytes(32, "big").hex()


class Transactions:
    """Contracts by name, and the one way to call, send to and read the logs of them."""

    def __init__(self, chain: Chain, artifacts: dict[str, dict], start_block: int = 0):
        self.chain = chain
        self.artifacts = artifacts
        self.start_block = start_block  # no log of ours is older than the deployment
        self._contracts: dict[str, tuple[str, ContractCodec]] = {}  # name -> (address, codec)
        self._codecs: dict[int, ContractCodec] = {}  # by id of the ABI: ERC-20s share one
        # keyed by (address, topic0): ERC-20 and ERC-721 share the Transfer topic
        self._events: dict[tuple[str, bytes], tuple[str, Event]] = {}
        self.decoder = ErrorDecoder(artifacts.values())

    # ---- the contracts we talk to
    def register(self, name: str, address: str, abi: list[dict] | str, *, decode_events: bool = True) -> str:
        """Know contract `name` at `address` (abi: an ABI, or the name of an artifact); returns `name`."""
        if isinstance(abi, str):
            abi = self.artifacts[abi]["abi"]
        codec = self._codecs.get(id(abi))
        if codec is None or codec.abi is not abi:
            codec = self._codecs[id(abi)] = ContractCodec(abi)
        address = checksum(address)
        self._contracts.pop(name, None)  # re-registered names move to the end: name_of finds the newest first
        self._contracts[name] = (address, codec)
        if decode_events:
            for topic, event in codec.events.items():
                self._events[(address, topic)] = (name, event)
        return name

    def knows(self, name: str) -> bool:
        return name in self._contracts

    def address(self, name: str) -> str:
        return self._contracts[name][0]

    def name_of(self, address: str) -> str | None:
        # the newest registration wins: after a chain snapshot is reverted, another contract may be deployed at an
        # address a test-only contract once had
        return next((n for n, (a, _) in reversed(self._contracts.items()) if a == address), None)

    def abi(self, name: str) -> list[dict]:
        return self._contracts[name][1].abi

    def encode(self, name: str, fn: str, args: Iterable = ()) -> bytes:
        """Calldata of `fn(args)` on contract `name`."""
        address, codec = self._contracts[name]
        function = codec.function(fn)
        if function is None:  # an overloaded name: web3 picks the overload that fits the arguments
            contract = self.chain.w3.eth.contract(address=address, abi=codec.abi)
            return bytes.fromhex(contract.encode_abi(fn, args=list(args))[2:])
        return function.encode(args)

    # ---- writes
    def send(self, name: str, fn: str, args: Iterable = (), *, sender: str, value: int = 0, gas: int = GAS) -> Receipt:
        """Send `fn(args)` to contract `name` from `sender`; a revert raises ContractRevert."""
        return self.send_data(self.address(name), self.encode(name, fn, args), sender=sender, value=value, gas=gas)

    def send_data(self, to: str | None, data: bytes, *, sender: str, value: int = 0, gas: int = GAS) -> Receipt:
        """Send raw calldata (or, with `to` None, creation code) — the one place a transaction is sent."""
        tx = {"from": checksum(sender), "data": data, "value": value, "gas": gas}
        if to is not None:
            tx["to"] = to
        try:
            receipt = self.chain.send(tx)
        except Reverted as exc:
            raise self.decoder.decode(exc.data) from None
        return self._receipt(receipt)

    def _receipt(self, raw) -> Receipt:
        """Our Receipt from web3's formatted receipt or a node's raw JSON one, with its finality where the
        network's profile asks for confirmations."""
        created = raw.get("contractAddress")
        result = Receipt(
            tx_hash="0x" + as_bytes(raw["transactionHash"]).hex(),
            block=as_int(raw["blockNumber"]),
            gas_used=as_int(raw["gasUsed"]),
            events=self.decode_logs(raw["logs"]),
            contract_address=checksum(created) if created else None,
        )
        confirmations = getattr(self.chain.profile, "confirmations", 0)
        if confirmations not in (0, 1):
            from tradechain import finality

            now = finality.status(self.chain.w3, result.block, confirmations)
            result.final, result.finality = now.final, now.detail
        return result

    def simulate(self, steps: list[tuple[str, str, list, str, int]]) -> None:
        """Preflight a step of several transactions — (contract name, fn, args, sender, value) each — as one:
        a revert in any raises its ContractRevert and nothing is sent."""
        txs = [{"from": checksum(sender), "to": self.address(name), "data": self.encode(name, fn, args),
                "value": value, "gas": GAS} for name, fn, args, sender, value in steps]
        try:
            self.chain.simulate(txs)
        except Reverted as exc:
            raise self.decoder.decode(exc.data) from None

    def deploy(self, artifact: str, args: Iterable = (), *, sender: str, value: int = 0, gas: int = DEPLOY_GAS,
               name: str | None = None) -> tuple[str, Receipt]:
        """Deploy an artifact of the build and register it (calls, reverts, events) as `name` (default:
        "<artifact>@<address>"). Returns (name, receipt)."""
        a = self.artifacts[artifact]
        factory = self.chain.w3.eth.contract(abi=a["abi"], bytecode=a["bytecode"])
        receipt = self.send_data(None, bytes.fromhex(factory.constructor(*args).data_in_transaction[2:]), sender=sender,
                                 value=value, gas=gas)
        name = self.register(name or f"{artifact}@{receipt.contract_address}", receipt.contract_address, a["abi"])
        return name, receipt

    # ---- reads
    def call(self, name: str, fn: str, args: Iterable = (), *, sender: str | None = None,
             block: int | str = "latest") -> Any:
        """The result of `fn(args)` on contract `name` at `block` (default the latest); a revert raises
        ContractRevert."""
        tx = {"to": self.address(name), "data": self.encode(name, fn, args)}
        if sender:
            tx["from"] = sender
        try:
            data = self.chain.call(tx, block)
        except Reverted as exc:
            raise self.decoder.decode(exc.data) from None
        return self._contracts[name][1].functions[fn].decode(data)

    def call_many(self, name: str, fn: str, args_list: Iterable[Iterable]) -> list:
        """`fn(args)` on contract `name` for each args in `args_list`: one JSON-RPC batch on a node, not one
        request each. The first revert raises ContractRevert."""
        address, codec = self._contracts[name]
        function = codec.functions[fn]
        results = self.chain.call_many([{"to": address, "data": self.encode(name, fn, args)} for args in args_list])
        for r in results:
            if isinstance(r, Reverted):
                raise self.decoder.decode(r.data)
        return [function.decode(r) for r in results]

    def revert_of(self, exc: Reverted) -> ContractRevert:
        return self.decoder.decode(exc.data)

    def receipt(self, tx_hash: str) -> Receipt:
        return self._receipt(self.chain.w3.eth.get_transaction_receipt(tx_hash))

    def topic(self, name: str, event: str) -> str:
        return "0x" + next(t for t, e in self._contracts[name][1].events.items() if e.name == event).hex()

    def raw_logs(self, names: str | list[str], topics: list, *, from_block: int | None = None,
                 to_block: int | None = None) -> list:
        """The logs of contracts `names` matching `topics` as the chain gives them (an attached index serves the
        blocks it holds), from `from_block` (default: the deployment's first block) to `to_block` (default: the
        latest), one bounded range per request."""
        names = [names] if isinstance(names, str) else names
        address = [self.address(n) for n in names]
        start = self.start_block if from_block is None else from_block
        end = self.chain.block_number() if to_block is None else to_block
        raw: list = []
        while start <= end:
            stop = min(start + LOG_RANGE - 1, end)
            raw += self.chain.get_logs({"fromBlock": start, "toBlock": stop,
                                        "address": address[0] if len(address) == 1 else address, "topics": topics})
            start = stop + 1
        return raw

    def logs(self, names: str | list[str], topics: list, *, from_block: int | None = None,
             to_block: int | None = None, timestamps: bool = False) -> list[dict]:
        """Decoded events of `raw_logs(names, topics, ...)`, in chain order. With `timestamps`, each event gets its
        block's time."""
        events = self.decode_logs(self.raw_logs(names, topics, from_block=from_block, to_block=to_block))
        return self.in_order(events) if timestamps else sorted(events, key=_chain_order)

    def in_order(self, events: list[dict]) -> list[dict]:
        """`events` sorted into chain order, each with its block's timestamp."""
        events = sorted(events, key=_chain_order)
        # asked per call, all blocks at once: after a revert the same numbers are mined at other times
        times = self.chain.block_times(e["block"] for e in events) if events else {}
        for e in events:
            e["timestamp"] = times[e["block"]]
        return events

    def decode_logs(self, logs) -> list[dict]:
        """Events of registered contracts among `logs` (web3's formatted logs or a node's raw JSON)."""
        out = []
        for log in logs:
            topics = log["topics"]
            if not topics:
                continue
            hit = self._events.get((checksum(log["address"]), as_bytes(topics[0])))
            if hit is None:
                continue
            name, event = hit
            args = {k: typed(v) for k, v in event.args(topics[1:], as_bytes(log["data"])).items()}
            out.append({"contract": name, "event": event.name, "args": args,
                        "block": as_int(log["blockNumber"]), "logIndex": as_int(log["logIndex"]),
                        "tx_hash": "0x" + as_bytes(log["transactionHash"]).hex()})
        return out
