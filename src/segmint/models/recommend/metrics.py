"""Top-k ranking metrics of recommendations against what customers bought next.

For each customer with at least one item in the truth ``T`` (what they bought after the
split), and their ``k`` recommended items, with ``hit_r`` 1 when the item at rank ``r``
is in ``T``:

* precision@k ``= Σ hit_r / k``; recall@k ``= Σ hit_r / |T|``; hit rate: any hit;
* MAP@k: the mean over customers of ``AP@k = Σ_r P@r · hit_r / min(|T|, k)``;
* NDCG@k (Järvelin & Kekäläinen 2002): ``Σ_r hit_r / log2(r + 1)`` over its largest value,
  ``Σ_{r ≤ min(|T|, k)} 1 / log2(r + 1)``;
* catalogue coverage: share of all items recommended to anyone;
* novelty (Vargas & Castells 2011, "Rank and relevance in novelty and diversity metrics
  for recommender systems", RecSys): mean self-information ``-log2 p(i)`` of the
  recommended items, ``p(i)`` the share of customers who bought ``i`` before the split;
* repeat and new hits, reported apart: a hit is a *repeat* when the customer had bought
  the item before the split. ``recall_repeat`` is over truth items bought before,
  ``recall_new`` over truth items never bought before.

Customers whose truth is empty are left out of every average: there is nothing to hit.
Everything is vectorised over customers.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from segmint.models import ModelInputError
from segmint.models.recommend._data import BoolArray, FloatArray, IntArray

METRICS = (
    "precision",
    "recall",
    "map",
    "ndcg",
    "hit_rate",
    "coverage",
    "novelty",
    "recall_repeat",
    "recall_new",
    "repeat_hits",
    "new_hits",
)
"""The metric names of :func:`ranking_metrics`, in report order."""


def contains(matrix: sp.csr_array, items: IntArray) -> BoolArray:
    """``(m, k)``: whether row ``r`` of ``matrix`` stores item ``items[r, j]`` (-1: never)."""
    m, k = items.shape
    rows = matrix.tocsr()
    if not rows.has_sorted_indices:
        rows = rows.sorted_indices()
    n = rows.shape[1]
    owner = np.repeat(np.arange(m, dtype=np.int64), np.diff(rows.indptr))
    keys = owner * n + rows.indices
    queries = np.arange(m, dtype=np.int64)[:, None] * n + np.maximum(items, 0)
    found = np.searchsorted(keys, queries.ravel()).reshape(m, k)
    found = np.minimum(found, max(keys.size - 1, 0))
    hit = keys[found] == queries if keys.size else np.zeros((m, k), dtype=bool)
    result: BoolArray = hit & (items >= 0)
    return result


def per_user(recommended: IntArray, truth: sp.csr_array) -> dict[str, FloatArray]:
    """Per customer precision, recall, AP and NDCG at ``k`` (NaN where the truth is empty)."""
    k = recommended.shape[1]
    hits = contains(truth, recommended)
    n_truth = np.diff(truth.tocsr().indptr).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        empty = n_truth == 0
        n_hits = hits.sum(axis=1).astype(np.float64)
        precision = n_hits / k
        recall = n_hits / n_truth
        ranks = np.arange(1, k + 1, dtype=np.float64)
        precision_at = np.cumsum(hits, axis=1) / ranks
        ap = (precision_at * hits).sum(axis=1) / np.minimum(n_truth, k)
        discounts = 1.0 / np.log2(ranks + 1.0)
        dcg = (hits * discounts).sum(axis=1)
        ideal = np.concatenate([[0.0], np.cumsum(discounts)])[np.minimum(n_truth, k).astype(int)]
        ndcg = dcg / ideal
    out = {
        "precision": precision,
        "recall": recall,
        "map": ap,
        "ndcg": ndcg,
        "hit_rate": (n_hits > 0).astype(np.float64),
    }
    for values in out.values():
        values[empty] = np.nan
    return out


def ranking_metrics(
    recommended: IntArray,
    truth: sp.csr_array,
    *,
    history: sp.csr_array | None = None,
    item_buyers: FloatArray | None = None,
    n_users: int | None = None,
) -> dict[str, float]:
    """The averages of :data:`METRICS` over customers with a non-empty truth.

    Args:
        recommended: ``(m, k)`` item indices, ``-1`` for empty slots.
        truth: ``(m, n_items)`` sparse, non-zero where the customer bought the item after
            the split (rows aligned with ``recommended``).
        history: ``(m, n_items)`` sparse, what each customer bought before the split: splits
            hits into repeat and new (NaN without it).
        item_buyers: customers who bought each item before the split, for novelty.
        n_users: customers those counts are over (default: ``m``).
    """
    m = recommended.shape[0]
    if truth.shape[0] != m:
        raise ModelInputError(
            f"truth must have one row per recommended customer ({m}); got {truth.shape[0]}."
        )
    n_items = truth.shape[1]
    scores = per_user(recommended, truth)
    evaluated = ~np.isnan(scores["recall"])
    result = {name: _mean(values[evaluated]) for name, values in scores.items()}
    shown = recommended[evaluated]
    shown = shown[shown >= 0]
    result["coverage"] = float(np.unique(shown).size / n_items) if n_items else float("nan")
    if item_buyers is not None and shown.size:
        share = np.asarray(item_buyers, dtype=np.float64)[shown] / float(n_users or m)
        result["novelty"] = float(np.mean(-np.log2(np.clip(share, 1e-12, 1.0))))
    else:
        result["novelty"] = float("nan")
    result.update(_repeat_and_new(recommended[evaluated], truth, history, evaluated))
    return {name: result[name] for name in METRICS}


def _repeat_and_new(
    recommended: IntArray, truth: sp.csr_array, history: sp.csr_array | None, rows: BoolArray
) -> dict[str, float]:
    """Recall over repeat and over new truth items, and the hit counts of each."""
    if history is None:
        nan = float("nan")
        return {"recall_repeat": nan, "recall_new": nan, "repeat_hits": nan, "new_hits": nan}
    truth_rows = sp.csr_array(truth.tocsr()[rows])
    bought = sp.csr_array(history.tocsr()[rows])
    bought_ones = bought.astype(bool).astype(np.float32)
    truth_ones = truth_rows.astype(bool).astype(np.float32)
    repeat_truth = sp.csr_array(truth_ones.multiply(bought_ones))
    new_truth = sp.csr_array(truth_ones - repeat_truth)
    new_truth.eliminate_zeros()
    hits = contains(truth_rows, recommended)
    repeat = hits & contains(bought, recommended)
    new = hits & ~repeat
    n_repeat = np.diff(repeat_truth.indptr).astype(np.float64)
    n_new = np.diff(new_truth.indptr).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall_repeat = repeat.sum(axis=1) / n_repeat
        recall_new = new.sum(axis=1) / n_new
    return {
        "recall_repeat": _mean(recall_repeat[n_repeat > 0]),
        "recall_new": _mean(recall_new[n_new > 0]),
        "repeat_hits": float(repeat.sum()),
        "new_hits": float(new.sum()),
    }


def _mean(values: FloatArray) -> float:
    return float(values.mean()) if values.size else float("nan")
