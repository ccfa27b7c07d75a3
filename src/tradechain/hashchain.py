"""Offline verification of a provenance log copy: fold the entries into the hash chain, check each payload.

The formula is the contract's (contracts/libraries/HashChain.sol):
    head_n = keccak256(abi.encode(head_{n-1}, itemId, seq, kind, actor, location, payload, timestamp))
starting from 32 zero bytes. A copy is genuine when the last head equals the item's on-chain `headOf`.
Entries other than plain checkpoints carry their details; their payload must be the hash of those details.
Needs eth_abi and eth_utils only (no node, no web3).
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from tradechain.timeline import cut
from tradechain.vocabulary import DOC_TYPES, KINDS, MODES, ZERO32


def _b(value) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return bytes.fromhex(str(value).removeprefix("0x"))


def link(prev: bytes, item: int, entry: dict) -> bytes:
    """The head after `entry` (seq, kind index, actor, location, evidenceHash, timestamp)."""
    return keccak(encode(
        ["bytes32", "uint256", "uint256", "uint8", "address", "bytes8", "bytes32", "uint256"],
        [prev, item, entry["seq"], KINDS.index(entry["kind"]), to_checksum_address(entry["actor"]),
         _b(entry["location"]).ljust(8, b"\x00"), _b(entry["evidenceHash"]), entry["timestamp"]],
    ))


def payload_of(entry: dict) -> bytes | None:
    """What the payload of a detailed entry must be, from its details; None for plain checkpoints."""
    d, kind = entry.get("details") or {}, entry["kind"]
    if kind == "Reading":
        return keccak(_b(d["packed"]))
    if kind == "Document":
        return keccak(encode(["uint8", "bytes32"], [DOC_TYPES.index(d["docType"]), _b(d["docHash"])]))
    if kind == "Leg":
        return keccak(encode(
            ["uint8", "bytes8", "bytes8", "uint256", "uint256", "uint256", "uint256"],
            [MODES.index(d["mode"]), _b(d["from"]), _b(d["to"]), d["distanceKm"], d["massKg"], d["gramsPerTonneKm"],
             d["grams"]]))
    if kind == "Handover":
        return keccak(encode(["address", "address", "bytes32"],
                             [to_checksum_address(d["from"]), to_checksum_address(d["to"]), _b(d["evidenceHash"])]))
    if kind == "Correction":
        return keccak(encode(["uint256", "uint8", "bytes32"],
                             [d["correctsSeq"], KINDS.index(d["kind"]), _b(d["evidenceHash"])]))
    if kind == "Commissioned":
        certs = b"".join(_b(c) for c in d["certificates"])
        return keccak(encode(["bytes32", "bytes2", "uint256", "bytes32"],
                             [_b(d["sku"]), _b(d["origin"]), d["quantity"], keccak(certs)]))
    if kind == "CarrierChanged":
        return keccak(encode(["address", "address"], [to_checksum_address(d["from"]), to_checksum_address(d["to"])]))
    if kind == "Linked":
        return d["other"].to_bytes(32, "big") if isinstance(d["other"], int) else _b(d["other"])
    return None


@dataclass
class Verdict:
    ok: bool
    head: bytes  # the head the copy folds to
    entries: int
    problem: str = ""  # the first thing wrong, in words

    def as_dict(self) -> dict:
        return {"ok": self.ok, "head": "0x" + self.head.hex(), "entries": self.entries, "problem": self.problem}


def verify(item: int, entries: list[dict], expected_head: bytes | None = None) -> Verdict:
    """Check a log copy: seqs 0..n-1 in order, each stated head and payload right, the last head as expected."""
    head = ZERO32
    for i, e in enumerate(entries):
        if e["seq"] != i:
            return Verdict(False, head, i, f"entry {i} has seq {e['seq']}: an entry is missing or out of order")
        want = payload_of(e)
        if want is not None and want != _b(e["evidenceHash"]):
            return Verdict(False, head, i, f"entry #{i} ({e['kind']}): its details do not hash to its payload")
        head = link(head, item, e)
        if e.get("head") is not None and _b(e["head"]) != head:
            return Verdict(False, head, i, f"entry #{i} ({e['kind']}): the chain breaks here (altered or reordered)")
    if expected_head is not None and head != expected_head:
        return Verdict(False, head, len(entries),
                       f"the copy folds to {cut('0x' + head.hex(), 18)} but the chain's head is "
                       f"{cut('0x' + expected_head.hex(), 18)}"
                       " (entries altered, removed or added)")
    return Verdict(True, head, len(entries))
