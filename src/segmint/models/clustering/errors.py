"""The error the clustering helpers raise when their input cannot be clustered."""

from __future__ import annotations

from segmint.exceptions import SegmintError


class ClusteringError(SegmintError, ValueError):
    """Input to a clustering helper is unusable: unknown or constant features, too few rows."""
