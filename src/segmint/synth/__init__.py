"""The synthetic retailer: realistic mart tables with a known true answer.

``generate`` returns every loadable mart table (customers, PII, attributes, consents,
products, orders, order lines, events, campaigns and members) plus ``ground_truth``
(each customer's latent type, true BG/NBD purchase rate and dropout probability,
true mean spend and whether they are still alive), ``ground_truth_campaigns`` (each
campaign's true uplift per latent type); ``bundle_pairs`` names the products sold together
(the planted basket structure) and ``bundle_follow_ups`` what their buyers take in a later
order; ``synthesize`` streams the same
data to Parquet or CSV files ready for ``segmint load``; ``write`` writes tables.
See ``docs/synth.md`` for the types, distributions and dirt.
"""

from segmint.synth.generator import (
    TABLE_NAMES,
    SynthResult,
    bundle_follow_ups,
    bundle_pairs,
    generate,
    iter_chunks,
    synthesize,
)
from segmint.synth.history import History
from segmint.synth.types import TYPE_NAMES, TYPES, CustomerType
from segmint.synth.writer import write

__all__ = [
    "TABLE_NAMES",
    "TYPES",
    "TYPE_NAMES",
    "CustomerType",
    "History",
    "SynthResult",
    "bundle_follow_ups",
    "bundle_pairs",
    "generate",
    "iter_chunks",
    "synthesize",
    "write",
]
