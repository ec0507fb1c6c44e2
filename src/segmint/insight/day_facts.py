"""What every profile of a date shares, computed once for all of them.

A profile (:mod:`segmint.insight.profile`) needs three per-customer summaries of the year
ending at its date: spend per product category (:func:`segmint.insight.money.year_spend`,
the sum of the year's order lines), the year's money
(:func:`segmint.insight.money.customer_value`) and orders per channel; and the bands of
the text attributes known then (:func:`segmint.features.bands.attribute_bands`). None
depends on the segmentation, only on the date, so :func:`day_facts` computes them once
(the summaries into temporary engine tables) and any number of profiles of that date use
them. At a million customers the year's 16 million lines are then summed once for the
dashboard's four segmentations instead of four times. Given the segmentations to profile,
their members are also joined with the date's features once for all of them, and the
tests of those that cover every customer run on one sample
(:mod:`segmint.insight.joined_members`), and the customers who cancelled every order are
found once (:func:`segmint.features.orders.cancelled_only`) for the personas of them all:
the personas then read each segmentation's members from the joined table
(:meth:`DayFacts.members`) instead of the mart's assignments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

import ibis.expr.types as ir

from segmint.exceptions import SegmintError
from segmint.features.bands import Band, attribute_bands
from segmint.features.orders import cancelled_only, purchase_orders
from segmint.insight.joined_members import JoinedMembers, joined_members
from segmint.insight.members import UNKNOWN, features_as_of
from segmint.insight.money import customer_value, year_spend, year_start
from segmint.insight.segment_sums import OneSegmentation, PerSegment
from segmint.mart import Mart
from segmint.segmentation import store


@dataclass(frozen=True)
class DayFacts:
    """What the profiles as of ``as_of`` share.

    Attributes:
        as_of: the date; the year is the one ending then.
        spend: :func:`~segmint.insight.money.year_spend`: per customer and category.
        value: :func:`~segmint.insight.money.customer_value`: per customer who bought.
        channels: per customer and channel (lower case, trimmed, ``unknown`` when
            missing): ``orders``, the year's purchase orders.
        bands: :func:`~segmint.features.bands.attribute_bands` as of the date.
        joined: the members of the segmentations given with their features, when given.
        cancelled: ``customer_id`` of those who ordered and cancelled every order by the
            date, when segmentations are given (their personas ask).
    """

    as_of: dt.date
    spend: ir.Table
    value: ir.Table
    channels: ir.Table
    bands: dict[str, Band]
    joined: JoinedMembers | None = None
    cancelled: ir.Table | None = None

    def check(self, day: dt.date) -> None:
        """Refuse facts of another date than ``day``, the date the caller computes for.

        Raises:
            SegmintError: the facts are as of another date.
        """
        if self.as_of != day:
            raise SegmintError(f"the shared facts given are as of {self.as_of}, not {day}")

    def members(self, mart: Mart, segmentation: str) -> ir.Table:
        """``customer_id`` and ``segment`` of the members of ``segmentation`` as of the
        date: from the joined table when it holds them, else the mart's assignments."""
        joined = self.joined
        if joined is not None and segmentation in joined.columns:
            return joined.described(segmentation).select("customer_id", "segment")
        return store.assignments(mart, segmentation, self.as_of)

    def per_segment(self, mart: Mart, segmentation: str) -> PerSegment:
        """Sums per segment of the members of ``segmentation`` as of the date: with the
        other segmentations joined at once when the joined table holds it, else of its own
        members (:meth:`members`)."""
        joined = self.joined
        found = None if joined is None else joined.sums.of(segmentation)
        return OneSegmentation(self.members(mart, segmentation)) if found is None else found

    def cancelled_only(self, mart: Mart) -> ir.Table:
        """``customer_id`` of those who ordered and cancelled every order by the date."""
        return cancelled_only(mart, self.as_of) if self.cancelled is None else self.cancelled


def channel_orders(mart: Mart, as_of: dt.date) -> ir.Table:
    """Per customer and channel: the purchase orders of the year ending at ``as_of``."""
    year = purchase_orders(mart, as_of, year_start(as_of))
    channel = year.channel.lower().strip().fill_null(UNKNOWN)
    return year.group_by(["customer_id", channel.name("channel")]).aggregate(orders=year.count())


@contextmanager
def day_facts(
    mart: Mart, as_of: dt.date, segmentations: list[str] | None = None
) -> Iterator[DayFacts]:
    """The :class:`DayFacts` of ``as_of``, its tables temporary in the engine (dropped on
    exit); with ``segmentations``, their members joined with the date's features once."""
    with (
        mart.unordered(),
        year_spend(mart, as_of).cache() as spend,
        customer_value(mart, as_of, spend).cache() as value,
        channel_orders(mart, as_of).cache() as channels,
        joined_members(mart, as_of, segmentations, features_as_of(mart, as_of))
        if segmentations
        else nullcontext() as joined,
        cancelled_only(mart, as_of).cache() if segmentations else nullcontext() as cancelled,
    ):
        bands = attribute_bands(mart, as_of)
        yield DayFacts(as_of, spend, value, channels, bands, joined, cancelled)
