"""Turn a customer feature frame into the numeric matrix clustering needs, and remember how.

Customer features are heavy-tailed (a few customers spend a hundred times the median),
partly missing (a prospect has no recency) and partly categorical (region, top category).
Distance-based clustering on the raw columns would let one heavy tail decide everything,
so :class:`CustomerPreparation` learns, on the data it is fitted on:

* **missing values**: numeric gaps take the column median, and one 0/1 indicator is added
  per distinct missingness pattern (recency, AOV and channel shares are all missing for
  the same prospects: one indicator, not eleven);
* **heavy tails**: ``tails="log"`` applies ``log1p`` to non-negative columns whose
  skewness exceeds 1; ``tails="rank"`` replaces every numeric value by its empirical
  quantile (from 101 stored cut points), ``"none"`` leaves them;
* **scaling**: ``scaling="standard"`` (the default) subtracts the mean and divides by the
  standard deviation, so every column has unit variance: a Gaussian mixture's covariance
  floor (``reg_covar``) then means the same share of spread on every column;
  ``scaling="robust"`` subtracts the median and divides by the inter-quartile range (the
  standard deviation when the IQR is 0), so a unit means "a typical spread";
* **categoricals**: one-hot over the ``max_levels - 1`` most frequent values plus
  ``other``; a missing value is its own level;
* **PCA** (optional): ``n_components`` principal components of the scaled matrix
  (Pearson, 1901; Jolliffe, *Principal Component Analysis*, 2002).

Everything learnt is a plain attribute ending in ``_`` and :meth:`describe` returns it as
JSON-ready data, so the preparation is stored with the model and reproduced exactly when
new customers are assigned.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA

from segmint.models._fitted import check_fitted
from segmint.models.clustering.errors import ClusteringError

Tails = Literal["log", "rank", "none"]
TAILS: tuple[str, ...] = ("log", "rank", "none")
Scaling = Literal["standard", "robust"]
SCALINGS: tuple[str, ...] = ("standard", "robust")
MISSING = "(missing)"
OTHER = "other"
SKEW_LIMIT = 1.0
"""Non-negative columns more skewed than this are log-transformed under ``tails="log"``."""
N_QUANTILES = 101


def is_categorical(series: pd.Series) -> bool:
    """True for text, categorical and boolean columns (they are one-hot encoded)."""
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


class CustomerPreparation(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Impute, transform, scale, one-hot encode and optionally project customer features.

    Args:
        tails: ``"log"`` (log1p of skewed non-negative columns), ``"rank"`` (empirical
            quantiles) or ``"none"``.
        scaling: ``"standard"`` (mean and standard deviation) or ``"robust"`` (median
            and inter-quartile range).
        ordinals: column → its values in order (bands such as ``25-34``): such a column
            enters as the position of its value (0, 1, …), not one-hot; a value outside
            the list counts as missing.
        max_levels: one-hot columns per categorical feature (the rarest values pool as
            ``other``).
        n_components: keep this many principal components (an int), or enough to explain
            this share of variance (a float in (0, 1)); ``None`` keeps the scaled columns.
        random_state: seed of the PCA solver.

    Example:
        >>> frame = pd.DataFrame({"frequency": [1, 2, 30], "region": ["N", "S", None]})
        >>> CustomerPreparation().fit_transform(frame).shape
        (3, 4)
    """

    def __init__(
        self,
        tails: Tails = "log",
        max_levels: int = 8,
        n_components: int | float | None = None,
        random_state: int = 0,
        scaling: Scaling = "standard",
        ordinals: dict[str, list[str]] | None = None,
    ) -> None:
        self.tails = tails
        self.max_levels = max_levels
        self.n_components = n_components
        self.random_state = random_state
        self.scaling = scaling
        self.ordinals = ordinals

    def fit(self, frame: pd.DataFrame, y: object = None) -> CustomerPreparation:
        """Learn medians, missingness patterns, transforms, scales, levels and PCA from ``frame``.

        Raises:
            ClusteringError: no rows or columns, an unknown transform, or a column with one
                value for every customer (it cannot separate anyone).
        """
        self._check_options(frame)
        raw, frame = frame, self._ordered(frame)
        constant = [c for c in frame.columns if frame[c].nunique(dropna=False) < 2]
        if constant:
            raise ClusteringError(
                f"feature(s) {', '.join(map(str, constant))} have the same value for every "
                "customer, so they cannot separate clusters; leave them out of the features"
            )
        self.numeric_ = [str(c) for c in frame.columns if not is_categorical(frame[c])]
        self.categorical_ = [str(c) for c in frame.columns if is_categorical(frame[c])]
        numbers = frame[self.numeric_].astype("float64")
        self.medians_ = {c: _finite(numbers[c].median()) for c in self.numeric_}
        self.indicators_ = _missing_patterns(numbers)
        filled = numbers.fillna(self.medians_)
        self.logged_ = [
            c for c in self.numeric_ if self.tails == "log" and _heavy_tailed(filled[c].to_numpy())
        ]
        self.quantiles_ = {
            c: [float(q) for q in np.quantile(filled[c], np.linspace(0, 1, N_QUANTILES))]
            for c in (self.numeric_ if self.tails == "rank" else [])
        }
        shaped = self._shape(filled)
        robust = self.scaling == "robust"
        self.centers_ = {
            c: float(shaped[c].median() if robust else shaped[c].mean()) for c in self.numeric_
        }
        self.scales_ = {c: _spread(shaped[c]) if robust else _sd(shaped[c]) for c in self.numeric_}
        self.levels_ = {c: _levels(frame[c], self.max_levels) for c in self.categorical_}
        self.pca_: PCA | None = None
        if self.n_components is not None:
            self.pca_ = PCA(self.n_components, random_state=self.random_state)
            self.pca_.fit(self._scaled(raw))
        return self

    def _check_options(self, frame: pd.DataFrame) -> None:
        """Refuse unknown transforms or scalings, and an empty frame."""
        if self.tails not in TAILS or self.scaling not in SCALINGS:
            raise ClusteringError(
                f"tails must be one of {', '.join(TAILS)} and scaling one of "
                f"{', '.join(SCALINGS)}; got {self.tails!r}, {self.scaling!r}"
            )
        if frame.shape[0] == 0 or frame.shape[1] == 0:
            raise ClusteringError(
                f"need at least one customer and one feature to cluster; got shape {frame.shape}"
            )

    def _ordered(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with each ordinal column replaced by the position of its value (NaN when
        missing or not one of the listed values)."""
        ordinals = {c: v for c, v in (self.ordinals or {}).items() if c in frame.columns}
        if not ordinals:
            return frame
        placed = frame.copy()
        for column, levels in ordinals.items():
            position = {str(level): float(i) for i, level in enumerate(levels)}
            text = frame[column].astype("string")
            placed[column] = text.map(position, na_action="ignore").astype("float64")
        return placed

    def transform(self, frame: pd.DataFrame) -> NDArray[np.float64]:
        """Apply the learnt preparation to ``frame``: one float row per customer."""
        self._check_fitted()
        scaled = self._scaled(frame)
        if self.pca_ is None:
            return scaled
        projected: NDArray[np.float64] = self.pca_.transform(scaled)
        return projected

    def fit_transform(
        self, frame: pd.DataFrame, y: object = None, **fit_params: Any
    ) -> NDArray[np.float64]:
        """Fit on ``frame`` and return its prepared matrix."""
        return self.fit(frame).transform(frame)

    def interpretable(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` in readable units for rules: numeric columns imputed (not transformed or
        scaled), categoricals as 0/1 columns named ``"column = value"``."""
        self._check_fitted()
        frame = self._ordered(frame)
        numbers = frame[self.numeric_].astype("float64").fillna(self.medians_)
        parts = [numbers.reset_index(drop=True), self._one_hot(frame)]
        return pd.concat(parts, axis=1)

    def feature_names_out(self) -> list[str]:
        """Names of the prepared columns (before PCA; ``pc1``… after)."""
        self._check_fitted()
        if self.pca_ is not None:
            return [f"pc{i + 1}" for i in range(int(self.pca_.n_components_))]
        names = list(self.numeric_) + [f"{name} missing" for name, _ in self.indicators_]
        return names + [f"{c} = {v}" for c in self.categorical_ for v in self.levels_[c]]

    def describe(self) -> dict[str, Any]:
        """Everything learnt, as JSON-ready data (recorded with the stored model)."""
        self._check_fitted()
        pca = None
        if self.pca_ is not None:
            pca = {
                "n_components": int(self.pca_.n_components_),
                "explained_variance_ratio": [
                    round(float(v), 4) for v in self.pca_.explained_variance_ratio_
                ],
            }
        return {
            "tails": self.tails,
            "scaling": self.scaling,
            "ordinals": {c: list(v) for c, v in (self.ordinals or {}).items()},
            "numeric": self.numeric_,
            "categorical": self.categorical_,
            "medians": self.medians_,
            "missing_indicators": [
                {"name": n, "columns": list(cols)} for n, cols in self.indicators_
            ],
            "logged": self.logged_,
            "centers": self.centers_,
            "scales": self.scales_,
            "levels": self.levels_,
            "pca": pca,
        }

    def _check_fitted(self) -> None:
        check_fitted(self, "scales_", "fit(frame)")

    def _shape(self, filled: pd.DataFrame) -> pd.DataFrame:
        """Log or rank transform of imputed numeric columns."""
        shaped = filled.copy()
        for c in self.logged_:
            shaped[c] = np.log1p(filled[c].clip(lower=0))
        for c, cuts in self.quantiles_.items():
            shaped[c] = _rank(filled[c].to_numpy(), np.asarray(cuts))
        return shaped

    def _scaled(self, frame: pd.DataFrame) -> NDArray[np.float64]:
        missing = [c for c in self.numeric_ + self.categorical_ if c not in frame.columns]
        if missing:
            raise ClusteringError(
                f"the frame lacks the fitted feature(s) {', '.join(missing)}; "
                f"found {', '.join(map(str, frame.columns))}"
            )
        frame = self._ordered(frame)
        numbers = frame[self.numeric_].astype("float64")
        shaped = self._shape(numbers.fillna(self.medians_))
        blocks = [
            ((shaped[c] - self.centers_[c]) / self.scales_[c]).to_numpy() for c in self.numeric_
        ]
        for _, columns in self.indicators_:
            blocks.append(numbers[columns[0]].isna().to_numpy(dtype="float64"))
        matrix = np.column_stack(blocks) if blocks else np.empty((len(frame), 0))
        hot = self._one_hot(frame).to_numpy(dtype="float64")
        return np.ascontiguousarray(np.hstack([matrix, hot]), dtype=np.float64)

    def _one_hot(self, frame: pd.DataFrame) -> pd.DataFrame:
        columns: dict[str, NDArray[np.float64]] = {}
        for c in self.categorical_:
            values = _as_levels(frame[c], self.levels_[c])
            for level in self.levels_[c]:
                columns[f"{c} = {level}"] = (values == level).astype("float64")
        return pd.DataFrame(columns, index=range(len(frame)))


def _finite(value: float) -> float:
    """A median that is a number even for an all-missing column (0 then)."""
    return float(value) if np.isfinite(value) else 0.0


def _heavy_tailed(values: NDArray[np.float64]) -> bool:
    """Non-negative with a skewness above :data:`SKEW_LIMIT`."""
    return bool(values.min() >= 0 and stats.skew(values) > SKEW_LIMIT)


def _spread(values: pd.Series) -> float:
    """The IQR, or the standard deviation when the IQR is 0, or 1 when both are 0."""
    q1, q3 = np.quantile(values, [0.25, 0.75])
    spread = float(q3 - q1) or float(values.std(ddof=0))
    return spread if spread > 0 else 1.0


def _sd(values: pd.Series) -> float:
    """The standard deviation, or 1 when it is 0."""
    spread = float(values.std(ddof=0))
    return spread if spread > 0 else 1.0


def _missing_patterns(numbers: pd.DataFrame) -> list[tuple[str, tuple[str, ...]]]:
    """One (indicator name, columns) per distinct pattern of missing values."""
    patterns: dict[bytes, list[str]] = {}
    for c in numbers.columns:
        mask = numbers[c].isna().to_numpy()
        if mask.any() and not mask.all():
            patterns.setdefault(np.packbits(mask).tobytes(), []).append(str(c))
    return [(cols[0], tuple(cols)) for cols in patterns.values()]


def _levels(values: pd.Series, max_levels: int) -> list[str]:
    """The most frequent values (missing included), then ``other`` when some are left out."""
    text = values.astype("string").fillna(MISSING)
    counts = text.value_counts()
    ranked = sorted(counts.index, key=lambda v: (-counts[v], v))
    if len(ranked) <= max_levels:
        return [str(v) for v in ranked]
    return [str(v) for v in ranked[: max_levels - 1]] + [OTHER]


def _as_levels(values: pd.Series, levels: list[str]) -> NDArray[np.object_]:
    text = values.astype("string").fillna(MISSING).to_numpy(dtype=object, copy=True)
    known = np.isin(text, levels)
    text[~known] = OTHER
    return text


def _rank(values: NDArray[np.float64], cuts: NDArray[np.float64]) -> NDArray[np.float64]:
    """Share of the stored cut points below each value, ties counted half (0 to 1)."""
    below = np.searchsorted(cuts, values, side="left")
    upto = np.searchsorted(cuts, values, side="right")
    ranks: NDArray[np.float64] = (below + upto) / (2.0 * len(cuts))
    return ranks
