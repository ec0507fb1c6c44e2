"""Zero dead ends: ``clv fit`` and ``clv backtest`` succeed on the real data sets and on small
businesses, saying what they did at a boundary; ``--strict`` keeps the refusal."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from .conftest import Segmint

DATASETS = Path(__file__).parents[2] / ".." / "shared" / "datasets"
RETAIL = DATASETS / "online_retail_ii_2009_2010" / "online_retail_ii_2009_2010.parquet"


@pytest.fixture(scope="module")
def retail_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The UCI Online Retail II year (2009-12-01 .. 2010-11-30) loaded by the CLI, once."""
    path = tmp_path_factory.mktemp("retail") / "retail.duckdb"
    result = Segmint(path)("ingest", "transactions", RETAIL)
    assert result.exit_code == 0, result.stderr
    return path


@pytest.fixture
def retail(retail_file: Path, segmint_cli: Segmint) -> Segmint:
    shutil.copy(retail_file, segmint_cli.mart)
    return segmint_cli


@pytest.mark.slow
def test_online_retail_backtest_with_the_autumn_holdout_goes_on(retail: Segmint) -> None:
    result = retail("clv", "backtest", "--calibration-end", "2010-08-31")
    assert result.exit_code == 0, result.stderr
    for model in ("bgnbd", "paretonbd", "mbgnbd"):
        assert f"{model}+gammagamma" in result.stdout
        assert f"{model}-seasonal+gammagamma" in result.stdout  # side by side, with the reason
    assert "the NBD without dropout" in result.stderr  # the Pareto/NBD's maximum is at mu -> 0
    assert "needs a calibration period of at least a year" in result.stderr
    refused = retail("clv", "backtest", "--calibration-end", "2010-08-31", "--strict")
    assert refused.exit_code == 2
    assert "cannot be identified from these data" in refused.stderr


@pytest.mark.slow
def test_online_retail_fit_goes_on_to_scores_and_value_tiers(
    retail: Segmint, tmp_path: Path
) -> None:
    result = retail("clv", "fit", "--no-png", "--plots", tmp_path / "plots")
    assert result.exit_code == 0, result.stderr
    assert "note: " in result.stderr and "chosen: " in result.stdout
    assert retail("clv", "score").exit_code == 0
    tiers = retail("segment", "value")
    assert tiers.exit_code == 0, tiers.stderr


def _small_business(path: Path, n_customers: int, weeks: int, seed: int) -> Path:
    """A shop with a few customers and a short history: one CSV of orders."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_customers):
        first = int(rng.integers(0, weeks * 7 // 2))
        n_orders = 1 + int(rng.poisson(1.5))
        days = sorted(
            {first, *(first + int(d) for d in rng.integers(1, weeks * 7 - first, n_orders - 1))}
        )
        rows += [
            (f"c{c}", pd.Timestamp("2024-03-01") + pd.Timedelta(days=d), 20 + 10 * rng.random())
            for d in days
        ]
    pd.DataFrame(rows, columns=["customer_id", "order_ts", "amount"]).to_csv(path, index=False)
    return path


@pytest.mark.slow
@pytest.mark.parametrize(("n_customers", "weeks", "seed"), [(6, 6, 0), (15, 10, 1), (40, 8, 2)])
def test_small_businesses_fit_and_backtest(
    segmint_cli: Segmint, tmp_path: Path, n_customers: int, weeks: int, seed: int
) -> None:
    csv = _small_business(tmp_path / "shop.csv", n_customers, weeks, seed)
    assert segmint_cli("ingest", "transactions", csv).exit_code == 0
    end = (pd.Timestamp("2024-03-01") + pd.Timedelta(weeks=weeks)).date()
    fit = segmint_cli(
        "clv",
        "fit",
        "--no-png",
        "--plots",
        tmp_path / "p",
        "--holdout-weeks",
        "2",
        "--as-of",
        str(end),
    )
    assert fit.exit_code == 0, fit.stderr
    calibration_end = (pd.Timestamp(end) - pd.Timedelta(weeks=2)).date()
    backtest = segmint_cli("clv", "backtest", "--calibration-end", str(calibration_end))
    assert backtest.exit_code == 0, backtest.stderr
    assert segmint_cli("clv", "score", "--as-of", str(end)).exit_code == 0
