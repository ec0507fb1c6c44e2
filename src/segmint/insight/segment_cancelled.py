"""Each segment's share of members who ordered and cancelled every order.

Customers without a purchase are of two kinds: prospects, who never ordered, and those who
ordered and cancelled every order (:func:`segmint.features.orders.cancelled_only`). Both
have no purchase features, so a profile cannot tell them apart; a persona of a segment of
them must, to say "ordered and cancelled everything" instead of "no orders yet" and to
suggest finding out why instead of a welcome series (:mod:`segmint.insight.personas`,
:mod:`segmint.insight.persona_playbook`).
"""

from __future__ import annotations

import datetime as dt

import ibis.expr.types as ir
import pandas as pd

from segmint.features.orders import cancelled_only
from segmint.insight.day_facts import DayFacts
from segmint.insight.segment_sums import OneSegmentation, PerSegment
from segmint.mart import Mart
from segmint.segmentation import store


def segment_cancelled(
    mart: Mart, segmentation: str, day: dt.date, shared: DayFacts | None = None
) -> pd.Series:
    """Segment → the share of its members as of ``day`` who ordered and cancelled every
    order (segments without any are left out); ``shared``: what the profiles of ``day``
    share, when several are computed (the members and those customers read from it).

    Raises:
        SegmintError: ``shared`` is of another date.
    """
    if shared is None:
        per: PerSegment = OneSegmentation(store.assignments(mart, segmentation, day))
        cancelled = cancelled_only(mart, day)
    else:
        shared.check(day)
        per = shared.per_segment(mart, segmentation)
        cancelled = shared.cancelled_only(mart)

    def measures(members: ir.Table) -> dict[str, ir.Value]:
        mark = members.customer_id.isin(cancelled.customer_id).cast("int64")
        return {"cancelled": mark.sum(), "members": members.count()}

    sums = per.sums("cancelled only", measures).set_index("segment")
    shares: pd.Series = sums.cancelled.astype("float64") / sums.members.astype("float64")
    kept: pd.Series = shares[shares > 0].rename("share")
    return kept
