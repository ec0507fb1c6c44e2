"""Collaborative filtering by matrix factorisation, through the ``implicit`` library.

Two models over the customer × item matrix, both from ``implicit`` (an optional extra:
``pip install 'segmint[recommend]'``), imported only when a model is fitted:

* :class:`ALS`: implicit-feedback alternating least squares (Hu, Koren & Volinsky 2008,
  "Collaborative filtering for implicit feedback datasets", ICDM). Every purchase is a
  preference ``p = 1`` held with confidence ``c = 1 + alpha * w`` (their eq. 1-2), where
  ``w`` is the purchase count or quantity after a weighting that tames wholesale
  quantities in the thousands: ``log`` is their eq. 6, ``1 + alpha log(1 + w / epsilon)``
  with ``epsilon = 1``; ``bm25`` is Okapi BM25 over customers as documents.
* :class:`BPR`: Bayesian personalised ranking (Rendle, Freudenthaler, Gantner &
  Schmidt-Thieme 2009, "BPR: Bayesian personalized ranking from implicit feedback", UAI),
  fitted by SGD over (customer, bought item, other item) triples.

implicit (0.5 and later) takes the matrix with customers as rows (``user_items``). Its
CPU code runs its own threads; BLAS is held to one thread while it fits, as implicit asks.
The explanation of a recommended item is the bought item whose factors are closest to it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any, ClassVar, Literal, Self

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from segmint.exceptions import SegmintError
from segmint.models import ModelInputError
from segmint.models.recommend._base import Recommender
from segmint.models.recommend._data import (
    FloatArray,
    IntArray,
    Interactions,
    Recommendations,
)
from segmint.models.recommend.filters import Filters

Weighting = Literal["log", "bm25", "none"]

_EXPLAIN_HISTORY = 50
"""Bought items (the first, by item index) compared when explaining a recommendation."""


class MissingExtraError(SegmintError, ImportError):
    """An optional dependency of a feature is not installed."""


def load_implicit(module: str = "implicit.cpu.als") -> ModuleType:
    """Import ``module`` of the ``implicit`` library, or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            "collaborative filtering (ALS, BPR) needs the 'implicit' library, which is not "
            "installed. Install the extra: pip install 'segmint[recommend]'"
        ) from exc


def confidence_weights(
    interactions: Interactions,
    values: Literal["n_orders", "quantity"] = "n_orders",
    weighting: Weighting = "log",
    alpha: float = 1.0,
) -> sp.csr_matrix:
    """The customer × item confidence matrix implicit fits on (float32 CSR, customers as rows).

    Args:
        interactions: what each customer bought.
        values: purchase counts (orders holding the item) or units bought.
        weighting: ``log`` (``alpha * log1p(w)``, Hu et al. eq. 6), ``bm25`` (Okapi BM25,
            customers as documents, ``k1 = 1.2``, ``b = 0.75``) or ``none`` (``alpha * w``).
        alpha: scale of the confidence.
    """
    if values not in ("n_orders", "quantity"):
        raise ModelInputError(f"values must be 'n_orders' or 'quantity'; got {values!r}.")
    if not alpha > 0:
        raise ModelInputError(f"alpha must be positive; got {alpha!r}.")
    raw = interactions.n_orders if values == "n_orders" else interactions.quantity
    raw = np.maximum(raw, 1e-6)
    if weighting == "log":
        weights = alpha * np.log1p(raw)
    elif weighting == "bm25":
        weights = alpha * _bm25(interactions, raw)
    elif weighting == "none":
        weights = alpha * raw
    else:
        raise ModelInputError(f"weighting must be 'log', 'bm25' or 'none'; got {weighting!r}.")
    return sp.csr_matrix(
        (weights.astype(np.float32), interactions.item, interactions.indptr),
        shape=(interactions.n_users, interactions.n_items),
    )


def _bm25(
    interactions: Interactions, raw: FloatArray, k1: float = 1.2, b: float = 0.75
) -> FloatArray:
    """Okapi BM25 weights of each (customer, item) value: items are terms, customers documents."""
    buyers = np.bincount(interactions.item, minlength=interactions.n_items).astype(np.float64)
    idf = np.log(interactions.n_users / (1.0 + buyers))
    idf = np.maximum(idf, 0.0) + 1e-3  # an item everyone buys keeps a little weight
    length = np.add.reduceat(raw, interactions.indptr[:-1]) if raw.size else raw
    per_user = np.zeros(interactions.n_users)
    filled = np.diff(interactions.indptr) > 0
    per_user[filled] = length[filled] if raw.size else 0.0
    mean_length = per_user[filled].mean() if filled.any() else 1.0
    norm = k1 * (1.0 - b + b * per_user[interactions.user] / mean_length)
    weights: FloatArray = raw * (k1 + 1.0) / (norm + raw) * idf[interactions.item]
    return weights


class _Factorization(Recommender):
    """Shared recommend and explain for implicit's factor models."""

    user_factors_: FloatArray
    item_factors_: FloatArray
    exclude_bought: bool
    random_state: int | None
    num_threads: int

    def _fit_model(self, make: Callable[[], Any], matrix: sp.csr_matrix) -> None:
        """Build implicit's model and fit it with BLAS held to one thread (implicit checks
        the BLAS threads when the model is built)."""
        with threadpool_limits(1, "blas"):
            model = make()
            model.fit(matrix, show_progress=False)
        self.user_factors_ = np.asarray(model.user_factors, dtype=np.float32)
        self.item_factors_ = np.asarray(model.item_factors, dtype=np.float32)

    def _recommend(
        self, users: IntArray, k: int, filters: Filters | None, context: Any
    ) -> Recommendations:
        scores = self.user_factors_[users] @ self.item_factors_.T  # (batch, n_items)
        blocked = np.zeros_like(scores, dtype=bool)
        if filters is not None and filters.allowed is not None:
            blocked[:, ~filters.allowed] = True
        for matrix in (
            self.history_ if self.exclude_bought else None,
            filters.excluded if filters is not None else None,
        ):
            if matrix is not None:
                rows = matrix[users]
                owner = np.repeat(np.arange(users.size), np.diff(rows.indptr))
                blocked[owner, rows.indices] = True
        scores[blocked] = -np.inf
        keep = min(k, scores.shape[1])
        top = np.argpartition(-scores, keep - 1, axis=1)[:, :keep]
        values = np.take_along_axis(scores, top, axis=1)
        order = np.lexsort((top, -values), axis=1)
        top = np.take_along_axis(top, order, axis=1).astype(np.int64)
        values = np.take_along_axis(values, order, axis=1).astype(np.float64)
        empty = ~np.isfinite(values)
        top[empty] = -1
        items = np.full((users.size, k), -1, dtype=np.int64)
        best = np.full((users.size, k), np.nan)
        items[:, :keep] = top
        best[:, :keep] = np.where(empty, np.nan, values)
        because = np.full((*items.shape, 2), -1, dtype=np.int64)
        because[:, :, 0] = self._closest_bought(users, items)
        return Recommendations.build(users, items, best, self.name, because_items=because)

    def _closest_bought(self, users: IntArray, items: IntArray) -> IntArray:
        """For each recommended item, the bought item with the most similar factors."""
        rows = self.history_[users]
        lengths = np.minimum(np.diff(rows.indptr), _EXPLAIN_HISTORY)
        width = int(lengths.max(initial=0))
        closest = np.full(items.shape, -1, dtype=np.int64)
        if width == 0:
            return closest
        owner = np.repeat(np.arange(users.size), lengths)
        position = np.arange(owner.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        source = np.repeat(rows.indptr[:-1], lengths) + position
        bought = np.full((users.size, width), -1, dtype=np.int64)
        bought[owner, position] = rows.indices[source]
        norms = np.linalg.norm(self.item_factors_, axis=1)
        unit = self.item_factors_ / np.where(norms > 0, norms, 1.0)[:, None]
        left = unit[np.maximum(bought, 0)]  # (m, width, f)
        right = unit[np.maximum(items, 0)]  # (m, k, f)
        sims = np.matmul(left, np.swapaxes(right, 1, 2))  # (m, width, k)
        sims[bought < 0] = -np.inf
        best = np.argmax(sims, axis=1)  # (m, k)
        closest = np.take_along_axis(bought, best, axis=1)
        closest[items < 0] = -1
        return closest


class ALS(_Factorization):
    """Implicit-feedback ALS (Hu, Koren & Volinsky 2008) through ``implicit``.

    Args:
        factors: latent factors.
        regularization: L2 penalty (lambda).
        alpha: confidence scale (``c = 1 + alpha * w``).
        iterations: ALS sweeps.
        values: ``n_orders`` (purchase counts) or ``quantity`` (units).
        weighting: ``log``, ``bm25`` or ``none`` (see :func:`confidence_weights`).
        exclude_bought: leave out items the customer already bought.
        random_state: seed of the factor initialisation.
        num_threads: implicit's threads (0: every core).

    Attributes:
        user_factors_, item_factors_: the fitted factors.
    """

    name: ClassVar[str] = "als"
    batch_users: ClassVar[int] = 4_096

    def __init__(
        self,
        factors: int = 64,
        regularization: float = 0.05,
        alpha: float = 2.0,
        iterations: int = 15,
        values: Literal["n_orders", "quantity"] = "n_orders",
        weighting: Weighting = "log",
        exclude_bought: bool = True,
        random_state: int | None = 0,
        num_threads: int = 0,
    ) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.values = values
        self.weighting = weighting
        self.exclude_bought = exclude_bought
        self.random_state = random_state
        self.num_threads = num_threads

    def fit(self, interactions: Interactions) -> Self:
        """Factorise the confidence matrix."""
        als = load_implicit("implicit.cpu.als")
        self._remember(interactions)
        matrix = confidence_weights(interactions, self.values, self.weighting, 1.0)
        self._fit_model(
            lambda: als.AlternatingLeastSquares(
                factors=self.factors,
                regularization=self.regularization,
                alpha=self.alpha,
                iterations=self.iterations,
                random_state=self.random_state,
                num_threads=self.num_threads,
            ),
            matrix,
        )
        return self


class BPR(_Factorization):
    """Bayesian personalised ranking (Rendle et al. 2009) through ``implicit``.

    Args:
        factors: latent factors.
        learning_rate: SGD step.
        regularization: L2 penalty.
        iterations: epochs over the purchases.
        exclude_bought: leave out items the customer already bought.
        random_state: seed of the sampling.
        num_threads: implicit's threads (0: every core).

    Attributes:
        user_factors_, item_factors_: the fitted factors (the item bias is the last
            item factor, matched by a constant 1 in the user factors).
    """

    name: ClassVar[str] = "bpr"
    batch_users: ClassVar[int] = 4_096

    def __init__(
        self,
        factors: int = 64,
        learning_rate: float = 0.05,
        regularization: float = 0.01,
        iterations: int = 100,
        exclude_bought: bool = True,
        random_state: int | None = 0,
        num_threads: int = 0,
    ) -> None:
        self.factors = factors
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.iterations = iterations
        self.exclude_bought = exclude_bought
        self.random_state = random_state
        self.num_threads = num_threads

    def fit(self, interactions: Interactions) -> Self:
        """Fit the factors by SGD over sampled triples."""
        bpr = load_implicit("implicit.cpu.bpr")
        self._remember(interactions)
        matrix = sp.csr_matrix(
            (
                np.ones(interactions.n_rows, dtype=np.float32),
                interactions.item,
                interactions.indptr,
            ),
            shape=(interactions.n_users, interactions.n_items),
        )
        self._fit_model(
            lambda: bpr.BayesianPersonalizedRanking(
                factors=self.factors,
                learning_rate=self.learning_rate,
                regularization=self.regularization,
                iterations=self.iterations,
                random_state=self.random_state,
                num_threads=self.num_threads,
            ),
            matrix,
        )
        return self
