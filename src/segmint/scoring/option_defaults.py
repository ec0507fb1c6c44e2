"""Defaults of scoring options that the commands' help shows: the CLV model choice, the fits'
iteration limit, and how campaign results are measured.

Kept apart from the modules that use them (:mod:`segmint.scoring.clv_fit`,
:mod:`segmint.scoring.campaigns.measure`), which need the engine and the models, so that
``segmint clv fit --help`` and ``segmint campaign results --help`` show them at once.
"""

from __future__ import annotations

AUTO = "auto"
"""The ``--model`` that compares the transaction models on a holdout and keeps the best."""

MAX_ITER = 1000
"""The optimiser's iteration limit of a fit unless told otherwise (the models' default;
every command's ``--max-iter``)."""

DEFAULT_WINDOW_DAYS = 14
"""Days from a campaign's start in which responses count."""

MIN_SEGMENT_SIZE = 200
"""Members each group needs in a segment before its lift is reported."""
