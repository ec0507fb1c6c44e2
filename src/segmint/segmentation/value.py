"""Value tiers by predicted CLV, and the value x churn-risk grid.

Customers are ranked by their stored ``clv`` score (:mod:`segmint.scoring.clv_scores`)
and cut at cumulative shares: by default the top 1%, the next 4%, the next 15%, the next
30% and the rest, the pyramid of value-based segmentation (Zeithaml, Rust & Lemon 2001,
"The Customer Pyramid: Creating and Serving Profitable Customers", California Management
Review 43(4)). Ranks are exact (ties broken by customer id), so each tier holds its share
of the scored customers to within one customer. Customers without a score (no purchase
yet) are ``unassigned``.

Storing the tiers as a segmentation is the use case :func:`segmint.workflows.value.run_value`.
The grid crosses the tiers with churn risk: the stored ``churn_risk`` score of a
supervised model when there is one as of the date and it is not weak (worse than a
baseline on its evaluation window, :mod:`segmint.scoring.weak_models`), otherwise the same quantity, the
probability of no purchase in the next 90 days, from an MBG/NBD fitted on the histories
(:mod:`segmint.scoring.btyd_churn`; not 1 - P(alive) of the CLV model, which calls every
BG/NBD customer without a repeat purchase alive and put nearly every buyer of the Online
Retail II year at low risk). "High value, high risk" is the list a retention team wants
first.
"""

from __future__ import annotations

import datetime as dt
import itertools

import ibis
import ibis.expr.types as ir
import pandas as pd

from segmint.exceptions import ConvergenceError, InputError, MartError, ModelInputError
from segmint.features.population import population
from segmint.mart import Mart
from segmint.scoring.churn_source import preferred_model, source_of
from segmint.scoring.option_defaults import MAX_ITER
from segmint.scoring.weak_models import usable_models, weak_note
from segmint.segmentation.value_cuts import DEFAULT_CUTS, DEFAULT_RISK_CUTS

RISK_BANDS = ("low", "medium", "high")


def check_cuts(cuts: tuple[float, ...]) -> tuple[float, ...]:
    """``cuts`` if strictly increasing inside (0, 1).

    Raises:
        InputError: otherwise, with the default as an example.
    """
    if not cuts or any(not 0 < c < 1 for c in cuts) or list(cuts) != sorted(set(cuts)):
        raise InputError(
            f"value tier cuts must be increasing cumulative shares between 0 and 1; got "
            f"{list(cuts)}. Example: --cuts 0.01,0.05,0.2,0.5 (top 1%, next 4%, next 15%, next 30%, rest)."
        )
    return cuts


def tier_names(cuts: tuple[float, ...]) -> list[str]:
    """Tier names by rank range, unique whatever the cuts: ``top 1%``, ``top 1-5%``…, ``rest``."""
    edges = [f"{100 * c:g}" for c in cuts]
    names = [f"top {edges[0]}%"]
    names += [f"top {lo}-{hi}%" for lo, hi in itertools.pairwise(edges)]
    return [*names, "rest"]


def clv_model(mart: Mart, as_of: dt.date, model: str | None = None) -> str:
    """The model whose ``clv`` scores as of ``as_of`` are used (the first by name by default).

    Raises:
        MartError: no (such) CLV scores as of that date; says how to make them.
    """
    scores = mart.table("scores")
    models = sorted(
        scores.filter((scores.as_of == as_of) & (scores.score_name == "clv"))
        .select("model")
        .distinct()
        .model.execute()
    )
    if not models:
        raise MartError(
            f"no clv scores as of {as_of}; run `segmint clv score --as-of {as_of}` first"
        )
    if model is None:
        return str(models[0])
    if model not in models:
        raise MartError(
            f"no clv scores of model '{model}' as of {as_of}; scored models: {', '.join(models)}"
        )
    return model


def clv_scores(mart: Mart, as_of: dt.date, model: str) -> ir.Table:
    """``customer_id``, ``value``: the ``clv`` score of ``model`` as of ``as_of``."""
    return _score(mart, as_of, model, "clv")


def latest_clv_date(mart: Mart) -> dt.date:
    """The latest date with stored ``clv`` scores.

    Raises:
        InputError: none stored yet; says how to score.
    """
    scores = mart.table("scores")
    latest = scores.filter(scores.score_name == "clv").as_of.max().execute()
    if pd.isna(latest):
        raise InputError("no clv scores stored yet; run `segmint clv score` first")
    return pd.Timestamp(latest).date()


def _score(mart: Mart, as_of: dt.date, model: str, name: str) -> ir.Table:
    scores = mart.table("scores")
    mine = scores.filter(
        (scores.as_of == as_of) & (scores.model == model) & (scores.score_name == name)
    )
    return mine.select("customer_id", "value")


def value_tiers(
    mart: Mart, as_of: dt.date, model: str, cuts: tuple[float, ...] = DEFAULT_CUTS
) -> ir.Table:
    """``customer_id``, ``segment`` (tier name, null when unscored) for every customer."""
    cuts = check_cuts(cuts)
    clv = _score(mart, as_of, model, "clv")
    n = int(clv.count().execute())
    bounds = [round(c * n) for c in cuts]
    ranked = clv.mutate(rank=ibis.row_number().over(order_by=[ibis.desc("value"), "customer_id"]))
    names = tier_names(cuts)
    tier = ibis.cases(
        *((ranked["rank"] < bound, name) for bound, name in zip(bounds, names, strict=False)),
        else_=names[-1],
    )
    tiers = ranked.select("customer_id", segment=tier)
    everyone = population(mart, as_of)
    joined = everyone.left_join(tiers, "customer_id")
    return joined.select(everyone.customer_id, joined.segment)


def risk_scores(
    mart: Mart,
    as_of: dt.date,
    model: str,
    max_iter: int = MAX_ITER,
    summary: ir.Table | None = None,
) -> tuple[ir.Table, str]:
    """``customer_id``, ``risk`` and where it comes from.

    The stored ``churn_risk`` as of ``as_of`` (a churn model's before the one ``segmint clv
    score`` stores from the histories, :mod:`segmint.scoring.churn_source`); without one,
    the MBG/NBD's probability of no purchase in the next 90 days
    (:func:`segmint.scoring.btyd_churn.btyd_churn_risk`, fitted with the iteration limit
    ``max_iter`` on ``summary``, the BTYD summary as of ``as_of`` when the caller has it,
    else on one summed from the purchases); when no MBG/NBD can be fitted, 1 - ``p_alive``
    of ``model``, and the source says why. A churn model flagged weak (it predicted its
    evaluation window worse than a baseline, :func:`segmint.scoring.weak_models.weak_model`)
    is passed over as if it had stored nothing, and the source ends with why.
    """
    scores = mart.table("scores")
    churn = scores.filter((scores.as_of == as_of) & (scores.score_name == "churn_risk"))
    models = [str(m) for m in churn.select("model").distinct().model.execute()]
    models, weak = usable_models(mart, models, as_of)
    risk, source = _stored_or_fitted(mart, as_of, model, models, max_iter, summary)
    return risk, f"{source} ({weak_note(weak)})" if weak else source


def _stored_or_fitted(
    mart: Mart,
    as_of: dt.date,
    model: str,
    models: list[str],
    max_iter: int,
    summary: ir.Table | None,
) -> tuple[ir.Table, str]:
    """The risk of :func:`risk_scores` from the stored ``churn_risk`` of ``models`` (those
    not weak), else fitted."""
    if models:
        name = preferred_model(models)
        chosen = _score(mart, as_of, name, "churn_risk")
        return chosen.select("customer_id", risk=chosen.value), source_of(name, as_of)
    from segmint.scoring.btyd_churn import btyd_churn_risk  # its learners load when used
    from segmint.scoring.clv_fit import finding

    try:
        btyd = btyd_churn_risk(mart, as_of, max_iter=max_iter, summary=summary)
    except (ConvergenceError, ModelInputError) as exc:
        alive = _score(mart, as_of, model, "p_alive")
        source = f"1 - p_alive of {model} (no MBG/NBD: {finding(exc)})"
        return alive.select("customer_id", risk=1.0 - alive.value), source
    frame = btyd.risk.rename("risk").reset_index()
    table = ibis.memtable(frame, schema={"customer_id": "string", "risk": "float64"})
    return table, f"{btyd.source}; run `segmint score` to use a churn model's churn_risk instead"


def check_risk_cuts(risk_cuts: tuple[float, ...]) -> tuple[float, ...]:
    """``risk_cuts`` if two increasing numbers inside (0, 1).

    Raises:
        InputError: otherwise, with an example.
    """
    if len(risk_cuts) != 2 or not 0 < risk_cuts[0] < risk_cuts[1] < 1:
        raise InputError(
            f"risk cuts must be two increasing numbers between 0 and 1; got {list(risk_cuts)}. "
            "Example: --risk-cuts 0.33,0.67."
        )
    return risk_cuts


def value_risk_grid(
    mart: Mart,
    as_of: dt.date,
    model: str,
    tiers: ir.Table,
    names: list[str],
    risk_cuts: tuple[float, ...] = DEFAULT_RISK_CUTS,
    max_iter: int = MAX_ITER,
    summary: ir.Table | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Customers and their summed CLV per (tier, risk band), and where the risk came from
    (:func:`risk_scores`, whose fit, if any, stops at ``max_iter`` iterations and reads
    ``summary``, the BTYD summary as of ``as_of`` when the caller has it)."""
    risk, source = risk_scores(mart, as_of, model, max_iter, summary)
    with mart.reading(risk):  # a fitted risk is an in-memory table of every customer
        counts, value = _grid(tiers, risk, clv_scores(mart, as_of, model), names, risk_cuts)
    return counts, value, source


def _grid(
    tiers: ir.Table,
    risk: ir.Table,
    clv: ir.Table,
    names: list[str],
    risk_cuts: tuple[float, ...],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    joined = tiers.join(risk, "customer_id").join(clv, "customer_id")
    band = ibis.cases(
        (joined.risk < risk_cuts[0], RISK_BANDS[0]),
        (joined.risk < risk_cuts[1], RISK_BANDS[1]),
        else_=RISK_BANDS[2],
    )
    cells = (
        joined.group_by(tier=joined.segment, risk=band)
        .aggregate(customers=joined.count(), clv=joined.value.sum())
        .to_pandas()
    )
    shape = {"index": names, "columns": list(RISK_BANDS), "fill_value": 0}
    counts = cells.pivot(index="tier", columns="risk", values="customers").reindex(**shape)
    value = cells.pivot(index="tier", columns="risk", values="clv").reindex(**shape)
    return counts.fillna(0).astype(int), value.fillna(0.0).astype(float)
