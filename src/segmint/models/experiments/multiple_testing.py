"""Benjamini–Hochberg: lifts per segment without drowning in false discoveries.

Measuring a campaign in twenty segments at the 5 % level finds, on average, one
"significant" segment even when the campaign did nothing anywhere. The step-up procedure
of Benjamini & Hochberg (1995) controls the false discovery rate instead: among the
segments declared to have a lift, the expected share of false ones stays below ``alpha``
(for independent or positively dependent tests). The adjusted p-values (q-values)
returned here can be compared with any ``alpha``.

References:
    Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate: a practical
    and powerful approach to multiple testing. Journal of the Royal Statistical Society B
    57(1), 289-300.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from segmint.exceptions import ModelInputError
from segmint.models.experiments._arrays import FloatArray


def benjamini_hochberg(p_values: ArrayLike) -> FloatArray:
    """Benjamini–Hochberg adjusted p-values, in the order given.

    ``q[i] = min over j with p[j] >= p[i] of p[j] * m / rank(p[j])``, capped at 1; a test is
    a discovery at false discovery rate ``alpha`` when ``q[i] <= alpha``.

    Raises:
        ModelInputError: p-values outside [0, 1] or not one-dimensional.
    """
    p = np.asarray(p_values, dtype=np.float64)
    if p.ndim != 1:
        raise ModelInputError(f"p_values must be one-dimensional; got shape {p.shape}.")
    if p.size == 0:
        return p
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ModelInputError(f"p-values must lie in [0, 1]; got min {p.min()} and max {p.max()}.")
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(adjusted, 1.0)
    return q
