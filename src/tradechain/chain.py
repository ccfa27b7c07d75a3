"""The chain tradechain talks to: the embedded eth-tester chain, or any JSON-RPC node.

`Chain` is the one swappable environment object: accounts, time control and snapshots work the same on
both, and nothing else in the package knows which backend is underneath.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from web3 import Web3

from tradechain.errors import ChainUnavailable, UsageError, revert_data

EMBEDDED = "embedded"
RPC_ENV = "TRADECHAIN_RPC"
RPC_TIMEOUT = 5  # seconds: a missing node must fail fast, not hang
RETRIES = 5  # attempts per request on a transient failure, web3's backoff 0.125 s x 2^n between them (1.9 s in all)


class Reverted(Exception):
    """A transaction or call reverted; `data` is the raw revert data (selector + arguments)."""

    def __init__(self, data: bytes, receipt: Any = None):
        super().__init__(f"reverted with 0x{data.hex()}")
        self.data = data
        self.receipt = receipt


@dataclass
class Chain:
    w3: Web3
    kind: str  # "embedded" or "rpc"
    url: str | None = None
    tester: Any = None  # eth_tester.EthereumTester when embedded
    network: str | None = None  # the --network name this chain was reached by, for hints
    profile: Any = None  # networks.Network when reached by name: expected chain id, confirmations, fee policy
    # On a JSON-RPC chain, run each transaction as eth_call first: a step the contract refuses then costs
    # no gas and no nonce (it would otherwise be mined as a failed transaction). The embedded chain skips
    # it: there a failed transaction costs nothing real, and the EVM runs once.
    preflight: bool = True
    _signers: dict[str, Any] = field(default_factory=dict)  # address -> LocalAccount, for keys we hold
    _chain_id: int | None = None
    # anvil and Hardhat use a snapshot id up when reverting to it; eth-tester does not. A revert on a JSON-RPC
    # node takes a fresh snapshot of the same state at once, and the caller's id stands for the fresh one.
    _snapshot_alias: dict[Any, Any] = field(default_factory=dict)

    # ---- identity ----
    @property
    def chain_id(self) -> int:
        """Asked once per connection: a node's chain id does not change under an open connection."""
        if self._chain_id is None:
            self._chain_id = int(self.w3.eth.chain_id)
        return self._chain_id

    @property
    def name(self) -> str:
        return EMBEDDED if self.kind == EMBEDDED else (self.url or "rpc")

    @property
    def accounts(self) -> list[str]:
        """Accounts the node holds keys for (eth-tester's funded accounts, anvil's unlocked ones)."""
        return list(self.w3.eth.accounts) + [a for a in self._signers if a not in self.w3.eth.accounts]

    def add_signer(self, private_key: str) -> str:
        """Hold a private key in memory to sign for an account the node does not know. Never written."""
        from eth_account import Account

        acct = Account.from_key(private_key)
        self._signers[acct.address] = acct
        return acct.address

    def private_key(self, address: str) -> bytes:
        """The key of an account whose key we know: one we hold, or an embedded test account."""
        address = Web3.to_checksum_address(address)
        if address in self._signers:
            return bytes(self._signers[address].key)
        if self.kind == EMBEDDED:
            for key in self.tester.backend.account_keys:
                if key.public_key.to_checksum_address() == address:
                    return key.to_bytes()
        raise UsageError(f"no private key is known for {address}; this step needs the account's own signature")

    def sign_typed_data(self, address: str, data: dict) -> tuple[int, bytes, bytes]:
        """EIP-712 signature (v, r, s) by `address`: with a key we know, else by the node
        (eth_signTypedData_v4, which anvil answers for its unlocked accounts)."""
        from eth_account import Account

        try:
            key = self.private_key(address)
        except UsageError:
            if self.kind == EMBEDDED:
                raise
            import json

            reply = self.w3.provider.make_request("eth_signTypedData_v4", [address, json.dumps(data)])
            if "result" not in reply:
                raise UsageError(f"the node cannot sign for {address}: {reply.get('error', {}).get('message', reply)}") from None
            sig = bytes.fromhex(reply["result"].removeprefix("0x"))
            v = sig[64] if sig[64] >= 27 else sig[64] + 27
            return v, sig[:32], sig[32:64]
        signed = Account.sign_typed_data(key, full_message=data)
        return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")

    def signer(self, address: str):
        return self._signers.get(Web3.to_checksum_address(address))

    # ---- transactions ----
    def send(self, tx: dict) -> Any:
        """Send `tx` (from, to, data, value, gas) and wait for its receipt.

        Gas is given explicitly (no estimate). On a JSON-RPC chain the call is tried first (`preflight`), so a
        refused step is never sent. A transaction that still fails when mined (state changed in between)
        shows only as status 0: the call is then replayed with eth_call on the state of the failing block
        itself (a reverted transaction changed nothing, and the block's timestamp is the one its deadline
        checks saw) to recover the reason. Raises Reverted.
        """
        if self.preflight and self.kind != EMBEDDED and tx.get("to"):
            self.call({k: tx[k] for k in ("from", "to", "data", "value", "gas") if k in tx}, "pending")
        signer = self._signers.get(tx["from"])
        try:
            if signer is not None:
                tx = {**tx, "chainId": self.chain_id, "gasPrice": self.w3.eth.gas_price,
                      "nonce": self.w3.eth.get_transaction_count(tx["from"], "pending")}
                raw = signer.sign_transaction(tx).raw_transaction
                tx_hash = self.w3.eth.send_raw_transaction(raw)
            else:
                tx_hash = self._send_unsigned(tx)
        except Exception as exc:
            data = revert_data(exc)
            if data is None:
                raise
            raise Reverted(data) from None
        if self.kind == EMBEDDED:  # mined inside send: no polling
            receipt = self.w3.eth.get_transaction_receipt(tx_hash)
        else:
            receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120, poll_latency=0.05)
        if receipt["status"] == 0:
            raise Reverted(self._replay(tx, receipt["blockNumber"]), receipt)
        return receipt

    def _send_unsigned(self, tx: dict) -> Any:
        """Send from an account the node holds. Embedded: straight to eth-tester, which mines at once; web3's
        request pipeline (defaults, validation, formatting: two eth_chainId and one get_block per
        transaction) costs about a quarter of the time of the EVM run itself there."""
        if self.kind != EMBEDDED or not tx.get("to"):
            return self.w3.eth.send_transaction(tx)
        data = tx.get("data", b"")
        return self.tester.send_transaction({
            "from": tx["from"], "to": tx["to"], "gas": tx["gas"], "value": tx.get("value", 0),
            "data": data if isinstance(data, str) else "0x" + bytes(data).hex(),
        })

    def call(self, tx: dict, block: Any = "latest") -> bytes:
        """eth_call; raises Reverted with the revert data."""
        try:
            return bytes(self.w3.eth.call(tx, block_identifier=block))
        except Exception as exc:
            data = revert_data(exc)
            if data is None:
                raise
            raise Reverted(data) from None

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

    def advance(self, seconds: int) -> int:
        """Move chain time forward by `seconds` and mine a block; returns the new timestamp."""
        if seconds < 0:
            raise UsageError("time only moves forward")
        if self.kind == EMBEDDED:
            self.tester.time_travel(self.now() + seconds)
        else:
            self.w3.provider.make_request("evm_increaseTime", [seconds])
            self.w3.provider.make_request("evm_mine", [])
        return self.now()

    def set_time(self, timestamp: int) -> int:
        """Mine the next block at `timestamp` (forward only); later blocks follow from there."""
        if timestamp <= self.now():
            raise UsageError("time only moves forward")
        if self.kind == EMBEDDED:
            self.tester.time_travel(timestamp)
        else:  # anvil and Hardhat both keep the new offset for the blocks after this one
            self.w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])
            self.w3.provider.make_request("evm_mine", [])
        return self.now()

    def mine(self) -> None:
        if self.kind == EMBEDDED:
            self.tester.mine_blocks(1)
        else:
            self.w3.provider.make_request("evm_mine", [])

    # ---- snapshots ----
    def snapshot(self) -> Any:
        """Take a snapshot; it can be reverted to more than once on every backend."""
        if self.kind == EMBEDDED:
            return self.tester.take_snapshot()
        return self.w3.provider.make_request("evm_snapshot", [])["result"]

    def revert(self, snapshot_id: Any) -> None:
        if self.kind == EMBEDDED:
            self.tester.revert_to_snapshot(snapshot_id)
        else:
            node_id = self._snapshot_alias.get(snapshot_id, snapshot_id)
            result = self.w3.provider.make_request("evm_revert", [node_id]).get("result")
            if result is not True:
                raise ChainUnavailable(f"the node refused to revert to snapshot {snapshot_id}")
            self._snapshot_alias[snapshot_id] = self.w3.provider.make_request("evm_snapshot", [])["result"]


def embedded() -> Chain:
    """A fresh in-process chain (eth-tester + py-evm): ten funded accounts, no server."""
    from eth_tester import EthereumTester, PyEVMBackend
    from web3 import EthereumTesterProvider

    tester = EthereumTester(PyEVMBackend())
    w3 = Web3(EthereumTesterProvider(tester))
    return Chain(w3=w3, kind=EMBEDDED, tester=tester)


def retry_configuration():
    """web3's own retry of transient node failures: connection refused or reset, timeouts, HTTP 429 and 5xx. For
    reads (web3's allow-list), fee history, and eth_sendRawTransaction: resending the same signed bytes cannot
    pay twice (the node answers "already known"); eth_sendTransaction (the node signs, picking a nonce) is
    never retried."""
    import requests
    from web3.providers.rpc.utils import REQUEST_RETRY_ALLOWLIST, ExceptionRetryConfiguration

    return ExceptionRetryConfiguration(
        errors=(ConnectionError, requests.ConnectionError, requests.HTTPError, requests.Timeout),
        retries=RETRIES, backoff_factor=0.125,
        method_allowlist=[*REQUEST_RETRY_ALLOWLIST, "eth_feeHistory", "eth_sendRawTransaction", "web3_clientVersion"])


def rpc(url: str) -> Chain:
    """Connect to a JSON-RPC node; fails fast with one clear line when nothing answers."""
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--rpc must be an http(s):// URL, got {url!r}")
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": RPC_TIMEOUT},
                                exception_retry_configuration=retry_configuration()))
    try:
        w3.eth.chain_id  # noqa: B018 - the cheapest call that proves a node answers
    except Exception as exc:  # requests' connection errors, timeouts, bad JSON: all mean "no usable node"
        raise ChainUnavailable(
            f"no Ethereum node answers at {url} ({type(exc).__name__}); "
            "start one with `tradechain devnet start` or check the URL"
        ) from None
    return Chain(w3=w3, kind="rpc", url=url)


def connect(url: str | None = None) -> Chain:
    """The chain named by `url`, else $TRADECHAIN_RPC, else a fresh embedded chain."""
    url = url or os.environ.get(RPC_ENV) or None
    return rpc(url) if url else embedded()
