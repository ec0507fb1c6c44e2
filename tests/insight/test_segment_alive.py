"""Mean P(alive) per segment, from the first model by name that scored the date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import ibis
import pandas as pd
import pytest

import segmint
from segmint.insight.segment_alive import segment_p_alive
from segmint.mart import Mart
from segmint.segmentation import store

DAY = dt.date(2024, 6, 30)


@pytest.fixture
def mart() -> Iterator[Mart]:
    with segmint.connect(":memory:") as made:
        members = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "segment": list("XXYY")})
        store.save(made, "s", "rules", {"name": "s"}, DAY, ibis.memtable(members))
        yield made


def put(mart: Mart, model: str, day: dt.date, values: dict[str, float]) -> None:
    for customer, value in values.items():
        mart.raw.execute(
            "INSERT INTO scores VALUES ($1, $2, $3, 'p_alive', $4)", [customer, day, model, value]
        )


def test_means_of_the_first_model_by_name_on_the_date(mart: Mart) -> None:
    assert segment_p_alive(mart, "s", DAY).empty
    put(mart, "zeta", DAY, {"a": 0.0, "b": 0.0, "c": 0.0})
    put(mart, "beta", DAY, {"a": 0.2, "b": 0.4, "c": 0.9})  # d unscored: left out
    put(mart, "alpha", dt.date(2024, 5, 31), {"a": 1.0, "c": 1.0})  # another date
    means = segment_p_alive(mart, "s", DAY)
    assert means.to_dict() == {"X": pytest.approx(0.3), "Y": pytest.approx(0.9)}
