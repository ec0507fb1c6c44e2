"""Fit a method (or the blend) as of a date and store every customer's top ``k`` with reasons.

:func:`store_recommendations` is the engine behind ``segmint recommend fit``: it fits what
was asked on the baskets up to the date, recommends for every customer with a purchase
by then a batch at a time (so memory stays bounded), writes each batch's rows to the
``recommendations`` table (replacing that date's lists in one transaction) and records the
run in ``model_runs`` (kind ``recommend``): the settings, what the blend picked per
customer group, and the strongest association rules with product names, which the Baskets
page shows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from segmint.mart import TABLES, Mart
from segmint.models.recommend import Blend, Recommender, RuleTable, customer_groups
from segmint.scoring.recommend.data import TrainingData, training_data
from segmint.scoring.recommend.evaluate import (
    BLEND,
    RecommendSettings,
    fit_blend,
    fit_method,
    fit_methods,
    segment_codes,
)
from segmint.scoring.recommend.reasons import Wording, recommendation_rows
from segmint.scoring.recommend_kind import RUN_KIND

TOP_RULES = 200
"""Rules kept with a run for the Baskets page, strongest lift first."""

BATCH = 50_000
"""Customers recommended for, and written, at a time."""

Say = Callable[[str], None]


@dataclass(frozen=True)
class StoredRun:
    """What :func:`store_recommendations` wrote.

    Attributes:
        as_of: the date of the purchases the lists were made from.
        method: the method asked for (``auto`` for the blend).
        k: items per customer.
        n_customers: customers with a list.
        n_rows: rows written.
        picks: per customer group, what the blend picked (empty for one method).
        segments: what segment popularity counted within.
        run_id: the run's id in ``model_runs``.
    """

    as_of: dt.date
    method: str
    k: int
    n_customers: int
    n_rows: int
    picks: list[dict[str, Any]]
    segments: str
    run_id: int


def _quiet(_: str) -> None:
    """Say nothing."""


def store_recommendations(
    mart: Mart,
    day: dt.date,
    method: str,
    settings: RecommendSettings,
    segments: tuple[ir.Table, str] | None = None,
    *,
    on_step: Say | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> StoredRun:
    """Fit ``method`` (a name of :data:`~segmint.scoring.recommend.METHODS` or ``auto``) on
    the baskets up to ``day`` and store every customer's top ``settings.k``.

    Args:
        segments: the segment of each customer (``customer_id``, ``segment``) for segment
            popularity, with the segmentation's name; default the behavioural groups.
        on_step: told what happens next (a progress message).
        on_progress: told the share of customers written so far.
    """
    step = on_step or _quiet
    step(f"training data as of {day}")
    data = training_data(mart, day, settings.data)
    codes, segment_names = segment_codes(data, segments[0] if segments else None)
    blend = None
    if method == BLEND:
        step("choosing per customer group on the 60 days before the date")
        blend = fit_blend(mart, day, settings, segments[0] if segments else None)
        step("fitting every method")
        models = fit_methods(data, settings, codes)
    else:
        step(f"fitting {method}")
        models = {method: fit_method(method, data, settings, codes)}
    names = _product_names(mart, data.product_ids)
    wording = Wording(
        names,
        segment_names,
        segments_are_groups=segments is None,
        popularity_days=settings.popularity_window_days,
        segment_days=settings.popularity_window_days * 3,
    )
    step("recommending for every customer")
    batches = _batches(models, blend, data, settings.k, wording, on_progress)
    n_rows = _replace(mart, day, batches)
    picks = blend.describe() if blend is not None else []
    label = segments[1] if segments else "behavioural groups"
    run_id = _store_run(mart, (day, method, label), settings, data, names, picks)
    n_customers = data.interactions.n_users
    return StoredRun(day, method, settings.k, n_customers, n_rows, picks, label, run_id)


def _batches(
    models: dict[str, Recommender],
    blend: Blend | None,
    data: TrainingData,
    k: int,
    wording: Wording,
    on_progress: Callable[[float], None] | None,
) -> Iterator[pd.DataFrame]:
    """The rows of every customer's list, :data:`BATCH` customers at a time."""
    n_users = data.interactions.n_users
    groups, _ = customer_groups(data.interactions)
    for start in range(0, n_users, BATCH):
        users = np.arange(start, min(start + BATCH, n_users), dtype=np.int64)
        if blend is None:
            (model,) = models.values()
            recs = model.recommend(users, k, filters=data.filters)
        else:
            needed = blend.methods_for(groups[users])
            each = {n: models[n].recommend(users, k, filters=data.filters) for n in needed}
            recs = blend.recommend(each, groups[users])
        yield recommendation_rows(recs, data.customer_ids, data.product_ids, wording, data.as_of)
        if on_progress is not None:
            on_progress(min(start + BATCH, n_users) / n_users)


def _replace(mart: Mart, day: dt.date, batches: Iterator[pd.DataFrame]) -> int:
    """Write ``batches`` as the lists of ``day``, replacing the ones stored before."""
    schema = TABLES["recommendations"].ibis_schema()
    n_rows = 0
    with mart.transaction():
        mart.delete("recommendations", as_of=day)
        for frame in batches:
            if len(frame):
                mart.insert("recommendations", ibis.memtable(frame, schema=schema))
            n_rows += len(frame)
    return n_rows


def _product_names(mart: Mart, product_ids: NDArray[np.object_]) -> NDArray[np.object_]:
    """The name of each product (its id when the catalogue has no name for it)."""
    wanted = ibis.memtable(
        {"product_id": [str(p) for p in product_ids], "position": np.arange(product_ids.size)}
    )
    products = mart.table("products").select("product_id", "name")
    joined = wanted.left_join(products, "product_id").select("position", "name")
    with mart.reading(joined):
        found = joined.to_pandas().sort_values("position").drop_duplicates("position")
    names = np.asarray(product_ids, dtype=object).copy()
    has = found["name"].notna().to_numpy() & (found["name"].astype(str).str.strip() != "")
    names[found["position"].to_numpy()[has]] = found["name"].to_numpy()[has]
    return names


def top_rules(
    rules: RuleTable, names: NDArray[np.object_], ids: NDArray[np.object_]
) -> list[dict[str, Any]]:
    """The :data:`TOP_RULES` rules of greatest lift (then support), with product names."""
    order = np.lexsort((-rules.n_baskets, -rules.lift))[:TOP_RULES]
    found = []
    for r in order:
        members = [int(i) for i in rules.antecedent[r] if i >= 0]
        found.append(
            {
                "antecedent_ids": [str(ids[i]) for i in members],
                "antecedent": [str(names[i]) for i in members],
                "consequent_id": str(ids[rules.consequent[r]]),
                "consequent": str(names[rules.consequent[r]]),
                "n_baskets": int(rules.n_baskets[r]),
                "n_customers": int(rules.n_customers[r]),
                "support": float(rules.support[r]),
                "confidence": float(rules.confidence[r]),
                "lift": float(rules.lift[r]),
            }
        )
    return found


def _missing(value: Any) -> bool:
    """True for a float NaN (JSON has no NaN: it is stored as null)."""
    return isinstance(value, float) and value != value


def _store_run(
    mart: Mart,
    what: tuple[dt.date, str, str],
    settings: RecommendSettings,
    data: TrainingData,
    names: NDArray[np.object_],
    picks: list[dict[str, Any]],
) -> int:
    """Record the run in ``model_runs``: settings, picks and the strongest rules.

    ``what`` is the date, the method and what segment popularity counted within.
    """
    day, method, segments = what
    runs = mart.table("model_runs")
    run_id = int(runs.run_id.max().fill_null(0).execute()) + 1
    shown = [{k: None if _missing(v) else v for k, v in pick.items()} for pick in picks]
    params = {"method": method, "k": settings.k, "segments": segments, "picks": shown}
    metrics = {
        "n_customers": data.interactions.n_users,
        "n_items": data.interactions.n_items,
        "n_baskets": data.n_baskets,
        "n_baskets_skipped": data.n_baskets_skipped,
        "n_rules": data.rules.n_rules,
        "rules": top_rules(data.rules, names, data.product_ids),
    }
    row = {
        "run_id": run_id,
        "model": method,
        "kind": RUN_KIND,
        "as_of": day,
        "params": json.dumps(params, default=float),
        "metrics": json.dumps(metrics, default=float),
        "model_blob": None,
        "created_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
    }
    table = ibis.memtable(pd.DataFrame([row]), schema=TABLES["model_runs"].ibis_schema())
    with mart.transaction():
        mart.insert("model_runs", table)
    return run_id
