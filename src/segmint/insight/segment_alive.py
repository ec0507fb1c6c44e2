"""Mean P(alive) per segment, from the CLV scores stored as of the segmentation's date.

``segmint clv score`` stores each customer's probability of still being an active
customer (``p_alive``). A persona judges its segment's risk by it when it exists
(:mod:`segmint.insight.personas`); without scores as of the date, there is none.

The BG/NBD (Fader, Hardie & Lee, 2005, "Counting Your Customers the Easy Way", *Marketing
Science* 24(2)) lets a customer drop out only after a repeat purchase, so it holds every
customer without one alive with probability 1, by assumption rather than from their
purchases (the MBG/NBD of Batislam, Denizel & Filiztekin, 2007, and the Pareto/NBD do not).
Averaged in, those ones would make a segment of lapsed one-order customers read "mean
P(alive) 0.99". For a BG/NBD (its seasonal and covariate forms too) the mean is therefore
over the members with a repeat purchase by the date (``btyd_frequency`` > 0, from the
features stored for the date, else from the orders), and says so; a segment without any
has no mean.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from segmint.features import stored_dates
from segmint.features.btyd import btyd_summary
from segmint.insight.day_facts import DayFacts
from segmint.insight.segment_sums import OneSegmentation, PerSegment
from segmint.mart import Mart
from segmint.segmentation import store

DROPOUT_AFTER_REPEAT = "bgnbd"
"""The model family whose P(alive) is 1 by assumption for a customer without a repeat
purchase (model names ``bgnbd``, ``bgnbd-seasonal``; scores stored as ``bgnbd+gammagamma``…)."""


@dataclass(frozen=True)
class SegmentAlive:
    """Each segment's mean P(alive), and over whom it was taken.

    Attributes:
        means: segment → mean ``p_alive`` (empty without scores as of the date).
        model: the scores' model (empty without scores).
        repeat_buyers_only: the means are over the members with a repeat purchase (the
            model holds the others alive by assumption).
    """

    means: pd.Series = field(default_factory=lambda: pd.Series(dtype="float64"))
    model: str = ""
    repeat_buyers_only: bool = False

    @property
    def of_whom(self) -> str:
        """Words to put after the mean: `` of its repeat buyers`` or nothing."""
        return " of its repeat buyers" if self.repeat_buyers_only else ""


def segment_p_alive(
    mart: Mart, segmentation: str, day: dt.date, shared: DayFacts | None = None
) -> SegmentAlive:
    """Each segment's mean ``p_alive`` of its scored members as of ``day`` (module doc);
    ``shared``: what the profiles of ``day`` share, when several are computed (the members
    are read from it).

    With several scored models, the first by name is used (as the value tiers do).

    Raises:
        SegmintError: ``shared`` is of another date.
    """
    if shared is not None:
        shared.check(day)
    if not mart.has_table("scores"):
        return SegmentAlive()
    scores = mart.table("scores")
    alive = scores.filter((scores.as_of == day) & (scores.score_name == "p_alive"))
    models = alive.select("model").distinct().model.execute()
    if models.empty:
        return SegmentAlive()
    model = str(models.min())
    mine = alive.filter(alive.model == model).select("customer_id", "value")
    repeat_only = model.split("+")[0].split("-")[0] == DROPOUT_AFTER_REPEAT
    if repeat_only:
        mine = mine.semi_join(_repeat_buyers(mart, day), "customer_id")
    if shared is None:
        per: PerSegment = OneSegmentation(store.assignments(mart, segmentation, day))
    else:
        per = shared.per_segment(mart, segmentation)
    sums = per.sums(
        ("p_alive", model, repeat_only),
        lambda scored: {"total": scored.value.sum(), "scored": scored.value.count()},
        lambda members, keys: members.select("customer_id", *keys).join(mine, "customer_id"),
    ).set_index("segment")
    scored = sums.scored.astype("float64").replace(0.0, np.nan)
    means: pd.Series = (sums.total.astype("float64") / scored).rename("p_alive")
    return SegmentAlive(means, model, repeat_only)


def _repeat_buyers(mart: Mart, day: dt.date) -> ir.Table:
    """``customer_id`` of the customers with a repeat purchase day by ``day``: from the
    features stored for the date (a profile of the date stores them), else the orders."""
    if day in stored_dates(mart):
        features = mart.table("features")
        mine = features.filter((features.as_of == day) & (features.btyd_frequency > 0))
        return mine.select("customer_id")
    summary = btyd_summary(mart, day)
    return summary.filter(summary.frequency > 0).select("customer_id")
