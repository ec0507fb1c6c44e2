"""What the pages show of recommendations: one customer's list, and the Baskets page.

A customer's list is a point lookup (:mod:`segmint.serving.recommendation_lookup`). The
Baskets page reads the latest stored recommendation run (``model_runs``, kind
``recommend``): the strongest association rules with product names, the baskets they
were counted over, and what the blend picked per customer group.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from segmint.mart import Mart
from segmint.scoring.recommend_kind import RUN_KIND
from segmint.serving.frames import as_date
from segmint.serving.recommendation_lookup import customer_recommendations

__all__ = ["BasketsView", "CustomerRecommendations", "baskets_view", "customer_list"]

NO_RUN = (
    "No recommendations stored yet: run `segmint recommend fit` (it counts the rules this "
    "page shows)."
)


@dataclass(frozen=True)
class CustomerRecommendations:
    """One customer's latest list.

    Attributes:
        customer_id: whose list.
        as_of: the date of the purchases it was made from (None: nothing stored).
        items: ``rank``, ``product_id``, ``product_name``, ``score``, ``method``, ``reason``.
        notes: what to run when nothing is stored (empty when a list is).
    """

    customer_id: str
    as_of: dt.date | None
    items: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)


def customer_list(mart: Mart, customer_id: str) -> CustomerRecommendations:
    """The customer's latest stored recommendations (an empty list says how to make some)."""
    rows = customer_recommendations(mart, customer_id)
    if not rows:
        return CustomerRecommendations(
            customer_id,
            None,
            [],
            [
                "No recommendations for this customer: `segmint recommend fit` stores a list "
                "for every customer with a purchase by its date."
            ],
        )
    day = as_date(rows[0]["as_of"])
    items = [{k: v for k, v in row.items() if k != "as_of"} for row in rows]
    return CustomerRecommendations(customer_id, day, items)


@dataclass(frozen=True)
class BasketsView:
    """The Baskets page: rules of the latest stored run, strongest lift first.

    Attributes:
        as_of: the date of the baskets the rules were counted over (None: no run).
        method: the method the run stored (``auto`` for the blend).
        n_baskets: baskets counted.
        n_rules: rules found in all (the page shows the strongest).
        rules: ``antecedent`` (list of names), ``consequent``, their ids, ``n_baskets``,
            ``n_customers`` (not in runs stored before it was counted), ``support``,
            ``confidence``, ``lift``.
        picks: per customer group, what the blend picked.
        messages: what is missing and how to get it.
    """

    as_of: dt.date | None = None
    method: str | None = None
    n_baskets: int = 0
    n_rules: int = 0
    rules: list[dict[str, Any]] = field(default_factory=list)
    picks: list[dict[str, Any]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


def baskets_view(mart: Mart) -> BasketsView:
    """The latest stored recommendation run's rules and picks."""
    runs = mart.table("model_runs")
    latest = runs.filter(runs.kind == RUN_KIND).order_by(runs.run_id.desc()).limit(1)
    found = latest.select("as_of", "model", "params", "metrics").to_pandas()
    if found.empty:
        return BasketsView(messages=[NO_RUN])
    row = found.iloc[0]
    params = json.loads(row["params"] or "{}")
    metrics = json.loads(row["metrics"] or "{}")
    view = BasketsView(
        as_of=pd.Timestamp(row["as_of"]).date(),
        method=str(row["model"]),
        n_baskets=int(metrics.get("n_baskets", 0)),
        n_rules=int(metrics.get("n_rules", 0)),
        rules=list(metrics.get("rules", [])),
        picks=list(params.get("picks", [])),
    )
    if not view.rules:
        view.messages.append(
            "No association rules: no items, pairs or triples were bought together in enough "
            "baskets of enough different customers (10 baskets of 5 customers by default)."
        )
    return view
