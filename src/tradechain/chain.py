"""The chain tradechain talks to: the embedded eth-tester chain, or any JSON-RPC node.

`Chain` is the one swappable environment object (titanoboa's Env / NetworkEnv): `EmbeddedChain` and
`RpcChain` answer the same questions — accounts, signing, sending, time control, snapshots — each its own
way, so nothing outside this module asks which backend is underneath.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from tradechain.codec import checksum
from tradechain.errors import ChainUnavailable, Reverted, UsageError, revert_data
from tradechain.jsonrpc import RETRIES, Connection, RpcError

if TYPE_CHECKING:
    from web3 import Web3

RPC_TIMEOUT = 5  # seconds: a missing node must fail fast, not hang
BATCH_SIZE = 500  # JSON-RPC requests per batch: public nodes cap batches (often at 100-1000)
BATCH_TIMEOUT = 60
# How nodes word "no such method" (codes differ: -32601, -32600, -32000, ...)
_UNKNOWN_METHOD = ("method not found", "not supported", "does not exist", "unknown method", "not available")


class Chain:
    """What every backend shares. Subclasses say how to send unsigned, wait, move time and snapshot."""

    # The chain's state lives only as long as this process: a suite is deployed afresh, never read from a
    # manifest, and commands that span invocations refuse it.
    ephemeral = False
    # The EVM runs in this process, so CPU time is the honest clock for benchmarks.
    in_process = False

    def __init__(self, w3: Web3 | None, *, network: str | None = None, preflight: bool = True):
        self._w3 = w3
        self.network = network  # the --network name this chain was reached by, for hints
        self.profile: Any = None  # networks.Network when reached by name: expected chain id, confirmations, fees
        # Run each transaction as eth_call first where a failed transaction costs real gas and a nonce (a
        # step the contract refuses is then never sent). The embedded chain turns it off.
        self.preflight = preflight
        self._signers: dict[str, Any] = {}  # address -> LocalAccount, for keys we hold
        self._chain_id: int | None = None
        self.index_reads: Any = None  # index.reader.IndexReads, once an index serves this chain's reads

    def attach_index(self, reads: Any) -> None:
        """Serve this chain's log and block-time reads from an index (index/reader.py): reads through web3 go
        through its middleware; a backend whose own requests skip web3 consults `reads` itself."""
        self.index_reads = reads
        if self._w3 is not None:
            reads.install(self._w3)

    @property
    def w3(self) -> Web3:
        """web3 on this chain, for what the chain does not answer itself (made on first use where it costs)."""
        return self._w3

    def _reply(self, method: str, params: list) -> dict:
        """The node's raw JSON-RPC reply to one request."""
        return self.w3.provider.make_request(method, params)

    # ---- identity ----
    @property
    def chain_id(self) -> int:
        """Asked once per connection: a node's chain id does not change under an open connection."""
        if self._chain_id is None:
            self._chain_id = int(self.w3.eth.chain_id)
        return self._chain_id

    @property
    def name(self) -> str:
        raise NotImplementedError

    @property
    def where(self) -> str:
        """The command-line option that reaches this chain again ("" for the embedded chain)."""
        return ""

    @property
    def accounts(self) -> list[str]:
        """Accounts the node holds keys for (eth-tester's funded accounts, anvil's unlocked ones)."""
        held = self._node_accounts()
        return held + [a for a in self._signers if a not in held]

    def _node_accounts(self) -> list[str]:
        return list(self.w3.eth.accounts)

    def add_signer(self, private_key: str) -> str:
        """Hold a private key in memory to sign for an account the node does not know. Never written."""
        from eth_account import Account

        acct = Account.from_key(private_key)
        self._signers[acct.address] = acct
        return acct.address

    def private_key(self, address: str) -> bytes:
        """The key of an account whose key we know: one we hold, or one the backend gives out."""
        address = checksum(address)
        if address in self._signers:
            return bytes(self._signers[address].key)
        key = self._backend_key(address)
        if key is None:
            raise UsageError(f"no private key is known for {address}; this step needs the account's own signature")
        return key

    def _backend_key(self, address: str) -> bytes | None:
        return None

    def sign_typed_data(self, address: str, data: dict) -> tuple[int, bytes, bytes]:
        """EIP-712 signature (v, r, s) by `address`: with a key we know, else by the node."""
        from eth_account import Account

        try:
            key = self.private_key(address)
        except UsageError:
            return self._node_sign_typed_data(address, data)
        signed = Account.sign_typed_data(key, full_message=data)
        return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")

    def _node_sign_typed_data(self, address: str, data: dict) -> tuple[int, bytes, bytes]:
        raise UsageError(f"no private key is known for {address}; this step needs the account's own signature")

    def signer(self, address: str):
        return self._signers.get(checksum(address))

    # ---- transactions ----
    def send(self, tx: dict, on_sent: Any = None) -> Any:
        """Send `tx` (from, to, data, value, gas) and wait for its receipt; `on_sent(hash, tx as sent)` is called
        once the node holds it, before the wait.

        Gas is given explicitly (no estimate). With `preflight` the call is tried first, so a refused step is
        never sent. A transaction that still fails when mined (state changed in between) shows only as
        status 0: the call is then replayed with eth_call on the state of the failing block itself (a
        reverted transaction changed nothing, and the block's timestamp is the one its deadline checks saw)
        to recover the reason. Raises Reverted.
        """
        if on_sent is None:
            receipt = self._send_and_wait(tx)
        else:
            tx_hash, sent = self.submit(tx)
            on_sent(hash_hex(tx_hash), sent)  # before waiting: a caller killed while it waits still knows it
            receipt = self._receipt(tx_hash)
        if receipt["status"] == 0:
            raise Reverted(self._replay(tx, receipt["blockNumber"]), receipt)
        return receipt

    def submit(self, tx: dict) -> tuple[Any, dict]:
        """Hand `tx` to the node without waiting: (its hash, the transaction as sent). Raises Reverted when the
        preflight call refuses it."""
        if self.preflight and tx.get("to"):
            self.call({k: tx[k] for k in ("from", "to", "data", "value", "gas") if k in tx}, "pending")
        signer = self._signers.get(tx["from"])
        try:
            if signer is not None:
                tx = {**tx, "chainId": self.chain_id, "gasPrice": self.w3.eth.gas_price,
                      "nonce": self.w3.eth.get_transaction_count(tx["from"], "pending")}
                return self.w3.eth.send_raw_transaction(signer.sign_transaction(tx).raw_transaction), tx
            return self._send_unsigned(tx), tx
        except Exception as exc:
            data = revert_data(exc)
            if data is None:
                raise
            raise Reverted(data) from None

    def _send_and_wait(self, tx: dict) -> Any:
        """Send and wait for the receipt (a backend that can does both in one request)."""
        return self._receipt(self.submit(tx)[0])

    def _send_unsigned(self, tx: dict) -> Any:
        return self.w3.eth.send_transaction(tx)

    def _receipt(self, tx_hash: Any) -> Any:
        return self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120, poll_latency=0.05)

    def call(self, tx: dict, block: Any = "latest") -> bytes:
        """eth_call; raises Reverted with the revert data."""
        try:
            return bytes(self.w3.eth.call(tx, block_identifier=block))
        except Exception as exc:
            data = revert_data(exc)
            if data is None:
                raise
            raise Reverted(data) from None

    def call_many(self, txs: list[dict]) -> list:
        """eth_call of each of `txs` at the latest block: its return data, or the Reverted it raised."""
        out: list = []
        for tx in txs:
            try:
                out.append(self.call(tx))
            except Reverted as exc:
                out.append(exc)
        return out

    def simulate(self, txs: list[dict]) -> None:
        """Run `txs` in order on top of the latest state without sending anything; raise Reverted for the first
        that reverts. Used to preflight a whole step (an ERC-20 approve and the call that spends it) so a step
        the contract refuses leaves no approval, nonce or fee behind."""
        calls = [{"from": t["from"], "to": t["to"], "data": "0x" + bytes(t.get("data", b"")).hex(),
                  "value": hex(t.get("value", 0)), "gas": hex(t.get("gas", 0) or 1_000_000)} for t in txs]
        try:
            result = self._reply("eth_simulateV1", [{"blockStateCalls": [{"calls": calls}]}, "latest"])
        except Exception:  # noqa: BLE001 - a node that cannot simulate: fall back below
            result = {}
        if "result" in result:
            for answer in result["result"][0]["calls"]:
                if int(answer.get("status", "0x1"), 16) == 0:
                    raise Reverted(bytes.fromhex((answer.get("returnData") or "0x")[2:]))
            return
        self._simulate_in_snapshot(txs)

    def _simulate_in_snapshot(self, txs: list[dict]) -> None:
        """Fallback for a node without eth_simulateV1: send all but the last inside a snapshot (only where time
        and state are ours to rewind), call the last, rewind. On a public network only the last is called."""
        try:
            snap = self.snapshot()
        except Exception:  # noqa: BLE001 - no snapshots (a public network without eth_simulateV1): cannot tell
            return
        try:
            for tx in txs[:-1]:
                self.send(tx)
            self.call(_call_fields(txs[-1]))
        finally:
            self.revert(snap)

    def _replay(self, tx: dict, block: int) -> bytes:
        call = {k: tx[k] for k in ("from", "to", "data", "value") if k in tx}
        try:
            self.call(call, block)
        except Reverted as rev:
            return rev.data
        return b""  # the call succeeds on its own: out of gas, or state changed earlier in the block

    # ---- time ----
    def now(self) -> int:
        """Timestamp of the latest block: what the next transaction's checks are measured against."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def block_number(self) -> int:
        return int(self.w3.eth.block_number)

    def block_time(self, block: int) -> int:
        return int(self.w3.eth.get_block(block)["timestamp"])

    def block_times(self, blocks) -> dict[int, int]:
        """Timestamps of `blocks`, by number."""
        return {b: self.block_time(b) for b in set(blocks)}

    def get_logs(self, flt: dict) -> list:
        """eth_getLogs with `flt` (block numbers as ints)."""
        return self.w3.eth.get_logs(flt)

    def code(self, address: str) -> bytes:
        """The code deployed at `address` (empty for an account without code)."""
        return bytes(self.w3.eth.get_code(address))

    def advance(self, seconds: int) -> int:
        """Move chain time forward by `seconds` and mine a block; returns the new timestamp."""
        if seconds < 0:
            raise UsageError("time only moves forward")
        self._advance(seconds)
        return self.now()

    def _advance(self, seconds: int) -> None:
        raise NotImplementedError

    def set_time(self, timestamp: int) -> int:
        """Mine the next block at `timestamp` (forward only); later blocks follow from there."""
        if timestamp <= self.now():
            raise UsageError("time only moves forward")
        self._set_time(timestamp)
        return self.now()

    def _set_time(self, timestamp: int) -> None:
        raise NotImplementedError

    def check_time_control(self, what: str = "this") -> None:
        """Raise UsageError naming `what` needs it when this chain cannot move time (a public network)."""

    def mine(self) -> None:
        raise NotImplementedError

    # ---- snapshots ----
    def snapshot(self) -> Any:
        """Take a snapshot; it can be reverted to more than once on every backend."""
        raise NotImplementedError

    def revert(self, snapshot_id: Any) -> None:
        raise NotImplementedError


def _call_fields(tx: dict) -> dict:
    return {k: tx[k] for k in ("from", "to", "data", "value", "gas") if k in tx}


def _json_filter(flt: dict) -> dict:
    """An eth_getLogs filter with its block numbers as JSON-RPC hex quantities."""
    return {k: hex(v) if isinstance(v, int) else v for k, v in flt.items()}


def _checked(address: Any) -> Any:
    """`address` for eth-tester, in lower case when it is a valid checksummed address: eth-tester verifies a
    mixed-case address by hashing it again on every transaction and call, where codec.checksum keeps the verdict.
    Anything else goes as it is, for eth-tester to accept or refuse."""
    if isinstance(address, str):
        try:
            if checksum(address) == address:
                return address.lower()
        except ValueError:  # not an address at all
            pass
    return address


class EmbeddedChain(Chain):
    """In-process eth-tester + py-evm: ten funded accounts, no server, gone when the process ends."""

    ephemeral = True
    in_process = True

    def __init__(self, tester: Any, w3: Web3):
        # A failed transaction costs nothing real here, and the EVM should run once: no preflight.
        super().__init__(w3, preflight=False)
        self.tester = tester
        self._caller: str | None = None  # eth-tester's first account: the sender of a call that names none

    @property
    def name(self) -> str:
        return "embedded"

    def _backend_key(self, address: str) -> bytes | None:
        for key in self.tester.backend.account_keys:
            if key.public_key.to_checksum_address() == address:
                return key.to_bytes()
        return None

    def _send_unsigned(self, tx: dict) -> Any:
        """Straight to eth-tester, which mines at once; web3's request pipeline (defaults, validation,
        formatting: two eth_chainId and one get_block per transaction) costs about a quarter of the time of
        the EVM run itself here."""
        if not tx.get("to"):
            return self.w3.eth.send_transaction(tx)
        data = tx.get("data", b"")
        return self.tester.send_transaction({
            "from": _checked(tx["from"]), "to": _checked(tx["to"]), "gas": tx["gas"], "value": tx.get("value", 0),
            "data": data if isinstance(data, str) else "0x" + bytes(data).hex(),
        })

    def _receipt(self, tx_hash: Any) -> Any:
        """Mined inside send: no polling. Read from eth-tester itself in JSON-RPC's shape (web3's provider
        and formatters took a tenth of a trade's time here)."""
        if not isinstance(tx_hash, str):
            tx_hash = "0x" + bytes(tx_hash).hex()
        # embedded_backend.LeanTester (every embedded chain's) holds the receipt of the transaction just mined
        r = self.tester.mined_receipt(tx_hash) or self.tester.get_transaction_receipt(tx_hash)
        return {"transactionHash": r["transaction_hash"], "blockNumber": r["block_number"], "gasUsed": r["gas_used"],
                "status": r["status"], "contractAddress": r["contract_address"],
                "logs": [{"address": log["address"], "topics": log["topics"], "data": log["data"],
                          "blockNumber": log["block_number"], "logIndex": log["log_index"],
                          "transactionHash": log["transaction_hash"]} for log in r["logs"]]}

    def call(self, tx: dict, block: Any = "latest") -> bytes:
        """Straight to eth-tester (which wants a sender that can pay for the call's gas: its first account,
        as web3's provider picks, when none is given)."""
        if not tx.get("to"):  # a contract creation, replayed for its revert reason
            return super().call(tx, block)
        data = tx.get("data", b"")
        if self._caller is None:  # accounts are only ever added after the first: it stays first
            self._caller = self.tester.get_accounts()[0]
        call = {"from": _checked(tx.get("from") or self._caller), "to": _checked(tx["to"]),
                "value": tx.get("value", 0), "data": data if isinstance(data, str) else "0x" + bytes(data).hex()}
        if "gas" in tx:
            call["gas"] = tx["gas"]
        from eth_tester.exceptions import TransactionFailed

        try:
            return bytes.fromhex(self.tester.call(call, block)[2:])
        except TransactionFailed as exc:
            reason = exc.args[0] if exc.args else b""
            if isinstance(reason, str) and reason.startswith(("b'", 'b"')):  # raw revert data, as its repr
                import ast

                reason = ast.literal_eval(reason)
            if isinstance(reason, (bytes, bytearray)):  # raw revert data (a custom error)
                raise Reverted(bytes(reason)) from None
            data = revert_data(exc)
            if data is None:  # a require(…, "reason") eth-tester decoded: re-encode it as Error(string)
                from eth_abi import encode as abi_encode

                data = bytes.fromhex("08c379a0") + abi_encode(["string"], [str(reason)])
            raise Reverted(data) from None

    def get_logs(self, flt: dict) -> list:
        """Read from py-evm's blocks in one pass (embedded_logs.py: eth-tester's own get_logs is quadratic in
        the chain's length); an attached index answers for the blocks it holds (index/reader.py)."""
        from tradechain import embedded_logs

        if self.index_reads is None:
            return embedded_logs.logs(self.tester, flt)
        return self.index_reads.reply("eth_getLogs", [_json_filter(flt)], self._node_reply)["result"]

    def _node_reply(self, method: str, params: list) -> dict:
        """This chain's own reply to a read the index passes on (the head's number, logs after its cursor)."""
        if method == "eth_getLogs":
            from tradechain import embedded_logs

            return {"result": embedded_logs.logs(self.tester, params[0])}
        return self._reply(method, params)

    def simulate(self, txs: list[dict]) -> None:
        self._simulate_in_snapshot(txs)

    def _advance(self, seconds: int) -> None:
        self.tester.time_travel(self.now() + seconds)

    def _set_time(self, timestamp: int) -> None:
        self.tester.time_travel(timestamp)

    def mine(self) -> None:
        self.tester.mine_blocks(1)

    def snapshot(self) -> Any:
        return self.tester.take_snapshot()

    def revert(self, snapshot_id: Any) -> None:
        self.tester.revert_to_snapshot(snapshot_id)


class RpcChain(Chain):
    """Any JSON-RPC node: anvil, a Hardhat node, or a real network (time control only on devnets).

    Its transactions are what real networks accept: a gas limit from eth_estimateGas plus a margin (the estimate
    is also the preflight: a step that would revert is stopped before it is sent, with its reason), EIP-1559
    fees from eth_feeHistory under the network's fee policy (fees.py; legacy where there is no base fee), and
    for keys we hold, nonces from one manager per chain shared by threads and processes (nonces.py).

    What it asks the node itself goes straight over its keep-alive connection (jsonrpc.py), not through web3:
    web3's request pipeline cost more CPU per transaction than anvil's EVM run, and importing it about 1 s, so a
    command that only reads never imports it. `w3` is made on first use, on the same session, for the rest."""

    GAS_MARGIN = 1.2  # estimate x 1.2: state may change between the estimate and the block
    FEE_TTL = 2.0  # seconds a fee suggestion is reused: two extra requests per transaction otherwise

    def __init__(self, connection: Connection, *, network: str | None = None, chain_id: int | None = None):
        super().__init__(None, network=network)
        self.rpc = connection  # every request of this chain's own goes straight through it (jsonrpc.py)
        self.url = connection.url
        self._chain_id = chain_id
        self._fees: tuple[float, Any] | None = None
        self._nonces: Any = None
        # anvil and Hardhat use a snapshot id up when reverting to it; eth-tester does not. A revert here takes a
        # fresh snapshot of the same state at once, and the caller's id stands for the fresh one.
        self._snapshot_alias: dict[Any, Any] = {}
        self.session = connection.session  # the requests.Session every request of this connection goes through
        # Whether the node answers eth_send(Raw)TransactionSync (EIP-7966: the receipt in the same reply, as
        # anvil does): asked by the first send, then remembered for the connection.
        self._sync_sends: bool | None = None

    @property
    def w3(self) -> Web3:
        if self._w3 is None:
            self._w3 = web3_for(self.url, self.session)
            if self.index_reads is not None:  # made after an index was attached: its reads go there too
                self.index_reads.install(self._w3)
        return self._w3

    def _reply(self, method: str, params: list) -> dict:
        """The reply to one request: the attached index's where it holds the answer, else the node's."""
        if self.index_reads is not None:
            return self.index_reads.reply(method, params, self.rpc.reply)
        return self.rpc.reply(method, params)

    def _request(self, method: str, params: list) -> Any:
        """The result of one request; an answer carrying revert data raises Reverted, another error RpcError."""
        reply = self._reply(method, params)
        if "error" in reply:
            raise _error(method, reply["error"])
        return reply.get("result")

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = int(self._request("eth_chainId", []), 16)
        return self._chain_id

    def _node_accounts(self) -> list[str]:
        return [checksum(a) for a in self._request("eth_accounts", [])]

    # ---- sending: one request per transaction where the node can, else send and then fetch the receipt
    def _send_and_wait(self, tx: dict) -> Any:
        """For an account the node signs for: eth_sendTransactionSync, the receipt in the reply (no polling)
        where the node has it. Keys we hold go through the nonce manager: submit, then the receipt."""
        if self._signers.get(tx["from"]) is not None or self._sync_sends is False:
            return super()._send_and_wait(tx)
        tx = self._prepare(tx)
        receipt = self._send_sync("eth_sendTransactionSync", _tx_params(tx))
        if receipt is None:  # the node has no such method: send, then fetch the receipt
            return self._receipt(self._send_unsigned(tx))
        return receipt

    def _send_sync(self, method: str, param: Any) -> Any:
        """The receipt from `method`, or None when the node does not know the method (then never asked
        again on this connection). A refusal raises Reverted (revert data) or RpcError, as a send would."""
        if self._sync_sends is False:
            return None
        reply = self.rpc.reply(method, [param])
        error = reply.get("error")
        if error is not None:
            message = str(error.get("message", "")).lower()
            if error.get("code") == -32601 or any(w in message for w in _UNKNOWN_METHOD):
                self._sync_sends = False
                return None
            raise _error(method, error)
        self._sync_sends = True
        return lean_receipt(reply["result"])

    def _send_unsigned(self, tx: dict) -> bytes:
        return bytes.fromhex(self._request("eth_sendTransaction", [_tx_params(tx)])[2:])

    def call(self, tx: dict, block: Any = "latest") -> bytes:
        """eth_call straight on the connection (web3's request pipeline costs more than anvil's EVM run)."""
        value = _call_result(self.rpc.reply("eth_call", _call_params(tx, block)))
        if isinstance(value, Reverted):
            raise value
        return value

    def call_many(self, txs: list[dict]) -> list:
        return [_call_result(r) for r in self.batch([("eth_call", _call_params(tx, "latest")) for tx in txs])]

    def block_times(self, blocks) -> dict[int, int]:
        numbers = sorted(set(blocks))
        replies = self.batch([("eth_getBlockByNumber", [hex(b), False]) for b in numbers])
        times = {}
        for number, reply in zip(numbers, replies):
            if reply.get("result") is None:
                raise ChainUnavailable(f"the node has no block {number}: {reply.get('error', {}).get('message', '')}")
            times[number] = int(reply["result"]["timestamp"], 16)
        return times

    def batch(self, calls: list[tuple[str, list]]) -> list[dict]:
        """JSON-RPC replies to `calls`, in order: the attached index's where it holds them, the rest the node's."""
        if self.index_reads is not None:
            return self.index_reads.replies(calls, self.rpc.reply, self.node_batch)
        return self.node_batch(calls)

    def node_batch(self, calls: list[tuple[str, list]]) -> list[dict]:
        """The node's own replies to `calls` (never an index's: the indexer reads the node), in order, sent as
        batches of at most BATCH_SIZE requests."""
        try:
            return self.rpc.batch(calls, BATCH_SIZE, BATCH_TIMEOUT)
        except RpcError as exc:
            raise ChainUnavailable(f"{self.url} refused a batch of {min(len(calls), BATCH_SIZE)} requests: "
                                   f"{exc.message or exc.error}") from None

    def get_logs(self, flt: dict) -> list:
        """eth_getLogs with `flt` (block numbers as ints), as raw JSON logs (served by an attached index)."""
        return self._request("eth_getLogs", [_json_filter(flt)])

    def node_reply(self, method: str, params: list) -> dict:
        """The node's own reply to one request (never an index's: the indexer reads the node)."""
        return self.rpc.reply(method, params)

    def _receipt(self, tx_hash: Any) -> Any:
        """Asked at once (a node that mines on arrival has it), then polled with a growing pause."""
        tx_hash = hash_hex(tx_hash)
        pause, deadline = 0.01, time.monotonic() + 120
        while True:
            raw = self._request("eth_getTransactionReceipt", [tx_hash])
            if raw is not None:
                return lean_receipt(raw)
            if time.monotonic() > deadline:
                raise ChainUnavailable(f"transaction {tx_hash} was not mined within 120 s") from None
            time.sleep(pause)
            pause = min(pause * 2, 1.0)

    def now(self) -> int:
        return int(self._request("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)

    def block_number(self) -> int:
        return int(self._request("eth_blockNumber", []), 16)

    def block_time(self, block: int) -> int:
        found = self._request("eth_getBlockByNumber", [hex(block), False])
        if found is None:
            raise ChainUnavailable(f"the node has no block {block}")
        return int(found["timestamp"], 16)

    def code(self, address: str) -> bytes:
        return bytes.fromhex(self._request("eth_getCode", [address, "latest"])[2:])

    @property
    def name(self) -> str:
        return self.url

    @property
    def where(self) -> str:
        return f"--network {self.network}" if self.network else f"--rpc {self.url}"

    # ---- the transaction layer
    @property
    def fee_policy(self) -> Any:
        from tradechain.networks import FeePolicy

        return self.profile.fees if self.profile is not None else FeePolicy()

    def fees(self) -> Any:
        """What to offer per gas now (fees.Fees), reused for FEE_TTL seconds."""
        from tradechain import fees

        if self._fees is None or time.monotonic() - self._fees[0] > self.FEE_TTL:
            self._fees = (time.monotonic(), fees.suggest_from(self._request, self.fee_policy))
        return self._fees[1]

    @property
    def key(self) -> str:
        """Names this chain in local state files: chain id and genesis hash (a fresh devnet is another chain)."""
        return f"{self.chain_id}-{self._request('eth_getBlockByNumber', ['0x0', False])['hash'][2:14]}"

    @property
    def nonces(self) -> Any:
        """The nonce manager for keys we hold (one per chain, shared by threads and processes)."""
        if self._nonces is None:
            from tradechain import nonces

            self._nonces = nonces.NonceManager(
                lambda a: int(self._request("eth_getTransactionCount", [a, "pending"]), 16), self.key,
                nonces.default_dir())
        return self._nonces

    def _prepare(self, tx: dict) -> dict:
        """`tx` as sent: its gas from the estimate (the preflight), fees from the policy."""
        tx = dict(tx)
        if self.preflight:
            tx["gas"] = self.estimate_gas(tx)
        tx.update(self.fees().tx_fields())
        return tx

    def submit(self, tx: dict) -> tuple[Any, dict]:
        tx = self._prepare(tx)
        signer = self._signers.get(tx["from"])
        if signer is None:  # the node signs and numbers it (anvil's unlocked accounts)
            return self._send_unsigned(tx), tx
        return self.nonces.send(tx["from"], lambda nonce: self._send_signed(signer, {**tx, "nonce": nonce}))

    def _send_signed(self, signer: Any, tx: dict) -> tuple[Any, dict]:
        from eth_utils import keccak

        from tradechain.nonces import is_already_known, is_conflict

        tx = {**tx, "chainId": self.chain_id}
        raw = signer.sign_transaction(tx).raw_transaction
        try:
            return bytes.fromhex(self._request("eth_sendRawTransaction", ["0x" + bytes(raw).hex()])[2:]), tx
        except RpcError as exc:
            if is_already_known(exc):  # our own earlier attempt got through (a retried request)
                return keccak(raw), tx
            # "nonce too low" after a retried request whose answer was lost: the node may hold this very
            # transaction, mined. Then it is ours, not another sender's: signing the next nonce would pay twice.
            if is_conflict(exc) and self._request("eth_getTransactionByHash", [hash_hex(keccak(raw))]) is not None:
                return keccak(raw), tx
            raise

    def estimate_gas(self, tx: dict) -> int:
        """eth_estimateGas on the pending state, plus GAS_MARGIN; raises Reverted when the step would revert."""
        call = {k: tx[k] for k in ("from", "to", "data", "value") if k in tx}
        return int(int(self._request("eth_estimateGas", _call_params(call, "pending")), 16) * self.GAS_MARGIN)

    def speed_up(self, tx_hash: str) -> tuple[str, Any] | None:
        """Replace a pending transaction with the same one at higher fees (same nonce): +12.5 % on each fee, or
        the current suggestion when that is higher. Returns (new hash, new fees), or None when it is mined."""
        from tradechain import fees

        if self._request("eth_getTransactionReceipt", [tx_hash]) is not None:
            return None
        old = self._request("eth_getTransactionByHash", [tx_hash])
        if old is None:
            raise UsageError(f"transaction {tx_hash} is unknown to the node (dropped, or never sent here)")
        if old.get("maxFeePerGas") is not None:
            before = fees.Fees(max_fee=int(old["maxFeePerGas"], 16), tip=int(old["maxPriorityFeePerGas"], 16))
        else:
            before = fees.Fees(gas_price=int(old["gasPrice"], 16))
        new_fees = _higher(before.bumped(self.fee_policy), self.fees())
        tx = {"from": checksum(old["from"]), "data": bytes.fromhex(old["input"][2:]), "value": int(old["value"], 16),
              "gas": int(old["gas"], 16), "nonce": int(old["nonce"], 16), **new_fees.tx_fields()}
        if old.get("to"):
            tx["to"] = checksum(old["to"])
        signer = self._signers.get(tx["from"])
        if signer is None:
            new_hash = self._send_unsigned(tx)
        else:
            new_hash, _ = self._send_signed(signer, tx)
        self._fees = None
        return hash_hex(new_hash), new_fees

    def _node_sign_typed_data(self, address: str, data: dict) -> tuple[int, bytes, bytes]:
        """eth_signTypedData_v4, which anvil answers for its unlocked accounts."""
        import json

        reply = self.rpc.reply("eth_signTypedData_v4", [address, json.dumps(data)])
        if "result" not in reply:
            raise UsageError(f"the node cannot sign for {address}: {reply.get('error', {}).get('message', reply)}")
        sig = bytes.fromhex(reply["result"].removeprefix("0x"))
        v = sig[64] if sig[64] >= 27 else sig[64] + 27
        return v, sig[:32], sig[32:64]

    def _advance(self, seconds: int) -> None:
        self._request("evm_increaseTime", [seconds])
        self._request("evm_mine", [])

    def _set_time(self, timestamp: int) -> None:
        # anvil and Hardhat both keep the new offset for the blocks after this one
        self._request("evm_setNextBlockTimestamp", [timestamp])
        self._request("evm_mine", [])

    def check_time_control(self, what: str = "this") -> None:
        try:
            self.advance(0)
        except Exception:
            raise UsageError(f"{what} needs time control (evm_increaseTime): run it on the embedded chain or a "
                             "devnet") from None

    def mine(self) -> None:
        self._request("evm_mine", [])

    def snapshot(self) -> Any:
        return self._request("evm_snapshot", [])

    def revert(self, snapshot_id: Any) -> None:
        node_id = self._snapshot_alias.get(snapshot_id, snapshot_id)
        if self.rpc.reply("evm_revert", [node_id]).get("result") is not True:
            raise ChainUnavailable(f"the node refused to revert to snapshot {snapshot_id}")
        self._snapshot_alias[snapshot_id] = self._request("evm_snapshot", [])


def hash_hex(tx_hash: Any) -> str:
    """A transaction hash as 0x-hex, whether the backend gave bytes (web3) or a string (eth-tester)."""
    if isinstance(tx_hash, str):
        return tx_hash if tx_hash.startswith("0x") else "0x" + tx_hash
    return "0x" + bytes(tx_hash).hex()


def _higher(a: Any, b: Any) -> Any:
    """The fees offering more of each part (a replacement must beat the old ones and today's market)."""
    from tradechain.fees import Fees

    if a.legacy or b.legacy:
        return Fees(gas_price=max(a.per_gas(), b.per_gas()))
    return Fees(max_fee=max(a.max_fee, b.max_fee), tip=max(a.tip, b.tip))


def embedded() -> EmbeddedChain:
    """A fresh in-process chain (eth-tester + py-evm): ten funded accounts, no server."""
    from web3 import EthereumTesterProvider, Web3

    from tradechain.embedded_backend import lean_tester

    tester = lean_tester()
    return EmbeddedChain(tester, Web3(EthereumTesterProvider(tester)))


def retry_configuration():
    """web3's own retry of transient node failures, as jsonrpc.py retries the chain's own requests: connection
    refused or reset, timeouts, HTTP 429 and 5xx. For reads (web3's allow-list), fee history, and
    eth_sendRawTransaction: resending the same signed bytes cannot pay twice (the node answers "already
    known"); eth_sendTransaction (the node signs, picking a nonce) is never retried."""
    from web3.providers.rpc.utils import REQUEST_RETRY_ALLOWLIST, ExceptionRetryConfiguration

    from tradechain import jsonrpc

    return ExceptionRetryConfiguration(
        errors=jsonrpc.TRANSIENT, retries=RETRIES, backoff_factor=jsonrpc.BACKOFF,
        method_allowlist=[*REQUEST_RETRY_ALLOWLIST, "eth_feeHistory", "eth_sendRawTransaction", "web3_clientVersion"])


def web3_for(url: str, session: Any) -> Web3:
    """web3 over an open connection's session (same keep-alive socket, same retry rule)."""
    from web3 import Web3

    return Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": RPC_TIMEOUT}, session=session,
                                  exception_retry_configuration=retry_configuration(),
                                  # web3 validates every call and send against the chain id: ask it once
                                  cache_allowed_requests=True, cacheable_requests={"eth_chainId"}))


def rpc(url: str, *, network: str | None = None) -> RpcChain:
    """Connect to a JSON-RPC node; fails fast with one clear line when nothing answers."""
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--rpc must be an http(s):// URL, got {url!r}")
    connection = Connection(url, http_session(url), RPC_TIMEOUT)
    try:
        chain_id = int(connection.request("eth_chainId", []), 16)  # the cheapest call that proves a node answers
    except Exception as exc:  # connection errors, timeouts, bad JSON, an error answer: all mean "no usable node"
        raise ChainUnavailable(
            f"no Ethereum node answers at {url} ({type(exc).__name__}); "
            "start one with `tradechain devnet start` or check the URL"
        ) from None
    return RpcChain(connection, network=network, chain_id=chain_id)


def http_session(url: str):
    """One keep-alive session per connection. The environment's proxy settings are read here, once: a
    session that trusts the environment re-reads them (and .netrc) on every request."""
    import requests

    session = requests.Session()
    session.trust_env = False
    session.proxies.update(requests.utils.get_environ_proxies(url))
    return session


def lean_receipt(raw: dict) -> dict:
    """A node's JSON receipt with the numbers the transaction layer checks as ints; logs stay raw (the
    transaction layer decodes raw logs itself)."""
    return {**raw, "status": int(raw["status"], 16), "blockNumber": int(raw["blockNumber"], 16),
            "gasUsed": int(raw["gasUsed"], 16)}


def _hex_data(data: Any) -> str:
    return data if isinstance(data, str) else "0x" + bytes(data).hex()


def _call_params(tx: dict, block: Any) -> list:
    params = {k: hex(v) if k in ("value", "gas") else v for k, v in tx.items()}
    if "data" in params:
        params["data"] = _hex_data(params["data"])
    return [params, hex(block) if isinstance(block, int) else block]


def _tx_params(tx: dict) -> dict:
    """A transaction as JSON-RPC takes it: quantities as hex, data as 0x-hex."""
    params = {k: hex(v) if isinstance(v, int) else v for k, v in tx.items() if k != "data"}
    params["data"] = _hex_data(tx.get("data", b""))
    return params


def _error(method: str, error: dict) -> Exception:
    """What an error answer raises: Reverted when it carries revert data (or says it reverted), else RpcError."""
    data = error.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        return Reverted(bytes.fromhex(data[2:]))
    if isinstance(data, dict) and isinstance(data.get("data"), str):
        return Reverted(bytes.fromhex(data["data"].removeprefix("0x")))
    if str(error.get("message", "")).lower().strip() in ("execution reverted", "reverted"):
        return Reverted(b"")
    return RpcError(method, error)


def _call_result(reply: dict) -> bytes | Reverted:
    """eth_call's return data, or the Reverted it answered with; other errors raise."""
    error = reply.get("error")
    if error is None:
        return bytes.fromhex(reply["result"][2:])
    exc = _error("eth_call", error)
    if isinstance(exc, Reverted):
        return exc
    if "revert" in str(error.get("message", "")).lower():
        return Reverted(b"")
    raise exc
