"""Uplift models: who responds *because* of the campaign, not who responds anyway.

A response model ranks customers by how likely they are to buy; many of them would have
bought without the campaign. An uplift model estimates, per customer with features
``x``, the effect ``tau(x) = E[Y | x, target] - E[Y | x, control]`` from a randomised
campaign, so the next campaign can go to the customers it changes. Two learners:

- :class:`TwoModelUplift`: one regressor fitted on the target group, one on the control
  group; ``tau(x)`` is the difference of their predictions (the "two-model approach",
  Hansotia & Rukstales 2002; the T-learner of Künzel et al. 2019). Simple and strong when
  each group is large.
- :class:`TransformedOutcomeUplift`: one regressor fitted on the transformed outcome
  ``Z = Y * (W - e) / (e * (1 - e))`` where ``W`` is 1 for target and ``e`` the target
  share; ``E[Z | x] = tau(x)`` under randomisation (Athey & Imbens 2015, section 3.1). For
  a 0/1 outcome and a 50/50 split this is the class-variable transformation of Jaskowski
  & Jaroszewicz (2012) up to an affine map. One model sees all members.

Both take any scikit-learn regressor (histogram gradient boosting by default) and follow
the scikit-learn estimator conventions: parameters stored by ``__init__``, ``fit(X, y,
treatment)`` returns ``self``, ``predict(X)`` returns the estimated uplift.

References:
    Hansotia, B. & Rukstales, B. (2002). Incremental value modeling. Journal of
    Interactive Marketing 16(3), 35-46.
    Künzel, S. R., Sekhon, J. S., Bickel, P. J. & Yu, B. (2019). Metalearners for estimating
    heterogeneous treatment effects using machine learning. PNAS 116(10), 4156-4165.
    Athey, S. & Imbens, G. W. (2015). Machine learning methods for estimating heterogeneous
    causal effects. arXiv:1504.01132.
    Jaskowski, M. & Jaroszewicz, S. (2012). Uplift modeling for clinical trial data. ICML
    2012 Workshop on Clinical Data Analysis.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from segmint.exceptions import ModelInputError
from segmint.models._fitted import check_fitted
from segmint.models.experiments._arrays import FloatArray, flags, outcomes, same_length

_FIT_CALL = "fit(X, y, treatment)"


def _default_regressor(random_state: int | None) -> HistGradientBoostingRegressor:
    return HistGradientBoostingRegressor(
        max_iter=200, learning_rate=0.05, min_samples_leaf=50, random_state=random_state
    )


def _training_data(
    X: Any, y: ArrayLike, treatment: ArrayLike
) -> tuple[Any, FloatArray, np.ndarray]:
    target = flags("treatment", treatment)
    outcome = outcomes("y", y)
    same_length(y=outcome, treatment=target)
    if len(X) != outcome.size:
        raise ModelInputError(
            f"X must have one row per member ({outcome.size}); got {len(X)} rows."
        )
    n_target = int(target.sum())
    if n_target < 2 or target.size - n_target < 2:
        raise ModelInputError(
            f"uplift needs members in both groups; got {n_target} target and "
            f"{target.size - n_target} control. Fit on a campaign with a control group."
        )
    return X, outcome, target


class TwoModelUplift(RegressorMixin, BaseEstimator):  # type: ignore[misc]
    """Uplift as the difference of a target-group model and a control-group model.

    Parameters
    ----------
    estimator:
        A scikit-learn regressor, cloned for each group; histogram gradient boosting
        when None.
    random_state:
        Seed of the default regressor.
    n_threads:
        OpenMP threads while fitting and predicting; ``None`` uses every core. The default
        is 1, as for :class:`~segmint.models.propensity.PropensityClassifier`: thread teams
        on campaign-sized data wait at barriers more than they work.

    Attributes
    ----------
    model_target_, model_control_:
        The fitted regressors.
    """

    def __init__(
        self, estimator: Any = None, random_state: int | None = None, n_threads: int | None = 1
    ) -> None:
        self.estimator = estimator
        self.random_state = random_state
        self.n_threads = n_threads

    def _base(self) -> Any:
        if self.estimator is None:
            return _default_regressor(self.random_state)
        return clone(self.estimator)

    def fit(self, X: Any, y: ArrayLike, treatment: ArrayLike) -> Self:
        """Fit one regressor per group on the members' features ``X`` and outcomes ``y``.

        Args:
            X: features, one row per member (array or frame).
            y: outcome per member (0/1 or money).
            treatment: True (1) for target members, False (0) for control.

        Raises:
            ModelInputError: lengths differ or a group has fewer than two members.
        """
        X, outcome, target = _training_data(X, y, treatment)
        rows_t, rows_c = np.flatnonzero(target), np.flatnonzero(~target)
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            self.model_target_ = self._base().fit(_rows(X, rows_t), outcome[rows_t])
            self.model_control_ = self._base().fit(_rows(X, rows_c), outcome[rows_c])
        return self

    def predict(self, X: Any) -> FloatArray:
        """Estimated uplift per row of ``X``: target prediction minus control prediction."""
        check_fitted(self, "model_target_", _FIT_CALL)
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            treated = np.asarray(self.model_target_.predict(X), dtype=np.float64)
            control = np.asarray(self.model_control_.predict(X), dtype=np.float64)
        return treated - control


class TransformedOutcomeUplift(RegressorMixin, BaseEstimator):  # type: ignore[misc]
    """Uplift by regressing the transformed outcome ``Y (W - e) / (e (1 - e))`` on features.

    Parameters
    ----------
    estimator:
        A scikit-learn regressor; histogram gradient boosting when None.
    propensity:
        The target share ``e`` of the randomisation; the observed share when None.
    random_state:
        Seed of the default regressor.
    n_threads:
        OpenMP threads while fitting and predicting (1 by default; ``None``: every core).

    Attributes
    ----------
    model_:
        The fitted regressor.
    propensity_:
        The target share used.
    """

    def __init__(
        self,
        estimator: Any = None,
        propensity: float | None = None,
        random_state: int | None = None,
        n_threads: int | None = 1,
    ) -> None:
        self.estimator = estimator
        self.propensity = propensity
        self.random_state = random_state
        self.n_threads = n_threads

    def fit(self, X: Any, y: ArrayLike, treatment: ArrayLike) -> Self:
        """Fit the regressor on the transformed outcome of every member.

        Args:
            X: features, one row per member.
            y: outcome per member.
            treatment: True (1) for target members.

        Raises:
            ModelInputError: lengths differ, a group is empty, or ``propensity`` is not a
                share strictly between 0 and 1.
        """
        X, outcome, target = _training_data(X, y, treatment)
        e = float(target.mean()) if self.propensity is None else float(self.propensity)
        if not 0.0 < e < 1.0:
            raise ModelInputError(f"propensity must be strictly between 0 and 1; got {e}.")
        transformed = outcome * (target.astype(np.float64) - e) / (e * (1.0 - e))
        base = (
            _default_regressor(self.random_state)
            if self.estimator is None
            else clone(self.estimator)
        )
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            self.model_ = base.fit(X, transformed)
        self.propensity_ = e
        return self

    def predict(self, X: Any) -> FloatArray:
        """Estimated uplift per row of ``X``."""
        check_fitted(self, "model_", _FIT_CALL)
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            return np.asarray(self.model_.predict(X), dtype=np.float64)


def _rows(X: Any, rows: np.ndarray) -> Any:
    """Rows of an array or a data frame by position."""
    if hasattr(X, "iloc"):
        return X.iloc[rows]
    return np.asarray(X)[rows]
