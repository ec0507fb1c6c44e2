"""Shared data of the experiment tests: the Hillstrom e-mail test and a simulated campaign."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

HILLSTROM = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "datasets"
    / "hillstrom"
    / "hillstrom_email_2008.csv"
)


@pytest.fixture(scope="session")
def hillstrom() -> pd.DataFrame:
    """The 64,000 customers of the Hillstrom e-mail experiment."""
    return pd.read_csv(HILLSTROM)


def simulate_campaign(
    rng: np.random.Generator,
    n: int,
    uplift_by_type: np.ndarray,
    *,
    holdout: float = 0.2,
    base_by_type: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """A randomised campaign over customers of latent types with a known uplift per type.

    Returns the type of each member, whether it is a target, its 0/1 response, and the
    true average lift over the members (the member-weighted uplift of their types).
    """
    n_types = uplift_by_type.size
    base = np.linspace(0.02, 0.12, n_types) if base_by_type is None else base_by_type
    kind = rng.integers(0, n_types, n)
    target = rng.random(n) >= holdout
    chance = base[kind] + np.where(target, uplift_by_type[kind], 0.0)
    response = (rng.random(n) < chance).astype(np.float64)
    return kind, target, response, float(uplift_by_type[kind].mean())
