"""`tradechain report`: what a trade costs and how fast it settles, measured, beside the papers' cited figures.

Gas comes from the latest `bench gas` run in the results folder (or a fresh run when there is none); speed
and latency from their latest runs when present. Costs in USD follow from stated assumptions (gas price per
setting, ETH price, order value), all flags. The papers' figures are labelled cited; ours measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DAY = 86400


@dataclass
class Assumptions:
    l1_gwei: float = 10.0  # Ethereum mainnet-like execution gas price
    l2_gwei: float = 0.01  # rollup execution gas price; the rollup's L1 data fee is added (OP Stack, Fjord)
    eth_usd: float = 3000.0
    order_usd: float = 10_000.0  # order value for the percentage comparisons
    fee_pct: float = 1.0  # the platform fee the deployment charges (deploy default 1 %, contract cap 5 %)
    blob_gwei: float = 1.0  # L1 blob base fee for the rollup's L1 data fee (L1 base fee: l1_gwei)

    def as_dict(self) -> dict:
        """camelCase keys, as every --json prints them (l1Gwei, ethUsd, …)."""
        return {"l1Gwei": self.l1_gwei, "l2Gwei": self.l2_gwei, "ethUsd": self.eth_usd, "orderUsd": self.order_usd,
                "feePct": self.fee_pct, "blobGwei": self.blob_gwei}

    def l1_fee(self):
        from tradechain.rollup import L1FeeAssumptions

        return L1FeeAssumptions(l1_base_fee_gwei=self.l1_gwei, blob_base_fee_gwei=self.blob_gwei)


# The papers' figures (docs/CITED.md, with their sources), never mixed with ours.
CITED = {
    "swift_fee_usd": (40.0, 50.0, "SWIFT wire, per transfer (BIS 2025, as cited)"),
    "card_fee_pct": (3.0, 5.0, "card / third-party cross-border fee, % of value (McKinsey 2025, as cited)"),
    "fintech_avg_pct": (0.8, 0.8, "average fintech payment cost, % of value (Gao 2025, as cited)"),
    "traditional_days": (3.0, 5.0, "traditional / SWIFT settlement, days (McKinsey, BIS 2025, as cited)"),
    "turnover_days": (1.7, 1.7, "fintech funds turnover, days (Gao 2025, as cited)"),
    "fx_loss_pct": (8.0, 15.0, "FX losses of cross-border sellers without a rate lock, % (the papers, as cited; "
                               "docs/CITED.md)"),
}


def usd(gas: int, gwei: float, eth_usd: float) -> float:
    return gas * gwei * 1e-9 * eth_usd


def build(gas: dict, speed: dict | None, latency: dict | None, a: Assumptions) -> dict:
    from tradechain.bench.gas import l1_data

    l1 = l1_data({f: {s: {k: v for k, v in z.items() if k != "feeWei"} for s, z in st.items()}
                  for f, st in gas["l1Data"]["steps"].items()}, a.l1_fee())
    trades = {}
    for flow_name, total in gas["perTrade"].items():
        data_wei = l1["perTrade"][flow_name]
        trades[flow_name] = {"gas": total, "usdL1": usd(total, a.l1_gwei, a.eth_usd),
                             "usdL2Execution": usd(total, a.l2_gwei, a.eth_usd),
                             "usdL2L1Data": data_wei * 1e-18 * a.eth_usd, "l1DataWei": data_wei}
        trades[flow_name]["usdL2"] = trades[flow_name]["usdL2Execution"] + trades[flow_name]["usdL2L1Data"]
        trades[flow_name]["pctOfOrderL1"] = 100 * trades[flow_name]["usdL1"] / a.order_usd
    eth = trades.get("eth_order")
    comparison = []
    if eth:
        low, high, label = CITED["swift_fee_usd"]
        comparison.append({"what": label, "source": "cited", "usdLow": low, "usdHigh": high})
        for key in ("card_fee_pct", "fintech_avg_pct"):
            low, high, label = CITED[key]
            comparison.append({"what": label + f" on a {a.order_usd:,.0f} USD order", "source": "cited",
                               "usdLow": a.order_usd * low / 100, "usdHigh": a.order_usd * high / 100})
        comparison.append({"what": f"tradechain ETH trade, gas only, L1 at {a.l1_gwei:g} gwei", "source": "measured",
                           "usdLow": eth["usdL1"], "usdHigh": eth["usdL1"]})
        comparison.append({"what": f"tradechain ETH trade on an OP Stack L2: execution at {a.l2_gwei:g} gwei + L1 data "
                                   f"(blob base fee {a.blob_gwei:g} gwei)", "source": "measured",
                           "usdLow": eth["usdL2"], "usdHigh": eth["usdL2"]})
        # the platform fee is a setting, not a measurement: shown apart, and added to gas for the seller's cost
        fee = a.order_usd * a.fee_pct / 100
        comparison.append({"what": f"tradechain platform fee, {a.fee_pct:g} % (set by the admin, capped at 5 %)",
                           "source": "configured", "usdLow": fee, "usdHigh": fee})
        comparison.append({"what": f"tradechain ETH trade, gas on L1 + {a.fee_pct:g} % platform fee",
                           "source": "measured + configured", "usdLow": eth["usdL1"] + fee,
                           "usdHigh": eth["usdL1"] + fee})
    settlement = [{"what": CITED[k][2], "source": "cited", "secondsLow": CITED[k][0] * DAY,
                   "secondsHigh": CITED[k][1] * DAY} for k in ("traditional_days", "turnover_days")]
    if latency:
        for window, worst in latency["worstByWindow"].items():
            w = int(window)
            label = "no inspection window" if w == 0 else f"{w / DAY:g}-day inspection window"
            seconds = worst["wallSeconds"] + w  # the window is passed by time travel; its length is added back
            settlement.append({"what": f"tradechain, delivery to funds at invoice holder, {label} (keeper running; "
                                       "a local anvil: no network latency, blocks on demand)",
                               "source": "measured (local anvil)", "secondsLow": seconds, "secondsHigh": seconds,
                               "blocks": worst["blocks"]})
    from tradechain import fxpath

    low, high, label = CITED["fx_loss_pct"]
    fx_lock = {**fxpath.summary(), "cited": {"what": label, "source": "cited", "pctLow": low, "pctHigh": high}}
    return {"assumptions": a.as_dict(), "gasNote": gas["note"], "fxLock": fx_lock, "gasSteps": gas["steps"],
            "targets": gas["targets"],            "l1Data": {"formula": gas["l1Data"]["formula"], "assumptions": l1["assumptions"], "steps": l1["steps"]},
            "perTrade": trades, "costComparison": comparison, "settlement": settlement,
            "speed": speed and {k: speed[k] for k in ("trade", "ratios") if k in speed} | {
                k: speed[k]["tradesPerSecond"] for k in ("raw", "client", "anvilClient", "anvilPipelined") if k in speed},
            "latencyKeeper": latency and latency["keeper"]}


def charts(data: dict, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    steps = data["gasSteps"]["eth_order"]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.barh(list(steps)[::-1], list(steps.values())[::-1], color="#4a7ab7")
    for i, v in enumerate(list(steps.values())[::-1]):
        ax.text(v, i, f" {v:,}", va="center", fontsize=8)
    ax.set_xlabel("gas (measured, existing accounts)")
    ax.set_title("ETH trade: gas per step (measured)")
    ax.set_xlim(0, max(steps.values()) * 1.2)
    fig.tight_layout()
    paths.append(_save(fig, out / "gas_per_step.png"))

    a = data["assumptions"]
    paths.append(_range_chart(
        data["costComparison"], "usd", lambda lo, hi: f"{lo:,.2f}" + ("" if lo == hi else f"–{hi:,.2f}") + " USD",
        "USD per trade (log scale)", f"Cost per trade: cited baselines (grey), measured gas (green), configured fee (blue), "
        f"ETH = {a['ethUsd']:,.0f} USD", out / "cost_per_trade.png", 30))
    paths.append(_range_chart(data["settlement"], "seconds", _duration, "seconds (log scale)",
                              "Settlement time: cited (grey) vs measured (green)", out / "settlement_time.png", 50))
    return paths


# cited grey, measured green, configured (a setting) blue, a sum of both blue-green
SOURCE_COLOURS = {"cited": "#999999", "measured": "#2a9d55", "measured (local anvil)": "#2a9d55",
                  "configured": "#4a7fc1", "measured + configured": "#3a8e8c"}


def _range_chart(rows: list[dict], key: str, label, xlabel: str, title: str, path: Path, headroom: float) -> Path:
    """Horizontal log-scale bars, one per row; a cited range shows its low end solid and its high end pale."""
    import matplotlib.pyplot as plt

    low, high = f"{key}Low", f"{key}High"
    fig, ax = plt.subplots(figsize=(10, 4.5))
    for i, r in enumerate(rows):
        color = SOURCE_COLOURS.get(r["source"], "#4a7fc1")  # only measured figures are green
        ax.barh(i, r[high], color=color, alpha=0.45 if r["source"] == "cited" else 1)
        ax.barh(i, r[low], color=color)
        ax.text(r[high] * 1.15, i, f"{label(r[low], r[high])} ({r['source']})", va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), [_wrap(r["what"]) for r in rows], fontsize=7)
    ax.set_xscale("log")
    ax.set_xlim(min(r[low] for r in rows) / 3, max(r[high] for r in rows) * headroom)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    fig.tight_layout()
    return _save(fig, path)


def markdown(data: dict, images: list[Path]) -> str:
    a = data["assumptions"]
    lines = ["# tradechain: cost and settlement time, measured", "",
             "Figures marked **measured** come from this prototype on this machine; figures marked **cited** are "
             "the papers' (docs/CITED.md in the repository, with their sources), quoted as they cite them; **configured** "
             "figures are settings (the platform fee), not measurements. The two are never mixed.", "",
             f"Assumptions: L1 gas price {a['l1Gwei']:g} gwei, L2 gas price {a['l2Gwei']:g} gwei, ETH = "
             f"{a['ethUsd']:,.0f} USD, order value {a['orderUsd']:,.0f} USD. On the L2 (an OP Stack rollup) each "
             f"transaction also pays an L1 data fee: {data['l1Data']['formula']}, computed from each step's measured "
             f"transaction bytes with L1 base fee {a['l1Gwei']:g} gwei, blob base fee {a['blobGwei']:g} gwei and "
             f"OP Mainnet's scalars ({data['l1Data']['assumptions']['baseFeeScalar']} / "
             f"{data['l1Data']['assumptions']['blobBaseFeeScalar']}). Change them with --l1-gwei, --l2-gwei, "
             "--blob-gwei, --eth-usd, --order-usd.", "",
             f"Gas: {data['gasNote']}.", "", "## Cost per trade (measured gas and transaction bytes)", "",
             "| flow | gas | USD on L1 | USD on L2: execution | + L1 data | = total | % of order on L1 |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, t in data["perTrade"].items():
        lines.append(f"| {name} | {t['gas']:,} | {t['usdL1']:.2f} | {t['usdL2Execution']:.5f} | {t['usdL2L1Data']:.5f} "
                     f"| {t['usdL2']:.5f} | {t['pctOfOrderL1']:.3f} % |")
    lines += ["", "L1 data fee per step (ETH trade):", "", "| step | unsigned tx bytes | FastLZ bytes | L1 data fee (gwei) |",
              "| --- | ---: | ---: | ---: |"]
    for step, z in data["l1Data"]["steps"].get("eth_order", {}).items():
        lines.append(f"| {step} | {z['txBytes']} | {z['fastlz']} | {z['feeWei'] / 1e9:,.0f} |")
    lines += ["", "## Beside the baselines", "", "| what | source | USD per trade |", "| --- | --- | ---: |"]
    for r in data["costComparison"]:
        value = f"{r['usdLow']:,.4g}" if r["usdLow"] == r["usdHigh"] else f"{r['usdLow']:,.4g}–{r['usdHigh']:,.4g}"
        lines.append(f"| {r['what']} | {r['source']} | {value} |")
    lines += ["", "## Settlement time", "", "| what | source | time | blocks |", "| --- | --- | --- | ---: |"]
    for r in data["settlement"]:
        lines.append(f"| {r['what']} | {r['source']} | {_duration(r['secondsLow'], r['secondsHigh'])} | "
                     f"{r.get('blocks', '')} |")
    if data["latencyKeeper"]:
        lines += ["", f"Keeper: {data['latencyKeeper']}."]
    else:
        lines += ["", "No latency run in the results folder: run `tradechain bench latency` first."]
    fx = data["fxLock"]
    lines += ["", "## What the rate lock saved, over a replayed EUR/USD path", "",
              f"An order priced {10_000:,} EUR and paid in tUSD locks the rate at order time; settled at the rate on "
              "the release day instead, the amount would have moved by the change in between (a minus: the euro "
              "fell, and the seller would have received that much less; a plus: the buyer would have paid more). "
              "Over the "
              f"{fx['label']} (low {fx['low']}, high {fx['high']}), for every order day the path has room for:", "",
              "| order to release | orders | mean move avoided | worst move avoided | worst, on 10,000 EUR | source |",
              "| --- | ---: | ---: | ---: | ---: | --- |"]
    for h in fx["horizons"]:
        lines.append(f"| {h['horizonDays']} business days | {h['orders']} | {h['meanAbsMovePct']:.2f} % | "
                     f"{h['worstMovePct']:+.2f} % ({h['worstFrom']} → {h['worstTo']}) | "
                     f"{h['worstUsdOn10kEur']:+,.0f} USD | measured (replayed path) |")
    c = fx["cited"]
    lines += [f"| {c['what']} | | | {c['pctLow']:g}–{c['pctHigh']:g} % | | cited |", "",
              "One replayed path of 29 days, not a forecast: the cited figure covers whole businesses over longer "
              "periods and is not comparable one to one."]
    lines += ["", "## Gas targets (reported, not enforced)", "", "| item | measured | target | |",
              "| --- | ---: | ---: | --- |"]
    for b in data["targets"]:
        fmt = "{:,.3f}" if b["unit"] == "ratio" else "{:,.0f}"
        lines.append(f"| {b['item']} | {fmt.format(b['value'])} | {fmt.format(b['limit'])} | "
                     f"{'met' if b['met'] else 'missed'} |")
    if data["speed"]:
        s = data["speed"]
        lines += ["", "## Throughput (measured)", "", f"A trade: {s['trade']}.", ""]
        for k in ("raw", "client", "anvilClient", "anvilPipelined"):
            if k in s:
                lines.append(f"- {k}: {s[k]} trades/s")
        lines += [f"- {k}: {v}" for k, v in s["ratios"].items()]
    lines += ["", "## Charts", ""] + [f"![{p.stem}]({p.name})" for p in images]
    return "\n".join(lines) + "\n"


def write(data: dict, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    images = charts(data, out)
    md = out / "report.md"
    md.write_text(markdown(data, images))
    return {"markdown": str(md), "charts": [str(p) for p in images]}


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _wrap(text: str, width: int = 38) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def _duration(low: float, high: float) -> str:
    def one(s: float) -> str:
        if s < 120:
            return f"{s:.2f} s"
        if s < 2 * DAY:
            return f"{s / 3600:.1f} h"
        return f"{s / DAY:.1f} days"

    return one(low) if low == high else f"{one(low)}–{one(high)}"
