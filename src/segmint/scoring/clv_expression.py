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
The Pareto/NBD (whose P(alive) needs the hypergeometric function of (x, t_x, T)), seasonal
models and covariate models are scored in batches (:func:`in_engine` says which).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from segmint.mart import Mart
from segmint.models import BGNBD, MBGNBD, NBD, value_if_alive
from segmint.scoring.clv_fit import ClvFit

PAIRS_TABLE = "_segmint_clv_pairs"
"""The scratch table of distinct (x, T) pairs and their values if alive."""


def in_engine(fit: ClvFit) -> bool:
    """Whether :func:`scores_in_engine` scores ``fit`` (see the module docstring)."""
    return _factored(fit) is not None


def _factored(fit: ClvFit) -> BGNBD | MBGNBD | NBD | None:
    """``fit``'s transaction model if its predictions factor as P(alive) times a function
    of (x, T) with P(alive) in closed form, else None."""
    model = fit.transactions
    if fit.covariate is None and isinstance(model, BGNBD | MBGNBD | NBD):
        return model
    return None


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
    model = _factored(fit)
    if model is None:
        raise ValueError(f"{fit.label} is scored in batches, not in the engine")
    p, q, gamma = fit.spend.mean_parameters()  # raises before anything is written
    pairs = summary.select("frequency", "T").distinct().to_pyarrow()
    x = pairs["frequency"].to_numpy().astype(np.float64)
    age = pairs["T"].to_numpy()
    columns: dict[str, object] = {
        "frequency": pairs["frequency"],
        "T": pairs["T"],
        "_purchases": model.expected_if_alive_grid([horizon_weeks], x, age)[:, 0],
    }
    for i, (start, end) in enumerate(values.values()):
        columns[f"_value{i}"] = value_if_alive(
            model,
            x,
            age,
            horizon_start=start,
            horizon_end=end,
            period_length=period_weeks,
            discount_rate=discount,
        )
    mart.create_table(PAIRS_TABLE, pa.table(columns), temp=True)
    try:
        joined = summary.join(mart.table(PAIRS_TABLE), ["frequency", "T"])
        alive = _alive(model, joined)
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


def _alive(model: BGNBD | MBGNBD | NBD, s: ir.Table) -> ir.FloatingValue:
    """P(alive) of every customer of ``s`` (frequency, recency, T): 1 under the NBD."""
    if isinstance(model, NBD):
        return ibis.literal(1.0, "float64")
    r, alpha, a, b = (float(model.params_[name]) for name in model.param_names)
    x = s.frequency.cast("float64")
    n = x + model.shift
    log_odds = (
        math.log(a)
        - (b + ibis.greatest(n, 1.0) - 1).ln()
        + (r + x) * ((alpha + s["T"]).ln() - (alpha + s.recency).ln())
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
