"""Recommendations on mart data: baskets, rules counted in the engine, training data and
the time-split evaluation of every recommender (see :mod:`segmint.models.recommend`)."""

from segmint.scoring.recommend.data import DataSettings, TrainingData, training_data, truth
from segmint.scoring.recommend.evaluate import (
    BASELINES,
    BLEND,
    METHODS,
    Evaluation,
    RecommendSettings,
    evaluate,
    fit_blend,
    fit_method,
    fit_methods,
    recommend_all,
    segment_codes,
)
from segmint.scoring.recommend.rules import RuleSettings, count_itemsets, rule_table

__all__ = [
    "BASELINES",
    "BLEND",
    "METHODS",
    "DataSettings",
    "Evaluation",
    "RecommendSettings",
    "RuleSettings",
    "TrainingData",
    "count_itemsets",
    "evaluate",
    "fit_blend",
    "fit_method",
    "fit_methods",
    "recommend_all",
    "rule_table",
    "segment_codes",
    "training_data",
    "truth",
]
