"""Reference data sets (CDNOW sample, donations) and models fitted on them once per session."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from segmint.models import BGBB, BGNBD, MBGNBD, GammaGamma, ParetoNBD

CDNOW_DIR = Path(__file__).parents[2] / ".." / "shared" / "datasets" / "cdnow"


@pytest.fixture(scope="session")
def cdnow() -> pd.DataFrame:
    """2,357 CDNOW customers: frequency (x), recency (t_x), T in weeks."""
    return pd.read_csv(CDNOW_DIR / "cdnow_customers_summary.csv")


@pytest.fixture(scope="session")
def cdnow_spend() -> pd.DataFrame:
    """The same customers with zbar, the mean value of their repeat purchases."""
    return pd.read_csv(CDNOW_DIR / "cdnow_customers_summary_with_transactions.csv")


@pytest.fixture(scope="session")
def donations() -> pd.DataFrame:
    """22 (x, t_x, n = 6) groups of the 1995 donor cohort, with donor counts as weights."""
    return pd.read_csv(CDNOW_DIR / "donations.csv")


@pytest.fixture(scope="session")
def bgnbd(cdnow: pd.DataFrame) -> BGNBD:
    return BGNBD().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="session")
def mbgnbd(cdnow: pd.DataFrame) -> MBGNBD:
    return MBGNBD().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="session")
def pareto_nbd(cdnow: pd.DataFrame) -> ParetoNBD:
    return ParetoNBD().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="session")
def bgbb(donations: pd.DataFrame) -> BGBB:
    return BGBB().fit(
        donations["frequency"], donations["recency"], donations["periods"], donations["weights"]
    )


@pytest.fixture(scope="session")
def gamma_gamma(cdnow_spend: pd.DataFrame) -> GammaGamma:
    return GammaGamma().fit(cdnow_spend["x"], cdnow_spend["zbar"])
