"""The time split: nothing after the date reaches a fit; one row per method; Online Retail II."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import ibis
import numpy as np
import pytest

import segmint
from segmint.exceptions import InputError
from segmint.mart import Mart
from segmint.mart.ingest import IngestOptions, ingest
from segmint.models.recommend import METRICS
from segmint.scoring.recommend import (
    BLEND,
    DataSettings,
    RecommendSettings,
    RuleSettings,
    evaluate,
    fit_methods,
    recommend_all,
    segment_codes,
    training_data,
)

from .conftest import DATASETS, Basket, add_baskets

SPLIT = dt.date(2024, 6, 30)


def _shop(seed: int, start: str, end: str, prefix: str) -> list[Basket]:
    """Random baskets of 60 customers over 12 products, with some returns."""
    rng = random.Random(seed)
    first, last = dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end)
    span = int((last - first).total_seconds() // 60)
    baskets: list[Basket] = []
    for n in range(400):
        customer = f"c{rng.randrange(60)}"
        when = first + dt.timedelta(minutes=rng.randrange(span))
        items = rng.sample([f"p{i}" for i in range(12)], rng.randint(1, 4))
        status = "returned" if rng.random() < 0.05 else "completed"
        sign = -1.0 if status == "returned" else 1.0
        lines: list[tuple[str | None, float]] = [(p, sign) for p in items]
        baskets.append((f"{prefix}{n}", customer, when.isoformat(" ")[:16], status, lines))
    return baskets


SETTINGS = RecommendSettings(
    k=5,
    data=DataSettings(rules=RuleSettings(min_count=3, min_confidence=0.0)),
    validation_days=60,
    min_group_size=5,
)


def _fitted(mart: Mart) -> dict[str, object]:
    data = training_data(mart, SPLIT, SETTINGS.data)
    codes, _ = segment_codes(data, None)
    methods = fit_methods(data, SETTINGS, codes)
    users = np.arange(data.interactions.n_users)
    return {"data": data, "recs": recommend_all(methods, data, users, SETTINGS.k)}


def test_nothing_after_the_split_reaches_a_fit(tmp_path: Path) -> None:
    before = _shop(1, "2024-01-01 00:00", "2024-06-30 23:59", "a")
    after = _shop(2, "2024-07-01 00:00", "2024-09-30 23:59", "b")
    with segmint.connect(tmp_path / "past.duckdb") as past:
        add_baskets(past, before)
        only_past = _fitted(past)
    with segmint.connect(tmp_path / "full.duckdb") as full:
        add_baskets(full, before + after)
        with_future = _fitted(full)
    a, b = only_past["data"], with_future["data"]
    for name in ("user", "item", "n_orders", "quantity", "days_since_first", "days_since_last"):
        np.testing.assert_array_equal(
            getattr(a.interactions, name),
            getattr(b.interactions, name),  # type: ignore[attr-defined]
        )
    assert a.product_ids.tolist() == b.product_ids.tolist()  # type: ignore[attr-defined]
    np.testing.assert_array_equal(a.rules.confidence, b.rules.confidence)  # type: ignore[attr-defined]
    assert (a.filters.excluded != b.filters.excluded).nnz == 0  # type: ignore[attr-defined]
    np.testing.assert_array_equal(a.days_since_sold, b.days_since_sold)  # type: ignore[attr-defined]
    for method, recs in only_past["recs"].items():  # type: ignore[attr-defined]
        np.testing.assert_array_equal(recs.items, with_future["recs"][method].items)  # type: ignore[index]


def test_evaluation_reports_every_method_and_the_blends_picks(mart: Mart) -> None:
    add_baskets(mart, _shop(3, "2024-01-01 00:00", "2024-09-30 23:59", "o"))
    result = evaluate(mart, SPLIT, settings=SETTINGS)
    table = result.table
    assert table.method.tolist()[:3] == ["popularity", "segment_popularity", "buy_again"]
    assert set(table.method) >= {"item_knn", "rules", BLEND}
    assert set(table.kind) == {"baseline", "model", "blend"}
    assert list(table.columns) == ["method", "kind", "customers", *METRICS]
    assert (table.customers > 0).all() and table.recall.between(0, 1).all()
    assert result.validation_start == dt.date(2024, 5, 1)
    assert result.end == dt.date(2024, 9, 30)
    assert {p["group"] for p in result.picks} >= {"1 order, explorer"}


def test_segments_map_to_codes_and_customers_outside_get_none(mart: Mart) -> None:
    add_baskets(mart, _shop(4, "2024-01-01 00:00", "2024-06-30 23:59", "o"))
    data = training_data(mart, SPLIT, SETTINGS.data)
    segments = ibis.memtable(
        {"customer_id": ["c1", "c2", "nobody"], "segment": ["vip", "new", "vip"]}
    )
    codes, names = segment_codes(data, segments)
    assert names == ("new", "vip")
    position = {c: i for i, c in enumerate(data.customer_ids)}
    assert codes[position["c1"]] == 1 and codes[position["c2"]] == 0
    assert (codes >= 0).sum() == 2
    with pytest.raises(InputError, match="segments need columns customer_id and segment"):
        segment_codes(data, segments.rename(group="segment"))


NON_GOODS = ("POST", "DOT", "M", "D", "C2", "BANK CHARGES", "ADJUST", "ADJUST2", "TEST001")
"""Online Retail II stock codes that are postage, fees or adjustments, not goods (README)."""

RETAIL_MAPPING = {
    "order_id": "Invoice",
    "product_id": "StockCode",
    "product_name": "Description",
    "quantity": "Quantity",
    "order_ts": "InvoiceDate",
    "unit_price": "Price",
    "customer_id": "Customer ID",
    "country": "Country",
}


@pytest.mark.slow
def test_online_retail_blend_beats_the_best_baseline(mart: Mart) -> None:
    path = DATASETS / "online_retail_ii_2009_2010" / "online_retail_ii_2009_2010.parquet"
    # rows without a customer id are quarantined; a C invoice is booked on the sale it
    # reverses: what came back in full is no basket item and is excluded for that customer
    ingest(mart, "transactions", path, IngestOptions(mapping=RETAIL_MAPPING))
    settings = RecommendSettings(data=DataSettings(exclude_products=NON_GOODS))
    result = evaluate(mart, dt.date(2010, 9, 1), settings=settings)
    table = result.table.set_index("method")
    assert table.loc["buy_again", "customers"] > 1500
    for metric in ("recall", "map"):
        best = result.best_baseline(metric)
        assert result.value(BLEND, metric) > result.value(best, metric), (metric, table)
