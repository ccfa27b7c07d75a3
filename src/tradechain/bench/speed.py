"""Throughput: full trades per second, raw eth-tester vs TradeClient on the embedded chain vs anvil.

A trade here is the four transactions every released order needs: place+pay (ETH, no inspection window),
ship (opens the shipment, mints the invoice), the carrier's Delivered checkpoint, and release by a keeper.

- raw: the same calldata sent straight to eth-tester (`EthereumTester.send_transaction`), no web3 layers:
  the ceiling for anything in-process. It runs on the embedded chain's own eth-tester configuration
  (embedded_backend.py: LeanTester/LeanBackend, keccak from pysha3) and reads receipts the way the client does,
  so the client / raw ratio measures the client alone.
- client: `TradeClient` methods on the embedded chain, as the CLI, demo and keeper use it.
- anvil client: the same `TradeClient` calls against an anvil devnet over JSON-RPC.
- anvil pipelined: one Python process signing locally with anvil's dev keys, sending each phase of a chunk of
  trades as one JSON-RPC batch and reading the receipts back as one batch.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector as selector

from tradechain.client import TradeClient
from tradechain.transactions import event_topic
from tradechain.vocabulary import ETH, KINDS, hash_bytes, location_code

TX_GAS = 1_000_000  # what TradeClient sends too
PRICE = 10**15  # 0.001 ETH per order
DAY = 86400


@dataclass
class TradeCalldata:
    """Encodes the four transactions of a trade straight with eth_abi (no web3 contract objects)."""

    escrow: str
    provenance: str
    accounts: dict[str, str]

    PLACE = selector("placeOrder((address,address,uint256,uint256,uint256,uint256,bytes32,uint256,uint256))")  # OrderTerms
    SHIP = selector("ship(uint256,address,bytes32,bytes32)")
    RECORD = selector("record(uint256,uint8,bytes8,bytes32)")
    RELEASE = selector("release(uint256)")

    @classmethod
    def of(cls, client: TradeClient) -> "TradeCalldata":
        return cls(client.escrow.address, client.provenance.address, client.deployment.accounts)

    def trade(self, order_id: int, now: int) -> list[tuple[str, str, bytes, int]]:
        """[(sender, to, calldata, value)] for order `order_id`, placed at chain time about `now`."""
        return [self.place(order_id, now), *self.steps(order_id)]

    def place(self, order_id: int, now: int) -> tuple[str, str, bytes, int]:
        a = self.accounts
        terms = hash_bytes(b"terms %d" % order_id)
        return (a["buyer"], self.escrow, self.PLACE + encode(
            ["(address,address,uint256,uint256,uint256,uint256,bytes32,uint256,uint256)"],
            [(a["seller"], ETH, PRICE, now + 2 * DAY, now + 20 * DAY, 0, terms, 0, 0)]), PRICE)

    def steps(self, order_id: int) -> list[tuple[str, str, bytes, int]]:
        """Ship, Delivered and release of a placed order."""
        a = self.accounts
        terms = hash_bytes(b"terms %d" % order_id)
        ship = self.SHIP + encode(["uint256", "address", "bytes32", "bytes32"],
                                  [order_id, a["carrier"], hash_bytes(b"bol"), b"\x00" * 32])  # no sensor limits
        deliver = self.RECORD + encode(["uint256", "uint8", "bytes8", "bytes32"],
                                       [order_id, KINDS.index("Delivered"), location_code("DEHAM"), terms])
        release = self.RELEASE + encode(["uint256"], [order_id])
        return [(a["seller"], self.escrow, ship, 0), (a["carrier"], self.provenance, deliver, 0),
                (a["keeper"], self.escrow, release, 0)]


class Clock:
    """Wall time, and this process's CPU time: on a shared machine the embedded chain (all in-process) is
    compared by CPU time, which other processes' load does not distort. anvil runs in its own process, so
    anything involving it is wall time."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def rate(self, trades: int, by_cpu: bool = False) -> dict:
        return rate(trades, time.perf_counter() - self.wall, time.process_time() - self.cpu, by_cpu)


def rate(trades: int, wall: float, cpu: float, by_cpu: bool) -> dict:
    seconds = cpu if by_cpu else wall
    return {"trades": trades, "transactions": 4 * trades, "seconds": round(wall, 3), "cpuSeconds": round(cpu, 3),
            "timedBy": "cpu" if by_cpu else "wall",
            "tradesPerSecond": round(trades / seconds, 2), "txPerSecond": round(4 * trades / seconds, 1)}


def timed(one, trades: int, by_cpu: bool) -> dict:
    """`trades` calls of `one` (one trade each), as a rate."""
    clock = Clock()
    for _ in range(trades):
        one()
    return clock.rate(trades, by_cpu)


def raw_embedded_trade(artifacts: dict):
    """The ceiling: the trade's calldata sent straight to eth-tester (the embedded chain's configuration of it),
    receipts read back, nothing else. Returns one trade as a function, on a fresh chain, warmed up."""
    from tradechain.bench.gas import setup

    client = setup(artifacts)
    tester = client.chain.tester
    calldata = TradeCalldata.of(client)
    base, now = client.escrow.order_count(), client.chain.now()
    ids = iter(range(base + 1, 1 << 62))

    def one() -> None:
        order_id = next(ids)
        for sender, to, data, value in calldata.trade(order_id, now):
            tx_hash = tester.send_transaction({"from": sender, "to": to, "gas": TX_GAS, "value": value,
                                               "data": "0x" + data.hex()})
            receipt = tester.mined_receipt(tx_hash) or tester.get_transaction_receipt(tx_hash)
            if receipt["status"] != 1:
                raise RuntimeError(f"raw trade {order_id} reverted")

    one()  # warm-up: first-ever writes and Python caches
    return one


def raw_embedded(trades: int, artifacts: dict) -> dict:
    return timed(raw_embedded_trade(artifacts), trades, by_cpu=True)


def client_trade(client: TradeClient):
    """One full trade through TradeClient's typed methods, as a function (warmed up)."""
    a = client.deployment.accounts
    now = client.chain.now()  # once, as the raw run does: the deadlines are days away

    def one() -> None:
        oid, _ = client.escrow.place_order(buyer=a["buyer"], seller=a["seller"], amount=PRICE, ship_by=now + 2 * DAY,
                                    deliver_by=now + 20 * DAY, inspection_window=0)
        client.escrow.ship(oid, a["carrier"], hash_bytes(b"bol"), sender=a["seller"])
        client.provenance.deliver(oid, "DEHAM", hash_bytes(b"pod"), sender=a["carrier"])
        client.escrow.release(oid, sender=a["keeper"])

    one()
    return one


def client_trades(client: TradeClient, trades: int) -> dict:
    """Full trades through TradeClient's typed methods."""
    return timed(client_trade(client), trades, by_cpu=client.chain.in_process)


def client_embedded(trades: int, artifacts: dict) -> dict:
    from tradechain.bench.gas import setup

    return client_trades(setup(artifacts), trades)


class LegacySigner:
    """EIP-155 legacy transactions signed with libsecp256k1 directly (coincurve): the key object is built once,
    not per transaction as eth_account does, which is most of its ~1 ms per signature."""

    def __init__(self, private_key: bytes, chain_id: int):
        import coincurve

        self.key, self.chain_id = coincurve.PrivateKey(private_key), chain_id

    def sign(self, nonce: int, gas_price: int, gas: int, to: str, value: int, data: bytes) -> bytes:
        import rlp
        from eth_hash.auto import keccak

        fields = [nonce, gas_price, gas, bytes.fromhex(to[2:]), value, data]
        sig = self.key.sign_recoverable(keccak(rlp.encode(fields + [self.chain_id, 0, 0])), hasher=None)
        v = sig[64] + 35 + 2 * self.chain_id
        return rlp.encode(fields + [v, int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big")])


class BatchRpc:
    """JSON-RPC over one keep-alive HTTP session, with batches."""

    def __init__(self, url: str):
        import requests

        self.url, self.session, self._id = url, requests.Session(), 0

    def batch(self, calls: list[tuple[str, list]]) -> list:
        payload = []
        for method, params in calls:
            self._id += 1
            payload.append({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params})
        answers = {a["id"]: a for a in self.session.post(self.url, json=payload, timeout=60).json()}
        out = []
        for req in payload:
            a = answers[req["id"]]
            if "error" in a:
                raise RuntimeError(f"{req['method']}: {a['error'].get('message')}")
            out.append(a["result"])
        return out

    def one(self, method: str, params: list):
        return self.batch([(method, params)])[0]


def anvil_pipelined(url: str, client: TradeClient, trades: int, chunk: int = 100) -> dict:
    """Trades sent from one process: signed locally, each phase of a chunk as one batch, receipts as one batch."""
    from tradechain.bench.devnet import dev_keys

    rpc = BatchRpc(url)
    calldata = TradeCalldata.of(client)
    chain_id = int(rpc.one("eth_chainId", []), 16)
    keys = {k.address: LegacySigner(bytes(k.key), chain_id) for k in dev_keys()}
    gas_price = 2 * int(rpc.one("eth_gasPrice", []), 16)
    senders = list(dict.fromkeys(s for s, *_ in calldata.trade(1, 0)))
    counts = rpc.batch([("eth_getTransactionCount", [s, "pending"]) for s in senders])
    nonces = {s: int(n, 16) for s, n in zip(senders, counts)}

    def run(first_id: int, count: int) -> None:
        now = client.chain.now()
        txs = [calldata.trade(first_id + i, now) for i in range(count)]
        for phase in range(4):  # each phase needs the previous one mined: place, ship, deliver, release
            raws = []
            for trade in txs:
                sender, to, data, value = trade[phase]
                raw = keys[sender].sign(nonces[sender], gas_price, TX_GAS, to, value, data)
                nonces[sender] += 1
                raws.append("0x" + raw.hex())
            hashes = rpc.batch([("eth_sendRawTransaction", [raw]) for raw in raws])
            rpc.one("evm_mine", [])  # the whole phase in one block
            receipts = rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes])
            while any(r is None for r in receipts):  # automine answers at once; a block-time node needs polling
                time.sleep(0.05)
                receipts = rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes])
            bad = [r["transactionHash"] for r in receipts if int(r["status"], 16) != 1]
            if bad:
                raise RuntimeError(f"{len(bad)} pipelined transactions reverted in phase {phase}, first {bad[0]}")

    rpc.one("evm_setAutomine", [False])  # blocks are mined per phase; restored below for other users
    try:
        return _pipeline(run, client, trades, chunk)
    finally:
        rpc.one("evm_setAutomine", [True])


def _pipeline(run, client: TradeClient, trades: int, chunk: int) -> dict:
    run(client.escrow.order_count() + 1, 1)  # warm-up
    first = client.escrow.order_count() + 1
    clock = Clock()
    done = 0
    while done < trades:
        n = min(chunk, trades - done)
        run(first + done, n)
        done += n
    result = clock.rate(trades)
    if client.escrow.order_count() != first + trades - 1:
        raise RuntimeError("the devnet did not record every pipelined order")
    result["chunk"] = chunk
    return result


def raw_rpc_trade(url: str, client: TradeClient, rehearse: bool = True):
    """The same JSON-RPC requests the client's rules make, with no library around them: each transaction
    rehearsed with eth_estimateGas (the preflight: a refused step is never sent; its gas limit is the estimate
    plus RpcChain's margin), then sent as one eth_sendTransactionSync (the node signs for its unlocked accounts
    and mines at once), status checked, over a keep-alive session; no decoding. `rehearse=False` gives the
    floor: the sends alone, with a fixed gas limit. Returns one trade as a function (warmed up)."""
    from tradechain.chain import RpcChain

    rpc = BatchRpc(url)
    calldata = TradeCalldata.of(client)
    now = client.chain.now()
    placed = "0x" + event_topic(next(e for e in client.tx.abi("TradeEscrow")
                                     if e.get("name") == "OrderPlaced" and e["type"] == "event")).hex()
    terms = iter(range(1, 1 << 62))

    def send(sender: str, to: str, data: bytes, value: int) -> dict:
        tx = {"from": sender, "to": to, "data": "0x" + data.hex(), "value": hex(value), "gas": hex(TX_GAS)}
        if rehearse:
            tx["gas"] = hex(int(int(rpc.one("eth_estimateGas", [tx, "pending"]), 16) * RpcChain.GAS_MARGIN))
        receipt = rpc.one("eth_sendTransactionSync", [tx])
        if int(receipt["status"], 16) != 1:
            raise RuntimeError(f"raw trade step to {to} reverted: {receipt['transactionHash']}")
        return receipt

    def one() -> None:
        # the order id from the OrderPlaced log (its first indexed topic): other senders share this devnet
        logs = send(*calldata.place(next(terms), now))["logs"]
        order_id = int(next(log["topics"][1] for log in logs if log["topics"][0] == placed), 16)
        for step in calldata.steps(order_id):
            send(*step)

    one()  # warm-up
    return one


def raw_rpc(url: str, client: TradeClient, trades: int, rehearse: bool = True) -> dict:
    return timed(raw_rpc_trade(url, client, rehearse), trades, by_cpu=False)


def paired(baseline, candidate, rounds: int, target: float) -> dict:
    """`rounds` pairs run back to back (A B A B …): the ratio candidate/baseline of each pair, so a slow
    moment of a shared machine lands on both sides of one ratio. The verdict states the run's own noise:
    PASS or FAIL only when every pair agrees; when the pairs' range spans the target it says so."""
    pairs = []
    for _ in range(rounds):
        pairs.append(_pair(baseline(), candidate()))
    return judged(pairs, target)


def alternating(baseline, candidate, trades: int, rounds: int, target: float, by_cpu: bool) -> dict:
    """Paired rounds interleaved trade by trade: in each round, `trades` trades of each side, one of each in turn
    (which side goes first alternates), each timed on its own. On a shared machine whose load swings within
    seconds, both sides of a ratio then see the same moments. A side that runs in another process returns the
    CPU seconds its trade took there (a float); other sides are timed here.

    A pair's ratio is of the two sides' median trades. A stall of the machine (this VM's trades have a tail to
    2-3x their median, about one in twenty) lands on one trade of one side: it moves that side's sum by a tenth
    at 20 trades, and its median not at all. The rows keep the sums (trades per second over the round)."""
    pairs = []
    for _ in range(rounds):
        wall, cpu = [0.0, 0.0], [0.0, 0.0]
        each: list[list[float]] = [[], []]  # each trade's seconds, by the clock the comparison uses
        for i in range(trades):
            for side in ((0, 1) if i % 2 == 0 else (1, 0)):
                w, c = time.perf_counter(), time.process_time()
                own = (baseline, candidate)[side]()
                if isinstance(own, float):  # a side in another process reports its own CPU seconds
                    took_wall = took_cpu = own
                else:
                    took_wall, took_cpu = time.perf_counter() - w, time.process_time() - c
                wall[side] += took_wall
                cpu[side] += took_cpu
                each[side].append(took_cpu if by_cpu else took_wall)
        a, b = (dict(rate(trades, wall[s], cpu[s], by_cpu), medianTradeMs=round(statistics.median(each[s]) * 1000, 3))
                for s in (0, 1))
        pairs.append(_pair(a, b))
    return judged(pairs, target)


def _pair(a: dict, b: dict) -> dict:
    """The candidate's speed over the baseline's: by their median trades where timed trade by trade, else by
    their rates over the round."""
    if a.get("medianTradeMs") and b.get("medianTradeMs"):
        ratio = a["medianTradeMs"] / b["medianTradeMs"]
    else:
        ratio = b["tradesPerSecond"] / a["tradesPerSecond"]
    return {"baseline": a, "candidate": b, "ratio": round(ratio, 3)}


def judged(pairs: list[dict], target: float) -> dict:
    """The median and range of the pairs' ratios, and a verdict that states the run's own noise."""
    ratios = sorted(p["ratio"] for p in pairs)
    median = statistics.median(ratios)
    if ratios[0] >= target:
        verdict = "PASS"
    elif ratios[-1] < target:
        verdict = "FAIL"
    else:
        verdict = (f"{'PASS' if median >= target else 'below'} by the median, but the target is inside this "
                   f"run's noise (pairs ranged {ratios[0]}-{ratios[-1]}): not a clear result")
    mid = min(pairs, key=lambda p: abs(p["ratio"] - median))  # the pair nearest the median, for its rates
    return {"median": round(median, 3), "range": [ratios[0], ratios[-1]], "ratios": [p["ratio"] for p in pairs],
            "target": target, "verdict": verdict, "pass": median >= target, "baseline": mid["baseline"],
            "candidate": mid["candidate"]}


REQUESTS_PER_TRADE = 10  # JSON-RPC requests TradeClient may make for one trade
# candidate / baseline, with its target
EMBEDDED = ("client / raw eth-tester", 0.90)
ANVIL = ("anvil client / raw JSON-RPC", 0.80)
TITANOBOA = ("embedded client / titanoboa", 0.40)  # "within 2.5x of titanoboa"


def measure(trades: int = 20, rounds: int = 5, anvil_trades: int = 400, anvil_client_trades: int = 20,
            use_anvil: bool = True, senders: int = 4, per_sender: int = 5, use_titanoboa: bool = True) -> dict:
    """Raw and client in `rounds` paired rounds interleaved trade by trade, each side on its own embedded chain
    (and both on one anvil); the ratio of each pair, their median and range."""
    from tradechain import progress
    from tradechain.project import load_artifacts

    artifacts = load_artifacts()
    from tradechain.bench.gas import setup

    progress.step(f"bench speed: {rounds} paired rounds on the embedded chain ({trades} trades each, raw and client "
                  "in turn)")
    pairs = {EMBEDDED[0]: alternating(raw_embedded_trade(artifacts), client_trade(setup(artifacts)), trades, rounds,
                                      EMBEDDED[1], by_cpu=True)}
    result: dict = {"trade": "place+pay (ETH), ship (+invoice), Delivered checkpoint, release: 4 transactions",
                    "rounds": rounds, "raw": pairs[EMBEDDED[0]]["baseline"], "client": pairs[EMBEDDED[0]]["candidate"]}
    if use_titanoboa:
        from tradechain.bench import titanoboa

        progress.step(f"bench speed: {rounds} paired rounds, titanoboa (its own venv and process) and the client")
        boa = titanoboa.measure(artifacts, trades, rounds, TITANOBOA[1])
        if "unavailable" in boa:
            result["titanoboaUnavailable"] = boa["unavailable"]
        else:
            pairs[TITANOBOA[0]] = boa
            result["titanoboa"], result["titanoboaVm"], result["titanoboaKeccak"] = (boa["baseline"], boa["boaVm"],
                                                                                    boa["boaKeccak"])
    if use_anvil:
        from tradechain.bench.devnet import anvil
        from tradechain.chain import rpc
        from tradechain.deployment import deploy_suite

        progress.step(f"bench speed: on an anvil devnet ({anvil_client_trades} client trades, {anvil_trades} pipelined)")
        with anvil() as url:
            chain = rpc(url)
            dev = TradeClient(chain, deploy_suite(chain, artifacts), artifacts)
            pairs[ANVIL[0]] = alternating(raw_rpc_trade(url, dev), client_trade(dev), anvil_client_trades, rounds,
                                          ANVIL[1], by_cpu=False)
            result["requestsPerTrade"] = requests_per_trade(dev)
            result["rawRpcSendsOnly"] = raw_rpc(url, dev, anvil_client_trades, rehearse=False)
            result["anvilPipelined"] = anvil_pipelined(url, dev, anvil_trades)
        result["rawRpc"], result["anvilClient"] = pairs[ANVIL[0]]["baseline"], pairs[ANVIL[0]]["candidate"]
        result["pipelinedOverEmbeddedClient"] = round(
            result["anvilPipelined"]["tradesPerSecond"] / result["client"]["tradesPerSecond"], 2)
        if senders:  # concurrent senders sharing one key, on both node implementations (bench/concurrency.py)
            from tradechain.bench import concurrency

            result["concurrency"] = {node: concurrency.measure(node, senders, per_sender)
                                     for node in ("anvil", "hardhat")}
    result["pairs"] = pairs
    result["ratios"] = {name: p["median"] for name, p in pairs.items()}
    return result


def requests_per_trade(client: TradeClient, trades: int = 3) -> dict:
    """JSON-RPC requests (by method) per trade from TradeClient, counted on its connection's HTTP session."""
    from tradechain.bench.rpc_count import HTTP_POSTS, count_requests

    client_trades(client, 0)  # one trade outside the count: the caches a connection fills once
    with count_requests(client.chain) as counts:
        client_trades(client, trades - 1)  # plus its own warm-up trade: `trades` in all
    per = {method: n / trades for method, n in sorted(counts.items())}
    return {"total": sum(n for m, n in per.items() if m != HTTP_POSTS), **per}

