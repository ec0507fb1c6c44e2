"""Statistics of campaigns with a control group: lift, intervals, checks, power, uplift.

Arrays in, numbers out (numpy/scipy/scikit-learn); nothing here opens the mart. The
campaign measurement in :mod:`segmint.scoring.campaigns` computes each member's outcomes
from the mart and hands them to these functions.

- :func:`welch_difference`: difference in means with Welch's interval (Welch 1947).
- :func:`bootstrap_difference`, :func:`bootstrap_differences`: percentile bootstrap
  intervals, vectorised, several outcomes resampled jointly (Efron 1979).
- :func:`cuped_difference`: CUPED with a pre-period covariate (Deng et al. 2013).
- :func:`sample_ratio_check`: sample-ratio mismatch, chi-square (Kohavi et al. 2020).
- :func:`benjamini_hochberg`: false-discovery-rate adjusted p-values (1995).
- :func:`two_proportion_power`, :func:`mean_power`: members needed, minimum detectable effect.
- :func:`campaign_return`: incremental revenue and margin, net return and ROI after costs.
- :func:`intention_to_treat`: reach, contamination, effect on the reached (Angrist et al. 1996).
- :func:`assign_groups`: deterministic stratified assignment from a sha256 prefix.
- :class:`TwoModelUplift`, :class:`TransformedOutcomeUplift`: uplift learners; evaluated by
  :func:`qini_curve`, :func:`qini_coefficient`, :func:`uplift_at_k` (Radcliffe 2007).

The uplift learners need scikit-learn's ensembles, which take longer to import than the
rest of a ``segmint campaign`` command needs; they are imported on first use (PEP 562).
"""

from typing import TYPE_CHECKING, Any

from segmint.models.experiments.assignment import (
    assign_groups,
    assignment_key,
    stratum_offset,
)
from segmint.models.experiments.bootstrap import (
    BootstrapInterval,
    bootstrap_difference,
    bootstrap_differences,
)
from segmint.models.experiments.compliance import Compliance, intention_to_treat
from segmint.models.experiments.cuped import CupedDifference, cuped_difference
from segmint.models.experiments.difference import Difference, Moments, welch_difference
from segmint.models.experiments.multiple_testing import benjamini_hochberg
from segmint.models.experiments.power import PowerResult, mean_power, two_proportion_power
from segmint.models.experiments.qini import QiniCurve, qini_coefficient, qini_curve, uplift_at_k
from segmint.models.experiments.roi import CampaignReturn, campaign_return
from segmint.models.experiments.srm import SRM_THRESHOLD, SampleRatioCheck, sample_ratio_check

if TYPE_CHECKING:
    from segmint.models.experiments.uplift import TransformedOutcomeUplift, TwoModelUplift

_LAZY = {"TransformedOutcomeUplift", "TwoModelUplift"}


def __getattr__(name: str) -> Any:
    """The uplift learners, imported when first asked for."""
    if name in _LAZY:
        from segmint.models.experiments import uplift

        return getattr(uplift, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SRM_THRESHOLD",
    "BootstrapInterval",
    "CampaignReturn",
    "Compliance",
    "CupedDifference",
    "Difference",
    "Moments",
    "PowerResult",
    "QiniCurve",
    "SampleRatioCheck",
    "TransformedOutcomeUplift",
    "TwoModelUplift",
    "assign_groups",
    "assignment_key",
    "benjamini_hochberg",
    "bootstrap_difference",
    "bootstrap_differences",
    "campaign_return",
    "cuped_difference",
    "intention_to_treat",
    "mean_power",
    "qini_coefficient",
    "qini_curve",
    "sample_ratio_check",
    "stratum_offset",
    "two_proportion_power",
    "uplift_at_k",
    "welch_difference",
]
