"""Popularity baselines: what most customers bought lately, overall or in one's segment.

The simplest recommenders, and the ones every other method must beat (Cremonesi, Koren
& Turrin 2010, "Performance of recommender algorithms on top-N recommendation tasks",
RecSys: the most-popular list is a strong top-N baseline). An item's score is the number
of distinct customers who bought it in the last ``window_days`` days; customers who
bought it at any time break ties, so a quiet window still yields a ranking.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from segmint.models import ModelInputError
from segmint.models.recommend._base import Recommender
from segmint.models.recommend._data import (
    FloatArray,
    IntArray,
    Interactions,
    Recommendations,
)
from segmint.models.recommend.filters import Filters


def _check_window(window_days: float | None) -> None:
    if window_days is not None and not window_days > 0:
        raise ModelInputError(
            f"window_days must be a positive number of days or None (all history); "
            f"got {window_days!r}."
        )


def _buyer_scores(
    interactions: Interactions, codes: IntArray, n_groups: int, window_days: float | None
) -> FloatArray:
    """``(n_groups, n_items)``: recent buyers per group and item, plus all-time buyers as a
    fraction below 1 (a tie-breaker that never outranks one recent buyer)."""
    n_items = interactions.n_items
    group = codes[interactions.user]
    known = group >= 0
    keys = group[known].astype(np.int64) * n_items + interactions.item[known]
    size = n_groups * n_items
    ever = np.bincount(keys, minlength=size).astype(np.float64)
    if window_days is None:
        recent = ever
    else:
        in_window = interactions.days_since_last[known] <= window_days
        recent = np.bincount(keys[in_window], minlength=size).astype(np.float64)
    members = np.bincount(codes[codes >= 0], minlength=n_groups).astype(np.float64)
    scores = recent.reshape(n_groups, n_items) + ever.reshape(n_groups, n_items) / (
        members[:, None] + 1.0
    )
    return scores


class _Ranked(Recommender):
    """Recommenders whose candidates are a ranked list per customer group."""

    group_scores_: FloatArray
    user_group_: IntArray
    exclude_bought: bool

    def _recommend(
        self, users: IntArray, k: int, filters: Filters | None, context: Any
    ) -> Recommendations:
        groups = self.user_group_[users]
        rows = np.where(groups >= 0, groups, self.group_scores_.shape[0] - 1)
        excluded = np.zeros(users.size, dtype=np.int64)
        if self.exclude_bought:
            excluded += np.diff(self.history_.indptr)[users]
        if filters is not None and filters.excluded is not None:
            excluded += np.diff(filters.excluded.indptr)[users]
        scores = self.group_scores_
        if filters is not None and filters.allowed is not None:
            scores = np.where(filters.allowed, scores, 0.0)
        length = min(self.n_items_, k + int(excluded.max(initial=0)))
        lists = np.argsort(-scores, axis=1, kind="stable")[:, :length]
        lists.sort(axis=1)  # candidate rows keep items in index order (canonical CSR)
        values = np.take_along_axis(scores, lists, axis=1)
        candidates = sp.csr_array(
            (
                values[rows].ravel(),
                lists[rows].ravel().astype(np.int32),
                np.arange(users.size + 1, dtype=np.int64) * length,
            ),
            shape=(users.size, self.n_items_),
        )
        candidates.eliminate_zeros()
        items, best = self._top(candidates, users, k, filters, self.exclude_bought)
        group = np.where(items >= 0, groups[:, None], -1)
        return Recommendations.build(users, items, best, self.name, group=group)


class Popularity(_Ranked):
    """The items bought by the most customers in the last ``window_days`` days.

    Args:
        window_days: the recent window; ``None`` counts all history.
        exclude_bought: leave out items the customer already bought.

    Attributes:
        item_scores_: per item, recent buyers plus all-time buyers / (customers + 1).
    """

    name: ClassVar[str] = "popularity"

    def __init__(self, window_days: float | None = 30.0, exclude_bought: bool = False) -> None:
        self.window_days = window_days
        self.exclude_bought = exclude_bought

    def fit(self, interactions: Interactions) -> Self:
        """Count each item's buyers."""
        _check_window(self.window_days)
        self._remember(interactions)
        codes = np.zeros(interactions.n_users, dtype=np.int64)
        self.item_scores_ = _buyer_scores(interactions, codes, 1, self.window_days)[0]
        self.group_scores_ = self.item_scores_[None, :]
        self.user_group_ = codes
        return self


class SegmentPopularity(_Ranked):
    """The items most bought lately by customers of one's own segment.

    Any segmentation works (RFM, lifecycle, clusters, rules): pass one segment code per
    customer. Customers outside every segment (code ``-1``) get the overall list.

    Args:
        window_days: the recent window; ``None`` counts all history.
        exclude_bought: leave out items the customer already bought.

    Attributes:
        segment_scores_: ``(n_segments, n_items)`` recent buyers per segment and item
            (plus the all-time tie-breaker); the last row is everyone's.
        segment_sizes_: customers per segment.
    """

    name: ClassVar[str] = "segment_popularity"

    def __init__(self, window_days: float | None = 90.0, exclude_bought: bool = False) -> None:
        self.window_days = window_days
        self.exclude_bought = exclude_bought

    def fit(self, interactions: Interactions, segments: ArrayLike) -> Self:
        """Count each item's buyers within each segment.

        Args:
            interactions: what each customer bought.
            segments: ``(n_users,)`` segment code per customer, ``0..n_segments-1``, or
                ``-1`` for none.
        """
        _check_window(self.window_days)
        self._remember(interactions)
        codes = np.asarray(segments)
        if codes.shape != (interactions.n_users,) or (
            codes.size and not np.issubdtype(codes.dtype, np.integer)
        ):
            raise ModelInputError(
                f"segments must hold one integer segment code per customer "
                f"({interactions.n_users}); got {codes.dtype} with shape {codes.shape}."
            )
        codes = codes.astype(np.int64)
        if codes.size and codes.min() < -1:
            raise ModelInputError("segment codes must be 0..n_segments-1, or -1 for none.")
        n_segments = int(codes.max(initial=-1)) + 1
        per_segment = _buyer_scores(interactions, codes, n_segments, self.window_days)
        everyone = _buyer_scores(interactions, np.zeros_like(codes), 1, self.window_days)
        self.segment_scores_ = np.vstack([per_segment, everyone])
        self.segment_sizes_ = np.bincount(codes[codes >= 0], minlength=n_segments)
        self.group_scores_ = self.segment_scores_
        self.user_group_ = codes
        return self
