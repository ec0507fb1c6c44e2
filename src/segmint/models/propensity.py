"""Supervised propensity scores: a calibrated gradient-boosting classifier and its metrics.

:class:`PropensityClassifier` predicts a yes/no behaviour (will this customer buy again,
will they stop buying) from a table of customer features. It wraps scikit-learn's
``HistGradientBoostingClassifier`` (gradient-boosted trees on binned features, Friedman
2001, "Greedy function approximation: a gradient boosting machine", Annals of Statistics
29(5); histogram binning as in LightGBM, Ke et al. 2017) in ``CalibratedClassifierCV``:
boosted trees rank well but their raw probabilities are often over- or under-confident,
so a monotone map fitted on held-out folds turns scores into probabilities (isotonic
regression, Zadrozny & Elkan 2002, or Platt's sigmoid, Platt 1999).

Text columns (region, age band, top category…) use the trees' native categorical splits;
the most frequent ``max_categories`` levels of each are kept and the rest are treated as
missing, as are levels first seen at prediction time.

The metrics describe a probability score against observed outcomes: area under the ROC
curve (ranking), Brier score (accuracy of the probabilities, Brier 1950), lift at the top
decile (what a campaign to the top 10 % gains over a random 10 %) and a calibration
table (predicted against observed rate per bin). Everything here takes arrays and frames
and knows nothing of the data mart.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import permutation_importance
from sklearn.metrics import brier_score_loss, roc_auc_score
from threadpoolctl import threadpool_limits

from segmint.exceptions import SegmintError
from segmint.models._fitted import check_fitted

FloatArray = npt.NDArray[np.float64]
PARALLEL_ROWS = 100_000
"""Rows from which fits and predictions use every core."""
BLOCK_ROWS = 10_000
"""Rows the trees score per call (:meth:`PropensityClassifier.predict_proba`): the trees
read every row once each, so a block this size stays in the processor's cache through all
of them, where a whole table went from memory once per tree (three times slower)."""
IMPORTANCE_ROWS = 5_000
"""Rows each permutation-importance repeat scores at most (:func:`feature_importance`)."""
Calibration = Literal["isotonic", "sigmoid"]


class PropensityInputError(SegmintError, ValueError):
    """Training data a propensity model cannot learn from: empty, one class, wrong shape."""


def _as_labels(y: npt.ArrayLike) -> npt.NDArray[np.int64]:
    labels = np.asarray(y)
    if labels.ndim != 1:
        raise PropensityInputError(f"labels must be one-dimensional; got shape {labels.shape}.")
    values = set(np.unique(labels).tolist())
    if not values <= {0, 1}:
        raise PropensityInputError(f"labels must be 0/1 or booleans; got values {sorted(values)}.")
    return labels.astype(np.int64)


def check_two_classes(y: npt.ArrayLike, what: str = "the labels") -> npt.NDArray[np.int64]:
    """``y`` as 0/1 integers, or an error naming ``what`` when only one class is present.

    Raises:
        PropensityInputError: labels are not 0/1, or all of them are the same.
    """
    labels = _as_labels(y)
    n_positive = int(labels.sum())
    if labels.size == 0 or n_positive in (0, labels.size):
        raise PropensityInputError(
            f"{what} have a single class ({n_positive} positive of {labels.size}); a classifier "
            "needs both outcomes. Use a longer history, another horizon or more customers."
        )
    return labels


class PropensityClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Calibrated gradient-boosted trees for a binary customer behaviour.

    Parameters
    ----------
    calibration:
        ``"isotonic"`` (flexible, needs a few hundred positives) or ``"sigmoid"``
        (Platt scaling, better for small samples).
    cv:
        Folds of ``CalibratedClassifierCV`` (``ensemble=False``): the calibration map is
        learnt from the folds' predictions on the rows each did not see, and the trees
        that score are then grown on every row. One model scores, where averaging the
        folds' calibrated models would take ``cv`` times as long on every prediction (a
        daily refresh of a million customers and every permutation-importance shuffle).
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization:
        Passed to ``HistGradientBoostingClassifier``, which stops early when 10 rounds
        in a row do not improve the loss on a 10 % validation split; the defaults are
        deliberately conservative (small trees, regularised) for a few thousand customers.
    max_categories:
        Most frequent levels kept per text column; rarer levels count as missing.
    n_threads:
        OpenMP threads for the trees; ``None`` uses every core. The default is 1: on
        customer tables of thousands of rows a thread team spends more time waiting at
        barriers than working, badly so on a busy machine. Fits and predictions on
        ``PARALLEL_ROWS`` rows or more use every core whatever this says (predictions
        as one thread per core, each scoring its own blocks of rows).
    random_state:
        Seed of the boosting (early-stopping split) and the fold assignment.

    Attributes
    ----------
    feature_names_in_: the columns used, in order: those seen at fit with at least
        ``min_samples_leaf`` values.
    categories_: for each text column, the levels kept.
    calibrated_: the fitted ``CalibratedClassifierCV``.
    classes_: ``array([0, 1])``.
    """

    def __init__(
        self,
        calibration: Calibration = "isotonic",
        cv: int = 3,
        max_iter: int = 100,
        learning_rate: float = 0.1,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 40,
        l2_regularization: float = 1.0,
        max_categories: int = 50,
        n_threads: int | None = 1,
        random_state: int | None = None,
    ) -> None:
        self.calibration = calibration
        self.cv = cv
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.max_categories = max_categories
        self.n_threads = n_threads
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: npt.ArrayLike) -> Self:
        """Learn the trees and their calibration from features ``X`` and 0/1 labels ``y``.

        Raises:
            PropensityInputError: ``X`` is not a non-empty frame, its length differs from
                ``y``, or ``y`` holds a single class.
        """
        if self.calibration not in ("isotonic", "sigmoid"):
            raise PropensityInputError(
                f"calibration must be 'isotonic' or 'sigmoid'; got {self.calibration!r}."
            )
        if not isinstance(X, pd.DataFrame) or X.shape[1] == 0:
            raise PropensityInputError("X must be a pandas DataFrame with at least one column.")
        labels = check_two_classes(y)
        if len(X) != labels.size:
            raise PropensityInputError(f"X has {len(X)} rows but y has {labels.size} labels.")
        self.feature_names_in_ = self._usable(X)
        self.categories_ = {
            str(c): self._kept_levels(X[c]) for c in X.columns if _is_text(X[c].dtype)
        }
        trees = HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            categorical_features=np.isin(self.feature_names_in_, list(self.categories_)),
            early_stopping=True,
            random_state=self.random_state,
        )
        folds = max(2, min(self.cv, int(np.bincount(labels).min())))
        self.calibrated_ = CalibratedClassifierCV(
            trees, method=self.calibration, cv=folds, ensemble=False
        )
        with threadpool_limits(limits=self._threads(len(X)), user_api="openmp"):
            self.calibrated_.fit(self._encode(X), labels)
        self.classes_ = np.array([0, 1])
        return self

    def _usable(self, X: pd.DataFrame) -> npt.NDArray[np.object_]:
        """The columns of ``X`` with at least ``min_samples_leaf`` values: a sparser one can
        never separate a leaf of that size, and one left empty in a training fold stops
        the boosting's binning (it finds no value to cut at)."""
        usable = [c for c in X.columns if int(X[c].notna().sum()) >= self.min_samples_leaf]
        if not usable:
            raise PropensityInputError(
                f"no column of X has {self.min_samples_leaf} or more values (min_samples_leaf):"
                " too few customers to learn from."
            )
        return np.asarray(usable, dtype=object)

    def _threads(self, n_rows: int) -> int | None:
        """OpenMP threads for ``n_rows``: ``n_threads``, or every core (None) from
        ``PARALLEL_ROWS`` rows on, where a thread team's start-up is nothing beside the work."""
        return None if n_rows >= PARALLEL_ROWS else self.n_threads

    def _kept_levels(self, column: pd.Series) -> list[str]:
        counts = column.dropna().astype(str).value_counts(sort=True)
        return sorted(counts.index[: self.max_categories].tolist())

    def _encode(self, X: pd.DataFrame) -> FloatArray:
        """``X`` as floats in the fitted column order; text as the code of its kept level.

        Numbers are converted as one block and text columns looked up in Arrow, which on
        a million customers takes half the time of pandas doing either column by column.
        """
        missing = [c for c in self.feature_names_in_ if c not in X.columns]
        if missing:
            raise PropensityInputError(
                f"X lacks columns seen at fit: {missing}; pass the same feature columns."
            )
        encoded = np.empty((len(X), len(self.feature_names_in_)), dtype=np.float64)
        numeric = [
            j
            for j, name in enumerate(self.feature_names_in_)
            if name not in self.categories_ and pd.api.types.is_numeric_dtype(X[name].dtype)
        ]
        names = [str(self.feature_names_in_[j]) for j in numeric]
        encoded[:, numeric] = X[names].to_numpy(dtype=np.float64, na_value=np.nan)
        done = set(numeric)
        for j, name in enumerate(self.feature_names_in_):
            if j in done:
                continue
            column = X[name]
            if name in self.categories_:
                encoded[:, j] = _level_codes(column, self.categories_[name])
            else:
                encoded[:, j] = pd.to_numeric(column, errors="coerce").astype(np.float64)
        return encoded

    def predict_proba(self, X: pd.DataFrame) -> FloatArray:
        """Calibrated probabilities, one row per customer: ``[P(0), P(1)]``.

        Rows are scored ``BLOCK_ROWS`` at a time (each row's probability depends on that
        row alone), by one thread per core from ``PARALLEL_ROWS`` rows on (else by
        ``n_threads`` threads), each running the trees single-threaded: the trees release
        the interpreter, and on a busy machine a team of OpenMP threads per call spends
        its time waiting at barriers (a million rows took seven times longer that way at
        a load of 9 on two cores).
        """
        self._check_fitted()
        encoded = self._encode(X)
        starts = range(0, max(len(encoded), 1), BLOCK_ROWS)
        threads = self._threads(len(X)) or os.cpu_count() or 1
        if threads == 1 or len(starts) == 1:
            with threadpool_limits(limits=threads, user_api="openmp"):
                return self._blocks(encoded, starts)
        with ThreadPoolExecutor(threads, initializer=_one_openmp_thread) as pool:
            scored = pool.map(lambda start: self._blocks(encoded, [start]), starts)
            return np.concatenate(list(scored))

    def _blocks(self, encoded: FloatArray, starts: Sequence[int]) -> FloatArray:
        """The calibrated probabilities of the blocks of ``encoded`` starting at ``starts``."""
        parts = [self.calibrated_.predict_proba(encoded[i : i + BLOCK_ROWS]) for i in starts]
        return np.concatenate(parts)

    def predict(self, X: pd.DataFrame) -> npt.NDArray[np.int64]:
        """1 where the calibrated probability is at least 0.5, else 0."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)

    def _check_fitted(self) -> None:
        check_fitted(self, "calibrated_", "fit(X, y)")


def _one_openmp_thread() -> None:
    """Run this thread's OpenMP work on one thread (a thread pool's initializer; the limit
    is the thread's own, so it ends with the pool)."""
    threadpool_limits(limits=1, user_api="openmp")


def _level_codes(column: pd.Series, levels: list[str]) -> FloatArray:
    """Each value's position in ``levels`` as a float, NaN for a missing or unkept one;
    a value is compared as text (``True``, ``3``)."""
    if pd.api.types.is_string_dtype(column.dtype) and not pd.api.types.is_object_dtype(
        column.dtype
    ):
        found = pc.index_in(pa.array(column, pa.string()), value_set=pa.array(levels, pa.string()))
        return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.float64)
    text = column.astype("string").astype(object)
    codes = pd.Index(levels).get_indexer(pd.Index(text))
    return np.where(codes < 0, np.nan, codes)


def _is_text(dtype: Any) -> bool:
    return bool(
        pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(dtype)
    )


def _checked(
    y_true: npt.ArrayLike, score: npt.ArrayLike
) -> tuple[npt.NDArray[np.int64], FloatArray]:
    labels = _as_labels(y_true)
    values = np.asarray(score, dtype=np.float64)
    if values.shape != labels.shape:
        raise PropensityInputError(
            f"scores and labels differ in shape: {values.shape} and {labels.shape}."
        )
    if labels.size == 0:
        raise PropensityInputError("no customers to evaluate; got empty labels.")
    return labels, values


def lift_at_top(y_true: npt.ArrayLike, score: npt.ArrayLike, fraction: float = 0.1) -> float:
    """Positive rate among the ``fraction`` highest scores divided by the overall positive rate.

    The top group holds ``ceil(fraction * n)`` customers. Customers tied at the cut-off
    score enter in proportion, as if ties were broken at random (the expected lift), so
    a constant score has lift exactly 1.

    Raises:
        PropensityInputError: no positives, or a fraction outside (0, 1].
    """
    labels, values = _checked(y_true, score)
    if not 0.0 < fraction <= 1.0:
        raise PropensityInputError(f"fraction must be in (0, 1]; got {fraction}.")
    base = labels.mean()
    if base == 0:
        raise PropensityInputError("lift needs at least one positive label; got none.")
    k = math.ceil(fraction * labels.size)
    order = np.argsort(-values, kind="stable")
    cutoff = values[order[k - 1]]
    above = values > cutoff
    tied = values == cutoff
    positives = labels[above].sum() + (k - above.sum()) * labels[tied].mean()
    return float(positives / k / base)


def calibration_table(
    y_true: npt.ArrayLike, probability: npt.ArrayLike, n_bins: int = 10
) -> pd.DataFrame:
    """Mean predicted probability against the observed rate in equal-width bins of [0, 1].

    The bins are those of ``sklearn.calibration.calibration_curve(strategy="uniform")``;
    empty bins are left out. Columns: ``bin_lower``, ``bin_upper``, ``n``,
    ``mean_predicted``, ``observed_rate``.
    """
    labels, values = _checked(y_true, probability)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    index = np.searchsorted(edges[1:-1], values)
    frame = pd.DataFrame({"bin": index, "p": values, "y": labels})
    grouped = frame.groupby("bin").agg(
        n=("y", "size"), mean_predicted=("p", "mean"), observed_rate=("y", "mean")
    )
    grouped.insert(0, "bin_upper", edges[grouped.index + 1])
    grouped.insert(0, "bin_lower", edges[grouped.index])
    return grouped.reset_index(drop=True)


def expected_calibration_error(
    y_true: npt.ArrayLike, probability: npt.ArrayLike, n_bins: int = 10
) -> float:
    """Expected calibration error (Naeini, Cooper & Hauskrecht, 2015, *AAAI*): the mean over
    the equal-width bins of |mean predicted - observed rate|, weighted by the bin's share of
    customers. 0 for perfectly calibrated probabilities; the bins are
    :func:`calibration_table`'s.
    """
    table = calibration_table(y_true, np.clip(np.asarray(probability, float), 0.0, 1.0), n_bins)
    gaps = (table.mean_predicted - table.observed_rate).abs()
    return float((gaps * table.n).sum() / table.n.sum())


def evaluate(y_true: npt.ArrayLike, probability: npt.ArrayLike, n_bins: int = 10) -> dict[str, Any]:
    """AUC, Brier score, the base-rate Brier score, lift at the top decile, expected
    calibration error (``ece``) and the calibration table.

    ``brier_base_rate`` is the Brier score of predicting the observed positive rate for
    everyone, p(1 - p): a useful probability must score below it.

    Raises:
        PropensityInputError: the labels hold a single class (AUC is undefined).
    """
    labels, values = _checked(y_true, probability)
    check_two_classes(labels, "the evaluation labels")
    base = float(labels.mean())
    return {
        "n": int(labels.size),
        "positive_rate": base,
        "auc": float(roc_auc_score(labels, values)),
        "brier": float(brier_score_loss(labels, np.clip(values, 0.0, 1.0))),
        "brier_base_rate": base * (1.0 - base),
        "lift_top_decile": lift_at_top(labels, values, 0.1),
        "ece": expected_calibration_error(labels, values, n_bins),
        "calibration": calibration_table(labels, np.clip(values, 0.0, 1.0), n_bins).to_dict(
            orient="records"
        ),
    }


def feature_importance(
    model: PropensityClassifier,
    X: pd.DataFrame,
    y: npt.ArrayLike,
    top: int = 15,
    n_repeats: int = 3,
    max_rows: int = IMPORTANCE_ROWS,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """Permutation importance (Breiman 2001) on held-out data: the AUC lost when a column is shuffled.

    Each repeat scores a random ``max_rows`` of the rows (all of them when fewer):
    the cost is one prediction per column and repeat, so on a million customers every row
    would take most of an hour, while the AUC drop of a column that matters is measured
    well on five thousand (``std`` shows the spread over repeats).

    Columns: ``feature``, ``importance`` (mean AUC drop), ``std``; the ``top`` largest.
    """
    labels = check_two_classes(y, "the labels for feature importance")
    model._check_fitted()
    # Shuffle the encoded columns once encoded, not the raw frame: encoding text columns
    # on each of the features x n_repeats predictions would cost more than the trees.
    with threadpool_limits(limits=model.n_threads, user_api="openmp"):
        result = permutation_importance(
            model.calibrated_,
            model._encode(X),
            labels,
            scoring="roc_auc",
            n_repeats=n_repeats,
            max_samples=min(len(X), max_rows),
            random_state=random_state,
        )
    frame = pd.DataFrame(
        {
            "feature": list(model.feature_names_in_),
            "importance": result.importances_mean,
            "std": result.importances_std,
        }
    )
    return (
        frame.sort_values("importance", ascending=False, kind="stable")
        .head(top)
        .reset_index(drop=True)
    )
