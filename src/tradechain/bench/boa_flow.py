"""The benchmark's trade run by titanoboa, in its own venv (bench/titanoboa.py makes it): the same bytecode from
build/, deployed and wired as deploy_suite does, then one trade per request on stdin, its CPU time on stdout.

Run as a script by that venv's Python (it imports boa and eth_abi, never tradechain):
    python boa_flow.py SPEC.json
SPEC: {"artifacts": {name: {"abi", "bytecode"}}, "roles": {ROLE: id hex}, "feeBps", "disputePeriod", "price",
"delivered" (the Delivered kind's index), "released" (the Released state's), "location" (bytes8 hex), "bol" and "terms" (bytes32 hex)}.
Protocol: a line "trade" runs one trade and answers "<cpu seconds>"; "quit" ends. The first answer line is
"ready <py-evm VM class> <eth-hash backend>".
"""

from __future__ import annotations

import json
import sys
import time

import boa
from eth_abi import encode

DAY = 86400
ETH = "0x0000000000000000000000000000000000000000"


def _types(entry: dict) -> list[str]:
    out = []
    for i in entry["inputs"]:
        if i["type"].startswith("tuple"):
            out.append("(" + ",".join(_types({"inputs": i["components"]})) + ")" + i["type"][5:])
        else:
            out.append(i["type"])
    return out


def main(spec_path: str) -> None:
    spec = json.load(open(spec_path))
    arts = spec["artifacts"]
    env = boa.env
    names = ("admin", "buyer", "seller", "carrier", "keeper")
    who = {n: env.generate_address(n) for n in names}
    for address in who.values():
        env.set_balance(address, 10**24)
    admin = who["admin"]

    def deploy(name: str, *args):
        abi = arts[name]["abi"]
        ctor = next((e for e in abi if e["type"] == "constructor"), {"inputs": []})
        code = bytes.fromhex(arts[name]["bytecode"].removeprefix("0x")) + encode(_types(ctor), list(args))
        address, _ = env.deploy_code(bytecode=code, sender=admin)
        return boa.loads_abi(json.dumps(abi), name=name).at(address)

    provenance = deploy("Provenance", admin)
    invoices = deploy("InvoiceToken", admin)
    titles = deploy("BillOfLading", admin, provenance.address)
    schedules = deploy("PaymentSchedules", admin, provenance.address, titles.address)
    fx_rates = deploy("FxRates", admin)  # the escrow needs one; this plain ETH trade never locks a rate
    escrow = deploy("TradeEscrow", admin, admin, spec["feeBps"], spec["disputePeriod"], provenance.address,
                    invoices.address, fx_rates.address, schedules.address)
    invoices.bindEscrow(escrow.address, sender=admin)
    titles.bindEscrow(escrow.address, schedules.address, sender=admin)
    schedules.bindEscrow(escrow.address, sender=admin)
    provenance.grantRole(bytes.fromhex(spec["roles"]["ESCROW"]), escrow.address, sender=admin)
    provenance.grantRole(bytes.fromhex(spec["roles"]["SCHEDULE"]), schedules.address, sender=admin)
    provenance.grantRole(bytes.fromhex(spec["roles"]["TITLE"]), titles.address, sender=admin)
    provenance.grantRole(bytes.fromhex(spec["roles"]["CARRIER"]), who["carrier"], sender=admin)

    price, now = spec["price"], env.evm.patch.timestamp
    bol, terms = bytes.fromhex(spec["bol"]), bytes.fromhex(spec["terms"])
    location, zero = bytes.fromhex(spec["location"]), b"\x00" * 32

    def trade() -> None:
        oid = escrow.placeOrder((who["seller"], ETH, price, now + 2 * DAY, now + 20 * DAY, 0, terms, 0, 0), value=price,
                                sender=who["buyer"])  # OrderTerms
        escrow.ship(oid, who["carrier"], bol, zero, sender=who["seller"])
        provenance.record(oid, spec["delivered"], location, terms, sender=who["carrier"])
        escrow.release(oid, sender=who["keeper"])  # a revert anywhere raises (boa's BoaError)
        return oid

    def check(oid: int) -> None:  # outside the timing: the other sides check receipts, boa raises on reverts
        if escrow.stateOf(oid) != spec["released"]:
            raise RuntimeError(f"titanoboa trade {oid} ended in state {escrow.stateOf(oid)}, not Released")

    check(trade())  # warm-up, as the other sides have
    from eth_hash.auto import keccak

    keccak(b"")  # eth-hash picks its backend on the first hash (ETH_HASH_BACKEND, inherited from tradechain)
    print("ready", type(env.evm.vm).__name__, type(keccak.hasher.__self__).__module__.rsplit(".", 1)[-1], flush=True)
    oid = 0
    for line in sys.stdin:
        if line.strip() == "quit":
            break
        started = time.process_time()
        oid = trade()
        print(time.process_time() - started, flush=True)
    if oid:
        check(oid)


if __name__ == "__main__":
    main(sys.argv[1])
