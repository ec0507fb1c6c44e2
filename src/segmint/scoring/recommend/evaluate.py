"""Fit every recommender as of a date, and judge them on what customers bought afterwards.

The time split (no leakage by construction): every model is fitted on baskets up to the
end of the split day ``D`` only (:func:`~segmint.scoring.recommend.data.training_data`
reads nothing later), and judged on what each customer known at ``D`` bought after it
(:func:`~segmint.scoring.recommend.data.truth`). The blend (``auto``) picks its option per
customer group on a validation period that also ends by ``D``: models fitted up to
``D - validation_days`` are scored on the purchases of the following ``validation_days``.

The result has one row per method, baselines included, with the metrics of
:mod:`segmint.models.recommend.metrics` and what the blend picked for each group.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import ibis.expr.types as ir
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from segmint.exceptions import InputError
from segmint.mart import Mart
from segmint.models.recommend import (
    ALS,
    BPR,
    METRICS,
    Blend,
    BuyAgain,
    ItemKNN,
    Popularity,
    Recommendations,
    Recommender,
    RuleRecommender,
    SegmentPopularity,
    customer_groups,
    ranking_metrics,
)
from segmint.scoring.recommend.data import DataSettings, TrainingData, training_data, truth

BASELINES = ("popularity", "segment_popularity", "buy_again")
"""Methods that are always computed and reported, for every other method to beat."""

BLEND = "auto"
"""The name of the blend in results."""


@dataclass(frozen=True)
class RecommendSettings:
    """The methods' settings.

    Attributes:
        k: items recommended per customer.
        data: what counts in the training data (exclusions, on-sale window, rules).
        popularity_window_days: the recent window of overall popularity; segment
            popularity counts three times as long (a segment has fewer buyers).
        half_life_days: recency half-life of buy-again.
        n_neighbors: neighbours per item of item-kNN.
        similarity: item-kNN's ``cosine`` or ``lift``.
        factorization: fit ALS and BPR (``None``: when ``implicit`` is installed).
        validation_days: length of the blend's validation period, before the date.
        metric: what the blend maximises per group (``map`` or ``recall`` at ``k``).
        min_group_size: groups with fewer validation customers take the overall best.
    """

    k: int = 10
    data: DataSettings = field(default_factory=DataSettings)
    popularity_window_days: float = 30.0
    half_life_days: float = 90.0
    n_neighbors: int = 20
    similarity: Literal["cosine", "lift"] = "cosine"
    factorization: bool | None = None
    validation_days: int = 60
    metric: Literal["map", "recall"] = "map"
    min_group_size: int = 50

    def use_factorization(self) -> bool:
        """Whether ALS and BPR take part."""
        if self.factorization is None:
            return importlib.util.find_spec("implicit") is not None
        return self.factorization


def segment_codes(
    data: TrainingData, segments: ir.Table | None
) -> tuple[NDArray[np.int64], tuple[str, ...]]:
    """Each customer's segment code (``-1`` for none) and the segment names.

    Without ``segments`` (a table of ``customer_id``, ``segment``, such as a stored
    segmentation's assignments), the behavioural groups of
    :func:`~segmint.models.recommend.customer_groups`.
    """
    if segments is None:
        return customer_groups(data.interactions)
    missing = {"customer_id", "segment"} - set(segments.columns)
    if missing:
        raise InputError(
            f"segments need columns customer_id and segment; missing {sorted(missing)}."
        )
    frame = segments.select("customer_id", segment=segments.segment.cast("string")).to_pandas()
    position = pd.Index(data.customer_ids).get_indexer(frame.customer_id)
    found = position >= 0
    names, codes = np.unique(frame.segment[found].fillna("unassigned"), return_inverse=True)
    result = np.full(data.customer_ids.size, -1, dtype=np.int64)
    result[position[found]] = codes
    return result, tuple(str(n) for n in names)


METHODS = (
    "popularity",
    "segment_popularity",
    "buy_again",
    "item_knn",
    "rules",
    "als",
    "bpr",
)
"""Every method, baselines first; ``als`` and ``bpr`` need ``segmint[recommend]``."""


def fit_method(
    name: str, data: TrainingData, settings: RecommendSettings, segments: NDArray[np.int64]
) -> Recommender:
    """Method ``name`` (one of :data:`METHODS`) fitted on ``data``.

    Raises:
        InputError: an unknown method name.
        MissingExtraError: ``als`` or ``bpr`` without the ``implicit`` library.
    """
    interactions = data.interactions
    if name == "popularity":
        return Popularity(settings.popularity_window_days).fit(interactions)
    if name == "segment_popularity":
        return SegmentPopularity(settings.popularity_window_days * 3).fit(interactions, segments)
    if name == "buy_again":
        return BuyAgain(settings.half_life_days).fit(interactions)
    if name == "item_knn":
        return ItemKNN(settings.similarity, settings.n_neighbors).fit(interactions)
    if name == "rules":
        return RuleRecommender().fit(interactions, data.rules)
    if name == "als":
        return ALS().fit(interactions)
    if name == "bpr":
        return BPR(num_threads=1).fit(interactions)  # one thread: reproducible
    raise InputError(f"unknown recommendation method {name!r}; choose one of {', '.join(METHODS)}.")


def fit_methods(
    data: TrainingData, settings: RecommendSettings, segments: NDArray[np.int64]
) -> dict[str, Recommender]:
    """Every method fitted on ``data``: the baselines, item-kNN, rules and (when enabled)
    ALS and BPR."""
    names = METHODS if settings.use_factorization() else METHODS[:5]
    return {name: fit_method(name, data, settings, segments) for name in names}


def recommend_all(
    methods: Mapping[str, Recommender], data: TrainingData, users: NDArray[np.int64], k: int
) -> dict[str, Recommendations]:
    """Each method's top ``k`` for ``users``, with the data's filters applied."""
    return {name: m.recommend(users, k, filters=data.filters) for name, m in methods.items()}


@dataclass(frozen=True)
class Evaluation:
    """The time-split evaluation: one row per method, and what the blend picked.

    Attributes:
        split: the last day of training data.
        end: the last day of the test window.
        validation_start: the first day of the blend's validation period.
        table: one row per method: ``method``, ``kind`` (baseline, model, blend),
            ``customers`` evaluated, then :data:`~segmint.models.recommend.METRICS` at ``k``.
        picks: per customer group, the option the blend chose (see :meth:`Blend.describe`).
        k: items per customer.
    """

    split: dt.date
    end: dt.date
    validation_start: dt.date
    table: pd.DataFrame
    picks: list[dict[str, Any]]
    k: int

    def best_baseline(self, metric: str) -> str:
        """The baseline with the highest ``metric``."""
        baselines = self.table[self.table.kind == "baseline"].sort_values(metric, ascending=False)
        return str(baselines.method.iloc[0])

    def value(self, method: str, metric: str) -> float:
        """``metric`` of ``method``."""
        row = self.table[self.table.method == method]
        return float(row[metric].iloc[0])


def _evaluated_users(answer: Any) -> NDArray[np.int64]:
    return np.flatnonzero(np.diff(answer.indptr) > 0).astype(np.int64)


def evaluate(
    mart: Mart,
    split: dt.date,
    *,
    end: dt.date | None = None,
    settings: RecommendSettings | None = None,
    segments: ir.Table | None = None,
    on_step: Callable[[str], None] | None = None,
) -> Evaluation:
    """Fit on baskets up to ``split``, test on purchases after it (up to ``end``).

    Args:
        mart: the mart.
        split: the last day of training data.
        end: the last day of the test window (default: the last order in the mart).
        settings: the methods' settings.
        segments: ``customer_id``, ``segment`` for the segment-popularity baseline, as of
            ``split`` (default: the behavioural customer groups).
        on_step: told what happens next (a progress message): each step reads or fits
            every method once, so a large mart shows where the time goes.
    """
    settings = settings or RecommendSettings()
    k = settings.k
    step = on_step or (lambda _: None)
    if end is None:
        latest = mart.table("orders").order_ts.max().execute()
        end = pd.Timestamp(latest).date()
    if end <= split:
        raise InputError(f"the test window must end after the split; got split {split}, end {end}.")
    # every method fitted up to the split, judged on what came after (read first: a split
    # with no basket at all is refused as such, before the blend looks further back)
    step(f"training data as of {split}")
    data = training_data(mart, split, settings.data)
    step(f"choosing per customer group on the {settings.validation_days} days before {split}")
    blend = fit_blend(mart, split, settings, segments)
    start = split - dt.timedelta(days=settings.validation_days)
    step(f"reading what customers bought from {split + dt.timedelta(days=1)} to {end}")
    answer = truth(mart, data, split, end, settings.data)
    users = _evaluated_users(answer)
    codes, _ = segment_codes(data, segments)
    step("fitting every method")
    methods = fit_methods(data, settings, codes)
    step(f"recommending for {users.size:,} customers and scoring")
    recs = recommend_all(methods, data, users, k)
    groups, _ = customer_groups(data.interactions)
    recs[BLEND] = blend.recommend(recs, groups[users])
    table = _score_table(recs, data, answer, users)
    return Evaluation(split, end, start, table, blend.describe(), k)


def fit_blend(
    mart: Mart,
    day: dt.date,
    settings: RecommendSettings,
    segments: ir.Table | None = None,
) -> Blend:
    """The blend's choice per customer group, on a validation period that ends by ``day``.

    Every method is fitted up to ``day - validation_days`` and judged on the purchases of
    the following ``validation_days``; the blend keeps, per group, the option that scored
    best. Nothing after ``day`` is read.

    Raises:
        InputError: no basket by ``day - validation_days``: nothing to choose on.
    """
    start = day - dt.timedelta(days=settings.validation_days)
    try:
        early = training_data(mart, start, settings.data)
    except InputError:
        raise InputError(
            f"the blend (method auto) chooses per customer group by how each method did over "
            f"the {settings.validation_days} days before {day}, and no purchase with products "
            f"is known by {start}, where they start: pick a date at least "
            f"{settings.validation_days} days after the first purchase with products, or fit "
            "one method (buy-again, popular, item-knn…)."
        ) from None
    early_truth = truth(mart, early, start, day, settings.data)
    early_users = _evaluated_users(early_truth)
    early_codes, _ = segment_codes(early, segments)
    early_methods = fit_methods(early, settings, early_codes)
    early_recs = recommend_all(early_methods, early, early_users, settings.k)
    groups, group_names = customer_groups(early.interactions)
    blend = Blend(metric=settings.metric, k=settings.k, min_group_size=settings.min_group_size)
    return blend.fit(early_recs, early_truth[early_users], groups[early_users], group_names)


def _score_table(
    recs: Mapping[str, Recommendations],
    data: TrainingData,
    answer: Any,
    users: NDArray[np.int64],
) -> pd.DataFrame:
    """One row per method: its kind and every metric against ``answer``."""
    history = data.interactions.bought[users]
    buyers = np.bincount(data.interactions.item, minlength=data.interactions.n_items)
    rows = []
    for name, rec in recs.items():
        scores = ranking_metrics(
            rec.items,
            answer[users],
            history=history,
            item_buyers=buyers.astype(np.float64),
            n_users=data.interactions.n_users,
        )
        kind = "baseline" if name in BASELINES else "blend" if name == BLEND else "model"
        rows.append({"method": name, "kind": kind, "customers": int(users.size), **scores})
    return pd.DataFrame(rows, columns=["method", "kind", "customers", *METRICS])
