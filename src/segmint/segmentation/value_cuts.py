"""Where value tiers and churn-risk bands start by default (:mod:`segmint.segmentation.value`).

Kept apart from the tiers themselves, which need the engine, so that ``segmint segment
value --help`` shows the defaults at once.
"""

from __future__ import annotations

DEFAULT_CUTS = (0.01, 0.05, 0.20, 0.50)
"""Cumulative shares of customers, best first, at which a new tier starts."""

DEFAULT_RISK_CUTS = (1 / 3, 2 / 3)
"""Churn risk at which the ``medium`` and ``high`` risk bands start."""
