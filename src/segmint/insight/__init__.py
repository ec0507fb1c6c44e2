"""Understanding segments: profiles, money, statistics and migration over time.

Everything here reads stored segmentations (:mod:`segmint.segmentation.store`) and
computes in the engine; only per-segment results come back as pandas frames.

Example:
    >>> import segmint
    >>> from segmint.insight import migration, profile
    >>> mart = segmint.connect("segmint.duckdb")  # doctest: +SKIP
    >>> profile(mart, "rfm").overview  # doctest: +SKIP
    >>> migration(mart, "rfm", "2024-03-31", "2024-06-30").top_flows()  # doctest: +SKIP
"""

from segmint.insight.migration import ENTERED, LEFT, Migration, migration
from segmint.insight.money import SegmentMoney, value_ladder
from segmint.insight.profile import SegmentProfile, profile
from segmint.insight.statistics import compare_segments, segment_statistics

__all__ = [
    "ENTERED",
    "LEFT",
    "Migration",
    "SegmentMoney",
    "SegmentProfile",
    "compare_segments",
    "migration",
    "profile",
    "segment_statistics",
    "value_ladder",
]
