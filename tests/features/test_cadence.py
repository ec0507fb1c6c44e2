"""Inter-purchase gaps in fractional days, on the main fixture."""

from __future__ import annotations

import statistics
from typing import Any

import pytest

Rows = dict[str, dict[str, Any]]


def test_mean_and_sample_std_of_gaps(rows: Rows) -> None:
    # c1: 01-05 10:00 → 03-10 12:00 → 03-20 08:00 → 03-31 23:00
    gaps = [65 + 2 / 24, 9 + 20 / 24, 11 + 15 / 24]
    assert rows["c1"]["interpurchase_mean_days"] == pytest.approx(statistics.mean(gaps))
    assert rows["c1"]["interpurchase_std_days"] == pytest.approx(statistics.stdev(gaps))


def test_two_orders_give_a_mean_but_no_std(rows: Rows) -> None:
    c8 = rows["c8"]  # 10:00 and 15:00 the same day
    assert c8["interpurchase_mean_days"] == pytest.approx(5 / 24)
    assert c8["interpurchase_std_days"] is None


def test_fewer_than_two_orders_give_nulls(rows: Rows) -> None:
    for customer in ("c2", "c3"):
        assert rows[customer]["interpurchase_mean_days"] is None
        assert rows[customer]["interpurchase_std_days"] is None
