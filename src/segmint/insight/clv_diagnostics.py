"""The numbers behind the diagnostic plots of a CLV fit: does the model describe the customers
it was fitted on?

The four plots Fader, Hardie & Lee (2005, "Counting Your Customers the Easy Way",
Marketing Science 24(2), figures 1-4) use to validate the BG/NBD, for any transaction
model:

* tracking: cumulative repeat transactions of the cohort by week, actual against the
  model's E[X(t)] summed over customers (each from their own first purchase), through the
  calibration period and on into the holdout;
* histogram: customers by number of repeat transactions in the calibration period, actual
  against the expected count, the sum over customers of P(X(T) = k);
* conditional expectations: for each calibration frequency, the mean holdout purchases
  actually made against the mean predicted, E[Y(t) | x, t_x, T];
* P(alive) over frequency x recency for a customer of a given age.

Every function takes a fitted model (:class:`segmint.scoring.clv_fit.ClvFit`) and a split
and returns numbers; :func:`diagnose` gathers them all. The figures are drawn from them by
:mod:`segmint.views.plots.clv` (models and this module never import plotting).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from segmint.exceptions import InputError
from segmint.features.btyd_split import CalibrationHoldout
from segmint.scoring.clv_choice import holdout_purchases
from segmint.scoring.clv_fit import ClvFit

MAX_COUNT = 7
"""Frequencies from this one up are pooled as ``7+`` in the histogram and the expectations."""


def count_labels() -> list[str]:
    """Labels of the pooled frequencies: ``0``, ``1``, …, ``7+``."""
    return [*(str(k) for k in range(MAX_COUNT)), f"{MAX_COUNT}+"]


def expected_cumulative_repeat(split: CalibrationHoldout, fit: ClvFit) -> np.ndarray:
    """The model's cumulative repeat transactions of the cohort at the end of each week.

    Week k ends k weeks after the cohort's first day; a customer who first bought s weeks
    in contributes E[X(k - s)] once k > s. Customers are grouped by first-purchase week so
    E[X(t)] is evaluated once per distinct start.
    """
    starts = split.calibration_weeks - split.frame["T"].to_numpy(dtype=np.float64)
    weeks = split.weekly_repeat.index.to_numpy(dtype=np.float64)
    total = np.zeros(weeks.size)
    for rows, model in fit.by_group(split.frame):
        distinct, counts = np.unique(np.round(starts[rows], 9), return_counts=True)
        ages = np.maximum(weeks[:, None] - distinct[None, :], 0.0)
        expected = model.expected_purchases_new_customer(ages.ravel()).reshape(ages.shape)
        total += expected @ counts
    return total


def repeat_histogram(split: CalibrationHoldout, fit: ClvFit) -> tuple[np.ndarray, np.ndarray]:
    """Customers with 0, 1, …, 7+ calibration repeat transactions: (actual, expected)."""
    x = split.frame["frequency"].to_numpy(dtype=np.float64)
    actual = np.bincount(np.minimum(x, MAX_COUNT).astype(np.int64), minlength=MAX_COUNT + 1)
    k = np.arange(MAX_COUNT, dtype=np.float64)[:, None]
    T = split.frame["T"].to_numpy(dtype=np.float64)
    below = np.zeros(MAX_COUNT)
    for rows, model in fit.by_group(split.frame):
        ages, n_at_age = np.unique(T[rows], return_counts=True)
        below += model.probability_of_purchases(k, ages[None, :]) @ n_at_age
    expected = np.append(below, x.size - below.sum())
    return actual.astype(np.float64), np.asarray(expected, dtype=np.float64)


def conditional_expectations(
    split: CalibrationHoldout, fit: ClvFit
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per calibration frequency 0 … 7+: (customers, mean actual, mean predicted holdout purchases)."""
    group = np.minimum(split.frame["frequency"].to_numpy(), MAX_COUNT).astype(np.int64)
    n = np.bincount(group, minlength=MAX_COUNT + 1).astype(np.float64)
    actual = np.bincount(group, split.frame["holdout_purchases"], minlength=MAX_COUNT + 1)
    predicted = np.bincount(group, holdout_purchases(fit, split), minlength=MAX_COUNT + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return n, actual / n, predicted / n


@dataclass(frozen=True)
class PAliveGrid:
    """P(alive) of a customer aged ``T`` weeks over repeat purchases x recency.

    Attributes:
        frequency: repeat purchases 0 … max (rows of ``alive``).
        recency: age at the last repeat purchase in weeks, 0 … T (columns of ``alive``).
        alive: the probabilities, one row per frequency.
        T: the customer's age in weeks.
        group: the customers drawn when the model has a covariate (its largest group).
    """

    frequency: np.ndarray
    recency: np.ndarray
    alive: np.ndarray
    T: float
    group: str | None = None


def p_alive_grid(fit: ClvFit, max_frequency: int, T: float, n_recency: int = 40) -> PAliveGrid:
    """P(alive) over frequency 0..max_frequency and recency 0..T, at age T (of the largest
    group's customers when the model has a covariate).

    Raises:
        InputError: ``max_frequency`` below 1 or ``T`` not positive.
    """
    if max_frequency < 1 or not T > 0:
        raise InputError(
            f"the P(alive) matrix needs max_frequency >= 1 and T > 0; got {max_frequency} and {T}"
        )
    frequency = np.arange(max_frequency + 1, dtype=np.float64)
    recency = np.linspace(0.0, T, n_recency)
    x, t_x = np.meshgrid(frequency, recency, indexing="ij")
    t_x = np.where(x == 0, 0.0, t_x)  # no repeat purchase: recency is 0 by definition
    alive = fit.typical.probability_alive(x.ravel(), t_x.ravel(), np.full(x.size, T))
    return PAliveGrid(frequency, recency, alive.reshape(x.shape), T, fit.typical_group)


@dataclass(frozen=True)
class ClvDiagnostics:
    """Everything the four diagnostic plots of a fit show.

    Attributes:
        model: name of the transaction model (``bgnbd``…).
        weeks: week numbers since ``origin`` (1, 2, …) up to the holdout end.
        actual_cumulative, expected_cumulative: cumulative repeat transactions by week.
        calibration_weeks, calibration_end, origin, holdout_weeks: the split.
        histogram: (actual, expected) customers by calibration repeat transactions 0 … 7+.
        conditional: (customers, mean actual, mean predicted) holdout purchases by
            calibration frequency 0 … 7+.
        p_alive: P(alive) of a customer as old as the oldest, up to the 99th percentile
            of frequency.
    """

    model: str
    weeks: np.ndarray
    actual_cumulative: np.ndarray
    expected_cumulative: np.ndarray
    calibration_weeks: float
    calibration_end: dt.date
    origin: dt.date
    holdout_weeks: float
    histogram: tuple[np.ndarray, np.ndarray]
    conditional: tuple[np.ndarray, np.ndarray, np.ndarray]
    p_alive: PAliveGrid


def diagnose(split: CalibrationHoldout, fit: ClvFit) -> ClvDiagnostics:
    """The numbers of the four diagnostics of ``fit``, fitted on ``split``'s calibration period."""
    x = split.frame["frequency"]
    return ClvDiagnostics(
        model=fit.name,
        weeks=split.weekly_repeat.index.to_numpy(),
        actual_cumulative=split.weekly_repeat.cumsum().to_numpy(dtype=np.float64),
        expected_cumulative=expected_cumulative_repeat(split, fit),
        calibration_weeks=split.calibration_weeks,
        calibration_end=split.calibration_end,
        origin=split.origin,
        holdout_weeks=split.holdout_weeks,
        histogram=repeat_histogram(split, fit),
        conditional=conditional_expectations(split, fit),
        p_alive=p_alive_grid(fit, max(int(np.quantile(x, 0.99)), 1), float(split.frame["T"].max())),
    )
