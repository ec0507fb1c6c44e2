"""CLV diagnostics on CDNOW: the numbers behind each plot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import segmint
from segmint.exceptions import InputError
from segmint.features.btyd_split import CalibrationHoldout, calibration_holdout
from segmint.insight.clv_diagnostics import (
    conditional_expectations,
    diagnose,
    expected_cumulative_repeat,
    p_alive_grid,
    repeat_histogram,
)
from segmint.mart.ingest import IngestOptions, ingest
from segmint.scoring.clv_fit import ClvFit, fit_clv

CDNOW = Path(__file__).parents[2] / ".." / "shared" / "datasets" / "cdnow" / "CDNOW_sample.txt"


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> CalibrationHoldout:
    """CDNOW loaded as a transactions file, split at 1997-09-30 (39 weeks)."""
    folder = tmp_path_factory.mktemp("cdnow_diagnostics")
    names = ["master_id", "sample_id", "date", "cds", "dollars"]
    pd.read_csv(CDNOW, sep=r"\s+", header=None, names=names).to_csv(folder / "t.csv", index=False)
    mapping = {
        "customer_id": "sample_id",
        "order_ts": "date",
        "quantity": "cds",
        "amount": "dollars",
    }
    with segmint.connect(folder / "m.duckdb") as mart:
        ingest(mart, "transactions", folder / "t.csv", IngestOptions(mapping, ("%Y%m%d",)))
        return calibration_holdout(mart, "1997-09-30", "1998-06-30")


@pytest.fixture(scope="module")
def fit(split: CalibrationHoldout) -> ClvFit:
    return fit_clv(split.frame, "bgnbd")


def test_tracking_follows_the_actual_repeat_transactions(
    split: CalibrationHoldout, fit: ClvFit
) -> None:
    expected = expected_cumulative_repeat(split, fit)
    actual = split.weekly_repeat.cumsum().to_numpy()
    assert np.all(np.diff(expected) >= 0)
    assert expected[0] >= 0
    # FHL (2005), figure 2: the fit tracks the calibration weeks closely and falls a little
    # behind in the holdout
    assert expected[38] == pytest.approx(actual[38], rel=0.03)
    assert expected[-1] == pytest.approx(actual[-1], rel=0.06)


def test_the_histogram_counts_every_customer(split: CalibrationHoldout, fit: ClvFit) -> None:
    actual, expected = repeat_histogram(split, fit)
    assert actual.tolist()[:3] == [1411, 439, 214]  # FHL (2005), figure 3
    assert actual.sum() == 2357
    assert expected.sum() == pytest.approx(2357)
    assert np.all(expected > 0)
    np.testing.assert_allclose(expected[:3], [1411, 439, 214], rtol=0.12)


def test_conditional_expectations_by_frequency(split: CalibrationHoldout, fit: ClvFit) -> None:
    n, actual, predicted = conditional_expectations(split, fit)
    assert n.sum() == 2357
    frame = split.frame
    assert actual[0] == pytest.approx(frame[frame.frequency == 0].holdout_purchases.mean())
    assert np.all(np.diff(predicted) > 0)  # more past purchases, more expected


def test_p_alive_matrix_is_a_probability(fit: ClvFit) -> None:
    z = p_alive_grid(fit, 10, 38.86).alive
    assert z.shape == (11, 40)
    assert np.all((z >= 0) & (z <= 1))
    assert np.all(z[0] == 1.0)  # BG/NBD: no repeat purchase, never seen to drop out
    assert np.all(np.diff(z[5]) >= 0)  # more recent, more alive
    with pytest.raises(InputError, match="max_frequency >= 1 and T > 0"):
        p_alive_grid(fit, 0, 10.0)


def test_diagnose_gathers_the_numbers_of_every_plot(split: CalibrationHoldout, fit: ClvFit) -> None:
    numbers = diagnose(split, fit)
    assert numbers.model == "bgnbd"
    np.testing.assert_array_equal(
        numbers.expected_cumulative, expected_cumulative_repeat(split, fit)
    )
    np.testing.assert_array_equal(numbers.actual_cumulative, split.weekly_repeat.cumsum())
    np.testing.assert_array_equal(numbers.histogram[0], repeat_histogram(split, fit)[0])
    assert (
        numbers.p_alive.alive.shape[0] == max(int(np.quantile(split.frame.frequency, 0.99)), 1) + 1
    )
    assert split.frame["T"].max() == numbers.p_alive.T
    assert numbers.calibration_end == split.calibration_end
