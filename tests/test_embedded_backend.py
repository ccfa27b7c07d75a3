"""The embedded chain's lean eth-tester (embedded_backend.py) answers exactly as eth-tester's own lookups do."""

from __future__ import annotations

from eth_hash.auto import keccak
from eth_utils import function_signature_to_4byte_selector as selector

from tradechain.chain import embedded
from tradechain.embedded_backend import LeanTester
from tradechain.vocabulary import hash_bytes

DAY = 86400
SHARED = ("transaction_hash", "block_hash", "block_number", "transaction_index", "gas_used", "cumulative_gas_used",
          "status", "contract_address", "to", "logs")


def test_the_receipt_of_the_transaction_just_mined_is_the_one_eth_tester_finds(client, accounts):
    tester = client.chain.tester
    assert isinstance(tester, LeanTester)
    now = client.chain.now()
    order_id, placed = client.escrow.place_order(buyer=accounts["buyer"], seller=accounts["seller"], amount=10**15,
                                                 ship_by=now + 2 * DAY, deliver_by=now + 20 * DAY,
                                                 inspection_window=0)
    shipped = client.escrow.ship(order_id, accounts["carrier"], hash_bytes(b"bol"), sender=accounts["seller"])
    lean = tester.mined_receipt(shipped.tx_hash)
    assert lean is not None and len(lean["logs"]) >= 2  # events of two contracts: the escrow and the invoice token
    found = tester.get_transaction_receipt(shipped.tx_hash)
    assert lean == {k: found[k] for k in SHARED}
    assert tester.mined_receipt(placed.tx_hash) is None  # not the last one sent: eth-tester looks it up


def test_a_reverted_transaction_gets_status_zero_in_the_lean_receipt(client, accounts):
    tester = client.chain.tester
    data = "0x" + (selector("release(uint256)") + (10**9).to_bytes(32, "big")).hex()  # an order that does not exist
    tx_hash = tester.send_transaction({"from": accounts["keeper"], "to": client.escrow.address, "gas": 200_000,
                                       "value": 0, "data": data})
    lean = tester.mined_receipt(tx_hash)
    found = tester.get_transaction_receipt(tx_hash)
    assert lean["status"] == 0 and lean == {k: found[k] for k in SHARED}


def test_no_lean_receipt_after_a_snapshot_is_reverted_or_with_automine_off(client, accounts):
    tester = client.chain.tester
    snap = tester.take_snapshot()
    tx_hash = tester.send_transaction({"from": accounts["buyer"], "to": accounts["seller"], "gas": 21_000, "value": 1})
    assert tester.mined_receipt(tx_hash) is not None
    tester.revert_to_snapshot(snap)
    assert tester.mined_receipt(tx_hash) is None
    tester.disable_auto_mine_transactions()
    try:
        queued = tester.send_transaction({"from": accounts["buyer"], "to": accounts["seller"], "gas": 21_000,
                                          "value": 1})
        assert tester.mined_receipt(queued) is None  # queued, not mined
    finally:
        tester.enable_auto_mine_transactions()


def test_nonces_and_signing_keys_follow_accounts_added_later():
    chain = embedded()
    tester = chain.tester
    buyer, seller = tester.get_accounts()[:2]
    assert tester.get_nonce(buyer) == 0
    tester.send_transaction({"from": buyer, "to": seller, "gas": 21_000, "value": 5})
    assert tester.get_nonce(buyer) == 1 and tester.get_nonce(buyer, 0) == 0
    new = tester.add_account("0x" + "11" * 32)
    tester.send_transaction({"from": buyer, "to": new, "gas": 21_000, "value": 10**18})
    sent = tester.send_transaction({"from": new, "to": seller, "gas": 21_000, "value": 1})  # the added key signs
    assert tester.get_nonce(new) == 1
    assert tester.get_transaction_by_hash(sent)["from"] == new  # recovered from the stored signature


def test_the_kept_key_signer_signs_as_eth_keys_does():
    from eth_keys import keys

    from tradechain.embedded_backend import KeptKeySigner

    secret, digest = b"\x22" * 32, b"\x33" * 32
    ours = keys.PrivateKey(secret, backend=KeptKeySigner())
    assert ours.sign_msg_hash(digest) == keys.PrivateKey(secret).sign_msg_hash(digest)  # RFC 6979: deterministic
    assert ours.sign_msg_hash(digest).recover_public_key_from_msg_hash(digest) == ours.public_key


def test_keccak_comes_from_pysha3():
    keccak(b"")
    assert type(keccak.hasher.__self__).__module__ == "eth_hash.backends.pysha3"


def test_a_block_mined_in_one_step_passes_py_evms_full_import_validation(client, accounts):
    """Reverting to a snapshot re-imports its block: py-evm runs the block's transactions again and checks the
    header's state root, transaction and receipt roots, gas used and bloom against what it computes."""
    tester = client.chain.tester
    now = client.chain.now()
    client.escrow.place_order(buyer=accounts["buyer"], seller=accounts["seller"], amount=10**15,
                              ship_by=now + 2 * DAY, deliver_by=now + 20 * DAY, inspection_window=0)
    block = tester.get_block_by_number("latest")
    receipt = tester.get_transaction_receipt(block["transactions"][0])
    assert len(block["transactions"]) == 1 and block["gas_used"] == receipt["gas_used"] and receipt["logs"]
    assert block["logs_bloom"] != 0 and block["timestamp"] > tester.get_block_by_number(block["number"] - 1)["timestamp"]
    snap = tester.take_snapshot()
    tester.send_transaction({"from": accounts["buyer"], "to": accounts["seller"], "gas": 21_000, "value": 1})
    tester.revert_to_snapshot(snap)  # imports the block again, validating it
    assert tester.get_block_by_number("latest")["hash"] == block["hash"]
    assert tester.get_block_by_number("pending")["number"] == block["number"] + 1


def test_jump_target_verdicts_are_shared_by_runs_of_the_same_code_and_stay_right():
    from eth.vm.code_stream import CodeStream

    from tradechain.embedded_backend import KnownJumpsCodeStream, LeanPragueVM

    code = bytes([0x60, 0x5B, 0x5B, 0x7F]) + b"\x5b" * 32 + b"\x5b"  # PUSH1 5b, JUMPDEST, PUSH32 (5b x32), JUMPDEST
    first, again, stock = KnownJumpsCodeStream(code), KnownJumpsCodeStream(bytes(code)), CodeStream(code)
    for position in range(len(code) + 1):
        assert first.is_valid_opcode(position) == stock.is_valid_opcode(position)
    assert again.invalid_positions == first.invalid_positions and 1 in again.invalid_positions  # seen by the first
    assert {2, 36} <= again.valid_positions
    assert type(embedded().tester.backend.chain.get_vm()) is LeanPragueVM


def test_old_transactions_are_found_by_hash_as_eth_tester_finds_them():
    from eth_tester import PyEVMBackend
    from eth_tester.exceptions import TransactionNotFound

    chain = embedded()
    tester, backend = chain.tester, chain.tester.backend
    buyer, seller = tester.get_accounts()[:2]
    first = tester.send_transaction({"from": buyer, "to": seller, "gas": 21_000, "value": 1})
    snap = tester.take_snapshot()
    later = [tester.send_transaction({"from": buyer, "to": seller, "gas": 21_000, "value": 2}) for _ in range(3)]
    for tx_hash in (first, *later):
        raw = bytes.fromhex(tx_hash[2:])
        assert backend._mined(raw) is not None  # the index answered, not the walk
        assert backend.get_transaction_receipt(raw) == PyEVMBackend.get_transaction_receipt(backend, raw)
        assert backend.get_transaction_by_hash(raw) == PyEVMBackend.get_transaction_by_hash(backend, raw)
    tester.revert_to_snapshot(snap)
    assert tester.get_transaction_receipt(first)["status"] == 1
    for tx_hash in later:  # reverted away: not found, as eth-tester says it
        try:
            tester.get_transaction_receipt(tx_hash)
        except TransactionNotFound:
            continue
        raise AssertionError(f"{tx_hash} survived the revert")


def test_a_call_at_the_latest_block_answers_and_fails_as_eth_testers_own(client, accounts):
    from eth_tester import PyEVMBackend
    from eth_tester.exceptions import TransactionFailed

    backend = client.chain.tester.backend
    caller = bytes.fromhex(accounts["buyer"][2:])
    escrow = bytes.fromhex(client.escrow.address[2:])
    now = client.chain.now()
    client.escrow.place_order(buyer=accounts["buyer"], seller=accounts["seller"], amount=10**15,
                              ship_by=now + 2 * DAY, deliver_by=now + 20 * DAY, inspection_window=0)
    calls = [selector("orderCount()"), selector("getOrder(uint256)") + (1).to_bytes(32, "big"),
             selector("getOrder(uint256)") + (99).to_bytes(32, "big"),  # a custom error: no such order
             selector("release(uint256)") + (1).to_bytes(32, "big"),  # refused by its state
             b"\xde\xad\xbe\xef"]  # no such function
    broke = b"\x00" * 19 + b"\x77"  # an account that cannot pay for the call's gas
    kinds = set()
    for data in calls:
        for tx in ({"from": caller, "to": escrow, "data": data},
                   {"from": caller, "to": escrow, "data": data, "gas": 100_000, "value": 0},
                   {"from": caller, "to": escrow, "data": data, "value": 10**30},  # more than it holds
                   {"from": broke, "to": escrow, "data": data}, {"from": caller, "to": escrow, "data": data,
                                                                 "gas": 21_000}):  # below the intrinsic gas
            answers = []
            for call in (backend.call, lambda t, b="latest": PyEVMBackend.call(backend, t, b)):
                try:
                    answers.append(("output", call(dict(tx))))
                except Exception as exc:  # noqa: BLE001 - the same refusal, of the same kind, is the point
                    answers.append((type(exc).__name__, exc.args))
            assert answers[0] == answers[1], (data.hex(), tx)
            kinds.add(answers[0][0])
    assert {"output", "TransactionFailed", "ValidationError"} <= kinds, kinds  # each kind of answer was met
    before = client.chain.tester.get_block_by_number("latest")["number"] - 1  # other blocks: eth-tester's own path
    at_before = {"from": caller, "to": escrow, "data": calls[0]}
    assert backend.call(dict(at_before), before) == PyEVMBackend.call(backend, dict(at_before), before)


def test_eth_tester_gets_checked_addresses_in_lower_case_and_anything_else_as_it_was(client, accounts):
    import pytest
    from eth_tester.exceptions import ValidationError

    from tradechain.chain import _checked

    good = accounts["buyer"]
    assert good != good.lower() and _checked(good) == good.lower()
    at = next(i for i, ch in enumerate(good) if i > 1 and ch.isalpha())
    bad = good[:at] + good[at].swapcase() + good[at + 1:]  # one letter's case changed: a wrong checksum
    for other in (bad, "0x12", good.lower(), bytes.fromhex(good[2:]), None):
        assert _checked(other) is other
    with pytest.raises(ValidationError):  # eth-tester still refuses it itself
        client.chain.call({"from": bad, "to": client.escrow.address, "data": selector("orderCount()")})
