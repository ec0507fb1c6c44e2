"""One way for every estimator to say it has not been fitted yet."""

from __future__ import annotations

from segmint.exceptions import NotFittedError


def check_fitted(estimator: object, attribute: str, fit_call: str = "fit(...)") -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` has the learned ``attribute``.

    The message is the same for every model: ``This BGNBD is not fitted yet; call
    fit(...) first.``, with the model's own ``fit`` arguments in ``fit_call``.
    """
    if not hasattr(estimator, attribute):
        raise NotFittedError(
            f"This {type(estimator).__name__} is not fitted yet; call {fit_call} first."
        )
