"""Input checks shared by every model, run once at the public boundary.

The public ``fit`` and prediction methods call these; the private likelihood and
prediction code assumes valid float arrays and does not re-check.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from segmint.exceptions import ModelInputError

FloatArray = NDArray[np.float64]

_CHUNK = 1 << 16  # values checked per pass


def as_float_array(name: str, values: ArrayLike, *, per_customer: bool = True) -> FloatArray:
    """Return ``values`` as a finite, non-negative float array, or raise naming ``name``.

    ``per_customer`` arrays must be one-dimensional; horizons and counts may have any shape
    that broadcasts against the customers.
    """
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ModelInputError(
            f"{name} must be numeric; got values of type {type(values).__name__} ({exc}). "
            "Convert the column to numbers first."
        ) from exc
    if per_customer and array.ndim > 1:
        raise ModelInputError(
            f"{name} must be one-dimensional (one value per customer); got shape {array.shape}. "
            "Pass a single column."
        )
    if array.size == 0 or (array.min() >= 0 and array.max() < np.inf):
        return array  # two reductions settle the common case (a NaN minimum fails the test)
    if not np.all(np.isfinite(array)):
        bad = int(np.count_nonzero(~np.isfinite(array)))
        raise ModelInputError(
            f"{name} must be finite; {bad} value(s) are NaN or infinite. "
            "Drop or fill those customers first."
        )
    if np.any(array < 0):
        raise ModelInputError(
            f"{name} must be non-negative; found minimum {array.min():g}. "
            "Check the column (times are ages in periods, counts are repeat purchases)."
        )
    return array


def check_integer_counts(name: str, counts: FloatArray) -> None:
    """Raise unless every value of ``counts`` is a whole number.

    Checked a cache-sized chunk at a time: a million-row temporary would cost more to
    allocate than the comparison itself.
    """
    flat = counts.reshape(-1)
    for start in range(0, flat.size, _CHUNK):
        chunk = flat[start : start + _CHUNK]
        whole = np.rint(chunk)
        if np.array_equal(chunk, whole):
            continue
        example = float(chunk[chunk != whole][0])
        raise ModelInputError(
            f"{name} must hold whole numbers of repeat purchases; found {example:g}. "
            "Count purchases (customer-days), do not average them."
        )


def check_same_shape(**arrays: FloatArray) -> None:
    """Raise unless all named arrays have the same shape (one value per customer)."""
    shapes = {name: array.shape for name, array in arrays.items()}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise ModelInputError(
            f"Inputs must have one value per customer, all the same length; got {listed}."
        )


def check_recency_within_age(recency: FloatArray, age: FloatArray, age_name: str) -> None:
    """Raise unless ``recency <= age`` for every customer (the last purchase is in the past)."""
    if not np.any(recency > age):
        return
    excess = recency > age * (1 + 1e-12)
    if np.any(excess):
        where = int(np.argmax(excess))
        raise ModelInputError(
            f"recency must not exceed {age_name}; customer at position {where} has recency "
            f"{recency[where]:g} > {age_name} {age[where]:g}. Both must be measured from the "
            "first purchase, in the same time unit."
        )


def validate_rfm(
    frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, *, age_name: str = "T"
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validate a (frequency, recency, age) triple and return it as float arrays."""
    x = as_float_array("frequency", frequency)
    t_x = as_float_array("recency", recency)
    age = as_float_array(age_name, T)
    check_same_shape(frequency=x, recency=t_x, **{age_name: age})
    check_integer_counts("frequency", x)
    check_recency_within_age(t_x, age, age_name)
    check_no_recency_without_repeats(x, t_x)
    return x, t_x, age


def check_no_recency_without_repeats(frequency: FloatArray, recency: FloatArray) -> None:
    """Raise unless customers with no repeat purchase have recency 0.

    Recency is the age at the last *repeat* purchase, so it is 0 by definition when there
    is none; a positive value means the columns were built another way (e.g. recency as
    days since the last purchase), and every prediction would silently be wrong.
    """
    if not np.any(recency[frequency == 0] > 0):
        return
    where = int(np.argmax((frequency == 0) & (recency > 0)))
    raise ModelInputError(
        f"customers with frequency 0 must have recency 0; customer at position {where} has "
        f"frequency 0 and recency {recency[where]:g}. Recency is the age at the last repeat "
        "purchase, measured from the first purchase (not the time since the last purchase)."
    )


def validate_weights(weights: ArrayLike | None, n_rows: int) -> FloatArray:
    """Return per-row weights (ones when ``weights`` is None), checked for length and sign."""
    if weights is None:
        return np.ones(n_rows)
    w = as_float_array("weights", weights)
    if w.shape != (n_rows,):
        raise ModelInputError(
            f"weights must have one value per customer ({n_rows}); got shape {w.shape}."
        )
    return w
