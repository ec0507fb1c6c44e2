"""Lifecycle stages: where each customer stands in their relationship with the business.

Stages, decided in this order (first match wins):

- ``prospect``: known but has not ordered yet.
- ``cancelled only``: has no purchase, but ordered and cancelled every order (not a
  prospect: they have ordered).
- ``new``: first order no longer ago than ``new_days``.
- ``reactivated``: bought within the active window after a gap longer than the lapse
  threshold (a lapsed customer who came back).
- ``loyal``: within the active window with at least ``loyal_orders`` orders.
- ``active``: within the active window.
- ``at risk``: later than expected, but not lapsed yet.
- ``lapsed``: much later than expected.
- ``churned``: beyond the churn threshold.

"Expected" is each customer's own cadence: the mean days between their orders, or for
customers with one order the typical cadence of the base (the median of repeat buyers'
mean gaps). For *reactivated*, the gap before the last order is compared with the cadence
of the orders before it, so one long absence does not hide itself by inflating the mean. A customer is *active* while ``recency_days ≤ active_after × cadence``, *at
risk* up to ``lapsed_after × cadence``, *lapsed* up to ``churned_after × cadence``, and
*churned* beyond it. Multipliers, ``new_days`` and ``loyal_orders`` default from the data
(see :func:`default_thresholds`), are reported, and can be set.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import ibis

from segmint.exceptions import AdvisedInputError, SegmintError
from segmint.segmentation.rfm import without_purchases

STAGES = (
    "prospect",
    "cancelled only",
    "new",
    "reactivated",
    "loyal",
    "active",
    "at risk",
    "lapsed",
    "churned",
)


@dataclass(frozen=True)
class Thresholds:
    """The numbers that separate lifecycle stages.

    Attributes:
        typical_cadence_days: cadence used for customers with a single order.
        new_days: a first order at most this many days ago makes a customer new.
        loyal_orders: orders needed (while active) to be loyal.
        active_after: active while recency ≤ this × cadence.
        lapsed_after: at risk up to this × cadence, lapsed beyond.
        churned_after: lapsed up to this × cadence, churned beyond.
    """

    typical_cadence_days: float
    new_days: float
    loyal_orders: int
    active_after: float = 1.5
    lapsed_after: float = 3.0
    churned_after: float = 6.0

    def as_dict(self) -> dict[str, Any]:
        """The thresholds by name, for display and for the stored definition."""
        return asdict(self)


def default_thresholds(features: ibis.Table, **overrides: Any) -> Thresholds:
    """Thresholds from the data, with any given value taking precedence.

    The typical cadence is the median of repeat buyers' mean days between orders (30 days
    when nobody has bought twice); ``new_days`` defaults to that cadence; ``loyal_orders`` to
    the 75th percentile of repeat buyers' order counts, at least 3.

    Raises:
        SegmintError: an unknown threshold.
        AdvisedInputError: ``loyal_orders`` below 1, ``typical_cadence_days`` below 1 (or
            not a number), a negative ``new_days``, a multiplier of 0 or less, or
            multipliers that do not increase.
    """
    repeat = features.filter(features.frequency >= 2)
    stats = repeat.aggregate(
        cadence=repeat.interpurchase_mean_days.median(),
        p75=repeat.frequency.quantile(0.75),
    ).execute()
    cadence = stats.cadence.iloc[0]
    cadence = 30.0 if cadence is None or cadence != cadence else max(1.0, float(cadence))
    p75 = stats.p75.iloc[0]
    loyal = 3 if p75 is None or p75 != p75 else max(3, round(float(p75)))
    thresholds = Thresholds(typical_cadence_days=cadence, new_days=cadence, loyal_orders=loyal)
    unknown = set(overrides) - set(thresholds.as_dict())
    if unknown:
        raise SegmintError(
            f"unknown lifecycle thresholds {sorted(unknown)}; known: {sorted(thresholds.as_dict())}"
        )
    thresholds = replace(thresholds, **{k: v for k, v in overrides.items() if v is not None})
    _check(thresholds)
    return thresholds


def _check(thresholds: Thresholds) -> None:
    """Refuse thresholds that leave a stage empty by construction, naming each setting as
    its reader gives it (``active_after`` in Python, ``--active-after`` on the command
    line: :class:`AdvisedInputError`)."""
    if thresholds.loyal_orders < 1:
        raise AdvisedInputError(
            f"a customer with no orders cannot be loyal; got {thresholds.loyal_orders} orders.",
            "Set {loyal_orders} to 1 or more, or leave it out to take it from the data.",
        )
    if not thresholds.typical_cadence_days >= 1:  # NaN too
        raise AdvisedInputError(
            "a one-order customer's usual gap between orders cannot be shorter than a day "
            f"(every cadence is read as at least one day); got "
            f"{thresholds.typical_cadence_days} days.",
            "Set {typical_cadence_days} to 1 or more, or leave it out to take the median of "
            "repeat buyers' mean days between orders.",
        )
    if thresholds.new_days < 0:
        raise AdvisedInputError(
            f"a first order cannot be a negative number of days ago; got {thresholds.new_days} "
            "days.",
            "Set {new_days} to 0 or more (0: new on the day of the first order only), or leave "
            "it out to take the typical cadence.",
        )
    if thresholds.active_after <= 0:
        raise AdvisedInputError(
            f"nobody is active within {thresholds.active_after} × their cadence since their "
            "last order: no days or fewer.",
            "Set {active_after} above 0 (default 1.5), and {lapsed_after} and {churned_after} "
            "above it.",
        )
    if not thresholds.active_after < thresholds.lapsed_after < thresholds.churned_after:
        raise AdvisedInputError(
            "lifecycle multipliers must increase:",
            "{active_after} < {lapsed_after} < {churned_after}; got "
            f"{thresholds.active_after}, {thresholds.lapsed_after}, {thresholds.churned_after}.",
        )


def lifecycle_stages(
    features: ibis.Table, thresholds: Thresholds, cancelled: ibis.Table | None = None
) -> ibis.Table:
    """``customer_id``, ``segment`` (the stage) and ``cadence_days`` for every customer.

    Args:
        features: one row per customer with ``customer_id``, ``frequency``, ``recency_days``,
            ``tenure_days`` (days since the first order), ``interpurchase_mean_days``,
            ``previous_gap_days`` and ``prior_cadence_days`` (see
            :mod:`segmint.features.cadence`).
        thresholds: from :func:`default_thresholds`.
        cancelled: ``customer_id`` of the customers who ordered and cancelled every order
            (:func:`segmint.features.orders.cancelled_only`): ``cancelled only``, not
            ``prospect``; None: every customer without purchases is a prospect.
    """
    f = features
    typical = thresholds.typical_cadence_days
    cadence = ibis.greatest(f.interpurchase_mean_days.fill_null(typical), 1.0)
    prior = ibis.greatest(f.prior_cadence_days.fill_null(typical), 1.0)
    recency = f.recency_days
    active = recency <= thresholds.active_after * cadence
    came_back = f.previous_gap_days > thresholds.lapsed_after * prior
    stage = ibis.cases(
        (f.frequency.fill_null(0) == 0, without_purchases(f, cancelled, *STAGES[:2])),
        (f.tenure_days <= thresholds.new_days, "new"),
        (active & came_back, "reactivated"),
        (active & (f.frequency >= thresholds.loyal_orders), "loyal"),
        (active, "active"),
        (recency <= thresholds.lapsed_after * cadence, "at risk"),
        (recency <= thresholds.churned_after * cadence, "lapsed"),
        else_="churned",
    )
    return f.select("customer_id", segment=stage, cadence_days=cadence)
