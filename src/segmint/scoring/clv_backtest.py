"""Backtests of the CLV models: fit on a calibration period, score the holdout, with numbers.

For each transaction model (with the Gamma-Gamma spend model) fitted on the calibration
period, the holdout predictions are compared with what each customer did:

* purchases: mean absolute error and root mean squared error per customer, Spearman rank
  correlation, and the relative error of the total (the aggregate check of Fader, Hardie &
  Lee 2005, section 4);
* spend: the predicted holdout value, E[purchases] x E[spend per purchase] (undiscounted
  CLV over the holdout window, :func:`segmint.models.customer_lifetime_value`), against
  the actual value: MAE, RMSE, Spearman, and the decile lift, the share of holdout revenue
  bought by the tenth of customers with the highest predicted value;
* P(alive) against "bought again in the holdout": the Brier score (mean squared error of
  the probability) and the expected calibration error (ECE: the mean over ten equal-width
  probability bins of |mean predicted - share observed|, weighted by bin size; Naeini,
  Cooper & Hauskrecht 2015, "Obtaining Well Calibrated Probabilities Using Bayesian
  Binning", AAAI).

P(alive) at the calibration end is not the same event as a purchase in the holdout (an
alive customer may not buy), so its Brier score and ECE measure how well it ranks and
how much it overstates repurchase; they are reported for comparison, not as a proof of
miscalibration.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import spearmanr

from segmint.features.btyd_split import CalibrationHoldout
from segmint.models import customer_lifetime_value
from segmint.models.seasonal import SeasonalInputs
from segmint.scoring.clv_choice import FitLimits, fitted_forms, holdout_purchases
from segmint.scoring.clv_fit import SEASONAL, ClvFit, spend_inputs
from segmint.scoring.option_defaults import MAX_ITER

FloatArray = NDArray[np.float64]

ECE_BINS = 10
"""Equal-width probability bins of the expected calibration error."""

METRICS = (
    "mae_purchases",
    "rmse_purchases",
    "spearman_purchases",
    "total_purchases_error",
    "mae_spend",
    "rmse_spend",
    "spearman_spend",
    "decile_lift",
    "brier_p_alive",
    "ece_p_alive",
)
"""Backtest metrics, in the order they are reported."""


def expected_calibration_error(probability: FloatArray, outcome: FloatArray) -> float:
    """Mean over ten equal-width bins of |mean probability - share of outcomes|, bin-weighted."""
    bins = np.minimum((probability * ECE_BINS).astype(np.int64), ECE_BINS - 1)
    total = 0.0
    for b in np.unique(bins):
        members = bins == b
        total += members.mean() * abs(probability[members].mean() - outcome[members].mean())
    return float(total)


def top_decile_share(predicted: FloatArray, actual: FloatArray) -> float:
    """Share of the total ``actual`` held by the tenth of rows with the highest ``predicted``.

    Ties in ``predicted`` are broken by row order (stable sort); 1/10 of the rows is
    rounded up, so a handful of customers still has a top decile.
    """
    n_top = int(np.ceil(predicted.size / 10))
    top = np.argsort(-predicted, kind="stable")[:n_top]
    total = float(actual.sum())
    return float(actual[top].sum() / total) if total > 0 else float("nan")


def _spearman(a: FloatArray, b: FloatArray) -> float:
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def holdout_metrics(fit: ClvFit, split: CalibrationHoldout) -> dict[str, float]:
    """The backtest metrics (:data:`METRICS`) of ``fit``, fitted on ``split``'s calibration period."""
    frame = split.frame
    actual_purchases = frame["holdout_purchases"].to_numpy(dtype=np.float64)
    actual_spend = frame["holdout_spend"].to_numpy(dtype=np.float64)
    predicted_purchases = holdout_purchases(fit, split)
    x_spend, zbar = spend_inputs(frame)
    transactions = fit.predictor(frame)
    predicted_spend = customer_lifetime_value(
        transactions,
        fit.spend.expected_spend(x_spend, zbar),
        frame["frequency"],
        frame["recency"],
        frame["T"],
        horizon_end=split.holdout_weeks,
        period_length=split.holdout_weeks,
        chunk_size=max(len(frame), 1),  # a covariate model is bound to all of these customers
    )
    p_alive = transactions.probability_alive(frame["frequency"], frame["recency"], frame["T"])
    bought = (actual_purchases > 0).astype(np.float64)
    purchase_error = predicted_purchases - actual_purchases
    spend_error = predicted_spend - actual_spend
    return {
        "mae_purchases": float(np.mean(np.abs(purchase_error))),
        "rmse_purchases": float(np.sqrt(np.mean(purchase_error**2))),
        "spearman_purchases": _spearman(predicted_purchases, actual_purchases),
        "total_purchases_error": float(
            predicted_purchases.sum() / max(actual_purchases.sum(), 1e-12) - 1.0
        ),
        "mae_spend": float(np.mean(np.abs(spend_error))),
        "rmse_spend": float(np.sqrt(np.mean(spend_error**2))),
        "spearman_spend": _spearman(predicted_spend, actual_spend),
        "decile_lift": top_decile_share(predicted_spend, actual_spend),
        "brier_p_alive": float(np.mean((p_alive - bought) ** 2)),
        "ece_p_alive": expected_calibration_error(p_alive, bought),
    }


def backtest(
    split: CalibrationHoldout,
    models: tuple[str, ...],
    *,
    penalizer: float = 0.0,
    strict: bool = False,
    calendar: SeasonalInputs | None = None,
    covariate: str | None = None,
    max_iter: int = MAX_ITER,
) -> pd.DataFrame:
    """Fit each model on ``split``'s calibration period; one row of :data:`METRICS` per model.

    With a ``covariate`` (its values in ``split.frame``'s ``covariate`` column) each
    model is also fitted split by it, in a row of its own
    (``bgnbd by acquisition_channel+gammagamma``), from its own fit (:func:`fitted_forms`).

    ``note`` says what was fitted instead of a boundary maximum (see
    :mod:`segmint.models.boundary`), or why a seasonal model could not be fitted (its
    metrics are then NaN): seasonal and non-seasonal models are reported side by side.

    Raises:
        InputError: an unknown model name.
        ConvergenceError: a model cannot be fitted (e.g. no repeat buyers).
    """
    rows: list[dict[str, object]] = []
    limits = FitLimits(penalizer, strict, calendar, max_iter)
    for label, name, by, fit in fitted_forms(split.frame, models, covariate, limits):
        if not isinstance(fit, ClvFit):
            if not name.endswith(SEASONAL) and by is None:
                raise fit
            rows.append({"model": f"{label}+gammagamma", "note": str(fit)})
            continue
        note = " ".join(fit.notes)
        rows.append({"model": f"{label}+gammagamma", **holdout_metrics(fit, split), "note": note})
    return pd.DataFrame(rows, columns=["model", *METRICS, "note"])
