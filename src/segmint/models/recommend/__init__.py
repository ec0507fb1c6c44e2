"""Recommenders: each customer's next products, with the reason for each.

Estimators on arrays and sparse matrices (they never open the mart): fit on
:class:`Interactions` (what each customer bought, per item), ``recommend(users, k)``
returns :class:`Recommendations` with the structured "because" data.

* baselines: :class:`Popularity`, :class:`SegmentPopularity`, :class:`BuyAgain`;
* :class:`ItemKNN` (item-item co-occurrence, cosine or lift);
* :class:`RuleRecommender` over a :class:`RuleTable` counted in the engine;
* :class:`ALS` and :class:`BPR` through ``implicit`` (``pip install 'segmint[recommend]'``);
* :class:`Blend`, which picks per customer group what won on a validation period;
* :mod:`~segmint.models.recommend.filters` and :mod:`~segmint.models.recommend.metrics`.
"""

from segmint.models.recommend._base import Recommender
from segmint.models.recommend._data import Interactions, Recommendations
from segmint.models.recommend.blend import Blend, chain, customer_groups
from segmint.models.recommend.buy_again import BuyAgain
from segmint.models.recommend.factorization import ALS, BPR, MissingExtraError
from segmint.models.recommend.filters import Filters
from segmint.models.recommend.item_knn import ItemKNN
from segmint.models.recommend.metrics import METRICS, ranking_metrics
from segmint.models.recommend.popularity import Popularity, SegmentPopularity
from segmint.models.recommend.rules import RuleRecommender, RuleTable

__all__ = [
    "ALS",
    "BPR",
    "METRICS",
    "Blend",
    "BuyAgain",
    "Filters",
    "Interactions",
    "ItemKNN",
    "MissingExtraError",
    "Popularity",
    "Recommendations",
    "Recommender",
    "RuleRecommender",
    "RuleTable",
    "SegmentPopularity",
    "chain",
    "customer_groups",
    "ranking_metrics",
]
