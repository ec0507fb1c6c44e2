"""Input checks shared by the experiment statistics, run once at the public boundary.

Public functions call these and hand plain float arrays to private helpers, which do not
re-check (the convention of :mod:`segmint.models._validation`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from segmint.exceptions import ModelInputError

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def outcomes(name: str, values: ArrayLike, *, minimum: int = 2) -> FloatArray:
    """``values`` as a one-dimensional finite float array of at least ``minimum`` members.

    Raises:
        ModelInputError: not numeric, not one-dimensional, too short or not finite; the
            message names ``name``.
    """
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ModelInputError(
            f"{name} must be numeric (one outcome per member); got {type(values).__name__} ({exc})."
        ) from exc
    if array.ndim != 1:
        raise ModelInputError(
            f"{name} must be one-dimensional (one outcome per member); got shape {array.shape}."
        )
    if array.size < minimum:
        raise ModelInputError(
            f"{name} needs at least {minimum} members to estimate a variance; got {array.size}. "
            "Measure a larger group or wait for more members."
        )
    if not np.isfinite(array).all():
        bad = int(np.count_nonzero(~np.isfinite(array)))
        raise ModelInputError(
            f"{name} must be finite; {bad} value(s) are NaN or infinite. Fill missing outcomes "
            "with 0 (no purchase) before measuring."
        )
    return array


def flags(name: str, values: ArrayLike) -> BoolArray:
    """``values`` as a one-dimensional boolean array (0/1 or booleans).

    Raises:
        ModelInputError: other values than 0/1, or not one-dimensional.
    """
    array = np.asarray(values)
    if array.ndim != 1:
        raise ModelInputError(f"{name} must be one-dimensional; got shape {array.shape}.")
    if array.dtype != np.bool_:
        found = set(np.unique(array).tolist())
        if not found <= {0, 1}:
            raise ModelInputError(
                f"{name} must hold 0/1 or booleans; got values {sorted(found)[:5]}."
            )
        array = array.astype(bool)
    return np.asarray(array, dtype=np.bool_)


def same_length(**arrays: NDArray[np.generic]) -> None:
    """Raise unless every named array has the same length."""
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{name} {n}" for name, n in lengths.items())
        raise ModelInputError(f"inputs must have one value per member, all alike; got {listed}.")


def confidence_level(confidence: float) -> float:
    """``confidence`` checked to lie strictly between 0 and 1."""
    if not 0.0 < confidence < 1.0:
        raise ModelInputError(
            f"confidence must be between 0 and 1 (0.95 for a 95 % interval); got {confidence}."
        )
    return float(confidence)


def share(name: str, value: float) -> float:
    """``value`` checked to be a share strictly between 0 and 1."""
    if not 0.0 < value < 1.0:
        raise ModelInputError(f"{name} must be a share between 0 and 1 (exclusive); got {value}.")
    return float(value)
