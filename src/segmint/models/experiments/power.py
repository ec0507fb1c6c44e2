"""Power before sending: how many members a campaign needs, and what it can detect.

For a two-sided test at level ``alpha`` with power ``1 - beta``, a lift ``delta`` is
detectable when ``delta >= (z_{1-alpha/2} + z_{1-beta}) * se``, where ``se`` is the
standard error of the difference in means for the planned group sizes (the normal
approximation of e.g. Chow, Shao & Wang 2008, "Sample Size Calculations in Clinical
Research", 2nd ed., sections 3.2 and 4.2, with unequal allocation):

- two proportions ``p1`` (control) and ``p2 = p1 * (1 + lift)`` (target):
  ``se**2 = p1 (1 - p1) / n_control + p2 (1 - p2) / n_target``;
- means with a common standard deviation ``sigma``:
  ``se**2 = sigma**2 (1 / n_control + 1 / n_target)``.

CUPED with a pre-period covariate of correlation ``rho`` multiplies the variance by
``1 - rho**2`` (Deng et al. 2013), so it divides the members needed by the same factor.

At a 2 % response rate, a +10 % relative lift (2.0 % to 2.2 %) needs about 80,700
members per arm at 50/50 (alpha 0.05, power 0.8): most small campaigns cannot detect the
lifts marketers hope for, and :class:`PowerResult` says so (``underpowered``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from segmint.exceptions import ModelInputError
from segmint.models.experiments._arrays import share

_NORMAL = NormalDist()


@dataclass(frozen=True)
class PowerResult:
    """Members needed for an effect, or the effect an audience can detect.

    Attributes:
        n_per_arm: members per arm a 50/50 split needs to detect ``effect`` (None without it).
        n_control, n_target, n_total: the planned groups: the audience split at
            ``holdout_share`` when an audience size was given, else the sizes needed at
            ``holdout_share`` to detect ``effect``.
        mde: minimum detectable effect of those groups, absolute (a difference in rates, or
            money per member), in the direction of ``effect``: for a decrease the smallest
            detectable decrease, negative; else the smallest detectable increase. None when
            no effect in that direction is detectable.
        mde_relative: ``mde`` relative to the baseline; None without a baseline.
        effect: the absolute effect asked about (None when only the MDE was asked).
        lift: ``effect`` relative to the baseline.
        power_at_effect: the power the groups have for ``effect``.
        underpowered: True when ``effect`` is smaller in size than the groups' ``mde``.
        baseline: control response rate (proportions) or mean (means; may be None).
        holdout_share: planned control share, as asked.
        alpha, power: the test's level and target power.
        cuped_correlation: pre-period correlation assumed for CUPED (0: none; its sign does
            not matter, CUPED removes the share rho**2 of the variance either way).
    """

    n_per_arm: int | None
    n_control: int
    n_target: int
    n_total: int
    mde: float | None
    mde_relative: float | None
    effect: float | None
    lift: float | None
    power_at_effect: float | None
    underpowered: bool | None
    baseline: float | None
    holdout_share: float
    alpha: float
    power: float
    cuped_correlation: float

    def as_dict(self) -> dict[str, float | int | bool | None]:
        """The result as a flat JSON-ready mapping (``n_per_arm``… first)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _z(alpha: float, power: float, holdout_share: float, rho: float) -> float:
    """``z_{1-alpha/2} + z_{power}`` after checking the design's shares."""
    share("alpha", alpha)
    share("power", power)
    share("holdout_share", holdout_share)
    if not -1.0 < rho < 1.0:  # a negative correlation removes as much variance: 1 - rho**2
        raise ModelInputError(
            f"cuped_correlation must be between -1 and 1 (exclusive); got {rho}. Use 0 "
            "without a pre-period."
        )
    return _NORMAL.inv_cdf(1.0 - alpha / 2.0) + _NORMAL.inv_cdf(power)


def _groups(n_total: int | None, needed: float | None, holdout_share: float) -> tuple[int, int]:
    """(n_control, n_target): the audience split at ``holdout_share``, or the ``needed`` total."""
    if n_total is None:
        assert needed is not None
        return math.ceil(needed * holdout_share), math.ceil(needed * (1.0 - holdout_share))
    if n_total < 2:
        raise ModelInputError(f"n_total must be at least 2 members; got {n_total}.")
    n_control = min(max(round(n_total * holdout_share), 1), n_total - 1)
    return n_control, n_total - n_control


def _achieved(effect: float, se: float, alpha: float) -> float:
    """Two-sided power of a z-test for ``effect`` at standard error ``se``."""
    z = _NORMAL.inv_cdf(1.0 - alpha / 2.0)
    shift = abs(effect) / se
    return _NORMAL.cdf(shift - z) + _NORMAL.cdf(-z - shift)


def two_proportion_power(
    baseline_rate: float,
    lift: float | None = None,
    *,
    holdout_share: float = 0.5,
    n_total: int | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    cuped_correlation: float = 0.0,
) -> PowerResult:
    """Sizes needed to detect a relative ``lift`` of a response rate, or an audience's MDE.

    Args:
        baseline_rate: response rate expected without the campaign (the control's).
        lift: relative lift to detect, e.g. 0.10 for +10 %.
        holdout_share: share of the audience held out as control.
        n_total: the audience size, when known: the result is then its split and its MDE.
        alpha: two-sided significance level.
        power: probability of detecting ``lift`` when it is real.
        cuped_correlation: correlation of the outcome with its pre-period value.

    Example:
        ``two_proportion_power(0.02, 0.10).n_per_arm`` is 80,679.

    Raises:
        ModelInputError: rates or shares outside (0, 1), a lift that leaves (0, 1), or
            neither ``lift`` nor ``n_total``.
    """
    p1 = share("baseline_rate", baseline_rate)
    z = _z(alpha, power, holdout_share, cuped_correlation)
    shrink = 1.0 - cuped_correlation**2
    if lift is None and n_total is None:
        raise ModelInputError("give the lift to detect, the audience size (n_total), or both.")
    n_per_arm = needed = effect = None
    if lift is not None:
        effect, n_per_arm, needed = _proportion_sizes(p1, lift, z, shrink, holdout_share)
    n_control, n_target = _groups(n_total, needed, holdout_share)

    def se(delta: float) -> float:
        q = p1 + delta
        return math.sqrt((p1 * (1 - p1) / n_control + q * (1 - q) / n_target) * shrink)

    mde = _detectable(p1, effect, (n_control, n_target), shrink, z)
    return PowerResult(
        n_per_arm=n_per_arm,
        n_control=n_control,
        n_target=n_target,
        n_total=n_control + n_target,
        mde=mde,
        mde_relative=None if mde is None else mde / p1,
        effect=effect,
        lift=lift,
        power_at_effect=None if effect is None else _achieved(effect, se(effect), alpha),
        underpowered=None if effect is None else _below(effect, mde),
        baseline=p1,
        holdout_share=holdout_share,
        alpha=alpha,
        power=power,
        cuped_correlation=cuped_correlation,
    )


def _proportion_sizes(
    p1: float, lift: float, z: float, shrink: float, holdout_share: float
) -> tuple[float, int, float]:
    """The absolute effect of ``lift``, members per arm at 50/50, and members at
    ``holdout_share``."""
    p2 = p1 * (1.0 + lift)
    if lift == 0.0 or not 0.0 < p2 < 1.0:
        raise ModelInputError(
            f"lift {lift} turns the baseline {p1} into {p2}; the target rate must differ "
            "from the baseline and stay between 0 and 1."
        )
    effect = p2 - p1
    v1, v2 = p1 * (1 - p1), p2 * (1 - p2)
    n_per_arm = math.ceil(z**2 * (v1 + v2) * shrink / effect**2)
    needed = z**2 * (v1 / holdout_share + v2 / (1.0 - holdout_share)) * shrink / effect**2
    return effect, n_per_arm, needed


def _detectable(
    p1: float, effect: float | None, groups: tuple[int, int], shrink: float, z: float
) -> float | None:
    """The smallest change of the rate ``p1`` the groups (control, target) detect, in the
    direction of ``effect``: an increase, or for a decrease its negative (by the symmetry of
    ``q (1 - q)``, the smallest increase of the complementary rate ``1 - p1``); None when
    none fits."""
    n_control, n_target = groups
    fixed = p1 * (1 - p1) / n_control * shrink
    if effect is None or effect > 0:
        return _proportion_mde(p1, fixed, shrink / n_target, z)
    smallest = _proportion_mde(1.0 - p1, fixed, shrink / n_target, z)
    return None if smallest is None else -smallest


def _below(effect: float, mde: float | None) -> bool:
    """Whether ``effect`` is smaller in size than the detectable ``mde`` (or none is)."""
    return mde is None or abs(effect) < abs(mde) * (1 - 1e-9)


def _proportion_mde(p1: float, fixed: float, scale: float, z: float) -> float | None:
    """Smallest increase ``delta`` with ``delta = z * se(delta)``; None when none fits.

    ``se(delta)**2 = fixed + scale * q (1 - q)`` with ``q = p1 + delta`` (the control's
    term and the target's), so squaring gives the quadratic
    ``(1 + c) delta**2 - c (1 - 2 p1) delta - z**2 (fixed + scale p1 (1 - p1)) = 0`` with
    ``c = z**2 scale``; its constant term is negative, so it has one positive root.
    """
    c = z**2 * scale
    b = c * (1.0 - 2.0 * p1)
    constant = z**2 * (fixed + scale * p1 * (1.0 - p1))
    delta = (b + math.sqrt(b**2 + 4.0 * (1.0 + c) * constant)) / (2.0 * (1.0 + c))
    return delta if delta < 1.0 - p1 else None


def mean_power(
    std: float,
    effect: float | None = None,
    *,
    baseline_mean: float | None = None,
    holdout_share: float = 0.5,
    n_total: int | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    cuped_correlation: float = 0.0,
) -> PowerResult:
    """Sizes needed to detect an absolute ``effect`` on a mean (revenue per member…), or the
    MDE of an audience of ``n_total``.

    Args:
        std: standard deviation of the outcome per member (e.g. of two-week spend).
        effect: absolute difference in means to detect, in the outcome's unit.
        baseline_mean: control mean, to express effects relatively (optional).
        holdout_share, n_total, alpha, power, cuped_correlation: as in
            :func:`two_proportion_power`.

    Raises:
        ModelInputError: ``std`` not positive, shares outside (0, 1), an effect of 0, or
            neither ``effect`` nor ``n_total``.
    """
    if not (math.isfinite(std) and std > 0):
        raise ModelInputError(f"std must be a positive number; got {std}.")
    z = _z(alpha, power, holdout_share, cuped_correlation)
    shrink = 1.0 - cuped_correlation**2
    if effect is None and n_total is None:
        raise ModelInputError("give the effect to detect, the audience size (n_total), or both.")
    n_per_arm = needed = None
    if effect is not None:
        if effect == 0:
            raise ModelInputError("effect must differ from 0.")
        n_per_arm = math.ceil(2 * z**2 * std**2 * shrink / effect**2)
        needed = z**2 * std**2 * (1 / holdout_share + 1 / (1 - holdout_share)) * shrink / effect**2
    n_control, n_target = _groups(n_total, needed, holdout_share)
    se = std * math.sqrt((1 / n_control + 1 / n_target) * shrink)
    mde = -z * se if effect is not None and effect < 0 else z * se
    base = baseline_mean if baseline_mean else None
    return PowerResult(
        n_per_arm=n_per_arm,
        n_control=n_control,
        n_target=n_target,
        n_total=n_control + n_target,
        mde=mde,
        mde_relative=None if base is None else mde / base,
        effect=effect,
        lift=None if base is None or effect is None else effect / base,
        power_at_effect=None if effect is None else _achieved(effect, se, alpha),
        underpowered=None if effect is None else _below(effect, mde),
        baseline=baseline_mean,
        holdout_share=holdout_share,
        alpha=alpha,
        power=power,
        cuped_correlation=cuped_correlation,
    )
