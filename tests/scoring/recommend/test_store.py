"""Storing every customer's list: batches, replacing a date, the run recorded with its rules."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from segmint.mart import Mart
from segmint.mart.ingest import IngestOptions, ingest
from segmint.scoring.recommend import DataSettings, RecommendSettings, RuleSettings
from segmint.scoring.recommend import store as store_module
from segmint.scoring.recommend.store import store_recommendations

from .conftest import Basket, add_baskets

DAY = dt.date(2024, 6, 30)
SETTINGS = RecommendSettings(
    k=3,
    data=DataSettings(rules=RuleSettings(min_count=3)),
    validation_days=60,
    min_group_size=5,
    factorization=False,
)


def _baskets() -> list[Basket]:
    rng = random.Random(5)
    baskets: list[Basket] = []
    for n in range(300):
        day = dt.datetime(2024, 1, 1) + dt.timedelta(hours=rng.randrange(24 * 181))
        items = rng.sample([f"p{i}" for i in range(8)], 2)
        if rng.random() < 0.4:
            items = ["p8", "p9", *items]  # p8 comes with p9
        lines: list[tuple[str | None, float]] = [(p, 1.0) for p in items]
        baskets.append((f"o{n}", f"c{rng.randrange(40):02d}", day.isoformat(" ")[:16], None, lines))
    return baskets


def _stored(mart: Mart) -> pd.DataFrame:
    frame = mart.table("recommendations").to_pandas()
    return frame.sort_values(["customer_id", "rank"]).reset_index(drop=True)


def test_batches_write_the_same_lists_as_one_batch(
    mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_baskets(mart, _baskets())
    whole = store_recommendations(mart, DAY, "item_knn", SETTINGS)
    once = _stored(mart)
    monkeypatch.setattr(store_module, "BATCH", 7)
    steps: list[str] = []
    shares: list[float] = []
    again = store_recommendations(
        mart, DAY, "item_knn", SETTINGS, on_step=steps.append, on_progress=shares.append
    )
    pd.testing.assert_frame_equal(_stored(mart), once)  # replaced, not added
    assert (whole.n_customers, whole.n_rows) == (again.n_customers, again.n_rows)
    assert whole.n_customers == 40 and whole.n_rows == len(once) > 0
    assert shares[-1] == 1.0 and len(shares) == 6  # 40 customers, 7 at a time
    assert steps[0] == f"training data as of {DAY}"


def test_a_run_records_the_picks_and_the_strongest_rules(mart: Mart) -> None:
    add_baskets(mart, _baskets())
    run = store_recommendations(mart, DAY, "auto", SETTINGS)
    assert run.method == "auto" and run.segments == "behavioural groups"
    assert {p["group"] for p in run.picks} >= {"1 order, explorer"}
    stored = _stored(mart)
    assert set(stored.method) <= {
        "popularity",
        "segment_popularity",
        "buy_again",
        "item_knn",
        "rules",
    }
    runs = mart.table("model_runs").to_pandas()
    recorded = runs[runs.run_id == run.run_id].iloc[0]
    assert recorded.kind == "recommend" and recorded.model == "auto"
    params, metrics = json.loads(recorded.params), json.loads(recorded.metrics)
    assert params["k"] == 3
    assert [p["picked"] for p in params["picks"]] == [p["picked"] for p in run.picks]
    assert None in [p["map"] for p in params["picks"]]  # groups without customers: no score
    top = metrics["rules"][0]
    assert {*top["antecedent_ids"], top["consequent_id"]} == {"p8", "p9"}
    assert top["antecedent"] == top["antecedent_ids"]  # no product names: ids stand in
    lifts = [r["lift"] for r in metrics["rules"]]
    assert lifts == sorted(lifts, reverse=True)


RETURNS = """order_id,customer_id,order_ts,product_id,quantity,unit_price
1001,c1,2024-06-01 10:00,pA,2,3.00
1001,c1,2024-06-01 10:00,pB,1,5.00
1001,c1,2024-06-01 10:00,pC,1,9.95
C1001,c1,2024-06-03 09:00,pC,-1,9.95
1002,c2,2024-06-02 10:00,pA,1,3.00
1002,c2,2024-06-02 10:00,pB,1,5.00
1002,c2,2024-06-02 10:00,pD,1,4.00
1002,c2,2024-06-02 10:00,pC,1,9.95
1003,c3,2024-06-04 10:00,pA,1,3.00
1003,c3,2024-06-04 10:00,pD,2,4.00
C1003,c3,2024-06-05 10:00,pD,-1,4.00
1004,c4,2024-06-06 10:00,pB,1,5.00
C1004,c4,2024-06-07 10:00,pB,-1,5.00
"""
"""c1's only order and c3's were partly returned (C invoices); c4 cancelled its only one."""


def test_every_buyer_gets_a_list_including_those_whose_orders_were_partly_returned(
    mart: Mart, tmp_path: Path
) -> None:
    path = tmp_path / "returns.csv"
    path.write_text(RETURNS, encoding="utf-8")
    ingest(mart, "transactions", path, IngestOptions(cancel_prefix="C"))
    orders = mart.table("orders").to_pandas().set_index("order_id").status.to_dict()
    assert orders == {
        "1001": "returned",
        "1002": "completed",
        "1003": "returned",
        "1004": "cancelled",
    }
    # k covers all four products sold, so only the filter can leave one out
    run = store_recommendations(mart, DAY, "popularity", replace(SETTINGS, k=4))
    stored = _stored(mart)
    kept = mart.table("orders").to_pandas().query("status != 'cancelled'")
    assert set(stored.customer_id) == set(kept.customer_id) == {"c1", "c2", "c3"}
    assert run.n_customers == 3
    lists = stored.groupby("customer_id").product_id.agg(set).to_dict()
    assert lists["c1"] == {"pA", "pB", "pD"}  # c1 sent pC back in full
    assert lists["c3"] == {"pA", "pB", "pC", "pD"}  # c3 kept one of its two pD


def test_repeated_runs_leave_the_connection_as_it_was(
    mart: Mart, engine_objects: Callable[[Mart], tuple[int, int]]
) -> None:
    """The products named in a run (and the lists written) are not kept registered with a
    long-lived connection."""
    add_baskets(mart, _baskets())
    store_recommendations(mart, DAY, "item_knn", SETTINGS)  # creates the tables it writes
    before = engine_objects(mart)
    for _ in range(2):
        store_recommendations(mart, DAY, "item_knn", SETTINGS)
    assert engine_objects(mart) == before
