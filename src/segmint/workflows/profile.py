"""Use cases that explain a stored segmentation: its profile, personas and migration.

They read stored assignments only and never recompute a segmentation. ``segmint profile``,
``segmint persona``, ``segmint migration``, the dashboard (:mod:`segmint.views.dashboard`)
and :class:`segmint.workspace.Workspace` call these functions (the computations are
:mod:`segmint.insight`), so they give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from segmint.features.asof import AsOf
from segmint.insight import Migration, SegmentProfile
from segmint.insight import migration as migration_between
from segmint.insight import profile as profile_of
from segmint.insight.day_facts import DayFacts
from segmint.insight.money import ValueMeasure
from segmint.insight.personas import PersonaCard, personas_from_profile
from segmint.insight.segment_alive import segment_p_alive
from segmint.insight.segment_cancelled import segment_cancelled
from segmint.mart import Mart


@dataclass(frozen=True)
class ProfileOptions:
    """How ``segmint profile`` profiles.

    Attributes:
        by: a feature column (e.g. ``region``) or another stored segmentation whose
            segments cross these, giving money per (segment, sub-segment).
        cost_to_serve: cost per member per year subtracted from gross margin for profit.
        value: ``"revenue"`` or ``"profit"``: what orders the value ladder.
        min_share: segments with a smaller share of the base are flagged too small.
        min_members: segments with fewer members are flagged too small.
    """

    by: str | None = None
    cost_to_serve: float = 0.0
    value: ValueMeasure = "revenue"
    min_share: float = 0.01
    min_members: int = 30


def profile(
    mart: Mart,
    segmentation: str,
    as_of: AsOf | None = None,
    options: ProfileOptions | None = None,
    shared: DayFacts | None = None,
) -> SegmentProfile:
    """Money, behaviour, features and statistics of every segment of ``segmentation``.

    Args:
        as_of: date of stored assignments; default: the latest stored one.
        shared: what several profiles of the same date share
            (:func:`segmint.insight.day_facts.day_facts`).

    Raises:
        SegmintError: unknown segmentation, date or ``by``; invalid options.
    """
    o = options or ProfileOptions()
    return profile_of(
        mart,
        segmentation,
        as_of,
        o.by,
        cost_to_serve=o.cost_to_serve,
        value=o.value,
        min_share=o.min_share,
        min_members=o.min_members,
        shared=shared,
    )


def personas(
    mart: Mart, segmentation: str, as_of: AsOf | None = None, *, min_share: float = 0.01
) -> list[PersonaCard]:
    """Persona cards of every segment of ``segmentation`` as of ``as_of``, most valuable
    first, with each segment's mean P(alive) when CLV scores are stored for the date."""
    described = profile(mart, segmentation, as_of, ProfileOptions(min_share=min_share))
    day = described.as_of
    return personas_from_profile(
        described,
        segment_p_alive(mart, segmentation, day),
        segment_cancelled(mart, segmentation, day),
    )


def migration(mart: Mart, segmentation: str, from_date: AsOf, to_date: AsOf) -> Migration:
    """How customers of ``segmentation`` moved between segments from one stored date to another.

    Raises:
        SegmintError: the dates are not in order.
        MartError: unknown segmentation, or a date with no stored results.
    """
    return migration_between(mart, segmentation, from_date, to_date)
