"""Intention-to-treat, and how far the groups were contaminated.

A campaign is analysed by the group each member was *assigned* to (intention-to-treat,
ITT): target members the message never reached still count as target, controls reached
anyway (a shared inbox, a forwarded voucher, a misconfigured send) still count as
control. ITT keeps the randomisation, so its lift is unbiased for "what sending the
campaign to this audience does"; dropping or moving members would not be. It does
underestimate the effect on those actually reached, by the share of compliers.

This module reports the reach of each group (when the data records who was contacted:
sends, opens, clicks, impressions naming the campaign) and the Wald (Bloom) estimate of the
effect on the reached, ``ITT / (reach(target) - reach(control))``, the complier average
causal effect under the exclusion restriction and monotonicity (Angrist, Imbens & Rubin
1996). The ITT lift stays the headline.

References:
    Angrist, J. D., Imbens, G. W. & Rubin, D. B. (1996). Identification of causal effects
    using instrumental variables. JASA 91(434), 444-455.
    Bloom, H. S. (1984). Accounting for no-shows in experimental evaluation designs.
    Evaluation Review 8(2), 225-246.
"""

from __future__ import annotations

from dataclasses import dataclass

from numpy.typing import ArrayLike

from segmint.models.experiments._arrays import flags
from segmint.models.experiments.difference import Difference


@dataclass(frozen=True)
class Compliance:
    """Who each group's contact reached, and the effect on the reached.

    Attributes:
        target_reached: target members recorded as contacted.
        control_reached: control members recorded as contacted (contamination).
        reach_rate: ``target_reached / n_target``.
        contamination_rate: ``control_reached / n_control``.
        itt_effect: the intention-to-treat lift (the difference passed in).
        complier_effect: ``itt_effect / (reach_rate - contamination_rate)``; None when the
            reach does not differ between groups.
    """

    target_reached: int
    control_reached: int
    reach_rate: float
    contamination_rate: float
    itt_effect: float
    complier_effect: float | None


def intention_to_treat(
    effect: Difference, reached_target: ArrayLike, reached_control: ArrayLike
) -> Compliance:
    """Reach, contamination and the effect on the reached, beside the ITT lift ``effect``.

    Args:
        effect: the lift by assigned group (:func:`~segmint.models.experiments.welch_difference`).
        reached_target: per target member, True when contacted.
        reached_control: per control member, True when contacted anyway.
    """
    target = flags("reached_target", reached_target)
    control = flags("reached_control", reached_control)
    reach = float(target.mean()) if target.size else 0.0
    contamination = float(control.mean()) if control.size else 0.0
    gap = reach - contamination
    return Compliance(
        target_reached=int(target.sum()),
        control_reached=int(control.sum()),
        reach_rate=reach,
        contamination_rate=contamination,
        itt_effect=effect.absolute,
        complier_effect=effect.absolute / gap if gap > 0 else None,
    )
