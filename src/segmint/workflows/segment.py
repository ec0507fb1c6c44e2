"""Use cases: RFM, lifecycle stages and rules, each run as of a date and stored.

The CLI, the Python API (:class:`segmint.workspace.Workspace`) and ``segmint demo`` call
these functions, so they give the same numbers. Each segmentation run computes as of one
date, from data up to that date only, and stores one segment per customer (see
:mod:`segmint.segmentation.store`).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from segmint.exceptions import MartError, SegmintWarning
from segmint.features.asof import AsOf, checked_as_of
from segmint.features.attributes import attribute_columns
from segmint.features.bands import Band, rule_bands
from segmint.features.build import FEATURE_COLUMNS
from segmint.features.orders import cancelled_only
from segmint.mart import Mart
from segmint.segmentation import store
from segmint.segmentation.lifecycle import (
    STAGES,
    default_thresholds,
    lifecycle_stages,
)
from segmint.segmentation.rfm import (
    CANCELLED_ONLY,
    PROSPECT,
    SegmentRule,
    load_map,
    rfm_segments,
)
from segmint.segmentation.rules import (
    RuleSet,
    Segment,
    assign,
    compile_rules,
    load_rules,
    located,
    referenced_columns,
    with_segmentations,
)
from segmint.segmentation.rules_hints import case_variants
from segmint.workflows.features import Step, features_for, features_key

RFM_COLUMNS = ("recency_days", "frequency", "monetary_total")
"""What RFM scores read: only these groups are built for it."""

LIFECYCLE_COLUMNS = (
    *RFM_COLUMNS,
    "tenure_days",
    "interpurchase_mean_days",
    "previous_gap_days",
    "prior_cadence_days",
)
"""What lifecycle stages read: RFM's columns, the tenure and the cadence."""


@dataclass(frozen=True)
class SegmentationRun:
    """What one run stored: which segmentation, version and date, and how many per segment.

    Attributes:
        name: segmentation name.
        version: definition version it was stored under.
        as_of: the date it was computed as of.
        sizes: segment → members, in the segmentation's own segment order.
        details: parameters worth showing (thresholds, bins…).
    """

    name: str
    version: int
    as_of: dt.date
    sizes: pd.Series
    details: dict[str, Any] = field(default_factory=dict)


def run_rfm(
    mart: Mart,
    as_of: AsOf | None = None,
    *,
    bins: int = 5,
    map_path: Path | None = None,
    name: str = "rfm",
    features: ibis.Table | None = None,
    step: Step | None = None,
    segment_map: list[SegmentRule] | None = None,
) -> SegmentationRun:
    """RFM scores and named segments for every customer, stored as ``name``; the map is
    ``segment_map`` when given (a stored definition's), else read from ``map_path``.

    Raises:
        SegmintError: ``name`` is blank or names a segmentation of another kind (checked
            before any feature is built).
    """
    store.check_name(mart, name, "rfm")
    key_of = features is None  # features handed in have no data key: always stored afresh
    day, features = features_for(mart, as_of, features, RFM_COLUMNS, step)
    key = features_key(mart, day, RFM_COLUMNS) if key_of else None
    rules = segment_map or load_map(map_path)
    segments = rfm_segments(features, bins, rules, cancelled_only(mart, day))
    names = [r.name for r in rules] + [PROSPECT, CANCELLED_ONLY]
    definition = {
        "bins": bins,
        "map": [
            {"name": r.name, "r": list(r.r), "fm": list(r.fm), "action": r.action} for r in rules
        ],
        "segments": names,
    }
    stored = store.save(mart, name, "rfm", definition, day, segments, key)
    return SegmentationRun(
        name, stored.version, day, segment_sizes(mart, name, day, names), {"bins": bins}
    )


def run_lifecycle(
    mart: Mart,
    as_of: AsOf | None = None,
    *,
    name: str = "lifecycle",
    features: ibis.Table | None = None,
    step: Step | None = None,
    **thresholds: Any,
) -> SegmentationRun:
    """Lifecycle stages for every customer, stored as ``name``; thresholds default from the data.

    Raises:
        SegmintError: ``name`` is blank or names a segmentation of another kind (checked
            before any feature is built).
        AdvisedInputError: a threshold out of range
            (:func:`segmint.segmentation.lifecycle.default_thresholds`).
    """
    # The definition holds what the user chose; thresholds left to the data are re-derived
    # at each date, so runs on different dates share one version and can be compared.
    given = {k: v for k, v in thresholds.items() if v is not None}
    return _lifecycle(mart, as_of, name, features, step, given, given)


READ_AS_ONE = {
    "loyal_orders": "every active customer has an order",
    "typical_cadence_days": "every cadence is read as one day at least",
}
"""Thresholds an older version stored below 1, refused since, and why 1 means the same."""


def rerun_lifecycle(
    mart: Mart,
    as_of: AsOf | None,
    *,
    name: str,
    stored: Mapping[str, Any],
    features: ibis.Table | None = None,
) -> SegmentationRun:
    """Lifecycle stages stored again under ``name``'s definition, whose thresholds are
    ``stored`` (``segmint refresh``).

    Older versions stored a ``loyal_orders`` or ``typical_cadence_days`` below 1 (refused
    since); each gave the stages 1 gives (:data:`READ_AS_ONE`), so it is read as 1 with
    a warning per setting, and the definition is kept as stored: the refreshed stages stay in the
    same version, comparable with the earlier dates.

    Raises:
        AdvisedInputError: another threshold out of range.
    """
    read = dict(stored)
    for key, why in READ_AS_ONE.items():
        value = read.get(key)
        if isinstance(value, int | float) and value < 1:
            warnings.warn(
                f"lifecycle {name!r} was stored with {key} {value}, refused since; read as 1, "
                f"which gives the same stages ({why})",
                SegmintWarning,
                stacklevel=2,
            )
            read[key] = 1
    return _lifecycle(mart, as_of, name, features, None, read, dict(stored))


def _lifecycle(
    mart: Mart,
    as_of: AsOf | None,
    name: str,
    features: ibis.Table | None,
    step: Step | None,
    thresholds: dict[str, Any],
    given: dict[str, Any],
) -> SegmentationRun:
    """Lifecycle stages with ``thresholds`` (the rest from the data), stored as ``name``
    under the definition's ``given`` thresholds."""
    store.check_name(mart, name, "lifecycle")
    key_of = features is None
    day, features = features_for(mart, as_of, features, LIFECYCLE_COLUMNS, step)
    key = features_key(mart, day, LIFECYCLE_COLUMNS) if key_of else None
    chosen = default_thresholds(features, **thresholds)
    stages = lifecycle_stages(features, chosen, cancelled_only(mart, day))
    definition = {"thresholds": given, "segments": list(STAGES)}
    stored = store.save(mart, name, "lifecycle", definition, day, stages, key)
    return SegmentationRun(
        name, stored.version, day, segment_sizes(mart, name, day, list(STAGES)), chosen.as_dict()
    )


def run_rules(
    mart: Mart,
    name: str,
    rules: Path | str,
    as_of: AsOf | None = None,
    *,
    features: ibis.Table | None = None,
    step: Step | None = None,
) -> SegmentationRun:
    """Segments from a rules file (first match wins), stored as ``name``.

    A condition may name a feature or attribute column, or another stored segmentation
    (``rfm = 'Champions'``): those are joined from their results as of the same date.

    Raises:
        RuleError: the rules do not parse, or name a column that is neither a feature nor
            a stored segmentation.
        MartError: a named segmentation has no results as of the date; the message names
            the rules file, the line and the segment that names it.
        SegmintError: ``name`` is blank or names a segmentation of another kind (checked
            before any feature is built).
    """
    store.check_name(mart, name, "rules")
    ruleset = load_rules(rules)
    known = set(store.segmentations(mart).segmentation.execute())
    day = checked_as_of(mart, as_of)
    usable = rule_columns(mart, day, known)
    # only the groups of the feature and attribute columns the rules name are built
    named = sorted(ruleset.referenced_columns() - (known - set(FEATURE_COLUMNS)))
    # a built-in name may hide a band stored as ``<name>_attr`` (``age``): build attributes too
    named += [f"{column}_attr" for column in named if column in FEATURE_COLUMNS]
    day, features = features_for(mart, day, features, named, step)
    others = sorted(ruleset.referenced_columns() - set(features.columns))
    joined = {
        other: _named_results(mart, ruleset, other, day) for other in others if other in known
    }
    table = with_segmentations(features, joined)
    bands = rule_bands(mart, day)
    segments = assign(ruleset, table, bands=bands, columns=usable)
    definition = ruleset.definition()
    stored = store.save(mart, name, "rules", definition, day, segments)
    sizes = segment_sizes(mart, name, day, ruleset.names, keep_empty=True)
    _warn_empty(ruleset, table, sizes, day, bands)
    return SegmentationRun(name, stored.version, day, sizes)


def _named_results(mart: Mart, ruleset: RuleSet, other: str, day: dt.date) -> ibis.Table:
    """The stored results of segmentation ``other`` as of ``day``, which a rule of ``ruleset``
    names (a hybrid rule).

    Raises:
        MartError: ``other`` has no results as of ``day``; the message names the rules file,
            the line and the first segment whose condition names it, so the user knows which
            rule asked for it.
    """
    try:
        return store.assignments(mart, other, day)
    except MartError as exc:
        first = next(s for s in ruleset.segments if other in referenced_columns(s.condition))
        raise MartError(
            f"{located(ruleset.origin, first.line)}segment '{first.name}' names segmentation "
            f"'{other}': {exc}; run '{other}' as of {day.isoformat()} first, or run these "
            "rules as of one of its dates"
        ) from exc


def _warn_empty(
    ruleset: RuleSet, table: ibis.Table, sizes: pd.Series, day: dt.date, bands: Mapping[str, Band]
) -> None:
    """Warn about each segment with a condition that got nobody, saying why: its condition
    matches nobody (a misspelt value, text in the wrong case), or every customer it matches
    met an earlier segment's condition first (first match wins). Costs one query, and only
    when a segment is empty."""
    empty = [s for s in ruleset.segments if sizes.get(s.name, 0) == 0]
    if not empty:
        return
    conditions = compile_rules(RuleSet(tuple(empty)), table, bands)
    counts = table.aggregate(
        [
            c.fill_null(False).cast("int64").sum().name(f"n{i}")
            for i, (_, c) in enumerate(conditions)
        ]
    ).execute()
    for i, segment in enumerate(empty):
        alone = counts[f"n{i}"].iloc[0]
        matched = 0 if pd.isna(alone) else int(alone)
        why = (
            f"the {matched:,} customers its condition matches all met an earlier segment's "
            "condition first (the first match wins); move it above those or narrow them"
            if matched
            else f"no customer meets its condition `{segment.where}`; {_nobody(segment, table)}"
        )
        warnings.warn(
            f"segment '{segment.name}' has no members as of {day.isoformat()}: {why}",
            SegmintWarning,
            stacklevel=3,
        )


def _nobody(segment: Segment, table: ibis.Table) -> str:
    """What to check in a condition that matches nobody: the values of a text column that
    its comparisons match ignoring case, when there are (one small query per comparison)."""
    found = case_variants(segment.condition, table)
    if not found:
        return "check the values (text is compared exactly, case included) and the columns' types"
    named = "; ".join(f"{v.describe()} (the condition has {v.written})" for v in found)
    return f"{named}: text is compared exactly, case included, so write it as the data do"


def rule_columns(mart: Mart, day: dt.date, segmentations: Iterable[str]) -> list[str]:
    """Every column a rule could name as of ``day``: the feature columns of every group,
    the customer attributes (one small query for their names) and the stored segmentations.

    Only the groups a ruleset names are built; this list lets a misspelt column's message
    suggest and list what exists without building the rest.
    """
    attributes = attribute_columns(mart, day, reserved=FEATURE_COLUMNS)
    return sorted({*FEATURE_COLUMNS, *(a.column for a in attributes), *segmentations})


def segment_sizes(
    mart: Mart, name: str, day: dt.date, order: list[str], *, keep_empty: bool = False
) -> pd.Series:
    """Members per segment of ``name`` as of ``day``: ``order`` first, other segments after.

    With ``keep_empty`` every segment of ``order`` is listed, 0 for one nobody is in (the
    segments of a rules file are the user's own, so an empty one is news, not noise).
    """
    rows = store.assignments(mart, name, day)
    counts = rows.group_by("segment").aggregate(members=rows.count()).execute()
    sizes = counts.set_index("segment")["members"]
    known = order if keep_empty else [s for s in order if s in sizes.index]
    rest = sorted(s for s in sizes.index if s not in known)
    ordered: pd.Series = sizes.reindex(known + rest).fillna(0).astype(int)
    return ordered
