"""The replayed EUR/USD path (src/tradechain/data/eur_usd_ecb_2023.csv: the ECB's reference rates for 29 business
days) and what locking the rate at order time changes over it.

An order priced 10,000 EUR and paid in tUSD collects price × the rate at order time and releases exactly that.
Settled instead at the rate on the release day, the amount would have moved by price × (release rate − order
rate): the lock takes that exposure away from both sides. Measured here over every order day of the path for a
few order-to-release horizons — on one replayed path, not a forecast and not a market study.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

PATH_FILE = Path(__file__).resolve().parent / "data" / "eur_usd_ecb_2023.csv"
PATH_LABEL = ("replayed path: ECB euro reference rates, USD per EUR, 29 business days 2023-01-12 .. 2023-02-21 "
              "(src/tradechain/data/eur_usd_ecb_2023.csv)")
HORIZONS = (5, 10, 20)  # business days from order to release
PRICE_EUR = 10_000


@dataclass(frozen=True)
class Day:
    date: str
    rate: Decimal  # USD per EUR


def load(path: Path = PATH_FILE) -> list[Day]:
    """The path's days in order (comment lines start with #)."""
    rows = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
    return [Day(r["date"], Decimal(r["usd_per_eur"])) for r in csv.DictReader(rows)]


def move_pct(locked: Decimal, release: Decimal) -> float:
    """How far the release-day rate is from the locked one, in % of the locked amount (+: the euro rose)."""
    return float((release - locked) / locked * 100)


def summary(days: list[Day] | None = None, horizons: tuple[int, ...] = HORIZONS) -> dict:
    """Per horizon: how many order days the path has room for, the mean and the worst absolute move between the
    rate locked and the release-day rate, and that worst move on a 10,000 EUR order in USD."""
    days = days if days is not None else load()
    rows = []
    for h in horizons:
        moves = [move_pct(days[i].rate, days[i + h].rate) for i in range(len(days) - h)]
        if not moves:
            continue
        worst = max(range(len(moves)), key=lambda i: abs(moves[i]))
        rows.append({"horizonDays": h, "orders": len(moves), "meanAbsMovePct": sum(map(abs, moves)) / len(moves),
                     "worstMovePct": moves[worst], "worstFrom": days[worst].date, "worstTo": days[worst + h].date,
                     "worstUsdOn10kEur": float(PRICE_EUR * (days[worst + h].rate - days[worst].rate))})
    return {"label": PATH_LABEL, "days": len(days), "first": days[0].date, "last": days[-1].date,
            "low": float(min(d.rate for d in days)), "high": float(max(d.rate for d in days)), "horizons": rows}
