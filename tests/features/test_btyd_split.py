"""The CLV inputs from the mart: the published CDNOW summary and holdout, and the spend rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import segmint
from segmint.exceptions import InputError, MartError
from segmint.features.btyd import btyd_summary
from segmint.features.btyd_split import CalibrationHoldout, calibration_holdout
from segmint.mart import Mart
from segmint.mart.ingest import IngestOptions, ingest

CDNOW_DIR = Path(__file__).parents[2] / ".." / "shared" / "datasets" / "cdnow"


def test_the_calibration_summary_is_the_published_one(cdnow_split: CalibrationHoldout) -> None:
    published = pd.read_csv(CDNOW_DIR / "cdnow_customers_summary_with_transactions.csv")
    ours = cdnow_split.frame.assign(ID=cdnow_split.frame.customer_id.astype(int))
    both = ours.merge(published, on="ID", suffixes=("", "_published"))
    assert len(both) == len(published) == 2357
    assert (both.frequency == both.x).all()
    np.testing.assert_allclose(both.recency, both.t_x, atol=0.005)
    np.testing.assert_allclose(both["T"], both["T_published"], atol=0.005)
    # zbar: the mean value of the repeat customer-days, rounded to cents in the file
    np.testing.assert_allclose(both.monetary_value, both.zbar, atol=0.0051)
    assert int((both.frequency > 0).sum()) == 946


def test_the_holdout_holds_1882_repeat_transactions(cdnow_split: CalibrationHoldout) -> None:
    assert cdnow_split.holdout_weeks == pytest.approx(39.0)
    assert cdnow_split.frame.holdout_purchases.sum() == 1882
    assert cdnow_split.frame.frequency.sum() == 2457
    # every customer's holdout spend is positive exactly when they bought in the holdout
    bought = cdnow_split.frame.holdout_purchases > 0
    assert ((cdnow_split.frame.holdout_spend > 0) | ~bought).all()


def test_holdout_spend_is_the_sum_of_the_raw_file(cdnow_split: CalibrationHoldout) -> None:
    raw = pd.read_csv(
        CDNOW_DIR / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "id", "date", "cds", "dollars"],
    )
    later = raw[raw.date > 19970930]
    assert cdnow_split.frame.holdout_spend.sum() == pytest.approx(later.dollars.sum())


def test_weekly_repeat_transactions_cover_both_periods(cdnow_split: CalibrationHoldout) -> None:
    weekly = cdnow_split.weekly_repeat
    assert cdnow_split.origin == dt.date(1997, 1, 1)
    assert len(weekly) == 78
    assert weekly.sum() == 2457 + 1882
    # days 0..272 after 1997-01-01 are the calibration period: weeks 1-38 and 6 days of 39
    assert weekly.loc[:38].sum() <= 2457 <= weekly.loc[:39].sum()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mart]:
    """Three customers whose summary is worked out by hand (see the test)."""
    tmp_path = tmp_path_factory.mktemp("small")
    rows = [
        ("a", "2024-01-01 09:00", 10.0),
        ("a", "2024-01-08 09:00", 5.0),
        ("a", "2024-01-08 17:00", 7.0),  # same day: one transaction worth 12
        ("a", "2024-01-22 12:00", 20.0),
        ("b", "2024-01-15 10:00", 30.0),
        ("c", "2024-01-01 10:00", 8.0),
        ("c", "2024-01-29 10:00", -8.0),  # a return: not a transaction
    ]
    csv = tmp_path / "t.csv"
    pd.DataFrame(rows, columns=["customer_id", "order_ts", "amount"]).to_csv(csv, index=False)
    with segmint.connect(tmp_path / "small.duckdb") as mart:
        ingest(mart, "transactions", csv, IngestOptions())
        yield mart


def test_summary_merges_days_and_leaves_out_the_first_day_and_returns(small: Mart) -> None:
    frame = btyd_summary(small, "2024-01-29").to_pandas().set_index("customer_id")
    a, b, c = frame.loc["a"], frame.loc["b"], frame.loc["c"]
    assert (a.frequency, a.recency, a["T"]) == (2, 3.0, 4.0)
    assert a.monetary_value == pytest.approx((12 + 20) / 2)
    assert (b.frequency, b.recency, b["T"], b.monetary_value) == (0, 0.0, 2.0, 0.0)
    assert (c.frequency, c.monetary_value) == (0, 0.0)


def test_summary_only_uses_purchases_up_to_the_date(small: Mart) -> None:
    frame = btyd_summary(small, "2024-01-10").to_pandas().set_index("customer_id")
    assert sorted(frame.index) == ["a", "c"]
    assert frame.loc["a", "frequency"] == 1
    assert frame.loc["a", "monetary_value"] == pytest.approx(12.0)


def test_holdout_must_end_after_the_calibration(small: Mart) -> None:
    with pytest.raises(InputError, match="holdout must end after the calibration period"):
        calibration_holdout(small, "2024-01-29", "2024-01-10")


def test_a_calibration_before_any_purchase_is_an_error(small: Mart) -> None:
    with pytest.raises(MartError, match="no customer has a purchase up to the calibration end"):
        calibration_holdout(small, "2023-12-31", "2024-01-29")


def test_an_empty_mart_says_to_load_orders(tmp_path: Path) -> None:
    with (
        segmint.connect(tmp_path / "empty.duckdb") as mart,
        pytest.raises(MartError, match="has no orders"),
    ):
        calibration_holdout(mart, "2024-01-01")
