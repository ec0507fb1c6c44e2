"""Difference in means between a target and a control group, with Welch's interval.

The lift of a campaign on a per-member outcome (conversion, revenue per member…) is
``mean(target) - mean(control)``. Its standard error does not assume the two groups share
a variance: a campaign usually changes the spread of spend as well as its mean, and
target and control are often of very different sizes. The interval uses Student's t with
the Welch–Satterthwaite degrees of freedom (Welch 1947).

The relative lift ``mean(target) / mean(control) - 1`` gets a delta-method interval
(the ratio of two independent means; e.g. Kohavi, Tang & Xu 2020, "Trustworthy Online
Controlled Experiments", Cambridge University Press, section 18).

References:
    Welch, B. L. (1947). The generalization of "Student's" problem when several different
    population variances are involved. Biometrika 34(1-2), 28-35.
    Satterthwaite, F. E. (1946). An approximate distribution of estimates of variance
    components. Biometrics Bulletin 2(6), 110-114.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from numpy.typing import ArrayLike

from segmint.models.experiments._arrays import FloatArray, confidence_level, outcomes

Interval = tuple[float, float]


@dataclass(frozen=True)
class Moments:
    """What a difference in means needs of one group: size, mean and sample variance."""

    n: int
    mean: float
    variance: float

    @classmethod
    def of(cls, values: FloatArray) -> Moments:
        """The moments of ``values`` (sample variance with ``n - 1``)."""
        n = int(values.size)
        return cls(n, float(values.mean()), float(values.var(ddof=1)) if n > 1 else 0.0)


@dataclass(frozen=True)
class Difference:
    """``mean(target) - mean(control)`` and its Welch interval.

    Attributes:
        n_target, n_control: group sizes.
        mean_target, mean_control: group means.
        absolute: the difference in means.
        relative: ``absolute / mean_control``; None when the control mean is 0.
        std_error: Welch standard error of ``absolute``.
        dof: Welch–Satterthwaite degrees of freedom (infinite when both variances are 0).
        ci: interval for ``absolute`` at ``confidence``.
        relative_ci: delta-method interval for ``relative``; None with it.
        p_value: two-sided p-value of "no difference".
        confidence: the interval's level, e.g. 0.95.
    """

    n_target: int
    n_control: int
    mean_target: float
    mean_control: float
    absolute: float
    relative: float | None
    std_error: float
    dof: float
    ci: Interval
    relative_ci: Interval | None
    p_value: float
    confidence: float

    def significant(self) -> bool:
        """True when the interval excludes zero (p below ``1 - confidence``)."""
        return self.ci[0] > 0.0 or self.ci[1] < 0.0


def welch_difference(
    y_target: ArrayLike, y_control: ArrayLike, *, confidence: float = 0.95
) -> Difference:
    """Difference in means of ``y_target`` and ``y_control`` with Welch's interval.

    Args:
        y_target: outcome per target member (0/1 for conversion, money for revenue).
        y_control: outcome per control member.
        confidence: interval level.

    Example:
        On the Hillstrom e-mail data, spend per customer of the men's e-mail arm against
        no e-mail gives ``absolute`` 0.7698 with interval (0.4851, 1.0545).

    Raises:
        ModelInputError: a group has fewer than two members or non-finite outcomes.
    """
    level = confidence_level(confidence)
    target = outcomes("y_target", y_target)
    control = outcomes("y_control", y_control)
    return difference_from_moments(Moments.of(target), Moments.of(control), level)


def difference_from_moments(target: Moments, control: Moments, confidence: float) -> Difference:
    """The Welch difference from each group's size, mean and variance (already valid).

    Per-segment lifts are computed from grouped moments without materialising each
    segment's outcomes, so this is the shared core of :func:`welch_difference`.
    """
    absolute = target.mean - control.mean
    var_t = target.variance / target.n
    var_c = control.variance / control.n
    se = math.sqrt(var_t + var_c)
    alpha = 1.0 - confidence
    if se == 0.0:
        dof = math.inf
        ci = (absolute, absolute)
        p_value = 1.0 if absolute == 0.0 else 0.0
    else:
        denominator = var_t**2 / max(target.n - 1, 1) + var_c**2 / max(control.n - 1, 1)
        dof = (var_t + var_c) ** 2 / denominator
        # Student's t from scipy.special, not scipy.stats: the same functions (stats.t calls
        # them) without the second of import time stats costs every `campaign` command.
        from scipy import special

        t_crit = float(special.stdtrit(dof, 1.0 - alpha / 2.0))
        ci = (absolute - t_crit * se, absolute + t_crit * se)
        p_value = float(2.0 * special.stdtr(dof, -abs(absolute) / se))
    relative, relative_ci = _relative(target, control, var_t, var_c, alpha)
    return Difference(
        n_target=target.n,
        n_control=control.n,
        mean_target=target.mean,
        mean_control=control.mean,
        absolute=absolute,
        relative=relative,
        std_error=se,
        dof=dof,
        ci=ci,
        relative_ci=relative_ci,
        p_value=p_value,
        confidence=confidence,
    )


def _relative(
    target: Moments, control: Moments, var_t: float, var_c: float, alpha: float
) -> tuple[float | None, Interval | None]:
    """Relative lift and its delta-method interval (normal quantile)."""
    if control.mean == 0.0:
        return None, None
    relative = target.mean / control.mean - 1.0
    var_rel = var_t / control.mean**2 + target.mean**2 * var_c / control.mean**4
    z = NormalDist().inv_cdf(1.0 - alpha / 2.0)
    half = z * math.sqrt(var_rel)
    return relative, (relative - half, relative + half)
