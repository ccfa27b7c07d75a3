"""The embedded chain's eth-tester, configured for one block per transaction at less cost per transaction.

Still eth-tester + py-evm, one block per transaction, every block with its state root, receipts, logs, snapshots
and time travel as before: what changes is work done per transaction that nobody reads (found with py-spy on
`bench speed`'s trade; the profile before and after is in the README's speed section):

- `LeanBackend.get_nonce` (asked for every transaction sent) reads the account from the latest block's state root
  alone, not the whole block with its transactions decoded and a VM built; the sender's key is found in a table
  kept while the accounts stay the same (not by deriving every account's address on each transaction), signs
  with a libsecp256k1 key object kept between signatures, and the sender is not recovered again from the
  signature just made.
- The receipt of the transaction just sent and mined is taken from what py-evm returned when it ran it
  (`LeanBackend.mined_receipt`), in the shape eth-tester's `get_transaction_receipt` gives, instead of finding
  the block again, decoding its receipt trie and normalizing the answer.
- `LeanTester.mine_blocks` fetches each mined block (to feed block and log filters) only when a filter exists,
  and an auto-mined transaction is run and mined in one step on one VM (`LeanBackend.send_and_mine`).
- A transaction looked up by hash (its receipt, or itself) is found through py-evm's hash index, not by walking
  back block by block from the head as eth-tester does (quadratic over a long history).
- An eth_call at the latest block builds one VM at that block, reads the caller's nonce from its state and stops
  at the computation (`LeanBackend.call`); eth-tester built three VMs, decoded the latest block whole, read the
  nonce apart and finalized (refunds, fees) a state it then threw away.
- The state tries (accounts, storage) keep decoded nodes by hash and encode nodes without pyrlp
  (embedded_trie.py): the state root of every block is most of what mining costs.
- py-evm's records (accounts, headers) are copied without deep-copying their unchanged, immutable fields
  (embedded_rlp.py).
- The VM is py-evm's Prague VM configured with a computation whose code stream shares its verdicts on jump
  targets between runs of the same code (`LeanPragueVM`), instead of scanning again on every call.

keccak-256 comes from safe-pysha3 (eth-hash's "pysha3" backend, chosen in tradechain/__init__.py): about 5x
faster per hash than pycryptodome's, and a transaction hashes a few hundred trie nodes.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from typing import Any

import coincurve
from eth.vm.code_stream import CodeStream
from eth.vm.forks import ParisVM, PragueVM
from eth.vm.forks.prague.computation import PragueComputation
from eth.vm.forks.prague.state import PragueState
from eth_keys.backends.coincurve import CoinCurveECCBackend
from eth_keys.datatypes import PrivateKey, Signature
from eth.exceptions import TransactionNotFound
from eth.vm.spoof import SpoofTransaction
from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.backends.pyevm.serializers import serialize_transaction, serialize_transaction_receipt
from eth_tester.exceptions import TransactionFailed, ValidationError

from tradechain import embedded_rlp, embedded_trie
from tradechain.codec import checksum

ZERO_ADDRESS = b"\x00" * 20
ZERO_ADDRESS_HEX = "0x" + ZERO_ADDRESS.hex()


class KnownJumpsCodeStream(CodeStream):
    """py-evm's CodeStream, whose verdicts on which positions are opcodes (not PUSH data), found while checking
    jump targets, are shared by every run of the same code: they depend on the code alone. The stock one starts
    each call of a contract with none and scans back up to 32 bytes per new jump target."""

    _verdicts: OrderedDict[bytes, tuple[set, set]] = OrderedDict()  # code -> (valid, invalid) positions
    KEEP = 256  # codes remembered (least recently used dropped): the suite is a handful, tests deploy more

    def __init__(self, code_bytes: bytes):
        super().__init__(code_bytes)
        known = self._verdicts.get(code_bytes)
        if known is None:
            known = self._verdicts[code_bytes] = (set(), set())
            if len(self._verdicts) > self.KEEP:
                self._verdicts.popitem(last=False)
        else:
            self._verdicts.move_to_end(code_bytes)
        self.valid_positions, self.invalid_positions = known


class KnownJumpsComputation(PragueComputation):
    """Prague's computation with a KnownJumpsCodeStream for its code (child calls are made by this class too)."""

    def __init__(self, state, message, transaction_context):
        super().__init__(state, message, transaction_context)
        self.code = KnownJumpsCodeStream(message.code)


class LeanPragueState(PragueState):
    computation_class = KnownJumpsComputation


# py-evm's Prague VM with that computation: eth-tester's default VM otherwise (same consensus, same rules)
LeanPragueVM = PragueVM.configure(__name__="LeanPragueVM", _state_class=LeanPragueState)


class KeptKeySigner(CoinCurveECCBackend):
    """eth-keys' libsecp256k1 backend that keeps each key's coincurve object between signatures (the stock one
    builds it, public key included, for every signature)."""

    def __init__(self):
        super().__init__()
        self._curve_keys: dict[bytes, Any] = {}

    def ecdsa_sign(self, msg_hash: bytes, private_key) -> Any:
        secret = private_key.to_bytes()
        key = self._curve_keys.get(secret)
        if key is None:
            key = self._curve_keys[secret] = coincurve.PrivateKey(secret)
        return Signature(key.sign_recoverable(msg_hash, hasher=None), backend=self)


class LeanBackend(PyEVMBackend):
    """py-evm behind eth-tester, as PyEVMBackend, with the per-transaction lookups above made cheaper."""

    def __init__(self, *args: Any, **kwargs: Any):
        embedded_trie.install()  # before the first state trie is built
        embedded_rlp.install()
        self._keys: tuple[tuple, dict] = ((), {})  # (account_keys it was built from, address -> key)
        self._last: dict | None = None  # the transaction applied last: its hash, block number, receipt parts
        super().__init__(*args, **kwargs)

    @property
    def _key_lookup(self) -> dict:
        if self._keys[0] is not self.account_keys:  # add_account / reset_to_genesis replace the tuple
            signer = KeptKeySigner()
            self._keys = (self.account_keys, {key.public_key.to_canonical_address():
                                              PrivateKey(key.to_bytes(), backend=signer)
                                              for key in self.account_keys})
        return self._keys[1]

    def get_nonce(self, account, block_number="latest"):
        """As PyEVMBackend's, but "latest" reads the account from the latest block's state root alone (no block
        decoded, no VM or execution context built)."""
        if block_number not in ("latest", "safe", "finalized"):
            return super().get_nonce(account, block_number)
        number = max(0, self.chain.header.block_number - 1)  # the pending block's parent, as eth-tester reads it
        header = self.chain.get_canonical_block_header_by_number(number)
        accounts = self.chain.get_vm_class(header).get_state_class().get_account_db_class()
        return accounts(self.chain.chaindb.db, header.state_root).get_nonce(account)

    # ---- the last transaction's receipt, from py-evm's own result ----
    def send_transaction(self, transaction):
        signed = self._get_normalized_and_signed_evm_transaction(transaction)
        # The sender is the account whose key just signed: seed py-evm's cached `sender` with it rather than
        # recover it from the signature again (cached_property keeps its value in the instance's __dict__).
        signed.__dict__["sender"] = transaction["from"]
        block, receipt, _ = self.chain.apply_transaction(signed)
        # Only the first transaction of a block: gas used and log indexes then need no earlier receipts.
        first = len(block.transactions) == 1
        self._last = {"hash": signed.hash, "number": block.number, "receipt": receipt, "to": signed.to,
                      "mined": False} if first and signed.to else None  # a creation's receipt names its address
        return signed.hash

    def send_and_mine(self, transaction) -> bytes:
        """Sign `transaction`, run it and mine it as a block of its own, on ONE VM: what send_transaction then
        mine_blocks do (the same header fields, validation and stored block), without a second VM and state built
        to finalize, the pending block's transactions decoded again, or the mined block read back."""
        signed = self._get_normalized_and_signed_evm_transaction(transaction)
        signed.__dict__["sender"] = transaction["from"]  # as in send_transaction
        chain = self.chain
        vm = chain.get_vm(chain.header)
        header, receipts, _ = vm.apply_all_transactions([signed], vm.get_header())
        block = vm.set_block_transactions_and_withdrawals(vm.get_block(), header, [signed], receipts)
        fields = {"mix_hash": os.urandom(32)} if isinstance(vm, ParisVM) else {}  # prevrandao, as eth-tester's
        mined = vm.mine_block(block, coinbase=ZERO_ADDRESS, **fields).block
        chain.validate_block(mined)
        chain.chaindb.persist_block(mined)
        chain.header = chain.create_header_from_parent(mined.header)
        self._last = {"hash": signed.hash, "number": mined.number, "receipt": receipts[0], "to": signed.to,
                      "mined": True, "block_hash": mined.hash} if signed.to else None
        return signed.hash

    def mine_blocks(self, num_blocks=1, coinbase=b"\x00" * 20):
        hashes = super().mine_blocks(num_blocks, coinbase)
        if self._last is not None and not self._last["mined"] and hashes:
            self._last.update(mined=True, block_hash=hashes[0])  # the pending block is the first one mined
        return hashes

    def revert_to_snapshot(self, snapshot):
        self._last = None
        super().revert_to_snapshot(snapshot)

    def reset_to_genesis(self, genesis_params=None, genesis_state=None, num_accounts=None, vm_configuration=None,
                         *args: Any, **kwargs: Any):
        self._last = None
        super().reset_to_genesis(genesis_params, genesis_state, num_accounts, vm_configuration, *args, **kwargs)
        if vm_configuration is None:  # eth-tester's default chain, made again as py-evm configures a chain class
            chain = self.chain
            lean = type(chain).configure(vm_configuration=((0, LeanPragueVM),))
            self.chain = lean(chain.chaindb.db, chain.header)

    def time_travel(self, to_timestamp):
        self._last = None  # mines an empty block: the pending one, which holds nothing of ours
        return super().time_travel(to_timestamp)

    # ---- eth_call at the latest block: one VM and one state ----
    def call(self, transaction, block_number="latest"):
        """As PyEVMBackend's: the same call run on the same state, with the same output or TransactionFailed. At
        "latest" it builds one VM, at the latest block's header, and reads the caller's nonce from that VM's state;
        eth-tester builds the pending block's VM twice (for the gas left, and for the latest block's number),
        decodes the latest block whole for its header, and reads the nonce through a state of its own. The client
        reads before it ships (the agreed sensor limits): this was a tenth of an embedded trade's time."""
        if block_number not in ("latest", "safe", "finalized"):
            return super().call(transaction, block_number)
        chain = self.chain
        pending = chain.header
        state = chain.get_vm(at_header=chain.get_canonical_block_header_by_number(
            max(0, pending.block_number - 1))).state
        defaulted = dict(transaction)
        defaulted.setdefault("gas", pending.gas_limit - pending.gas_used)  # eth-tester's _max_available_gas
        defaulted.setdefault("nonce", state.get_nonce(transaction["from"]))
        spoofed = SpoofTransaction(self._get_normalized_and_unsigned_evm_transaction(defaulted, block_number),
                                   from_=transaction["from"])
        # py-evm's executor, validation to computation, on a state of this call's own (never persisted, so no
        # snapshot to revert); its last step, finalize (refunds, the coinbase's fee), cannot change the output
        # or the error, and its effects would be thrown away
        executor = state.get_transaction_executor()
        executor.validate_transaction(spoofed)
        computation = executor.build_computation(executor.build_evm_message(spoofed), spoofed)
        if computation.is_error:  # as PyEVMBackend.call words it
            message = str(computation._error)
            if self.is_eip838_error(computation._error):  # Error(string): its reason
                try:
                    message = abi_decode(["string"], computation._error.args[0][4:])[0]
                except DecodingError:
                    pass
            raise TransactionFailed(message)
        return computation.output

    # ---- transactions by hash: py-evm's hash index, not a walk back from the head (quadratic over a history) ----
    def _mined(self, tx_hash: bytes) -> tuple | None:
        """(block, transaction, index) of a mined transaction on the canonical chain, or None (pending, unknown, or
        left behind by a revert: then eth-tester's own walk answers)."""
        try:
            number, index = self.chain.chaindb.get_transaction_index(tx_hash)
        except TransactionNotFound:
            return None
        if number >= self.chain.header.block_number:  # the pending block, or above it after a revert
            return None
        block = self.chain.get_canonical_block_by_number(number)
        if index >= len(block.transactions) or block.transactions[index].hash != tx_hash:
            return None
        return block, block.transactions[index], index

    def get_transaction_receipt(self, transaction_hash):
        found = self._mined(transaction_hash)
        if found is None:
            return super().get_transaction_receipt(transaction_hash)
        block, transaction, index = found
        return serialize_transaction_receipt(block, block.get_receipts(self.chain.chaindb), transaction, index,
                                             False, self.chain.get_vm())

    def get_transaction_by_hash(self, transaction_hash):
        found = self._mined(transaction_hash)
        if found is None:
            return super().get_transaction_by_hash(transaction_hash)
        return serialize_transaction(*found, False)

    def mined_receipt(self, tx_hash: bytes) -> dict | None:
        """The receipt of `tx_hash` as EthereumTester.get_transaction_receipt gives it, when it is the transaction
        sent last and its block is mined; None otherwise (ask eth-tester)."""
        last = self._last
        if last is None or not last["mined"] or last["hash"] != tx_hash:
            return None
        receipt, hex_hash, block_hash = last["receipt"], "0x" + tx_hash.hex(), "0x" + last["block_hash"].hex()
        logs = [{"type": "mined", "log_index": i, "transaction_index": 0, "transaction_hash": hex_hash,
                 "block_hash": block_hash, "block_number": last["number"],
                 "address": checksum(log.address), "data": "0x" + log.data.hex(),
                 "topics": ["0x" + topic.to_bytes(32, "big").hex() for topic in log.topics]}
                for i, log in enumerate(receipt.logs)]
        return {"transaction_hash": hex_hash, "block_hash": block_hash, "block_number": last["number"],
                "transaction_index": 0, "gas_used": receipt.gas_used, "cumulative_gas_used": receipt.gas_used,
                "status": int.from_bytes(receipt.state_root, "big"), "contract_address": None,
                "to": checksum(last["to"]), "logs": logs}


class LeanTester(EthereumTester):
    """EthereumTester whose mining reads each mined block back only when a block or log filter wants it, and
    which, auto-mining with no filter, has the backend run and mine a sent transaction in one step."""

    def send_transaction(self, transaction):
        if (not self.auto_mine_transactions or self._pending_transaction_filters or self._log_filters
                or self._block_filters or {"r", "s", "v"} & transaction.keys()):
            return super().send_transaction(transaction)
        self.validator.validate_inbound_transaction(transaction, txn_internal_type="send")
        raw = self.normalizer.normalize_inbound_transaction(transaction)
        if raw["from"] in self._account_passwords:  # locked accounts: eth-tester's own checks
            return super().send_transaction(transaction)
        raw_hash = self.backend.send_and_mine(raw)
        self.validator.validate_outbound_transaction_hash(raw_hash)
        return self.normalizer.normalize_outbound_transaction_hash(raw_hash)

    def mine_blocks(self, num_blocks=1, coinbase=ZERO_ADDRESS_HEX):
        if self._block_filters or self._log_filters:
            return super().mine_blocks(num_blocks, coinbase)
        self.validator.validate_inbound_account(coinbase)
        if not self.auto_mine_transactions:
            self._pop_pending_transactions_to_pending_block()
        raw = self.backend.mine_blocks(num_blocks, self.normalizer.normalize_inbound_account(coinbase))
        if len(raw) != num_blocks:
            raise ValidationError(f"Invariant: tried to mine {num_blocks} blocks.  Got {len(raw)} mined block hashes.")
        for raw_hash in raw:
            self.validator.validate_outbound_block_hash(raw_hash)
        return [self.normalizer.normalize_outbound_block_hash(raw_hash) for raw_hash in raw]

    def mined_receipt(self, tx_hash: str) -> dict | None:
        """The receipt of the transaction just sent and mined, without a lookup (LeanBackend), else None."""
        if not self.auto_mine_transactions:
            return None
        return self.backend.mined_receipt(bytes.fromhex(tx_hash[2:]))


def lean_tester() -> LeanTester:
    return LeanTester(LeanBackend())
