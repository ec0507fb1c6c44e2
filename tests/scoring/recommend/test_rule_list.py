"""The rule list on a mart: rules are habits of several customers, not one customer's, and a
two-item antecedent shows only when it says more than either item alone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from segmint.mart import Mart
from segmint.mart.spark import connect_spark, copy_mart
from segmint.scoring.recommend.rule_list import RuleQuery, list_rules

from .conftest import Basket, add_baskets

DAY = dt.date(2024, 4, 30)


def _shop(mirror_buyers: list[str]) -> list[Basket]:
    """Nineteen baskets of a frame, a lamp and a mirror, over three days of April, by
    ``mirror_buyers`` in turn; and 60 single-item baskets of 60 other customers."""
    baskets: list[Basket] = [
        (
            f"m{k}",
            mirror_buyers[k % len(mirror_buyers)],
            f"2024-04-{10 + k % 3:02d} 10:{k:02d}",
            "completed",
            [("frame", 1), ("lamp", 1), ("mirror", 1)],
        )
        for k in range(19)
    ]
    singles = ("frame", "lamp", "vase")
    baskets += [
        (f"s{k}", f"s{k}", f"2024-04-{1 + k % 28:02d} 09:00", "completed", [(singles[k % 3], 1)])
        for k in range(60)
    ]
    return baskets


def _mirror_rules(rules: pd.DataFrame) -> pd.DataFrame:
    mentions = rules.antecedent_ids.str.contains("mirror") | (rules.consequent_id == "mirror")
    return rules[mentions]


def test_one_customers_repeated_basket_makes_no_rule(mart: Mart) -> None:
    add_baskets(mart, _shop(["17850"]))
    found = list_rules(mart, DAY)
    assert found.min_customers == 5 and found.n_baskets == 79
    # 19 baskets at lift above 4 and confidence 1, but all of one customer's
    assert found.rules.empty
    # a threshold of one customer lists them, with the one customer shown
    alone = list_rules(mart, DAY, RuleQuery(min_customers=1)).rules
    assert len(_mirror_rules(alone)) > 0 and set(alone.n_customers) == {1}


def test_several_customers_make_a_rule_and_redundant_triples_are_left_out(mart: Mart) -> None:
    add_baskets(mart, _shop([f"c{k}" for k in range(6)]))
    rules = list_rules(mart, DAY).rules
    assert list(rules.columns[:4]) == ["antecedent", "consequent", "n_baskets", "n_customers"]
    by_ids = rules.set_index(["antecedent_ids", "consequent_id"])
    frame = by_ids.loc[("frame", "mirror")]
    assert (frame.n_baskets, frame.n_customers) == (19, 6)
    assert frame.confidence == pytest.approx(19 / 39)  # frame is in 20 other baskets
    assert by_ids.loc[("mirror", "lamp"), "confidence"] == 1.0
    # "frame and lamp -> mirror" (1) says more than "frame -> mirror" or "lamp -> mirror"
    # (19/39 each); "frame and mirror -> lamp" (1) no more than "mirror -> lamp" (1)
    assert by_ids.loc[("frame | lamp", "mirror"), "confidence"] == 1.0
    assert ("frame | mirror", "lamp") not in by_ids.index
    assert ("lamp | mirror", "frame") not in by_ids.index
    assert (rules.n_customers == 6).all()


@pytest.mark.slow
@pytest.mark.spark
def test_the_rule_list_is_the_same_on_spark(mart: Mart, spark_session: Any, tmp_path: Path) -> None:
    add_baskets(mart, _shop(["17850", "c1", "c1", "c2", "c3", "c4", "c5"]))
    query = RuleQuery(min_count=3, min_customers=3, min_confidence=0.0, min_lift=0.0)
    spark = connect_spark(tmp_path / "warehouse", spark_session)
    try:
        copy_mart(mart, spark)
        on_spark = list_rules(spark, DAY, query).rules
    finally:
        spark.close()
    on_duckdb = list_rules(mart, DAY, query).rules
    assert len(on_duckdb) > 0 and (on_duckdb.n_customers < on_duckdb.n_baskets).any()
    pd.testing.assert_frame_equal(on_spark, on_duckdb, check_dtype=False)


def test_repeated_rule_lists_leave_the_connection_as_it_was(
    mart: Mart, engine_objects: Callable[[Mart], tuple[int, int]]
) -> None:
    add_baskets(mart, _shop([f"c{k}" for k in range(6)]))
    before = engine_objects(mart)
    for _ in range(3):
        rules = list_rules(mart, DAY).rules
    assert engine_objects(mart) == before
    assert ("frame | lamp", "mirror") in rules.set_index(["antecedent_ids", "consequent_id"]).index
