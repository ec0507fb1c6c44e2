"""The money table of ``segmint profile``: formatting helpers and the rows printed."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
import pytest

from segmint.cli._money_output import (
    MONEY_COLUMNS,
    fmt,
    money,
    print_money,
    print_sub_segments,
    share,
)
from segmint.cli._output import out
from segmint.insight.money import SegmentMoney
from segmint.insight.profile import SegmentProfile


@pytest.mark.parametrize(
    ("value", "text"),
    [(1234567.891, "1,234,568"), (0, "0"), (-1500.5, "-1,500"), ("42", "42")],
)
def test_money_has_thousands_separators(value: Any, text: str) -> None:
    assert money(value) == text


def test_money_digits_and_share() -> None:
    assert money(1234.5678, 2) == "1,234.57"
    assert share(0.1234) == "12.3%"
    assert share(1) == "100.0%"
    assert fmt(3.14159, ".3f") == "3.142"


@pytest.mark.parametrize("value", [math.nan, float("nan"), "nan"])
def test_missing_values_read_as_a_dash(value: Any) -> None:
    assert money(value) == share(value) == fmt(value, ".2f") == "—"


def _overview_row(segment: str, too_small: bool, **values: float) -> dict[str, Any]:
    row: dict[str, Any] = {
        "segment": segment,
        "too_small": too_small,
        "members": 1200,
        "share_of_base": 0.6,
        "revenue": 123456.0,
        "gross_margin": 5000.0,
        "profit": 4000.0,
        "revenue_per_member": 102.88,
        "profit_per_member": 3.33,
        "revenue_share": 0.75,
        "average_order_value": 51.5,
        "frequency": 2.25,
        "recency_days": 30.0,
        "step_up_revenue": 1000.0,
        "grow_revenue": 1234.0,
    }
    row.update(values)
    return row


def _printed(
    costed_revenue: float = 165000.0,
    currency: str | None = None,
    history_start: dt.date | None = None,
    **overview_values: float,
) -> str:
    """What :func:`print_money` prints of two segments whose lines' costs are known for
    ``costed_revenue`` of the portfolio's 165,000 of revenue."""
    overview = pd.DataFrame(
        [
            _overview_row("Gold", False, **overview_values),
            _overview_row("Tiny", True, average_order_value=math.nan, **overview_values),
        ]
    )
    portfolio = {
        "members": 2000.0,
        "share_of_base": 1.0,
        "revenue": 165000.0,
        "costed_revenue": costed_revenue,
        "margin_coverage": costed_revenue / 165000.0,
        "gross_margin": 93.0,
        "profit": 63.0,
        "revenue_per_member": 82.5,
        "profit_per_member": 0.03,
        "revenue_share": 1.0,
        "average_order_value": 27.5,
    }
    empty = pd.DataFrame()
    result = SegmentProfile(
        segmentation="tiers", as_of=dt.date(2024, 6, 30), by=None,
        money=SegmentMoney(dt.date(2024, 6, 30), 0.0, overview, pd.Series(portfolio)),
        overview=overview, features=empty, distinguishing=empty, mix=empty, statistics=empty,
        n_tested=2000, n_base=2000, small=empty, history_start=history_start,
    )  # fmt: skip
    with out.capture() as captured:
        print_money(result, currency)
    return captured.get()


def test_print_money_rows_and_total() -> None:
    text = _printed()
    assert "tiers as of 2024-06-30: 2,000 customers" in text
    gold = next(line for line in text.splitlines() if "Gold" in line)
    assert "1,200" in gold and "60.0%" in gold and "123,456" in gold and "102.88" in gold
    tiny = next(line for line in text.splitlines() if "Tiny" in line)
    assert "(small)" in tiny
    assert "—" in tiny  # its missing average order value
    total = next(line for line in text.splitlines() if "total" in line)
    assert "2,000" in total and "165,000" in total and "100.0%" in total
    assert "5,000" in gold and "4,000" in gold and "3.33" in gold  # margin, profit, per member
    assert "unit cost" not in text


def test_without_any_known_cost_margin_and_profit_are_dashes_not_zeros() -> None:
    text = _printed(costed_revenue=0.0, gross_margin=0.0, profit=0.0, profit_per_member=0.0)
    gold = next(line for line in text.splitlines() if "Gold" in line)
    cells = [cell.strip() for cell in gold.split("│")]
    assert cells[5:8] == ["—", "—", "102.88"] and cells[8] == "—"
    assert "no unit cost is known" in text


def test_a_partly_known_cost_says_what_share_of_revenue_the_margin_covers() -> None:
    text = _printed(costed_revenue=41250.0)
    assert "margin and profit cover the 25.0% of revenue whose unit cost is known" in text


def test_print_sub_segments() -> None:
    subs = pd.DataFrame(
        {
            "segment": ["Gold", "Gold"],
            "sub_segment": ["North", "unknown"],
            "members": [1500, 3],
            "revenue": [90.0, 0.0],
            "profit": [80.0, -15.0],
            "revenue_per_member": [0.06, math.nan],
            "revenue_share": [0.5454, 0.0],
        }
    )
    with out.capture() as captured:
        print_sub_segments(subs, "region")
    text = captured.get()
    assert "by region" in text
    north = next(line for line in text.splitlines() if "North" in line)
    assert "1,500" in north and "54.5%" in north and "0.06" in north
    unknown = next(line for line in text.splitlines() if "unknown" in line)
    assert "-15" in unknown and "—" in unknown


def test_the_shops_currency_is_named_in_the_title_and_money_headings() -> None:
    text = _printed(currency="EUR")
    assert "money over the 365 days to that date, in EUR" in text
    header = text[: text.index("Gold")]
    assert header.count("(EUR)") == len(MONEY_COLUMNS)  # every amount's column, no other
    gold = next(line for line in text.splitlines() if "Gold" in line)
    assert "123,456" in gold and "102.88" in gold  # the cells stay numbers


def test_without_a_currency_the_table_is_unchanged() -> None:
    text = _printed()
    assert "(" not in text[: text.index("Gold")]  # no heading names a currency
    assert "to that date, in" not in text


def test_amounts_shown_to_the_cent_take_the_currencys_own_decimals() -> None:
    yen = next(line for line in _printed(currency="JPY").splitlines() if "Gold" in line)
    assert "103" in yen and "102.88" not in yen and "51.50" not in yen  # no sen
    assert " 2.2 " in yen  # the frequency is no amount: its decimal stays
    dinar = next(line for line in _printed(currency="KWD").splitlines() if "Gold" in line)
    assert "102.880" in dinar and "51.500" in dinar and "123,456" in dinar


def test_a_year_the_orders_start_within_says_how_many_days_it_holds() -> None:
    # Online Retail II as of 2010-08-31: 274 days of orders read as a year's.
    assert "(the orders start" not in _printed()
    text = " ".join(_printed(currency="EUR", history_start=dt.date(2024, 1, 1)).split())
    assert (
        "money over the 365 days to that date (the orders start on 2024-01-01: only 182 days, "
        "so values per year are per 182 days), in EUR"
    ) in text
