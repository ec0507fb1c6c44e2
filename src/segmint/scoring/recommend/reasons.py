"""Recommendations as rows a marketer can read: product ids, ranks and the reason in words.

The recommenders return the reason as data (the items a recommendation rests on, a rule's
lift, a purchase cycle, a segment); this module writes it out, one sentence per method:

============================  ===========================================================
``rules``                     because you bought Espresso beans and Milk frother (lift 4.2)
``item_knn``                  customers who bought Espresso beans also bought this
``als``, ``bpr``              goes with Espresso beans, which you bought
``buy_again``                 you buy this every ~30 days, last 34 days ago (or: you
                              bought this 12 days ago; you bought this more than once,
                              last 34 days ago, for orders less than a day apart)
``segment_popularity``        popular with Loyal customers
``popularity``                a best seller of the last 30 days
============================  ===========================================================

Everything is vectorised over the filled slots (pandas string operations), so a million
customers' lists are written in seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from segmint.models.recommend import Recommendations


@dataclass(frozen=True)
class Wording:
    """What the sentences name.

    Attributes:
        product_names: per item index, the product's name (its id when it has none).
        segment_names: per segment code, the segment's name.
        segments_are_groups: the segments are the behavioural customer groups
            ("2-3 orders, explorer"), not a stored segmentation's named segments.
        popularity_days: the window of overall popularity, in days.
        segment_days: the window of popularity within a segment (customers outside every
            segment get the overall list of that window).
    """

    product_names: NDArray[np.object_]
    segment_names: tuple[str, ...]
    segments_are_groups: bool = False
    popularity_days: float = 30.0
    segment_days: float = 90.0


def recommendation_rows(
    recs: Recommendations,
    customer_ids: NDArray[np.object_],
    product_ids: NDArray[np.object_],
    wording: Wording,
    as_of: dt.date,
) -> pd.DataFrame:
    """One row per filled slot: ``customer_id``, ``rank``, ``product_id``, ``score``,
    ``method``, ``reason``, ``as_of`` (the columns of the ``recommendations`` table)."""
    rows = recs.rows()
    frame = pd.DataFrame(
        {
            "customer_id": customer_ids[rows["user"]],
            "rank": rows["rank"].astype(np.int32),
            "product_id": product_ids[rows["item"]],
            "score": rows["score"].astype(np.float64),
            "method": rows["method"],
            "reason": _reasons(rows, wording),
            "as_of": as_of,
        }
    )
    return frame


def _name(wording: Wording, items: NDArray[np.int64]) -> pd.Series:
    """The product names of ``items`` (empty text for ``-1``)."""
    names = np.where(items >= 0, wording.product_names[np.maximum(items, 0)], "")
    return pd.Series(names, dtype=object)


def _reasons(rows: dict[str, NDArray[np.generic]], wording: Wording) -> NDArray[np.object_]:
    """The sentence of every row, by the method that filled it."""
    method = pd.Series(rows["method"], dtype=object)
    first = _name(wording, np.asarray(rows["because_item_1"], dtype=np.int64))
    second = _name(wording, np.asarray(rows["because_item_2"], dtype=np.int64))
    reason = pd.Series("", index=method.index, dtype=object)
    rules = (method == "rules").to_numpy()
    both = rules & (second != "").to_numpy()
    lift = pd.Series(rows["lift"]).map("{:.1f}".format)
    reason[rules] = "because you bought " + first[rules]
    reason[both] = reason[both] + " and " + second[both]
    reason[rules] = reason[rules] + " (lift " + lift[rules] + ")"
    knn = (method == "item_knn").to_numpy() & (first != "").to_numpy()
    reason[knn] = "customers who bought " + first[knn] + " also bought this"
    factors = method.isin(["als", "bpr"]).to_numpy()
    near = factors & (first != "").to_numpy()
    reason[factors & ~near] = "liked by customers who buy what you buy"
    reason[near] = "goes with " + first[near] + ", which you bought"
    _buy_again(reason, method, rows)
    _popular(reason, method, rows, wording)
    return reason.to_numpy(dtype=object)


def _buy_again(reason: pd.Series, method: pd.Series, rows: dict[str, NDArray[np.generic]]) -> None:
    """Buy-again rows: the customer's own cycle, or how long ago the one purchase was.

    Orders less than a day apart on average (two invoices of one morning) show no cycle:
    "every ~1 days" would promise a daily habit, so they read "more than once"."""
    mine = (method == "buy_again").to_numpy()
    cycle = np.asarray(rows["cycle_days"], dtype=np.float64)
    since = pd.Series(np.asarray(rows["days_since_last"], dtype=np.float64))
    since_text = since.round().map(_ago)
    with np.errstate(invalid="ignore"):
        cycled = mine & np.isfinite(cycle) & (cycle >= 1.0)
        close = mine & np.isfinite(cycle) & (cycle < 1.0)
    days = pd.Series(np.round(cycle)).map(lambda d: "1 day" if d == 1 else f"{d:.0f} days")
    reason[cycled] = "you buy this every ~" + days[cycled] + ", last " + since_text[cycled]
    reason[close] = "you bought this more than once, last " + since_text[close]
    once = mine & ~np.isfinite(cycle)
    reason[once] = "you bought this " + since_text[once]


def _ago(days: float) -> str:
    """``today``, ``1 day ago``, ``34 days ago``."""
    return "today" if days == 0 else "1 day ago" if days == 1 else f"{days:.0f} days ago"


def _popular(
    reason: pd.Series, method: pd.Series, rows: dict[str, NDArray[np.generic]], wording: Wording
) -> None:
    """Popularity rows: overall, or within the customer's segment."""
    everyone = (method == "popularity").to_numpy()
    reason[everyone] = f"a best seller of the last {wording.popularity_days:.0f} days"
    in_segment = (method == "segment_popularity").to_numpy()
    group = np.asarray(rows["group"], dtype=np.int64)
    names = np.asarray([*wording.segment_names, ""], dtype=object)
    segment = pd.Series(names[np.where(group >= 0, group, len(names) - 1)], dtype=object)
    named = in_segment & (segment != "").to_numpy()
    if wording.segments_are_groups:
        reason[named] = "popular with customers like you (" + segment[named] + ")"
    else:
        reason[named] = "popular with " + segment[named] + " customers"
    reason[in_segment & ~named] = f"a best seller of the last {wording.segment_days:.0f} days"
