"""Transactions that real networks accept: EIP-1559 fees from eth_feeHistory under a network's caps, and nonces
that concurrent senders (threads, and processes sharing a key) neither reuse nor skip."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from anvil import anvil
from helpers import in_threads

from tradechain import fees
from tradechain.bench.devnet import dev_keys, hardhat
from tradechain.errors import UsageError
from tradechain.networks import FeePolicy
from tradechain.nonces import NonceManager, is_conflict

GWEI = 10**9


def _history(base_fees, ratios, tips):
    return {"baseFeePerGas": base_fees, "gasUsedRatio": ratios, "reward": [[t] for t in tips]}


def test_the_tip_is_the_median_of_recent_blocks_that_had_transactions_and_the_max_fee_covers_two_doublings():
    h = _history([10 * GWEI, 11 * GWEI, 12 * GWEI, 13 * GWEI], [0.5, 0.0, 0.9], [2 * GWEI, 0, 4 * GWEI])
    f = fees.from_history(h, FeePolicy())
    assert f.tip == 3 * GWEI  # the empty block's 0 is not a tip anyone paid
    assert f.max_fee == 2 * 13 * GWEI + 3 * GWEI and not f.legacy
    assert f.tx_fields() == {"maxFeePerGas": f.max_fee, "maxPriorityFeePerGas": f.tip}


def test_the_caps_bound_tip_and_max_fee_and_a_cap_below_the_base_fee_is_refused():
    h = _history([10 * GWEI, 20 * GWEI], [0.5], [5 * GWEI])
    f = fees.from_history(h, FeePolicy(max_fee_gwei=25, max_priority_fee_gwei=1))
    assert (f.max_fee, f.tip) == (25 * GWEI, 1 * GWEI)
    with pytest.raises(UsageError, match="base fee is 20 gwei, above this network's cap fees.max_fee_gwei = 15"):
        fees.from_history(h, FeePolicy(max_fee_gwei=15))


def test_a_replacement_raises_both_fees_by_more_than_ten_percent_within_the_caps():
    f = fees.Fees(max_fee=100 * GWEI, tip=2 * GWEI)
    up = f.bumped(FeePolicy())
    assert up.max_fee > 110 * GWEI and up.tip > 2.2 * GWEI
    with pytest.raises(UsageError, match="above fees.max_fee_gwei = 105"):
        f.bumped(FeePolicy(max_fee_gwei=105))
    assert fees.Fees(gas_price=GWEI).bumped().gas_price > 1.1 * GWEI


@pytest.mark.parametrize("node", ["anvil", "hardhat"])
def test_suggested_fees_get_a_transaction_mined_on_each_node(node):
    from web3 import Web3

    sender, to = dev_keys(2)
    with (anvil() if node == "anvil" else hardhat()) as url:
        w3 = Web3(Web3.HTTPProvider(url))
        f = fees.suggest(w3, FeePolicy(priority_percentile=50, max_fee_gwei=50))
        assert not f.legacy and f.max_fee >= w3.eth.get_block("latest")["baseFeePerGas"] and f.tip <= f.max_fee
        tx = {"to": to.address, "value": 1, "gas": 21_000, "nonce": 0, "chainId": w3.eth.chain_id, **f.tx_fields()}
        receipt = w3.eth.wait_for_transaction_receipt(
            w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction), timeout=10)
        assert receipt["status"] == 1 and receipt["effectiveGasPrice"] <= f.max_fee
        assert fees.suggest(w3, FeePolicy(legacy=True, max_fee_gwei=0)) == fees.Fees(gas_price=0)


def test_a_chain_without_a_base_fee_gets_a_legacy_gas_price():
    from web3 import Web3

    with anvil("--hardfork", "berlin") as url:  # before London: blocks carry no base fee
        w3 = Web3(Web3.HTTPProvider(url))
        f = fees.suggest(w3, FeePolicy())
        assert f.legacy and f.gas_price == w3.eth.gas_price and "gasPrice" in f.tx_fields()


# ------------------------------------------------------------------------------------------------ nonces


def _transfer(w3, key, to: str, chain_id: int, fee: dict):
    def send(nonce: int):
        tx = {"to": to, "value": 1, "gas": 21_000, "nonce": nonce, "chainId": chain_id, **fee}
        return w3.eth.send_raw_transaction(key.sign_transaction(tx).raw_transaction)
    return send


def _mined_nonces(w3, sender: str) -> list[int]:
    out = []
    for number in range(1, w3.eth.block_number + 1):
        out += [tx["nonce"] for tx in w3.eth.get_block(number, full_transactions=True)["transactions"]
                if tx["from"] == sender]
    return sorted(out)


def test_threads_sharing_a_key_neither_reuse_nor_skip_a_nonce(tmp_path):
    from web3 import Web3

    key, to = dev_keys(2)
    with anvil() as url:
        w3 = Web3(Web3.HTTPProvider(url))
        chain_id = w3.eth.chain_id
        fee = fees.suggest(w3, FeePolicy()).tx_fields()
        manager = NonceManager(lambda a: w3.eth.get_transaction_count(a, "pending"), f"{chain_id}-test", tmp_path)
        hashes = []

        def worker():
            for _ in range(10):
                hashes.append(manager.send(key.address, _transfer(w3, key, to.address, chain_id, fee)))

        assert in_threads(worker, 8) == []
        for h in hashes:
            assert w3.eth.wait_for_transaction_receipt(h, timeout=20)["status"] == 1
        assert _mined_nonces(w3, key.address) == list(range(80))


SENDER_SCRIPT = """
import sys
from web3 import Web3
from tradechain.bench.devnet import dev_keys
from tradechain.nonces import NonceManager
url, folder, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
w3 = Web3(Web3.HTTPProvider(url))
key, to = dev_keys(2)
fee = {"maxFeePerGas": 10**10, "maxPriorityFeePerGas": 10**9}
manager = NonceManager(lambda a: w3.eth.get_transaction_count(a, "pending"), "31337-test", __import__("pathlib").Path(folder))
for _ in range(count):
    def send(nonce):
        tx = {"to": to.address, "value": 1, "gas": 21000, "nonce": nonce, "chainId": 31337, **fee}
        return w3.eth.send_raw_transaction(key.sign_transaction(tx).raw_transaction)
    manager.send(key.address, send)
"""


def test_two_processes_sharing_a_key_neither_reuse_nor_skip_a_nonce(tmp_path):
    from web3 import Web3

    key = dev_keys(1)[0]
    with anvil("--no-mining") as url:  # nothing mined while they race: only the pool and the lock file keep order
        procs = [subprocess.Popen([sys.executable, "-c", SENDER_SCRIPT, url, str(tmp_path), "15"],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
        for p in procs:
            out, _ = p.communicate(timeout=120)
            assert p.returncode == 0, out
        w3 = Web3(Web3.HTTPProvider(url))
        w3.provider.make_request("evm_mine", [])
        assert _mined_nonces(w3, key.address) == list(range(30))


def test_a_nonce_taken_behind_the_managers_back_is_skipped_after_resync(tmp_path):
    from web3 import Web3

    key, to, elsewhere = dev_keys(3)
    with anvil("--no-mining") as url:
        w3 = Web3(Web3.HTTPProvider(url))
        fee = {"maxFeePerGas": 10**10, "maxPriorityFeePerGas": 10**9}
        _transfer(w3, key, elsewhere.address, 31337, fee)(0)  # another wallet took nonce 0: it waits in the pool
        # a node whose count lags its pool (a load-balanced RPC): the manager first tries nonce 0 again
        manager = NonceManager(lambda a: w3.eth.get_transaction_count(a, "latest"), "31337-test", tmp_path)
        tried = []

        def send(nonce):
            tried.append(nonce)
            return _transfer(w3, key, to.address, 31337, fee)(nonce)  # same fees: the pool refuses to replace

        manager.send(key.address, send)
        assert tried == [0, 1]
        w3.provider.make_request("evm_mine", [])
        assert _mined_nonces(w3, key.address) == [0, 1]


@pytest.mark.parametrize("message, conflict", [
    ("nonce too low: next nonce 5, tx nonce 3", True),
    ("replacement transaction underpriced", True),
    ("Nonce too low. Expected nonce to be 2 but got 1.", True),  # Hardhat's wording
    ("insufficient funds for gas * price + value", False),
    ("execution reverted", False),
    ("already known", False),  # our own transaction, sent again: never sign the next nonce for it
])
def test_which_node_errors_are_nonce_conflicts(message, conflict):
    from tradechain.nonces import is_already_known

    exc = ValueError({"code": -32000, "message": message})
    assert is_conflict(exc) is conflict
    assert is_already_known(exc) is (message == "already known")


def test_a_stale_record_does_not_leave_a_gap(tmp_path, monkeypatch):
    from tradechain import nonces

    counts = {"0xabc": 3}
    manager = NonceManager(lambda a: counts[a], "1-x", tmp_path)
    assert manager.send("0xabc", lambda n: n) == 3
    assert (tmp_path / "1-x-0xabc").exists()
    other = NonceManager(lambda a: counts[a], "1-x", tmp_path)  # another process, right after
    assert other.send("0xabc", lambda n: n) == 4
    monkeypatch.setattr(nonces, "RECORD_TTL", 0.0)  # much later: the transaction with nonce 4 was dropped
    assert NonceManager(lambda a: counts[a], "1-x", tmp_path).send("0xabc", lambda n: n) == 3
    assert Path(tmp_path / "1-x-0xabc").read_text().startswith('{"next": 4')


# ------------------------------------------------------------------------------------------------ finality


@pytest.mark.parametrize("confirmations", [3, "safe", "finalized"])
def test_a_transaction_is_final_only_after_its_depth_or_the_nodes_tag_reaches_it(confirmations):
    from web3 import Web3

    from tradechain import finality

    key, to = dev_keys(2)
    # one slot per epoch: anvil's safe head trails the latest block by 1, its finalized head by 2
    with anvil("--slots-in-an-epoch", "1") as url:
        w3 = Web3(Web3.HTTPProvider(url))
        w3.provider.make_request("evm_mine", [])
        fee = fees.suggest(w3, FeePolicy()).tx_fields()
        h = _transfer(w3, key, to.address, 31337, fee)(0)
        block = w3.eth.wait_for_transaction_receipt(h, timeout=10)["blockNumber"]
        first = finality.status(w3, block, confirmations)
        assert not first.final and ("confirmations" in first.detail or "not yet" in first.detail)
        assert finality.final_block(w3, confirmations) < block
        for _ in range(3):
            w3.provider.make_request("evm_mine", [])
        assert finality.wait(w3, block, confirmations, timeout=5, poll=0.05).final
        assert finality.final_block(w3, confirmations) >= block


def test_depth_one_is_final_once_mined_and_waiting_in_vain_says_why():
    from web3 import Web3

    from tradechain import finality
    from tradechain.errors import ChainUnavailable

    with anvil() as url:
        w3 = Web3(Web3.HTTPProvider(url))
        w3.provider.make_request("evm_mine", [])
        assert finality.status(w3, 1, 1).final and finality.final_block(w3, 0) == "latest"
        with pytest.raises(ChainUnavailable, match="not final after 0 s: 1 of 5 confirmations"):
            finality.wait(w3, 1, 5, timeout=0.2, poll=0.05)
