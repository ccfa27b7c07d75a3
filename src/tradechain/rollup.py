"""What a rollup charges on top of execution gas: the L1 data fee of an OP Stack chain.

On an OP Stack chain every transaction also pays for posting its bytes to L1. The GasPriceOracle predeploy
(0x420000000000000000000000000000000000000F) prices it: `getL1Fee(unsignedTx)`. When the chain has the predeploy,
ask it (`l1_data_fee`); elsewhere (the embedded chain, anvil, Hardhat 2) compute the same figure from the
published formulas and stated assumptions (`L1FeeAssumptions`):

  Fjord (current): fastlz = FastLZ-compressed length of the unsigned tx + 68 (the signature's bytes)
                   size   = max(100e6, 836_500 * fastlz - 42_585_600)            (bytes, scaled by 1e6)
                   fee    = size * (16 * baseFeeScalar * l1BaseFee + blobBaseFeeScalar * blobBaseFee) / 1e12
  Ecotone:         gas    = 4 per zero byte + 16 per other byte of the unsigned tx + 68 * 16
                   fee    = gas * (16 * baseFeeScalar * l1BaseFee + blobBaseFeeScalar * blobBaseFee) / 16e6

The formulas are those of the OP Stack specs (fjord/predeploys.md, ecotone/l1-attributes) and of the
GasPriceOracle contract; the FastLZ length is the estimator op-geth and the oracle use (solady's flz, ported).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

GAS_PRICE_ORACLE = "0x420000000000000000000000000000000000000F"
FJORD_INTERCEPT = -42_585_600
FJORD_FASTLZ_COEF = 836_500
FJORD_MIN_SIZE = 100_000_000  # 100 bytes, scaled by 1e6
SIGNATURE_BYTES = 68  # what an unsigned tx lacks: the oracle adds it
_GET_L1_FEE = "getL1Fee(bytes)"


@dataclass(frozen=True)
class L1FeeAssumptions:
    """Stated inputs of the formula. Scalars: OP Mainnet's since Ecotone (basefee 5227, blob 1014213);
    L1 base fee as the report's L1 gas price; blob base fee 1 gwei (it has ranged from 1 wei to tens of gwei)."""

    l1_base_fee_gwei: float = 10.0
    blob_base_fee_gwei: float = 1.0
    base_fee_scalar: int = 5_227
    blob_base_fee_scalar: int = 1_014_213

    def scaled_fee(self) -> int:
        """16 * baseFeeScalar * l1BaseFee + blobBaseFeeScalar * blobBaseFee (wei, scalars at 1e6)."""
        l1 = round(self.l1_base_fee_gwei * 10**9)
        blob = round(self.blob_base_fee_gwei * 10**9)
        return 16 * self.base_fee_scalar * l1 + self.blob_base_fee_scalar * blob

    def as_dict(self) -> dict:
        """The assumptions as every --json prints them: camelCase keys (l1BaseFeeGwei, …)."""
        head_tail = lambda k: k.split("_")[0] + "".join(p.title() for p in k.split("_")[1:])  # noqa: E731
        return {head_tail(k): v for k, v in asdict(self).items()}


def flz_compress_len(data: bytes) -> int:
    """Length of `data` after FastLZ (level 1) compression, computed without building the output."""
    n = len(data)
    limit = n - 13 if n >= 13 else 0
    table = [0] * 8192
    size = anchor = 0
    idx = 2

    def u24(i: int) -> int:
        return data[i] | data[i + 1] << 8 | data[i + 2] << 16

    def slot(v: int) -> int:
        return ((v * 2654435769) >> 19) & 0x1FFF

    def literals(count: int, total: int) -> int:
        total += 0x21 * (count // 0x20)
        rest = count % 0x20
        return total + rest + 1 if rest else total

    while idx < limit:
        while True:  # find a 3-byte sequence seen within the last 8 KiB
            seq = u24(idx)
            h = slot(seq)
            ref = table[h]
            table[h] = idx
            distance = idx - ref
            if idx >= limit:
                break
            idx += 1
            if distance < 8192 and seq == u24(ref):
                break
        if idx >= limit:
            break
        idx -= 1
        if idx > anchor:
            size = literals(idx - anchor, size)
        length, end = 0, limit + 9 - (idx + 3)  # match length past the first three bytes
        while length < end:
            if data[ref + 3 + length] != data[idx + 3 + length]:
                end = 0
            length += 1
        matched = length - 1
        size += 3 * (matched // 262) + (3 if matched % 262 >= 6 else 2)
        idx += length
        table[slot(u24(idx))] = idx
        idx += 1
        table[slot(u24(idx))] = idx
        idx += 1
        anchor = idx
    return literals(n - anchor, size)


def fjord_l1_fee(unsigned_tx: bytes, a: L1FeeAssumptions) -> int:
    """L1 data fee in wei of an unsigned transaction under Fjord (what GasPriceOracle.getL1Fee returns)."""
    return fee_from_sizes({"fastlz": flz_compress_len(unsigned_tx)}, a)


def ecotone_l1_fee(unsigned_tx: bytes, a: L1FeeAssumptions) -> int:
    """L1 data fee in wei of an unsigned transaction under Ecotone (calldata gas, no compression estimate)."""
    zeros = unsigned_tx.count(0)
    gas = 4 * zeros + 16 * (len(unsigned_tx) - zeros) + 16 * SIGNATURE_BYTES
    return gas * a.scaled_fee() // (16 * 10**6)


def unsigned_tx(tx: dict, chain_id: int, max_fee: int = 10**9, max_priority_fee: int = 10**6) -> bytes:
    """The EIP-1559 serialization (0x02 || rlp) of `tx` (to, data, value, gas, nonce), unsigned: the bytes an OP
    Stack batcher posts, less the signature. Fee fields: 1 gwei cap, 0.001 gwei tip (a few bytes either way)."""
    import rlp
    from eth_utils import to_bytes

    data = tx.get("input", tx.get("data", b""))
    data = to_bytes(hexstr=data) if isinstance(data, str) else bytes(data)
    to = to_bytes(hexstr=tx["to"]) if tx.get("to") else b""
    fields = [chain_id, int(tx.get("nonce", 0)), max_priority_fee, max_fee, int(tx.get("gas", 0)), to,
              int(tx.get("value", 0)), data, []]
    return b"\x02" + rlp.encode(fields)


def step_sizes(w3, tx_hash: str) -> dict[str, int]:
    """The inputs of both formulas for a mined transaction: unsigned size, zero bytes, FastLZ length."""
    tx = w3.eth.get_transaction(tx_hash)
    raw = unsigned_tx(dict(tx), int(tx.get("chainId") or 10))
    return {"txBytes": len(raw), "zeroBytes": raw.count(0), "fastlz": flz_compress_len(raw)}


def fee_from_sizes(sizes: dict[str, int], a: L1FeeAssumptions) -> int:
    """Fjord's fee from an unsigned tx's FastLZ length (bench results keep sizes; the report applies its own
    assumptions)."""
    size = max(FJORD_MIN_SIZE, FJORD_INTERCEPT + FJORD_FASTLZ_COEF * (sizes["fastlz"] + SIGNATURE_BYTES))
    return size * a.scaled_fee() // 10**12


def has_oracle(chain: Any) -> bool:
    return len(chain.w3.eth.get_code(GAS_PRICE_ORACLE)) > 0


def oracle_l1_fee(chain: Any, unsigned: bytes) -> int:
    """GasPriceOracle.getL1Fee(unsignedTx) on the chain itself."""
    from eth_abi import decode, encode
    from eth_utils import function_signature_to_4byte_selector

    data = function_signature_to_4byte_selector(_GET_L1_FEE) + encode(["bytes"], [unsigned])
    return decode(["uint256"], chain.call({"to": GAS_PRICE_ORACLE, "data": data}))[0]


def l1_data_fee(chain: Any, unsigned: bytes, a: L1FeeAssumptions | None = None) -> tuple[int, str]:
    """(fee in wei, where it came from): the chain's GasPriceOracle when it has one, else Fjord's formula."""
    if has_oracle(chain):
        return oracle_l1_fee(chain, unsigned), "GasPriceOracle"
    return fjord_l1_fee(unsigned, a or L1FeeAssumptions()), "formula (Fjord, stated assumptions)"
