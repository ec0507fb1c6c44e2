"""RFM segmentation: recency, frequency and monetary scores and the named segment map.

Each buyer gets an R, F and M score from 1 to ``bins`` (5 by default) by quantile of
``recency_days`` (fewer days is better), ``frequency`` and ``monetary_total`` among all
buyers as of the date, computed in the engine. Scores use the *percent rank* of each value,
``pr = (rank_min - 1) / (n - 1)``, and ``score = min(bins, 1 + floor(pr * bins))``: equal
values always share one score (ties go to the lower bin of the tie), so the result does
not depend on row order. The RFM cell is the three digits (``"545"``); the named segment
comes from the map in :file:`rfm_map.yaml` (R score × FM score, the rounded mean of F and
M), tried in order. Customers who have not bought yet are ``Prospect``, unless they ordered
and cancelled every order: those are ``Cancelled only``.

Reference: Hughes, A. M. (1994), *Strategic Database Marketing*, for RFM scoring; the
segment names follow the widely used 11-segment RFM map.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import ibis
import yaml

from segmint.exceptions import SegmintError
from segmint.yaml_files import load_yaml

PROSPECT = "Prospect"
CANCELLED_ONLY = "Cancelled only"
"""The segment of customers without a purchase who ordered and cancelled every order
(:func:`segmint.features.orders.cancelled_only`): they are no prospects."""
_SCALE = 5


@dataclass(frozen=True)
class SegmentRule:
    """One named cell range of the RFM map: R and FM score ranges (inclusive, on 1-5)."""

    name: str
    r: tuple[int, int]
    fm: tuple[int, int]
    action: str = ""


def _map_text(path: Path | None) -> str:
    """The text of the map file at ``path`` (UTF-8, whatever the locale), or of the shipped map.

    Raises:
        SegmintError: ``path`` cannot be read or is not UTF-8 text.
    """
    if path is None:
        shipped = resources.files("segmint.segmentation").joinpath("rfm_map.yaml")
        return shipped.read_text(encoding="utf-8")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SegmintError(f"cannot read RFM map file {path}: {exc}") from exc


def load_map(path: Path | None = None) -> list[SegmentRule]:
    """The RFM segment map from ``path``, or the shipped 11-segment map.

    Raises:
        DuplicateKeyError: a mapping of the file repeats a key (its line and key named).
        SegmintError: the file cannot be read (missing, unreadable, not UTF-8: the message
            names it, as for a rules file), is not a list of segments with ``name``, ``r``
            and ``fm`` ranges, or the ranges leave a cell of the 5 × 5 grid without a segment.
    """
    text = _map_text(path)
    where = str(path or "the shipped RFM map")
    try:
        data: Any = load_yaml(text, where)
        rules = [
            SegmentRule(str(s["name"]), _range(s["r"]), _range(s["fm"]), str(s.get("action", "")))
            for s in data["segments"]
        ]
    except (yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise SegmintError(
            f"{where}: expected `segments:` with entries like "
            f"{{name: Champions, r: [4, 5], fm: [4, 5]}}; {type(exc).__name__}: {exc}"
        ) from None
    uncovered = [
        (r, fm)
        for r in range(1, _SCALE + 1)
        for fm in range(1, _SCALE + 1)
        if not any(rule.r[0] <= r <= rule.r[1] and rule.fm[0] <= fm <= rule.fm[1] for rule in rules)
    ]
    if uncovered:
        raise SegmintError(f"{where}: no segment covers the (R, FM) cells {uncovered}")
    return rules


def _range(value: Any) -> tuple[int, int]:
    low, high = (int(v) for v in value)
    if not 1 <= low <= high <= _SCALE:
        raise ValueError(f"range {value} must be within 1..{_SCALE}, low ≤ high")
    return low, high


def score(values: ibis.NumericValue, bins: int, higher_is_better: bool = True) -> ibis.IntegerValue:
    """Quantile score 1..``bins`` of ``values`` among the rows it is evaluated over.

    Equal values share a score (percent rank of the lowest tied rank); NULLs get NULL.
    """
    order = values if higher_is_better else values.negate()
    rank = ibis.rank().over(order_by=order)  # 0-based minimum rank
    n = values.count().over()
    pr = (n > 1).ifelse(rank.cast("float64") / (n - 1).cast("float64"), 1.0)
    result: ibis.IntegerValue = ibis.least(bins, 1 + (pr * bins).floor()).cast("int32")
    return result


def rfm_scores(features: ibis.Table, bins: int = 5) -> ibis.Table:
    """``customer_id``, ``r_score``, ``f_score``, ``m_score``, ``rfm_cell`` of every buyer.

    Args:
        features: one row per customer with ``customer_id``, ``recency_days``, ``frequency``
            and ``monetary_total`` (see :mod:`segmint.features`).
        bins: number of score levels (2-10).
    """
    if not 2 <= bins <= 10:
        raise SegmintError(f"bins must be between 2 and 10; got {bins}")
    buyers = features.filter(features.frequency > 0)
    scored = buyers.select(
        "customer_id",
        r_score=score(buyers.recency_days, bins, higher_is_better=False),
        f_score=score(buyers.frequency, bins),
        m_score=score(buyers.monetary_total, bins),
    )
    return scored.mutate(
        rfm_cell=scored.r_score.cast("string")
        + scored.f_score.cast("string")
        + scored.m_score.cast("string")
    )


def rfm_segments(
    features: ibis.Table,
    bins: int = 5,
    rules: list[SegmentRule] | None = None,
    cancelled: ibis.Table | None = None,
) -> ibis.Table:
    """Every customer with scores and a named segment: ``Prospect`` for those without
    purchases, ``Cancelled only`` for those of them in ``cancelled`` (``customer_id`` of
    the customers who ordered and cancelled every order).

    Scores with ``bins`` other than 5 are rescaled linearly to 1-5 for the map
    (``1 + round((score - 1) * 4 / (bins - 1))``), so the lowest score stays 1 and the top is 5.
    """
    rules = rules or load_map()
    scores = rfm_scores(features, bins)
    r5 = _rescale(scores.r_score, bins)
    fm5 = _rescale(((scores.f_score + scores.m_score) / 2.0 + 0.5).floor().cast("int32"), bins)
    cases = [(r5.between(*rule.r) & fm5.between(*rule.fm), rule.name) for rule in rules]
    named = scores.mutate(segment=ibis.cases(*cases, else_=ibis.null("string")))
    everyone = features.select("customer_id").left_join(named, "customer_id")
    unscored = without_purchases(everyone, cancelled, PROSPECT, CANCELLED_ONLY)
    return everyone.select(
        "customer_id",
        "r_score",
        "f_score",
        "m_score",
        "rfm_cell",
        segment=everyone.segment.coalesce(unscored),
    )


def without_purchases(
    customers: ibis.Table, cancelled: ibis.Table | None, prospect: str, cancelled_only: str
) -> ibis.StringValue:
    """The label of a customer of ``customers`` without purchases: ``cancelled_only`` when
    the customer is in ``cancelled`` (None: nobody is), else ``prospect``."""
    if cancelled is None:
        return ibis.literal(prospect)
    ids = cancelled.select(_cancelled_id="customer_id").distinct()
    label: ibis.StringValue = customers.customer_id.isin(ids._cancelled_id).ifelse(
        cancelled_only, prospect
    )
    return label


def _rescale(value: ibis.IntegerValue, bins: int) -> ibis.IntegerValue:
    if bins == _SCALE:
        return value
    result: ibis.IntegerValue = (1 + ((value - 1) * (_SCALE - 1) / (bins - 1)).round()).cast(
        "int32"
    )
    return result
