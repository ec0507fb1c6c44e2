"""CLV scores computed by the engine where the customers are, for the models whose formula
allows it.

For the BG/NBD (Fader, Hardie & Lee 2005), the MBG/NBD (Batislam, Denizel & Filiztekin
2007) and their no-dropout limit, the NBD, a customer's expected purchases are
P(alive | x, t_x, T) times an expectation if alive:

* P(alive) = 1 / (1 + delta(x+s > 0) a/(b+x+s-1) ((alpha+T)/(alpha+t_x))^(r+x)) is closed
  form (FHL 2005, technical appendix; s = 1 for the MBG/NBD), so the engine computes it
  for every customer, as a logistic of the log-odds like
  :meth:`segmint.models.BGNBD.probability_alive`;
* the expectation if alive needs a Gauss hypergeometric function no engine has, but it
  depends on (x, T) only: a million customers with ages in days share a few tens of
  thousands of pairs. Those pairs are read, each pair's expectation and discounted value
  if alive are computed here with SciPy (:func:`segmint.models.clv.value_if_alive`), and
  written back as a small table the engine joins to every customer;
* the Gamma-Gamma expected spend (Fader & Hardie 2013, note 025, equation 5) is arithmetic
  on the customer's own row.

So scoring reads one row per pair, not per customer: on Spark nothing per customer passes
through the driver. The numbers are those of :func:`segmint.scoring.clv_scores.score_frame`
up to floating-point rounding (the CLV is summed per pair, then multiplied by P(alive)).
A covariate model (:mod:`segmint.models.covariates`) of one of these is scored the same
way from distinct (covariate, x, T) rows, each carrying its group's parameters, so the
engine's P(alive) reads them from the joined row; which group a value belongs to (a new
channel counts as ``other`` or the reference group) is decided here, by the model. A
seasonal model (:mod:`segmint.models.seasonal`) is its base model on the calendar's
operational clock: the expectation if alive still depends on (x, T) only, and P(alive)
reads the clock at T and at T - t_x from a second small table, the operational length of
the last k days for every k up to the oldest customer's age. The Pareto/NBD (whose
P(alive) needs the hypergeometric function of (x, t_x, T)) and the seasonal Pareto/NBD are
scored in batches (:func:`in_engine` says which).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from segmint.mart import Mart
from segmint.models import BGNBD, MBGNBD, NBD, value_if_alive
from segmint.models.covariates import CovariateModel
from segmint.models.seasonal import SeasonalModel
from segmint.models.seasonal_calendar import DAYS_PER_WEEK
from segmint.scoring.clv_fit import COVARIATE, ClvFit

PAIRS_TABLE = "_segmint_clv_pairs"
"""The scratch table of distinct (x, T) pairs and their values if alive."""
CLOCK_TABLE = "_segmint_clv_clock"
"""The scratch table of a seasonal model's operational clock, by days before the as-of day."""


def in_engine(fit: ClvFit) -> bool:
    """Whether :func:`scores_in_engine` scores ``fit`` (see the module docstring)."""
    return _factored(fit) is not None


def _factored(fit: ClvFit) -> BGNBD | MBGNBD | NBD | None:
    """``fit``'s transaction model (the base model of a covariate or seasonal model) if its
    predictions factor as P(alive) times a function of (x, T) with P(alive) in closed
    form, else None."""
    base = fit.transactions
    while isinstance(base, CovariateModel | SeasonalModel):  # a seasonal one may have groups
        base = base.base
    return base if isinstance(base, BGNBD | MBGNBD | NBD) else None


@contextmanager
def scores_in_engine(
    mart: Mart,
    fit: ClvFit,
    summary: ir.Table,
    *,
    horizon_weeks: float,
    values: Mapping[str, tuple[float, float]],
    period_weeks: float,
    discount: float,
) -> Iterator[ir.Table]:
    """Every customer of ``summary`` with one column per score, as an engine expression
    valid inside the block.

    Columns: ``customer_id``, ``p_alive``, ``expected_purchases`` (over ``horizon_weeks``),
    ``expected_spend`` and one per entry of ``values``: the discounted value of the
    purchases in the window (start, end) in weeks, discounted by ``discount`` per period
    of ``period_weeks``.
    """
    base = _factored(fit)
    if base is None:
        raise ValueError(f"{fit.label} is scored in batches, not in the engine")
    p, q, gamma = fit.spend.mean_parameters()  # raises before anything is written
    keys = ["frequency", "T", *([COVARIATE] if fit.covariate is not None else [])]
    pairs = summary.select(*keys).distinct().to_pyarrow()
    columns = {f"_{key}": pairs[key] for key in keys}
    columns |= _values_if_alive(
        fit, pairs.to_pandas(), horizon_weeks, values, period_weeks, discount
    )
    seasonal = fit.transactions if isinstance(fit.transactions, SeasonalModel) else None
    if seasonal is not None:
        columns["_op_age"] = seasonal.operational_age(pairs["T"].to_numpy())
        mart.create_table(CLOCK_TABLE, _clock(seasonal, pairs["T"].to_numpy()), temp=True)
    mart.create_table(PAIRS_TABLE, pa.table(columns), temp=True)
    try:
        table = mart.table(PAIRS_TABLE)
        rows = summary if seasonal is None else summary.mutate(_back=_days_back(summary))
        same = [rows[k].identical_to(table[f"_{k}"]) for k in keys]  # null groups too
        joined = rows.join(table, same)
        age, recency = joined["T"], joined.recency
        if seasonal is not None:  # on the calendar's clock: op(T) - op(T - t_x)
            clock = mart.table(CLOCK_TABLE)
            joined = joined.join(clock, joined._back == clock._days)
            age, recency = joined._op_age, joined._op_age - joined._op_weeks
        alive = (
            ibis.literal(1.0, "float64")
            if isinstance(base, NBD)
            else _alive(base, joined, recency, age)
        )
        spend = _spend(joined, p, q, gamma)
        yield joined.select(
            "customer_id",
            p_alive=alive,
            expected_purchases=joined["_purchases"] * alive,
            expected_spend=spend,
            **{name: joined[f"_value{i}"] * alive * spend for i, name in enumerate(values)},
        )
    finally:
        mart.drop_table(PAIRS_TABLE)
        mart.drop_table(CLOCK_TABLE)


def _days_back(summary: ir.Table) -> ir.IntegerValue:
    """Whole days from each customer's last purchase to the as-of day (T - t_x in days)."""
    days = [(summary[c] * DAYS_PER_WEEK).round().cast("int64") for c in ("T", "recency")]
    return days[0] - days[1]


def _clock(model: SeasonalModel, ages: np.ndarray) -> pa.Table:
    """The operational length of the last k days before the as-of day, for k from 0 to the
    oldest customer's age in days: op(t_x) = op(T) - op(T - t_x) reads it at T - t_x."""
    days = np.arange(int(np.rint(ages.max(initial=0.0) * DAYS_PER_WEEK)) + 1)
    return pa.table({"_days": days, "_op_weeks": model.operational_age(days / DAYS_PER_WEEK)})


def _values_if_alive(
    fit: ClvFit,
    pairs: pd.DataFrame,
    horizon_weeks: float,
    values: Mapping[str, tuple[float, float]],
    period_weeks: float,
    discount: float,
) -> dict[str, np.ndarray]:
    """For each row of ``pairs`` (x, T and the covariate, if any): the expectation if alive
    over ``horizon_weeks`` (``_purchases``), the value if alive of each window of
    ``values`` (``_value0``…) and the row's group's parameters (``_r``, ``_alpha``…) where
    P(alive) reads them (not for the NBD)."""
    x = pairs["frequency"].to_numpy(dtype=np.float64)
    age = pairs["T"].to_numpy(dtype=np.float64)
    names = ["_purchases", *(f"_value{i}" for i in range(len(values)))]
    out = {name: np.empty(len(pairs)) for name in names}
    for rows, model in fit.by_group(pairs):
        grid = model.expected_if_alive_grid([horizon_weeks], x[rows], age[rows])
        out["_purchases"][rows] = grid[:, 0]
        for i, (start, end) in enumerate(values.values()):
            out[f"_value{i}"][rows] = value_if_alive(
                model,
                x[rows],
                age[rows],
                horizon_start=start,
                horizon_end=end,
                period_length=period_weeks,
                discount_rate=discount,
            )
        base = model.base if isinstance(model, SeasonalModel) else model
        if isinstance(base, NBD):  # no dropout: P(alive) is 1, no parameter is read
            continue
        for name, value in base.params_.items():
            out.setdefault(f"_{name}", np.empty(len(pairs)))[rows] = value
    return out


def _alive(
    model: BGNBD | MBGNBD, s: ir.Table, recency: ir.FloatingValue, age: ir.FloatingValue
) -> ir.FloatingValue:
    """P(alive) of every customer of ``s`` (its frequency and the parameters of the
    customer's group, ``_r``, ``_alpha``, ``_a``, ``_b``) at ``recency`` and ``age``."""
    r, alpha, a, b = (s[f"_{name}"] for name in model.param_names)
    x = s.frequency.cast("float64")
    n = x + model.shift
    log_odds = (
        a.ln()
        - (b + ibis.greatest(n, 1.0) - 1).ln()
        + (r + x) * ((alpha + age).ln() - (alpha + recency).ln())
    )
    small = (-log_odds.abs()).exp()  # e^-|L|: never overflows
    alive = ibis.ifelse(log_odds > 0, small / (1 + small), 1 / (1 + small))
    return ibis.ifelse(n > 0, alive, 1.0)


def _spend(s: ir.Table, p: float, q: float, gamma: float) -> ir.FloatingValue:
    """E[M | x, zbar] of every customer of ``s``; repeat purchases worth nothing count as
    none (as :func:`segmint.scoring.clv_fit.spend_inputs`)."""
    informative = s.monetary_value > 0
    px = p * ibis.ifelse(informative, s.frequency.cast("float64"), 0.0)
    zbar = ibis.ifelse(informative, s.monetary_value, 0.0)
    return (p * gamma + px * zbar) / (px + q - 1)
