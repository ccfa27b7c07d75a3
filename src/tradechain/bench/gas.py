"""Gas per step and per trade for the standard flows, measured on a fresh embedded chain.

A flow is one function `flow(run)` registered with `@flow`: it drives real orders through TradeClient and
records each transaction's gas with `run.step(flow, step, receipt)`. Adding a flow (financing, batches of
provenance records, …) is one more decorated function; the snapshot and the report pick it up by name.

Figures are for existing accounts: a warm-up trade in ETH and in tUSD runs first and is not counted, so
first-ever storage writes (the seller's first invoice balance, the treasury's first fee credit, the first
order counter bump) do not inflate the figures. Chain time starts at a fixed timestamp so calldata, hashes
and therefore gas are the same on every run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from tradechain import rollup
from tradechain.client import Receipt, TradeClient
from tradechain.tranches import Tranche, pack
from tradechain.vocabulary import ETH, hash_bytes

DAY = 86400
START_TIME = 2_000_000_000  # fixed chain time: deterministic deadlines, hashes and calldata
ONE_ETH = 10**18
TUSD = 10**6
JOURNEY = [("PickedUp", "CNSZX"), ("ExportCleared", "CNSZX"), ("Departed", "CNYTN"),
           ("Arrived", "NLRTM"), ("ImportCleared", "NLRTM"), ("Delivered", "DEHAM")]
BATCH_SIZES = (1, 10, 50)
WARM_UP_NOTE = ("existing accounts: one ETH and one tUSD trade ran first (not counted), so first-ever storage "
                "writes (seller's first invoice, treasury's first fee credit, first order) are excluded")


@dataclass
class GasRun:
    client: TradeClient
    steps: dict[str, dict[str, int]] = field(default_factory=dict)  # flow -> step -> gas
    derived: dict[str, dict[str, float]] = field(default_factory=dict)  # flow -> figure -> value
    receipts: dict[str, dict[str, Receipt]] = field(default_factory=dict)  # flow -> step -> receipt (its events)
    l1_sizes: dict[str, dict[str, dict]] = field(default_factory=dict)  # flow -> step -> rollup.step_sizes
    recording: bool = True

    @property
    def a(self) -> dict[str, str]:
        return self.client.deployment.accounts

    @property
    def chain(self):
        return self.client.chain

    def step(self, flow_name: str, step: str, receipt: Receipt) -> Receipt:
        if self.recording:
            self.steps.setdefault(flow_name, {})[step] = receipt.gas_used
            self.receipts.setdefault(flow_name, {})[step] = receipt
            # now, not later: a step in a reverted snapshot is gone from the chain afterwards
            self.l1_sizes.setdefault(flow_name, {})[step] = rollup.step_sizes(self.client.chain.w3, receipt.tx_hash)
        return receipt

    # ---- the building blocks every flow uses ----
    def place(self, amount: int = ONE_ETH, token: str = ETH, window: int = 3 * DAY, tag: bytes = b"",
              schedule: int = 0) -> tuple[int, Receipt]:
        now = self.chain.now()
        return self.client.escrow.place_order(
            buyer=self.a["buyer"], seller=self.a["seller"], amount=amount, token=token, ship_by=now + 2 * DAY,
            deliver_by=now + 20 * DAY, inspection_window=window,
            terms_hash=hash_bytes(b"e-contract " + tag + str(self.client.escrow.order_count() + 1).encode()),
            permit=False,  # the flows measure approve, then pay (erc20_order sends its approve as a step of its own)
            schedule=schedule,
        )

    def ship(self, order_id: int) -> Receipt:
        return self.client.escrow.ship(order_id, self.a["carrier"], hash_bytes(b"bill of lading %d" % order_id),
                                sender=self.a["seller"])

    def checkpoint(self, order_id: int, kind: str, where: str) -> Receipt:
        who = self.a["customs"] if kind.endswith("Cleared") else self.a["carrier"]
        proof = hash_bytes(f"{kind}@{where}:{order_id}".encode())
        return self.client.provenance.checkpoint(order_id, kind, where, proof, sender=who)

    def journey(self, flow_name: str, order_id: int, legs=JOURNEY) -> None:
        for kind, where in legs:
            self.step(flow_name, f"checkpoint {kind}", self.checkpoint(order_id, kind, where))


Flow = Callable[[GasRun], None]
NOT_TRADES = {"batch_release", "provenance", "fx_order"}  # flows whose steps are not one trade: no per-trade total
FLOWS: list[Flow] = []


def flow(fn: Flow) -> Flow:
    """Register a flow; its name in the output is the function's name."""
    FLOWS.append(fn)
    return fn


@flow
def eth_order(run: GasRun) -> None:
    """ETH order, six-checkpoint journey, released by a keeper after the inspection window."""
    name = "eth_order"
    oid, r = run.place()
    run.step(name, "place+pay", r)
    run.step(name, "ship (+invoice mint)", run.ship(oid))
    run.journey(name, oid)
    run.chain.advance(3 * DAY)
    run.step(name, "release", run.client.escrow.release(oid, sender=run.a["keeper"]))


@flow
def erc20_order(run: GasRun) -> None:
    """tUSD order (approve, then pay), six-checkpoint journey, buyer confirms receipt early."""
    name = "erc20_order"
    c = run.client
    token = c.tokens.stablecoin
    amount = 12_000 * TUSD
    run.step(name, "approve", c.tokens.approve(token, c.escrow.address, amount, sender=run.a["buyer"]))
    oid, r = run.place(amount, token)
    run.step(name, "place+pay", r)
    run.step(name, "ship (+invoice mint)", run.ship(oid))
    run.journey(name, oid)
    run.step(name, "confirm (release)", c.escrow.confirm(oid, sender=run.a["buyer"]))


@flow
def financed_order(run: GasRun) -> None:
    """ETH order whose seller takes an advance on the invoice (80 % now, 2 % fee), released through the
    waterfall: the financier is repaid principal + fee first, the seller gets the rest."""
    name = "financed_order"
    c, a = run.client, run.a
    oid, r = run.place()
    run.step(name, "place+pay", r)
    run.step(name, "ship (+invoice mint)", run.ship(oid))
    principal = c.tx.call("TradeEscrow", "faceValue", [oid]) * 8 // 10
    run.step(name, "offer advance", c.invoices.offer_advance(oid, principal, 200, sender=a["financier"]))
    run.step(name, "accept advance", c.invoices.accept_advance(oid, a["financier"], sender=a["seller"]))
    run.step(name, "checkpoint Delivered", run.checkpoint(oid, "Delivered", "DEHAM"))
    run.chain.advance(3 * DAY)
    run.step(name, "release (waterfall)", c.escrow.release(oid, sender=a["keeper"]))


@flow
def fx_order(run: GasRun) -> None:
    """An order priced 10,000 EUR and paid in tUSD at the rate locked from the signed EUR/USD feed (two rounds
    published first, each signed by the oracle key and relayed), delivered and confirmed; then a second order
    at a signed quote's rate, which the seller cancels. Release and refund read no rate: they cost what a plain tUSD
    order's do."""
    name = "fx_order"
    c, a = run.client, run.a
    token = c.tokens.stablecoin
    # the rounds are dated on the hour, not at the block's second: the same events on every node (conformance)
    hour = run.chain.now() // 3600 * 3600
    run.step(name, "feed round (signed, relayed)", c.fx.publish_round("1.0772", updated_at=hour - 3600,
                                                                       sender=a["keeper"]))
    run.step(name, "feed round (signed, relayed) 2", c.fx.publish_round("1.0814", updated_at=hour,
                                                                         sender=a["keeper"]))
    price = 1_000_000  # 10,000.00 EUR in cents
    run.step(name, "approve", c.tokens.approve(token, c.escrow.address, 2 * 10_814 * TUSD, sender=a["buyer"]))

    def place(quote=None):
        now = run.chain.now()
        return c.fx.place_order(buyer=a["buyer"], seller=a["seller"], currency="EUR", price=price, token=token,
                                ship_by=now + 2 * DAY, deliver_by=now + 20 * DAY, inspection_window=3 * DAY,
                                terms_hash=hash_bytes(b"fx e-contract %d" % (c.escrow.order_count() + 1)),
                                quote=quote)

    oid, r = place()
    run.step(name, "place+pay (feed rate)", r)
    run.step(name, "ship (+invoice mint)", run.ship(oid))
    run.step(name, "checkpoint Delivered", run.checkpoint(oid, "Delivered", "DEHAM"))
    run.step(name, "confirm (release)", c.escrow.confirm(oid, sender=a["buyer"]))
    quote = c.fx.sign_quote("EUR", token, 1_0800 * 10**14, buyer=a["buyer"], signer=a["admin"],
                            expiry=run.chain.now() + DAY, nonce=1)  # a fixed nonce: the same calldata every run
    oid, r = place(quote)
    run.step(name, "place+pay (signed quote)", r)
    # the seller cancels: the refund moves the locked amount and reads no rate (and no order is left open)
    run.step(name, "cancel (refund at the locked amount)", c.escrow.cancel(oid, sender=a["seller"]))


@flow
def tranche_order(run: GasRun) -> None:
    """ETH order paid in two tranches: 30 % when customs clears the export, 70 % at the end of the inspection
    window (issue 15); the six-checkpoint journey on a tracked shipment."""
    name = "tranche_order"
    c, a = run.client, run.a
    oid, r = run.place(schedule=pack([Tranche(3000, "ExportCleared"), Tranche(7000, "End")]))
    run.step(name, "place+pay (schedule)", r)
    run.step(name, "ship (+invoice mint)", run.ship(oid))
    run.journey(name, oid)
    run.step(name, "release tranche 1 (export cleared)", c.escrow.release_tranche(oid, 0, sender=a["keeper"]))
    run.chain.advance(3 * DAY)
    run.step(name, "release (last tranche)", c.escrow.release(oid, sender=a["keeper"]))


@flow
def ebl_order(run: GasRun) -> None:
    """ETH order with an electronic bill of lading: the title is issued to the escrow at shipping and passes to
    the buyer with the 30 % tranche on export clearance (delivery versus payment); the buyer endorses it to a second
    buyer, who surrenders it so the carrier may record the delivery."""
    name = "ebl_order"
    c, a = run.client, run.a
    oid, r = run.place(schedule=pack([Tranche(3000, "ExportCleared"), Tranche(7000, "End")], documents=1))
    run.step(name, "place+pay (schedule)", r)
    run.step(name, "ship (+invoice mint, eBL issue)", run.ship(oid))
    run.step(name, "checkpoint ExportCleared", run.checkpoint(oid, "ExportCleared", "CNSZX"))
    run.step(name, "release tranche 1 (+title to buyer)", c.escrow.release_tranche(oid, 0, sender=a["keeper"]))
    run.step(name, "endorse title", c.titles.endorse(oid, a["buyer2"], sender=a["buyer"]))
    run.step(name, "surrender title", c.titles.surrender(oid, sender=a["buyer2"]))
    run.step(name, "checkpoint Delivered", run.checkpoint(oid, "Delivered", "DEHAM"))
    run.chain.advance(3 * DAY)
    run.step(name, "release (last tranche)", c.escrow.release(oid, sender=a["keeper"]))


@flow
def provenance(run: GasRun) -> None:
    """Traceability records: a batch registered with two certificates, packed, handed from the producer to
    the carrier, linked to a shipment; the buyer's sensor limits, then six readings on that shipment."""

    name = "provenance"
    a = run.a
    p = run.client.provenance
    certificates = [hash_bytes(b"organic certificate"), hash_bytes(b"origin certificate")]
    batch, r = p.register_batch("GTIN-04012345678901", "VN", 1_200, certificates, "VNSGN", sender=a["seller"])
    run.step(name, "register batch (2 certificates)", r)
    run.step(name, "record batch Packed", p.record_batch(batch, "Packed", "VNSGN", hash_bytes(b"packing list"),
                                                         sender=a["seller"]))
    run.step(name, "offer custody", p.offer_custody(batch, a["carrier"], sender=a["seller"]))
    run.step(name, "take custody (handover)", p.take_custody(batch, "VNSGN", hash_bytes(b"handover photo"),
                                                             sender=a["carrier"]))
    oid, _r = run.place()
    run.step(name, "set sensor limits", run.client.escrow.set_sensor_limits(oid, (2.0, 8.0), 85.0, 3.0, sender=a["buyer"]))
    run.ship(oid)
    run.step(name, "link batch to shipment", p.link_batch(batch, oid, sender=a["carrier"]))
    run.chain.advance(3600)
    now = run.chain.now()
    readings = [("Temperature", now - 3000, 4.5), ("Humidity", now - 3000, 61.0), ("Shock", now - 3000, 0.4),
                ("Temperature", now - 1200, 5.1), ("Humidity", now - 1200, 63.5), ("Shock", now - 1200, 0.2)]
    run.step(name, "sensor readings (6, within limits)", p.record_readings(oid, readings, sender=a["carrier"]))


@flow
def disputed_order(run: GasRun) -> None:
    """ETH order delivered, disputed, seller offers a split, arbiter rules 30 % back to the buyer."""
    name = "disputed_order"
    c, a = run.client, run.a
    oid, r = run.place()
    run.step(name, "place+pay", r)
    run.step(name, "ship (+invoice mint)", run.ship(oid))
    run.step(name, "checkpoint Delivered", run.checkpoint(oid, "Delivered", "DEHAM"))
    run.step(name, "dispute", c.escrow.dispute(oid, hash_bytes(b"inspection report"), sender=a["buyer"]))
    run.step(name, "propose settlement", c.escrow.propose_settlement(oid, 1_000, sender=a["seller"]))
    run.step(name, "arbiter resolve", c.escrow.resolve(oid, 3_000, hash_bytes(b"ruling"), sender=a["arbiter"]))


@flow
def refund_on_timeout(run: GasRun) -> None:
    """ETH order never shipped: after shipBy anyone (a keeper) refunds the buyer."""
    name = "refund_on_timeout"
    oid, r = run.place()
    run.step(name, "place+pay", r)
    run.chain.advance(2 * DAY + 1)
    run.step(name, "refund", run.client.escrow.refund(oid, sender=run.a["keeper"]))


@flow
def batch_release(run: GasRun) -> None:
    """Orders delivered and past their window, released one by one and by releaseBatch of 1, 10 and 50.

    Every variant starts from the same snapshot, so each releases orders in the same state."""
    name = "batch_release"
    ids = []
    for _ in range(max(BATCH_SIZES)):
        oid, _r = run.place(window=0)
        run.ship(oid)
        run.checkpoint(oid, "Delivered", "DEHAM")
        ids.append(oid)
    run.chain.mine()
    snap = run.chain.snapshot()
    single = run.step(name, "release (single)", run.client.escrow.release(ids[0], sender=run.a["keeper"])).gas_used
    figures: dict[str, float] = {"single": single}
    for n in BATCH_SIZES:
        run.chain.revert(snap)
        gas = run.step(name, f"releaseBatch x{n}", run.client.escrow.release_batch(ids[:n], sender=run.a["keeper"])).gas_used
        figures[f"perOrder x{n}"] = gas / n
        figures[f"ratio x{n}"] = gas / n / single
    run.chain.revert(snap)
    if run.recording:
        run.derived[name] = figures


@flow
def accepted_order(run: GasRun) -> None:
    """ETH order placed with an acceptance deadline: the seller accepts and ships, delivered, released by a keeper."""
    name = "accepted_order"
    oid, r = _place_with_acceptance(run, b"accepted order")
    run.step(name, "place+pay (acceptBy)", r)
    run.step(name, "accept", run.client.escrow.accept(oid, sender=run.a["seller"]))
    run.step(name, "ship (+invoice mint)", run.ship(oid))
    run.step(name, "checkpoint Delivered", run.checkpoint(oid, "Delivered", "DEHAM"))
    run.chain.advance(3 * DAY)
    run.step(name, "release", run.client.escrow.release(oid, sender=run.a["keeper"]))


@flow
def not_accepted(run: GasRun) -> None:
    """ETH order the seller never accepts: after acceptBy a keeper refunds the buyer."""
    name = "not_accepted"
    oid, r = _place_with_acceptance(run, b"never accepted")
    run.step(name, "place+pay (acceptBy)", r)
    run.chain.advance(DAY + 1)
    run.step(name, "refund (not accepted)", run.client.escrow.refund(oid, sender=run.a["keeper"]))


def _place_with_acceptance(run: GasRun, tag: bytes) -> tuple[int, Receipt]:
    now = run.chain.now()
    return run.client.escrow.place_order(buyer=run.a["buyer"], seller=run.a["seller"], amount=ONE_ETH,
                                         ship_by=now + 2 * DAY, deliver_by=now + 20 * DAY, inspection_window=3 * DAY,
                                         accept_by=now + DAY, terms_hash=hash_bytes(tag))


@flow
def capped_order(run: GasRun) -> None:
    """With the admin's exposure cap on, an ETH order counts in its seller's open value when it binds and leaves it
    when it settles (the cap is lifted again after: no other flow runs under it)."""
    name = "capped_order"
    c, a = run.client, run.a
    c.escrow.set_exposure_cap(3, ETH, 100 * ONE_ETH, sender=a["admin"])
    oid, r = run.place()
    run.step(name, "place+pay (counted)", r)
    run.ship(oid)
    run.checkpoint(oid, "Delivered", "DEHAM")
    run.chain.advance(3 * DAY)
    run.step(name, "release (freed)", c.escrow.release(oid, sender=a["keeper"]))
    c.escrow.set_exposure_cap(0, sender=a["admin"])


def warm_up(run: GasRun) -> None:
    """One full ETH trade and one tUSD trade, not recorded: afterwards every account involved exists."""
    run.recording = False
    try:
        eth_order(run)
        erc20_order(run)
    finally:
        run.recording = True


def setup(artifacts: dict | None = None, chain=None) -> TradeClient:
    """A fresh chain (embedded unless given) at the fixed start time with the suite deployed."""
    from tradechain.chain import embedded
    from tradechain.project import load_artifacts
    from tradechain.deployment import deploy_suite

    artifacts = artifacts or load_artifacts()
    chain = chain or embedded()
    chain.set_time(START_TIME)
    dep = deploy_suite(chain, artifacts)
    return TradeClient(chain, dep, artifacts)


def measure(flows: list[Flow] | None = None, client: TradeClient | None = None) -> dict:
    """Run the warm-up and then every flow; returns steps, per-trade totals, derived figures and the targets."""
    from tradechain.bench.budget import check

    started = time.perf_counter()
    client = client or setup()
    run = GasRun(client)
    warm_up(run)
    from tradechain import progress

    chosen = flows if flows is not None else FLOWS
    for i, fn in enumerate(chosen, 1):
        progress.step(f"bench gas: flow {i}/{len(chosen)}: {fn.__name__}")
        fn(run)
    totals = {name: sum(s.values()) for name, s in run.steps.items() if name not in NOT_TRADES}
    result = {
        "note": WARM_UP_NOTE,
        "chain": "embedded (eth-tester, py-evm, prague)",
        "optimizer": _optimizer(client.artifacts),
        "steps": run.steps,
        "perTrade": totals,
        "derived": run.derived,
        "seconds": round(time.perf_counter() - started, 2),
        "l1Data": l1_data(run.l1_sizes),
    }
    result["targets"] = check(result)
    return result


def l1_data(sizes: dict[str, dict[str, dict]], a: rollup.L1FeeAssumptions | None = None) -> dict:
    """What each step would pay an OP Stack chain for its L1 data (Fjord formula, stated assumptions): the
    unsigned transaction's size and FastLZ length per step, the fee per step and per trade."""
    a = a or rollup.L1FeeAssumptions()
    steps = {f: {s: {**z, "feeWei": rollup.fee_from_sizes(z, a)} for s, z in st.items()} for f, st in sizes.items()}
    return {"formula": "OP Stack Fjord: GasPriceOracle.getL1Fee of the unsigned EIP-1559 tx", "assumptions": a.as_dict(),
            "steps": steps, "perTrade": {f: sum(z["feeWei"] for z in st.values()) for f, st in steps.items()
                                         if f not in NOT_TRADES}}


def flat(result: dict) -> dict[str, int]:
    """Every measured figure as "flow/step" -> gas: what the snapshot holds."""
    out = {f"{flow_name}/{step}": gas for flow_name, steps in result["steps"].items() for step, gas in steps.items()}
    out.update({f"{flow_name}/total": gas for flow_name, gas in result["perTrade"].items()})
    for flow_name, figures in result["derived"].items():
        out.update({f"{flow_name}/{k}": round(v) for k, v in figures.items() if k.startswith("perOrder")})
    return dict(sorted(out.items()))


def _optimizer(artifacts: dict) -> str:
    from tradechain.compiler import settings

    opt = settings().get("optimizer", {})
    return f"optimizer {'on' if opt.get('enabled') else 'off'}, runs {opt.get('runs', '-')}"
