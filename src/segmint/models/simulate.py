"""Draw customer histories from each model's own generative story.

Used to check parameter recovery, to benchmark fitting at scale and to build synthetic
examples. Each function takes a parameter mapping named as in ``params_`` (so a fitted
model's ``params_`` can be passed directly) and returns one row per customer with the
columns the matching ``fit`` expects.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from segmint.models._validation import FloatArray, as_float_array, check_integer_counts


def _rng(random_state: int | np.random.Generator | None) -> np.random.Generator:
    return np.random.default_rng(random_state)


def _last_of_uniform_times(
    rng: np.random.Generator, x: FloatArray, n_events: FloatArray, span: FloatArray
) -> FloatArray:
    """Time of the x-th of n_events uniform times on (0, span): span * Beta(x, n - x + 1); 0 if x = 0."""
    bought = x > 0
    draws = rng.beta(np.where(bought, x, 1.0), np.where(bought, n_events - x + 1, 1.0))
    return np.where(bought, span * draws, 0.0)


def _beta_geometric(
    params: Mapping[str, float],
    T: ArrayLike,
    shift: int,
    random_state: int | np.random.Generator | None,
) -> pd.DataFrame:
    rng = _rng(random_state)
    age = as_float_array("T", T)
    rate = rng.gamma(params["r"], 1.0 / params["alpha"], age.size)
    dropout = rng.beta(params["a"], params["b"], age.size)
    purchases_before_dropout = rng.geometric(dropout) - shift
    n_events = rng.poisson(rate * age).astype(np.float64)
    x = np.minimum(n_events, purchases_before_dropout).astype(np.float64)
    recency = _last_of_uniform_times(rng, x, n_events, age)
    return pd.DataFrame({"frequency": x, "recency": recency, "T": age})


def simulate_bgnbd(
    params: Mapping[str, float], T: ArrayLike, random_state: int | np.random.Generator | None = None
) -> pd.DataFrame:
    """Histories under the BG/NBD (Fader, Hardie & Lee 2005): Poisson buying, dropout after purchases."""
    return _beta_geometric(params, T, 0, random_state)


def simulate_mbgnbd(
    params: Mapping[str, float], T: ArrayLike, random_state: int | np.random.Generator | None = None
) -> pd.DataFrame:
    """Histories under the MBG/NBD (Batislam et al. 2007): dropout also possible at the first purchase."""
    return _beta_geometric(params, T, 1, random_state)


def simulate_pareto_nbd(
    params: Mapping[str, float], T: ArrayLike, random_state: int | np.random.Generator | None = None
) -> pd.DataFrame:
    """Histories under the Pareto/NBD (Schmittlein et al. 1987): Poisson buying, exponential lifetime."""
    rng = _rng(random_state)
    age = as_float_array("T", T)
    rate = rng.gamma(params["r"], 1.0 / params["alpha"], age.size)
    death_rate = rng.gamma(params["s"], 1.0 / params["beta"], age.size)
    active_span = np.minimum(rng.exponential(1.0 / death_rate), age)
    x = rng.poisson(rate * active_span).astype(np.float64)
    recency = _last_of_uniform_times(rng, x, x, active_span)
    return pd.DataFrame({"frequency": x, "recency": recency, "T": age})


def simulate_bgbb(
    params: Mapping[str, float],
    n_periods: ArrayLike,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Histories under the BG/BB (Fader, Hardie & Shang 2010) over ``n_periods`` opportunities each."""
    rng = _rng(random_state)
    n = as_float_array("n_periods", n_periods)
    check_integer_counts("n_periods", n)
    buy = rng.beta(params["alpha"], params["beta"], n.size)
    dropout = rng.beta(params["gamma"], params["delta"], n.size)
    alive_periods = np.minimum(rng.geometric(dropout) - 1, n)
    period = np.arange(1, int(n.max(initial=0)) + 1)
    bought = (rng.random((n.size, period.size)) < buy[:, None]) & (period <= alive_periods[:, None])
    x = bought.sum(axis=1).astype(np.float64)
    recency = np.where(x > 0, (bought * period).max(axis=1, initial=0), 0).astype(np.float64)
    return pd.DataFrame({"frequency": x, "recency": recency, "n_periods": n})


def simulate_gamma_gamma(
    params: Mapping[str, float],
    frequency: ArrayLike,
    random_state: int | np.random.Generator | None = None,
) -> FloatArray:
    """Mean transaction values zbar under the Gamma-Gamma model (0 where frequency is 0)."""
    rng = _rng(random_state)
    x = as_float_array("frequency", frequency)
    check_integer_counts("frequency", x)
    nu = rng.gamma(params["q"], 1.0 / params["gamma"], x.size)
    bought = x > 0
    safe_x = np.where(bought, x, 1.0)
    zbar = rng.gamma(params["p"] * safe_x, 1.0 / (safe_x * nu))
    return np.where(bought, zbar, 0.0)
