"""Churn risk from purchase histories alone, for a date no churn model has scored.

``segmint predict churn`` scores ``churn_risk``: the probability of no purchase in the next
90 days (:mod:`segmint.scoring.propensity`). Where it has not run, the value x risk grid
needs the same quantity from a model of the histories. It is taken from an MBG/NBD
(Batislam, Denizel & Filiztekin 2007) fitted on every buyer's BTYD summary as of the date:

    P(no purchase in (T, T + t]) = 1 - P(alive) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x))

(the formula of :func:`segmint.scoring.propensity.any_purchase_probability`; an alive
MBG/NBD customer, like a BG/NBD one, can only drop out at a purchase).

Why not ``1 - P(alive)`` of the CLV model: the BG/NBD's P(alive) is 1 for every customer
without a repeat purchase, and on a year of history the BTYD models often see little
dropout at all, so P(alive) stays near 1 for everyone. On the Online Retail II year
(2009-12-01 to 2010-11-30) 4,241 of 4,255 buyers had a BG/NBD risk under 1/3, lapsed and
churned ones included; the MBG/NBD's ``1 - P(alive)`` ranks lapsed above active
customers but stays under 0.11 on average for every lifecycle stage. The probability of
no purchase in 90 days averages 0.73 for lapsed, 0.48 for active and 0.19 for loyal
customers there, and means what ``churn_risk`` means.

``segmint clv score`` stores it (:func:`store_btyd_churn_risk`) as the ``churn_risk`` of
model :data:`~segmint.scoring.churn_source.HISTORY_MODEL`, so the dashboard's value & risk
page reads it instead of fitting on a request (:mod:`segmint.scoring.churn_source`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import numpy as np
import pandas as pd

from segmint.features.btyd import DAYS_PER_WEEK, btyd_summary
from segmint.mart import Mart, fetch
from segmint.models import MBGNBD
from segmint.models.boundary import fit_transactions
from segmint.scoring.churn_source import HISTORY_MODEL
from segmint.scoring.option_defaults import MAX_ITER
from segmint.scoring.propensity import (
    BTYD_COLUMNS,
    TARGETS,
    any_purchase_probability,
    store_scores,
)

HORIZON_DAYS = TARGETS["churn"].default_horizon_days
"""Days ahead the risk looks: the churn label's default horizon."""


@dataclass(frozen=True)
class BtydChurnRisk:
    """Each buyer's probability of no purchase in the next ``horizon_days``, and its source.

    Attributes:
        risk: by ``customer_id``.
        source: one line saying what the risk is, the model and the date, and what was
            fitted instead when the MBG/NBD's plain fit was on the boundary.
    """

    risk: pd.Series
    source: str


def btyd_churn_risk(
    mart: Mart,
    as_of: dt.date,
    horizon_days: int = HORIZON_DAYS,
    *,
    max_iter: int = MAX_ITER,
    summary: ibis.Table | None = None,
) -> BtydChurnRisk:
    """P(no purchase in the next ``horizon_days``) of every buyer as of ``as_of``, from an
    MBG/NBD fitted on their histories (module docstring); a maximum on the boundary is
    handled as ``segmint clv fit`` handles it (:mod:`segmint.models.boundary`).
    ``max_iter``: the optimiser's iteration limit of the fit; ``summary``: the BTYD summary
    as of ``as_of`` when the caller has it (else summed from the purchases).

    Raises:
        ConvergenceError: no fit is possible (e.g. no repeat buyer).
        ModelInputError: no buyer as of the date.
    """
    table = btyd_summary(mart, as_of) if summary is None else summary
    histories = fetch.frame(table, sort_by="customer_id")
    frame = histories.rename(
        columns=dict(zip(("frequency", "recency", "T"), BTYD_COLUMNS, strict=True))
    )
    columns = [frame[c].to_numpy(np.float64) for c in BTYD_COLUMNS]
    fit = fit_transactions(lambda c: MBGNBD(penalizer_coef=c, max_iter=max_iter), columns)
    bought = any_purchase_probability(fit.model, frame, horizon_days / DAYS_PER_WEEK)
    risk = pd.Series(1.0 - bought, index=pd.Index(histories["customer_id"], name="customer_id"))
    source = (
        f"P(no purchase in the next {horizon_days} days) of an MBG/NBD fitted on the "
        f"purchases up to {as_of}"
    )
    return BtydChurnRisk(risk, f"{source} ({fit.note.rstrip('.')})" if fit.note else source)


def store_btyd_churn_risk(
    mart: Mart, as_of: dt.date, *, max_iter: int = MAX_ITER, summary: ibis.Table | None = None
) -> BtydChurnRisk | None:
    """:func:`btyd_churn_risk` as of ``as_of`` (fitted with the iteration limit
    ``max_iter``, on ``summary`` when given), stored as the ``churn_risk`` scores of model
    :data:`HISTORY_MODEL` (replacing that model's scores of the date); None, and nothing
    done, when a churn model has scored the date (its risk is the one read).

    Raises:
        ConvergenceError: no fit is possible (e.g. no repeat buyer).
        ModelInputError: no buyer as of the date.
    """
    churn = TARGETS["churn"].score_name
    scores = mart.table("scores")
    modelled = scores.filter(
        (scores.as_of == as_of) & (scores.score_name == churn) & (scores.model != HISTORY_MODEL)
    )
    if int(modelled.count().execute()):
        return None
    found = btyd_churn_risk(mart, as_of, max_iter=max_iter, summary=summary)
    store_scores(mart, as_of, HISTORY_MODEL, churn, found.risk.index, found.risk.to_numpy())
    return found
