"""Reading stored scores: latest date on or before the day, first model by name, tiers × bands."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

import segmint
from segmint.mart import Mart
from segmint.mart.ingest import ingest
from segmint.scoring.churn_source import HISTORY_MODEL
from segmint.views.scores import (
    NO_CHURN,
    NO_CLV,
    RISK_LABELS,
    VALUE_TIERS,
    _grid,
    churn_risk,
    score,
    score_dates,
    value_risk,
)

DAY = dt.date(2024, 6, 30)


@pytest.fixture
def mart() -> Iterator[Mart]:
    with segmint.connect(":memory:") as made:
        yield made


def put(mart: Mart, rows: list[tuple[str, str, str, str, float]]) -> None:
    """(customer, as_of, model, score_name, value) rows."""
    for row in rows:
        mart.raw.execute("INSERT INTO scores VALUES ($1, $2::DATE, $3, $4, $5)", list(row))


def values(table: object) -> dict[str, float]:
    frame = table.execute()  # type: ignore[attr-defined]
    return dict(zip(frame.customer_id, frame.value, strict=True))


def test_score_dates_are_those_of_the_scores_the_page_reads(mart: Mart) -> None:
    assert score_dates(mart) == []
    put(
        mart,
        [
            ("a", "2024-06-30", "m", "clv", 1.0),
            ("b", "2024-06-30", "m", "clv", 2.0),
            ("a", "2024-03-31", "m", "p_alive", 0.5),
            ("a", "2024-01-31", "m", "churn_risk", 0.5),
            ("a", "2023-12-31", "m", "expected_spend", 10.0),
        ],
    )
    assert score_dates(mart) == [dt.date(2024, 1, 31), dt.date(2024, 3, 31), DAY]


def test_latest_date_on_or_before_the_day_and_first_model(mart: Mart) -> None:
    put(
        mart,
        [
            ("a", "2024-03-31", "m", "clv", 1.0),
            ("a", "2024-06-30", "zeta", "clv", 9.0),
            ("a", "2024-06-30", "beta", "clv", 5.0),
            ("b", "2024-06-30", "beta", "clv", 6.0),
            ("a", "2024-07-31", "beta", "clv", 100.0),  # after the day
        ],
    )
    chosen = score(mart, "clv", DAY)
    assert chosen is not None
    assert values(chosen) == {"a": 5.0, "b": 6.0}
    earlier = score(mart, "clv", dt.date(2024, 4, 1))
    assert earlier is not None and values(earlier) == {"a": 1.0}
    assert score(mart, "clv", dt.date(2024, 1, 1)) is None
    assert score(mart, "churn_risk", DAY) is None


def test_no_scores_table_means_no_score(mart: Mart) -> None:
    mart.raw.execute("DROP TABLE scores")
    assert score(mart, "clv", DAY) is None
    assert churn_risk(mart, DAY) is None


def test_churn_risk_prefers_the_stored_risk_then_one_minus_p_alive(mart: Mart) -> None:
    put(mart, [("a", "2024-06-30", "m", "p_alive", 0.75)])
    risk = churn_risk(mart, DAY)
    assert risk is not None and values(risk[0]) == {"a": 0.25}
    assert risk[1].startswith("1 - p_alive as of 2024-06-30")
    assert "`segmint clv score --as-of 2024-06-30`" in risk[1]
    put(mart, [("a", "2024-06-30", HISTORY_MODEL, "churn_risk", 0.4)])
    risk = churn_risk(mart, DAY)
    assert risk is not None and values(risk[0]) == {"a": 0.4}
    assert risk[1].startswith("P(no purchase in the next 90 days) of an MBG/NBD fitted on")
    put(mart, [("a", "2024-06-30", "churn_gbm", "churn_risk", 0.6)])  # sorts after "churn_"
    put(mart, [("a", "2024-06-30", "a-churn-model", "churn_risk", 0.7)])
    risk = churn_risk(mart, DAY)
    assert risk is not None and values(risk[0]) == {"a": 0.7}
    assert risk[1] == "churn_risk of a-churn-model as of 2024-06-30"


def test_churn_risk_passes_over_a_weak_churn_model_and_says_why(
    mart: Mart, churn_run: Callable[[Mart, float], None]
) -> None:
    put(mart, [("a", "2024-06-30", "churn_gbm", "churn_risk", 0.9)])
    put(mart, [("a", "2024-06-30", HISTORY_MODEL, "churn_risk", 0.4)])
    churn_run(mart, 0.25)  # worse than the same rate for everyone and than btyd
    risk = churn_risk(mart, DAY)
    assert risk is not None and values(risk[0]) == {"a": 0.4}
    assert risk[1].startswith("P(no purchase in the next 90 days) of an MBG/NBD fitted on")
    assert risk[1].endswith(
        "(churn_gbm predicted its evaluation window worse than the same rate for everyone "
        "(Brier 0.2000) and than btyd (Brier 0.1800): Brier 0.2500, so its churn_risk is "
        "not used)"
    )


def test_churn_risk_of_a_weak_model_alone_falls_back_to_p_alive(
    mart: Mart, churn_run: Callable[[Mart, float], None]
) -> None:
    put(mart, [("a", "2024-06-30", "churn_gbm", "churn_risk", 0.9)])
    put(mart, [("a", "2024-06-30", "m", "p_alive", 0.75)])
    churn_run(mart, 0.25)
    risk = churn_risk(mart, DAY)
    assert risk is not None and values(risk[0]) == {"a": 0.25}
    assert risk[1].startswith("1 - p_alive as of 2024-06-30")
    assert risk[1].endswith("so its churn_risk is not used)")


def test_value_risk_says_why_when_only_a_weak_model_stored_a_risk(
    mart: Mart, churn_run: Callable[[Mart, float], None]
) -> None:
    put(mart, [("a", "2024-06-30", "m", "clv", 10.0)])
    put(mart, [("a", "2024-06-30", "churn_gbm", "churn_risk", 0.9)])
    churn_run(mart, 0.25)
    shown = value_risk(mart, DAY)
    assert shown.grid is None and NO_CHURN not in shown.messages
    assert [m for m in shown.messages if m.startswith("No usable churn risk: churn_gbm")]
    assert "`segmint clv score`" in shown.messages[-1]


def test_churn_risk_keeps_a_churn_model_that_beat_its_baselines(
    mart: Mart, churn_run: Callable[[Mart, float], None]
) -> None:
    put(mart, [("a", "2024-06-30", "churn_gbm", "churn_risk", 0.9)])
    put(mart, [("a", "2024-06-30", HISTORY_MODEL, "churn_risk", 0.4)])
    churn_run(mart, 0.15)
    risk = churn_risk(mart, DAY)
    assert risk is not None and values(risk[0]) == {"a": 0.9}
    assert risk[1] == "churn_risk of churn_gbm as of 2024-06-30"


def test_nothing_is_fitted_on_a_request(mart: Mart, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    days = {f"c{i}": rng.uniform(0, 180, 1 + i % 4) for i in range(60)}
    rows = [
        (c, dt.datetime(2024, 1, 1) + dt.timedelta(days=d), 10.0)
        for c, ds in days.items()
        for d in ds
    ]
    pd.DataFrame(rows, columns=["customer_id", "order_ts", "amount"]).to_csv(
        tmp_path / "o.csv", index=False
    )
    ingest(mart, "transactions", tmp_path / "o.csv")  # enough to fit an MBG/NBD on
    put(mart, [(c, "2024-06-30", "m", "p_alive", 0.9) for c in days])
    risk = churn_risk(mart, dt.date(2024, 7, 31))
    assert risk is not None and list(values(risk[0]).values()) == [pytest.approx(0.1)] * 60


def test_value_risk_without_scores_says_what_to_run(mart: Mart) -> None:
    result = value_risk(mart, DAY)
    assert (result.clv, result.grid, result.top, result.average_clv) == (None, None, None, None)
    assert result.messages == [NO_CLV, NO_CHURN]


def test_value_risk_with_clv_only(mart: Mart) -> None:
    put(mart, [("a", "2024-06-30", "m", "clv", 10.0), ("b", "2024-06-30", "m", "clv", 30.0)])
    result = value_risk(mart, DAY, top_n=1)
    assert result.messages == [NO_CHURN]
    assert result.average_clv == 20.0
    assert result.grid is None
    assert result.top is not None
    assert result.top.to_dict("records") == [{"customer_id": "b", "clv": 30.0}]


def test_value_risk_top_customers_carry_their_risk(mart: Mart) -> None:
    put(
        mart,
        [
            ("a", "2024-06-30", "m", "clv", 10.0),
            ("b", "2024-06-30", "m", "clv", 30.0),
            ("b", "2024-06-30", "m", "p_alive", 0.9),
        ],
    )
    result = value_risk(mart, DAY)
    assert result.messages == []
    assert result.top is not None
    top = result.top.set_index("customer_id")
    assert top.loc["b", "churn_risk"] == pytest.approx(0.1)
    assert pd.isna(top.loc["a", "churn_risk"])
    assert result.grid is not None
    assert result.grid.customers.sum() == 1  # only b has both scores


def scored(ids: list[str], values: list[float]) -> ibis.Table:
    frame = pd.DataFrame({"customer_id": ids, "value": values})
    return ibis.memtable(frame, schema={"customer_id": "string", "value": "float64"})


def test_grid_tiers_by_percentile_and_bands_by_risk() -> None:
    ids = [f"c{i:03d}" for i in range(100)]
    clv = scored(ids[::-1], list(range(100, 0, -1)))  # order does not matter
    risk = scored(ids, [0.0] * 50 + [0.99] * 49 + [1.0])
    grid = _grid(clv, risk).set_index(["tier", "band"])
    assert grid.loc[("Top 1%", "80-100%"), "customers"] == 1
    assert grid.loc[("Top 1%", "80-100%"), "clv"] == 100.0
    assert grid.loc[("Next 4%", "80-100%"), "customers"] == 4
    assert grid.loc[("Next 15%", "80-100%"), "customers"] == 15
    assert grid.loc[("Middle 30%", "80-100%"), "customers"] == 30
    assert grid.loc[("Bottom 50%", "0-20%"), "customers"] == 50
    assert grid.loc[("Bottom 50%", "0-20%"), "clv"] == sum(range(1, 51))
    assert int(grid.customers.sum()) == 100
    assert set(grid.index.get_level_values("tier")) <= set(VALUE_TIERS)
    assert set(grid.index.get_level_values("band")) <= set(RISK_LABELS)


def test_grid_clips_risk_outside_zero_one_and_leaves_out_unknown_risk() -> None:
    clv = scored(["a", "b", "c", "d"], [1.0, 2.0, 3.0, 4.0])
    grid = _grid(clv, scored(["a", "b", "c", "e"], [-0.5, 1.7, float("nan"), 0.5]))
    assert dict(zip(grid.band, grid.customers, strict=True)) == {"0-20%": 1, "80-100%": 1}


def test_grid_ties_in_clv_still_give_each_tier_its_share() -> None:
    ids = [f"c{i:03d}" for i in range(200)]
    grid = _grid(scored(ids, [5.0] * 200), scored(ids, [0.5] * 200)).set_index("tier")
    assert grid.customers.to_dict() == {
        "Top 1%": 2,
        "Next 4%": 8,
        "Next 15%": 30,
        "Middle 30%": 60,
        "Bottom 50%": 100,
    }
