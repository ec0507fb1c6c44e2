"""Use case: value tiers by predicted CLV, stored as a segmentation, and the value x risk grid.

``segmint segment value``, ``segmint demo`` and :meth:`segmint.workspace.Workspace.segment_value`
call :func:`run_value`; the tiers and the grid are computed by
:mod:`segmint.segmentation.value`. When no churn risk is stored for the date, the MBG/NBD
fitted for it reads the BTYD summary that ``segmint clv fit``, ``clv score`` and ``refresh``
read: from the stored features when they are current
(:func:`segmint.workflows.features.kept_summary`), else summed from the purchases once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from segmint.features.asof import AsOf, parse_as_of
from segmint.mart import Mart
from segmint.scoring.option_defaults import MAX_ITER
from segmint.segmentation import store
from segmint.segmentation.value import (
    check_cuts,
    check_risk_cuts,
    clv_model,
    latest_clv_date,
    tier_names,
    value_risk_grid,
    value_tiers,
)
from segmint.segmentation.value_cuts import DEFAULT_CUTS, DEFAULT_RISK_CUTS
from segmint.workflows.features import kept_summary


@dataclass(frozen=True)
class ValueRun:
    """A stored value segmentation and its value x risk grid.

    Attributes:
        name, version, as_of: what was stored.
        model: CLV model the tiers rank by.
        sizes: tier → customers, best tier first (then ``unassigned``).
        grid: one row per tier, one column per risk band, customer counts.
        grid_value: the same grid with the tiers' summed CLV.
        risk_source: where the churn risk came from.
    """

    name: str
    version: int
    as_of: dt.date
    model: str
    sizes: pd.Series
    grid: pd.DataFrame
    grid_value: pd.DataFrame
    risk_source: str


def run_value(
    mart: Mart,
    as_of: AsOf | None = None,
    *,
    model: str | None = None,
    cuts: tuple[float, ...] = DEFAULT_CUTS,
    risk_cuts: tuple[float, ...] = DEFAULT_RISK_CUTS,
    name: str = "value",
    max_iter: int = MAX_ITER,
) -> ValueRun:
    """Store value tiers as segmentation ``name`` (kind ``value``) and build the risk grid.

    Args:
        as_of: the date of the CLV scores to rank by; default: the latest scored date.
        model: the CLV model whose scores are used; default: the first by name.
        cuts: cumulative shares of customers, best first, at which a new tier starts.
        risk_cuts: churn risk at which the medium and high risk bands start.
        name: the segmentation to store.
        max_iter: the iteration limit of the MBG/NBD fitted for the churn risk when no
            churn_risk is stored for the date (on the BTYD summary of the module
            docstring); a fit that reaches it keeps where it stopped and warns.

    Raises:
        InputError: bad cuts, or no CLV scores stored yet.
        MartError: no (such) CLV scores as of the date.
        SegmintError: ``name`` is blank or names a segmentation of another kind (checked
            before any score is read).
    """
    store.check_name(mart, name, "value")
    day = parse_as_of(as_of) if as_of else latest_clv_date(mart)
    model = clv_model(mart, day, model)
    cuts = check_cuts(cuts)
    risk_cuts = check_risk_cuts(risk_cuts)
    names = tier_names(cuts)
    definition = {"model": model, "score": "clv", "cuts": list(cuts), "segments": names}
    stored = store.save(mart, name, "value", definition, day, value_tiers(mart, day, model, cuts))
    tiers = store.assignments(mart, name, day, stored.version)
    sizes = tiers.group_by("segment").aggregate(n=tiers.count()).to_pandas()
    order = [*names, store.UNASSIGNED]
    sizes_series = sizes.set_index("segment")["n"].reindex(order, fill_value=0)
    if not sizes_series[store.UNASSIGNED]:
        sizes_series = sizes_series.drop(store.UNASSIGNED)
    summary = kept_summary(mart, day)  # None: a fit, if one is made, sums the purchases
    grid, grid_value, source = value_risk_grid(
        mart, day, model, tiers, names, risk_cuts, max_iter, summary
    )
    return ValueRun(name, stored.version, day, model, sizes_series, grid, grid_value, source)
