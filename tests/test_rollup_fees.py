"""The L1 data fee an OP Stack rollup charges: our Fjord formula against the GasPriceOracle predeploy of a real
OP Stack chain type (Hardhat 3's node with --chain-type op, on the Node 22 binary from npm), the FastLZ estimator
against published vectors, and `bench gas` / `report` showing the fee per step."""

from __future__ import annotations

import os
import random

import pytest
from anvil import anvil
from helpers import free_port

from tradechain import rollup
from tradechain.bench.devnet import hardhat_op

L1_BLOCK = "0x4200000000000000000000000000000000000015"  # where the oracle reads L1 fee parameters from

# op-geth / solady's own test vectors for the FastLZ length
SAMPLE_CALL = bytes.fromhex(
    "02f901550a758302df1483be21b88304743f94f80e51afb613d764fa61751affd3313c190a86bb870151bd62fd12adb8e41ef24f3f"
    "000000000000000000000000000000000000000000000000000000000000006e000000000000000000000000af88d065e77c8cc2239327c5"
    "edb3a432268e5831000000000000000000000000000000000000000000000000000000000003c1e5000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000a0"
    "00000000000000000000000000000000000000000000000000000000000000148c89ed219d02f1a5be012c689b4f5b731827bebe0000"
    "00000000000000000000c001a033fd89cb37c31b2cba46b6466e040c61fc9b2a3675a7f5f493ebd5ad77c497f8a07cdf65680e23839269"
    "3019b4092f610222e71b7cec06449cb922b93b6a12744e")


@pytest.mark.parametrize("data, length", [(b"", 0), (bytes(1000), 21), (bytes([42]) * 1000, 21),
                                          (bytes.fromhex("FACADE"), 4), (SAMPLE_CALL, 202)])
def test_fastlz_length_matches_the_reference_vectors(data, length):
    assert rollup.flz_compress_len(data) == length


def test_fastlz_length_grows_with_every_new_byte_of_incompressible_data():
    sizes = [rollup.flz_compress_len(bytes(range(n))) for n in range(1, 257)]
    assert all(b > a for a, b in zip(sizes, sizes[1:]))


def test_ecotone_fee_by_hand():
    a = rollup.L1FeeAssumptions(l1_base_fee_gwei=10, blob_base_fee_gwei=1, base_fee_scalar=1_000, blob_base_fee_scalar=0)
    tx = bytes([0, 0, 1, 2])  # 2 zero bytes (4 gas each), 2 others (16 each), plus 68 signature bytes at 16
    gas = 2 * 4 + 2 * 16 + 68 * 16
    assert rollup.ecotone_l1_fee(tx, a) == gas * 16 * 1_000 * 10**10 // (16 * 10**6)


def _set_l1_parameters(chain, l1_base_fee: int, blob_base_fee: int, base_scalar: int, blob_scalar: int) -> None:
    """Write the L1 fee parameters the oracle reads into the L1Block predeploy's storage (slots 1, 3 and 7)."""
    def put(slot: int, value: int) -> None:
        reply = chain.w3.provider.make_request("hardhat_setStorageAt",
                                               [L1_BLOCK, hex(slot), "0x" + value.to_bytes(32, "big").hex()])
        assert reply.get("result") is True, reply

    sequence = int.from_bytes(chain.w3.eth.get_storage_at(L1_BLOCK, 3), "big") & (2**64 - 1)
    put(3, base_scalar << 96 | blob_scalar << 64 | sequence)
    put(1, l1_base_fee)
    put(7, blob_base_fee)


def _view(chain, signature: str) -> int:
    from eth_abi import decode
    from eth_utils import function_signature_to_4byte_selector

    return decode(["uint256"], chain.call({"to": rollup.GAS_PRICE_ORACLE,
                                           "data": function_signature_to_4byte_selector(signature)}))[0]


@pytest.fixture(scope="module")
def op_chain():
    from tradechain import chain as chains

    with hardhat_op(port=free_port()) as url:
        yield chains.rpc(url)


def _trade_transactions() -> list[bytes]:
    """Unsigned transactions shaped like ours (ABI words: many zero bytes) and a few random ones, 0 to 2 KiB."""
    rng = random.Random(7)
    out = []
    for words in (0, 1, 3, 7, 12, 30, 64):
        data = bytes.fromhex("3f0e2b4c") + b"".join(rng.randbytes(rng.choice((1, 8, 20, 32))).rjust(32, b"\0")
                                                    for _ in range(words))
        out.append(rollup.unsigned_tx({"to": "0x" + "ab" * 20, "data": data, "value": 10**18, "gas": 250_000,
                                       "nonce": words}, 11155420))
    out += [rollup.unsigned_tx({"to": "0x" + "cd" * 20, "data": os.urandom(n), "gas": 90_000}, 10)
            for n in (5, 300, 2048)]
    return out


@pytest.mark.parametrize("params", [(7 * 10**9, 3, 5_227, 1_014_213), (30 * 10**9, 2 * 10**9, 2_269, 1_055_762),
                                    (10**9, 10**9, 0, 10**6)])
def test_our_fjord_formula_equals_the_gas_price_oracle_of_an_op_stack_chain(op_chain, params):
    assert rollup.has_oracle(op_chain)
    _set_l1_parameters(op_chain, *params)
    a = rollup.L1FeeAssumptions(l1_base_fee_gwei=_view(op_chain, "l1BaseFee()") / 1e9,
                                blob_base_fee_gwei=_view(op_chain, "blobBaseFee()") / 1e9,
                                base_fee_scalar=_view(op_chain, "baseFeeScalar()"),
                                blob_base_fee_scalar=_view(op_chain, "blobBaseFeeScalar()"))
    assert (a.base_fee_scalar, a.blob_base_fee_scalar) == params[2:]
    fees = []
    for tx in _trade_transactions():
        from_oracle, source = rollup.l1_data_fee(op_chain, tx)
        assert source == "GasPriceOracle" and from_oracle == rollup.fjord_l1_fee(tx, a)
        fees.append(from_oracle)
    assert len(set(fees)) > 3 and min(fees) > 0  # the floor (100 bytes) for small txs, then growing with size


def test_a_chain_without_the_predeploy_gets_the_formula_with_the_stated_assumptions():
    from tradechain import chain as chains

    tx = _trade_transactions()[3]
    with anvil() as url:
        chain = chains.rpc(url)
        assert not rollup.has_oracle(chain)
        fee, source = rollup.l1_data_fee(chain, tx)
    assert source.startswith("formula") and fee == rollup.fjord_l1_fee(tx, rollup.L1FeeAssumptions())


def test_bench_gas_and_the_report_show_the_l1_data_fee_per_step(tmp_path):
    from tradechain.bench import gas, report

    result = gas.measure(flows=[gas.eth_order])
    l1 = result["l1Data"]
    assert set(l1["steps"]["eth_order"]) == set(result["steps"]["eth_order"])
    place = l1["steps"]["eth_order"]["place+pay"]
    assert place["txBytes"] > 200 and 0 < place["fastlz"] < place["txBytes"]
    assert place["feeWei"] == rollup.fee_from_sizes(place, rollup.L1FeeAssumptions())
    assert l1["perTrade"]["eth_order"] == sum(s["feeWei"] for s in l1["steps"]["eth_order"].values())

    data = report.build(result, None, None, report.Assumptions(blob_gwei=50.0))
    eth = data["perTrade"]["eth_order"]
    assert eth["l1DataWei"] > l1["perTrade"]["eth_order"]  # a dearer blob: a dearer L1 data fee
    assert eth["usdL2"] == pytest.approx(eth["usdL2Execution"] + eth["usdL2L1Data"])
    md = report.markdown(data, [])
    assert "+ L1 data" in md and "blob base fee 50 gwei" in md and "| place+pay |" in md
