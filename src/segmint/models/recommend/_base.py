"""The recommender contract: ``fit`` on :class:`Interactions`, ``recommend(users, k)``.

scikit-learn conventions: the constructor stores parameters only, ``fit`` validates,
sets attributes ending in ``_`` and returns ``self``; ``recommend`` first checks the model
is fitted, then works through the customers a batch at a time so memory stays bounded
whatever their number.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator

from segmint.models._fitted import check_fitted
from segmint.models.recommend._data import (
    FloatArray,
    IntArray,
    Interactions,
    Recommendations,
    check_k,
    check_users,
)
from segmint.models.recommend._topk import top_k_rows
from segmint.models.recommend.filters import Filters, apply, remove


class Recommender(BaseEstimator):  # type: ignore[misc]
    """Base class: fitted on :class:`Interactions`, recommends ``k`` items per customer."""

    name: ClassVar[str]
    """The method's name in results (``popularity``, ``buy_again``, ``item_knn``…)."""

    batch_users: ClassVar[int] = 20_000
    """Customers scored per batch."""

    n_users_: int
    n_items_: int
    history_: sp.csr_array

    def _remember(self, interactions: Interactions) -> None:
        """Keep what every recommender needs at recommend time: sizes and who bought what."""
        if not isinstance(interactions, Interactions):
            raise TypeError(
                f"{type(self).__name__}.fit takes an Interactions object "
                f"(Interactions.from_arrays(user, item, ...)); got {type(interactions).__name__}."
            )
        self.n_users_ = interactions.n_users
        self.n_items_ = interactions.n_items
        self.history_ = interactions.bought

    def recommend(
        self, users: ArrayLike, k: int = 10, *, filters: Filters | None = None
    ) -> Recommendations:
        """The ``k`` best items for each of ``users`` (indices of the fitted customers).

        Args:
            users: customer indices, ``0..n_users - 1``.
            k: items per customer.
            filters: items never to recommend (see :mod:`segmint.models.recommend.filters`).

        Returns:
            :class:`Recommendations`, one row per customer in ``users`` order; slots the
            method cannot fill hold ``-1``.
        """
        check_fitted(self, "n_items_", "fit(interactions)")
        chosen = check_users(users, self.n_users_)
        k = check_k(k)
        if filters is not None:
            filters.check(self.n_users_, self.n_items_)
        step = self.batch_users
        context = self._prepare()
        if chosen.size == 0:
            return Recommendations.build(
                chosen, np.empty((0, k), np.int64), np.empty((0, k)), self.name
            )
        first = self._recommend(chosen[:step], k, filters, context)
        if chosen.size <= step:
            return first
        # fill one result batch by batch: stacking the batches at the end would hold the
        # result twice (about 800 bytes per customer at k = 10)
        result = _allocate(first, chosen.size)
        _put(result, first, 0)
        for start in range(step, chosen.size, step):
            _put(result, self._recommend(chosen[start : start + step], k, filters, context), start)
        return result

    def _prepare(self) -> Any:
        """What every batch of one ``recommend`` call shares (built once per call)."""
        return None

    @abstractmethod
    def _recommend(
        self, users: IntArray, k: int, filters: Filters | None, context: Any
    ) -> Recommendations:
        """Recommendations for one batch of valid customer indices."""

    def _exclusions(self, users: IntArray, exclude_bought: bool) -> sp.csr_array | None:
        """The batch's already-bought matrix when bought items are left out, else None."""
        return self.history_[users] if exclude_bought else None

    def _top(
        self,
        candidates: sp.csr_array,
        users: IntArray,
        k: int,
        filters: Filters | None,
        exclude_bought: bool,
    ) -> tuple[IntArray, FloatArray]:
        """Filter the batch's positive candidate scores and keep each row's top ``k``."""
        candidates = apply(filters, candidates, users)
        bought = self._exclusions(users, exclude_bought)
        if bought is not None:
            candidates = remove(candidates, bought)
        return top_k_rows(candidates, k)


_ROW_FIELDS = (
    "users",
    "items",
    "scores",
    "because_items",
    "lift",
    "confidence",
    "cycle_days",
    "days_since_last",
    "group",
    "method",
)
"""The per-customer arrays of :class:`Recommendations` (the first axis is the customer)."""


def _allocate(like: Recommendations, n: int) -> Recommendations:
    """Uninitialised arrays for ``n`` customers, shaped and typed as ``like``'s."""
    arrays = {
        name: np.empty((n, *getattr(like, name).shape[1:]), dtype=getattr(like, name).dtype)
        for name in _ROW_FIELDS
    }
    return Recommendations(**arrays, methods=like.methods)


def _put(result: Recommendations, part: Recommendations, start: int) -> None:
    """Copy a batch's recommendations into rows ``start:`` of ``result``."""
    stop = start + part.users.size
    for name in _ROW_FIELDS:
        getattr(result, name)[start:stop] = getattr(part, name)
