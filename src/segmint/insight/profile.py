"""Profile a stored segmentation: size, money, behaviour, mix, features and what sets each segment apart.

:func:`profile` answers, for every segment of a stored segmentation as of a date: how many
members and what share of the base; what they are worth (see :mod:`segmint.insight.money`
for the year, revenue, margin, profit and the value ladder); how they buy (order value,
frequency, recency); what they buy and where (category revenue and channel order mix in
the year); who they are (age band, gender, region mix, and every text attribute, bands
in band order: :mod:`segmint.insight.attribute_mix`); the mean of every numeric feature
and its index against the whole base (100 = the base average); the features that most
distinguish the segment; the statistical tests of :mod:`segmint.insight.statistics`; and
which segments are too small to act on.

Every aggregate is an Ibis expression run in the engine; only per-segment results (and
the statistics sample) come back to pandas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from segmint.exceptions import SegmintError
from segmint.features.asof import AsOf, order_span
from segmint.features.build import FEATURE_COLUMNS
from segmint.insight import members as base
from segmint.insight.attribute_mix import attribute_mix
from segmint.insight.day_facts import DayFacts, day_facts
from segmint.insight.joined_members import JoinedMembers
from segmint.insight.money import (
    SUMS,
    YEAR_DAYS,
    SegmentMoney,
    ValueMeasure,
    member_value,
    rolled_money,
    segment_money,
    tidy_rollup,
)
from segmint.insight.segment_sums import OneSegmentation, PerSegment, Value
from segmint.insight.statistics import (
    MAX_CUSTOMERS,
    Moments,
    base_moments,
    compare_segments,
    feature_kinds,
    sample_frame,
)
from segmint.mart import Mart

DEMOGRAPHICS = ("age_band", "gender", "region")
"""Feature columns whose customer mix is shown per segment."""

TOP_FEATURES = 5
"""Distinguishing features kept per segment."""


@dataclass(frozen=True)
class SegmentProfile:
    """Everything :func:`profile` learnt about a segmentation as of a date.

    Attributes:
        segmentation: the stored segmentation's name.
        as_of: the date of the assignments and features; money covers the year ending then.
        by: the second dimension crossed (feature column or segmentation), if any.
        money: revenue, margin and profit per segment, portfolio and sub-segment.
        overview: one row per segment, most valuable per member first: the money columns
            plus mean ``frequency`` and ``recency_days``, ``repeat_share`` (members with
            two orders or more) and the ``too_small`` flag.
        features: one row per (segment, numeric feature): ``mean``, ``base_mean``,
            ``index`` (100 × mean / base mean) and ``smd`` (standardised mean difference,
            (mean − base mean) / base standard deviation).
        distinguishing: the ``TOP_FEATURES`` rows of ``features`` with the largest |smd|
            per segment, ranked.
        mix: one row per (segment, dimension, value): ``amount`` (customers, orders or
            revenue, named in ``measure``) and its ``share`` within the segment.
        statistics: the tests of :func:`segmint.insight.statistics.compare_segments`.
        n_tested: customers in the statistics sample; ``n_base``: customers in the base.
        small: the segments too small to act on, with the reason.
    """

    segmentation: str
    as_of: dt.date
    by: str | None
    money: SegmentMoney
    overview: pd.DataFrame
    features: pd.DataFrame
    distinguishing: pd.DataFrame
    mix: pd.DataFrame
    statistics: pd.DataFrame
    n_tested: int
    n_base: int
    small: pd.DataFrame
    history_start: dt.date | None = None
    """The first order's day when it falls after the start of the money's year: the year's
    totals and values "per year" then cover only the days from it to ``as_of``."""

    @property
    def history_days(self) -> int | None:
        """The days of orders the money's year holds when they start within it (from
        :attr:`history_start` to ``as_of``, both counted), else ``None``: a whole year."""
        if self.history_start is None:
            return None
        return (self.as_of - self.history_start).days + 1

    @property
    def sampled(self) -> bool:
        """True when the statistics ran on a sample rather than the whole base."""
        return self.n_tested < self.n_base


def period_text(history_days: int | None, per_year: str = "per year", what: str = "") -> str:
    """What values over the money's year are over, in a label: ``per_year`` (how the label
    says a year: "per year", "per member/year") for a whole year, else ``what`` "over 92
    days" (:attr:`SegmentProfile.history_days`): the year's totals then hold only those
    days and nothing is annualised, so a label saying "per year" would overstate them."""
    if history_days is None:
        return per_year
    return " ".join(part for part in (what, f"over {history_days:,} days") if part)


def profile(
    mart: Mart,
    segmentation: str,
    as_of: AsOf | None = None,
    by: str | None = None,
    *,
    cost_to_serve: float = 0.0,
    value: ValueMeasure = "revenue",
    min_share: float = 0.01,
    min_members: int = 30,
    max_customers: int = MAX_CUSTOMERS,
    random_state: int = 0,
    shared: DayFacts | None = None,
) -> SegmentProfile:
    """Profile the stored segmentation ``segmentation`` as of ``as_of``.

    Args:
        mart: the customer data mart.
        segmentation: name of a stored segmentation.
        as_of: date of stored assignments; default: the latest stored one.
        by: a feature column (e.g. ``region``) or another stored segmentation whose
            segments cross these, giving money per (segment, sub-segment).
        cost_to_serve: cost per member per year subtracted from gross margin for profit.
        value: ``"revenue"`` or ``"profit"``: what orders the value ladder.
        min_share: segments with a smaller share of the base are flagged too small.
        min_members: segments with fewer members are flagged too small.
        max_customers: largest statistics sample; random_state: its seed.
        shared: what several profiles of the date share (:mod:`segmint.insight.day_facts`).

    Raises:
        SegmintError: unknown segmentation, date or ``by``; bad parameters; ``shared``'s date.
    """
    _check_parameters(min_share, min_members, cost_to_serve)
    day = base.resolve_date(mart, segmentation, as_of)
    who = _members_of(mart, segmentation, day, shared)
    features = base.features_as_of(mart, day)
    if by is not None:
        who = base.crossed(mart, who, features, by, day)
    history_start, costs = _charged(cost_to_serve, mart, day)
    with _facts_of(mart, day, shared) as facts:
        members = (segmentation, who, features, facts, base.SUB_SEGMENT if by is not None else None)
        computed = _compute(mart, members, costs, value, max_customers, random_state)
    money, means, repeat, mix, statistics = computed
    n_base = int(money.portfolio["members"])
    overview = _overview(money.segments, means, repeat, min_share, min_members)
    return SegmentProfile(
        segmentation=segmentation,
        as_of=day,
        by=by,
        money=money,
        overview=overview,
        features=means,
        distinguishing=_in_ladder_order(top_features(means), overview),
        mix=mix,
        statistics=statistics,
        n_tested=min(n_base, max_customers),
        n_base=n_base,
        small=_small(overview, min_share, min_members),
        history_start=history_start,
    )


def _members_of(mart: Mart, segmentation: str, day: dt.date, shared: DayFacts | None) -> ir.Table:
    """The members of ``segmentation`` as of ``day``: as the date's shared facts joined them
    when they did (no statement on the mart), else the stored assignments."""
    if shared is not None and shared.as_of == day:
        return shared.members(mart, segmentation)
    return base.members(mart, segmentation, day)


def _charged(
    cost_to_serve: float, mart: Mart, day: dt.date
) -> tuple[dt.date | None, tuple[float, float]]:
    """:func:`_history_start` and the cost to serve per member per year with what is charged
    to each member: the cost for the days of orders the money's year holds when they start
    within it (90 days of orders carry 90/365 of a year's cost, as their margin is 90 days'
    margin)."""
    history_start = _history_start(mart, day)
    if history_start is None:
        return None, (cost_to_serve, cost_to_serve)
    days = max((day - history_start).days + 1, 0)  # none when the orders start after it
    return history_start, (cost_to_serve, cost_to_serve * days / YEAR_DAYS)


def _history_start(mart: Mart, day: dt.date) -> dt.date | None:
    """The first order's day when it is later than the first day of the year to ``day``."""
    first, _ = order_span(mart)
    return first if first is not None and first > day - dt.timedelta(days=YEAR_DAYS - 1) else None


def _check_parameters(min_share: float, min_members: int, cost_to_serve: float) -> None:
    """Refuse shares outside [0, 1) and negative counts or costs.

    Raises:
        SegmintError: naming every value given.
    """
    if not 0 <= min_share < 1 or min_members < 0 or cost_to_serve < 0:
        raise SegmintError(
            "min_share must be in [0, 1), min_members and cost_to_serve at least 0; got "
            f"min_share={min_share}, min_members={min_members}, cost_to_serve={cost_to_serve}"
        )


@contextmanager
def _facts_of(mart: Mart, day: dt.date, shared: DayFacts | None) -> Iterator[DayFacts]:
    """``shared`` when given (it must be of ``day``), else the facts computed for ``day``.

    Raises:
        SegmintError: ``shared`` is of another date.
    """
    if shared is not None:
        shared.check(day)
    with nullcontext(shared) if shared is not None else day_facts(mart, day) as facts:
        yield facts


Members = tuple[str, ir.Table, ir.Table, DayFacts, str | None]
"""The segmentation, its members, the date's features, the date's shared facts and the
sub-segment column (None: not crossed)."""


def _compute(
    mart: Mart,
    members: Members,
    costs: tuple[float, float],
    value: ValueMeasure,
    max_customers: int,
    random_state: int,
) -> tuple[SegmentMoney, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Money, feature means, repeat buyers' shares, mix and statistics of the members;
    ``costs``: the cost to serve per member per year and what is charged to each member
    (:func:`_charged`).

    The members' features are read from one temporary engine table (:func:`_described`):
    every aggregate below then reads it instead of re-planning the whole feature
    expression; the year's purchases come from ``facts``, already summed per customer.
    The aggregates are sums per segment (:mod:`segmint.insight.segment_sums`), of several
    segmentations at once when ``facts`` joined their members.
    Every result is sorted or aggregated here, so the engine may produce rows in any order.
    The statistical tests are pandas and SciPy work on a sample fetched first; they run in
    a second thread while the engine computes the money and mix queries (or come from
    ``facts``, computed there for several segmentations at once).
    """
    segmentation, who, features, facts, sub = members
    with (
        mart.unordered(),
        _described(who, features, facts, None if sub else segmentation) as (described, joined),
        ThreadPoolExecutor(max_workers=1) as tests,
    ):
        numeric, categorical = feature_kinds(described, base.NOT_FEATURES)
        tested = None
        per: PerSegment | None = None
        if joined is not None:  # the members as held in memory, not read from the mart again
            per = joined.sums.of(segmentation)
            tested = joined.statistics(segmentation, max_customers, random_state)
        per = OneSegmentation(described) if per is None else per
        if tested is None:
            sampled = sample_frame(described, max_customers, random_state)
            tested = tests.submit(compare_segments, sampled, numeric, categorical).result
        cost_to_serve, charged = costs
        if sub is None:
            rolled = tidy_rollup(_money_sums(per, facts, charged), ["segment"])
            money = rolled_money(rolled, facts.as_of, cost_to_serve, value)
        else:
            valued = member_value(who, facts.value, charged)
            money = segment_money(valued, facts.as_of, cost_to_serve, value, sub)
        whole = None if joined is None else joined.base_moments(segmentation, numeric)
        means, repeat = feature_means(per, numeric, whole, described)
        attributes = [c for c in features.columns if c not in FEATURE_COLUMNS]
        mix = pd.concat(
            [
                demographic_mix(per, described.columns),
                attribute_mix(per, described.schema(), attributes, facts.bands),
                activity_mix(per, facts),
            ],
            ignore_index=True,
        )
        statistics = tested()  # waited for last: the tests run while the engine works
    return money, means, repeat, mix, statistics


@contextmanager
def _described(
    who: ir.Table, features: ir.Table, facts: DayFacts, segmentation: str | None
) -> Iterator[tuple[ir.Table, JoinedMembers | None]]:
    """The members ``who`` (of ``segmentation``; None: crossed with a second dimension) with
    their features: from ``facts`` when it joined them for several segmentations (with
    their tests and base figures, also given), else joined now into a temporary table."""
    joined = facts.joined
    if segmentation is not None and joined is not None and segmentation in joined.columns:
        yield joined.described(segmentation), joined
        return
    with base.with_features(who, features).cache() as described:
        yield described, None


def _money_sums(per: PerSegment, facts: DayFacts, charged: float) -> pd.DataFrame:
    """The members' money of the year (:func:`member_value`, ``charged`` to each) summed per
    segment."""
    return per.sums(
        ("money", charged),
        lambda valued: {c: valued[c].sum() for c in SUMS},
        lambda members, keys: member_value(
            members.select("customer_id", *keys), facts.value, charged
        ),
    )


def feature_means(
    per: PerSegment, numeric: list[str], whole: Moments | None, table: ir.Table
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per segment and numeric feature: mean, base mean, index (base = 100) and SMD; and
    per segment, ``repeat_share``: the share of members with two orders or more (mean days
    between orders describe only them, so they speak for a segment only when it is mostly
    repeat buyers).

    The means are each segment's sums over its counts (:mod:`segmint.insight.segment_sums`);
    the base's mean and standard deviation are ``whole`` when already computed for these
    members, else computed over ``table`` (the members with their features). The index is
    undefined (NaN) when the base mean is 0; the SMD when the base does not vary.
    """
    columns = ["segment", "feature", "mean", "base_mean", "index", "smd"]

    def measures(table: ir.Table) -> dict[str, ir.Value]:
        repeat = (table.frequency >= 2).cast("float64")
        sums = {"repeat": repeat.sum(), "repeat_n": repeat.count()}
        for i, column in enumerate(numeric):
            value = table[column].cast("float64")
            sums |= {f"sum_{i}": value.sum(), f"n_{i}": value.count()}
        return sums

    sums = per.sums(("features", tuple(numeric)), measures)
    repeat = sums[["segment"]].assign(repeat_share=_ratio(sums["repeat"], sums["repeat_n"]))
    if not numeric:
        return pd.DataFrame(columns=columns), repeat
    per_segment = sums[["segment"]].assign(
        **{c: _ratio(sums[f"sum_{i}"], sums[f"n_{i}"]) for i, c in enumerate(numeric)}
    )
    whole = whole if whole is not None else base_moments(table, numeric)
    long = per_segment.melt(id_vars="segment", var_name="feature", value_name="mean")
    long["mean"] = long["mean"].astype("float64")
    long["base_mean"] = long.feature.map({c: whole[c][0] for c in numeric}).astype("float64")
    spread = long.feature.map({c: whole[c][1] for c in numeric}).astype("float64")
    spread = spread.replace(0.0, np.nan)
    long["index"] = 100 * long["mean"] / long["base_mean"].replace(0.0, np.nan)
    long["smd"] = (long["mean"] - long["base_mean"]) / spread
    ordered: pd.DataFrame = long.sort_values(["segment", "feature"]).reset_index(drop=True)
    return ordered[columns], repeat


def _ratio(sums: pd.Series, counts: pd.Series) -> pd.Series:
    """A mean from its sum and count, as float; NaN when nothing was counted."""
    return sums.astype("float64") / counts.astype("float64").replace(0.0, np.nan)


def top_features(means: pd.DataFrame, n: int = TOP_FEATURES) -> pd.DataFrame:
    """The ``n`` features with the largest absolute SMD per segment, ranked from 1; equal
    ones by name. Equal means equal to 12 decimals: two features of the same SMD computed
    by sums in another order (the engine's threads add in any order) differ in the last
    bits, which must not decide their order."""
    known = means.dropna(subset=["smd"]).assign(size=lambda f: f.smd.abs().round(12))
    top = known.sort_values(["segment", "size", "feature"], ascending=[True, False, True])
    top = top.groupby("segment", sort=False).head(n).drop(columns="size")
    top.insert(1, "rank", top.groupby("segment").cumcount() + 1)
    return top.reset_index(drop=True)


def demographic_mix(per: PerSegment, columns: list[str]) -> pd.DataFrame:
    """Customer counts and shares per segment for each of :data:`DEMOGRAPHICS` among the
    members' ``columns``."""
    frames = []
    for dimension in (d for d in DEMOGRAPHICS if d in columns):
        counts = per.sums(
            ("members by", dimension),
            lambda table: {"amount": table.count()},
            value=_as_text(dimension),
        )
        frames.append(_shares(counts, dimension, "customers"))
    return pd.concat(frames, ignore_index=True) if frames else _shares(None, "", "")


def _as_text(column: str) -> Value:
    """The members' ``column`` as text, ``unknown`` when missing."""
    return lambda table: table[column].cast("string").fill_null(base.UNKNOWN)


def activity_mix(per: PerSegment, facts: DayFacts) -> pd.DataFrame:
    """Per segment: revenue by product category and orders by channel, in the year ending at
    ``facts.as_of`` (the per-customer sums of ``facts`` added up over each segment's
    members)."""
    categories = per.sums(
        "revenue by category",
        lambda bought: {"amount": bought.revenue.sum()},
        lambda members, keys: facts.spend.join(members.select("customer_id", *keys), "customer_id"),
        lambda bought: bought.category.fill_null(base.UNKNOWN),
    )
    channels = per.sums(
        "orders by channel",
        lambda ordered: {"amount": ordered.orders.sum()},
        lambda members, keys: facts.channels.join(
            members.select("customer_id", *keys), "customer_id"
        ),
        lambda ordered: ordered.channel,
    )
    return pd.concat(
        [_shares(categories, "category", "revenue"), _shares(channels, "channel", "orders")],
        ignore_index=True,
    )


def _shares(counts: pd.DataFrame | None, dimension: str, measure: str) -> pd.DataFrame:
    """Long mix rows with each value's share of its segment's total, largest first."""
    columns = ["segment", "dimension", "value", "measure", "amount", "share"]
    if counts is None or not len(counts):
        return pd.DataFrame(columns=columns)
    frame = counts.assign(dimension=dimension, measure=measure)
    frame["amount"] = frame["amount"].astype("float64")
    total = frame.groupby("segment")["amount"].transform("sum").replace(0.0, np.nan)
    frame["share"] = frame["amount"] / total
    frame = frame.sort_values(["segment", "amount", "value"], ascending=[True, False, True])
    return frame[columns].reset_index(drop=True)


def _overview(
    segments: pd.DataFrame,
    means: pd.DataFrame,
    repeat: pd.DataFrame,
    min_share: float,
    min_members: int,
) -> pd.DataFrame:
    """The money ladder with mean frequency and recency, the share of repeat buyers and
    the ``too_small`` flag."""
    wide = means[means.feature.isin(["frequency", "recency_days"])].pivot(
        index="segment", columns="feature", values="mean"
    )
    result = segments.merge(wide, left_on="segment", right_index=True, how="left")
    result = result.merge(repeat, on="segment", how="left")
    for name in ("frequency", "recency_days", "repeat_share"):
        if name not in result:
            result[name] = np.nan
    result["too_small"] = (result.share_of_base < min_share) | (result.members < min_members)
    return result


def _in_ladder_order(frame: pd.DataFrame, overview: pd.DataFrame) -> pd.DataFrame:
    """``frame``'s rows with segments in the order of the value ladder (most valuable first)."""
    rank = dict(zip(overview.segment, overview.value_rank, strict=True))
    ordered = frame.assign(_rank=frame.segment.map(rank)).sort_values(["_rank", "rank"])
    return ordered.drop(columns="_rank").reset_index(drop=True)


def _small(overview: pd.DataFrame, min_share: float, min_members: int) -> pd.DataFrame:
    """The segments too small to act on, each with a sentence saying which threshold it misses."""
    small = overview.loc[overview.too_small, ["segment", "members", "share_of_base"]]
    reasons = []
    for members, share in zip(small.members, small.share_of_base, strict=True):
        missed = []
        if share < min_share:
            missed.append(f"{share:.1%} of the base is below {min_share:.1%}")
        if members < min_members:
            missed.append(f"{members} members is below {min_members}")
        reasons.append("; ".join(missed))
    return small.assign(reason=reasons).reset_index(drop=True)
