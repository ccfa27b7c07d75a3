"""The replayed EUR/USD path and what the lock keeps from moving over it (tradechain.fxpath)."""

from decimal import Decimal

import pytest

from tradechain import fxpath


def test_the_replayed_path_is_the_ecb_fixes_it_says_it_is():
    days = fxpath.load()
    assert len(days) == 29 and (days[0].date, days[0].rate) == ("2023-01-12", Decimal("1.0772"))
    assert (days[-1].date, days[-1].rate) == ("2023-02-21", Decimal("1.0664"))
    assert [d.date for d in days] == sorted(d.date for d in days)
    assert fxpath.PATH_FILE.read_text().startswith("# A replayed EUR/USD path, not a live rate")


def test_the_lock_summary_measures_every_order_day_the_path_has_room_for():
    days = [fxpath.Day(f"d{i}", Decimal(r)) for i, r in enumerate(["1.00", "1.02", "0.99", "1.05"])]
    s = fxpath.summary(days, horizons=(1, 2, 5))
    one, two = s["horizons"]  # no room for a 5-day horizon on 4 days
    assert one["orders"] == 3 and round(one["worstMovePct"], 6) == round(float((Decimal("1.05") - Decimal("0.99"))
                                                                                 / Decimal("0.99") * 100), 6)
    assert (one["worstFrom"], one["worstTo"], one["worstUsdOn10kEur"]) == ("d2", "d3", 600.0)
    assert two["orders"] == 2 and two["meanAbsMovePct"] == pytest.approx((1.0 + abs(1.05 / 1.02 - 1) * 100) / 2)
