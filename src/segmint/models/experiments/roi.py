"""What a campaign earned: incremental revenue and margin, contact costs and ROI, with intervals.

Under intention-to-treat every member assigned to the target group counts as contacted
(and is paid for), whether or not the message reached them. The campaign's incremental
money is the lift per member times the target group's size::

    incremental revenue = n_target * (mean revenue(target) - mean revenue(control))
    incremental margin  = n_target * (mean margin(target) - mean margin(control))
    net return          = incremental margin - n_target * cost_per_contact
    ROI                 = net return / (n_target * cost_per_contact)

Each carries the interval of its lift, scaled the same way (the costs are known
constants, so the transformation is exact). When margins are unknown (no product costs
in the data), the net return and ROI are computed on revenue and ``basis`` says so: a
revenue ROI overstates what the campaign earned.

Reference: Kohavi, R., Tang, D. & Xu, Y. (2020). Trustworthy Online Controlled
Experiments. Cambridge University Press (lifts judged against their cost, with intervals).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from segmint.exceptions import ModelInputError
from segmint.models.experiments.difference import Difference, Interval


@dataclass(frozen=True)
class CampaignReturn:
    """Incremental money of a campaign and its return on the contact costs.

    Attributes:
        n_contacted: members contacted (the target group, intention-to-treat).
        cost_per_contact: cost of one contact.
        contact_cost: ``n_contacted * cost_per_contact``.
        incremental_revenue, incremental_revenue_ci: revenue caused, with interval.
        incremental_margin, incremental_margin_ci: margin caused; None when unknown.
        basis: ``"margin"`` or ``"revenue"``: what the net return and ROI are computed on.
        net_return, net_return_ci: incremental ``basis`` minus the contact cost.
        roi, roi_ci: ``net_return / contact_cost``; None when contacts cost nothing.
    """

    n_contacted: int
    cost_per_contact: float
    contact_cost: float
    incremental_revenue: float
    incremental_revenue_ci: Interval
    incremental_margin: float | None
    incremental_margin_ci: Interval | None
    basis: Literal["margin", "revenue"]
    net_return: float
    net_return_ci: Interval
    roi: float | None
    roi_ci: Interval | None


def _scaled(interval: Interval, factor: float, shift: float = 0.0) -> Interval:
    low, high = interval[0] * factor + shift, interval[1] * factor + shift
    return (min(low, high), max(low, high))


def campaign_return(
    revenue: Difference,
    cost_per_contact: float,
    *,
    margin: Difference | None = None,
) -> CampaignReturn:
    """Incremental revenue, margin, net return and ROI from the per-member lifts.

    Args:
        revenue: lift of revenue per member (target minus control).
        cost_per_contact: cost of contacting one target member (0 when free).
        margin: lift of margin per member, when product costs are known.

    Raises:
        ModelInputError: a negative or non-finite contact cost.
    """
    if not cost_per_contact >= 0 or cost_per_contact == float("inf"):
        raise ModelInputError(
            f"cost_per_contact must be a non-negative amount; got {cost_per_contact}."
        )
    n = revenue.n_target
    cost = n * cost_per_contact
    basis_lift = margin if margin is not None else revenue
    net = basis_lift.absolute * n - cost
    net_ci = _scaled(basis_lift.ci, n, -cost)
    roi = roi_ci = None
    if cost > 0:
        roi = net / cost
        roi_ci = _scaled(net_ci, 1.0 / cost)
    return CampaignReturn(
        n_contacted=n,
        cost_per_contact=float(cost_per_contact),
        contact_cost=cost,
        incremental_revenue=revenue.absolute * n,
        incremental_revenue_ci=_scaled(revenue.ci, n),
        incremental_margin=None if margin is None else margin.absolute * n,
        incremental_margin_ci=None if margin is None else _scaled(margin.ci, n),
        basis="margin" if margin is not None else "revenue",
        net_return=net,
        net_return_ci=net_ci,
        roi=roi,
        roi_ci=roi_ci,
    )
