"""The use cases every service shares, one module each.

========================  ====================================================
:mod:`.load`              one file into a table, or every file of a folder
:mod:`.features`          the customer features as of a date
:mod:`.segment`           RFM, lifecycle stages, rules
:mod:`.value`             value tiers by predicted CLV, the value x risk grid
:mod:`.clusters`          cluster analysis, and a stored model on a new date
:mod:`.clv`               CLV: fit (compare, check, store), backtest
:mod:`.clv_score`         CLV: score every buyer with the stored fit, or fit and score
:mod:`.predict`           churn and purchase-intent scores, refresh every score
:mod:`.profile`           profile, personas and migration of a segmentation
:mod:`.assignments`       list stored segmentations, read or export assignments
:mod:`.demo`              a synthetic retailer, end to end
========================  ====================================================

The CLI (:mod:`segmint.cli`), the API and pages (:mod:`segmint.api`, through
:mod:`segmint.views`), the report and the Python API (:class:`segmint.workspace.Workspace`)
are adapters over these functions, so they give the same numbers. Long parameter lists
come as one options dataclass per use case (:class:`~.clusters.ClusterOptions`,
:class:`~.clv.ClvFitOptions`, :class:`~.clv_score.ClvScoreOptions`,
:class:`~.profile.ProfileOptions`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from segmint.workflows.clv_score import run_clv
    from segmint.workflows.features import refresh_features
    from segmint.workflows.segment import SegmentationRun, run_lifecycle, run_rfm, run_rules

__all__ = [
    "SegmentationRun",
    "refresh_features",
    "run_clv",
    "run_lifecycle",
    "run_rfm",
    "run_rules",
]

_HOME = {
    "SegmentationRun": "segment",
    "refresh_features": "features",
    "run_clv": "clv_score",
    "run_lifecycle": "segment",
    "run_rfm": "segment",
    "run_rules": "segment",
}
"""Each name's module, imported on first use (PEP 562): importing one workflow module
(``segmint.workflows.campaigns``) does not import the CLV models through this package."""


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
