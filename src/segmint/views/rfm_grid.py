"""The RFM grid: customers per recency × frequency score, with their monetary value.

Scores are the quantile scores of :func:`segmint.segmentation.rfm.rfm_scores` on the
features as of the date (a ranking, not a model fit), so each cell matches what ``segmint
segment rfm`` would score that day. Reference: Hughes, A. M. (1994), *Strategic Database
Marketing*.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from segmint.insight.members import features_as_of
from segmint.mart import Mart
from segmint.segmentation.rfm import rfm_scores

BINS = 5


def rfm_grid(mart: Mart, day: dt.date, bins: int = BINS) -> pd.DataFrame:
    """One row per (``r_score``, ``f_score``) with ``customers``, ``monetary_total`` and
    ``monetary_mean`` (spend to date of the cell's customers)."""
    features = features_as_of(mart, day)
    scored = rfm_scores(features, bins).join(
        features.select("customer_id", "monetary_total"), "customer_id"
    )
    cells = scored.group_by(["r_score", "f_score"]).aggregate(
        customers=scored.count(),
        monetary_total=scored.monetary_total.sum(),
        monetary_mean=scored.monetary_total.mean(),
    )
    frame: pd.DataFrame = cells.order_by(["r_score", "f_score"]).execute()
    frame["customers"] = frame["customers"].astype("int64")
    return frame
