"""Sample-ratio mismatch: are the group sizes what the assignment planned?

A randomised split that was planned 90/10 should give group sizes close to 90/10. When
the observed sizes depart from the plan by more than chance allows, something between
assignment and measurement dropped or added members unevenly (a filter applied to one
group only, a broken export, bots), and every lift computed on the groups is suspect.
The check is Pearson's chi-square goodness-of-fit test of the observed counts against the
planned shares; following Kohavi et al., a p-value below 0.001 flags the experiment
(a strict threshold, because the test is run on every experiment and a false alarm
stops a valid one).

References:
    Kohavi, R., Tang, D. & Xu, Y. (2020). Trustworthy Online Controlled Experiments: A
    Practical Guide to A/B Testing. Cambridge University Press, ch. 21.
    Fabijan, A., Gupchup, J., Gupta, S., Omhover, J., Qin, W., Vermeer, L. & Dmitriev, P.
    (2019). Diagnosing sample ratio mismatch in online controlled experiments. KDD '19.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from segmint.exceptions import ModelInputError

SRM_THRESHOLD = 0.001
"""p-value below which the group sizes are flagged as not matching the plan."""


@dataclass(frozen=True)
class SampleRatioCheck:
    """The chi-square test of observed group sizes against the planned shares.

    Attributes:
        counts: observed members per group.
        expected: members per group the plan predicts for the same total.
        statistic: Pearson's chi-square.
        p_value: probability of a departure at least this large under the plan.
        mismatch: True when ``p_value < threshold``: do not trust the lifts.
        threshold: the flagging threshold.
    """

    counts: tuple[int, ...]
    expected: tuple[float, ...]
    statistic: float
    p_value: float
    mismatch: bool
    threshold: float


def sample_ratio_check(
    counts: Sequence[int], planned_shares: Sequence[float], *, threshold: float = SRM_THRESHOLD
) -> SampleRatioCheck:
    """Test observed ``counts`` per group against ``planned_shares`` (chi-square, df = groups - 1).

    Args:
        counts: members per group, e.g. ``(n_target, n_control)``.
        planned_shares: the planned share of each group, same order; normalised to sum 1.
        threshold: p-value below which the split is flagged.

    Raises:
        ModelInputError: fewer than two groups, lengths differ, negative counts, no members,
            or a planned share that is not positive.
    """
    observed = np.asarray(counts, dtype=np.float64)
    shares = np.asarray(planned_shares, dtype=np.float64)
    if observed.ndim != 1 or observed.size < 2 or shares.shape != observed.shape:
        raise ModelInputError(
            "sample ratio check needs one count and one planned share per group (at least two "
            f"groups); got counts {list(counts)} and shares {list(planned_shares)}."
        )
    if np.any(observed < 0) or observed.sum() == 0:
        raise ModelInputError(
            f"group counts must be non-negative with members; got {list(counts)}."
        )
    if np.any(~np.isfinite(shares)) or np.any(shares <= 0):
        raise ModelInputError(
            f"planned shares must be positive; got {list(planned_shares)}. A group planned at 0 % "
            "cannot be checked."
        )
    expected = shares / shares.sum() * observed.sum()
    statistic = float(np.sum((observed - expected) ** 2 / expected))
    # The chi-square survival function from scipy.special (what scipy.stats.chisquare
    # calls), which imports in a fraction of scipy.stats' time.
    from scipy import special

    p_value = float(special.chdtrc(observed.size - 1, statistic))
    return SampleRatioCheck(
        counts=tuple(int(c) for c in observed),
        expected=tuple(float(e) for e in expected),
        statistic=float(statistic),
        p_value=float(p_value),
        mismatch=bool(p_value < threshold),
        threshold=threshold,
    )
