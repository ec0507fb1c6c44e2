"""Shared synthetic data for the synth tests: one small clean retailer per session."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from segmint.synth import History, generate

N_CUSTOMERS = 4_000
SEED = 11
START = dt.date(2023, 1, 1)
YEARS = 3


@pytest.fixture(scope="session")
def history() -> History:
    """The history the small retailer covers."""
    return History.of_years(START, YEARS)


@pytest.fixture(scope="session")
def small() -> dict[str, pa.Table]:
    """A clean retailer of 4,000 customers over three years."""
    return generate(N_CUSTOMERS, seed=SEED, start=START, years=YEARS)
