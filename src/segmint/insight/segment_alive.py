"""Mean P(alive) per segment, from the CLV scores stored as of the segmentation's date.

``segmint clv score`` stores each customer's probability of still being an active
customer (``p_alive``, from the BG/NBD family: Fader, Hardie & Lee, 2005, *Marketing
Science* 24(2)). A persona judges its segment's risk by it when it exists
(:mod:`segmint.insight.personas`); without scores as of the date, there is none.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from segmint.mart import Mart
from segmint.segmentation import store


def segment_p_alive(mart: Mart, segmentation: str, day: dt.date) -> pd.Series:
    """Segment → mean ``p_alive`` of its scored members as of ``day`` (empty without scores).

    With several scored models, the first by name is used (as the value tiers do).
    """
    if not mart.has_table("scores"):
        return pd.Series(dtype="float64")
    scores = mart.table("scores")
    alive = scores.filter((scores.as_of == day) & (scores.score_name == "p_alive"))
    members = store.assignments(mart, segmentation, day)
    joined = members.inner_join(alive, "customer_id")
    means = joined.group_by("model", "segment").aggregate(p_alive=joined.value.mean()).to_pandas()
    if means.empty:
        return pd.Series(dtype="float64")
    first = means[means.model == means.model.min()]  # one query for every model's means
    result: pd.Series = first.set_index("segment").p_alive.astype("float64")
    return result
