"""Item-based nearest neighbours: items bought by the same customers as yours.

Item-item collaborative filtering (Sarwar, Karypis, Konstan & Riedl 2001, "Item-based
collaborative filtering recommendation algorithms", WWW; Deshpande & Karypis 2004,
"Item-based top-N recommendation algorithms", ACM TOIS 22(1)). From the binary
customer × item matrix ``B`` the co-occurrence ``C = Bᵀ B`` counts customers who bought
both items; the similarity of items ``j`` and ``i`` is

* ``cosine``: ``C[j, i] / sqrt(C[j, j] C[i, i])`` (Sarwar et al., eq. 2 on binary data);
* ``lift``: ``C[j, i] n_users / (C[j, j] C[i, i])`` (how many times likelier than chance).

Only each item's ``n_neighbors`` most similar items are kept (Deshpande & Karypis' model
size ``k``), and pairs bought together by fewer than ``min_common`` customers are ignored.
A customer's score for item ``i`` sums the similarities of ``i`` to the items they bought
(Deshpande & Karypis, Algorithm 1); the explanation names the bought item that adds most.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Self

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from segmint.models import ModelInputError
from segmint.models.recommend._base import Recommender
from segmint.models.recommend._data import (
    FloatArray,
    IntArray,
    Interactions,
    Recommendations,
)
from segmint.models.recommend.filters import Filters

_BLOCK_CELLS = 1 << 22
"""Cells of the dense co-occurrence block built at a time (16 MB of float32; with the
scaled copy and the partition indices about 100 MB)."""


class ItemKNN(Recommender):
    """Recommend the nearest neighbours of the items a customer bought.

    Args:
        similarity: ``"cosine"`` or ``"lift"``.
        n_neighbors: neighbours kept per item.
        min_common: fewest customers who must have bought both items of a pair.
        exclude_bought: leave out items the customer already bought (new items only).

    Attributes:
        similarity_: ``(n_items, n_items)`` sparse; row ``j`` holds item ``j``'s
            neighbours ``i`` with their similarity.
        item_buyers_: customers who bought each item.
    """

    name: ClassVar[str] = "item_knn"

    def __init__(
        self,
        similarity: Literal["cosine", "lift"] = "cosine",
        n_neighbors: int = 20,
        min_common: int = 2,
        exclude_bought: bool = True,
    ) -> None:
        self.similarity = similarity
        self.n_neighbors = n_neighbors
        self.min_common = min_common
        self.exclude_bought = exclude_bought

    def fit(self, interactions: Interactions) -> Self:
        """Build the item-item similarity, a block of bought items at a time."""
        if self.similarity not in ("cosine", "lift"):
            raise ModelInputError(
                f"similarity must be 'cosine' or 'lift'; got {self.similarity!r}."
            )
        for name in ("n_neighbors", "min_common"):
            value = getattr(self, name)
            if not (isinstance(value, int) and value >= 1):
                raise ModelInputError(f"{name} must be an integer >= 1; got {value!r}.")
        self._remember(interactions)
        bought = self.history_
        n = interactions.n_items
        buyers = np.bincount(bought.indices, minlength=n).astype(np.float64)
        self.item_buyers_ = buyers
        by_item = bought.T.tocsr()  # items × customers
        block = max(1, _BLOCK_CELLS // max(n, 1))
        rows: list[IntArray] = []
        cols: list[IntArray] = []
        vals: list[FloatArray] = []
        for start in range(0, n, block):
            stop = min(n, start + block)
            # rows start..stop of the co-occurrence: customers who bought item j and item i
            counts = (by_item[start:stop] @ bought).toarray()  # (stop - start, n) float32
            r, c, v = self._neighbours(counts, buyers, start, interactions.n_users)
            rows.append(r)
            cols.append(c)
            vals.append(v)
        self.similarity_ = sp.csr_array(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
        )
        self.similarity_.sort_indices()
        return self

    def _neighbours(
        self, counts: NDArray[np.float32], buyers: FloatArray, start: int, n_users: int
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """The top neighbours (columns ``i``) of each row ``j`` of a co-occurrence block."""
        height = counts.shape[0]
        own = np.arange(start, start + height)
        counts[np.arange(height), own] = 0.0  # an item is not its own neighbour
        counts[counts < self.min_common] = 0.0
        # an item nobody bought co-occurs with nothing: its scale is never used, keep it 0
        bought = buyers > 0
        scale = np.zeros_like(buyers)
        if self.similarity == "cosine":
            scale[bought] = 1.0 / np.sqrt(buyers[bought])
            row_scale = scale[own]
        else:
            scale[bought] = 1.0 / buyers[bought]
            row_scale = scale[own] * n_users
        sims = (counts * row_scale[:, None] * scale[None, :]).astype(np.float32)
        keep = min(self.n_neighbors, sims.shape[1])
        if keep < sims.shape[1]:
            top = np.argpartition(-sims, keep - 1, axis=1)[:, :keep]
        else:
            top = np.broadcast_to(np.arange(sims.shape[1]), sims.shape)
        values = np.take_along_axis(sims, top, axis=1)
        row = np.broadcast_to(own[:, None], top.shape)
        positive = values > 0
        return row[positive], top[positive].astype(np.int64), values[positive].astype(np.float64)

    def _recommend(
        self, users: IntArray, k: int, filters: Filters | None, context: Any
    ) -> Recommendations:
        bought = self.history_[users]
        candidates = sp.csr_array(bought @ self.similarity_)
        items, scores = self._top(candidates, users, k, filters, self.exclude_bought)
        because = np.full((*items.shape, 2), -1, dtype=np.int64)
        because[:, :, 0] = self._strongest(bought, items)
        return Recommendations.build(users, items, scores, self.name, because_items=because)

    def _strongest(self, bought: sp.csr_array, items: IntArray) -> IntArray:
        """For each recommended item, the customer's bought item most similar to it."""
        m, k = items.shape
        lengths = np.diff(bought.indptr)
        owner = np.repeat(np.arange(m), lengths)
        history = bought.indices.astype(np.int64)
        targets = items[owner]  # (n_bought, k)
        # a binary search in each bought item's short neighbour list (no dense copy)
        wanted = self.similarity_[np.repeat(history, k), np.maximum(targets, 0).ravel()]
        sims = np.asarray(wanted, dtype=np.float64).reshape(-1, k)
        sims[targets < 0] = 0.0
        strongest = np.full((m, k), -1, dtype=np.int64)
        has = lengths > 0
        if not has.any():
            return strongest
        starts = bought.indptr[:-1][has]
        best = np.maximum.reduceat(sims, starts, axis=0)
        expanded = np.full((m, k), -np.inf)
        expanded[has] = best
        hit = (sims == expanded[owner]) & (sims > 0)
        row_index = np.where(hit, np.arange(sims.shape[0])[:, None], sims.shape[0])
        first = np.minimum.reduceat(row_index, starts, axis=0)
        found = first < sims.shape[0]
        chosen = np.full(first.shape, -1, dtype=np.int64)
        chosen[found] = history[first[found]]
        strongest[has] = chosen
        return strongest
